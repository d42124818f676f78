namespace Units.Execution.Cgroups;

/// <summary>The resource-control settings of systemd.resource-control(5) this manager applies; null is unset.</summary>
public sealed class ResourceControlSettings
{
    /// <summary>MemoryMax= in bytes; ulong.MaxValue is "infinity".</summary>
    public ulong? MemoryMax { get; init; }
    public ulong? MemoryHigh { get; init; }
    /// <summary>TasksMax= as an absolute count; ulong.MaxValue is "infinity".</summary>
    public ulong? TasksMax { get; init; }
    /// <summary>CPUQuota= as CPU time per second of wall time, in microseconds (CPUQuota=20% is 200000).</summary>
    public ulong? CPUQuotaPerSecUSec { get; init; }
    public ulong? CPUWeight { get; init; }
    public ulong? IOWeight { get; init; }
    /// <summary>CPUAccounting=: whether the CPU time the unit's processes consumed is accounted (and logged when it stops);
    /// on unless the unit turns it off, as the manager's DefaultCPUAccounting=yes says.</summary>
    public bool CPUAccounting { get; init; } = true;

    public static ResourceControlSettings None { get; } = new();

    /// <summary>The controllers these settings need (cgroup v2 names).</summary>
    internal IEnumerable<string> Controllers()
    {
        if (MemoryMax is not null || MemoryHigh is not null)
            yield return "memory";
        if (TasksMax is not null)
            yield return "pids";
        if (CPUQuotaPerSecUSec is not null || CPUWeight is not null)
            yield return "cpu";
        if (IOWeight is not null)
            yield return "io";
    }
}
