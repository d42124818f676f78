using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>Finding units: a unit file written after start-up, on both managers; GetUnitByPID and GetUnitByControlGroup on unitsd, asked from inside a unit (its own PID, its cgroup and a
/// cgroup below it) and from outside. The expected answers are those systemd 252 gives under run-systemd.sh (the
/// reference cannot run in the same test: over its private socket systemd 252 leaves GetUnitByPID(0) and an exact
/// cgroup without a reply dbus-send accepts).</summary>
public sealed class UnitLookupTests(ITestOutputHelper output)
{
    /// <summary>A oneshot that asks the manager about itself over the private socket and keeps the answers.</summary>
    private static Dictionary<string, string> Units(string answers) => new()
    {
        ["ask.service"] = "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c '"
            + "call() { dbus-send --peer=unix:path=$$XDG_RUNTIME_DIR/systemd/private --print-reply=literal --dest=org.freedesktop.systemd1 "
            + "/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager.$$1 $$2 >> " + answers + " 2>&1; echo >> " + answers + "; }; "
            + "cg=$$(sed -n \"s/^0:://p\" /proc/self/cgroup); "
            + "call GetUnitByPID uint32:$$$$; call GetUnitByControlGroup string:$$cg; call GetUnitByControlGroup string:$$cg/below; "
            + "call GetUnitByControlGroup string:/app.slice/gone.service'\n",
    };

    [Fact]
    public void A_unit_file_written_after_start_up_is_found_without_daemon_reload()
    {
        var units = new Dictionary<string, string> { ["holder.target"] = "[Unit]\nWants=later.service\n" };
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, units);
        var seen = new List<string>();
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            // later.service is wanted, so its not-found stub stays in the graph; newer.service was never asked for.
            Assert.Equal(0, manager.Ctl("start", "holder.target").ExitCode);
            Assert.Equal("LoadState=not-found\n", manager.Ctl("show", "-p", "LoadState", "later.service").Output);
            foreach (string name in new[] { "later.service", "newer.service" })
                File.WriteAllText(Path.Combine(manager.UnitDirectory, name), "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n");
            CommandResult start = manager.Ctl("start", "later.service", "newer.service");
            seen.Add($"{start.ExitCode} {start.Error}{manager.Ctl("show", "-p", "LoadState,ActiveState", "later.service", "newer.service").Output}");
        }
        output.WriteLine($"systemd: {seen[0]}\nunitsd: {seen[1]}");
        Assert.Equal(seen[0], seen[1]);
        Assert.Equal("0 LoadState=loaded\nActiveState=active\n\nLoadState=loaded\nActiveState=active\n", seen[1]);
    }

    [Fact]
    public void A_unit_finds_itself_by_pid_and_control_group()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        string answers = Path.Combine(unitsd.InstanceDirectory, "answers");
        foreach ((string file, string content) in Units(answers))
            File.WriteAllText(Path.Combine(unitsd.UnitDirectory, file), content);
        Assert.Equal(0, unitsd.Ctl("daemon-reload").ExitCode);
        CommandResult start = unitsd.Ctl("start", "ask.service");
        Assert.True(start.ExitCode == 0, start.Error);
        string[] lines = File.ReadAllLines(answers).Select(l => l.Trim()).ToArray();
        output.WriteLine(string.Join('\n', lines));
        Assert.Equal(
            ["/org/freedesktop/systemd1/unit/ask_2eservice", "/org/freedesktop/systemd1/unit/ask_2eservice",
             "/org/freedesktop/systemd1/unit/ask_2eservice", "/org/freedesktop/systemd1/unit/app_2eslice"],
            lines);
    }

    [Fact]
    public void The_manager_process_is_init_scope_and_an_unknown_pid_or_relative_cgroup_is_refused()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        string Call(string method, string argument)
        {
            CommandResult result = unitsd.As("dbus-send", $"--peer=unix:path={unitsd.InstanceDirectory}/xdg/systemd/private", "--print-reply=literal",
                "--dest=org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager." + method, argument);
            return (result.Output + result.Error).Trim();
        }
        // The instance has no PID namespace: the manager's PID is the same inside and out.
        string hierarchy = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
        string managerPid = File.ReadAllText($"{hierarchy}/sdref-{unitsd.Name}/init.scope/cgroup.procs").Split('\n')[0];
        Assert.Equal("/org/freedesktop/systemd1/unit/init_2escope", Call("GetUnitByPID", "uint32:" + managerPid));
        Assert.Equal("/org/freedesktop/systemd1/unit/init_2escope", Call("GetUnitByControlGroup", "string:/init.scope/below"));
        Assert.Contains("org.freedesktop.systemd1.NoUnitForPID: PID 4194303 does not belong to any loaded unit.", Call("GetUnitByPID", "uint32:4194303"));
        Assert.Contains("org.freedesktop.DBus.Error.InvalidArgs: Control group path is not absolute: relative", Call("GetUnitByControlGroup", "string:relative"));
    }
}
