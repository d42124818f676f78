using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Cgroups;
using Units.Execution.Service;

namespace Units.Execution.Slice;

/// <summary>
/// A slice with its cgroup (systemd's slice.c with cgroup.c's realize and prune): the start makes the slice's
/// directory and writes its resource control (MemoryMax=, TasksMax=, CPUWeight=, ...) there, new settings
/// (daemon-reload, set-property) are written at once while it is active, and the stop removes the directory when no
/// unit is left in it. The root slice and a system manager's system.slice are perpetual: their cgroups are the
/// manager's own, never made or removed here.
/// </summary>
public sealed class CgroupSliceKind : SliceKind
{
    private readonly ExecutionRuntime _runtime;
    private UnitProcesses? _cgroup;

    private CgroupSliceKind(ExecutionRuntime runtime) => _runtime = runtime;

    /// <summary>Registers slices over the core's own.</summary>
    public static void Register(UnitKinds kinds, ExecutionRuntime runtime) =>
        kinds.Register(UnitType.Slice, () => new CgroupSliceKind(runtime));

    /// <summary>The slice's cgroup (its usage, its directory); null for the perpetual slices.</summary>
    public UnitProcesses? Cgroup => _cgroup;

    public override void Load(UnitDefinition definition)
    {
        base.Load(definition);
        if (Unit.IsPerpetual)
            return;
        var settings = new ServiceSettings { Resources = definition.TypeSettings as ResourceControlSettings ?? ResourceControlSettings.None };
        if (_cgroup is null)
            _cgroup = _runtime.CreateUnit(Unit.Id, slice: null, settings);
        else
            _cgroup.Reconfigure(settings);
    }

    public override UnitOperationResult Start()
    {
        _cgroup?.Prepare();
        return base.Start();
    }

    public override UnitOperationResult Stop()
    {
        var result = base.Stop();
        _cgroup?.Release();
        return result;
    }
}
