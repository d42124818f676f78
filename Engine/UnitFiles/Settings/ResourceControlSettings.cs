namespace Units.UnitFiles.Settings;

/// <summary>A memory limit: bytes, or a share of physical memory in 1/10000 (scaled when applied).</summary>
public readonly record struct MemoryLimit(ulong Bytes, int Permyriad)
{
    public const ulong Infinity = ulong.MaxValue;

    public static MemoryLimit Max => new(Infinity, 0);

    public bool IsRelative => Permyriad > 0;
}

/// <summary>TasksMax=: an absolute count or <see cref="Value"/>/<see cref="Scale"/> of the system's limit.</summary>
public readonly record struct TasksMax(ulong Value, uint Scale)
{
    public static TasksMax Unset => new(ulong.MaxValue, 0);
}

/// <summary>systemd.resource-control(5): the cgroup settings of a unit.</summary>
public sealed class ResourceControlSettings
{
    public string? Slice { get; internal set; }

    public bool CPUAccounting { get; internal set; }

    /// <summary>CPUWeight=; null when unset (the kernel's default 100).</summary>
    public ulong? CPUWeight { get; internal set; }

    public ulong? StartupCPUWeight { get; internal set; }

    /// <summary>CPUQuota= as µs of CPU time per second; infinity when unset.</summary>
    public ulong CPUQuotaPerSecUsec { get; internal set; } = ulong.MaxValue;

    public ulong CPUQuotaPeriodUsec { get; internal set; } = ulong.MaxValue;

    public bool MemoryAccounting { get; internal set; }

    public MemoryLimit? MemoryMin { get; internal set; }

    public MemoryLimit? MemoryLow { get; internal set; }

    public MemoryLimit? MemoryHigh { get; internal set; }

    public MemoryLimit? MemoryMax { get; internal set; }

    public MemoryLimit? MemorySwapMax { get; internal set; }

    public bool TasksAccounting { get; internal set; }

    /// <summary>TasksMax=; null means the manager's DefaultTasksMax=.</summary>
    public TasksMax? TasksMax { get; internal set; }

    public bool IOAccounting { get; internal set; }

    public ulong? IOWeight { get; internal set; }

    public bool Delegate { get; internal set; }

    public bool IPAccounting { get; internal set; }
}
