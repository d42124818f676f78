using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>One Listen…= of a socket unit: its kind and the address text (parsed when the socket is opened).</summary>
public sealed record SocketListen(SocketListenType Type, string Address);

/// <summary>One timer of a timer unit: a monotonic span after a base, or a calendar event.</summary>
public sealed record TimerValue(TimerBase Base, ulong Usec, CalendarSpec? Calendar);

/// <summary>One watch of a path unit.</summary>
public sealed record PathSpec(PathType Type, string Path);

/// <summary>The command lists of a socket unit.</summary>
public enum SocketCommand
{
    StartPre,
    StartPost,
    StopPre,
    StopPost,
}

/// <summary>[Socket] of systemd.socket(5).</summary>
public sealed class SocketSettings
{
    private readonly List<ExecCommand>?[] commands = new List<ExecCommand>?[(int)SocketCommand.StopPost + 1];
    private List<SocketListen>? listen;
    private List<string>? symlinks;

    public IReadOnlyList<SocketListen> Listen => listen ?? (IReadOnlyList<SocketListen>)[];

    public bool Accept { get; internal set; }

    /// <summary>Service=; null means the service of the same name.</summary>
    public string? Service { get; internal set; }

    public uint Backlog { get; internal set; } = 4096;

    public uint MaxConnections { get; internal set; } = 64;

    public uint MaxConnectionsPerSource { get; internal set; }

    public uint SocketMode { get; internal set; } = 0x1B6;

    public uint DirectoryMode { get; internal set; } = 0x1ED;

    public string? SocketUser { get; internal set; }

    public string? SocketGroup { get; internal set; }

    public string? FileDescriptorName { get; internal set; }

    public bool RemoveOnStop { get; internal set; }

    public bool PassCredentials { get; internal set; }

    public IReadOnlyList<string> Symlinks => symlinks ?? (IReadOnlyList<string>)[];

    /// <summary>TimeoutSec= in µs; null means the manager's default.</summary>
    public ulong? TimeoutUsec { get; internal set; }

    public IReadOnlyList<ExecCommand> Commands(SocketCommand which) => commands[(int)which] ?? (IReadOnlyList<ExecCommand>)[];

    internal List<ExecCommand>? this[SocketCommand which]
    {
        get => commands[(int)which];
        set => commands[(int)which] = value;
    }

    internal void AddListen(SocketListen item) => (listen ??= []).Add(item);

    internal void ResetListen() => listen = null;

    internal List<string> SymlinkList => symlinks ??= [];

    internal void ResetSymlinks() => symlinks = null;
}

/// <summary>[Timer] of systemd.timer(5).</summary>
public sealed class TimerSettings
{
    private List<TimerValue>? timers;

    public IReadOnlyList<TimerValue> Timers => timers ?? (IReadOnlyList<TimerValue>)[];

    public bool Persistent { get; internal set; }

    public bool WakeSystem { get; internal set; }

    public bool RemainAfterElapse { get; internal set; } = true;

    public bool FixedRandomDelay { get; internal set; }

    public bool OnClockChange { get; internal set; }

    public bool OnTimezoneChange { get; internal set; }

    public ulong AccuracyUsec { get; internal set; } = TimeSpans.MicrosecondsPerMinute;

    public ulong RandomizedDelayUsec { get; internal set; }

    /// <summary>Unit=; null means the service of the same name.</summary>
    public string? Unit { get; internal set; }

    internal void AddTimer(TimerValue timer) => (timers ??= []).Add(timer);

    internal void ResetTimers() => timers = null;
}

/// <summary>[Path] of systemd.path(5).</summary>
public sealed class PathSettings
{
    private List<PathSpec>? specs;

    public IReadOnlyList<PathSpec> Specs => specs ?? (IReadOnlyList<PathSpec>)[];

    public string? Unit { get; internal set; }

    public bool MakeDirectory { get; internal set; }

    public uint DirectoryMode { get; internal set; } = 0x1ED;

    public ulong? TriggerLimitIntervalUsec { get; internal set; }

    public uint? TriggerLimitBurst { get; internal set; }

    internal void AddSpec(PathSpec spec) => (specs ??= []).Add(spec);

    internal void ResetSpecs() => specs = null;
}

/// <summary>[Mount] of systemd.mount(5).</summary>
public sealed class MountSettings
{
    public string? What { get; internal set; }

    public string? Where { get; internal set; }

    public string? Type { get; internal set; }

    public string? Options { get; internal set; }

    public ulong? TimeoutUsec { get; internal set; }

    public uint DirectoryMode { get; internal set; } = 0x1ED;

    public bool SloppyOptions { get; internal set; }

    public bool LazyUnmount { get; internal set; }

    public bool ForceUnmount { get; internal set; }

    public bool ReadWriteOnly { get; internal set; }
}

/// <summary>[Automount] of systemd.automount(5).</summary>
public sealed class AutomountSettings
{
    public string? Where { get; internal set; }

    public string? ExtraOptions { get; internal set; }

    public uint DirectoryMode { get; internal set; } = 0x1ED;

    public ulong TimeoutIdleUsec { get; internal set; }
}

/// <summary>[Swap] of systemd.swap(5).</summary>
public sealed class SwapSettings
{
    public string? What { get; internal set; }

    /// <summary>Priority=; null when unset.</summary>
    public int? Priority { get; internal set; }

    public string? Options { get; internal set; }

    public ulong? TimeoutUsec { get; internal set; }
}

/// <summary>[Scope] of systemd.scope(5).</summary>
public sealed class ScopeSettings
{
    public ulong RuntimeMaxUsec { get; internal set; } = TimeSpans.Infinity;

    public ulong RuntimeRandomizedExtraUsec { get; internal set; }

    public ulong? TimeoutStopUsec { get; internal set; }

    public OomPolicy? OomPolicy { get; internal set; }
}
