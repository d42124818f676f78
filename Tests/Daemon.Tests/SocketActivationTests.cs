using System.Net.Sockets;
using System.Text;
using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>Socket activation end to end, on real systemd 252 and on unitsd with the same unit files: the manager
/// holds the listening sockets, a connection starts the service, the service gets the sockets as systemd passes them
/// (fds from 3, $LISTEN_FDS, $LISTEN_PID, $LISTEN_FDNAMES) or its connection as standard input (Accept=yes), and
/// systemctl sees the same on both.</summary>
public sealed class SocketActivationTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>A server that takes one connection on the first passed descriptor and answers with what it was given.</summary>
    private const string Server = """
        import os, socket
        listening = socket.socket(fileno=3)
        connection, _ = listening.accept()
        got = connection.recv(100).decode()
        env = os.environ
        connection.sendall(("pid=%d fds=%s names=%s listenpid=%s got=%s" % (os.getpid(), env.get("LISTEN_FDS"),
            env.get("LISTEN_FDNAMES"), env.get("LISTEN_PID"), got)).encode())
        connection.close()
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("units-sockets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Dictionary<string, string> Units()
    {
        string server = Path.Combine(_directory, "server.py");
        File.WriteAllText(server, Server);
        return new Dictionary<string, string>
        {
            ["echo.socket"] = "[Unit]\nDescription=Echo socket\n[Socket]\nListenStream=%t/echo.sock\nListenFIFO=%t/echo.fifo\nFileDescriptorName=echo\n",
            ["echo.service"] = $"[Unit]\nDescription=Echo\n[Service]\nExecStart=/usr/bin/python3 {server}\n",
            ["inetd.socket"] = "[Unit]\nDescription=Inetd socket\n[Socket]\nListenStream=%t/inetd.sock\nAccept=yes\n",
            ["named.socket"] = "[Socket]\nListenDatagram=%t/named.dgram\nFileDescriptorName=talk\n",
            ["named.service"] = "[Service]\nStandardInput=fd:talk\nExecStart=/bin/sh -c 'head -c 5 > %t/named.out; echo \" $$LISTEN_FDNAMES\" >> %t/named.out'\n",
            ["ctl.socket"] = "[Socket]\nListenStream=%t/ctl.sock\nExecStartPre=/bin/sh -c 'echo pre > %t/ctl.log'\n"
                + "ExecStartPost=/bin/sh -c 'test -S %t/ctl.sock && echo post >> %t/ctl.log'\nExecStopPre=/bin/sh -c 'echo stop-pre >> %t/ctl.log'\n"
                + "ExecStopPost=/bin/sh -c 'echo \"stop-post $$SERVICE_RESULT\" >> %t/ctl.log'\n",
            ["ctl.service"] = "[Service]\nExecStart=/bin/sleep infinity\n",
            ["broken.socket"] = "[Socket]\nListenStream=%t/broken.sock\nExecStartPre=/bin/false\n",
            ["broken.service"] = "[Service]\nExecStart=/bin/sleep infinity\n",
            ["spin.socket"] = "[Socket]\nListenStream=%t/spin.sock\n",
            ["spin.service"] = "[Service]\nExecStart=/bin/false\n",
            ["inetd@.service"] = "[Unit]\nDescription=Inetd\n[Service]\nExecStart=/bin/sh -c 'read line; echo \"got $line\"'\nStandardInput=socket\n",
        };
    }

    [Fact]
    public void An_accept_no_socket_starts_its_service_on_the_first_connection_and_listens_again_after()
    {
        var units = Units();
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, units);
        Same(systemd, unitsd, "start", "echo.socket");
        Same(systemd, unitsd, "is-active", "echo.socket", "echo.service");
        SameTable(systemd, unitsd, "list-sockets", "--no-pager");
        Same(systemd, unitsd, "show", "-p", "Listen,NAccepted,Result,SubState,Triggers", "echo.socket");

        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            string path = Path.Combine(manager.InstanceDirectory, "xdg", "echo.sock");
            // The manager itself holds the listening socket.
            string listening = Command.Run("ss", ["-lxpH", "src", path], TimeSpan.FromSeconds(10)).Output;
            Assert.Contains($"pid={manager.ManagerPid()},", listening, StringComparison.Ordinal);

            for (int round = 0; round < 2; round++)
            {
                string reply = Exchange(path, "hi");
                output.WriteLine($"{manager.Name}: {reply}");
                string pid = reply.Split(' ')[0]["pid=".Length..];
                Assert.Equal($"pid={pid} fds=2 names=echo:echo listenpid={pid} got=hi", reply);
                // The server exits after one connection: the socket listens again and the next connection starts it anew.
                Wait.ForProperty(manager, "echo.service", "ActiveState", "inactive");
                Wait.ForProperty(manager, "echo.socket", "SubState", "listening");
            }
        }
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result,NAccepted,NConnections", "echo.socket", "echo.service");
        Same(systemd, unitsd, "stop", "echo.socket");
        Same(systemd, unitsd, "is-active", "echo.socket");
    }

    [Fact]
    public void An_accept_yes_socket_runs_one_instance_per_connection_with_the_connection_as_standard_input()
    {
        var units = Units();
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, units);
        Same(systemd, unitsd, "start", "inetd.socket");
        SameTable(systemd, unitsd, "list-sockets", "--no-pager", "--all");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            string path = Path.Combine(manager.InstanceDirectory, "xdg", "inetd.sock");
            Assert.Equal("got one\n", Exchange(path, "one\n"));
            Assert.Equal("got two\n", Exchange(path, "two\n"));
            Wait.ForProperty(manager, "inetd.socket", "NConnections", "0");
        }
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result,NAccepted,NConnections,NRefused,Triggers", "inetd.socket");
        Same(systemd, unitsd, "stop", "inetd.socket");
    }

    [Fact]
    public void StandardInput_fd_reads_the_socket_of_that_FileDescriptorName()
    {
        var units = Units();
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, units);
        Same(systemd, unitsd, "start", "named.socket");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            client.SendTo(Encoding.UTF8.GetBytes("hello"), new UnixDomainSocketEndPoint(Path.Combine(manager.InstanceDirectory, "xdg", "named.dgram")));
            string written = Path.Combine(manager.InstanceDirectory, "xdg", "named.out");
            // The datagram starts the service; once it wrote its file and exited, the socket listens again.
            for (var deadline = DateTime.UtcNow.AddSeconds(30); !File.Exists(written) && DateTime.UtcNow < deadline;)
                Thread.Sleep(50);
            Wait.ForProperty(manager, "named.service", "ActiveState", "inactive");
            Wait.ForProperty(manager, "named.socket", "SubState", "listening");
            Assert.Equal("hello talk\n", File.ReadAllText(written));
        }
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result", "named.socket", "named.service");
    }

    [Fact]
    public void The_control_commands_run_around_listening_and_a_failing_one_fails_the_socket()
    {
        var units = Units();
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, units);
        Same(systemd, unitsd, "start", "ctl.socket");
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result", "ctl.socket");
        Same(systemd, unitsd, "stop", "ctl.socket");
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result", "ctl.socket");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            string log = File.ReadAllText(Path.Combine(manager.InstanceDirectory, "xdg", "ctl.log"));
            output.WriteLine($"{manager.Name}: {log}");
            Assert.Equal("pre\npost\nstop-pre\nstop-post \n", log);
        }
        Same(systemd, unitsd, "start", "broken.socket");
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result", "broken.socket");
        Assert.False(File.Exists(Path.Combine(unitsd.InstanceDirectory, "xdg", "broken.sock")));
    }

    [Fact]
    public void An_accept_yes_socket_on_an_IPv6_wildcard_port_names_each_instance_after_both_ends()
    {
        foreach (string? binary in new[] { null, Paths.Unitsd })
        {
            int port = FreePort();
            var units = Units();
            units["tcp.socket"] = $"[Socket]\nListenStream={port}\nAccept=yes\nNoDelay=yes\nKeepAlive=yes\n";
            units["tcp@.service"] = "[Service]\nExecStart=/bin/sh -c 'read line; echo \"$line $REMOTE_ADDR\"; sleep infinity'\nStandardInput=socket\n";
            using ManagerInstance manager = ManagerInstance.Start(binary is null ? "sd" : "us", binary, units);
            CommandResult started = manager.Ctl("start", "tcp.socket");
            Assert.True(started.ExitCode == 0, $"{manager.Name}: {started.Error}\n{manager.ManagerLog()}");
            // A bare port is the IPv6 wildcard (show's Listen= would hide the port as a pid-like number).
            Assert.Contains($"[::]:{port} tcp.socket", manager.Ctl("list-sockets", "--no-pager").Output, StringComparison.Ordinal);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect("127.0.0.1", port);
            client.Send(Encoding.UTF8.GetBytes("hi\n"));
            var buffer = new byte[64];
            Assert.Equal("hi 127.0.0.1\n", Encoding.UTF8.GetString(buffer, 0, client.Receive(buffer)));
            string instance = $"tcp@0-127.0.0.1:{port}-127.0.0.1:{((System.Net.IPEndPoint)client.LocalEndPoint!).Port}.service";
            Assert.Equal("ActiveState=active\n", manager.Ctl("show", "-p", "ActiveState", instance).Output);
            Assert.Equal("NConnections=1\n", manager.Ctl("show", "-p", "NConnections", "tcp.socket").Output);
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Any, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public void A_service_that_never_takes_its_traffic_does_not_make_the_socket_spin()
    {
        var units = Units();
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, units);
        Same(systemd, unitsd, "start", "spin.socket");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            // The connection stays queued: each failed start finds the socket readable again, until a limit stops it.
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(Path.Combine(manager.InstanceDirectory, "xdg", "spin.sock")));
            Wait.ForProperty(manager, "spin.socket", "ActiveState", "failed");
        }
        Same(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result", "spin.socket");
        Same(systemd, unitsd, "is-active", "spin.service");
    }

    /// <summary>The same systemctl command on both managers: the same exit status and output.</summary>
    private void Same(ManagerInstance systemd, ManagerInstance unitsd, params string[] args)
    {
        CommandResult expected = systemd.Ctl(args);
        CommandResult actual = unitsd.Ctl(args);
        output.WriteLine($"$ systemctl {string.Join(' ', args)}\nsystemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(expected.Output, actual.Output);
        Assert.Equal(expected.Error, actual.Error);
    }

    /// <summary>A table of systemctl's on both managers: the same cells. Its columns are as wide as the widest cell, and
    /// the instances' paths (normalised to $INSTANCE after the fact) may differ in length.</summary>
    private void SameTable(ManagerInstance systemd, ManagerInstance unitsd, params string[] args)
    {
        CommandResult expected = systemd.Ctl(args);
        CommandResult actual = unitsd.Ctl(args);
        output.WriteLine($"$ systemctl {string.Join(' ', args)}\nsystemd ({expected.ExitCode}):\n{expected.Output}\nunitsd ({actual.ExitCode}):\n{actual.Output}");
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(Cells(expected.Output), Cells(actual.Output));
    }

    private static string Cells(string table) => System.Text.RegularExpressions.Regex.Replace(table, " {2,}", "  ");

    /// <summary>Connects to an AF_UNIX stream socket, sends <paramref name="message"/> and reads until the peer closes.</summary>
    private static string Exchange(string path, string message)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.ReceiveTimeout = 30_000;
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.Send(Encoding.UTF8.GetBytes(message));
        var reply = new StringBuilder();
        var buffer = new byte[256];
        for (int n; (n = socket.Receive(buffer)) > 0;)
            reply.Append(Encoding.UTF8.GetString(buffer, 0, n));
        return reply.ToString();
    }
}
