using Units.Execution.Cgroups;
using Units.Core.Manager;
using Units.Execution.Service;
using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>Restart=, start limits, timeouts, watchdog, runtime limit — with real processes and the real clock.</summary>
public sealed class RestartAndTimeoutTests
{
    public RestartAndTimeoutTests() => Root.Require();

    public static TheoryData<ServiceRestart, string, bool> RestartTable => new()
    {
        // Restart=, how the main process ends, whether systemd restarts it (systemd.service(5), Table 2).
        { ServiceRestart.No, "exit 0", false },
        { ServiceRestart.No, "kill -9 $$", false },
        { ServiceRestart.Always, "exit 0", true },
        { ServiceRestart.Always, "exit 3", true },
        { ServiceRestart.Always, "kill -9 $$", true },
        { ServiceRestart.OnSuccess, "exit 0", true },
        { ServiceRestart.OnSuccess, "exit 3", false },
        { ServiceRestart.OnSuccess, "kill -TERM $$", true }, // SIGTERM is a clean exit for a daemon
        { ServiceRestart.OnFailure, "exit 0", false },
        { ServiceRestart.OnFailure, "exit 3", true },
        { ServiceRestart.OnFailure, "kill -9 $$", true },
        { ServiceRestart.OnAbnormal, "exit 3", false },
        { ServiceRestart.OnAbnormal, "kill -9 $$", true },
        { ServiceRestart.OnAbnormal, "exit 0", false },
        { ServiceRestart.OnAbort, "kill -9 $$", true },
        { ServiceRestart.OnAbort, "exit 3", false },
        { ServiceRestart.OnAbort, "kill -ABRT $$", true },
        { ServiceRestart.OnWatchdog, "kill -9 $$", false },
        { ServiceRestart.OnWatchdog, "exit 3", false },
    };

    [Theory]
    [MemberData(nameof(RestartTable))]
    public void Restart_value_decides_by_how_the_process_ended(ServiceRestart restart, string end, bool restarts)
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Restart = restart,
            RestartUsec = ServiceSettings.Infinity, // only whether auto-restart is entered matters here
            ExecStart = [Rig.Sh(end)],
        });
        svc.Start();
        svc.Loop().RunUntil(() => svc.Machine.State is ServiceState.AutoRestart or ServiceState.Dead or ServiceState.Failed,
            "the main process to end");
        Assert.Equal(restarts, svc.Machine.State == ServiceState.AutoRestart);
        Assert.Equal(ServiceActiveState.Activating, ServiceState.AutoRestart.ToActiveState());
        svc.StopAndWait();
    }

    [Fact]
    public void Restart_on_watchdog_restarts_after_a_watchdog_timeout()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Restart = ServiceRestart.OnWatchdog,
            RestartUsec = ServiceSettings.Infinity,
            WatchdogUsec = 200_000,
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.AutoRestart);
        Assert.Equal(ServiceResult.Watchdog, svc.Machine.Result);
        Assert.Equal((int)ExitCode.Dumped, svc.Machine.ExecMain.Code == (int)ExitCode.Killed ? (int)ExitCode.Dumped : svc.Machine.ExecMain.Code);
        Assert.Equal(Signals.SIGABRT, svc.Machine.ExecMain.Status);
        Assert.Contains(ServiceState.StopWatchdog, svc.States);
        svc.StopAndWait();
    }

    [Fact]
    public void Watchdog_pings_keep_the_service_alive_and_WATCHDOG_trigger_fires_it()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            WatchdogUsec = 60_000_000,
            ExecStart = [Rig.Sh("echo \"$WATCHDOG_USEC\" > /dev/null; systemd-notify --pid=$$ WATCHDOG=1; systemd-notify --pid=$$ WATCHDOG=trigger; exec sleep infinity")],
        });
        svc.Start();
        svc.Loop().RunUntil(() => svc.Machine.State is ServiceState.Dead or ServiceState.Failed, "the watchdog to fire");
        Assert.Equal(ServiceResult.Watchdog, svc.Machine.Result);
    }

    [Fact]
    public void Restart_always_gives_a_new_main_pid_and_counts_restarts()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Restart = ServiceRestart.Always,
            RestartUsec = 0,
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        int first = svc.Machine.MainPid;
        Assert.True(ProcessSupervisor.Kill(first, Signals.SIGKILL));
        svc.Loop().RunUntil(() => svc.Machine.State == ServiceState.Running && svc.Machine.MainPid != first, "a new main process");
        Assert.Equal(1u, svc.Machine.NRestarts);
        Assert.Equal([ServiceState.Start, ServiceState.Running, ServiceState.Failed, ServiceState.AutoRestart, ServiceState.Dead, ServiceState.Start, ServiceState.Running],
            svc.States);
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
    }

    [Fact]
    public void A_pending_stop_job_prevents_the_automatic_restart()
    {
        var svc = Rig.Service(new ServiceSettings { Restart = ServiceRestart.Always, RestartUsec = 0, ExecStart = [Rig.Sh("exit 1")] });
        svc.StopJobPending = true;
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        Assert.Equal(0u, svc.Machine.NRestarts);
    }

    [Theory]
    [InlineData("exit 0", ServiceResult.StartLimitHit)]
    [InlineData("exit 1", ServiceResult.ExitCode)]
    public void Start_limit_stops_a_restart_loop(string script, ServiceResult result)
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Restart = ServiceRestart.Always,
            RestartUsec = 0,
            ExecStart = [Rig.Sh(script)],
        });
        svc.StartLimit = new RateLimit(60_000_000, 3);
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        // As in systemd 252: start-limit-hit replaces only a success; an earlier failure's result stands.
        Assert.Equal(result, svc.Machine.Result);
        Assert.Equal(3u, svc.Machine.NRestarts);
        Assert.Equal(ServiceOperation.Failed, svc.Machine.Start()); // still limited
        svc.Machine.ResetFailed();
        svc.StartLimit = new RateLimit(60_000_000, 3); // reset-failed: the core forgets the start limit's history
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.Equal(ServiceOperation.InProgress, svc.Machine.Start());
        svc.StopAndWait();
    }

    [Fact]
    public void RestartPreventExitStatus_and_RestartForceExitStatus_override_Restart()
    {
        var prevented = Rig.Service(new ServiceSettings
        {
            Restart = ServiceRestart.Always,
            RestartUsec = ServiceSettings.Infinity,
            RestartPreventExitStatus = new ExitStatusSet { Statuses = new HashSet<int> { 7 } },
            ExecStart = [Rig.Sh("exit 7")],
        });
        prevented.Start();
        prevented.RunUntil(ServiceState.Failed);

        var forced = Rig.Service(new ServiceSettings
        {
            Restart = ServiceRestart.No,
            RestartUsec = ServiceSettings.Infinity,
            RestartForceExitStatus = new ExitStatusSet { Statuses = new HashSet<int> { 8 } },
            ExecStart = [Rig.Sh("exit 8")],
        });
        forced.Start();
        forced.RunUntil(ServiceState.AutoRestart);
        forced.StopAndWait();
    }

    [Fact]
    public void Stop_timeout_sends_SIGKILL_to_a_process_that_ignores_SIGTERM()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            TimeoutStopUsec = 300_000,
            // The shell ignores SIGTERM (and says so by READY=1); no "exec", so it stays the main process.
            ExecStart = [Rig.Sh(IgnoreTerm)],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        int main = svc.Machine.MainPid;
        svc.StopAndWait();
        Assert.Equal(ServiceState.Failed, svc.Machine.State);
        Assert.Equal(ServiceResult.Timeout, svc.Machine.Result);
        // stop-sigterm times out, SIGKILL follows; final-* states may still see dying children before "failed".
        Assert.Equal([ServiceState.StopSigterm, ServiceState.StopSigkill], svc.States.Skip(2).Take(2));
        Assert.Equal(ServiceState.Failed, svc.States[^1]);
        Assert.Contains(svc.Log, l => l.Contains("State 'stop-sigterm' timed out. Killing.", StringComparison.Ordinal));
        Assert.Equal((int)ExitCode.Killed, svc.Machine.ExecMain.Code);
        Assert.Equal(Signals.SIGKILL, svc.Machine.ExecMain.Status);
        Assert.False(Directory.Exists($"/proc/{main}"));
    }

    [Fact]
    public void Start_timeout_terminates_a_service_that_never_becomes_ready()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            TimeoutStartUsec = 300_000,
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.Timeout, svc.Machine.Result);
        Assert.Contains(svc.Log, l => l.Contains("start operation timed out. Terminating.", StringComparison.Ordinal));
        Assert.Equal(Signals.SIGTERM, svc.Machine.ExecMain.Status);
    }

    [Fact]
    public void SendSIGKILL_no_gives_up_after_the_stop_timeout_without_killing()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            TimeoutStopUsec = 200_000,
            Kill = new KillSettings { SendSIGKILL = false },
            ExecStart = [Rig.Sh(IgnoreTerm)],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        int main = svc.Machine.MainPid;
        svc.StopAndWait();
        Assert.Equal(ServiceResult.Timeout, svc.Machine.Result);
        Assert.DoesNotContain(ServiceState.StopSigkill, svc.States);
        Assert.True(Directory.Exists($"/proc/{main}"));
        Rig.Runtime.Cgroups!.Kill(svc.Processes.CgroupPath!, Signals.SIGKILL);
    }

    [Fact]
    public void RuntimeMaxSec_stops_the_service_with_timeout()
    {
        var svc = Rig.Service(new ServiceSettings { RuntimeMaxUsec = 200_000, ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.Timeout, svc.Machine.Result);
        Assert.Contains(svc.Log, l => l.Contains("runtime time limit", StringComparison.Ordinal));
    }

    [Fact]
    public void EXTEND_TIMEOUT_USEC_extends_the_start_timeout()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            TimeoutStartUsec = 300_000,
            ExecStart = [Rig.Sh($"systemd-notify --pid=$$ EXTEND_TIMEOUT_USEC=60000000; read _ < {Fifo(out string fifo)}; systemd-notify --pid=$$ --ready; exec sleep infinity")],
        });
        svc.Start();
        // Past the original timeout, the service still waits (the extension arrived); then it becomes ready.
        var loop = svc.Loop();
        ulong deadline = loop.NowUSec + 600_000;
        using var wake = loop.AddTimer(deadline, static () => { });
        loop.RunUntil(() => loop.NowUSec >= deadline || svc.Machine.State != ServiceState.Start, "the original timeout to pass");
        Assert.Equal(ServiceState.Start, svc.Machine.State);
        File.WriteAllText(fifo, "go\n");
        svc.RunUntil(ServiceState.Running);
        svc.StopAndWait();
    }

    [Fact]
    public void Notify_reload_signals_the_daemon_and_waits_for_RELOADING_then_READY()
    {
        string script = "trap 'systemd-notify --pid=$$ RELOADING=1; systemd-notify --pid=$$ --ready --status=reloaded' HUP; " +
                        "sleep infinity & systemd-notify --pid=$$ --ready; while :; do wait; sleep infinity & done";
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.NotifyReload, ExecStart = [Rig.Sh(script)] });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        Assert.True(svc.Machine.CanReload);
        Assert.Equal(ServiceOperation.InProgress, svc.Machine.Reload());
        Assert.Equal(ServiceState.Reload, svc.Machine.State);
        svc.RunUntil(ServiceState.Running);
        Assert.Equal("reloaded", svc.Machine.StatusText);
        Assert.Equal(ServiceResult.Success, svc.Machine.ReloadResult);
        svc.StopAndWait();
    }

    /// <summary>A main process that ignores SIGTERM, and sends READY=1 once the trap is set.</summary>
    private const string IgnoreTerm = "trap '' TERM; systemd-notify --pid=$$ --ready; while :; do sleep infinity; done";

    private static string Fifo(out string path)
    {
        path = Path.Combine(TestDirectory.Create(), "fifo");
        Assert.True(Processes.Run(new ExecSettings(), ExecCommand.Of("/usr/bin/mkfifo", path)).Succeeded);
        return path;
    }
}
