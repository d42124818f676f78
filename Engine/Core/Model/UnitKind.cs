using Units.Core.Jobs;
using Units.Core.Manager;

namespace Units.Core.Model;

/// <summary>
/// The operations table of a unit type (systemd's UnitVTable): one instance per unit, created by the factory
/// registered for its <see cref="UnitType"/> in <see cref="UnitKinds"/>. The core calls these on the manager loop
/// thread only and never switches on the type. A kind reports every change of its
/// <see cref="ActiveState"/> through <see cref="Unit.NotifyStateChanged"/> (systemd's unit_notify) and every other
/// property change through <see cref="Unit.NotifyPropertiesChanged"/>; work that finishes on another thread
/// (a process exits) is posted to the loop with <see cref="IUnitHost.Post"/>.
/// </summary>
public abstract class UnitKind
{
    /// <summary>The unit this behaviour belongs to; set before <see cref="Load"/> is called.</summary>
    public Unit Unit { get; internal set; } = null!;

    /// <summary>The loop's services: clock, timers, posting, logging, adding jobs.</summary>
    protected IUnitHost Host => Unit.Manager;

    public abstract ActiveState ActiveState { get; }

    /// <summary>The type's own state name ("running", "start-pre", "dead"...).</summary>
    public abstract string SubState { get; }

    /// <summary>
    /// Whether units of this type live in a slice (have a cgroup): the core then adds Slice= (or the default slice)
    /// with After= and Requires=.
    /// </summary>
    public virtual bool UsesSlice => false;

    /// <summary>Managed outside the manager's dependency logic (systemd's unit_is_extrinsic: a user manager's mounts):
    /// such a unit lives in the root slice.</summary>
    public virtual bool IsExtrinsic => false;

    /// <summary>(Re)reads the type's settings; called at load and at daemon-reload, never changes the state.</summary>
    public virtual void Load(UnitDefinition definition)
    {
    }

    /// <summary>
    /// Dependencies this type adds implicitly (always) and by default (only when DefaultDependencies=yes, which the
    /// caller checks before calling with <paramref name="defaults"/> true).
    /// </summary>
    public virtual void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
    }

    public abstract UnitOperationResult Start();

    public abstract UnitOperationResult Stop();

    /// <summary>Whether a start can be asked for at all (systemd's unit_can_start, before RefuseManualStart=).</summary>
    public virtual bool CanStart => true;

    /// <summary>Whether a stop can be asked for at all (systemd's unit_can_stop, before RefuseManualStop=).</summary>
    public virtual bool CanStop => true;

    public virtual bool CanReload => false;

    /// <summary>CPUWeight= of the unit's cgroup (100 when unset or the type has none): among runnable jobs, those
    /// of heavier units run first.</summary>
    public virtual ulong CpuWeight => 100;

    /// <summary>Nice= of the unit's processes (0 when unset or the type has none): among runnable jobs of equal
    /// weight, those with the lower value (the higher scheduling priority) run first.</summary>
    public virtual int Nice => 0;

    /// <summary>IgnoreOnIsolate='s default for the type: slices and scopes are left alone by isolate.</summary>
    public virtual bool IgnoresIsolateByDefault => false;

    public virtual UnitOperationResult Reload() => UnitOperationResult.NotApplicable;

    public virtual UnitOperationResult Kill(KillWhom whom, int signal) => UnitOperationResult.NotApplicable;

    /// <summary>reset-failed: forget the last failure; a failed unit becomes inactive (and reports it).</summary>
    public virtual void ResetFailed()
    {
    }

    /// <summary>True while the type still owns something (processes, a cgroup, a mount): the unit is not collected.</summary>
    public virtual bool HoldsResources => false;

    /// <summary>The type's own wording of a finished start, stop or restart job, e.g. "Reached target {0}." ({0} is the
    /// unit as the status messages name it), or null for the common wording (systemd's finished_job and
    /// finished_start_job/finished_stop_job status message formats).</summary>
    public virtual string? FinishedJobFormat(JobType type, JobResult result) => null;

    /// <summary>The CPU time the unit's processes consumed in its current or last activation, in nanoseconds (systemd's
    /// unit_get_cpu_usage); null when the type has none or it is not accounted. Read when the unit becomes inactive
    /// or failed, for "NAME: Consumed 1.234s CPU time.".</summary>
    public virtual ulong? CpuUsageNSec => null;

    /// <summary>True while an automatic restart is pending (Restart=): the unit still counts as needed.</summary>
    public virtual bool WillRestart => false;

    /// <summary>The unit this one follows (devices, swaps): state is taken from it; null for most types.</summary>
    public virtual Unit? Following => null;

    /// <summary>Writes runtime state for a re-execution of the manager.</summary>
    public virtual void Serialize(IDictionary<string, string> state)
    {
    }

    public virtual void Deserialize(IReadOnlyDictionary<string, string> state)
    {
    }

    /// <summary>The unit is being unloaded: release timers and handles.</summary>
    public virtual void Unload()
    {
    }

    /// <summary>
    /// For types that trigger another unit (timers, paths, sockets): <paramref name="triggered"/>, a loaded unit this one
    /// triggers, changed state or lost its job (systemd's trigger_notify). Called once the event's state changes
    /// and job completions are done, with the triggered unit's state at that moment.
    /// </summary>
    public virtual void TriggerNotify(Unit triggered)
    {
    }

    /// <summary>What Clean() can remove (systemd's can_clean); null when the type cannot clean at all.</summary>
    public virtual ExecCleanMask? CleanableResources => null;

    /// <summary>Removes the resources of <paramref name="mask"/> (systemd's clean); the core calls it only for a loaded,
    /// inactive unit without a job.</summary>
    public virtual CleanOutcome Clean(ExecCleanMask mask) => CleanOutcome.NothingToClean;

    /// <summary>The system clock was set (systemd's time_change): what waits for a calendar time computes it anew.</summary>
    public virtual void TimeChange()
    {
    }

    /// <summary>The local time zone changed (systemd's timezone_change).</summary>
    public virtual void TimezoneChange()
    {
    }

    /// <summary>The unit this one triggers (systemd's UNIT_TRIGGER: the first of Triggers=), or null.</summary>
    protected Unit? TriggeredUnit => Unit.DependenciesOf(UnitDependency.Triggers).FirstOrDefault();

    /// <summary>A stop job is queued or running for the unit (systemd's unit_stop_pending): triggers hold back.</summary>
    protected bool StopPending => Unit.Job?.Type == JobType.Stop;

    /// <summary>unit_test_trigger_loaded(): a unit that triggers another refuses to start (saying why) unless the
    /// triggered unit is loaded.</summary>
    protected bool TestTriggerLoaded()
    {
        var trigger = TriggeredUnit;
        if (trigger is null)
            Host.Log.Write(LogPriority.Error, Unit.Id, "Refusing to start, no unit to trigger.");
        else if (trigger.LoadState != LoadState.Loaded)
            Host.Log.Write(LogPriority.Error, Unit.Id, $"Refusing to start, unit {trigger.Id} to trigger not loaded.");
        return trigger is { LoadState: LoadState.Loaded };
    }

    /// <summary>unit_log_result(): how the unit ended, as systemd words it ("Deactivated successfully." or
    /// "Failed with result 'resources'.").</summary>
    protected void LogResult(bool success, string result)
    {
        if (success)
            Host.Log.Write(LogPriority.Info, Unit.Id, "Deactivated successfully.");
        else
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"Failed with result '{result}'.");
    }
}

/// <summary>Collects dependencies a unit type adds (implicit or default) for one unit.</summary>
public sealed class DependencySink
{
    private readonly List<DeclaredDependency> _list = [];

    public ManagerScope Scope { get; }

    internal DependencySink(ManagerScope scope) => Scope = scope;

    public void Add(UnitDependency type, string name) => _list.Add(new DeclaredDependency(type, name));

    internal List<DeclaredDependency> Items => _list;
}

/// <summary>Whether the manager is the system instance (PID 1) or a per-user instance.</summary>
public enum ManagerScope
{
    System,
    User,
}

/// <summary>What the manager offers a unit type. All members are for the loop thread except <see cref="Post"/>.</summary>
public interface IUnitHost
{
    IClock Clock { get; }

    ManagerScope Scope { get; }

    ICoreLog Log { get; }

    /// <summary>Calls <paramref name="callback"/> on the loop once the monotonic clock reaches <paramref name="dueUSec"/>.</summary>
    LoopTimer AddTimer(ulong dueUSec, Action callback);

    /// <summary>Thread-safe: runs <paramref name="work"/> on the loop thread as one event.</summary>
    void Post(Action work);

    /// <summary>Enqueues a job as a client would (service Restart=, triggers...); throws <see cref="BusErrorException"/>.</summary>
    Job AddJob(JobType type, Unit unit, JobMode mode);
}

/// <summary>Factories of unit kinds by type. Types without a registered factory load but cannot start.</summary>
public sealed class UnitKinds
{
    private readonly Func<UnitKind>?[] _factories = new Func<UnitKind>?[(int)UnitType.Scope + 1];

    /// <summary>A registry with the kinds the core implements itself: target, slice and scope.</summary>
    public static UnitKinds WithCoreKinds()
    {
        var kinds = new UnitKinds();
        kinds.Register(UnitType.Target, static () => new TargetKind());
        kinds.Register(UnitType.Slice, static () => new SliceKind());
        kinds.Register(UnitType.Scope, static () => new ScopeKind());
        return kinds;
    }

    public void Register(UnitType type, Func<UnitKind> factory) => _factories[(int)type] = factory;

    internal UnitKind Create(UnitType type) => _factories[(int)type]?.Invoke() ?? new UnsupportedKind();
}
