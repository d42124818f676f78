using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>
/// Type=dbus on a real session bus, under real systemd 252 and under unitsd alike: Debian's own dbus.socket and
/// dbus.service (dbus-user-session, unmodified) provide the bus by socket activation; a Python service takes its
/// BusName=. Its start job finishes only once the name is on the bus, and the service stops when it gives the
/// name up.
/// </summary>
public sealed class BusNameEndToEndTests
{
    private const string Owner = """
        import signal, sys
        import dbus
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib
        DBusGMainLoop(set_as_default=True)
        bus = dbus.bus.BusConnection(sys.argv[1])
        loop = GLib.MainLoop()
        # SIGUSR1: give the name up and stay (the manager then stops the service).
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, lambda: bus.release_name("org.units.Test") and True)
        bus.request_name("org.units.Test")
        loop.run()
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_dbus_service_is_started_once_its_name_is_on_the_bus_and_stops_when_it_is_gone(bool unitsd)
    {
        using ManagerInstance manager = ManagerInstance.Start("bus", unitsd ? Paths.Unitsd : null);
        foreach (string unit in new[] { "dbus.socket", "dbus.service", "session.slice" })
            File.Copy(Path.Combine("/usr/lib/systemd/user", unit), Path.Combine(manager.UnitDirectory, unit));
        string script = Path.Combine(manager.InstanceDirectory, "owner.py");
        File.WriteAllText(script, Owner);
        string bus = Path.Combine(manager.InstanceDirectory, "xdg", "bus");
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "named.service"),
            $"[Service]\nType=dbus\nBusName=org.units.Test\nExecStart=/usr/bin/python3 {script} unix:path={bus}\n");
        Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);

        CommandResult start = manager.Ctl("start", "named.service");
        Assert.True(start.ExitCode == 0, start.Error + manager.ManagerLog());
        Assert.Equal("ActiveState=active\nSubState=running\n", manager.Ctl("show", "-p", "ActiveState,SubState", "named.service").Output);
        Assert.Equal("active\nactive\n", manager.Ctl("is-active", "dbus.socket", "dbus.service").Output);
        // The name's owner is the service's one process.
        string hierarchy = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
        string mainPid = Assert.Single(File.ReadAllLines(Path.Combine(hierarchy, "sdref-" + manager.Name, "app.slice", "named.service", "cgroup.procs")));
        Assert.Contains($"PID={mainPid}\n", Command.Run("busctl", ["--address=unix:path=" + bus, "status", "org.units.Test"], TimeSpan.FromSeconds(30)).Output);

        // The owner keeps running without its name: only the manager ends it (SIGTERM), seeing the name gone.
        using var owner = System.Diagnostics.Process.GetProcessById(int.Parse(mainPid, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, manager.Ctl("kill", "-s", "USR1", "named.service").ExitCode);
        Assert.True(owner.WaitForExit(TimeSpan.FromSeconds(30)), "the service did not stop when its name went away");
        // A stop job returns once the unit is inactive, whatever it was doing.
        Assert.Equal(0, manager.Ctl("stop", "named.service").ExitCode);
        Assert.Equal("Result=success\n", manager.Ctl("show", "-p", "Result", "named.service").Output);
    }
}
