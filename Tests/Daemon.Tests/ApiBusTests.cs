using Units.Daemon.Tests.Harness;
using Units.DBus;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// unitsd on a session bus: a dbus-daemon (configuration written here) runs as dbus.service under a user
/// instance of unitsd; once it is active, unitsd connects to $XDG_RUNTIME_DIR/bus, owns org.freedesktop.systemd1
/// and serves the same objects there. Driven with systemctl (which falls back to the session bus when the private
/// socket is unusable), busctl and our own client, as root and as two other users: a member of the admin group
/// (--bus-admin-group) and an outsider.
/// </summary>
public sealed class ApiBusTests(ITestOutputHelper output)
{
    private const string AdminGroup = "unitsbusadm";
    private const string Member = "unitsbusmember";
    private const string Outsider = "unitsbusoutsider";
    private const string Systemd1 = "org.freedesktop.systemd1";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string ManagerInterface = "org.freedesktop.systemd1.Manager";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Unitsd_serves_the_api_on_the_session_bus_signals_subscribers_and_authorises_changes()
    {
        EnsureAccounts();
        // run-systemd.sh runs "$SYSTEMD --user": the option travels with the binary's path.
        using ManagerInstance unitsd = ManagerInstance.Start("ab", Paths.Unitsd + " --bus-admin-group=" + AdminGroup);
        string xdg = Path.Combine(unitsd.InstanceDirectory, "xdg");
        string busSocket = Path.Combine(xdg, "bus");
        string address = "unix:path=" + DBusAddress.Escape(busSocket);
        string config = Path.Combine(unitsd.InstanceDirectory, "bus.conf");
        File.WriteAllText(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>{address}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """);
        File.WriteAllText(Path.Combine(unitsd.UnitDirectory, "dbus.service"),
            $"[Unit]\nDescription=Test session bus\n[Service]\nType=notify\nNotifyAccess=main\nExecStart=/usr/bin/dbus-daemon --config-file={config} --nofork --nopidfile\n");
        foreach (string name in new[] { "x", "y", "z", "w", "m", "o" })
            File.WriteAllText(Path.Combine(unitsd.UnitDirectory, name + ".service"), "[Service]\nExecStart=/bin/sleep infinity\n");
        Succeeds(unitsd.Ctl("daemon-reload"));
        Succeeds(unitsd.Ctl("start", "dbus.service"));
        // Other users may reach the bus socket (and the private socket beside it, which refuses them).
        Run("chmod", "711", xdg);

        using DBusConnection listener = await DBusConnection.ConnectBusAsync(address);
        await WaitForOwnerAsync(listener, Systemd1);

        // The same objects as on the private socket, through the bus daemon.
        Assert.Equal("o \"/org/freedesktop/systemd1/unit/dbus_2eservice\"",
            Run("busctl", "--address=" + address, "call", Systemd1, ManagerPath, ManagerInterface, "GetUnit", "s", "dbus.service").Trim());
        Assert.Equal("s \"active\"",
            Run("busctl", "--address=" + address, "get-property", Systemd1, "/org/freedesktop/systemd1/unit/dbus_2eservice", "org.freedesktop.systemd1.Unit", "ActiveState").Trim());

        // systemctl --user without XDG_RUNTIME_DIR uses the session bus; start waits for its job's JobRemoved,
        // which the manager sends on the bus for the client that queued the job.
        Succeeds(OnBus(unitsd, null, address, "start", "x.service"));
        Assert.Equal("active\n", OnBus(unitsd, null, address, "is-active", "x.service").Output);

        // Signals on the bus go to subscribers only: nothing while nobody is subscribed...
        var removed = new List<string>();
        TaskCompletionSource<string> removedZ = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.AddMatchAsync(new MatchRule { Sender = Systemd1, Interface = ManagerInterface, Member = "JobRemoved" }, signal =>
        {
            Reader args = signal.GetBodyReader();
            args.ReadUInt32();
            args.ReadObjectPath();
            string unit = args.ReadString();
            lock (removed)
                removed.Add(unit);
            if (unit == "z.service")
                removedZ.TrySetResult(args.ReadString());
        });
        Succeeds(unitsd.Ctl("start", "y.service"));
        await CallAsync(listener, "Subscribe");
        lock (removed)
            Assert.Empty(removed);
        // ...and everything once subscribed, whoever queued the job (here systemctl on the private socket).
        Succeeds(unitsd.Ctl("start", "z.service"));
        Assert.Equal("done", await removedZ.Task.WaitAsync(s_wait));
        Assert.Equal("org.freedesktop.systemd1.AlreadySubscribed", (await Assert.ThrowsAsync<DBusException>(() => CallAsync(listener, "Subscribe"))).ErrorName);
        await CallAsync(listener, "Unsubscribe");
        Assert.Equal("org.freedesktop.systemd1.NotSubscribed", (await Assert.ThrowsAsync<DBusException>(() => CallAsync(listener, "Unsubscribe"))).ErrorName);

        // A subscriber that disconnects stops counting (the manager follows NameOwnerChanged).
        string leaverName;
        using (DBusConnection leaver = await DBusConnection.ConnectBusAsync(address))
        {
            leaverName = leaver.UniqueName!;
            await CallAsync(leaver, "Subscribe");
            TaskCompletionSource left = new(TaskCreationOptions.RunContinuationsAsynchronously);
            await listener.AddMatchAsync(new MatchRule { Sender = "org.freedesktop.DBus", Member = "NameOwnerChanged" }.WithArg(0, leaverName).WithArg(2, ""),
                _ => left.TrySetResult());
            leaver.Dispose();
            await left.Task.WaitAsync(s_wait);
        }
        // The manager read that NameOwnerChanged before this call, which the bus daemon sent it afterwards.
        await CallAsync(listener, "GetUnit", "x.service");
        lock (removed)
            removed.Clear();
        Succeeds(unitsd.Ctl("start", "w.service"));
        await CallAsync(listener, "GetUnit", "w.service");
        lock (removed)
            Assert.Empty(removed);

        // Authorisation on the bus: anyone reads; only root, the manager's user and the admin group change state.
        CommandResult outsiderStart = OnBus(unitsd, Outsider, address, "start", "o.service");
        Assert.Equal(4, outsiderStart.ExitCode);
        Assert.StartsWith("Failed to start o.service: Access denied\n", outsiderStart.Error, StringComparison.Ordinal);
        Assert.Equal("inactive\n", OnBus(unitsd, Outsider, address, "is-active", "o.service").Output);
        Assert.Equal("ActiveState=active\n", OnBus(unitsd, Outsider, address, "show", "-p", "ActiveState", "x.service").Output);
        Assert.NotEqual(0, OnBus(unitsd, Outsider, address, "stop", "x.service").ExitCode);
        Assert.Equal("active\n", unitsd.Ctl("is-active", "x.service").Output);
        string denied = RunFails("busctl", Outsider, "--address=" + address, "set-property", Systemd1, ManagerPath, ManagerInterface, "LogLevel", "s", "debug");
        Assert.Contains("Access denied", denied, StringComparison.Ordinal);

        // Reading logs through the journal API (org.units1.Journal) needs the same privilege on the bus, as journald
        // lets only privileged users read the manager's journal.
        string[] readLastLine = ["--address=" + address, "call", Systemd1, "/org/units1/journal", "org.units1.Journal", "Read", "a{sv}", "1", "lines", "u", "1"];
        Assert.Contains("Access denied", RunFails("busctl", Outsider, readLastLine), StringComparison.Ordinal);
        (int readExit, string page, string readError) = Execute("setpriv", ["--reuid=" + Member, "--regid=" + Member, "--init-groups", "busctl", .. readLastLine]);
        Assert.True(readExit == 0, readError);
        Assert.Matches("^aysb [1-9][0-9]* .* \"s=[0-9a-f]{32};i=[0-9a-f]+;b=[0-9a-f]{32};m=[0-9a-f]+;t=[0-9a-f]+;x=[0-9a-f]+\" false\n$", page);

        Succeeds(OnBus(unitsd, Member, address, "start", "m.service"));
        Assert.Equal("active\n", unitsd.Ctl("is-active", "m.service").Output);
        Succeeds(OnBus(unitsd, Member, address, "stop", "m.service"));
        Assert.Equal("inactive\n", unitsd.Ctl("is-active", "m.service").Output);

        // The private socket admits only root and the manager's own user, whatever the file's mode says: with
        // XDG_RUNTIME_DIR set, an outsider's systemctl tries it first and is refused (SO_PEERCRED). (sd-bus has
        // written its request by then, so whether it falls back to the bus depends on timing, as with systemd.)
        Run("chmod", "666", Path.Combine(xdg, "systemd", "private"));
        Assert.NotEqual(0, OnBus(unitsd, Outsider, address, "start", "o.service", runtimeDirectory: xdg).ExitCode);
        Assert.Equal("inactive\n", unitsd.Ctl("is-active", "o.service").Output);
        Assert.Contains("Incoming private connection from unprivileged client, refusing.", unitsd.ManagerLog(), StringComparison.Ordinal);
    }

    /// <summary>systemctl --user ARGS inside the instance's namespaces as <paramref name="user"/> (root when null),
    /// with the session bus at <paramref name="address"/> and, unless given, no XDG_RUNTIME_DIR (so no private socket).</summary>
    private CommandResult OnBus(ManagerInstance instance, string? user, string address, string verb, string arg1, string? arg2 = null,
        string? arg3 = null, string? runtimeDirectory = null)
    {
        var command = new List<string>();
        if (user is not null)
            command.AddRange(["setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups"]);
        command.AddRange(["env", "-u", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS=" + address, "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"]);
        if (runtimeDirectory is not null)
            command.Add("XDG_RUNTIME_DIR=" + runtimeDirectory);
        command.AddRange(["systemctl", "--user", verb, arg1]);
        if (arg2 is not null)
            command.Add(arg2);
        if (arg3 is not null)
            command.Add(arg3);
        CommandResult result = instance.Enter([.. command]);
        output.WriteLine($"$ [{user ?? "root"}] systemctl --user {verb} {arg1} {arg2} {arg3} -> {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private static void Succeeds(CommandResult result)
        => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Output}{result.Error}");

    private static async Task CallAsync(DBusConnection connection, string member, string? unit = null)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(Systemd1, ManagerPath, ManagerInterface, member, unit is null ? null : "s");
        if (unit is not null)
            call.WriteString(unit.AsSpan());
        (await connection.CallAsync(call.Finish(), s_wait)).Dispose();
    }

    /// <summary>Returns once <paramref name="name"/> has an owner on the bus (NameOwnerChanged, no polling).</summary>
    private static async Task WaitForOwnerAsync(DBusConnection bus, string name)
    {
        TaskCompletionSource owned = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable match = await bus.AddMatchAsync(new MatchRule { Sender = "org.freedesktop.DBus", Member = "NameOwnerChanged" }.WithArg(0, name),
            _ => owned.TrySetResult());
        try
        {
            await bus.GetNameOwnerAsync(name);
            return;
        }
        catch (DBusException e) when (e.ErrorName == DBusErrors.NameHasNoOwner)
        {
            await owned.Task.WaitAsync(s_wait);
        }
    }

    /// <summary>The admin group, a member of it and an outsider: system accounts, created once per machine.</summary>
    private static void EnsureAccounts()
    {
        Run("groupadd", "-f", "--system", AdminGroup);
        foreach ((string user, bool member) in new[] { (Member, true), (Outsider, false) })
        {
            if (RunStatus("id", "-u", user) != 0)
                Run("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group", user);
            if (member)
                Run("usermod", "-a", "-G", AdminGroup, user);
        }
    }

    private static string Run(string file, params string[] args)
    {
        (int exit, string stdout, string stderr) = Execute(file, args);
        Assert.True(exit == 0, $"{file} {string.Join(' ', args)} failed ({exit}): {stderr}");
        return stdout;
    }

    private static int RunStatus(string file, params string[] args) => Execute(file, args).ExitCode;

    private static string RunFails(string file, string user, params string[] args)
    {
        (int exit, string stdout, string stderr) = Execute("setpriv", ["--reuid=" + user, "--regid=" + user, "--init-groups", file, .. args]);
        Assert.True(exit != 0, $"{file} {string.Join(' ', args)} as {user} succeeded: {stdout}");
        return stderr;
    }

    private static CommandResult Execute(string file, string[] args) => Command.Run(file, args, s_wait);
}
