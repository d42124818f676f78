using Units.Core.Jobs;
using Units.Core.Model;
using Units.UnitFiles.Settings.Values;

namespace Units.Core.Manager;

public sealed partial class UnitManager
{
    private readonly Queue<Unit> _stopWhenUnneededQueue = new();
    private readonly Queue<Unit> _startWhenUpheldQueue = new();
    private readonly Queue<Unit> _stopWhenBoundQueue = new();
    private readonly Queue<Unit> _triggerQueue = new();

    /// <summary>
    /// A unit's ActiveState changed (systemd's unit_notify): record timestamps, complete or fail its job, start or
    /// stop dependencies when the change was not requested by a job, trigger OnFailure=/OnSuccess= and
    /// SuccessAction=/FailureAction=, and queue the follow-up checks (unneeded, bound, upheld, collectable).
    /// </summary>
    internal void OnUnitStateChanged(Unit unit, ActiveState oldState, ActiveState newState, UnitNotifyFlags flags)
    {
        if (oldState != newState)
            unit.RecordTimestamps(oldState, newState, Clock);

        if (!_reloading)
        {
            bool unexpected = unit.Job is not Job job || ProcessJob(job, newState, flags);
            if (unexpected)
            {
                if (oldState.IsInactiveOrFailed() && newState.IsActiveOrActivating())
                    RetroactivelyStartDependencies(unit);
                else if (oldState.IsActiveOrActivating() && newState.IsInactiveOrDeactivating())
                    RetroactivelyStopDependencies(unit);
            }
            if (oldState != newState && newState == ActiveState.Failed)
                StartOnFailureOrSuccess(unit, "OnFailure=", UnitDependencyAtom.OnFailure, unit.Definition.OnFailureJobMode);
            if (newState == ActiveState.Inactive
                && oldState is not (ActiveState.Failed or ActiveState.Inactive or ActiveState.Maintenance))
                StartOnFailureOrSuccess(unit, "OnSuccess=", UnitDependencyAtom.OnSuccess, unit.Definition.OnSuccessJobMode);
            if (oldState != ActiveState.Failed && newState == ActiveState.Failed)
                RunEmergencyAction(unit.Definition.FailureAction, $"unit {unit.Id} failed");
            else if (!oldState.IsInactiveOrFailed() && newState == ActiveState.Inactive)
                RunEmergencyAction(unit.Definition.SuccessAction, $"unit {unit.Id} succeeded");
            if (newState.IsInactiveOrFailed() && !oldState.IsInactiveOrFailed())
                LogResources(unit);
        }

        QueueDbus(unit);
        if (oldState != newState)
        {
            // Units this one pulled in may be unneeded now; units bound to it may have lost it; units it upholds
            // may need a start; and it may itself be collectable.
            foreach (var other in unit.Each(UnitDependencyAtom.AddStopWhenUnneededQueue))
                SubmitStopWhenUnneeded(other);
            foreach (var other in unit.Each(UnitDependencyAtom.AddCannotBeActiveWithoutQueue))
                SubmitStopWhenBound(other);
            foreach (var other in unit.Each(UnitDependencyAtom.AddStartWhenUpheldQueue))
                SubmitStartWhenUpheld(other);
            SubmitStartWhenUpheld(unit);
            QueueGc(unit);
        }
        SubmitStopWhenUnneeded(unit);
        SubmitStopWhenBound(unit);
        QueueTriggerNotify(unit);
    }

    /// <summary>
    /// The units that trigger <paramref name="unit"/> (timers, paths, sockets) are told about its change once the event
    /// settled (systemd's unit_trigger_notify, called from unit_notify and when a job finishes).
    /// </summary>
    internal void QueueTriggerNotify(Unit unit)
    {
        if (unit.InTriggerQueue || !unit.HasAnyDependencyWith(UnitDependencyAtom.TriggeredBy))
            return;
        unit.InTriggerQueue = true;
        _triggerQueue.Enqueue(unit);
    }

    private bool DispatchTriggerQueue()
    {
        if (_triggerQueue.Count == 0)
            return false;
        while (_triggerQueue.TryDequeue(out var unit))
        {
            unit.InTriggerQueue = false;
            if (!IsLoaded(unit) || unit.LoadState != LoadState.Loaded)
                continue;
            foreach (var trigger in unit.DependenciesWith(UnitDependencyAtom.TriggeredBy))
                if (IsLoaded(trigger))
                    trigger.Kind.TriggerNotify(unit);
        }
        return true;
    }

    /// <summary>
    /// systemd 252's unit_log_resources, when a unit has just stopped or failed (after its job's own message):
    /// "NAME: Consumed 1.234s CPU time." (format_timespan to the millisecond), at debug level up to one second of CPU,
    /// info above, notice above ten minutes.
    /// </summary>
    private void LogResources(Unit unit)
    {
        if (unit.Kind.CpuUsageNSec is not ulong nsec)
            return;
        LogPriority level = nsec > 600_000_000_000UL ? LogPriority.Notice : nsec > 1_000_000_000UL ? LogPriority.Info : LogPriority.Debug;
        LogUnit(level, unit, $"Consumed {TimeSpans.Format(nsec / 1000, 1000)} CPU time.");
    }

    /// <summary>Whether the new state completes or contradicts the unit's job (unit_process_job); true when unexpected.</summary>
    private bool ProcessJob(Job job, ActiveState state, UnitNotifyFlags flags)
    {
        bool unexpected = false;
        if (job.State == JobState.Waiting)
            AddToRunQueue(job);
        switch (job.Type)
        {
            case JobType.Start or JobType.VerifyActive:
                if (state.IsActiveOrReloading())
                    FinishJob(job, JobResult.Done, recursive: true, alreadyDone: false);
                else if (job.State == JobState.Running && state != ActiveState.Activating)
                {
                    unexpected = true;
                    if (state.IsInactiveOrFailed())
                        FinishJob(job, state == ActiveState.Failed ? JobResult.Failed : JobResult.Done, recursive: true, alreadyDone: false);
                }
                break;
            case JobType.Reload or JobType.ReloadOrStart or JobType.TryReload:
                if (job.State == JobState.Running)
                {
                    if (state == ActiveState.Active)
                        FinishJob(job, flags.HasFlag(UnitNotifyFlags.ReloadFailure) ? JobResult.Failed : JobResult.Done,
                            recursive: true, alreadyDone: false);
                    else if (state is not (ActiveState.Activating or ActiveState.Reloading))
                    {
                        unexpected = true;
                        if (state.IsInactiveOrFailed())
                            FinishJob(job, state == ActiveState.Failed ? JobResult.Failed : JobResult.Done, recursive: true, alreadyDone: false);
                    }
                }
                break;
            case JobType.Stop or JobType.Restart or JobType.TryRestart:
                if (state.IsInactiveOrFailed())
                    FinishJob(job, JobResult.Done, recursive: true, alreadyDone: false);
                else if (job.State == JobState.Running && state != ActiveState.Deactivating)
                {
                    unexpected = true;
                    FinishJob(job, JobResult.Failed, recursive: true, alreadyDone: false);
                }
                break;
        }
        return unexpected;
    }

    private void AddJobLogged(JobType type, Unit unit, JobMode mode)
    {
        try
        {
            AddJob(type, unit, mode);
        }
        catch (BusErrorException ex)
        {
            LogDebug(unit, $"Failed to enqueue {type.ToSystemdString()} job: {ex.Message}");
        }
    }

    /// <summary>The unit came up without a job asking for it: pull in what it requires and stop what it conflicts with.</summary>
    private void RetroactivelyStartDependencies(Unit unit)
    {
        foreach (var other in unit.DependenciesWith(UnitDependencyAtom.RetroactiveStartReplace))
            if (!unit.HasDependencyWith(UnitDependencyAtom.After, other) && !other.ActiveState.IsActiveOrActivating())
                AddJobLogged(JobType.Start, other, JobMode.Replace);
        foreach (var other in unit.DependenciesWith(UnitDependencyAtom.RetroactiveStartFail))
            if (!unit.HasDependencyWith(UnitDependencyAtom.After, other) && !other.ActiveState.IsActiveOrActivating())
                AddJobLogged(JobType.Start, other, JobMode.Fail);
        foreach (var other in unit.DependenciesWith(UnitDependencyAtom.RetroactiveStopOnStart))
            if (!other.ActiveState.IsInactiveOrDeactivating())
                AddJobLogged(JobType.Stop, other, JobMode.Replace);
    }

    /// <summary>The unit went down without a job asking for it: stop the units bound to it.</summary>
    private void RetroactivelyStopDependencies(Unit unit)
    {
        foreach (var other in unit.DependenciesWith(UnitDependencyAtom.RetroactiveStopOnStop))
            if (!other.ActiveState.IsInactiveOrDeactivating())
                AddJobLogged(JobType.Stop, other, JobMode.Replace);
    }

    private void SubmitStopWhenUnneeded(Unit unit)
    {
        if (unit.InStopWhenUnneededQueue || !unit.Definition.StopWhenUnneeded || !unit.ActiveState.IsActiveOrReloading())
            return;
        unit.InStopWhenUnneededQueue = true;
        _stopWhenUnneededQueue.Enqueue(unit);
    }

    private void SubmitStopWhenBound(Unit unit)
    {
        if (unit.InCannotBeActiveWithoutQueue || !unit.ActiveState.IsActiveOrReloading()
            || !unit.HasAnyDependencyWith(UnitDependencyAtom.CannotBeActiveWithout))
            return;
        unit.InCannotBeActiveWithoutQueue = true;
        _stopWhenBoundQueue.Enqueue(unit);
    }

    private void SubmitStartWhenUpheld(Unit unit)
    {
        if (unit.InStartWhenUpheldQueue || !unit.ActiveState.IsInactiveOrFailed()
            || !unit.HasAnyDependencyWith(UnitDependencyAtom.StartSteadily))
            return;
        unit.InStartWhenUpheldQueue = true;
        _startWhenUpheldQueue.Enqueue(unit);
    }

    /// <summary>StopWhenUnneeded=: active, no job, and nothing that pins it is active, transitioning or restarting.</summary>
    private static bool IsUnneeded(Unit unit)
    {
        if (!unit.Definition.StopWhenUnneeded || unit.ActiveState != ActiveState.Active || unit.Job is not null)
            return false;
        return !unit.AnyDependency(UnitDependencyAtom.PinsStopWhenUnneeded, 0,
            static (other, _) => other.Job is not null || !other.ActiveState.IsInactiveOrFailed() || other.Kind.WillRestart);
    }

    private bool DispatchStopWhenUnneededQueue()
    {
        if (_stopWhenUnneededQueue.Count == 0)
            return false;
        while (_stopWhenUnneededQueue.TryDequeue(out var unit))
        {
            unit.InStopWhenUnneededQueue = false;
            if (!IsLoaded(unit) || !IsUnneeded(unit))
                continue;
            if (!unit.AutoStartStopLimit.Below(Clock.MonotonicUSec))
            {
                LogUnit(LogPriority.Warning, unit, "Unit not needed anymore, but not stopping since we tried this too often recently.");
                continue;
            }
            LogUnit(LogPriority.Info, unit, "Unit not needed anymore. Stopping.");
            try
            {
                AddJob(JobType.Stop, unit, JobMode.Fail);
            }
            catch (BusErrorException ex)
            {
                LogUnit(LogPriority.Warning, unit, $"Failed to enqueue stop job, ignoring: {ex.Message}");
            }
        }
        return true;
    }

    private bool DispatchStopWhenBoundQueue()
    {
        if (_stopWhenBoundQueue.Count == 0)
            return false;
        while (_stopWhenBoundQueue.TryDequeue(out var unit))
        {
            unit.InCannotBeActiveWithoutQueue = false;
            if (!IsLoaded(unit) || !unit.ActiveState.IsActiveOrReloading() || unit.Job is not null)
                continue;
            Unit? culprit = unit.DependenciesWith(UnitDependencyAtom.CannotBeActiveWithout)
                .Find(static o => o.Job is null && o.ActiveState.IsInactiveOrFailed());
            if (culprit is null)
                continue;
            if (!unit.AutoStartStopLimit.Below(Clock.MonotonicUSec))
            {
                LogUnit(LogPriority.Warning, unit, $"Unit needs to be stopped because it is bound to inactive unit {culprit.Id} it, but not doing so since we tried this too often recently.");
                continue;
            }
            LogUnit(LogPriority.Info, unit, $"Unit is bound to inactive unit {culprit.Id}. Stopping, too.");
            try
            {
                AddJob(JobType.Stop, unit, JobMode.Replace);
            }
            catch (BusErrorException ex)
            {
                LogUnit(LogPriority.Warning, unit, $"Failed to enqueue stop job, ignoring: {ex.Message}");
            }
        }
        return true;
    }

    private bool DispatchStartWhenUpheldQueue()
    {
        if (_startWhenUpheldQueue.Count == 0)
            return false;
        while (_startWhenUpheldQueue.TryDequeue(out var unit))
        {
            unit.InStartWhenUpheldQueue = false;
            if (!IsLoaded(unit) || !unit.ActiveState.IsInactiveOrFailed() || unit.Job is not null)
                continue;
            Unit? culprit = unit.DependenciesWith(UnitDependencyAtom.StartSteadily)
                .Find(static o => o.Job is null && o.ActiveState.IsActiveOrReloading());
            if (culprit is null)
                continue;
            if (!unit.AutoStartStopLimit.Below(Clock.MonotonicUSec))
            {
                LogUnit(LogPriority.Warning, unit, $"Unit needs to be started because active unit {culprit.Id} upholds it, but not doing so since we tried this too often recently.");
                continue;
            }
            LogUnit(LogPriority.Info, unit, $"Unit is started because upheld by active unit {culprit.Id}.");
            try
            {
                AddJob(JobType.Start, unit, JobMode.Fail);
            }
            catch (BusErrorException ex)
            {
                LogUnit(LogPriority.Warning, unit, $"Failed to enqueue start job, ignoring: {ex.Message}");
            }
        }
        return true;
    }

    private bool IsLoaded(Unit unit) => ReferenceEquals(_units.GetValueOrDefault(unit.Id), unit);

    /// <summary>ResetFailed()/ResetFailedUnit(): the failed units (or one unit) forget their failure.</summary>
    public void ResetFailed(string? name = null)
    {
        if (name is not null)
        {
            var unit = GetUnit(name) ?? throw new BusErrorException(BusErrors.NoSuchUnit, $"Unit {name} not loaded.");
            unit.ResetStartLimit();
            unit.Kind.ResetFailed();
        }
        else
            foreach (var unit in Units.ToList())
            {
                unit.ResetStartLimit();
                unit.Kind.ResetFailed();
            }
        Settle();
    }
}
