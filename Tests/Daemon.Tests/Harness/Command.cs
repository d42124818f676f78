using System.Diagnostics;

namespace Units.Daemon.Tests.Harness;

/// <summary>Runs a program to its end with both outputs captured, within a bounded time.</summary>
public static class Command
{
    /// <exception cref="TimeoutException">The program did not finish in <paramref name="timeout"/>; it was killed.</exception>
    public static CommandResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        // Both pipes are drained concurrently, so a chatty stderr cannot block the program.
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds} s");
        }
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }
}
