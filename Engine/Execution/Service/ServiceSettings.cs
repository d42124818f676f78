using Units.Execution.Cgroups;
using Units.Execution.Notify;

namespace Units.Execution.Service;

/// <summary>Type= of systemd.service(5), plus notify-reload (systemd 253).</summary>
public enum ServiceType
{
    Simple,
    Exec,
    Forking,
    Oneshot,
    Dbus,
    Notify,
    NotifyReload,
    Idle,
}

/// <summary>Restart=.</summary>
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

/// <summary>KillMode= of systemd.kill(5).</summary>
public enum KillMode
{
    ControlGroup,
    Process,
    Mixed,
    None,
}

/// <summary>systemd.kill(5), names as in Units.UnitFiles' KillSettings.</summary>
public sealed class KillSettings
{
    public KillMode KillMode { get; init; }
    public int KillSignal { get; init; } = 15;
    /// <summary>RestartKillSignal=; null means <see cref="KillSignal"/>.</summary>
    public int? RestartKillSignal { get; init; }
    public int FinalKillSignal { get; init; } = 9;
    public int WatchdogSignal { get; init; } = 6;
    public bool SendSIGKILL { get; init; } = true;
    public bool SendSIGHUP { get; init; }

    public static KillSettings Default { get; } = new();
}

/// <summary>SuccessExitStatus=-style sets: exit statuses and signals.</summary>
public sealed class ExitStatusSet
{
    public IReadOnlySet<int> Statuses { get; init; } = new HashSet<int>();
    public IReadOnlySet<int> Signals { get; init; } = new HashSet<int>();

    public static ExitStatusSet Empty { get; } = new();

    public bool Matches(Spawning.ExitCode code, int status) =>
        code == Spawning.ExitCode.Exited ? Statuses.Contains(status) : Signals.Contains(status);
}

/// <summary>
/// [Service] settings as the service state machine uses them; names mirror Units.UnitFiles' ServiceSettings
/// (times in microseconds, <see cref="Infinity"/> for "infinity").
/// </summary>
public sealed class ServiceSettings
{
    public const ulong Infinity = ulong.MaxValue;

    public ServiceType Type { get; init; }
    public ServiceRestart Restart { get; init; }
    public ulong RestartUsec { get; init; } = 100_000;
    public ulong TimeoutStartUsec { get; init; } = 90_000_000;
    public ulong TimeoutStopUsec { get; init; } = 90_000_000;
    /// <summary>TimeoutAbortSec=; null means TimeoutStopSec=.</summary>
    public ulong? TimeoutAbortUsec { get; init; }
    public ulong RuntimeMaxUsec { get; init; } = Infinity;
    /// <summary>WatchdogSec=; 0 disables it.</summary>
    public ulong WatchdogUsec { get; init; }
    public string? PIDFile { get; init; }
    public string? BusName { get; init; }
    /// <summary>NotifyAccess=; null: "main" for Type=notify/notify-reload or with WatchdogSec=, else "none".</summary>
    public NotifyAccess? NotifyAccess { get; init; }
    /// <summary>RemainAfterExit= (the seed's ValidNoProcess= sets it too).</summary>
    public bool RemainAfterExit { get; init; }
    public bool GuessMainPID { get; init; } = true;
    public ExitStatusSet SuccessExitStatus { get; init; } = ExitStatusSet.Empty;
    public ExitStatusSet RestartPreventExitStatus { get; init; } = ExitStatusSet.Empty;
    public ExitStatusSet RestartForceExitStatus { get; init; } = ExitStatusSet.Empty;
    /// <summary>ReloadSignal= of Type=notify-reload.</summary>
    public int ReloadSignal { get; init; } = 1;

    public IReadOnlyList<ExecCommand> ExecCondition { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStartPre { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStart { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStartPost { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecReload { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStop { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStopPost { get; init; } = [];

    public ExecSettings Exec { get; init; } = ExecSettings.Default;
    public KillSettings Kill { get; init; } = KillSettings.Default;
    public ResourceControlSettings Resources { get; init; } = ResourceControlSettings.None;

    internal NotifyAccess EffectiveNotifyAccess =>
        NotifyAccess ?? (Type is ServiceType.Notify or ServiceType.NotifyReload || WatchdogUsec > 0
            ? Notify.NotifyAccess.Main
            : Notify.NotifyAccess.None);

    internal ulong TimeoutAbortEffectiveUsec => TimeoutAbortUsec ?? TimeoutStopUsec;

    /// <summary>Settings systemd refuses at load (service_verify); null when the settings are consistent.</summary>
    public string? Verify()
    {
        if (ExecStart.Count == 0 && Type != ServiceType.Oneshot)
            return "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.";
        if (ExecStart.Count == 0 && Type == ServiceType.Oneshot && !RemainAfterExit && ExecStop.Count == 0)
            return "Service has no ExecStart= setting, which is only allowed for RemainAfterExit=yes type=oneshot services. Refusing.";
        if (Type != ServiceType.Oneshot && ExecStart.Count > 1)
            return "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.";
        if (Type == ServiceType.Oneshot && Restart is not (ServiceRestart.No or ServiceRestart.OnFailure or ServiceRestart.OnAbnormal or ServiceRestart.OnWatchdog or ServiceRestart.OnAbort))
            return "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.";
        if (Type == ServiceType.Dbus && BusName is null)
            return "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.";
        return null;
    }
}
