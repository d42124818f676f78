using Units.Core.Model;

namespace Units.Core.Jobs;

/// <summary>
/// The algebra of job types (systemd's job.c): how two jobs on one unit merge, which types a unit state makes
/// redundant, and how the conditional types collapse to plain ones against a unit's state.
/// </summary>
public static class JobTypes
{
    /// <summary>The types the merge table covers; the others are collapsed before merging.</summary>
    public const int MergeableCount = (int)JobType.Restart + 1;

    // The lower triangle of systemd's merge table; null means the two types conflict.
    // Row "what", column "with", in the order Start, VerifyActive, Stop, Reload.
    private static readonly JobType?[][] LowerTriangle =
    [
        [],
        [JobType.Start],
        [null, null],
        [JobType.ReloadOrStart, JobType.Reload, null],
        [JobType.Restart, JobType.Restart, null, JobType.Restart],
    ];

    /// <summary>The type two jobs on one unit merge into, or null when they conflict (job_type_lookup_merge).</summary>
    public static JobType? Merge(JobType a, JobType b)
    {
        if (a == b)
            return a;
        if ((int)a >= MergeableCount || (int)b >= MergeableCount)
            return null;
        return (int)a > (int)b ? LowerTriangle[(int)a][(int)b] : LowerTriangle[(int)b][(int)a];
    }

    public static bool IsMergeable(JobType a, JobType b) => Merge(a, b) is not null;

    public static bool IsConflicting(JobType a, JobType b) => !IsMergeable(a, b);

    /// <summary>Whether a job of type <paramref name="a"/> does everything <paramref name="b"/> would.</summary>
    public static bool IsSuperset(JobType a, JobType b) => a == b || Merge(a, b) == a;

    /// <summary>Whether a job of this type does nothing for a unit in <paramref name="state"/>.</summary>
    public static bool IsRedundant(JobType type, ActiveState state) => type switch
    {
        JobType.Start or JobType.VerifyActive => state.IsActiveOrReloading(),
        JobType.Stop => state.IsInactiveOrFailed(),
        JobType.Reload => state == ActiveState.Reloading,
        JobType.Restart => state == ActiveState.Activating,
        JobType.Nop => true,
        _ => false,
    };

    /// <summary>Replaces a conditional type by the plain type it means for a unit in <paramref name="state"/>.</summary>
    public static JobType Collapse(JobType type, ActiveState state)
    {
        bool down = state.IsInactiveOrDeactivating();
        return type switch
        {
            JobType.TryRestart => down ? JobType.Nop : JobType.Restart,
            JobType.TryReload => down ? JobType.Nop : JobType.Reload,
            JobType.ReloadOrStart => down ? JobType.Start : JobType.Reload,
            JobType.VerifyStarted => state.IsActiveOrActivating() ? JobType.Nop : JobType.VerifyActive,
            _ => type,
        };
    }

    public static JobType Collapse(JobType type, Unit unit) => Collapse(type, unit.ActiveState);

    /// <summary>Merges and collapses against the unit's state; null when the types conflict.</summary>
    public static JobType? MergeAndCollapse(JobType a, JobType b, Unit unit) =>
        Merge(a, b) is JobType merged ? Collapse(merged, unit) : null;

    /// <summary>Whether a job of this type may be queued for the unit at all (job_type_is_applicable).</summary>
    public static bool IsApplicable(JobType type, Unit unit) => type switch
    {
        JobType.Start or JobType.VerifyActive or JobType.VerifyStarted or JobType.Nop => true,
        JobType.Stop => !unit.IsPerpetual,
        JobType.Restart or JobType.TryRestart => !unit.IsPerpetual,
        JobType.Reload or JobType.TryReload => unit.Kind.CanReload,
        JobType.ReloadOrStart => unit.Kind.CanReload,
        _ => false,
    };

    /// <summary>Reloads may not merge into a running reload: the daemon may have read its old configuration already.</summary>
    public static bool AllowsLateMerge(JobType type) => type != JobType.Reload;

    /// <summary>
    /// Whether job <paramref name="a"/> runs before <paramref name="b"/> when a's unit has the ordering
    /// <paramref name="order"/> (Before or After) towards b's: -1 a first, 1 b first, 0 order irrelevant (job_compare).
    /// A stop (and a restart, a stop in disguise until it becomes a start) always goes first.
    /// </summary>
    internal static int Compare(JobType a, bool aIgnoresOrder, JobType b, bool bIgnoresOrder, UnitDependencyAtom order)
    {
        if (a == JobType.Nop || b == JobType.Nop || aIgnoresOrder || bIgnoresOrder)
            return 0;
        if (order == UnitDependencyAtom.After)
            return -Compare(b, bIgnoresOrder, a, aIgnoresOrder, UnitDependencyAtom.Before);
        return b is JobType.Stop or JobType.Restart ? 1 : -1;
    }
}
