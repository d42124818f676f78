using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// "systemctl set-property" (SetUnitProperties) and "systemd-run" (StartTransientUnit), the real Debian 252 tools,
/// against real systemd 252 and unitsd under run-systemd.sh: what show, cat and the tools print, which files the
/// managers write and remove, and the errors they give, must be the same.
/// </summary>
public sealed class UnitPropertiesDifferentialTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["sl.service"] = "[Unit]\nDescription=Sleeper\n[Service]\nExecStart=/bin/sleep infinity\n",
        ["idle.service"] = "[Unit]\nDescription=Idle\n[Service]\nExecStart=/bin/sleep infinity\n",
        ["work.slice"] = "[Unit]\nDescription=Work\n",
    };

    /// <summary>What show is compared on (DevicePolicy= is taken and written, but unitsd applies no device policy yet,
    /// so it does not report one).</summary>
    private const string ShownProperties = "Description,CPUWeight,StartupCPUWeight,IOWeight,MemoryMax,MemoryHigh,MemoryLow,MemoryMin,TasksMax,"
        + "CPUQuotaPerSecUSec,CPUQuotaPeriodUSec,CPUAccounting,MemoryAccounting,TasksAccounting,DropInPaths,NeedDaemonReload";

    [Fact]
    public void Set_property_writes_the_same_drop_ins_and_shows_the_same_values()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            Assert.Equal(0, manager.Ctl("start", "sl.service", "work.slice").ExitCode);
        }

        // Persistent, then --runtime (a later value of the same property replaces the drop-in), values with
        // specifiers, percentages (the *Scale properties), infinity and reset.
        string[][] changes =
        [
            ["set-property", "sl.service", "CPUWeight=200", "MemoryMax=1G", "Description=Sleeper 100%", "MemoryHigh=200M", "TasksMax=20%"],
            ["set-property", "--runtime", "sl.service", "TasksMax=77", "CPUQuota=20%", "IOWeight=300", "CPUQuotaPeriodSec=10ms", "MemoryLow=infinity"],
            ["set-property", "sl.service", "CPUWeight=idle", "StartupCPUWeight=", "CPUAccounting=no", "DevicePolicy=closed"],
            ["set-property", "work.slice", "MemoryMax=2G", "CPUWeight=50", "TasksAccounting=no"],
            // The manager's own refusals, and systemctl's.
            ["set-property", "sl.service", "Nice=5"],
            ["set-property", "sl.service", "ExecStart=/bin/true"],
            ["set-property", "sl.service", "CPUWeight=0"],
            ["set-property", "nosuch.service", "CPUWeight=10"],
            // An inactive unit takes the properties, but is collected at once: both managers read it again without them.
            ["set-property", "idle.service", "CPUWeight=10"],
        ];
        foreach (string[] change in changes)
            AssertSame(systemd, unitsd, change);

        foreach (string unit in new[] { "sl.service", "work.slice", "idle.service" })
        {
            AssertSame(systemd, unitsd, "show", "-p", ShownProperties, unit);
            AssertSame(systemd, unitsd, "cat", unit);
        }
        // The drop-ins on disk, byte for byte.
        AssertSameFiles(Files(systemd), Files(unitsd));

        // The run-systemd.sh search path has no control directories: after daemon-reload both managers read the units
        // from the search path alone.
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);
        AssertSame(systemd, unitsd, "show", "-p", ShownProperties, "sl.service");
    }

    [Fact]
    public void Set_property_drop_ins_survive_daemon_reload_where_the_control_directories_are_searched()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        // The persistent control directory added to the search path the way an administrator would, by a symlink
        // from the unit directory's drop-in directory (systemd's own default search path has it first).
        Assert.Equal(0, unitsd.Ctl("start", "sl.service").ExitCode);
        Assert.Equal(0, unitsd.Ctl("set-property", "sl.service", "CPUWeight=5", "MemoryMax=5G").ExitCode);
        string dropIns = Path.Combine(unitsd.InstanceDirectory, "config", "systemd", "user.control", "sl.service.d");
        Directory.CreateSymbolicLink(Path.Combine(unitsd.UnitDirectory, "sl.service.d"), dropIns);
        Assert.Equal(0, unitsd.Ctl("daemon-reload").ExitCode);
        CommandResult shown = unitsd.Ctl("show", "-p", "CPUWeight,MemoryMax,NeedDaemonReload", "sl.service");
        output.WriteLine(shown.Output);
        Assert.Equal("CPUWeight=5\nMemoryMax=5368709120\nNeedDaemonReload=no\n", shown.Output);
    }

    [Fact]
    public void Systemd_run_makes_the_same_transient_service_which_goes_when_collected()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        string[] run = ["systemd-run", "--user", "--unit=tr1", "-p", "CPUWeight=30", "-p", "Restart=on-failure", "-p", "TimeoutStopSec=7",
            "-p", "After=work.slice", "-p", "KillMode=mixed", "-p", "LimitNOFILE=1000", "-p", "UMask=0027", "--nice=3", "--slice=work",
            "-p", "Documentation=man:sleep(1)", "--working-directory=/tmp", "-E", "FOO=bar%x", "-E", "Q=a \"b\" $c",
            "--remain-after-exit", "--description=Transient %n", "/bin/sh", "-c", "sleep 100; echo \"%n\" $HOME"];
        AssertSame(systemd, unitsd, asUser: true, run);
        AssertSame(systemd, unitsd, "show", "-p", "Transient,Description,CPUWeight,Restart,TimeoutStopUSec,KillMode,LimitNOFILE,UMask,Nice,"
            + "Slice,Documentation,WorkingDirectory,Environment,FragmentPath,ActiveState,SubState,RemainAfterExit,UnitFileState,LoadState,"
            + "NeedDaemonReload,CollectMode", "tr1.service");
        AssertSame(systemd, unitsd, "cat", "tr1.service");
        // The name is taken while the unit is loaded.
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--unit=tr1", "/bin/true");
        // A loaded unit of its own file cannot be made transient either.
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--unit=sl", "/bin/true");
        // Types: a target cannot be transient.
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--unit=tr.target", "/bin/true");

        // A later set-property of a transient unit writes into the transient directory.
        AssertSame(systemd, unitsd, "set-property", "tr1.service", "MemoryMax=3M");
        AssertSame(systemd, unitsd, "show", "-p", "MemoryMax,DropInPaths", "tr1.service");

        // Stopped, the unit is collected and its files are removed.
        AssertSame(systemd, unitsd, "stop", "tr1.service");
        AssertSame(systemd, unitsd, "show", "-p", "LoadState,Transient,FragmentPath", "tr1.service");
        AssertSameFiles(Files(systemd), Files(unitsd));

        // A failing one stays failed (and named) until reset, unless --collect.
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--unit=fails", "/bin/false");
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--unit=fails-collected", "--collect", "/bin/false");
        WaitUntilInactive(systemd, "fails.service", "fails-collected.service");
        WaitUntilInactive(unitsd, "fails.service", "fails-collected.service");
        AssertSame(systemd, unitsd, "show", "-p", "LoadState,ActiveState,Result,CollectMode", "fails.service", "fails-collected.service");
        AssertSame(systemd, unitsd, "reset-failed", "fails.service");
        AssertSame(systemd, unitsd, "show", "-p", "LoadState,ActiveState", "fails.service");
        AssertSameFiles(Files(systemd), Files(unitsd));
    }

    [Fact]
    public void Systemd_run_wait_reports_the_run_over_the_session_bus()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            StartSessionBus(manager);
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--quiet", "--wait", "--unit=waited", "-p", "Description=waited",
            "/bin/sh", "-c", "exit 3");
        // The caller's reference (AddRef) ends with its connection: the failed unit stays for inspection all the same.
        AssertSame(systemd, unitsd, "show", "-p", "LoadState,ActiveState,Result,ExecMainStatus", "waited.service");
        AssertSame(systemd, unitsd, asUser: true, "systemd-run", "--user", "--quiet", "--wait", "--collect", "--unit=waited2", "/bin/true");
        AssertSame(systemd, unitsd, "show", "-p", "LoadState", "waited2.service");
        AssertSameFiles(Files(systemd), Files(unitsd));
    }

    /// <summary>A session bus (dbus-daemon as dbus.service) in the instance: systemd-run --wait needs one. systemd 252
    /// goes on the bus once dbus.socket and dbus.service both run, so it gets the socket-activated pair; unitsd, whose
    /// socket units do not run yet, goes on it once dbus.service is active, so its dbus-daemon listens itself.</summary>
    private static void StartSessionBus(ManagerInstance manager)
    {
        string address = "unix:path=" + Path.Combine(manager.InstanceDirectory, "xdg", "bus");
        string config = Path.Combine(manager.InstanceDirectory, "bus.conf");
        File.WriteAllText(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>{address}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """);
        string activated = manager.IsUnitsd ? "" : " --address=systemd:";
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "dbus.service"), "[Unit]\nDescription=Test session bus\n[Service]\nType=notify\n"
            + $"NotifyAccess=main\nExecStart=/usr/bin/dbus-daemon --config-file={config}{activated} --nofork --nopidfile\n");
        if (!manager.IsUnitsd)
            File.WriteAllText(Path.Combine(manager.UnitDirectory, "dbus.socket"), "[Socket]\nListenStream=%t/bus\n");
        Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);
        Assert.Equal(0, manager.Ctl(manager.IsUnitsd ? ["start", "dbus.service"] : ["start", "dbus.socket", "dbus.service"]).ExitCode);
        // The manager takes its name on the bus once it sees dbus.service active.
        for (int attempt = 0; attempt < 200; attempt++)
        {
            CommandResult owner = manager.As("busctl", "--user", "status", "org.freedesktop.systemd1");
            if (owner.ExitCode == 0)
                return;
            Thread.Sleep(50);
        }
        Assert.Fail($"{manager.Name} did not appear on its session bus");
    }

    /// <summary>Waits for a unit's end by the manager's own word: show until it is no longer activating or active.</summary>
    private static void WaitUntilInactive(ManagerInstance manager, params string[] units)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            string states = manager.Ctl(["show", "-p", "ActiveState", "--value", .. units]).Output;
            if (states.Split('\n').All(s => s is "" or "failed" or "inactive"))
                return;
            Thread.Sleep(50);
        }
        Assert.Fail($"{string.Join(", ", units)} did not finish on {manager.Name}");
    }

    /// <summary>Every file under the instance's control and transient directories, with its content.</summary>
    private static string Files(ManagerInstance manager)
    {
        var text = new System.Text.StringBuilder();
        foreach (string root in new[] { "config/systemd/user.control", "xdg/systemd/user.control", "xdg/systemd/transient" })
        {
            string directory = Path.Combine(manager.InstanceDirectory, root);
            if (!Directory.Exists(directory))
                continue;
            foreach (string file in Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                text.Append("# ").Append(Path.GetRelativePath(manager.InstanceDirectory, file)).Append('\n').Append(File.ReadAllText(file));
        }
        return text.ToString();
    }

    /// <summary>systemctl ARGS (or, <paramref name="asUser"/>, the command ARGS as the instance's user) gives the same
    /// exit status and output on both managers.</summary>
    private void AssertSame(ManagerInstance systemd, ManagerInstance unitsd, params string[] args) => AssertSame(systemd, unitsd, asUser: false, args);

    private void AssertSame(ManagerInstance systemd, ManagerInstance unitsd, bool asUser, params string[] args)
    {
        CommandResult expected = asUser ? systemd.As(args) : systemd.Ctl(args);
        CommandResult actual = asUser ? unitsd.As(args) : unitsd.Ctl(args);
        output.WriteLine($"$ {string.Join(' ', args)}\nsystemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(Comparable(expected.Error, systemd), Comparable(actual.Error, unitsd));
        Assert.Equal(Comparable(expected.Output, systemd), Comparable(actual.Output, unitsd));
    }

    private void AssertSameFiles(string expected, string actual)
    {
        output.WriteLine($"files on systemd:\n{expected}\nfiles on unitsd:\n{actual}");
        Assert.Equal(expected, actual);
    }

    /// <summary>Each instance's own name in paths is made the same.</summary>
    private static string Comparable(string text, ManagerInstance manager) => text.Replace(manager.Name, "$NAME", StringComparison.Ordinal);
}
