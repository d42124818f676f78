using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Units.Client.Connection;

namespace Units.Client.Tests;

/// <summary>
/// -HostName end to end: a real sshd of the test's own on loopback (two ports, so two "hosts"),
/// reached as systemctl -H reaches a host (ssh -xT -p port -- host systemd-stdio-bridge). The
/// remote side checks that command and runs systemd-stdio-bridge with --bus-path at the manager's
/// private socket, since no system bus runs here.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LoopbackSshd : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("units-sshd-").FullName;
    private Process? _sshd;

    /// <summary>The two ports sshd listens on, each a "host" 127.0.0.1:port.</summary>
    public IReadOnlyList<int> Ports { get; } = [FreePort(), FreePort()];

    /// <summary>ssh's options: the test's own client config (key, known hosts), nothing from ~/.ssh or /etc/ssh.</summary>
    public IReadOnlyList<string> SshOptions => ["-F", Path.Combine(_directory, "ssh_config")];

    private LoopbackSshd()
    {
    }

    /// <summary>Starts sshd; systemd-stdio-bridge on its side reaches the manager at <paramref name="managerAddress"/>.</summary>
    public static async Task<LoopbackSshd> StartAsync(string managerAddress)
    {
        var sshd = new LoopbackSshd();
        try
        {
            await sshd.ConfigureAndRunAsync(managerAddress).ConfigureAwait(false);
            return sshd;
        }
        catch
        {
            await sshd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ConfigureAndRunAsync(string managerAddress)
    {
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(_directory, "host_key")).ConfigureAwait(false);
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(_directory, "client_key")).ConfigureAwait(false);
        File.Copy(Path.Combine(_directory, "client_key.pub"), Path.Combine(_directory, "authorized_keys"));
        var hostKey = (await File.ReadAllTextAsync(Path.Combine(_directory, "host_key.pub")).ConfigureAwait(false)).Trim();
        await File.WriteAllLinesAsync(Path.Combine(_directory, "known_hosts"), Ports.Select(port => $"[127.0.0.1]:{port} {hostKey}")).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_directory, "sshd_config"), string.Join('\n',
        [
            .. Ports.Select(port => $"Port {port}"),
            "ListenAddress 127.0.0.1",
            $"HostKey {_directory}/host_key",
            $"PidFile {_directory}/sshd.pid",
            $"AuthorizedKeysFile {_directory}/authorized_keys",
            "AuthenticationMethods publickey",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            $"ForceCommand {_directory}/bridge",
            "LogLevel ERROR",
            "",
        ])).ConfigureAwait(false);
        // The command must be exactly what systemctl -H sends; the "system bus" it bridges to is the manager's socket.
        await File.WriteAllTextAsync(Path.Combine(_directory, "bridge"),
            "#!/bin/sh\n"
            + "[ \"$SSH_ORIGINAL_COMMAND\" = systemd-stdio-bridge ] || { echo \"unexpected command: $SSH_ORIGINAL_COMMAND\" >&2; exit 2; }\n"
            + $"exec /usr/bin/systemd-stdio-bridge --bus-path={managerAddress}\n").ConfigureAwait(false);
        File.SetUnixFileMode(Path.Combine(_directory, "bridge"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(Path.Combine(_directory, "ssh_config"), string.Join('\n',
        [
            "Host *",
            $"  User {Environment.UserName}",
            $"  IdentityFile {_directory}/client_key",
            "  IdentitiesOnly yes",
            $"  UserKnownHostsFile {_directory}/known_hosts",
            "  GlobalKnownHostsFile /dev/null",
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            "  LogLevel ERROR",
            "",
        ])).ConfigureAwait(false);

        // sshd running as root insists on its privilege separation directory (Debian's ssh.service makes it at start).
        Directory.CreateDirectory("/run/sshd");
        await Run("/usr/sbin/sshd", "-t", "-f", Path.Combine(_directory, "sshd_config")).ConfigureAwait(false);
        _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", Path.Combine(_directory, "sshd_config")])
        {
            RedirectStandardError = true,
        })!;
        _ = _sshd.StandardError.ReadToEndAsync();
        foreach (var port in Ports)
        {
            await WaitUntilListeningAsync(port).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill();
            await _sshd.WaitForExitAsync().ConfigureAwait(false);
        }
        _sshd?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task WaitUntilListeningAsync(int port)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_sshd!.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode} before listening on {port}.");
            }
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port, patience.Token).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet: sshd binds its ports right after reading its config.
                await Task.Delay(20, patience.Token).ConfigureAwait(false);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }
}

/// <summary>Two hosts over real ssh at once, against real systemd 252.</summary>
[Collection("real systemd")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshRemotingTests(SystemdFixture manager)
{
    [Fact]
    public async Task Two_hosts_over_ssh_answer_in_parallel_and_every_object_names_its_host()
    {
        await using var sshd = await LoopbackSshd.StartAsync(manager.Target.Address!);
        var hosts = sshd.Ports.Select(port => $"127.0.0.1:{port}").ToArray();
        await using var session = new ManagerSession(new DBusManagerConnector(sshd.SshOptions));
        var targets = ManagerSession.TargetsFor(ManagerScope.System, hosts, address: null);
        Assert.Equal(hosts, targets.Select(target => target.ComputerName));

        // Each host's call waits until both have connected and started: run one after the other, they never would.
        var started = 0;
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = await session.ForEachHostAsync(targets, async client =>
        {
            if (Interlocked.Increment(ref started) == targets.Count)
            {
                bothStarted.SetResult();
            }
            await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return (await client.SelectAsync(new UnitSelection { Names = ["x.service", "default.target"] }, CancellationToken.None).ConfigureAwait(false),
                    await client.GetManagerInfoAsync(CancellationToken.None).ConfigureAwait(false));
        }, CancellationToken.None);

        Assert.Equal(hosts, results.Select(result => result.Target.ComputerName));
        foreach (var result in results)
        {
            Assert.Null(result.Error);
            var (selection, info) = result.Value;
            Assert.Empty(selection.Errors);
            Assert.Equal(["default.target", "x.service"], selection.Units.Select(unit => unit.Name).Order());
            Assert.All(selection.Units, unit => Assert.Equal(result.Target.ComputerName, unit.ComputerName));
            Assert.Equal("X test service", selection.Units.Single(unit => unit.Name == "x.service").Description);
            Assert.StartsWith("252", info.Version, StringComparison.Ordinal);
            Assert.Equal(result.Target.ComputerName, info.ComputerName);
        }
    }
}
