using Units.Core.Jobs;

namespace Units.Core.Model;

/// <summary>Names of systemd.special(7) units the core refers to.</summary>
public static class SpecialUnits
{
    public const string DefaultTarget = "default.target";
    public const string SysinitTarget = "sysinit.target";
    public const string BasicTarget = "basic.target";
    public const string ShutdownTarget = "shutdown.target";
    public const string ExitTarget = "exit.target";
    public const string PoweroffTarget = "poweroff.target";
    public const string RebootTarget = "reboot.target";
    public const string HaltTarget = "halt.target";
    public const string RootSlice = "-.slice";
    public const string SystemSlice = "system.slice";
    public const string AppSlice = "app.slice";
    public const string InitScope = "init.scope";
    public const string DbusSocket = "dbus.socket";

    /// <summary>What systemd synthesises for a perpetual unit when no file says otherwise.</summary>
    private sealed record PerpetualUnit(string Name, string Description, string Documentation, bool Transient);

    private static readonly PerpetualUnit[] s_userPerpetual =
    [
        new(RootSlice, "Root Slice", "man:systemd.special(7)", Transient: false),
        new(InitScope, "System and Service Manager", "man:systemd(1)", Transient: true),
    ];

    private static readonly PerpetualUnit[] s_systemPerpetual =
    [
        s_userPerpetual[0],
        new(SystemSlice, "System Slice", "man:systemd.special(7)", Transient: false),
        s_userPerpetual[1],
    ];

    private static readonly string[] s_userPerpetualNames = [.. s_userPerpetual.Select(static u => u.Name)];
    private static readonly string[] s_systemPerpetualNames = [.. s_systemPerpetual.Select(static u => u.Name)];

    /// <summary>The units that exist for the manager's whole life (never stopped, isolated away or collected), in
    /// the order they are created at start-up: the root slice, the system slice of a system instance, and the
    /// manager's own scope.</summary>
    public static IReadOnlyList<string> PerpetualNames(ManagerScope scope) =>
        scope == ManagerScope.System ? s_systemPerpetualNames : s_userPerpetualNames;

    /// <summary>
    /// systemd synthesises the perpetual units rather than relying on unit files (slice_load_root_slice,
    /// slice_load_system_slice, scope_load_init_scope): they have no default dependencies, and a description and
    /// documentation of their own unless a file gives them. Returns <paramref name="definition"/> unchanged for
    /// every other unit.
    /// </summary>
    public static UnitDefinition Synthesize(UnitDefinition definition, ManagerScope scope)
    {
        PerpetualUnit? perpetual = Array.Find(scope == ManagerScope.System ? s_systemPerpetual : s_userPerpetual,
            u => u.Name == definition.Name);
        if (perpetual is null || definition.LoadState != LoadState.Loaded)
            return definition;
        return definition with
        {
            Perpetual = true,
            Transient = definition.Transient || perpetual.Transient,
            DefaultDependencies = false,
            Description = definition.Description.Length > 0 ? definition.Description : perpetual.Description,
            Documentation = definition.Documentation.Count > 0 ? definition.Documentation : [perpetual.Documentation],
        };
    }
}

/// <summary>
/// Default dependencies shared by unit types (systemd 252): what DefaultDependencies=yes adds to a service, and the
/// shutdown ordering every type that stops at shutdown gets.
/// </summary>
public static class StandardDependencies
{
    /// <summary>service_add_default_dependencies(): early boot required, basic system ordered, stopped at shutdown.</summary>
    public static void AddServiceDefaults(DependencySink sink)
    {
        if (sink.Scope == ManagerScope.System)
        {
            sink.Add(UnitDependency.After, SpecialUnits.SysinitTarget);
            sink.Add(UnitDependency.Requires, SpecialUnits.SysinitTarget);
        }
        else
        {
            // The user instance has no sysinit.target: require basic.target instead.
            sink.Add(UnitDependency.Requires, SpecialUnits.BasicTarget);
        }
        sink.Add(UnitDependency.After, SpecialUnits.BasicTarget);
        AddShutdownConflict(sink);
    }

    /// <summary>DefaultDependencies=yes of sockets, timers and paths: ordered before the target that collects them
    /// (sockets.target, timers.target, paths.target); in a system manager after and requiring sysinit.target; stopped
    /// at shutdown.</summary>
    public static void AddTriggerDefaults(DependencySink sink, string target)
    {
        sink.Add(UnitDependency.Before, target);
        if (sink.Scope == ManagerScope.System)
        {
            sink.Add(UnitDependency.After, SpecialUnits.SysinitTarget);
            sink.Add(UnitDependency.Requires, SpecialUnits.SysinitTarget);
        }
        AddShutdownConflict(sink);
    }

    /// <summary>Before= and Conflicts= shutdown.target, so the unit is stopped on shutdown.</summary>
    public static void AddShutdownConflict(DependencySink sink)
    {
        sink.Add(UnitDependency.Before, SpecialUnits.ShutdownTarget);
        sink.Add(UnitDependency.Conflicts, SpecialUnits.ShutdownTarget);
    }
}

/// <summary>A kind whose state is a simple dead/active switch that completes at once (targets, slices).</summary>
public abstract class InstantKind : UnitKind
{
    private bool _active;

    public override ActiveState ActiveState => _active ? ActiveState.Active : ActiveState.Inactive;

    public override string SubState => _active ? "active" : "dead";

    public override UnitOperationResult Start()
    {
        // Perpetual units (-.slice) are made active at start-up, not started: they have no invocation ID.
        if (!_active && !Unit.IsPerpetual)
            Unit.AcquireInvocationId();
        return Switch(true);
    }

    public override UnitOperationResult Stop() => Switch(false);

    private UnitOperationResult Switch(bool active)
    {
        var old = ActiveState;
        _active = active;
        if (old != ActiveState)
            Unit.NotifyStateChanged(old, ActiveState);
        return UnitOperationResult.InProgress;
    }

    public override void Serialize(IDictionary<string, string> state) => state["state"] = SubState;

    public override void Deserialize(IReadOnlyDictionary<string, string> state) =>
        _active = state.TryGetValue("state", out var s) && s == "active";
}

/// <summary>target units: synchronisation points that only group and order other units.</summary>
public sealed class TargetKind : InstantKind
{
    public override string? FinishedJobFormat(JobType type, JobResult result) => (type, result) switch
    {
        (JobType.Start, JobResult.Done) => "Reached target {0}.",
        (JobType.Stop or JobType.Restart, JobResult.Done) => "Stopped target {0}.",
        _ => null,
    };

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        // The After= towards pulled-in units is added once they are loaded (see the manager's target queue).
        if (defaults && definition.Name != SpecialUnits.ShutdownTarget)
            StandardDependencies.AddShutdownConflict(sink);
    }
}

/// <summary>slice units: nodes of the resource-control tree; each sits in its parent slice. A manager with cgroups
/// registers Execution's slice kind over this one, which gives the slice its cgroup and resource control.</summary>
public class SliceKind : InstantKind
{
    public override bool UsesSlice => true;

    public override bool IgnoresIsolateByDefault => true;

    public override string? FinishedJobFormat(JobType type, JobResult result) => (type, result) switch
    {
        (JobType.Start, JobResult.Done) => "Created slice {0}.",
        (JobType.Stop or JobType.Restart, JobResult.Done) => "Removed slice {0}.",
        _ => null,
    };

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        if (defaults)
            StandardDependencies.AddShutdownConflict(sink);
    }

    /// <summary>The parent of a slice by name: "a-b.slice" sits in "a.slice", top-level slices in "-.slice".</summary>
    public static string? ParentOf(string sliceName)
    {
        if (sliceName == SpecialUnits.RootSlice)
            return null;
        string stem = sliceName[..^".slice".Length];
        int dash = stem.LastIndexOf('-');
        return dash <= 0 ? SpecialUnits.RootSlice : stem[..dash] + ".slice";
    }
}

/// <summary>
/// scope units: processes the manager did not start itself, grouped in a cgroup. The one the core runs is init.scope,
/// the manager's own, which is running from start-up for as long as the manager lives. A manager that has processes
/// registers Execution's ScopeKind over this one, for the scopes clients make (StartTransientUnit with PIDs).
/// </summary>
public sealed class ScopeKind : UnitKind
{
    private bool _running;

    public override ActiveState ActiveState => _running ? ActiveState.Active : ActiveState.Inactive;

    public override string SubState => _running ? "running" : "dead";

    public override bool UsesSlice => true;

    public override bool IgnoresIsolateByDefault => true;

    /// <summary>A scope is started once, by whoever creates it (systemd's once_only).</summary>
    public override bool CanStart => !_running && Unit.InactiveExitTimestamp.MonotonicUSec == 0;

    public override UnitOperationResult Start()
    {
        if (!Unit.IsPerpetual)
            return UnitOperationResult.Unsupported;
        _running = true;
        Unit.NotifyStateChanged(ActiveState.Inactive, ActiveState.Active);
        return UnitOperationResult.InProgress;
    }

    /// <summary>Only the perpetual init.scope runs, and perpetual units are never stopped.</summary>
    public override UnitOperationResult Stop() => UnitOperationResult.AlreadyDone;

    public override void Serialize(IDictionary<string, string> state) => state["state"] = SubState;

    public override void Deserialize(IReadOnlyDictionary<string, string> state) =>
        _running = state.TryGetValue("state", out var s) && s == "running";
}

/// <summary>Units of a type no kind is registered for: they load but every operation is unsupported.</summary>
internal sealed class UnsupportedKind : UnitKind
{
    public override bool CanStart => false;

    public override bool CanStop => false;

    public override ActiveState ActiveState => ActiveState.Inactive;

    public override string SubState => "dead";

    public override UnitOperationResult Start() => UnitOperationResult.Unsupported;

    public override UnitOperationResult Stop() => UnitOperationResult.AlreadyDone;
}
