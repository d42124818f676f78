using System.Globalization;
using Units.Execution.Cgroups;
using Units.Execution.Notify;
using Units.Execution.Service;
using Units.Execution.Spawning;
using Units.Execution.Triggers;

namespace Units.Execution;

/// <summary>How the daemon configures execution.</summary>
public sealed class ExecutionOptions
{
    /// <summary>Runs an action on the manager loop (the core's IUnitHost.Post).</summary>
    public required Action<Action> Post { get; init; }

    /// <summary>The cgroup subtree the instance owns; null: the cgroup the manager was started in.</summary>
    public string? CgroupRoot { get; init; }

    /// <summary>Move the manager into &lt;root&gt;/init.scope (the daemon does; tests keep their process where it is).</summary>
    public bool MoveSelfToInitScope { get; init; }

    /// <summary>Where NOTIFY_SOCKET is bound; null: no notify socket.</summary>
    public string? NotifySocketPath { get; init; }

    public string? ExecutorPath { get; init; }

    public ExecDirectoryRoots Directories { get; init; } = ExecDirectoryRoots.System;

    public IReadOnlyDictionary<string, string> ManagerEnvironment { get; init; } = ExecParameters.DefaultEnvironment;

    /// <summary>Opens StandardOutput=/StandardError=journal's stream of each command; null (no journal): commands keep
    /// the manager's own output.</summary>
    public IJournalStreams? JournalStreams { get; init; }

    /// <summary>Where PrivateTmp= directories are made (per unit, shared by its processes).</summary>
    public string PrivateTmpRoot { get; init; } = "/tmp";

    /// <summary>Parent-death signal of every spawned command (0 in the daemon; tests use SIGKILL).</summary>
    public int ParentDeathSignal { get; init; }

    /// <summary>Owners of names on the API bus, for BusName=; null: no bus, so Type=dbus services never become active
    /// (their start times out, as under a systemd without its bus).</summary>
    public IBusNameWatcher? BusNames { get; init; }

    /// <summary>Where DynamicUser= records the IDs it hands out (systemd's /run/systemd/dynamic-uid).</summary>
    public string DynamicUserDirectory { get; init; } = "/run/systemd/dynamic-uid";

    /// <summary>Whether the manager has jobs queued (or running): a Type=idle command then waits for them to finish.</summary>
    public Func<bool> JobsQueued { get; init; } = static () => false;

    /// <summary>Messages about the execution layer itself (mode, limits), priority and text.</summary>
    public Action<int, string> Log { get; init; } = static (_, _) => { };
}

/// <summary>
/// Execution for a manager: the supervisor (spawning, reaping), cgroups (or the documented fallback), the notify
/// socket; it routes what their threads observe to the right unit on the manager loop. Create one per manager.
/// </summary>
public sealed class ExecutionRuntime : IProcessEvents, IPathWatcher, IDisposable
{
    private readonly ExecutionOptions _options;
    private readonly ProcessSupervisor _supervisor;
    private readonly CgroupEmptyWatcher? _emptyWatcher;
    private readonly NotifySocket? _notify;
    private readonly FileWatcher _files;
    private readonly IdlePipe _idle = new();
    private readonly Inotify? _inotify;
    private readonly DynamicUsers _dynamicUsers;
    private readonly IpcCleaner _ipc;
    // Loop-thread state: which unit a pid or a cgroup belongs to.
    private readonly Dictionary<int, UnitProcesses> _byPid = [];
    private readonly Dictionary<string, UnitProcesses> _byCgroup = new(StringComparer.Ordinal);

    public ExecutionRuntime(ExecutionOptions options)
    {
        _options = options;
        _dynamicUsers = new DynamicUsers(options.DynamicUserDirectory);
        _ipc = new IpcCleaner(options.Log);
        Cgroups = CgroupHierarchy.Open(options.CgroupRoot);
        var inotify = _inotify = Inotify.TryCreate(out string? inotifyError);
        if (inotify is null)
            options.Log(4, $"inotify is unavailable ({inotifyError}): cgroup emptiness is checked at process exits and PIDFile= " +
                           "is read when the starter exits only.");
        if (Cgroups is not null)
        {
            if (options.MoveSelfToInitScope)
                Cgroups.MoveToInitScope(Environment.ProcessId);
            if (inotify is not null)
                _emptyWatcher = new CgroupEmptyWatcher(inotify, path => options.Post(() => OnCgroupEmpty(path)));
            options.Log(6, $"Using cgroup v2 at {Cgroups.MountPoint}, units under {Cgroups.Root}; delegated controllers: " +
                           (Cgroups.AvailableControllers.Count == 0 ? "none" : string.Join(' ', Cgroups.AvailableControllers)) + ".");
        }
        else
        {
            options.Log(4, FallbackLimits);
        }
        _supervisor = ProcessSupervisor.Shared(options.ExecutorPath);
        _supervisor.Subscribe(this);
        _files = new FileWatcher(inotify, options.Post);
        if (options.NotifySocketPath is { } socketPath)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
            _notify = new NotifySocket(socketPath, message => options.Post(() => OnNotify(message)), Cgroups);
        }
    }

    /// <summary>What a manager without a writable cgroup v2 cannot do, stated at start-up.</summary>
    public const string FallbackLimits =
        "No writable cgroup v2 hierarchy: tracking processes by session without cgroups. Limits: a process that " +
        "calls setsid() itself (most double-forking daemons do) escapes its unit, so KillMode=control-group/mixed " +
        "reach only the processes still in the unit's sessions; emptiness is checked on each exit instead of " +
        "being reported; resource control (MemoryMax=, TasksMax=, CPUQuota=...) is not applied.";

    /// <summary>The cgroup hierarchy, or null in the fallback mode.</summary>
    public CgroupHierarchy? Cgroups { get; }

    public ProcessSupervisor Supervisor => _supervisor;

    private Socket.SocketWatcher? _socketWatcher;

    /// <summary>Watches the listening sockets of socket units (its thread starts with the first socket unit).</summary>
    internal Socket.SocketWatcher SocketWatcher => _socketWatcher ??= new Socket.SocketWatcher(_options.Post);

    public string? NotifySocketPath => _notify?.Path;

    public IBusNameWatcher? BusNames => _options.BusNames;

    /// <summary>The manager has no job left (loop thread): Type=idle commands waiting for that go on.</summary>
    public void JobsFinished() => _idle.Close();

    /// <summary>The idle pipe's read end for a Type=idle command while jobs are queued; null otherwise.</summary>
    internal int? IdleFd() => _options.JobsQueued() ? _idle.ReadEnd() : null;

    internal DynamicUsers DynamicUsers => _dynamicUsers;

    internal IpcCleaner Ipc => _ipc;

    /// <summary>The processes of one unit (a service, or a socket's control commands); attach whom they report to
    /// with <see cref="UnitProcesses.Owner"/>.</summary>
    public UnitProcesses CreateUnit(string unitName, string? slice, ServiceSettings settings) =>
        new(this, unitName, slice, settings);

    // ---- events from the supervisor's threads: posted to the loop ----

    void IProcessEvents.ProcessExited(ProcessExit exit) => _options.Post(() => OnExit(exit));

    void IProcessEvents.ExecSucceeded(int pid) => _options.Post(() =>
    {
        if (_byPid.TryGetValue(pid, out var unit))
            unit.Owner?.OnExecSucceeded(pid);
    });

    private void OnExit(ProcessExit exit)
    {
        UnitProcesses? unit = null;
        if (_byPid.Remove(exit.Pid, out var byPid))
            unit = byPid;
        else if (exit.CgroupPath is { } cgroup && _byCgroup.TryGetValue(cgroup, out var byCgroup))
            unit = byCgroup;
        else if (Cgroups is null)
            unit = _byCgroup.Values.FirstOrDefault(u => u.OwnsSession(exit.Pid));
        unit?.Owner?.OnProcessExit(exit);
    }

    private void OnCgroupEmpty(string path)
    {
        // cgroup.events changed: what was known of the cgroup's emptiness may be out of date (a process put in from
        // outside). A unit nobody asks about (a slice) is not read at all.
        if (!_byCgroup.TryGetValue(path, out var unit) || unit.Owner is not { } owner)
            return;
        unit.ForgetEmptiness();
        if (unit.IsGroupEmpty)
            owner.OnGroupEmpty();
    }

    private void OnNotify(NotifyMessage message)
    {
        UnitProcesses? unit = null;
        if (message.CgroupPath is { } cgroup)
        {
            // The sender may sit in a sub-cgroup the service made itself.
            for (string? path = cgroup; unit is null && path is not null && path.Length > 1; path = Path.GetDirectoryName(path))
                _byCgroup.TryGetValue(path, out unit);
        }
        if (unit is null)
            _byPid.TryGetValue(message.Pid, out unit);
        if (unit?.Owner is { } owner)
            owner.OnNotify(message);
        else
            _options.Log(7, $"Cannot find unit for notify message of PID {message.Pid}, ignoring.");
    }

    internal void Register(int pid, UnitProcesses unit) => _byPid[pid] = unit;

    /// <summary>Routes a cgroup's events to its unit; true when its emptiness will be reported by an event.</summary>
    internal bool RegisterCgroup(string path, UnitProcesses unit)
    {
        _byCgroup[path] = unit;
        return Directory.Exists(path) && _emptyWatcher is not null && _emptyWatcher.Watch(path);
    }

    internal void UnwatchCgroup(string path) => _emptyWatcher?.Unwatch(path);

    internal ExecOptionsView Options => new(_options);

    internal IDisposable WatchFile(string path, Action changed) => _files.Watch(path, changed);

    /// <summary>Path units' watches, on the shared inotify instance; events are posted to the loop.</summary>
    public IDisposable? TryWatch(string path, uint mask, Action<uint> onEvent, out int errno)
    {
        if (_inotify is null)
        {
            errno = 38; // ENOSYS
            return null;
        }
        return _inotify.TryWatch(path, mask, (_, events) => _options.Post(() => onEvent(events)), out errno);
    }

    internal readonly struct ExecOptionsView(ExecutionOptions options)
    {
        public ExecutionOptions Value { get; } = options;
    }

    public void Dispose()
    {
        _notify?.Dispose();
        _idle.Dispose();
        _supervisor.Unsubscribe(this);
    }
}

/// <summary>The real <see cref="IServiceProcesses"/>: processes of one unit in its cgroup (or its sessions).</summary>
public sealed class UnitProcesses : IServiceProcesses
{
    private readonly ExecutionRuntime _runtime;
    private readonly string _unitName;
    private readonly HashSet<int> _sessions = [];
    private ServiceSettings _settings;
    private (string Tmp, string VarTmp)? _privateTmp;
    private DynamicCredentials? _dynamicUser;
    private (uint Uid, uint Gid)? _ipcOwner;
    private bool _emptyReported;
    // The cgroup was seen empty and nothing was put in it since (by a spawn, or, as cgroup.events tells, from outside):
    // an empty cgroup stays empty, and a unit settling after its exit asks many times.
    private bool _knownEmpty;
    // systemd's cpu_usage_base and cpu_usage_last: the cgroup's counter when this activation began (a cgroup kept
    // across an automatic restart has counted the runs before), and the last reading, kept once the cgroup is gone.
    private ulong _cpuUsageBase;
    private ulong? _cpuUsageLast;
    private bool _cpuUsageFinal; // _cpuUsageLast was read while _knownEmpty

    internal UnitProcesses(ExecutionRuntime runtime, string unitName, string? slice, ServiceSettings settings)
    {
        _runtime = runtime;
        _unitName = unitName;
        _settings = settings;
        CgroupPath = runtime.Cgroups?.PathOf(unitName, slice);
        if (CgroupPath is not null)
            runtime.RegisterCgroup(CgroupPath, this);
    }

    /// <summary>The unit's cgroup directory; null in the fallback mode.</summary>
    public string? CgroupPath { get; }

    /// <summary>Who receives this unit's process events.</summary>
    public IProcessOwner? Owner { get; set; }

    /// <summary>The sockets a service's processes receive (systemd's service_collect_fds); null for none.</summary>
    public Func<ServiceSockets>? Sockets { get; set; }

    /// <summary>Problems met while applying resource control, for the unit's status.</summary>
    public IReadOnlyList<string> ResourceProblems { get; private set; } = [];

    /// <summary>New settings (daemon-reload, set-property): a cgroup that exists gets the new resource-control values
    /// at once, as systemd realizes a unit's cgroup again when its properties change.</summary>
    public void Reconfigure(ServiceSettings settings)
    {
        _settings = settings;
        if (CgroupPath is not null && Directory.Exists(CgroupPath) && _runtime.Cgroups is { } cgroups)
            ResourceProblems = cgroups.Realize(CgroupPath, settings.Resources, out _);
    }

    public void Prepare()
    {
        if (CgroupPath is not null && _runtime.Cgroups is { } cgroups)
        {
            ResourceProblems = cgroups.Realize(CgroupPath, _settings.Resources, out bool created);
            ForgetEmptiness();
            _emptyReported = _runtime.RegisterCgroup(CgroupPath, this);
            _cpuUsageBase = created ? 0 : CgroupHierarchy.CpuUsage(CgroupPath) ?? 0;
            _cpuUsageLast = null;
        }
        if (_settings.Exec.PrivateTmp && _privateTmp is null)
        {
            // One pair per unit, shared by all its processes and removed when the unit stops, as in systemd.
            string root = Path.Combine(_runtime.Options.Value.PrivateTmpRoot,
                $"units-private-{_unitName}-{Guid.NewGuid():N}");
            string tmpDir = Path.Combine(root, "tmp"), varTmpDir = Path.Combine(root, "var-tmp");
            Directory.CreateDirectory(root);
            Native.Libc.chmod(root, Convert.ToInt32("700", 8));
            foreach (var dir in new[] { tmpDir, varTmpDir })
            {
                Directory.CreateDirectory(dir);
                Native.Libc.chmod(dir, Convert.ToInt32("1777", 8));
            }
            _privateTmp = (tmpDir, varTmpDir);
        }
    }

    public int Spawn(ExecCommand command, ServiceCommand role, IReadOnlyList<string> environment, bool watchExec)
    {
        var options = _runtime.Options.Value;
        var settings = _settings.Exec;
        var extra = new List<string>(environment);
        if (_runtime.NotifySocketPath is { } notify && _settings.EffectiveNotifyAccess != Notify.NotifyAccess.None)
            extra.Add("NOTIFY_SOCKET=" + notify);
        using IJournalStream? journal = OpenJournalStream(settings, command);
        if (journal is { DeviceInode.Length: > 0 })
            extra.Add("JOURNAL_STREAM=" + journal.DeviceInode);
        var (socketFd, listenFds) = PassedSockets(settings, role, extra);
        var parameters = new ExecParameters
        {
            SocketFd = socketFd,
            ListenFds = listenFds,
            CgroupPath = CgroupPath,
            ManagerEnvironment = options.ManagerEnvironment,
            ExtraEnvironment = extra,
            Directories = options.Directories,
            IsMainCommand = role == ServiceCommand.Start,
            JournalFd = journal?.WriteFd,
            PrivateTmp = _privateTmp,
            ParentDeathSignal = options.ParentDeathSignal,
            IdleFd = _settings.Type == ServiceType.Idle && role == ServiceCommand.Start ? _runtime.IdleFd() : null,
            DynamicUser = DynamicUser(),
        };
        ReferenceIpcOwner(parameters.DynamicUser);
        var prepared = ExecContextBuilder.Build(settings, command, parameters);
        ForgetEmptiness();
        int pid = _runtime.Supervisor.Spawn(prepared, watchExec);
        journal?.Started(pid);
        // Born in its cgroup where the system allows it. Else the executor joins the cgroup itself before running
        // anything, and joining from here too means the process is in it when Spawn returns (as systemd does in both
        // parent and child).
        if (CgroupPath is not null && !ProcessSupervisor.SpawnsIntoCgroups)
            CgroupHierarchy.Attach(CgroupPath, pid);
        _runtime.Register(pid, this);
        _sessions.Add(pid);
        return pid;
    }

    /// <summary>DynamicUser='s user for this start, acquired by its first command and kept until the unit is dead.</summary>
    private DynamicCredentials? DynamicUser()
    {
        ExecSettings exec = _settings.Exec;
        if (!exec.DynamicUser || exec.User is not { } user)
            return null;
        if (_dynamicUser is null)
        {
            // The owner of an existing state, cache or logs directory is tried first: reusing it saves a chown.
            var roots = _runtime.Options.Value.Directories;
            var suggested = exec.StateDirectory.Select(n => Path.Combine(roots.State, "private", n))
                .Concat(exec.CacheDirectory.Select(n => Path.Combine(roots.Cache, "private", n)))
                .Concat(exec.LogsDirectory.Select(n => Path.Combine(roots.Logs, "private", n)));
            _dynamicUser = _runtime.DynamicUsers.Acquire(user, exec.Group ?? user, suggested);
        }
        return _dynamicUser;
    }

    /// <summary>RemoveIPC=: the start's user and group count as the unit's until it is dead (root's are not counted).</summary>
    private void ReferenceIpcOwner(DynamicCredentials? dynamicUser)
    {
        ExecSettings exec = _settings.Exec;
        if (!exec.RemoveIPC || _ipcOwner is not null)
            return;
        (uint Uid, uint Gid)? owner = dynamicUser is not null ? (dynamicUser.Uid, dynamicUser.Gid)
            : exec.User is { } user ? Credentials(user, exec.Group)
            : exec.Group is { } group && GroupId(group) is { } gid ? (0u, gid) : null;
        if (owner is not { } ids)
            return;
        _runtime.Ipc.Reference(ids.Uid, ids.Gid);
        _ipcOwner = ids;
    }

    private static (uint, uint)? Credentials(string user, string? group)
    {
        (uint Uid, uint Gid)? ids = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric)
            ? (numeric, numeric)
            : Native.Libc.UserIds(user);
        if (ids is not { } found)
            return null;
        return group is not null && GroupId(group) is { } gid ? (found.Uid, gid) : found;
    }

    private static uint? GroupId(string group) =>
        uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric) ? numeric : Native.Libc.GroupId(group);

    /// <summary>
    /// The descriptors a command gets from the sockets that trigger its service (systemd's service_spawn and
    /// exec_child): ExecStart= gets them all as $LISTEN_FDS, and so does any command that reads or writes a socket;
    /// StandardInput=/StandardOutput=socket takes the one connection as its stream instead.
    /// </summary>
    private (int? SocketFd, IReadOnlyList<(int Fd, string Name)> ListenFds) PassedSockets(ExecSettings settings, ServiceCommand role, List<string> environment)
    {
        if (Sockets?.Invoke() is not { } sockets)
            return (null, []);
        environment.AddRange(sockets.Environment);
        bool socketStdio = settings.StandardInput.Kind == StdioKind.Socket || settings.StandardOutput.Kind == StdioKind.Socket
            || settings.StandardError.Kind == StdioKind.Socket;
        if (role != ServiceCommand.Start && !socketStdio)
            return (null, []);
        if (!socketStdio)
            return (null, sockets.Fds);
        return sockets.Fds.Count switch
        {
            1 => (sockets.Fds[0].Fd, []),
            0 => throw new ExecSetupException("Got no socket."),
            _ => throw new ExecSetupException("Got more than one socket."),
        };
    }

    /// <summary>The command's own journal stream when its standard output or error goes to the journal (systemd
    /// connects one per process, the two sharing it), with the unit's syslog and log settings.</summary>
    private IJournalStream? OpenJournalStream(ExecSettings settings, ExecCommand command)
    {
        if (_runtime.Options.Value.JournalStreams is not { } streams ||
            (settings.StandardOutput.Kind != StdioKind.Journal && settings.StandardError.Kind != StdioKind.Journal))
            return null;
        bool ownCredentials = settings.User is null && settings.Group is null;
        return streams.Open(new JournalStreamRequest
        {
            Unit = _unitName,
            InvocationId = Owner?.InvocationId ?? "",
            Identifier = settings.SyslogIdentifier ?? Path.GetFileName(command.Path),
            Priority = (settings.SyslogFacility << 3) | settings.SyslogLevel,
            LevelPrefix = settings.SyslogLevelPrefix,
            LogLevelMax = settings.LogLevelMax,
            ExtraFields = settings.LogExtraFields,
            RateLimitIntervalUSec = settings.LogRateLimitIntervalUSec,
            RateLimitBurst = settings.LogRateLimitBurst,
            Uid = ownCredentials ? (int)Native.Libc.geteuid() : -1,
            Gid = ownCredentials ? (int)Native.Libc.getegid() : -1,
        });
    }

    public void WatchPid(int pid) => _runtime.Register(pid, this);

    public bool Kill(int pid, int signal)
    {
        bool sent = ProcessSupervisor.Kill(pid, signal);
        if (sent && signal is not (Signals.SIGKILL or Signals.SIGCONT))
            ProcessSupervisor.Kill(pid, Signals.SIGCONT);
        return sent;
    }

    public int KillGroup(int signal, IReadOnlyCollection<int> except)
    {
        if (CgroupPath is not null && _runtime.Cgroups is { } cgroups)
        {
            // Most services have no process left when their main process is gone: one read of cgroup.events instead
            // of listing cgroup.procs below the unit (and writing cgroup.kill) for both kill steps.
            if (IsGroupEmpty)
                return 0;
            if (signal == Signals.SIGKILL)
                return cgroups.Kill(CgroupPath, signal);
            int count = 0;
            foreach (int pid in CgroupHierarchy.Pids(CgroupPath))
                if (!except.Contains(pid) && Kill(pid, signal))
                    count++;
            return count;
        }
        int n = 0;
        foreach (int pid in GroupPids())
            if (!except.Contains(pid) && Kill(pid, signal))
                n++;
        return n;
    }

    public bool IsGroupEmpty
    {
        get
        {
            if (CgroupPath is null)
                return GroupPids().Count == 0;
            if (!_knownEmpty)
                _knownEmpty = !CgroupHierarchy.IsPopulated(CgroupPath);
            return _knownEmpty;
        }
    }

    /// <summary>Processes may have been put in the cgroup from outside (a scope's PIDs, cgroup.events changed): the
    /// next question about its emptiness reads it.</summary>
    public void ForgetEmptiness() => _knownEmpty = _cpuUsageFinal = false;

    public bool ReportsEmpty => CgroupPath is not null && _emptyReported;

    public IReadOnlyList<int> GroupPids() =>
        CgroupPath is not null ? CgroupHierarchy.Pids(CgroupPath) : ProcTable.InSessions(_sessions);

    public bool InGroup(int pid) =>
        CgroupPath is not null ? _runtime.Cgroups!.CgroupOf(pid) is { } path && (path == CgroupPath || path.StartsWith(CgroupPath + "/", StringComparison.Ordinal))
            : OwnsSession(pid);

    public bool ContainsCgroup(string cgroupPath) =>
        CgroupPath is not null && (cgroupPath == CgroupPath || cgroupPath.StartsWith(CgroupPath + "/", StringComparison.Ordinal));

    internal bool OwnsSession(int pid) => _sessions.Contains(pid) || (ProcTable.SessionOf(pid) is { } sid && _sessions.Contains(sid));

    public bool IsAlive(int pid) => ProcTable.IsAlive(pid);

    public int ParentOf(int pid) => ProcTable.ParentOf(pid);

    public IDisposable WatchFile(string path, Action changed) => _runtime.WatchFile(path, changed);

    /// <summary>The CPU time this activation's processes consumed (the cgroup's cpu.stat usage_usec since the start),
    /// read now while the cgroup exists, else the reading kept when it was removed; null without a cgroup or with
    /// CPUAccounting=no (systemd's unit_get_cpu_usage).</summary>
    public ulong? ReadCpuUsage()
    {
        if (CgroupPath is null || !_settings.Resources.CPUAccounting)
            return null;
        // Without processes the counter stands still: what was read since the cgroup emptied is what it says.
        if (_knownEmpty && _cpuUsageFinal)
            return _cpuUsageLast;
        if (CgroupHierarchy.CpuUsage(CgroupPath) is ulong raw)
        {
            _cpuUsageLast = raw > _cpuUsageBase ? raw - _cpuUsageBase : 0;
            _cpuUsageFinal = _knownEmpty;
        }
        return _cpuUsageLast;
    }

    /// <summary>What <see cref="ReadCpuUsage"/> read last, without reading again (so a message and its fields agree).</summary>
    public ulong? LastCpuUsageNSec => _settings.Resources.CPUAccounting ? _cpuUsageLast : null;

    public void Release()
    {
        _sessions.Clear();
        if (_ipcOwner is { } owner)
        {
            _runtime.Ipc.Release(owner.Uid, owner.Gid);
            _ipcOwner = null;
        }
        if (_dynamicUser is { } dynamicUser)
        {
            _runtime.DynamicUsers.Release(dynamicUser);
            _dynamicUser = null;
        }
        ReadCpuUsage(); // the last reading outlives the cgroup, for a unit that stops later (RemainAfterExit=)
        if (CgroupPath is not null && CgroupHierarchy.Remove(CgroupPath))
        {
            _runtime.UnwatchCgroup(CgroupPath); // the directory is made again (and watched) at the next start
            _emptyReported = false;
        }
        if (_privateTmp is { } tmp)
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(tmp.Tmp)!, recursive: true);
            }
            catch (IOException)
            {
                // a process of another unit may hold it: it is left for the next boot's /tmp cleanup
            }
            _privateTmp = null;
        }
    }

    public void RemoveRuntimeDirectories(bool willRestart)
    {
        ExecSettings exec = _settings.Exec;
        if (exec.RuntimeDirectoryPreserve == RuntimeDirectoryPreserve.Yes
            || (exec.RuntimeDirectoryPreserve == RuntimeDirectoryPreserve.Restart && willRestart))
            return;
        foreach (string name in exec.RuntimeDirectory)
        {
            string path = Path.Combine(_runtime.Options.Value.Directories.Runtime, name);
            try
            {
                // Recursive deletion removes symbolic links, never what they point to.
                if (Directory.Exists(path))
                    Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _runtime.Options.Value.Log(4, $"{_unitName}: failed to remove runtime directory {path}: {e.Message}");
            }
        }
    }

    /// <summary>The unit's processes with command lines (GetUnitProcesses).</summary>
    public IReadOnlyList<UnitProcess> Processes() =>
        CgroupPath is not null
            ? CgroupHierarchy.Processes(CgroupPath)
            : GroupPids().Select(p => new UnitProcess("", p, CgroupHierarchy.CommandLine(p))).ToList();
}

/// <summary>/proc readings: liveness (zombies are dead to us), parent and session.</summary>
internal static class ProcTable
{
    private static string[]? Stat(int pid)
    {
        try
        {
            string text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            int close = text.LastIndexOf(')');
            return close < 0 ? null : text[(close + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True for a running process; a zombie has exited and only waits to be reaped.</summary>
    public static bool IsAlive(int pid) => pid > 0 && Stat(pid) is [var state, ..] && state != "Z" && state != "X";

    public static int ParentOf(int pid) =>
        Stat(pid) is [_, var ppid, ..] && int.TryParse(ppid, CultureInfo.InvariantCulture, out int p) ? p : 0;

    public static int? SessionOf(int pid) =>
        Stat(pid) is [_, _, _, var sid, ..] && int.TryParse(sid, CultureInfo.InvariantCulture, out int s) ? s : null;

    public static List<int> InSessions(IReadOnlySet<int> sessions)
    {
        var pids = new List<int>();
        if (sessions.Count == 0)
            return pids;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out int pid))
                continue;
            if ((sessions.Contains(pid) || (SessionOf(pid) is { } sid && sessions.Contains(sid))) && IsAlive(pid))
                pids.Add(pid);
        }
        return pids;
    }
}

/// <summary>What a unit's processes report to: a service's state machine, or a socket unit for its control commands.
/// Called on the manager loop.</summary>
public interface IProcessOwner
{
    /// <summary>The activation's $INVOCATION_ID (32 hex digits), or empty.</summary>
    string InvocationId { get; }

    void OnProcessExit(ProcessExit exit);

    void OnExecSucceeded(int pid);

    void OnGroupEmpty();

    void OnNotify(NotifyMessage message);
}

/// <summary>The sockets a service's processes receive: the connection of an Accept=yes instance (named
/// "connection") or the listening sockets of the units that trigger it, and $REMOTE_ADDR/$REMOTE_PORT of a
/// connection.</summary>
public sealed record ServiceSockets(IReadOnlyList<(int Fd, string Name)> Fds, IReadOnlyList<string> Environment);
