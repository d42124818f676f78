using Units.Daemon.Tests.Harness;
using Units.DBus;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// Transient scopes made by the real systemd-run 252 (StartTransientUnit with PIDs=), under systemd 252 and under
/// unitsd: the command runs in the scope's cgroup, the scope is shown alike while it runs, a stop kills its processes,
/// Abandon() leaves them be, and the scope is gone once they are.
/// </summary>
public sealed class ScopeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Systemd_run_scope_runs_the_command_in_the_scopes_cgroup_and_passes_its_exit_status()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        string[] run = ["systemd-run", "--user", "--scope", "--unit=once", "-p", "RuntimeMaxSec=60", "sh", "-c", "grep '^0::' /proc/self/cgroup; exit 3"];
        CommandResult expected = systemd.As(run), actual = unitsd.As(run);
        Compare(expected, actual, run);
        Assert.Equal((3, "0::/app.slice/once.scope\n"), (actual.ExitCode, actual.Output));
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            Wait.Until(() => manager.Ctl("is-active", "once.scope").Output == "inactive\n", manager, "once.scope to go");
        Compare(systemd.Ctl("is-active", "once.scope"), unitsd.Ctl("is-active", "once.scope"), ["is-active", "once.scope"]);
    }

    [Fact]
    public void A_scope_that_outlives_RuntimeMaxSec_is_stopped_and_fails_with_timeout()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        string[] run = ["systemd-run", "--user", "--scope", "--unit=brief", "-p", "RuntimeMaxSec=1", "sleep", "infinity"];
        CommandResult expected = systemd.As(run), actual = unitsd.As(run);
        Compare(expected, actual, run);
        string[] show = ["show", "-p", "ActiveState,SubState,Result", "brief.scope"];
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            Wait.Until(() => manager.Ctl("is-failed", "brief.scope").Output == "failed\n", manager, "brief.scope to fail");
        Compare(systemd.Ctl(show), unitsd.Ctl(show), show);
        Assert.Equal("Result=timeout\nActiveState=failed\nSubState=failed\n", unitsd.Ctl(show).Output);
    }

    [Fact]
    public void A_running_scope_shows_alike_stops_by_killing_its_processes_and_can_be_abandoned()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        var runs = new List<System.Diagnostics.Process>();
        try
        {
            foreach (ManagerInstance manager in new[] { systemd, unitsd })
            {
                runs.Add(manager.Launch("systemd-run", "--user", "--scope", "--unit=long", "--description=Long scope", "sleep", "infinity"));
                runs.Add(manager.Launch("systemd-run", "--user", "--scope", "--unit=left", "sleep", "infinity"));
                Wait.Until(() => manager.Ctl("is-active", "long.scope", "left.scope").Output == "active\nactive\n", manager, "the scopes to run");
            }
            string[] show = ["show", "-p", "Id,Description,LoadState,ActiveState,SubState,Result,Slice,ControlGroup,Transient,CanStart,CanStop,"
                + "TimeoutStopUSec,RuntimeMaxUSec,KillMode,KillSignal,SendSIGKILL,IgnoreOnIsolate", "long.scope"];
            Compare(systemd.Ctl(show), unitsd.Ctl(show), show);
            string[] status = ["status", "--no-pager", "-n", "0", "long.scope"];
            Compare(systemd.Ctl(status), unitsd.Ctl(status), status);

            // Abandon(): still running, as "abandoned"; the scope ends with its processes.
            foreach (ManagerInstance manager in new[] { systemd, unitsd })
            {
                Assert.Equal("ok", Call(manager, "AbandonScope", "left.scope"));
                Assert.Equal("abandoned\n", manager.Ctl("show", "-p", "SubState", "--value", "left.scope").Output);
                Assert.Equal("ok", Call(manager, "AbandonScope", "left.scope"));
            }
            Assert.Equal(Call(systemd, "AbandonScope", "nowhere.scope"), Call(unitsd, "AbandonScope", "nowhere.scope"));

            // A stop kills the processes (SIGTERM): systemd-run, which became the command, ends.
            foreach (ManagerInstance manager in new[] { systemd, unitsd })
                Assert.Equal(0, manager.Ctl("stop", "long.scope").ExitCode);
            foreach (var run in new[] { runs[0], runs[2] })
                Assert.True(run.WaitForExit(s_wait), "the scope's command survived the stop");
            Compare(systemd.Ctl("is-active", "long.scope", "left.scope"), unitsd.Ctl("is-active", "long.scope", "left.scope"), ["is-active"]);
            foreach (ManagerInstance manager in new[] { systemd, unitsd })
            {
                Assert.Equal(0, manager.Ctl("kill", "--signal=KILL", "left.scope").ExitCode);
                Wait.Until(() => manager.Ctl("is-active", "left.scope").Output == "inactive\n", manager, "left.scope to end with its process");
            }
        }
        finally
        {
            foreach (var run in runs)
            {
                if (!run.HasExited)
                    run.Kill(entireProcessTree: true);
                run.Dispose();
            }
        }
    }

    /// <summary>A Manager method with one unit name over the private socket: "ok", or the error's name and message.</summary>
    private static string Call(ManagerInstance manager, string method, string unit)
    {
        string address = "unix:path=" + DBusAddress.Escape(Path.Combine(manager.InstanceDirectory, "xdg", "systemd", "private"));
        using DBusConnection connection = DBusConnection.ConnectAsync(address).GetAwaiter().GetResult();
        MessageWriter call = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager", method, "s");
        call.WriteString(unit.AsSpan());
        try
        {
            connection.CallAsync(call.Finish(), s_wait).GetAwaiter().GetResult().Dispose();
            return "ok";
        }
        catch (DBusException e)
        {
            return $"{e.ErrorName}: {e.Message}";
        }
    }

    private void Compare(CommandResult expected, CommandResult actual, string[] command)
    {
        output.WriteLine($"$ {string.Join(' ', command)}\nsystemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
        Assert.Equal((expected.ExitCode, expected.Output, expected.Error), (actual.ExitCode, actual.Output, actual.Error));
    }

}
