using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Transactions;

/// <summary>
/// A set of jobs computed from one request, checked as a whole and then installed (systemd's transaction.c):
/// the anchor job and the jobs its dependencies pull in recursively; which of them matter to the anchor; cycles in
/// the ordering broken by deleting a job that does not matter; unmergeable jobs dropped or refused; then installed,
/// merging with jobs already queued.
/// </summary>
internal sealed class Transaction
{
    private readonly UnitManager _manager;
    private readonly bool _irreversible;
    private readonly Dictionary<Unit, List<TransactionJob>> _jobs = [];
    private ulong _generation = 1;

    public Transaction(UnitManager manager, bool irreversible)
    {
        _manager = manager;
        _irreversible = irreversible;
    }

    public TransactionJob? Anchor { get; private set; }

    public int JobCount => _jobs.Count;

    private enum OnError
    {
        /// <summary>The anchor: an error fails the transaction.</summary>
        Fail,
        /// <summary>A dependency that matters: an error fails the job that pulled it in, unless the type was not applicable.</summary>
        FailUnlessNotApplicable,
        /// <summary>A dependency that does not matter: log and carry on.</summary>
        Ignore,
    }

    private sealed class Request(JobType type, Unit unit, TransactionJob? by, bool matters, bool conflicts, bool ignoreOrder,
        OnError onError, Request? parent)
    {
        public JobType Type = type;
        public Unit Unit = unit;
        public TransactionJob? By = by;
        public bool Matters = matters, Conflicts = conflicts, IgnoreOrder = ignoreOrder;
        public OnError OnError = onError;
        public Request? Parent = parent;
        public int ChildBase = -1;
    }

    /// <summary>
    /// Adds a job for <paramref name="unit"/> and, recursively, the jobs its dependencies pull in
    /// (transaction_add_job_and_dependencies). Processed with an explicit stack in the same depth-first order as
    /// systemd's recursion, so deep graphs cannot exhaust the thread's stack. Returns the error that fails the
    /// transaction, or null.
    /// </summary>
    public BusError? AddJobAndDependencies(JobType type, Unit unit, TransactionJob? by, bool matters,
        bool ignoreRequirements, bool ignoreOrder)
    {
        var stack = new List<Request> { new(type, unit, by, matters, false, ignoreOrder, OnError.Fail, null) };
        while (stack.Count > 0)
        {
            var request = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            bool isRoot = request.Parent is null && request.OnError == OnError.Fail;
            var error = AddOne(request, stack, isRoot ? ignoreRequirements : false);
            if (error is null)
                continue;
            // Unwind as systemd's recursion would: a failed requirement fails the job that pulled it in, which
            // stops adding that job's remaining dependencies and reports the error to its own puller.
            for (var failed = request; ;)
            {
                switch (failed.OnError)
                {
                    case OnError.Fail:
                        return error;
                    case OnError.Ignore:
                        _manager.Log.Write(IsBenign(error) ? LogPriority.Debug : LogPriority.Warning, failed.Unit.Id,
                            $"{failed.Unit.Id}: Cannot add dependency job, ignoring: {error.Message}");
                        break;
                    default:
                        if (error.Name == BusErrors.JobTypeNotApplicable)
                            break;
                        var parent = failed.Parent!;
                        if (parent.ChildBase >= 0 && stack.Count > parent.ChildBase)
                            stack.RemoveRange(parent.ChildBase, stack.Count - parent.ChildBase);
                        failed = parent;
                        continue;
                }
                break;
            }
        }
        return null;
    }

    private static bool IsBenign(BusError error) =>
        error.Name is BusErrors.UnitMasked or BusErrors.JobTypeNotApplicable or BusErrors.NoSuchUnit;

    private BusError? AddOne(Request r, List<Request> stack, bool ignoreRequirements)
    {
        var unit = r.Unit;
        if (unit.LoadState is LoadState.Stub or LoadState.Merged)
            return new BusError(BusErrors.LoadFailed, $"Unit {unit.Id} is not loaded properly.");
        if (r.Type != JobType.Stop && UnitManager.ValidateLoadState(unit) is BusError loadError)
            return loadError;
        if (!JobTypes.IsApplicable(r.Type, unit))
            return new BusError(BusErrors.JobTypeNotApplicable,
                $"Job type {r.Type.ToSystemdString()} is not applicable for unit {unit.Id}.");

        var job = AddOneJob(r.Type, unit, out bool isNew);
        job.IgnoreOrder |= r.IgnoreOrder;
        if (r.By is not null)
            Link(r.By, job, r.Matters, r.Conflicts);
        else
            Anchor = job;

        if (!isNew || ignoreRequirements || r.Type == JobType.Nop)
            return null;

        var children = new List<Request>();
        void Pull(UnitDependencyAtom atom, JobType type, bool matters, bool conflicts, OnError onError, bool collapse)
        {
            foreach (var dep in unit.Each(atom))
            {
                var t = collapse ? JobTypes.Collapse(type, dep) : type;
                if (t == JobType.Nop)
                    continue;
                children.Add(new Request(t, dep, job, matters, conflicts, r.IgnoreOrder, onError, r));
            }
        }
        if (unit.Following is Unit followed)
            children.Add(new Request(r.Type, followed, job, false, false, r.IgnoreOrder, OnError.Ignore, r));
        if (r.Type is JobType.Start or JobType.Restart)
        {
            Pull(UnitDependencyAtom.PullInStart, JobType.Start, true, false, OnError.FailUnlessNotApplicable, false);
            Pull(UnitDependencyAtom.PullInStartIgnored, JobType.Start, false, false, OnError.Ignore, false);
            Pull(UnitDependencyAtom.PullInVerify, JobType.VerifyActive, true, false, OnError.FailUnlessNotApplicable, false);
            Pull(UnitDependencyAtom.PullInStop, JobType.Stop, true, true, OnError.FailUnlessNotApplicable, false);
            Pull(UnitDependencyAtom.PullInStopIgnored, JobType.Stop, false, false, OnError.Ignore, false);
        }
        // A stop propagates as stop; a restart only as try-restart, so it starts nothing that was not running.
        if (r.Type == JobType.Stop)
            Pull(UnitDependencyAtom.PropagateStop, JobType.Stop, true, false, OnError.FailUnlessNotApplicable, true);
        else if (r.Type == JobType.Restart)
            Pull(UnitDependencyAtom.PropagateRestart, JobType.TryRestart, true, false, OnError.FailUnlessNotApplicable, true);
        else if (r.Type == JobType.Reload)
            Pull(UnitDependencyAtom.PropagatesReloadTo, JobType.TryReload, false, false, OnError.Ignore, true);

        r.ChildBase = stack.Count;
        for (int i = children.Count - 1; i >= 0; i--)
            stack.Add(children[i]);
        return null;
    }

    private TransactionJob AddOneJob(JobType type, Unit unit, out bool isNew)
    {
        if (!_jobs.TryGetValue(unit, out var list))
            _jobs[unit] = list = [];
        foreach (var existing in list)
            if (existing.Type == type)
            {
                isNew = false;
                return existing;
            }
        var job = new TransactionJob(_manager.AllocateJobId(), unit, type) { Irreversible = _irreversible };
        list.Add(job);
        isNew = true;
        return job;
    }

    private static void Link(TransactionJob subject, TransactionJob @object, bool matters, bool conflicts)
    {
        var link = new JobLink(subject, @object, matters, conflicts);
        subject.Subjects.Add(link);
        @object.Objects.Add(link);
    }

    /// <summary>Adds stop jobs for every running unit the isolated target does not keep (transaction_add_isolate_jobs).</summary>
    public void AddIsolateJobs()
    {
        foreach (var unit in _manager.Units)
        {
            if (unit.ActiveState.IsInactiveOrFailed() && unit.Job is null)
                continue;
            if (!ShallStopOnIsolate(unit))
                continue;
            // Keep units triggered by units we keep (a socket's service while the socket stays).
            bool keep = false;
            foreach (var trigger in unit.DependenciesWith(UnitDependencyAtom.TriggeredBy))
                if (!ShallStopOnIsolate(trigger))
                {
                    keep = true;
                    break;
                }
            if (keep)
                continue;
            if (AddJobAndDependencies(JobType.Stop, unit, Anchor, true, false, false) is BusError e)
                _manager.Log.Write(LogPriority.Warning, unit.Id, $"{unit.Id}: Cannot add isolate job, ignoring: {e.Message}");
        }
    }

    private bool ShallStopOnIsolate(Unit unit) =>
        !unit.IgnoreOnIsolate && !unit.IsPerpetual && !_jobs.ContainsKey(unit);

    /// <summary>Stops the units the anchor's unit triggers (mode triggering).</summary>
    public void AddTriggeringJobs(Unit unit)
    {
        foreach (var triggered in unit.DependenciesWith(UnitDependencyAtom.TriggeredBy))
        {
            if (triggered.ActiveState.IsInactiveOrFailed() && triggered.Job is null)
                continue;
            if (AddJobAndDependencies(JobType.Stop, triggered, Anchor, true, false, false) is BusError e)
                _manager.Log.Write(LogPriority.Warning, triggered.Id,
                    $"{triggered.Id}: Cannot add triggered by job, ignoring: {e.Message}");
        }
    }

    /// <summary>Mode restart-dependencies: units that depend on the started unit are restarted with it.</summary>
    public void AddRestartDependentsJobs(Unit unit)
    {
        foreach (var dependent in unit.DependenciesWith(UnitDependencyAtom.PropagateRestart))
        {
            var t = JobTypes.Collapse(JobType.TryRestart, dependent);
            if (t != JobType.Nop && AddJobAndDependencies(t, dependent, Anchor, true, false, false) is BusError e)
                _manager.Log.Write(LogPriority.Warning, dependent.Id,
                    $"{dependent.Id}: Cannot add dependency job, ignoring: {e.Message}");
        }
    }

    /// <summary>Checks the transaction and installs it (transaction_activate); returns the error that refused it.</summary>
    public BusError? Activate(JobMode mode, List<Job>? affected)
    {
        FindJobsThatMatterToAnchor();
        if (mode == JobMode.Fail)
            MinimizeImpact();
        DropRedundant();
        while (true)
        {
            if (mode != JobMode.Isolate)
                CollectGarbage();
            var error = VerifyOrder(out bool retry);
            if (error is not null)
            {
                _manager.Log.Write(LogPriority.Warning, null,
                    $"Requested transaction contains an unfixable cyclic ordering dependency: {error.Message}");
                return error;
            }
            if (!retry)
                break;
        }
        while (true)
        {
            var error = MergeJobs(out bool retry);
            if (error is not null)
            {
                _manager.Log.Write(LogPriority.Warning, null, $"Requested transaction contains unmergeable jobs: {error.Message}");
                return error;
            }
            if (!retry)
                break;
            if (mode != JobMode.Isolate)
                CollectGarbage();
        }
        DropRedundant();
        if (IsDestructive(mode) is BusError destructive)
        {
            _manager.Log.Write(LogPriority.Notice, null, $"Requested transaction contradicts existing jobs: {destructive.Message}");
            return destructive;
        }
        Apply(mode, affected);
        return null;
    }

    private IEnumerable<TransactionJob> AllJobs()
    {
        foreach (var list in _jobs.Values)
            foreach (var job in list)
                yield return job;
    }

    /// <summary>Marks every job reachable from the anchor over links that all matter.</summary>
    private void FindJobsThatMatterToAnchor()
    {
        if (Anchor is null)
            return;
        ulong generation = _generation++;
        var stack = new Stack<TransactionJob>();
        Anchor.MattersToAnchor = true;
        Anchor.Generation = generation;
        stack.Push(Anchor);
        while (stack.Count > 0)
        {
            var job = stack.Pop();
            foreach (var link in job.Subjects)
            {
                if (link.Dead || !link.Matters || link.Object.Generation == generation)
                    continue;
                link.Object.MattersToAnchor = true;
                link.Object.Generation = generation;
                stack.Push(link.Object);
            }
        }
    }

    /// <summary>Mode fail: drops jobs that do not matter and would stop running units or reverse queued jobs.</summary>
    private void MinimizeImpact()
    {
        bool deleted;
        do
        {
            deleted = false;
            foreach (var job in AllJobs().ToList())
            {
                if (job.Deleted || job.MattersToAnchor)
                    continue;
                bool stopsRunning = job.Type == JobType.Stop && job.Unit.ActiveState.IsActiveOrActivating();
                bool changesExisting = job.Unit.Job is Job installed && JobTypes.IsConflicting(job.Type, installed.Type);
                if (!stopsRunning && !changesExisting)
                    continue;
                if (_manager.DebugLogging)
                {
                    if (stopsRunning)
                        _manager.LogDebug(job.Unit, $"{job} would stop a running service.");
                    if (changesExisting)
                        _manager.LogDebug(job.Unit, $"{job} would change existing job.");
                    _manager.LogDebug(job.Unit, $"Deleting {job} to minimize impact.");
                }
                DeleteJob(job, deleteDependencies: true);
                deleted = true;
            }
        }
        while (deleted);
    }

    /// <summary>Drops the jobs of units whose jobs are all no-ops for the unit's state.</summary>
    private void DropRedundant()
    {
        foreach (var (unit, list) in _jobs.ToList())
        {
            bool keep = false;
            foreach (var job in list)
                if (job == Anchor || !JobTypes.IsRedundant(job.Type, unit.ActiveState)
                    || (unit.Job is Job installed && JobTypes.IsConflicting(job.Type, installed.Type)))
                {
                    keep = true;
                    break;
                }
            if (keep)
                continue;
            foreach (var job in list.ToList())
                DeleteJob(job, deleteDependencies: false);
        }
    }

    /// <summary>
    /// Drops jobs nothing pulls in any more (other than the anchor), until none is left. As in systemd's
    /// transaction_collect_garbage, only the newest job of each unit is examined (the transaction's hashmap holds
    /// the head of each unit's job list, and jobs are prepended): an unreferenced job behind a newer job of the
    /// same unit survives and is merged with it later. Start-then-verify-active pairs depend on this.
    /// </summary>
    private void CollectGarbage()
    {
        bool again;
        do
        {
            again = false;
            foreach (var list in _jobs.Values.ToList())
            {
                if (list.Count == 0)
                    continue;
                var head = list[^1];
                if (head.Deleted || head == Anchor || head.IsPulledIn)
                    continue;
                if (_manager.DebugLogging)
                    _manager.LogDebug(head.Unit, $"Garbage collecting job {head}");
                DeleteJob(head, deleteDependencies: true);
                again = true;
            }
        }
        while (again);
    }

    private void DeleteJob(TransactionJob job, bool deleteDependencies)
    {
        if (job.Deleted)
            return;
        job.Deleted = true;
        if (_jobs.TryGetValue(job.Unit, out var list))
        {
            list.Remove(job);
            if (list.Count == 0)
                _jobs.Remove(job.Unit);
        }
        foreach (var link in job.Subjects)
            link.Dead = true;
        foreach (var link in job.Objects)
        {
            if (link.Dead)
                continue;
            link.Dead = true;
            // A job that needed this one cannot do without it.
            if (deleteDependencies && link.Matters)
            {
                if (_manager.DebugLogging)
                    _manager.LogDebug(link.Subject.Unit, $"Deleting job {link.Subject} as dependency of job {job}");
                DeleteJob(link.Subject, deleteDependencies);
            }
        }
    }

    private void DeleteUnit(Unit unit)
    {
        if (_jobs.TryGetValue(unit, out var list))
            foreach (var job in list.ToList())
                DeleteJob(job, deleteDependencies: true);
    }

    private bool UnitMattersToAnchor(Unit unit) =>
        _jobs.TryGetValue(unit, out var list) && list.Exists(static j => j.MattersToAnchor);

    private sealed class OrderFrame(TransactionJob job, List<TransactionJob> next)
    {
        public TransactionJob Job = job;
        public List<TransactionJob> Next = next;
        public int Index;
    }

    /// <summary>
    /// Walks the graph of "job runs before job" edges from every job looking for a cycle (transaction_verify_order).
    /// On a cycle, deletes the first job on the way back that does not matter to the anchor (retry is then true),
    /// or fails when every job on the cycle matters.
    /// </summary>
    private BusError? VerifyOrder(out bool retry)
    {
        retry = false;
        ulong generation = _generation++;
        var shadows = new Dictionary<Unit, TransactionJob>();
        foreach (var start in AllJobs().ToList())
        {
            if (start.Generation == generation)
                continue;
            var path = new Stack<OrderFrame>();
            start.Marker = start;
            start.Generation = generation;
            path.Push(new OrderFrame(start, RunsBefore(start, shadows)));
            while (path.Count > 0)
            {
                var frame = path.Peek();
                if (frame.Index == frame.Next.Count)
                {
                    frame.Job.Marker = null;
                    path.Pop();
                    continue;
                }
                var next = frame.Next[frame.Index++];
                if (next.Generation == generation)
                {
                    if (next.Marker is null)
                        continue;
                    return BreakCycle(next, frame.Job, generation, out retry);
                }
                next.Marker = frame.Job;
                next.Generation = generation;
                path.Push(new OrderFrame(next, RunsBefore(next, shadows)));
            }
        }
        return null;
    }

    /// <summary>The jobs <paramref name="job"/> must run before, over its unit's Before= and After= orderings.</summary>
    private List<TransactionJob> RunsBefore(TransactionJob job, Dictionary<Unit, TransactionJob> shadows)
    {
        var result = new List<TransactionJob>();
        foreach (var order in (ReadOnlySpan<UnitDependencyAtom>)[UnitDependencyAtom.Before, UnitDependencyAtom.After])
            foreach (var unit in job.Unit.Each(order))
            {
                TransactionJob? other = null;
                if (_jobs.TryGetValue(unit, out var list) && list.Count > 0)
                    other = list[^1];
                else if (unit.Job is Job installed)
                {
                    if (!shadows.TryGetValue(unit, out other))
                        shadows[unit] = other = new TransactionJob(installed.Id, unit, installed.Type)
                        {
                            IgnoreOrder = installed.IgnoreOrder,
                            IsInstalledShadow = true,
                        };
                }
                if (other is null)
                    continue;
                if (JobTypes.Compare(job.Type, job.IgnoreOrder, other.Type, other.IgnoreOrder, order) < 0)
                    result.Add(other);
            }
        return result;
    }

    private BusError? BreakCycle(TransactionJob start, TransactionJob from, ulong generation, out bool retry)
    {
        retry = false;
        var cycle = new List<TransactionJob>();
        TransactionJob? delete = null;
        for (var k = from; k is not null; k = k.Generation == generation && k.Marker != k ? k.Marker : null)
        {
            cycle.Add(k);
            if (delete is null && !k.IsInstalledShadow && _jobs.ContainsKey(k.Unit) && !UnitMattersToAnchor(k.Unit))
                delete = k;
            if (k == start)
                break;
        }
        var unit = start.Unit.Id;
        for (int i = 0; i < cycle.Count; i++)
            _manager.Log.Write(LogPriority.Warning, unit,
                $"{unit}: Found {(i == 0 ? "ordering cycle" : "dependency")} on {cycle[i]}");
        if (delete is not null)
        {
            _manager.Log.Write(LogPriority.Error, unit,
                $"{unit}: Job {delete} deleted to break ordering cycle starting with {start}");
            DeleteUnit(delete.Unit);
            retry = true;
            return null;
        }
        _manager.Log.Write(LogPriority.Error, unit, $"{unit}: Unable to break cycle starting with {start}");
        return new BusError(BusErrors.TransactionOrderIsCyclic, "Transaction order is cyclic. See system logs for details.");
    }

    /// <summary>
    /// Merges the jobs of each unit into one (transaction_merge_jobs); when a unit's jobs cannot merge, deletes one
    /// that does not matter (retry is then true) or fails.
    /// </summary>
    private BusError? MergeJobs(out bool retry)
    {
        retry = false;
        foreach (var (unit, list) in _jobs)
        {
            var merged = list[0].Type;
            for (int i = 1; i < list.Count; i++)
            {
                if (JobTypes.MergeAndCollapse(merged, list[i].Type, unit) is JobType t)
                {
                    merged = t;
                    continue;
                }
                if (DeleteOneUnmergeableJob(list))
                {
                    retry = true;
                    return null;
                }
                return new BusError(BusErrors.TransactionJobsConflicting,
                    $"Transaction contains conflicting jobs '{merged.ToSystemdString()}' and '{list[i].Type.ToSystemdString()}' for {unit.Id}. Probably contradicting requirement dependencies configured.");
            }
        }
        foreach (var list in _jobs.Values)
        {
            if (list.Count == 1)
                continue;
            var merged = list[0].Type;
            for (int i = 1; i < list.Count; i++)
                merged = JobTypes.MergeAndCollapse(merged, list[i].Type, list[0].Unit)!.Value;
            // The anchor survives the merge, so the request's job keeps its identity.
            var keep = list.Find(j => j == Anchor) ?? list[0];
            foreach (var other in list.ToList())
                if (other != keep)
                    MergeInto(keep, other);
            keep.Type = merged;
        }
        return null;
    }

    private void MergeInto(TransactionJob keep, TransactionJob other)
    {
        keep.Irreversible |= other.Irreversible;
        keep.MattersToAnchor |= other.MattersToAnchor;
        keep.IgnoreOrder |= other.IgnoreOrder;
        foreach (var link in other.Subjects)
            if (!link.Dead)
            {
                link.Subject = keep;
                keep.Subjects.Add(link);
            }
        foreach (var link in other.Objects)
            if (!link.Dead)
            {
                link.Object = keep;
                keep.Objects.Add(link);
            }
        other.Subjects.Clear();
        other.Objects.Clear();
        DeleteJob(other, deleteDependencies: false);
    }

    private bool DeleteOneUnmergeableJob(List<TransactionJob> list)
    {
        // systemd keeps a unit's transaction jobs newest first; walk them in that order so the same job is chosen.
        for (int a = list.Count - 1; a >= 0; a--)
            for (int b = a - 1; b >= 0; b--)
            {
                var j = list[a];
                var k = list[b];
                if (JobTypes.IsMergeable(j.Type, k.Type))
                    continue;
                TransactionJob delete;
                if (!j.MattersToAnchor && !k.MattersToAnchor)
                {
                    // Rather drop a stop than a start, unless the stop comes from a Conflicts=.
                    if (j.Type == JobType.Stop)
                        delete = j.IsConflictedBy ? k : j;
                    else if (k.Type == JobType.Stop)
                        delete = k.IsConflictedBy ? j : k;
                    else
                        delete = j;
                }
                else if (!j.MattersToAnchor)
                    delete = j;
                else if (!k.MattersToAnchor)
                    delete = k;
                else
                    return false;
                if (_manager.DebugLogging)
                    _manager.LogDebug(delete.Unit, $"Fixing conflicting jobs {j},{k} by deleting job {delete}");
                DeleteJob(delete, deleteDependencies: true);
                return true;
            }
        return false;
    }

    private BusError? IsDestructive(JobMode mode)
    {
        foreach (var job in AllJobs())
        {
            if (job.Unit.Job is Job installed && (mode == JobMode.Fail || installed.Irreversible)
                && JobTypes.IsConflicting(installed.Type, job.Type))
                return new BusError(BusErrors.TransactionIsDestructive,
                    $"Transaction for {Anchor} is destructive ({job.Unit.Id} has '{installed.Type.ToSystemdString()}' job queued, but '{job.Type.ToSystemdString()}' is included in transaction).");
        }
        return null;
    }

    private void Apply(JobMode mode, List<Job>? affected)
    {
        if (mode is JobMode.Isolate or JobMode.Flush)
            foreach (var installed in _manager.Jobs.ToList())
            {
                if (!installed.Installed || installed.Unit.IgnoreOnIsolate || _jobs.ContainsKey(installed.Unit))
                    continue;
                // Not recursive: cancelling here must not fail other jobs or trigger OnFailure=.
                _manager.FinishJob(installed, JobResult.Canceled, recursive: false, alreadyDone: false);
            }
        foreach (var job in AllJobs().ToList())
        {
            var installed = _manager.InstallJob(job);
            if (job == Anchor)
                AnchorJob = installed;
            affected?.Add(installed);
        }
        _jobs.Clear();
    }

    /// <summary>The installed job the anchor became (possibly an earlier job it merged into).</summary>
    public Job? AnchorJob { get; private set; }
}
