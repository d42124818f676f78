using System.Text.RegularExpressions;
using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>Timer and path units under real systemd 252 and under unitsd: they start their services, and
/// systemctl sees the same of them on both managers (apart from times).</summary>
public sealed partial class TriggerUnitTests(ITestOutputHelper output)
{
    /// <summary>%t is the instance's own XDG_RUNTIME_DIR: what a service leaves there the test sees on the host.</summary>
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["tick.timer"] = "[Unit]\nDescription=Ticks once\n[Timer]\nOnActiveSec=1s\nAccuracySec=1us\n",
        ["tick.service"] = "[Unit]\nDescription=Tick\n[Service]\nType=oneshot\nExecStart=/bin/touch %t/ticked\n",
        ["nightly.timer"] = "[Unit]\nDescription=Nightly\n[Timer]\nOnCalendar=*-*-* 04:00:00\nOnUnitActiveSec=1d\nUnit=tick.service\n",
        ["fixed.timer"] = "[Unit]\nDescription=Fixed random delay\n[Timer]\nOnCalendar=*-*-* 04:00:00\nRandomizedDelaySec=1h\nFixedRandomDelay=yes\nUnit=tick.service\n",
        ["never.timer"] = "[Unit]\nDescription=Never started\n[Timer]\nOnBootSec=1h\nUnit=tick.service\n",
        ["clock.timer"] = "[Unit]\nDescription=Hears the clock being set\n[Timer]\nOnClockChange=yes\nUnit=clock.service\n",
        ["clock.service"] = "[Unit]\nDescription=Clock set\n[Service]\nType=oneshot\nExecStart=/bin/touch %t/clock-set\n",
        ["zone.timer"] = "[Unit]\nDescription=Hears the time zone change\n[Timer]\nOnTimezoneChange=yes\nUnit=zone.service\n",
        ["zone.service"] = "[Unit]\nDescription=Zone changed\n[Service]\nType=oneshot\nExecStart=/bin/touch %t/zone-changed\n",
        ["flag.path"] = "[Unit]\nDescription=Waits for a flag\n[Path]\nPathExists=%t/flag\nUnit=flag.service\n",
        ["flag.service"] = "[Unit]\nDescription=Sees the flag\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/touch %t/flag-seen\n",
    };

    /// <summary>The instance's XDG_RUNTIME_DIR (%t) on the host.</summary>
    private static string RuntimeDirectory(ManagerInstance manager) => Path.Combine(manager.InstanceDirectory, "xdg");

    [Fact]
    public void A_timer_with_OnActiveSec_starts_its_service_and_then_has_elapsed()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            Assert.Equal(0, manager.Ctl("start", "tick.timer").ExitCode);
            Wait.Until(() => File.Exists(Path.Combine(RuntimeDirectory(manager), "ticked")), manager, "tick.service to run");
            Wait.Until(() => Show(manager, "SubState", "tick.timer") == "elapsed", manager, "tick.timer to elapse");
        }
        string[] show = ["show", "-p", "ActiveState,SubState,Result,Triggers,TriggeredBy", "tick.timer", "tick.service"];
        Compare(systemd.Ctl(show), unitsd.Ctl(show));
    }

    [Fact]
    public void List_timers_shows_the_same_timers_on_both_managers()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            Assert.Equal(0, manager.Ctl("start", "tick.timer", "nightly.timer").ExitCode);
            Wait.Until(() => Show(manager, "SubState", "tick.timer") == "elapsed", manager, "tick.timer to elapse");
            // nightly.timer counts OnUnitActiveSec= from tick.service's run: it is waiting once tick.service is done.
            Wait.Until(() => Show(manager, "ActiveState", "tick.service") == "inactive", manager, "tick.service to finish");
        }
        foreach (string[] command in new[]
        {
            ["list-timers", "--all", "--no-pager"], ["list-timers", "--no-pager"],
            new[] { "status", "tick.timer", "nightly.timer", "never.timer", "--no-pager", "-n", "0" },
            // A reload keeps waiting timers waiting for the same times.
            ["daemon-reload"], ["list-timers", "--all", "--no-pager"],
        })
        {
            CommandResult expected = systemd.Ctl(command);
            CommandResult actual = unitsd.Ctl(command);
            output.WriteLine($"$ systemctl {string.Join(' ', command)}\nsystemd:\n{expected.Output}{expected.Error}\nunitsd:\n{actual.Output}{actual.Error}");
            Assert.Equal(expected.ExitCode, actual.ExitCode);
            Assert.Equal(WithoutTimes(expected.Output), WithoutTimes(actual.Output));
        }
    }

    [Fact]
    public void FixedRandomDelay_delays_a_calendar_timer_by_what_systemd_picks()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        var next = new List<string>();
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            Assert.Equal(0, manager.Ctl("start", "fixed.timer").ExitCode);
            // The harness hides timestamps; this one must be equal, so it is read without its separators.
            next.Add(manager.As("sh", "-c", "systemctl --user show -p NextElapseUSecRealtime fixed.timer | tr -d ' :-'").Output.Trim());
        }
        output.WriteLine($"systemd: {next[0]}\nunitsd: {next[1]}");
        Assert.Matches("^NextElapseUSecRealtime=[A-Z][a-z]{2}[0-9]{14}[A-Z]+$", next[0]);
        Assert.Equal(next[0], next[1]);
    }

    [Fact]
    public void A_path_unit_starts_its_service_when_the_file_appears()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            Assert.Equal(0, manager.Ctl("start", "flag.path").ExitCode);
            Assert.Equal("waiting", Show(manager, "SubState", "flag.path"));
            Assert.False(File.Exists(Path.Combine(RuntimeDirectory(manager), "flag-seen")));
            File.WriteAllText(Path.Combine(RuntimeDirectory(manager), "flag"), "");
            Wait.Until(() => File.Exists(Path.Combine(RuntimeDirectory(manager), "flag-seen")), manager, "flag.service to run");
            Wait.Until(() => Show(manager, "ActiveState", "flag.service") == "active", manager, "flag.service to be up");
        }
        string[] show = ["show", "-p", "ActiveState,SubState,Result,Triggers,TriggeredBy", "flag.path", "flag.service"];
        Compare(systemd.Ctl(show), unitsd.Ctl(show));

        // Once its service stops, the path unit looks again: the flag is still there, so it starts it again.
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            File.Delete(Path.Combine(RuntimeDirectory(manager), "flag-seen"));
            Assert.Equal(0, manager.Ctl("stop", "flag.service").ExitCode);
            Wait.Until(() => File.Exists(Path.Combine(RuntimeDirectory(manager), "flag-seen")), manager, "flag.service to run again");
        }
    }

    [Fact]
    public void OnClockChange_and_OnTimezoneChange_start_their_services_when_the_clock_is_set_and_the_zone_changes()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        var managers = new[] { systemd, unitsd };
        foreach (ManagerInstance manager in managers)
        {
            Assert.Equal(0, manager.Ctl("start", "clock.timer", "zone.timer").ExitCode);
            Assert.Equal("waiting", Show(manager, "SubState", "clock.timer"));
            Assert.Equal("waiting", Show(manager, "SubState", "zone.timer"));
        }
        Assert.All(managers, m => Assert.False(File.Exists(Path.Combine(RuntimeDirectory(m), "clock-set"))));

        // Setting the clock to what it reads is a set all the same (the kernel cancels TFD_TIMER_CANCEL_ON_SET timers).
        var set = Command.Run("python3", ["-c", "import time; time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))"], TimeSpan.FromSeconds(30));
        Assert.True(set.ExitCode == 0, set.Error);
        foreach (ManagerInstance manager in managers)
            Wait.Until(() => File.Exists(Path.Combine(RuntimeDirectory(manager), "clock-set")), manager, "clock.service to run");
        Assert.All(managers, m => Assert.False(File.Exists(Path.Combine(RuntimeDirectory(m), "zone-changed"))));

        // A new mtime on /etc/localtime (the link itself, as the managers watch it) is a time zone change.
        var touch = Command.Run("touch", ["-h", "/etc/localtime"], TimeSpan.FromSeconds(30));
        Assert.True(touch.ExitCode == 0, touch.Error);
        foreach (ManagerInstance manager in managers)
        {
            Wait.Until(() => File.Exists(Path.Combine(RuntimeDirectory(manager), "zone-changed")), manager, "zone.service to run");
            Wait.Until(() => Show(manager, "ActiveState", "zone.service") == "inactive", manager, "zone.service to finish");
            Wait.Until(() => Show(manager, "ActiveState", "clock.service") == "inactive", manager, "clock.service to finish");
        }
        string[] show = ["show", "-p", "ActiveState,SubState,Result", "clock.timer", "clock.service", "zone.timer", "zone.service"];
        Compare(systemd.Ctl(show), unitsd.Ctl(show));
    }

    private void Compare(CommandResult expected, CommandResult actual)
    {
        output.WriteLine($"systemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(expected.Output, actual.Output);
        Assert.Equal(expected.Error, actual.Error);
    }

    private static string Show(ManagerInstance manager, string property, string unit) =>
        manager.Ctl("show", "-p", property, "--value", unit).Output.Trim();


    /// <summary>list-timers output less the times (NEXT/LAST are normalised by the harness, LEFT/PASSED here), with
    /// the columns' padding, which follows the widths of those times, collapsed.</summary>
    private static string WithoutTimes(string text) => Spaces().Replace(Left().Replace(text, "$$LEFT"), " ");

    [GeneratedRegex(@"\d+(\.\d+)?(us|ms|s|min|h|d|w|month|y)( \d+(\.\d+)?(us|ms|s|min|h|d|w|month|y))* left")]
    private static partial Regex Left();

    [GeneratedRegex(@" {2,}")]
    private static partial Regex Spaces();
}
