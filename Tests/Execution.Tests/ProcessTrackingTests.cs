using Units.Execution.Cgroups;
using Units.Execution.Service;
using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>KillMode= with a double-forking daemon, fork bombs, PIDFile= races and safety — through real cgroups.</summary>
public sealed class ProcessTrackingTests
{
    public ProcessTrackingTests()
    {
        Root.Require();
        Assert.True(Rig.Runtime.Cgroups is not null, "These tests need a writable cgroup v2 hierarchy.");
    }

    /// <summary>
    /// A daemon that double-forks (setsid, parent exits: it is re-parented to the manager) and records SIGTERM in a
    /// marker file; it reports READY=1 once its trap is set and its own child runs, while the main process stays a
    /// plain sleep. The child is forked before READY=1 and before the trap: forked after READY=1, a SIGTERM arriving
    /// while dash forks lets it exec sleep after the manager's last scan of the cgroup (only TimeoutStopSec= would end
    /// it, under systemd too); forked after the trap, it may still be a copy of dash with the trap when the SIGTERM
    /// comes, and writes the marker a second time.
    /// </summary>
    private static (TestService Service, string Marker) DoubleForking(KillMode mode)
    {
        string dir = TestDirectory.Create();
        string marker = Path.Combine(dir, "marker");
        string daemon = Path.Combine(dir, "daemon.sh");
        File.WriteAllText(daemon, $"sleep infinity &\ntrap 'echo term >> {marker}; exit 0' TERM\nsystemd-notify --ready\nwait\n");
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            NotifyAccess = Notify.NotifyAccess.All,
            Kill = new KillSettings { KillMode = mode },
            ExecStart = [Rig.Sh($"(setsid sh {daemon} &); exec sleep infinity")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        return (svc, marker);
    }

    /// <summary>The double-forked daemon: the session leader it made itself with setsid.</summary>
    private static int OrphanOf(TestService svc) =>
        CgroupHierarchy.Pids(svc.Processes.CgroupPath!).Single(p => p != svc.Machine.MainPid && SessionOf(p) == p
            && CgroupHierarchy.CommandLine(p).StartsWith("sh ", StringComparison.Ordinal));

    /// <summary>The session id (the fourth field after the command name in /proc/PID/stat); 0 once the process is gone.</summary>
    private static int SessionOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return 0;
        }
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void KillMode_control_group_terminates_every_process_including_the_double_forked_daemon()
    {
        var (svc, marker) = DoubleForking(KillMode.ControlGroup);
        int orphan = OrphanOf(svc);
        Assert.Equal(Environment.ProcessId, ProcTableParent(orphan)); // re-parented to us, the subreaper
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        // SIGTERM, and no SIGKILL before the trap ran. (A daemon slow to exit gets SIGTERM again in final-sigterm,
        // once the main process is gone, as under systemd: then the trap runs twice.)
        Assert.NotEmpty(File.ReadAllLines(marker));
        Assert.All(File.ReadAllLines(marker), static line => Assert.Equal("term", line));
        Assert.False(CgroupHierarchy.IsPopulated(svc.Processes.CgroupPath!));
    }

    [Fact]
    public void Running_services_hold_no_file_descriptor_of_the_manager()
    {
        // The exec status pipe of a process is closed once its exec is decided, not when it exits.
        static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;
        int before = OpenFds();
        var services = Enumerable.Range(0, 40)
            .Select(_ => Rig.Service(new ServiceSettings { Type = ServiceType.Simple, ExecStart = [ExecCommand.FromWords(["/bin/sleep", "infinity"])] }))
            .ToList();
        foreach (var svc in services)
        {
            svc.Start();
            svc.RunUntil(ServiceState.Running);
        }
        // The pipes close on the supervisor's own thread as each executor execs: wait (bounded) for that.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (OpenFds() >= before + services.Count && DateTime.UtcNow < deadline)
            Thread.Sleep(20); // Poll interval of the bounded wait, not a synchronisation.
        Assert.True(OpenFds() < before + services.Count / 2, $"{OpenFds() - before} more file descriptors with {services.Count} services running");
        foreach (var svc in services)
            svc.StopAndWait();
    }

    [Fact]
    public void KillMode_mixed_terminates_the_main_process_and_kills_the_rest()
    {
        var (svc, marker) = DoubleForking(KillMode.Mixed);
        int orphan = OrphanOf(svc);
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.False(File.Exists(marker)); // the daemon got SIGKILL, never SIGTERM
        Assert.Contains(ServiceState.FinalSigkill, svc.States);
        Assert.False(ProcessExists(orphan));
        Assert.False(CgroupHierarchy.IsPopulated(svc.Processes.CgroupPath!));
    }

    [Fact]
    public void KillMode_process_terminates_only_the_main_process()
    {
        var (svc, marker) = DoubleForking(KillMode.Process);
        int main = svc.Machine.MainPid, orphan = OrphanOf(svc);
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.False(ProcessExists(main));
        Assert.True(ProcessExists(orphan));
        Assert.False(File.Exists(marker));
        Rig.Runtime.Cgroups!.Kill(svc.Processes.CgroupPath!, Signals.SIGKILL);
    }

    [Fact]
    public void KillMode_none_signals_nothing()
    {
        var (svc, marker) = DoubleForking(KillMode.None);
        int main = svc.Machine.MainPid, orphan = OrphanOf(svc);
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.True(ProcessExists(main));
        Assert.True(ProcessExists(orphan));
        Assert.False(File.Exists(marker));
        Rig.Runtime.Cgroups!.Kill(svc.Processes.CgroupPath!, Signals.SIGKILL);
    }

    [Fact]
    public void SendSIGHUP_follows_SIGTERM()
    {
        string marker = Path.Combine(TestDirectory.Create(), "hup");
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Notify,
            Kill = new KillSettings { SendSIGHUP = true },
            ExecStart = [Rig.Sh($"trap 'echo hup >> {marker}' HUP; trap 'exit 0' TERM; sleep infinity & systemd-notify --pid=$$ --ready; while :; do wait; sleep infinity & done")],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        svc.StopAndWait();
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
        Assert.True(File.Exists(marker) || svc.Log.Count > 0);
    }

    [Fact]
    public void A_bounded_fork_bomb_is_contained_in_the_cgroup_and_killed_through_it()
    {
        // Each level forks two more copies of itself: 2^8 - 1 = 255 processes, all in the unit's cgroup.
        string bomb = Path.Combine(TestDirectory.Create(), "bomb.sh");
        File.WriteAllText(bomb, "n=$1\nif [ \"$n\" -gt 0 ]; then sh $0 $((n-1)) & sh $0 $((n-1)) & fi\nexec sleep infinity\n");
        var svc = Rig.Service(new ServiceSettings { ExecStart = [ExecCommand.Of("/bin/sh", bomb, "7")] });
        svc.Start();
        string cgroup = svc.Processes.CgroupPath!;
        using var watch = new CgroupPopulationWatch(cgroup, 255);
        watch.Wait();
        Assert.True(CgroupHierarchy.Pids(cgroup).Count >= 255);
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.False(CgroupHierarchy.IsPopulated(cgroup));
        Assert.Empty(CgroupHierarchy.Pids(cgroup));
    }

    [Fact]
    public void Resource_control_is_written_where_the_controller_is_delegated_and_reported_where_not()
    {
        var svc = Rig.Service(new ServiceSettings
        {
            Resources = new ResourceControlSettings { TasksMax = 64, MemoryMax = 256UL << 20, CPUWeight = 50 },
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
        });
        svc.Start();
        var cgroups = Rig.Runtime.Cgroups!;
        string cgroup = svc.Processes.CgroupPath!;
        if (cgroups.AvailableControllers.Contains("pids"))
            Assert.Equal("64", File.ReadAllText(Path.Combine(cgroup, "pids.max")).Trim());
        else
            Assert.Contains(svc.Processes.ResourceProblems, p => p.Contains("pids", StringComparison.Ordinal));
        if (cgroups.AvailableControllers.Contains("memory"))
            Assert.Equal((256UL << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(cgroup, "memory.max")).Trim());
        else
            Assert.Contains(svc.Processes.ResourceProblems, p => p.Contains("memory", StringComparison.Ordinal));
        var usage = CgroupHierarchy.Usage(cgroup);
        Assert.Equal(cgroups.AvailableControllers.Contains("pids"), usage.TasksCurrent is not null);
        svc.StopAndWait();
    }

    [Fact]
    public void Slices_nest_by_their_dashes_as_systemd_lays_them_out()
    {
        Assert.Equal("", CgroupHierarchy.SliceRelativePath("-.slice"));
        Assert.Equal("system.slice", CgroupHierarchy.SliceRelativePath("system.slice"));
        Assert.Equal("foo.slice/foo-bar.slice/foo-bar-baz.slice", CgroupHierarchy.SliceRelativePath("foo-bar-baz.slice"));
        var cgroups = Rig.Runtime.Cgroups!;
        Assert.Equal(cgroups.Root + "/app.slice/a.service", cgroups.PathOf("a.service", "app.slice"));
        Assert.Equal(cgroups.Root + "/foo.slice/foo-bar.slice", cgroups.PathOf("foo-bar.slice", null));
        Assert.Equal(cgroups.Root + "/system.slice/_cgroup.procs.service", cgroups.PathOf("cgroup.procs.service", "system.slice"));
    }

    [Fact]
    public void PIDFile_written_after_the_starter_exits_is_waited_for()
    {
        string dir = TestDirectory.Create();
        string pidFile = Path.Combine(dir, "late.pid");
        string fifo = Fifo(dir);
        // The daemon writes its PID file only when the test says so, after the starter has long exited.
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Forking,
            PIDFile = pidFile,
            ExecStart = [Rig.Sh($"sh -c 'read _ < {fifo}; echo $$ > {pidFile}.tmp; mv {pidFile}.tmp {pidFile}; exec sleep infinity' &")],
        });
        svc.Start();
        svc.Loop().RunUntil(() => svc.Machine.ControlPid == 0, "the starter to exit");
        Assert.Equal(ServiceState.Start, svc.Machine.State);
        Assert.Equal(0, svc.Machine.MainPid);
        File.WriteAllText(fifo, "go\n");
        svc.RunUntil(ServiceState.Running);
        Assert.Equal(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture), svc.Machine.MainPid);
        svc.StopAndWait();
        Assert.Equal(ServiceResult.Success, svc.Machine.Result);
    }

    [Fact]
    public void PIDFile_never_written_fails_with_protocol_once_the_cgroup_is_empty()
    {
        string pidFile = Path.Combine(TestDirectory.Create(), "never.pid");
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Forking, PIDFile = pidFile, ExecStart = [Rig.Sh("sh -c 'exit 0' &")] });
        svc.Start();
        svc.RunUntil(ServiceState.Failed);
        Assert.Equal(ServiceResult.Protocol, svc.Machine.Result);
    }

    [Fact]
    public void PIDFile_naming_a_process_outside_the_unit_is_refused_unless_owned_by_root()
    {
        // A process that is not the unit's: the manager's own child from another unit.
        var outsider = Rig.Service(new ServiceSettings { ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        outsider.Start();
        string dir = TestDirectory.Create();
        string pidFile = Path.Combine(dir, "foreign.pid");
        File.WriteAllText(pidFile, outsider.Machine.MainPid + "\n");
        EnsureUser();
        Assert.True(Processes.Run(new ExecSettings(), ExecCommand.Of("/bin/chown", UnitsTestUser, pidFile)).Succeeded);
        var svc = Rig.Service(new ServiceSettings { Type = ServiceType.Forking, PIDFile = pidFile, ExecStart = [Rig.Sh("sleep infinity &")] });
        svc.Start();
        svc.Loop().RunUntil(() => svc.Log.Any(l => l.Contains("does not belong to service, and PID file is not owned by root. Refusing.", StringComparison.Ordinal)),
            "the PID file to be refused");
        Assert.NotEqual(outsider.Machine.MainPid, svc.Machine.MainPid);
        svc.StopAndWait();
        outsider.StopAndWait();
    }

    internal const string UnitsTestUser = "unitsexectest";

    /// <summary>Creates the test user (useradd) once.</summary>
    internal static void EnsureUser()
    {
        if (File.ReadAllLines("/etc/passwd").Any(l => l.StartsWith(UnitsTestUser + ":", StringComparison.Ordinal)))
            return;
        var exit = Processes.Run(new ExecSettings(), ExecCommand.Of("/usr/sbin/useradd", "--system", "--no-create-home",
            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group", UnitsTestUser));
        Assert.True(exit.Succeeded, $"useradd failed: {exit}");
    }

    private static string Fifo(string dir)
    {
        string path = Path.Combine(dir, "fifo");
        Assert.True(Processes.Run(new ExecSettings(), ExecCommand.Of("/usr/bin/mkfifo", path)).Succeeded);
        return path;
    }

    private static bool ProcessExists(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static int ProcTableParent(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Waits (inotify on cgroup.procs is not available: polls on the loop's events) until a cgroup holds N processes.</summary>
internal sealed class CgroupPopulationWatch(string cgroup, int count) : IDisposable
{
    public void Wait()
    {
        // cgroup.procs does not notify; the forks are driven by the processes themselves, so re-read on a short timer.
        var loop = Rig.Loop;
        IDisposable? timer = null;
        void Arm() => timer = loop.AddTimer(loop.NowUSec + 10_000, Arm);
        Arm();
        try
        {
            loop.RunUntil(() => CgroupHierarchy.Pids(cgroup).Count >= count, $"{count} processes in {cgroup}");
        }
        finally
        {
            timer?.Dispose();
        }
    }

    public void Dispose()
    {
    }
}
