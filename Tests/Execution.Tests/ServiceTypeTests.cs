using Units.Execution.Cgroups;
using Units.Execution.Notify;
using Units.Execution.Service;
using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>Each Type= with real processes, in a real cgroup.</summary>
public sealed class ServiceTypeTests
{
    public ServiceTypeTests() => Root.Require();

    [Fact]
    public void A_service_runs_in_its_own_cgroup_and_stops_with_nothing_left()
    {
        // Type=exec, so that the process list already shows the command, not the executor.
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Exec, ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        int main = svc.Machine.MainPid;
        Assert.True(main > 0);
        Assert.Equal(ServiceActiveState.Active, svc.Machine.ActiveState);
        Assert.NotNull(svc.Processes.CgroupPath);
        Assert.EndsWith("/units.slice/units-test.slice/" + svc.Name, svc.Processes.CgroupPath, StringComparison.Ordinal);
        Assert.Equal([main], CgroupHierarchy.Pids(svc.Processes.CgroupPath!));
        Assert.Contains(svc.Processes.Processes(), p => p.Pid == main && p.CommandLine == "/bin/sleep infinity");

        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
        Assert.False(CgroupHierarchy.IsPopulated(svc.Processes.CgroupPath!));
        Assert.Equal([ServiceState.Start, ServiceState.Running, ServiceState.StopSigterm, ServiceState.Dead], svc.States);
    }

    [Fact]
    public void Simple_is_running_as_soon_as_the_process_is_spawned()
    {
        var svc = Rig.Service(new ServiceSettings { ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        svc.Start();
        Assert.Equal(ServiceState.Running, svc.Machine.State);
        Assert.Contains(svc.Machine.MainPid, CgroupHierarchy.Pids(svc.Processes.CgroupPath!));
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
    }

    [Fact]
    public void Exec_becomes_active_only_after_execve_and_fails_with_203_when_it_cannot()
    {
        var good = Rig.Service(new ServiceSettings { Type = ServiceType.Exec, ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        good.Start();
        Assert.Equal(ServiceState.Start, good.Machine.State); // waits for the exec notification
        good.RunUntil(ServiceState.Running);
        good.StopAndWait();

        var bad = Rig.Service(new ServiceSettings { Type = ServiceType.Exec, ExecStart = [ExecCommand.Of("/nonexistent/daemon")] });
        bad.Start();
        bad.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.ExitCode, bad.Machine.Result);
        Assert.Equal((int)ExitCode.Exited, bad.Machine.ExecMain.Code);
        Assert.Equal(203, bad.Machine.ExecMain.Status);
        Assert.DoesNotContain(ServiceState.Running, bad.States);
        Assert.Contains(bad.Log, l => l.Contains("Main process exited, code=exited, status=203/EXEC", StringComparison.Ordinal));
    }

    [Fact]
    public void Oneshot_runs_its_commands_in_order_and_goes_dead_or_exited()
    {
        string file = Path.Combine(TestDirectory.Create(), "order");
        var commands = new[] { Rig.Sh($"echo one >> {file}"), Rig.Sh($"echo two >> {file}") };
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Oneshot, ExecStart = commands });
        svc.Start();
        Assert.Equal(ServiceActiveState.Activating, svc.Machine.ActiveState);
        svc.RunUntil(ServiceState.Dead);
        Assert.Equal("one\ntwo\n", File.ReadAllText(file));
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);

        var remain = Rig.Service(new ServiceSettings { Type = ServiceType.Oneshot, RemainAfterExit = true, ExecStart = [ExecCommand.Of("/bin/true")] });
        remain.Start();
        remain.RunUntil(ServiceState.Exited);
        Assert.Equal(ServiceActiveState.Active, remain.Machine.ActiveState);
        remain.StopAndWait();
        Assert.Equal(ServiceState.Dead, remain.Machine.State);
    }

    [Fact]
    public void Oneshot_failure_stops_the_sequence_and_fails()
    {
        string file = Path.Combine(TestDirectory.Create(), "order");
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Oneshot,
            ExecStart = [Rig.Sh("exit 3"), Rig.Sh($"echo never >> {file}")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.ExitCode, svc.Machine.Result);
        Assert.Equal(3, svc.Machine.ExecMain.Status);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Forking_with_PIDFile_takes_the_daemon_as_main_process()
    {
        string pidFile = Path.Combine(TestDirectory.Create(), "daemon.pid");
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Forking,
            PIDFile = pidFile,
            ExecStart = [Rig.Sh($"sleep infinity & echo $! > {pidFile}")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        int daemon = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(daemon, svc.Machine.MainPid);
        Assert.Contains(daemon, CgroupHierarchy.Pids(svc.Processes.CgroupPath!));
        svc.StopAndWait();
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
        Assert.False(CgroupHierarchy.IsPopulated(svc.Processes.CgroupPath!));
    }

    [Fact]
    public void Forking_without_PIDFile_guesses_the_main_process()
    {
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Forking, ExecStart = [Rig.Sh("sleep infinity &")] });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        // The starter has exited; the one process left (the forked daemon) is the guess.
        Assert.True(svc.Machine.MainPid > 0);
        Assert.Equal([svc.Machine.MainPid], CgroupHierarchy.Pids(svc.Processes.CgroupPath!));
        svc.StopAndWait();
    }

    [Fact]
    public void Notify_waits_for_READY_and_records_STATUS()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            ExecStart = [Rig.Sh("read _; systemd-notify --pid=$$ --ready --status='serving'; exec sleep infinity")],
            Exec = new ExecSettings { StandardInput = new StdioSetting(StdioKind.File, MakeFifo(out string fifo)) },
        });
        svc.Start();
        // Until the test releases it, the daemon has not sent READY=1: the service must stay activating.
        svc.Loop().RunUntil(() => svc.Machine.MainPid > 0 && svc.Machine.State == ServiceState.Start, "start");
        File.WriteAllText(fifo, "go\n");
        svc.RunUntil(ServiceState.Running);
        Assert.Equal("serving", svc.Machine.StatusText);
        svc.StopAndWait();
    }

    [Fact]
    public void Notify_exiting_before_READY_is_a_protocol_failure()
    {
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Notify, ExecStart = [ExecCommand.Of("/bin/true")] });
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.Protocol, svc.Machine.Result);
    }

    [Fact]
    public void Notify_access_main_refuses_other_senders_and_MAINPID_moves_the_main_process()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            // A child (not the main process) sends first: refused. Then the main process hands over to a daemon.
            // (systemd-notify sends as its parent by default, so the child is a subshell.)
            ExecStart = [Rig.Sh("(systemd-notify --ready --status=from-child; true); sleep infinity & systemd-notify --pid=$$ MAINPID=$! --ready --status=handed-over")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        Assert.Contains(svc.Log, l => l.Contains("reception is refused", StringComparison.Ordinal));
        Assert.Equal("handed-over", svc.Machine.StatusText);
        int main = svc.Machine.MainPid;
        // MAINPID names the shell's background child, which may not have executed sleep yet.
        svc.Loop().RunUntil(() => CgroupHierarchy.CommandLine(main) == "sleep infinity", "the new main process to execute sleep");
        // The original shell exits; the service keeps running on the new main process.
        svc.Loop().RunUntil(() => CgroupHierarchy.Pids(svc.Processes.CgroupPath!).Count == 1, "the shell to exit");
        Assert.Equal(ServiceState.Running, svc.Machine.State);
        svc.StopAndWait();
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
    }

    [Fact]
    public void Notify_access_none_ignores_everything_and_all_accepts_any_process_of_the_unit()
    {
        var none = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Simple,
            NotifyAccess = NotifyAccess.None,
            ExecStart = [Rig.Sh("systemd-notify --pid=$$ --status=ignored; exec sleep infinity")],
        });
        none.Start();
        none.RunUntil(ServiceState.Running);
        var all = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            NotifyAccess = NotifyAccess.All,
            ExecStart = [Rig.Sh("(systemd-notify --ready --status=from-child; true); exec sleep infinity")],
        });
        all.Start();
        all.RunUntil(ServiceState.Running);
        Assert.Equal("from-child", all.Machine.StatusText);
        Assert.Equal("", none.Machine.StatusText);
        none.StopAndWait();
        all.StopAndWait();
    }

    [Fact]
    public void Dbus_waits_for_its_bus_name()
    {
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Dbus, BusName = "org.example.Test", ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        svc.Start();
        Assert.Equal(ServiceState.Start, svc.Machine.State);
        svc.Machine.BusNameOwnerChanged(":1.7", svc.Machine.MainPid);
        Assert.Equal(ServiceState.Running, svc.Machine.State);
        svc.StopAndWait();
    }

    [Fact]
    public void Dbus_stops_when_its_bus_name_is_gone()
    {
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Dbus, BusName = "org.example.Test", ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        svc.Start();
        svc.Machine.BusNameOwnerChanged(":1.7", 0);
        Assert.Equal(ServiceState.Running, svc.Machine.State);
        svc.Machine.BusNameOwnerChanged(null, 0);
        svc.RunUntil(ServiceState.Dead);
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
    }

    [Fact]
    public void A_service_without_a_known_main_process_takes_its_bus_name_owner()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Forking,
            GuessMainPID = false,
            BusName = "org.example.Daemon",
            ExecStart = [Rig.Sh("sleep infinity &")],
        });
        svc.Start();
        // Without a guess the main process stays unknown; the cgroup still holds the daemon, so the service runs.
        svc.RunUntil(ServiceState.Running);
        Assert.Equal(0, svc.Machine.MainPid);
        int daemon = Assert.Single(CgroupHierarchy.Pids(svc.Processes.CgroupPath!));
        svc.Machine.BusNameOwnerChanged(":1.9", daemon);
        Assert.Equal(daemon, svc.Machine.MainPid);
        svc.StopAndWait();
    }

    [Fact]
    public void Idle_counts_as_active_while_starting()
    {
        Assert.Equal(ServiceActiveState.Active, ServiceState.StartPre.ToActiveState(idle: true));
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Idle, ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        svc.StopAndWait();
    }

    [Fact]
    public void Commands_run_in_systemd_order_with_MAINPID_and_SERVICE_RESULT()
    {
        string log = Path.Combine(TestDirectory.Create(), "log");
        ExecCommand Step(string name) => Rig.Sh($"echo \"{name} ${{MAINPID:-}} ${{SERVICE_RESULT:-}} ${{EXIT_CODE:-}}\" >> {log}");
        var svc = Rig.Service(new ServiceSettings
        {
            ExecCondition = [Step("condition")],
            ExecStartPre = [Step("pre1"), Step("pre2")],
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
            ExecStartPost = [Step("post")],
            ExecReload = [Step("reload")],
            ExecStop = [Step("stop")],
            ExecStopPost = [Step("stoppost")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        Assert.Equal(ServiceOperation.InProgress, svc.Machine.Reload());
        Assert.Equal(ServiceActiveState.Reloading, svc.Machine.ActiveState);
        svc.RunUntil(ServiceState.Running);
        int main = svc.Machine.MainPid;
        svc.StopAndWait();
        var lines = File.ReadAllLines(log).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(
            ["condition", "pre1", "pre2", $"post {main}", $"reload {main}", $"stop {main} success", "stoppost success killed"],
            lines);
    }

    [Fact]
    public void Every_command_of_an_activation_sees_its_INVOCATION_ID_and_the_next_activation_a_new_one()
    {
        string log = Path.Combine(TestDirectory.Create(), "log");
        ExecCommand Step(string name) => Rig.Sh($"echo \"{name} $INVOCATION_ID\" >> {log}");
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Oneshot,
            RemainAfterExit = true,
            ExecStartPre = [Step("pre")],
            ExecStart = [Step("main")],
            ExecStopPost = [Step("stoppost")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Exited);
        svc.StopAndWait();
        svc.Start();
        svc.RunUntil(ServiceState.Exited);
        svc.StopAndWait();
        Assert.Equal(2, svc.Invocations.Count);
        Assert.NotEqual(svc.Invocations[0], svc.Invocations[1]);
        Assert.Equal(
            [.. svc.Invocations.SelectMany(id => new[] { $"pre {id}", $"main {id}", $"stoppost {id}" })],
            File.ReadAllLines(log));
    }

    [Fact]
    public void ExecCondition_failing_with_1_to_254_skips_and_255_fails()
    {
        var skipped = Rig.Service(new ServiceSettings { ExecCondition = [Rig.Sh("exit 1")], ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        skipped.Start();
        skipped.RunUntil(ServiceState.Dead);
        Assert.Equal(ServiceResult.SkipCondition, skipped.Machine.Result);
        Assert.DoesNotContain(ServiceState.Start, skipped.States);

        var failed = Rig.Service(new ServiceSettings { ExecCondition = [Rig.Sh("exit 255")], ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        failed.Start();
        failed.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.ExitCode, failed.Machine.Result);
    }

    [Fact]
    public void A_dash_prefixed_failing_command_is_ignored_and_SuccessExitStatus_counts_as_success()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            ExecStartPre = [ExecCommand.FromWords(["-/bin/false"])],
            ExecStart = [Rig.Sh("exit 42")],
            SuccessExitStatus = new ExitStatusSet { Statuses = new HashSet<int> { 42 } },
        });
        svc.Start();
        svc.RunUntil(ServiceState.Dead);
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
        Assert.Equal(42, svc.Machine.ExecMain.Status);
    }

    private static string MakeFifo(out string path)
    {
        path = Path.Combine(TestDirectory.Create(), "fifo");
        var exit = Processes.Run(new ExecSettings(), ExecCommand.Of("/usr/bin/mkfifo", path));
        Assert.True(exit.Succeeded, exit.ToString());
        return path;
    }
}

internal static class TestServiceExtensions
{
    public static TestLoop Loop(this TestService _) => Rig.Loop;
}
