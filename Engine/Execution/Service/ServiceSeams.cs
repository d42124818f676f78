using Units.Execution.Notify;

namespace Units.Execution.Service;

/// <summary>What a service's state machine needs from the manager loop: time, timers, reporting, restart jobs.</summary>
public interface IServiceHost
{
    /// <summary>The loop's CLOCK_MONOTONIC in microseconds.</summary>
    ulong NowUSec { get; }

    /// <summary>Calls <paramref name="callback"/> on the loop when the clock reaches <paramref name="dueUSec"/>; dispose cancels.</summary>
    IDisposable AddTimer(ulong dueUSec, Action callback);

    /// <summary>The state changed (systemd's unit_notify after service_set_state).</summary>
    void StateChanged(ServiceState oldState, ServiceState newState, bool reloadFailure, bool willAutoRestart);

    /// <summary>Another property changed (MainPID, StatusText, results...).</summary>
    void PropertiesChanged();

    /// <summary>A message about this unit, with a syslog priority (3 error, 4 warning, 5 notice, 6 info, 7 debug).</summary>
    void Log(int priority, string message);

    /// <summary>A new activation begins (the start left dead/failed past the start limit): the unit acquires a new
    /// invocation ID, returned as 32 hex digits for $INVOCATION_ID.</summary>
    string BeginInvocation();

    /// <summary>Counts a start against the unit's start limit (StartLimitIntervalSec=, StartLimitBurst=); false when it
    /// is hit, which the manager has then logged and acted on (StartLimitAction=).</summary>
    bool TestStartLimit();

    /// <summary>Enqueues the restart job of Restart=; false when a stop job is pending, so no restart happens.</summary>
    bool QueueRestart();
}

/// <summary>Watches who owns names on the manager's API bus (BusName=), as systemd's unit_watch_bus_name.</summary>
public interface IBusNameWatcher
{
    /// <summary>
    /// Calls <paramref name="changed"/> on the manager loop with the name's owner (null: none) and the owner's PID
    /// (0: unknown): once the bus is there (and again whenever it comes back), then at every change. Dispose stops.
    /// </summary>
    IDisposable Watch(string name, Action<string?, int> changed);
}

/// <summary>Whom KillUnit addresses.</summary>
public enum KillTarget
{
    Main,
    Control,
    All,
}

/// <summary>Which command list a process runs for (systemd's ServiceExecCommand), for logs and environment.</summary>
public enum ServiceCommand
{
    Condition,
    StartPre,
    Start,
    StartPost,
    Reload,
    Stop,
    StopPost,
    /// <summary>Removing the unit's directories (Clean): not a command of the unit file.</summary>
    Clean,
}

/// <summary>
/// The processes of one service: spawned into its cgroup (or tracked without one), signalled, enumerated. The real
/// implementation sits on the supervisor and cgroups; tests may substitute processes that exit on command.
/// </summary>
public interface IServiceProcesses
{
    /// <summary>Prepares the unit's cgroup before the first process of a start.</summary>
    void Prepare();

    /// <summary>Starts a command; throws <see cref="Spawning.ExecSetupException"/> when it cannot be started at all.</summary>
    int Spawn(ExecCommand command, ServiceCommand role, IReadOnlyList<string> environment, bool watchExec);

    /// <summary>Attributes a process that was not spawned for the unit (MAINPID=, PIDFile=) to it, for its exit.</summary>
    void WatchPid(int pid);

    /// <summary>Signals one process (and SIGCONT after it, unless the signal is SIGKILL/SIGCONT); false if gone.</summary>
    bool Kill(int pid, int signal);

    /// <summary>Signals every process of the unit except <paramref name="except"/>; returns how many were signalled.</summary>
    int KillGroup(int signal, IReadOnlyCollection<int> except);

    /// <summary>True when no process of the unit remains.</summary>
    bool IsGroupEmpty { get; }

    /// <summary>True when the group's emptiness is reported by an event (cgroup.events); false: checked on exits.</summary>
    bool ReportsEmpty { get; }

    IReadOnlyList<int> GroupPids();

    bool InGroup(int pid);

    /// <summary>True when a cgroup path (as read when a message arrived) is the unit's or below it.</summary>
    bool ContainsCgroup(string cgroupPath);

    bool IsAlive(int pid);

    /// <summary>The parent pid, or 0 when unknown.</summary>
    int ParentOf(int pid);

    /// <summary>Watches a file (PIDFile=) for creation/changes; the callback runs on the loop.</summary>
    IDisposable WatchFile(string path, Action changed);

    /// <summary>The unit is dead: remove its cgroup.</summary>
    void Release();

    /// <summary>The unit entered dead or failed: remove its RuntimeDirectory= unless RuntimeDirectoryPreserve= keeps
    /// them (systemd's unit_destroy_runtime_data; "restart" keeps them only when <paramref name="willRestart"/>).</summary>
    void RemoveRuntimeDirectories(bool willRestart);
}

/// <summary>What Start/Stop/Reload answered (the core maps it to its own operation result).</summary>
public enum ServiceOperation
{
    InProgress,
    AlreadyDone,
    Again,
    NotApplicable,
    Invalid,
    Failed,
}

/// <summary>The exit of the main process (ExecMainPID, ExecMainCode, ExecMainStatus and timestamps).</summary>
public readonly record struct ExecMainStatus(int Pid, ulong StartUSec, ulong ExitUSec, int Code, int Status);
