using Units.Core.Jobs;
using Units.Core.Model;

namespace Units.Core.Manager;

/// <summary>
/// What the manager tells its clients (the D-Bus API turns these into UnitNew, JobRemoved, PropertiesChanged...).
/// Called on the loop thread, in order, after the change; property changes are coalesced per unit and job.
/// </summary>
public interface IManagerObserver
{
    void UnitNew(Unit unit)
    {
    }

    void UnitRemoved(Unit unit)
    {
    }

    /// <summary>Some property of the unit changed (state, job, timestamps, condition results...).</summary>
    void UnitChanged(Unit unit)
    {
    }

    void JobNew(Job job)
    {
    }

    /// <summary>Some property of the job changed (its state or type).</summary>
    void JobChanged(Job job)
    {
    }

    void JobRemoved(Job job, JobResult result)
    {
    }

    /// <summary>daemon-reload began (true) or ended (false).</summary>
    void Reloading(bool active)
    {
    }

    /// <summary>The start-up transaction finished (no job left since start-up).</summary>
    void StartupFinished(ulong durationUSec)
    {
    }

    /// <summary>The manager was asked to exit, reboot, power off...</summary>
    void ObjectiveChanged(ManagerObjective objective)
    {
    }
}

/// <summary>What the manager is heading for (systemd's ManagerObjective).</summary>
public enum ManagerObjective
{
    Ok,
    Exit,
    Reload,
    Reexecute,
    Reboot,
    SoftReboot,
    Poweroff,
    Halt,
    Kexec,
}

/// <summary>How a manager is put together: scope, where definitions come from, seams for time, logs and facts.</summary>
public sealed class ManagerOptions
{
    public ManagerScope Scope { get; init; } = ManagerScope.User;
    public required IUnitLoader Loader { get; init; }
    public UnitKinds Kinds { get; init; } = UnitKinds.WithCoreKinds();
    public IClock Clock { get; init; } = SystemClock.Instance;
    public ICoreLog Log { get; init; } = new MemoryLog();
    public IConditionEvaluator Conditions { get; init; } = new NoConditionFacts();
    /// <summary>The unit started at start-up (default.target, usually an alias of multi-user.target or graphical.target).</summary>
    public string DefaultTarget { get; init; } = SpecialUnits.DefaultTarget;
    /// <summary>Log debug messages (transaction details); off by default since they cost time on large transactions.</summary>
    public bool Debug { get; init; }
}

/// <summary>An evaluator that knows no facts: every condition counts as an error (failed).</summary>
internal sealed class NoConditionFacts : IConditionEvaluator
{
    public bool? Test(UnitCondition condition) => null;
}
