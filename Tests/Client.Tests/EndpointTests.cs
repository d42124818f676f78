using Units.Client.Connection;

namespace Units.Client.Tests;

public sealed class EndpointTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(variable => variable.Name == name).Value;

    [Fact]
    public void Root_talks_to_the_private_socket_first_then_the_system_bus()
    {
        var endpoints = ManagerEndpoints.Resolve(ManagerTarget.LocalSystem, Env(), effectiveUid: 0);
        Assert.Equal([new ManagerEndpoint("unix:path=/run/systemd/private", false), new ManagerEndpoint("unix:path=/run/dbus/system_bus_socket", true)], endpoints);
    }

    [Fact]
    public void Other_users_talk_to_the_system_bus_only_honouring_DBUS_SYSTEM_BUS_ADDRESS()
    {
        var endpoints = ManagerEndpoints.Resolve(ManagerTarget.LocalSystem, Env(("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/tmp/sys")), effectiveUid: 1000);
        Assert.Equal([new ManagerEndpoint("unix:path=/tmp/sys", true)], endpoints);
    }

    [Fact]
    public void The_user_manager_is_reached_on_its_private_socket_then_the_session_bus()
    {
        var endpoints = ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.User), Env(("XDG_RUNTIME_DIR", "/run/user/1000/")), effectiveUid: 1000);
        Assert.Equal([new ManagerEndpoint("unix:path=/run/user/1000/systemd/private", false), new ManagerEndpoint("unix:path=/run/user/1000/bus", true)], endpoints);

        var withSession = ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.User), Env(("XDG_RUNTIME_DIR", "/run/user/1000"), ("DBUS_SESSION_BUS_ADDRESS", "unix:abstract=x")), 1000);
        Assert.Equal("unix:abstract=x", withSession[1].Address);
    }

    [Fact]
    public void Without_XDG_RUNTIME_DIR_the_user_manager_is_reached_on_the_session_bus_only()
    {
        var endpoints = ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.User), Env(("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/s")), 1000);
        Assert.Equal([new ManagerEndpoint("unix:path=/tmp/s", true)], endpoints);
    }

    [Fact]
    public void An_explicit_address_is_used_as_is()
    {
        Assert.Equal([new ManagerEndpoint("unix:path=/tmp/x/systemd/private", false)], ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.User, Address: "unix:path=/tmp/x/systemd/private"), Env(), 0));
        Assert.True(ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.System, Address: "tcp:host=h,port=1"), Env(), 0)[0].IsMessageBus);
    }

    [Fact]
    public void A_remote_host_goes_through_ssh_and_systemd_stdio_bridge_as_systemctl_H()
    {
        Assert.Equal("unixexec:path=ssh,argv1=-xT,argv2=--,argv3=web1,argv4=systemd-stdio-bridge",
            ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.System, "web1"), Env(), 0).Single().Address);
        Assert.Equal("unixexec:path=ssh,argv1=-xT,argv2=-p,argv3=2222,argv4=--,argv5=admin%40web1,argv6=systemd-stdio-bridge,argv7=--user",
            ManagerEndpoints.SshAddress("admin@web1:2222", ManagerScope.User));
        Assert.Equal("unixexec:path=ssh,argv1=-xT,argv2=-F,argv3=/etc/units/ssh_config,argv4=--,argv5=web1,argv6=systemd-stdio-bridge",
            ManagerEndpoints.Resolve(new ManagerTarget(ManagerScope.System, "web1"), Env(), 0, ["-F", "/etc/units/ssh_config"]).Single().Address);
    }

    [Fact]
    public void Address_values_escape_bytes_outside_the_optionally_escaped_set()
    {
        Assert.Equal("unix:path=/run/user/a%20b/systemd/private", ManagerEndpoints.UnixPath("/run/user/a b/systemd/private"));
        Assert.Equal("%3d%2c%3b", ManagerEndpoints.EscapeValue("=,;"));
    }

    [Fact]
    public void Several_hosts_become_one_target_each_and_localhost_means_the_local_manager()
    {
        var targets = ManagerSession.TargetsFor(ManagerScope.System, ["web1", "web2", "WEB1", "localhost"], null);
        Assert.Equal(["web1", "web2", "localhost"], targets.Select(target => target.ComputerName));
        Assert.Null(targets[2].HostName);
    }

    [Fact]
    public void Hosts_are_asked_in_parallel_and_one_failing_host_does_not_hide_the_others()
    {
        var good = new FakeManager("web1").AddUnit("a.service");
        var connector = new TwoHosts(good);
        var session = new ManagerSession(connector);
        var results = session.ForEachHostAsync(ManagerSession.TargetsFor(ManagerScope.System, ["web1", "down"], null),
            client => client.ListUnitsAsync([], CancellationToken.None), CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("a.service", Assert.Single(results[0].Value!).Name);
        Assert.Equal("web1", results[0].Value![0].ComputerName);
        Assert.Equal(UnitErrorCategory.ConnectionError, results[1].Error!.Category);
        Assert.Equal("down", results[1].Error!.Target);
    }

    [Fact]
    public void A_lost_connection_is_replaced_on_next_use()
    {
        var manager = new FakeManager();
        var session = new ManagerSession(manager);
        var first = session.ClientAsync(ManagerTarget.LocalSystem, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Same(first, session.ClientAsync(ManagerTarget.LocalSystem, CancellationToken.None).GetAwaiter().GetResult());
        manager.IsConnected = false;
        Assert.NotSame(first, session.ClientAsync(ManagerTarget.LocalSystem, CancellationToken.None).GetAwaiter().GetResult());
    }

    [Fact]
    public void Ssh_commands_quote_each_argument_for_the_remote_shell()
    {
        var shell = new SshShell("web1", new FakeShell());
        Assert.Equal(["ssh", "-xT", "--", "web1", "'journalctl' '--unit=it'\\''s.service'"], shell.Wrap(["journalctl", "--unit=it's.service"]));
        Assert.Equal(["ssh", "-xT", "-p", "2222", "--", "admin@web1", "'true'"], new SshShell("admin@web1:2222", new FakeShell()).Wrap(["true"]));
        Assert.Equal(["ssh", "-xT", "-F", "cfg", "--", "web1", "'true'"], new SshShell("web1", new FakeShell(), ["-F", "cfg"]).Wrap(["true"]));
    }

    private sealed class TwoHosts(FakeManager good) : IManagerConnector
    {
        public Task<IManagerConnection> ConnectAsync(ManagerTarget target, CancellationToken cancellation) =>
            target.HostName == "web1"
                ? Task.FromResult<IManagerConnection>(good)
                : Task.FromException<IManagerConnection>(new ManagerCallException(DBusErrorNames.NoServer, "ssh: connect to host down: No route to host"));

        public IHostShell ShellFor(ManagerTarget target) => good.Shell;
    }
}
