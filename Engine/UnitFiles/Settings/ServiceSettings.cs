using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>The command lists of a service, in the order systemd runs them.</summary>
public enum ServiceCommand
{
    Condition,
    StartPre,
    Start,
    StartPost,
    Reload,
    Stop,
    StopPost,
}

/// <summary>[Service] of systemd.service(5), with the seed's older options honoured.</summary>
public sealed class ServiceSettings
{
    private readonly List<ExecCommand>?[] commands = new List<ExecCommand>?[(int)ServiceCommand.StopPost + 1];
    private List<string>? sockets;

    /// <summary>Type=; null when unset (then simple, or oneshot without ExecStart=, decided at load time).</summary>
    public ServiceType? Type { get; internal set; }

    public ServiceExitType ExitType { get; internal set; }

    public ServiceRestart Restart { get; internal set; }

    /// <summary>RestartSec= in µs.</summary>
    public ulong RestartUsec { get; internal set; } = 100 * TimeSpans.MicrosecondsPerMillisecond;

    /// <summary>TimeoutStartSec= (or TimeoutSec=) in µs; null means the manager's default.</summary>
    public ulong? TimeoutStartUsec { get; internal set; }

    /// <summary>TimeoutStopSec= (or TimeoutSec=) in µs; null means the manager's default.</summary>
    public ulong? TimeoutStopUsec { get; internal set; }

    /// <summary>TimeoutAbortSec= in µs; null means "same as TimeoutStopSec=" (the manager's default abort timeout).</summary>
    public ulong? TimeoutAbortUsec { get; internal set; }

    public ServiceTimeoutFailureMode TimeoutStartFailureMode { get; internal set; }

    public ServiceTimeoutFailureMode TimeoutStopFailureMode { get; internal set; }

    public ulong RuntimeMaxUsec { get; internal set; } = TimeSpans.Infinity;

    public ulong RuntimeRandomizedExtraUsec { get; internal set; }

    /// <summary>WatchdogSec= in µs; 0 disables the watchdog.</summary>
    public ulong WatchdogUsec { get; internal set; }

    public string? PIDFile { get; internal set; }

    public string? BusName { get; internal set; }

    /// <summary>NotifyAccess=; null when unset (then "main" for Type=notify or WatchdogSec=, else "none").</summary>
    public NotifyAccess? NotifyAccess { get; internal set; }

    /// <summary>RemainAfterExit= (also set by the seed's ValidNoProcess=).</summary>
    public bool RemainAfterExit { get; internal set; }

    public bool GuessMainPID { get; internal set; } = true;

    public bool PermissionsStartOnly { get; internal set; }

    public bool RootDirectoryStartOnly { get; internal set; }

    public bool NonBlocking { get; internal set; }

    /// <summary>The seed's SysVStartPriority= (systemd 252 only logs that it is ignored).</summary>
    public int? SysVStartPriority { get; internal set; }

    public uint FileDescriptorStoreMax { get; internal set; }

    /// <summary>OOMPolicy=; null means the manager's DefaultOOMPolicy=.</summary>
    public OomPolicy? OomPolicy { get; internal set; }

    /// <summary>Sockets= unit names.</summary>
    public IReadOnlyList<string> Sockets => sockets ?? (IReadOnlyList<string>)[];

    public ExitStatusSet SuccessExitStatus { get; } = new();

    public ExitStatusSet RestartPreventExitStatus { get; } = new();

    public ExitStatusSet RestartForceExitStatus { get; } = new();

    public IReadOnlyList<ExecCommand> ExecCondition => Commands(ServiceCommand.Condition);

    public IReadOnlyList<ExecCommand> ExecStartPre => Commands(ServiceCommand.StartPre);

    public IReadOnlyList<ExecCommand> ExecStart => Commands(ServiceCommand.Start);

    public IReadOnlyList<ExecCommand> ExecStartPost => Commands(ServiceCommand.StartPost);

    public IReadOnlyList<ExecCommand> ExecReload => Commands(ServiceCommand.Reload);

    public IReadOnlyList<ExecCommand> ExecStop => Commands(ServiceCommand.Stop);

    public IReadOnlyList<ExecCommand> ExecStopPost => Commands(ServiceCommand.StopPost);

    public IReadOnlyList<ExecCommand> Commands(ServiceCommand which) => commands[(int)which] ?? (IReadOnlyList<ExecCommand>)[];

    /// <summary>Replaces one Exec…= list with commands that did not come from a file (a transient unit's, as sent
    /// over D-Bus: systemd runs those, not what its file reads back as).</summary>
    public void ReplaceCommands(ServiceCommand which, IReadOnlyList<ExecCommand> replacement) => commands[(int)which] = [.. replacement];

    internal List<ExecCommand>? this[ServiceCommand which]
    {
        get => commands[(int)which];
        set => commands[(int)which] = value;
    }

    internal void AddSocket(string unit) => (sockets ??= []).Add(unit);
}
