using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Units.Client.Connection;

/// <summary>The outcome of a command run on a host.</summary>
public sealed record ShellResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs commands on the manager's host: journalctl, systemd-analyze, writing unit files. What
/// systemctl does locally (the journal, verify, unit files) the module does on the right host.
/// </summary>
public interface IHostShell
{
    /// <summary>Runs a command to completion, feeding it <paramref name="standardInput"/>.</summary>
    Task<ShellResult> RunAsync(IReadOnlyList<string> command, string? standardInput, CancellationToken cancellation);

    /// <summary>Runs a command and yields its standard output line by line until it exits or is cancelled.</summary>
    IAsyncEnumerable<string> ReadLinesAsync(IReadOnlyList<string> command, CancellationToken cancellation);
}

/// <summary>Runs commands on this machine.</summary>
public sealed class LocalShell : IHostShell
{
    /// <inheritdoc/>
    public async Task<ShellResult> RunAsync(IReadOnlyList<string> command, string? standardInput, CancellationToken cancellation)
    {
        using var process = Start(command, redirectInput: standardInput is not null);
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var error = process.StandardError.ReadToEndAsync(cancellation);
        if (standardInput is not null)
        {
            try
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellation).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command exited without reading all its input (a refused write, say): its
                // exit code and standard error tell why.
            }
        }
        try
        {
            await process.WaitForExitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new ShellResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ReadLinesAsync(IReadOnlyList<string> command, [EnumeratorCancellation] CancellationToken cancellation)
    {
        using var process = Start(command, redirectInput: false);
        using var kill = cancellation.Register(static state => ((Process)state!).Kill(entireProcessTree: true), process);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (cancellation.IsCancellationRequested)
            {
                yield break;
            }
            yield return line;
        }
    }

    private static Process Start(IReadOnlyList<string> command, bool redirectInput)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{command[0]}'.");
    }
}

/// <summary>Runs commands on a remote host through ssh, as systemctl -H reaches its bus; <paramref name="sshOptions"/> go to ssh.</summary>
public sealed class SshShell(string host, IHostShell local, IReadOnlyList<string>? sshOptions = null) : IHostShell
{
    /// <inheritdoc/>
    public Task<ShellResult> RunAsync(IReadOnlyList<string> command, string? standardInput, CancellationToken cancellation) =>
        local.RunAsync(Wrap(command), standardInput, cancellation);

    /// <inheritdoc/>
    public IAsyncEnumerable<string> ReadLinesAsync(IReadOnlyList<string> command, CancellationToken cancellation) =>
        local.ReadLinesAsync(Wrap(command), cancellation);

    /// <summary>The local command line that runs <paramref name="command"/> on the host: ssh joins its arguments into one shell command, so each is quoted.</summary>
    public IReadOnlyList<string> Wrap(IReadOnlyList<string> command) =>
        ["ssh", .. ManagerEndpoints.SshArguments(host, sshOptions), string.Join(' ', command.Select(Quote))];

    /// <summary>Quotes an argument for a POSIX shell.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
