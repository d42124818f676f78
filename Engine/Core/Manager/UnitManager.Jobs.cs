using Units.Core.Jobs;
using Units.Core.Model;
using Units.Core.Transactions;

namespace Units.Core.Manager;

public sealed partial class UnitManager
{
    private readonly PriorityQueue<Job, Job> _runQueue = new(JobPriority.Instance);

    /// <summary>
    /// Computes and installs the transaction for one job (systemd's manager_add_job): the anchor job for
    /// <paramref name="unit"/>, what its dependencies pull in, checked and merged with the installed jobs.
    /// Returns the installed anchor job; throws <see cref="BusErrorException"/> with systemd's error when refused.
    /// </summary>
    public Job AddJob(JobType type, Unit unit, JobMode mode) => AddJob(type, unit, mode, affected: null);

    public Job AddJob(JobType type, Unit unit, JobMode mode, List<Job>? affected)
    {
        if (mode == JobMode.Isolate && type != JobType.Start)
            throw new BusErrorException(BusErrors.InvalidArgs, "Isolate is only valid for start.");
        if (mode == JobMode.Isolate && !unit.Definition.AllowIsolate)
            throw new BusErrorException(BusErrors.NoIsolation, "Operation refused, unit may not be isolated.");
        if (mode == JobMode.Triggering && type != JobType.Stop)
            throw new BusErrorException(BusErrors.InvalidArgs, "--job-mode=triggering is only valid for stop.");
        if (mode == JobMode.RestartDependencies && type != JobType.Start)
            throw new BusErrorException(BusErrors.InvalidArgs, "--job-mode=restart-dependencies is only valid for start.");
        if (DebugLogging)
            LogDebug(unit, $"Trying to enqueue job {unit.Id}/{type.ToSystemdString()}/{mode.ToSystemdString()}");

        type = JobTypes.Collapse(type, unit);
        var transaction = new Transaction(this, mode == JobMode.ReplaceIrreversibly);
        var error = transaction.AddJobAndDependencies(type, unit, null, true,
            mode is JobMode.IgnoreDependencies or JobMode.IgnoreRequirements, mode == JobMode.IgnoreDependencies);
        if (error is null)
        {
            if (mode == JobMode.Isolate)
                transaction.AddIsolateJobs();
            else if (mode == JobMode.Triggering)
                transaction.AddTriggeringJobs(unit);
            else if (mode == JobMode.RestartDependencies)
                transaction.AddRestartDependentsJobs(unit);
            error = transaction.Activate(mode, affected);
        }
        if (error is not null)
            throw error.ToException();
        var job = transaction.AnchorJob!;
        if (DebugLogging)
            LogDebug(unit, $"Enqueued job {unit.Id}/{type.ToSystemdString()} as {job.Id}");
        Settle();
        return job;
    }

    /// <summary>
    /// A client's request for a job on a unit by name (StartUnit, StopUnit, RestartUnit... of the D-Bus API):
    /// systemd's checks for manual requests, then <see cref="AddJob(JobType, Unit, JobMode)"/>.
    /// <paramref name="reloadIfPossible"/> turns restarts into reloads where the unit can reload.
    /// </summary>
    public Job QueueJob(string name, JobType type, JobMode mode, bool reloadIfPossible = false)
    {
        var unit = LoadUnit(name);
        if (reloadIfPossible && unit.Kind.CanReload)
            type = type switch
            {
                JobType.Restart => JobType.ReloadOrStart,
                JobType.TryRestart => JobType.TryReload,
                _ => type,
            };
        if (type == JobType.Stop && unit.LoadState is LoadState.NotFound or LoadState.Error or LoadState.BadSetting
            && unit.ActiveState == ActiveState.Inactive)
            throw new BusErrorException(BusErrors.NoSuchUnit, $"Unit {unit.Id} not loaded.");
        var d = unit.Definition;
        if ((type == JobType.Start && d.RefuseManualStart) || (type == JobType.Stop && d.RefuseManualStop)
            || (type is JobType.Restart or JobType.TryRestart && (d.RefuseManualStart || d.RefuseManualStop))
            || (type == JobType.ReloadOrStart && JobTypes.Collapse(type, unit) == JobType.Start && d.RefuseManualStart))
            throw new BusErrorException(BusErrors.OnlyByDependency,
                $"Operation refused, unit {unit.Id} may be requested by dependency only (it is configured to refuse manual start/stop).");
        return AddJob(type, unit, mode);
    }

    /// <summary>CancelJob(): the job ends with result "canceled", failing the jobs that required it.</summary>
    public void CancelJob(uint id)
    {
        if (!_jobs.TryGetValue(id, out var job))
            throw new BusErrorException(BusErrors.NoSuchJob, $"Job {id} does not exist.");
        FinishJob(job, JobResult.Canceled, recursive: true, alreadyDone: false);
        Settle();
    }

    /// <summary>ClearJobs(): cancels every installed job, not recursively.</summary>
    public void ClearJobs()
    {
        foreach (var job in _jobs.Values.ToList())
            if (job.Installed)
                FinishJob(job, JobResult.Canceled, recursive: false, alreadyDone: false);
        Settle();
    }

    /// <summary>Installs a transaction's job, merging it into the unit's installed job where they merge (job_install).</summary>
    internal Job InstallJob(TransactionJob tj)
    {
        var unit = tj.Unit;
        bool nop = tj.Type == JobType.Nop;
        var installed = nop ? unit.NopJob : unit.Job;
        if (installed is not null)
        {
            if (JobTypes.IsConflicting(installed.Type, tj.Type))
                FinishJob(installed, JobResult.Canceled, recursive: false, alreadyDone: false);
            else
            {
                bool mergesCleanly = installed.State == JobState.Waiting
                    || (JobTypes.AllowsLateMerge(tj.Type) && JobTypes.IsSuperset(installed.Type, tj.Type));
                if (!nop)
                    installed.Type = JobTypes.MergeAndCollapse(installed.Type, tj.Type, unit)!.Value;
                installed.Irreversible |= tj.Irreversible;
                installed.IgnoreOrder |= tj.IgnoreOrder;
                if (mergesCleanly && DebugLogging)
                    LogDebug(unit, $"Merged {tj} into installed job {installed} as {installed.Id}");
                else
                {
                    // Already running and not safe to merge into: run the merged job again.
                    LogDebug(unit, $"Merged into running job, re-running: {installed} as {installed.Id}");
                    installed.State = JobState.Waiting;
                }
                QueueDbus(installed);
                AddToRunQueue(installed);
                return installed;
            }
        }
        var job = new Job(tj.Id, unit, tj.Type)
        {
            Irreversible = tj.Irreversible,
            IgnoreOrder = tj.IgnoreOrder,
            Installed = true,
            BeginTimestamp = Now(),
        };
        if (nop)
            unit.NopJob = job;
        else
            unit.Job = job;
        _jobs[job.Id] = job;
        if (DebugLogging)
            LogDebug(unit, $"Installed new job {job} as {job.Id}");
        QueueNotification(new Notification(NotificationKind.JobNew, unit, job));
        QueueDbus(unit);
        AddToRunQueue(job);
        StartJobTimer(job, unit.Definition.JobTimeoutUSec);
        return job;
    }

    private DualTimestamp Now() => new(Clock.RealtimeUSec, Clock.MonotonicUSec);

    private void StartJobTimer(Job job, ulong? timeout)
    {
        if (timeout is not ulong usec || usec == 0)
            return;
        job.Timer?.Cancel();
        job.Timer = AddTimer(Clock.MonotonicUSec + usec, () =>
        {
            if (!job.Installed)
                return;
            LogUnit(LogPriority.Warning, job.Unit, $"Job {job} timed out.");
            var unit = job.Unit;
            FinishJob(job, JobResult.Timeout, recursive: true, alreadyDone: false);
            RunEmergencyAction(unit.Definition.JobTimeoutAction, $"job {unit.Id}/{job.Type.ToSystemdString()} timed out");
        });
    }

    private void AddToRunQueue(Job job)
    {
        if (job.InRunQueue || !job.Installed)
            return;
        job.InRunQueue = true;
        _runQueue.Enqueue(job, job);
    }

    private bool DispatchRunQueue()
    {
        if (_runQueue.Count == 0)
            return false;
        while (_runQueue.TryDequeue(out var job, out _))
        {
            job.InRunQueue = false;
            RunJob(job);
        }
        return true;
    }

    /// <summary>A job may run when no unit ordered before it has a job that must go first (job_is_runnable).</summary>
    private static bool IsRunnable(Job job)
    {
        if (!job.Installed)
            return false;
        if (job.IgnoreOrder || job.Type == JobType.Nop)
            return true;
        static bool Blocks(Unit other, (Job Job, UnitDependencyAtom Order) s) =>
            other.Job is Job o && JobTypes.Compare(s.Job.Type, s.Job.IgnoreOrder, o.Type, o.IgnoreOrder, s.Order) > 0;
        return !job.Unit.AnyDependency(UnitDependencyAtom.After, (job, UnitDependencyAtom.After), Blocks)
            && !job.Unit.AnyDependency(UnitDependencyAtom.Before, (job, UnitDependencyAtom.Before), Blocks);
    }

    private enum Performed
    {
        InProgress,
        AlreadyDone,
        Again,
        ConditionFailed,
        AssertFailed,
        Skipped,
        Invalid,
        Unsupported,
        Dependency,
        Once,
        Failed,
    }

    /// <summary>Runs a waiting job whose ordering allows it (job_run_and_invalidate).</summary>
    private void RunJob(Job job)
    {
        if (job.State != JobState.Waiting || !IsRunnable(job))
            return;
        var unit = job.Unit;
        job.State = JobState.Running;
        job.BeginRunningTimestamp = Now();
        QueueDbus(job);
        if (unit.Definition.JobRunningTimeoutUSec is ulong running)
            StartJobTimer(job, running);
        var performed = job.Type switch
        {
            JobType.Start => StartUnit(unit),
            JobType.VerifyActive => unit.ActiveState.IsActiveOrReloading() ? Performed.AlreadyDone
                : unit.ActiveState == ActiveState.Activating ? Performed.Again : Performed.Skipped,
            JobType.Stop or JobType.Restart => StopUnit(unit),
            JobType.Reload => ReloadUnit(unit),
            _ => Performed.AlreadyDone,
        };
        // The unit may have finished the job already while performing (targets complete at once): then, as in
        // systemd's job_perform_on_unit, there is no "Starting X..." (it is logged after the type acted, so that it
        // carries the activation's new invocation ID).
        if (!job.Installed)
            return;
        if (performed == Performed.InProgress)
            LogJobStart(job);
        // A type without start or stop simply waits for its state to change by itself.
        if (job.Type is JobType.Start or JobType.Stop or JobType.Restart && performed == Performed.Skipped)
            performed = Performed.InProgress;
        switch (performed)
        {
            case Performed.InProgress:
                break;
            case Performed.Again:
                job.State = JobState.Waiting;
                QueueDbus(job);
                break;
            case Performed.AlreadyDone:
                FinishJob(job, JobResult.Done, recursive: true, alreadyDone: true);
                break;
            case Performed.ConditionFailed:
                FinishJob(job, JobResult.Done, recursive: true, alreadyDone: false);
                break;
            default:
                FinishJob(job, performed switch
                {
                    Performed.AssertFailed => JobResult.Assert,
                    Performed.Skipped => JobResult.Skipped,
                    Performed.Invalid => JobResult.Invalid,
                    Performed.Unsupported => JobResult.Unsupported,
                    Performed.Dependency => JobResult.Dependency,
                    Performed.Once => JobResult.Once,
                    _ => JobResult.Failed,
                }, recursive: true, alreadyDone: false);
                break;
        }
    }

    private static Performed FromKind(UnitOperationResult r) => r switch
    {
        UnitOperationResult.InProgress => Performed.InProgress,
        UnitOperationResult.AlreadyDone => Performed.AlreadyDone,
        UnitOperationResult.Again => Performed.Again,
        UnitOperationResult.NotApplicable => Performed.Skipped,
        UnitOperationResult.Invalid => Performed.Invalid,
        UnitOperationResult.Unsupported => Performed.Unsupported,
        UnitOperationResult.DependencyFailed => Performed.Dependency,
        UnitOperationResult.Once => Performed.Once,
        _ => Performed.Failed,
    };

    /// <summary>unit_start(): state checks, then Condition*= and Assert*= (results kept), then the type's Start.</summary>
    private Performed StartUnit(Unit unit)
    {
        var state = unit.ActiveState;
        if (state.IsActiveOrReloading())
            return Performed.AlreadyDone;
        if (state == ActiveState.Maintenance)
            return Performed.Again;
        if (unit.LoadState != LoadState.Loaded)
            return Performed.Failed;
        if (state != ActiveState.Activating)
        {
            bool conditions = ConditionLogic.Evaluate(unit.Definition.Conditions, _options.Conditions);
            unit.RecordCondition(conditions, Clock);
            QueueDbus(unit);
            if (!conditions)
            {
                LogDebug(unit, "Starting requested but condition failed. Not starting unit.");
                return Performed.ConditionFailed;
            }
            bool asserts = ConditionLogic.Evaluate(unit.Definition.Asserts, _options.Conditions);
            unit.RecordAssert(asserts, Clock);
            if (!asserts)
            {
                LogUnit(LogPriority.Error, unit, "Starting requested but asserts failed.");
                return Performed.AssertFailed;
            }
        }
        return FromKind(unit.Kind.Start());
    }

    private Performed StopUnit(Unit unit)
    {
        if (unit.ActiveState.IsInactiveOrFailed())
            return Performed.AlreadyDone;
        return FromKind(unit.Kind.Stop());
    }

    private Performed ReloadUnit(Unit unit)
    {
        var state = unit.ActiveState;
        if (state == ActiveState.Reloading)
            return Performed.Again;
        if (state != ActiveState.Active)
        {
            LogUnit(LogPriority.Warning, unit, "Unit cannot be reloaded because it is inactive.");
            return Performed.Invalid;
        }
        if (!unit.Kind.CanReload)
            return Performed.Skipped;
        return FromKind(unit.Kind.Reload());
    }

    private void LogJobStart(Job job)
    {
        string? format = job.Type switch
        {
            JobType.Start => "Starting {0}...",
            JobType.Stop => "Stopping {0}...",
            JobType.Restart => "Stopping {0}...",
            JobType.Reload => "Reloading {0}...",
            _ => null,
        };
        if (format is not null)
            Log.Write(LogPriority.Info, job.Unit.Id, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, job.Unit.Description));
    }

    private void LogJobDone(Unit unit, JobType type, JobResult result)
    {
        string? format = type == JobType.Start && result == JobResult.Done && unit.ConditionResult is { Result: false }
            ? "Condition check resulted in {0} being skipped."
            : unit.Kind.FinishedJobFormat(type, result) ?? GenericFinishedJobFormat(type, result);
        if (format is null)
            return;
        var priority = result == JobResult.Done ? LogPriority.Info : LogPriority.Error;
        Log.Write(priority, unit.Id, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, unit.Description));
    }

    /// <summary>job_done_message_format's generic wording, for types without their own.</summary>
    private static string? GenericFinishedJobFormat(JobType type, JobResult result) =>
        (type, result) switch
        {
            (JobType.Start, JobResult.Done) => "Started {0}.",
            (JobType.Start, JobResult.Failed) => "Failed to start {0}.",
            (JobType.Start, JobResult.Dependency) => "Dependency failed for {0}.",
            (JobType.Start, JobResult.Timeout) => "Timed out starting {0}.",
            (JobType.Start, JobResult.Assert) => "Assertion failed for {0}.",
            (JobType.Start, JobResult.Unsupported) => "Starting of {0} unsupported.",
            (JobType.Start, JobResult.Once) => "Unit {0} has been started before and cannot be started again.",
            (JobType.Stop or JobType.Restart, JobResult.Done) => "Stopped {0}.",
            (JobType.Stop or JobType.Restart, JobResult.Failed) => "Stopped {0} with error.",
            (JobType.Stop or JobType.Restart, JobResult.Timeout) => "Timed out stopping {0}.",
            (JobType.Reload, JobResult.Done) => "Reloaded {0}.",
            (JobType.Reload, JobResult.Failed) => "Reload failed for {0}.",
            (JobType.Reload, JobResult.Timeout) => "Timed out reloading {0}.",
            _ => null,
        };

    /// <summary>
    /// Ends a job with <paramref name="result"/> (job_finish_and_invalidate): a successful restart turns into a
    /// start; otherwise the job is removed and, when <paramref name="recursive"/>, its failure fails the jobs that
    /// need it; then the jobs ordered around it may run.
    /// </summary>
    internal void FinishJob(Job job, JobResult result, bool recursive, bool alreadyDone)
    {
        if (!job.Installed)
            return;
        var unit = job.Unit;
        var type = job.Type;
        if (DebugLogging)
            LogDebug(unit, $"Job {job.Id} {job} finished, result={result.ToSystemdString()}");
        if (!alreadyDone)
            LogJobDone(unit, type, result);

        if (result == JobResult.Done && type == JobType.Restart)
        {
            job.Type = JobType.Start;
            job.State = JobState.Waiting;
            QueueDbus(job);
            AddToRunQueue(job);
        }
        else
        {
            if (result is JobResult.Failed or JobResult.Invalid)
                FailedJobCount++;
            Uninstall(job, result);
            if (result != JobResult.Done && recursive)
            {
                if (type is JobType.Start or JobType.VerifyActive)
                    FailDependencies(unit, UnitDependencyAtom.PropagateStartFailure);
                else if (type == JobType.Stop)
                    FailDependencies(unit, UnitDependencyAtom.PropagateStopFailure);
            }
            // A verify-active merged into a start that succeeded without the unit staying up (a oneshot) must
            // still fail Requisite= dependents.
            if (result == JobResult.Done && recursive && type is JobType.Start or JobType.Reload
                && !unit.ActiveState.IsActiveOrReloading())
                FailDependencies(unit, UnitDependencyAtom.PropagateInactiveStartAsFailure);
            if (result is JobResult.Timeout or JobResult.Dependency)
            {
                LogUnit(LogPriority.Notice, unit, $"Job {unit.Id}/{type.ToSystemdString()} failed with result '{result.ToSystemdString()}'.");
                StartOnFailureOrSuccess(unit, "OnFailure=", UnitDependencyAtom.OnFailure, unit.Definition.OnFailureJobMode);
            }
            QueueTriggerNotify(unit);
        }
        // Jobs ordered around this one may be able to run now.
        foreach (var other in unit.Each(UnitDependencyAtom.After | UnitDependencyAtom.Before))
            if (other.Job is Job waiting)
                AddToRunQueue(waiting);
        CheckFinished();
    }

    private void Uninstall(Job job, JobResult result)
    {
        var unit = job.Unit;
        if (unit.Job == job)
            unit.Job = null;
        if (unit.NopJob == job)
            unit.NopJob = null;
        _jobs.Remove(job.Id);
        job.Finish(result);
        // Clients see the unit's new state before the job's end (systemd flushes the unit's change first).
        QueueDbus(unit);
        QueueNotification(new Notification(NotificationKind.JobRemoved, unit, job, result));
        QueueGc(unit);
    }

    private void FailDependencies(Unit unit, UnitDependencyAtom atom)
    {
        foreach (var other in unit.DependenciesWith(atom))
            if (other.Job is Job j && j.Type is JobType.Start or JobType.VerifyActive)
                FinishJob(j, JobResult.Dependency, recursive: true, alreadyDone: false);
    }

    /// <summary>Starts the units of OnFailure=/OnSuccess= (unit_start_on_failure).</summary>
    private void StartOnFailureOrSuccess(Unit unit, string setting, UnitDependencyAtom atom, JobMode mode)
    {
        var targets = unit.DependenciesWith(atom);
        if (targets.Count == 0)
            return;
        LogUnit(LogPriority.Info, unit, $"Triggering {setting} dependencies.");
        foreach (var other in targets)
        {
            try
            {
                AddJob(JobType.Start, other, mode);
            }
            catch (BusErrorException ex)
            {
                LogUnit(LogPriority.Warning, unit, $"Failed to enqueue {setting} job, ignoring: {ex.Message}");
            }
        }
    }
}
