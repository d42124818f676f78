using Units.Core.Model;

namespace Units.Core.Manager;

public sealed partial class UnitManager
{
    private readonly Queue<Unit> _loadQueue = new();
    private readonly Queue<Unit> _targetDependencyQueue = new();
    private bool _reloading;

    /// <summary>
    /// The unit named <paramref name="name"/>, loading it (and, through the load queue, every unit its dependencies
    /// name) when it is not loaded. A unit without a file is returned with LoadState not-found.
    /// </summary>
    public Unit LoadUnit(string name)
    {
        if (_units.TryGetValue(name, out var existing))
        {
            // A not-found unit kept in the graph (by a dependency, a reference) is loaded again once unit files may
            // have been added (systemd's manager_unit_cache_should_retry_load).
            if (existing.LoadState == LoadState.NotFound && _options.Loader.SearchPathChanged())
            {
                Reread(existing);
                while (DispatchLoadQueue())
                {
                }
            }
            return existing;
        }
        if (!IsValidUnitName(name))
            throw new BusErrorException(BusErrors.InvalidArgs, $"Unit name {name} is not valid.");
        var unit = GetOrAddStub(name);
        // Only loading happens here: the unit stays until the loop next collects, so the caller can queue a job
        // for it or pin it first (as systemd's LoadUnit()).
        while (DispatchLoadQueue())
        {
        }
        return _units.GetValueOrDefault(name) ?? unit;
    }

    public static bool IsValidUnitName(string name)
    {
        if (name.Length is 0 or > 255 || StateNames.TypeOfName(name) is null)
            return false;
        int dot = name.LastIndexOf('.');
        if (dot == 0)
            return false;
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.' or '\\' or '@'))
                return false;
        return true;
    }

    private Unit GetOrAddStub(string name)
    {
        if (_units.TryGetValue(name, out var unit))
            return unit;
        unit = new Unit(this, name);
        _units[name] = unit;
        _loadQueue.Enqueue(unit);
        return unit;
    }

    private bool DispatchLoadQueue()
    {
        if (_loadQueue.Count == 0)
            return false;
        while (_loadQueue.TryDequeue(out var unit))
            LoadOne(unit);
        while (_targetDependencyQueue.TryDequeue(out var unit))
            AddDefaultTargetDependencies(unit);
        return true;
    }

    private void LoadOne(Unit unit)
    {
        if (unit.LoadState != LoadState.Stub || !ReferenceEquals(_units.GetValueOrDefault(unit.Id), unit))
            return;
        var definition = ReadDefinition(unit.Id);
        if (definition.Name != unit.Id && IsValidUnitName(definition.Name))
        {
            MergeAlias(unit, definition);
            return;
        }
        unit.SetDefinition(definition, _options.Kinds);
        foreach (var alias in definition.Aliases)
            _units.TryAdd(alias, unit);
        if (definition.LoadState == LoadState.Loaded)
            ApplyConfiguredDependencies(unit);
        QueueNotification(new Notification(NotificationKind.UnitNew, unit));
        QueueDbus(unit);
        QueueGc(unit);
    }

    private UnitDefinition ReadDefinition(string name)
    {
        UnitDefinition? definition;
        try
        {
            definition = _options.Loader.Load(name);
        }
        catch (Exception ex)
        {
            Log.Write(LogPriority.Error, name, $"{name}: Failed to load configuration: {ex.Message}");
            return new UnitDefinition
            {
                Name = name,
                LoadState = LoadState.Error,
                LoadError = ex.Message,
                LoadErrorName = BusErrors.LoadFailed,
            };
        }
        if (definition is null || definition.LoadState == LoadState.NotFound)
        {
            // Slices need no file (system-getty.slice exists because getty@.service instances sit in it), nor do the
            // perpetual units, which are synthesised below.
            bool slice = StateNames.TypeOfName(name) == UnitType.Slice;
            if (!slice && !SpecialUnits.PerpetualNames(Scope).Contains(name))
                return definition ?? UnitDefinition.NotFound(name);
            definition = new UnitDefinition { Name = name };
        }
        definition = SpecialUnits.Synthesize(definition, Scope);
        // A slice without Description= is named after its path, as systemd's slice_load names it.
        if (definition.Type == UnitType.Slice && definition.LoadState == LoadState.Loaded && definition.Description.Length == 0)
            definition = definition with { Description = "Slice /" + SlicePath(name) };
        // Scopes are made at runtime, never read from files: systemd refuses to load a scope that is not transient.
        if (definition.Type == UnitType.Scope && !definition.Transient && definition.LoadState == LoadState.Loaded)
            return UnitDefinition.NotFound(name);
        return definition;
    }

    /// <summary>"system-getty.slice" is the slice /system/getty (escapes are kept as written).</summary>
    private static string SlicePath(string sliceName)
    {
        var parts = new List<string>();
        for (string? s = sliceName; s is not null && s != SpecialUnits.RootSlice; s = SliceKind.ParentOf(s))
        {
            string stem = s[..^".slice".Length];
            parts.Insert(0, stem[(stem.LastIndexOf('-') + 1)..]);
        }
        return string.Join('/', parts);
    }

    /// <summary>The file loaded for <paramref name="stub"/> belongs to another name: the stub becomes its alias.</summary>
    private void MergeAlias(Unit stub, UnitDefinition definition)
    {
        var target = GetOrAddStub(definition.Name);
        if (target.LoadState == LoadState.Stub)
            LoadOne(target);
        target.TakeDependenciesOf(stub);
        _units[stub.Id] = target;
    }

    /// <summary>
    /// Adds what the unit's configuration implies: declared dependencies, the type's implicit and default
    /// dependencies, and its slice. Every configured dependency also records a reference, which keeps the
    /// referenced unit loaded while the referring one is.
    /// </summary>
    private void ApplyConfiguredDependencies(Unit unit)
    {
        var definition = unit.Definition;
        foreach (var (type, name) in definition.Dependencies)
            AddConfiguredDependency(unit, type, name);

        var sink = new DependencySink(Scope);
        unit.Kind.AddDependencies(definition, defaults: false, sink);
        if (definition.DefaultDependencies)
            unit.Kind.AddDependencies(definition, defaults: true, sink);
        if (unit.Kind.UsesSlice && unit.SliceName is string slice)
        {
            sink.Add(UnitDependency.InSlice, slice);
            sink.Add(UnitDependency.After, slice);
            sink.Add(UnitDependency.Requires, slice);
        }
        foreach (var (type, name) in sink.Items)
            AddConfiguredDependency(unit, type, name);
        _targetDependencyQueue.Enqueue(unit);
    }

    private void AddConfiguredDependency(Unit unit, UnitDependency type, string name)
    {
        if (!IsValidUnitName(name))
        {
            LogUnit(LogPriority.Warning, unit, $"Failed to add dependency on {name}, ignoring: Invalid argument");
            return;
        }
        var other = GetOrAddStub(name);
        unit.AddDependency(type, other);
        unit.AddDependency(UnitDependency.References, other);
    }

    /// <summary>
    /// Targets are ordered after the units they pull in (systemd's target default dependencies), once both sides
    /// are loaded, unless either side has DefaultDependencies=no or the reverse ordering is configured.
    /// </summary>
    private void AddDefaultTargetDependencies(Unit unit)
    {
        if (unit.LoadState != LoadState.Loaded)
            return;
        foreach (var target in unit.DependenciesWith(Model.UnitDependencyAtom.DefaultTargetDependencies))
            AddDefaultTargetDependency(unit, target);
        if (unit.Type == UnitType.Target)
            foreach (var other in unit.DependenciesWith(Model.UnitDependencyAtom.AddDefaultTargetDependencyQueue))
                AddDefaultTargetDependency(other, unit);
    }

    private static void AddDefaultTargetDependency(Unit unit, Unit target)
    {
        if (target.Type != UnitType.Target || unit.LoadState != LoadState.Loaded || target.LoadState != LoadState.Loaded)
            return;
        if (!unit.Definition.DefaultDependencies || !target.Definition.DefaultDependencies)
            return;
        if (target.HasDependencyWith(Model.UnitDependencyAtom.Before, unit))
            return;
        target.AddDependency(UnitDependency.After, unit);
    }

    /// <summary>Validation systemd applies before queuing a job for a unit (bus_unit_validate_load_state).</summary>
    public static Transactions.BusError? ValidateLoadState(Unit unit) => unit.LoadState switch
    {
        LoadState.Loaded => null,
        LoadState.NotFound => new(BusErrors.NoSuchUnit, $"Unit {unit.Id} not found."),
        LoadState.BadSetting => new(BusErrors.BadUnitSetting, $"Unit {unit.Id} has a bad unit file setting."),
        LoadState.Error => new(unit.Definition.LoadErrorName ?? BusErrors.LoadFailed,
            $"Unit {unit.Id} failed to load properly, please adjust/correct and reload service manager: {unit.Definition.LoadError}"),
        LoadState.Masked => new(BusErrors.UnitMasked, $"Unit {unit.Id} is masked."),
        _ => new(BusErrors.LoadFailed, $"Unexpected load state of unit {unit.Id}"),
    };

    /// <summary>
    /// daemon-reload: every unit reads its configuration again and its configured dependencies are replaced. Unit
    /// state, jobs and client references are untouched; the start limits start counting anew, as systemd's units,
    /// made again from what it serialized (which has no rate limits), do.
    /// </summary>
    public void DaemonReload()
    {
        Log.Write(LogPriority.Info, null, "Reloading.");
        foreach (var o in _observers)
            o.Reloading(true);
        _reloading = true;
        try
        {
            foreach (var unit in Units.ToList())
            {
                unit.ResetRateLimits();
                Reread(unit);
            }
            while (_loadQueue.TryDequeue(out var unit))
                LoadOne(unit);
            while (_targetDependencyQueue.TryDequeue(out var unit))
                AddDefaultTargetDependencies(unit);
        }
        finally
        {
            _reloading = false;
        }
        foreach (var unit in Units)
            QueueGc(unit);
        foreach (var o in _observers)
            o.Reloading(false);
        Settle();
    }

    /// <summary>
    /// Reads one unit's configuration again, as daemon-reload does for all: after the manager wrote to it
    /// (SetUnitProperties' drop-ins, a transient unit's file). Its state, jobs and references are untouched.
    /// </summary>
    public void RereadUnit(Unit unit)
    {
        if (!ReferenceEquals(_units.GetValueOrDefault(unit.Id), unit))
            throw new InvalidOperationException($"{unit.Id} is not loaded.");
        Reread(unit);
        while (DispatchLoadQueue())
        {
        }
        QueueGc(unit);
        Settle();
    }

    private void Reread(Unit unit)
    {
        var definition = ReadDefinition(unit.Id);
        if (definition.Name != unit.Id)
            definition = UnitDefinition.NotFound(unit.Id);
        unit.RemoveDeclaredDependencies();
        unit.SetDefinition(definition, _options.Kinds);
        foreach (var alias in definition.Aliases)
            _units.TryAdd(alias, unit);
        if (definition.LoadState == LoadState.Loaded)
            ApplyConfiguredDependencies(unit);
        QueueDbus(unit);
    }
}
