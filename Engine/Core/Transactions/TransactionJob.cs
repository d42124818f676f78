using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Transactions;

/// <summary>A job while it is part of a transaction, before it is installed (or merged into an installed job).</summary>
internal sealed class TransactionJob
{
    public TransactionJob(uint id, Unit unit, JobType type)
    {
        Id = id;
        Unit = unit;
        Type = type;
    }

    public uint Id { get; }
    public Unit Unit { get; }
    public JobType Type { get; set; }
    public bool MattersToAnchor { get; set; }
    public bool Irreversible { get; set; }
    public bool IgnoreOrder { get; set; }
    public bool Deleted { get; set; }

    /// <summary>Stands for a job already installed on a unit the transaction has no job for (ordering checks).</summary>
    public bool IsInstalledShadow { get; init; }

    /// <summary>Links where this job pulled another in.</summary>
    public List<JobLink> Subjects { get; } = [];

    /// <summary>Links where another job pulled this one in.</summary>
    public List<JobLink> Objects { get; } = [];

    /// <summary>Walk marks: which walk visited the job last, and the way back along the current path.</summary>
    public ulong Generation;
    public TransactionJob? Marker;

    public bool IsPulledIn => Objects.Exists(static l => !l.Dead);

    /// <summary>Another job's Conflicts= pulled this (stop) job in.</summary>
    public bool IsConflictedBy => Objects.Exists(static l => !l.Dead && l.Conflicts);

    public override string ToString() => $"{Unit.Id}/{Type.ToSystemdString()}";
}

/// <summary>"Subject pulled object in": whether the object matters to the subject and whether it came from a conflict.</summary>
internal sealed class JobLink(TransactionJob subject, TransactionJob @object, bool matters, bool conflicts)
{
    public TransactionJob Subject { get; set; } = subject;
    public TransactionJob Object { get; set; } = @object;
    public bool Matters { get; } = matters;
    public bool Conflicts { get; } = conflicts;
    public bool Dead { get; set; }
}

/// <summary>A D-Bus error: systemd's error name and message.</summary>
public sealed record BusError(string Name, string Message)
{
    public BusErrorException ToException() => new(Name, Message);
}
