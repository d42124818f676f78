namespace Units.Core.Model;

/// <summary>The unit types of systemd.unit(5), named by their file suffix, in systemd's order (its UnitType enum):
/// the run queue runs jobs of later types first.</summary>
public enum UnitType
{
    Service,
    Mount,
    Swap,
    Socket,
    Target,
    Device,
    Automount,
    Timer,
    Path,
    Slice,
    Scope,
}

/// <summary>systemd's LoadState: whether a unit's configuration was found and parsed.</summary>
public enum LoadState
{
    Stub,
    Loaded,
    NotFound,
    BadSetting,
    Error,
    Merged,
    Masked,
}

/// <summary>systemd's ActiveState, the type-independent state of a unit.</summary>
public enum ActiveState
{
    Active,
    Reloading,
    Inactive,
    Failed,
    Activating,
    Deactivating,
    Maintenance,
}

/// <summary>CollectMode=: whether a failed unit is collected as well.</summary>
public enum CollectMode
{
    Inactive,
    InactiveOrFailed,
}

/// <summary>What SuccessAction=/FailureAction=/JobTimeoutAction= do to the manager.</summary>
public enum EmergencyAction
{
    None,
    Exit,
    ExitForce,
    Reboot,
    RebootForce,
    RebootImmediate,
    Poweroff,
    PoweroffForce,
    PoweroffImmediate,
    SoftReboot,
    Kexec,
    KexecForce,
    Halt,
    HaltForce,
    HaltImmediate,
}

/// <summary>Flags of a state-change report (systemd's UnitNotifyFlags).</summary>
[Flags]
public enum UnitNotifyFlags
{
    None = 0,
    /// <summary>A reload finished but failed: the reload job gets result "failed".</summary>
    ReloadFailure = 1,
    /// <summary>The unit went inactive/failed but will restart by itself: do not propagate the stop.</summary>
    WillAutoRestart = 2,
}

/// <summary>What Clean() removes (systemd's ExecCleanMask: a bit per ExecDirectoryType, in its order).</summary>
[Flags]
public enum ExecCleanMask
{
    None = 0,
    Runtime = 1,
    State = 2,
    Cache = 4,
    Logs = 8,
    Configuration = 16,
    All = Runtime | State | Cache | Logs | Configuration,
}

/// <summary>How a unit's kind took a Clean() request.</summary>
public enum CleanOutcome
{
    /// <summary>Cleaning began (or, for a timer's stamp file, is done).</summary>
    Started,
    /// <summary>None of the asked-for resources is configured (-EUNATCH).</summary>
    NothingToClean,
    /// <summary>The unit is not in a state that may be cleaned (-EBUSY).</summary>
    Busy,
}

/// <summary>
/// What a unit type's Start/Stop/Reload/Kill returned (systemd returns errnos; these are their meanings).
/// </summary>
public enum UnitOperationResult
{
    /// <summary>The operation began; the kind reports its end through <see cref="Unit.NotifyStateChanged"/>.</summary>
    InProgress,
    /// <summary>Nothing to do: already in the requested state (-EALREADY).</summary>
    AlreadyDone,
    /// <summary>Cannot act now (e.g. still stopping); the job waits and is retried later (-EAGAIN).</summary>
    Again,
    /// <summary>The type has no such operation (-EBADR): the job is skipped.</summary>
    NotApplicable,
    /// <summary>The unit's settings make the operation impossible (-ENOEXEC): result "invalid".</summary>
    Invalid,
    /// <summary>Not supported on this system (-EOPNOTSUPP): result "unsupported".</summary>
    Unsupported,
    /// <summary>A dependency the unit needs is missing (-ENOLINK): result "dependency".</summary>
    DependencyFailed,
    /// <summary>A one-time unit already ran (-ESTALE): result "once".</summary>
    Once,
    /// <summary>The start rate limit was hit or the operation failed at once: result "failed".</summary>
    Failed,
}

/// <summary>Whom a Kill() request addresses (KillUnit's "who").</summary>
public enum KillWhom
{
    Main,
    Control,
    All,
}

/// <summary>systemd's UNIT_IS_* state groups.</summary>
public static class ActiveStates
{
    public static bool IsActiveOrReloading(this ActiveState s) => s is ActiveState.Active or ActiveState.Reloading;

    public static bool IsActiveOrActivating(this ActiveState s) =>
        s is ActiveState.Active or ActiveState.Activating or ActiveState.Reloading;

    public static bool IsInactiveOrFailed(this ActiveState s) => s is ActiveState.Inactive or ActiveState.Failed;

    public static bool IsInactiveOrDeactivating(this ActiveState s) =>
        s is ActiveState.Inactive or ActiveState.Failed or ActiveState.Deactivating;
}

/// <summary>systemd's spelling of the state enums, as seen over D-Bus and in logs.</summary>
public static class StateNames
{
    public static string ToSystemdString(this ActiveState s) => s switch
    {
        ActiveState.Active => "active",
        ActiveState.Reloading => "reloading",
        ActiveState.Inactive => "inactive",
        ActiveState.Failed => "failed",
        ActiveState.Activating => "activating",
        ActiveState.Deactivating => "deactivating",
        _ => "maintenance",
    };

    public static string ToSystemdString(this LoadState s) => s switch
    {
        LoadState.Stub => "stub",
        LoadState.Loaded => "loaded",
        LoadState.NotFound => "not-found",
        LoadState.BadSetting => "bad-setting",
        LoadState.Error => "error",
        LoadState.Merged => "merged",
        _ => "masked",
    };

    public static string ToSuffix(this UnitType t) => t switch
    {
        UnitType.Service => "service",
        UnitType.Socket => "socket",
        UnitType.Target => "target",
        UnitType.Device => "device",
        UnitType.Mount => "mount",
        UnitType.Automount => "automount",
        UnitType.Swap => "swap",
        UnitType.Timer => "timer",
        UnitType.Path => "path",
        UnitType.Slice => "slice",
        _ => "scope",
    };

    /// <summary>The type's own section of a unit file (systemd's private_section): "Service", "Slice"…; targets
    /// and devices have none, their settings are all in [Unit].</summary>
    public static string PrivateSection(this UnitType t) => t switch
    {
        UnitType.Target or UnitType.Device => "Unit",
        _ => char.ToUpperInvariant(t.ToSuffix()[0]) + t.ToSuffix()[1..],
    };

    /// <summary>The type named by a unit name's suffix, or null when the suffix is not a unit type.</summary>
    public static UnitType? TypeOfName(string name)
    {
        int dot = name.LastIndexOf('.');
        if (dot < 0)
            return null;
        return name.AsSpan(dot + 1) switch
        {
            "service" => UnitType.Service,
            "socket" => UnitType.Socket,
            "target" => UnitType.Target,
            "device" => UnitType.Device,
            "mount" => UnitType.Mount,
            "automount" => UnitType.Automount,
            "swap" => UnitType.Swap,
            "timer" => UnitType.Timer,
            "path" => UnitType.Path,
            "slice" => UnitType.Slice,
            "scope" => UnitType.Scope,
            _ => null,
        };
    }
}
