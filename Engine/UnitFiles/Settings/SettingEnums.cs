namespace Units.UnitFiles.Settings;

// Enumerations of unit-file settings, named as systemd names them. Their text forms (the values a unit file
// and D-Bus use) are in SettingNames.

/// <summary>The dependency settings of [Unit] (systemd's UnitDependency, forward directions only).</summary>
public enum DependencySetting
{
    Requires,
    Requisite,
    Wants,
    BindsTo,
    PartOf,
    Upholds,
    Conflicts,
    Before,
    After,
    OnSuccess,
    OnFailure,
    PropagatesReloadTo,
    ReloadPropagatedFrom,
    PropagatesStopTo,
    StopPropagatedFrom,
    JoinsNamespaceOf,
}

/// <summary>Condition…=/Assert…= checks of systemd.unit(5) (systemd's ConditionType).</summary>
public enum ConditionType
{
    Architecture,
    Firmware,
    Virtualization,
    Host,
    KernelCommandLine,
    KernelVersion,
    Credential,
    Security,
    Capability,
    ACPower,
    Memory,
    CPUs,
    Environment,
    CPUFeature,
    OSRelease,
    MemoryPressure,
    CPUPressure,
    IOPressure,
    NeedsUpdate,
    FirstBoot,
    PathExists,
    PathExistsGlob,
    PathIsDirectory,
    PathIsSymbolicLink,
    PathIsMountPoint,
    PathIsReadWrite,
    PathIsEncrypted,
    DirectoryNotEmpty,
    FileNotEmpty,
    FileIsExecutable,
    User,
    Group,
    ControlGroupController,
}

/// <summary>Type= of a service.</summary>
public enum ServiceType
{
    Simple,
    Forking,
    Oneshot,
    Dbus,
    Notify,
    Idle,
    Exec,
}

/// <summary>ExitType= of a service.</summary>
public enum ServiceExitType
{
    Main,
    Cgroup,
}

/// <summary>Restart= of a service.</summary>
public enum ServiceRestart
{
    No,
    OnSuccess,
    OnFailure,
    OnAbnormal,
    OnWatchdog,
    OnAbort,
    Always,
}

/// <summary>TimeoutStartFailureMode=/TimeoutStopFailureMode=.</summary>
public enum ServiceTimeoutFailureMode
{
    Terminate,
    Abort,
    Kill,
}

/// <summary>NotifyAccess=: who may send sd_notify() messages for a service.</summary>
public enum NotifyAccess
{
    None,
    Main,
    Exec,
    All,
}

/// <summary>OOMPolicy=.</summary>
public enum OomPolicy
{
    Continue,
    Stop,
    Kill,
}

/// <summary>KillMode= of systemd.kill(5).</summary>
public enum KillMode
{
    ControlGroup,
    Process,
    Mixed,
    None,
}

/// <summary>CollectMode=.</summary>
public enum CollectMode
{
    Inactive,
    InactiveOrFailed,
}

/// <summary>SuccessAction=, FailureAction=, StartLimitAction=, JobTimeoutAction= (the set systemd 252 knows).</summary>
public enum EmergencyAction
{
    None,
    Reboot,
    RebootForce,
    RebootImmediate,
    Poweroff,
    PoweroffForce,
    PoweroffImmediate,
    Exit,
    ExitForce,
}

/// <summary>OnSuccessJobMode=/OnFailureJobMode= (systemd's JobMode).</summary>
public enum JobMode
{
    Fail,
    Replace,
    ReplaceIrreversibly,
    Isolate,
    Flush,
    IgnoreDependencies,
    IgnoreRequirements,
    Triggering,
}

/// <summary>The kinds of standard input of systemd.exec(5).</summary>
public enum ExecInput
{
    Null,
    Tty,
    TtyForce,
    TtyFail,
    Socket,
    NamedFd,
    Data,
    File,
}

/// <summary>The kinds of standard output and error of systemd.exec(5).</summary>
public enum ExecOutput
{
    Inherit,
    Null,
    Tty,
    Kmsg,
    KmsgAndConsole,
    Journal,
    JournalAndConsole,
    Socket,
    NamedFd,
    File,
    Append,
    Truncate,
}

/// <summary>Kinds of Listen…= in [Socket].</summary>
public enum SocketListenType
{
    Stream,
    Datagram,
    SequentialPacket,
    Fifo,
    Netlink,
    Special,
    MessageQueue,
    UsbFunction,
}

/// <summary>The timer bases of [Timer] (OnActiveSec= … OnCalendar=).</summary>
public enum TimerBase
{
    Active,
    Boot,
    Startup,
    UnitActive,
    UnitInactive,
    Calendar,
}

/// <summary>The watches of [Path].</summary>
public enum PathType
{
    Exists,
    ExistsGlob,
    DirectoryNotEmpty,
    Changed,
    Modified,
}
