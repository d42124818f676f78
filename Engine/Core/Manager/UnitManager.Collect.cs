using Units.Core.Jobs;
using Units.Core.Model;

namespace Units.Core.Manager;

public sealed partial class UnitManager
{
    private readonly Queue<Unit> _gcQueue = new();
    private readonly List<Notification> _notifications = [];
    private readonly HashSet<Job> _changedJobs = [];

    internal void QueueGc(Unit unit)
    {
        if (unit.InGcQueue)
            return;
        unit.InGcQueue = true;
        _gcQueue.Enqueue(unit);
    }

    /// <summary>
    /// Whether a unit holds itself loaded: a job, a state other than inactive (or failed, with
    /// CollectMode=inactive-or-failed), resources still held, a client's pin, or being perpetual.
    /// </summary>
    private static bool KeepsItselfLoaded(Unit unit)
    {
        if (unit.Job is not null || unit.NopJob is not null || unit.ClientReferences > 0 || unit.IsPerpetual)
            return true;
        var state = unit.ActiveState;
        bool collectableState = state == ActiveState.Inactive
            || (state == ActiveState.Failed && unit.Definition.CollectMode == CollectMode.InactiveOrFailed);
        return !collectableState || unit.Kind.HoldsResources;
    }

    /// <summary>
    /// Unloads units nothing keeps: a unit stays while it keeps itself loaded or a unit that references it (a
    /// loaded unit with a dependency on it) is kept, transitively. Unloading logs the accounting summary and tells
    /// clients UnitRemoved; the unit is loaded again on demand.
    /// </summary>
    private bool DispatchGcQueue()
    {
        if (_gcQueue.Count == 0)
            return false;
        var collectable = new HashSet<Unit>();
        var kept = new HashSet<Unit>();
        var candidates = new List<Unit>();
        while (_gcQueue.TryDequeue(out var unit))
        {
            unit.InGcQueue = false;
            if (IsLoaded(unit) && !IsKept(unit, collectable, kept))
                candidates.Add(unit);
        }
        foreach (var unit in candidates)
            Unload(unit);
        return true;
    }

    /// <summary>
    /// Searches the units referring to <paramref name="unit"/>, transitively, for one that keeps itself. What one
    /// search learns serves the next ones of the same sweep (as systemd's GC marks do): units found collectable, and
    /// units found kept, so that a target referred to by thousands of queued units is searched once, not once each.
    /// </summary>
    private static bool IsKept(Unit unit, HashSet<Unit> knownCollectable, HashSet<Unit> knownKept)
    {
        if (knownCollectable.Contains(unit))
            return false;
        // Each unit seen, with the unit whose referrer it is: the path back to the unit asked about.
        var referrerOf = new Dictionary<Unit, Unit?> { [unit] = null };
        var work = new Stack<Unit>();
        work.Push(unit);
        while (work.Count > 0)
        {
            var u = work.Pop();
            if (knownKept.Contains(u) || KeepsItselfLoaded(u))
            {
                // Everything on the references from u down to the unit asked about is kept through u.
                for (Unit? onPath = u; onPath is not null; onPath = referrerOf[onPath])
                    knownKept.Add(onPath);
                return true;
            }
            foreach (var referrer in u.Each(UnitDependencyAtom.ReferencedBy))
                if (!knownCollectable.Contains(referrer) && referrerOf.TryAdd(referrer, u))
                    work.Push(referrer);
        }
        // Nothing reachable keeps anything: every unit seen is collectable too.
        knownCollectable.UnionWith(referrerOf.Keys);
        return false;
    }

    private void Unload(Unit unit)
    {
        if (!IsLoaded(unit))
            return;
        LogDebug(unit, "Collecting.");
        foreach (var other in unit.DependencyUnits.ToList())
        {
            unit.RemoveAllDependenciesWith(other);
            // The units it pointed at may now be unreferenced.
            QueueGc(other);
        }
        foreach (var name in unit.Names)
            if (_units.TryGetValue(name, out var registered) && registered == unit)
                _units.Remove(name);
        if (!unit.InvocationId.IsEmpty)
            _unitsByInvocationId.Remove(unit.InvocationId);
        unit.ReleaseKind();
        QueueNotification(new Notification(NotificationKind.UnitRemoved, unit));
    }

    // ---- change notifications ----

    internal enum NotificationKind
    {
        UnitNew,
        UnitChanged,
        UnitRemoved,
        JobNew,
        JobChanged,
        JobRemoved,
    }

    internal readonly record struct Notification(NotificationKind Kind, Unit Unit, Job? Job = null, JobResult Result = default);

    private void QueueNotification(Notification notification) => _notifications.Add(notification);

    /// <summary>Queues one coalesced UnitChanged for the unit.</summary>
    internal void QueueDbus(Unit unit)
    {
        if (unit.InDbusQueue)
            return;
        unit.InDbusQueue = true;
        _notifications.Add(new Notification(NotificationKind.UnitChanged, unit));
    }

    internal void QueueDbus(Job job)
    {
        if (job.Installed && _changedJobs.Add(job))
            _notifications.Add(new Notification(NotificationKind.JobChanged, job.Unit, job));
    }

    private bool DispatchDbusQueue()
    {
        if (_notifications.Count == 0)
            return false;
        var batch = _notifications.ToArray();
        _notifications.Clear();
        _changedJobs.Clear();
        foreach (var n in batch)
        {
            if (n.Kind == NotificationKind.UnitChanged)
                n.Unit.InDbusQueue = false;
            foreach (var o in _observers)
            {
                try
                {
                    Deliver(o, n);
                }
                catch (Exception ex)
                {
                    Log.Write(LogPriority.Error, n.Unit.Id, $"Change notification observer failed, ignoring: {ex}");
                }
            }
        }
        return true;
    }

    private static void Deliver(IManagerObserver o, Notification n)
    {
        switch (n.Kind)
        {
            case NotificationKind.UnitChanged:
                o.UnitChanged(n.Unit);
                break;
            case NotificationKind.UnitRemoved:
                o.UnitRemoved(n.Unit);
                break;
            case NotificationKind.JobNew:
                o.JobNew(n.Job!);
                break;
            case NotificationKind.JobChanged:
                // A job that finished since is announced by its JobRemoved only.
                if (n.Job!.Installed)
                    o.JobChanged(n.Job);
                break;
            case NotificationKind.JobRemoved:
                o.JobRemoved(n.Job!, n.Result);
                break;
            default:
                o.UnitNew(n.Unit);
                break;
        }
    }
}
