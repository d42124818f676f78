namespace Units.Client;

// systemd's state vocabularies as enums. Each value parses from systemd's spelling ("not-found",
// "start-pre") through SystemdNames; Unknown stands for a value a newer manager may send.

/// <summary>Unit LoadState as systemd names it.</summary>
public enum UnitLoadState { Unknown, Stub, Loaded, NotFound, BadSetting, Error, Merged, Masked }

/// <summary>Unit ActiveState as systemd names it.</summary>
public enum UnitActiveState { Unknown, Active, Reloading, Inactive, Failed, Activating, Deactivating, Maintenance }

/// <summary>The union of every unit type's SubState values in systemd 252.</summary>
public enum UnitSubState
{
    Unknown,
    Dead, Condition, StartPre, Start, StartPost, Running, Exited, Reload, Stop, StopWatchdog, StopSigterm,
    StopSigkill, StopPost, FinalWatchdog, FinalSigterm, FinalSigkill, Failed, AutoRestart, Cleaning,
    Active, Abandoned, StartChown, Listening, StopPre, StopPreSigterm, StopPreSigkill,
    Mounting, MountingDone, Mounted, Remounting, Unmounting, RemountingSigterm, RemountingSigkill,
    UnmountingSigterm, UnmountingSigkill, Waiting, Elapsed, Activating, ActivatingDone, Deactivating,
    DeactivatingSigterm, DeactivatingSigkill, Tentative, Plugged,
}

/// <summary>UnitFileState as systemd names it (GetUnitFileState, ListUnitFiles).</summary>
public enum UnitFileState
{
    Unknown, Enabled, EnabledRuntime, Linked, LinkedRuntime, Alias, Masked, MaskedRuntime, Static,
    Disabled, Indirect, Generated, Transient, Bad,
}

/// <summary>Unit types, named by their unit-name suffix.</summary>
public enum UnitType { Unknown, Service, Socket, Target, Device, Mount, Automount, Swap, Timer, Path, Slice, Scope }

/// <summary>JobType as systemd names it.</summary>
public enum JobType
{
    Unknown, Start, VerifyActive, Stop, Reload, ReloadOrStart, Restart, TryRestart, TryReload, Nop,
}

/// <summary>Job state as systemd names it.</summary>
public enum JobState { Unknown, Waiting, Running }

/// <summary>JobMode, the second argument of StartUnit and friends.</summary>
public enum JobMode { Replace, Fail, Isolate, IgnoreDependencies, IgnoreRequirements, ReplaceIrreversibly, Flush, Triggering }

/// <summary>The result a JobRemoved signal carries.</summary>
public enum JobResult { Unknown, Done, Canceled, Timeout, Failed, Dependency, Skipped, Invalid, Assert, Unsupported, Collected, Once }

/// <summary>Whom KillUnit signals.</summary>
public enum KillWhom { All, Main, Control }

/// <summary>What CleanUnit removes (systemctl clean --what=): the directories a unit keeps between runs, or a
/// Persistent= timer's stamp (State).</summary>
[Flags]
public enum UnitResources
{
    None = 0,
    Runtime = 1,
    State = 2,
    Cache = 4,
    Logs = 8,
    Configuration = 16,
    All = Runtime | State | Cache | Logs | Configuration,
}

/// <summary>The kinds of change EnableUnitFiles and friends report.</summary>
public enum UnitFileChangeType { Unknown, Symlink, Unlink, IsMask, IsMaskedGenerator, IsDangling, Destination, Auxiliary }

/// <summary>Syslog priorities as the journal stores them (0 = emerg ... 7 = debug).</summary>
public enum LogPriority { Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug }

/// <summary>Which manager of a host: the system instance or the calling user's instance.</summary>
public enum ManagerScope { System, User }

/// <summary>Which way a dependency listing walks.</summary>
public enum DependencyDirection { Forward, Reverse }
