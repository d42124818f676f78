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

    /// <summary>Units that exist for the manager's whole life: never stopped, never isolated away, never collected.</summary>
    public static bool IsPerpetual(string id) => id is RootSlice or InitScope;
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

    public override UnitOperationResult Start() => Switch(true);

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
    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        // The After= towards pulled-in units is added once they are loaded (see the manager's target queue).
        if (defaults && definition.Name != SpecialUnits.ShutdownTarget)
            StandardDependencies.AddShutdownConflict(sink);
    }
}

/// <summary>slice units: nodes of the resource-control tree; each sits in its parent slice.</summary>
public sealed class SliceKind : InstantKind
{
    public override bool UsesSlice => true;

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

/// <summary>Units of a type no kind is registered for: they load but every operation is unsupported.</summary>
internal sealed class UnsupportedKind : UnitKind
{
    public override ActiveState ActiveState => ActiveState.Inactive;

    public override string SubState => "dead";

    public override UnitOperationResult Start() => UnitOperationResult.Unsupported;

    public override UnitOperationResult Stop() => UnitOperationResult.AlreadyDone;
}
