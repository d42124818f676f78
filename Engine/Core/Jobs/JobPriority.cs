using Units.Core.Model;

namespace Units.Core.Jobs;

/// <summary>
/// The order in which runnable jobs run (systemd's compare_job_priority): jobs of later unit types first (slices
/// and scopes before services), then of units with a higher CPUWeight=, then with a lower Nice=, then by unit name.
/// Whether a job may run at all is decided by ordering dependencies, not by this.
/// </summary>
internal sealed class JobPriority : IComparer<Job>
{
    public static readonly JobPriority Instance = new();

    public int Compare(Job? x, Job? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null || y is null)
            return x is null ? 1 : -1;
        Unit a = x.Unit, b = y.Unit;
        int c = b.Type.CompareTo(a.Type);
        if (c == 0)
            c = b.Kind.CpuWeight.CompareTo(a.Kind.CpuWeight);
        if (c == 0)
            c = a.Kind.Nice.CompareTo(b.Kind.Nice);
        if (c == 0)
            c = string.CompareOrdinal(a.Id, b.Id);
        // A unit's nop job and its other job: keep them in a fixed order too.
        return c != 0 ? c : x.Id.CompareTo(y.Id);
    }
}
