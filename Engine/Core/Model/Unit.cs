using Units.Core.Jobs;
using Units.Core.Manager;

namespace Units.Core.Model;

/// <summary>
/// A unit the manager has loaded: its definition, its dependencies on other loaded units (both directions), its
/// state as reported by its <see cref="UnitKind"/>, its job, and what is remembered about it (timestamps,
/// condition results). Belongs to the manager loop: use it only on the loop thread.
/// </summary>
public sealed class Unit
{
    private readonly List<string> _names;
    private Dictionary<Unit, DependencyEdge>? _dependencies;

    internal Unit(UnitManager manager, string id)
    {
        Manager = manager;
        Id = id;
        Type = StateNames.TypeOfName(id) ?? throw new ArgumentException($"'{id}' is not a unit name.", nameof(id));
        _names = [id];
        Definition = new UnitDefinition { Name = id, LoadState = LoadState.Stub };
        Kind = new UnsupportedKind { Unit = this };
    }

    public UnitManager Manager { get; }

    /// <summary>The primary name (systemd's Id).</summary>
    public string Id { get; }

    public UnitType Type { get; }

    /// <summary>Id and aliases.</summary>
    public IReadOnlyList<string> Names => _names;

    public UnitDefinition Definition { get; private set; }

    public LoadState LoadState => Definition.LoadState;

    public UnitKind Kind { get; private set; }

    public string Description => Definition.Description.Length > 0 ? Definition.Description : Id;

    /// <summary>Exists for the manager's whole life: never stopped, isolated away or collected.</summary>
    public bool IsPerpetual => Definition.Perpetual;

    /// <summary>IgnoreOnIsolate=, or the type's default when not configured.</summary>
    public bool IgnoreOnIsolate => Definition.IgnoreOnIsolate ?? Kind.IgnoresIsolateByDefault;

    /// <summary>The kind's state; a unit whose configuration vanished keeps its state (shown as "not-found active").</summary>
    public ActiveState ActiveState => Kind.ActiveState;

    public string SubState => Kind.SubState;

    public Unit? Following => Kind.Following;

    /// <summary>The slice the unit sits in (Slice=), or null for units without one.</summary>
    public Unit? Slice => DependenciesOf(UnitDependency.InSlice).FirstOrDefault();

    /// <summary>
    /// The slice the unit sits in (null for the root slice): Slice= when set; for slices their parent by name;
    /// template instances get a slice per template (system-foo.slice, app-foo.slice); perpetual units the root
    /// slice; the rest system.slice or app.slice. Known from the definition alone, so a kind can place its cgroup
    /// when it loads, before the InSlice dependency is added.
    /// </summary>
    public string? SliceName
    {
        get
        {
            if (Type == UnitType.Slice)
                return SliceKind.ParentOf(Id);
            if (Definition.Slice is string configured)
                return configured;
            if (IsPerpetual || Kind.IsExtrinsic)
                return SpecialUnits.RootSlice;
            bool system = Manager.Scope == ManagerScope.System;
            int at = Id.IndexOf('@');
            if (at > 0 && at + 1 < Id.LastIndexOf('.'))
                return (system ? "system-" : "app-") + Id[..at].Replace("-", "\\x2d", StringComparison.Ordinal) + ".slice";
            return system ? SpecialUnits.SystemSlice : SpecialUnits.AppSlice;
        }
    }


    /// <summary>The installed job of this unit (at most one besides a nop job).</summary>
    public Job? Job { get; internal set; }

    /// <summary>The installed nop job (systemd keeps it apart: it merges with nothing).</summary>
    public Job? NopJob { get; internal set; }

    public ConditionOutcome? ConditionResult { get; private set; }

    public ConditionOutcome? AssertResult { get; private set; }

    /// <summary>The current (or, once inactive, the last) activation's ID; empty before the first start.</summary>
    public InvocationId InvocationId { get; private set; }

    public DualTimestamp StateChangeTimestamp { get; private set; }
    public DualTimestamp InactiveExitTimestamp { get; private set; }
    public DualTimestamp ActiveEnterTimestamp { get; private set; }
    public DualTimestamp ActiveExitTimestamp { get; private set; }
    public DualTimestamp InactiveEnterTimestamp { get; private set; }

    /// <summary>How many clients pin the unit (e.g. a D-Bus client's Ref()): pinned units are not collected.</summary>
    public int ClientReferences { get; private set; }

    /// <summary>
    /// Limits the manager's own starts and stops of this unit (Upholds=, StopWhenUnneeded=, BindsTo=) to 16 per 10s,
    /// so contradicting dependencies cannot make it loop forever (systemd's auto_start_stop_ratelimit).
    /// </summary>
    internal RateLimit AutoStartStopLimit = new(AutoStartStopIntervalUSec, AutoStartStopBurst);

    private const ulong AutoStartStopIntervalUSec = 10_000_000;
    private const int AutoStartStopBurst = 16;

    /// <summary>Membership flags of the manager's queues, so a unit is queued at most once.</summary>
    internal bool InStopWhenUnneededQueue, InStartWhenUpheldQueue, InCannotBeActiveWithoutQueue, InGcQueue, InDbusQueue, InTriggerQueue;

    private RateLimit? _startLimit;

    /// <summary>The unit's last start was refused by its start limit (systemd's start_limit_hit): units that
    /// trigger it give up too. Cleared by the next start it lets through and by reset-failed.</summary>
    public bool StartLimitHit { get; private set; }

    /// <summary>
    /// For unit types with a start rate limit (services, sockets, mounts...): counts a start and returns false when
    /// StartLimitBurst= starts happened within StartLimitIntervalSec= (logging it and running StartLimitAction=).
    /// The type then fails the start (systemd's unit_test_start_limit).
    /// </summary>
    public bool TestStartLimit()
    {
        if (Definition.StartLimitIntervalUSec == 0 || Definition.StartLimitBurst == 0)
            return true;
        _startLimit ??= new RateLimit(Definition.StartLimitIntervalUSec, Definition.StartLimitBurst);
        var limit = _startLimit.Value;
        bool below = limit.Below(Manager.Clock.MonotonicUSec);
        _startLimit = limit;
        StartLimitHit = !below;
        if (below)
            return true;
        Manager.LogUnit(LogPriority.Warning, this, "Start request repeated too quickly.");
        Manager.RunEmergencyAction(Definition.StartLimitAction, $"unit {Id} had start limit hit");
        return false;
    }

    /// <summary>
    /// Gives the unit a new activation ID (systemd's unit_acquire_invocation_id): each type calls it in Start when it
    /// leaves the dead/failed state, after its start limit let the start through, before it spawns anything. The ID
    /// stays after the unit stops, until the next activation.
    /// </summary>
    public void AcquireInvocationId()
    {
        var id = InvocationId.NewRandom();
        Manager.IndexInvocationId(this, InvocationId, id);
        InvocationId = id;
        NotifyPropertiesChanged();
    }

    /// <summary>reset-failed also forgets the starts counted against the start limit.</summary>
    internal void ResetStartLimit()
    {
        _startLimit = null;
        StartLimitHit = false;
    }

    /// <summary>daemon-reload forgets every count: the start limit's and the manager's own starts and stops.</summary>
    internal void ResetRateLimits()
    {
        ResetStartLimit();
        AutoStartStopLimit = new(AutoStartStopIntervalUSec, AutoStartStopBurst);
    }

    public void Pin() => ClientReferences++;

    public void Unpin()
    {
        if (ClientReferences == 0)
            throw new InvalidOperationException($"{Id} is not pinned.");
        ClientReferences--;
        Manager.QueueGc(this);
    }

    /// <summary>
    /// The unit type reports a change of its ActiveState (systemd's unit_notify): completes jobs, starts or stops
    /// dependents retroactively, and queues follow-up checks. Call on the loop thread, after the state changed.
    /// </summary>
    public void NotifyStateChanged(ActiveState oldState, ActiveState newState, UnitNotifyFlags flags = UnitNotifyFlags.None) =>
        Manager.OnUnitStateChanged(this, oldState, newState, flags);

    /// <summary>A property other than the state changed: clients get one coalesced PropertiesChanged.</summary>
    public void NotifyPropertiesChanged() => Manager.QueueDbus(this);

    /// <summary>
    /// A dependency the unit's type adds while running (a socket's Before= and Triggers= on the service instance of
    /// one connection), with its inverse on <paramref name="other"/>; it references nothing, so it keeps neither
    /// side loaded.
    /// </summary>
    public void AddRuntimeDependency(UnitDependency type, Unit other)
    {
        AddDependency(type, other);
        Manager.QueueDbus(this);
        Manager.QueueDbus(other);
    }

    /// <summary>Replaces the description for this run of the manager (systemd's unit_set_description: an
    /// Accept=yes service instance is described with its peer).</summary>
    public void SetDescription(string description)
    {
        Definition = Definition with { Description = description };
        NotifyPropertiesChanged();
    }

    public override string ToString() => Id;

    // ---- dependencies ----

    /// <summary>Units this one has any dependency with, and how.</summary>
    public IEnumerable<(Unit Other, UnitDependency Type)> Dependencies
    {
        get
        {
            if (_dependencies is null)
                yield break;
            foreach (var (other, edge) in _dependencies)
            {
                ulong mask = edge.Types;
                while (mask != 0)
                {
                    int bit = System.Numerics.BitOperations.TrailingZeroCount(mask);
                    yield return (other, (UnitDependency)bit);
                    mask &= mask - 1;
                }
            }
        }
    }

    /// <summary>The other units of dependencies of one type (e.g. all of Requires=).</summary>
    public IEnumerable<Unit> DependenciesOf(UnitDependency type)
    {
        if (_dependencies is null)
            yield break;
        ulong bit = 1UL << (int)type;
        foreach (var (other, edge) in _dependencies)
            if ((edge.Types & bit) != 0)
                yield return other;
    }

    /// <summary>Enumerates, without allocating, the other units of dependencies that have any of <paramref name="atoms"/>.</summary>
    internal AtomEnumerable Each(UnitDependencyAtom atoms) => new(_dependencies, atoms);

    internal readonly struct AtomEnumerable(Dictionary<Unit, DependencyEdge>? dependencies, UnitDependencyAtom atoms)
    {
        public AtomEnumerator GetEnumerator() => new(dependencies, atoms);
    }

    internal struct AtomEnumerator
    {
        private Dictionary<Unit, DependencyEdge>.Enumerator _inner;
        private readonly bool _any;
        private readonly UnitDependencyAtom _atoms;

        public AtomEnumerator(Dictionary<Unit, DependencyEdge>? dependencies, UnitDependencyAtom atoms)
        {
            _any = dependencies is not null;
            _inner = _any ? dependencies!.GetEnumerator() : default;
            _atoms = atoms;
        }

        public Unit Current => _inner.Current.Key;

        public bool MoveNext()
        {
            if (!_any)
                return false;
            while (_inner.MoveNext())
                if ((_inner.Current.Value.Atoms & _atoms) != 0)
                    return true;
            return false;
        }
    }

    /// <summary>The other units of dependencies that have any of <paramref name="atoms"/>, as a list (safe to modify the graph while iterating).</summary>
    public List<Unit> DependenciesWith(UnitDependencyAtom atoms)
    {
        var result = new List<Unit>();
        if (_dependencies is null)
            return result;
        foreach (var (other, edge) in _dependencies)
            if ((edge.Atoms & atoms) != 0)
                result.Add(other);
        return result;
    }

    internal bool HasDependencyWith(UnitDependencyAtom atoms, Unit other) =>
        _dependencies is not null && _dependencies.TryGetValue(other, out var e) && (e.Atoms & atoms) != 0;

    internal bool HasAnyDependencyWith(UnitDependencyAtom atoms)
    {
        if (_dependencies is null)
            return false;
        foreach (var edge in _dependencies.Values)
            if ((edge.Atoms & atoms) != 0)
                return true;
        return false;
    }

    /// <summary>Whether any unit with a dependency of <paramref name="atoms"/> satisfies <paramref name="test"/>, without allocating.</summary>
    internal bool AnyDependency<TState>(UnitDependencyAtom atoms, TState state, Func<Unit, TState, bool> test)
    {
        if (_dependencies is null)
            return false;
        foreach (var (other, edge) in _dependencies)
            if ((edge.Atoms & atoms) != 0 && test(other, state))
                return true;
        return false;
    }

    internal IEnumerable<Unit> DependencyUnits => _dependencies?.Keys ?? Enumerable.Empty<Unit>();

    /// <summary>Moves every dependency of <paramref name="alias"/> (a stub loaded under an alias name) to this unit.</summary>
    internal void TakeDependenciesOf(Unit alias)
    {
        if (alias._dependencies is null)
            return;
        foreach (var (other, edge) in alias._dependencies.ToList())
        {
            alias.RemoveAllDependenciesWith(other);
            if (other == this)
                continue;
            _dependencies ??= [];
            other._dependencies ??= [];
            _dependencies.TryGetValue(other, out var mine);
            other._dependencies.TryGetValue(this, out var theirs);
            mine.Types |= edge.Types;
            mine.DeclaredHere |= edge.DeclaredHere;
            mine.DeclaredThere |= edge.DeclaredThere;
            mine.Atoms = UnitDependencies.AtomsOf(mine.Types);
            _dependencies[other] = mine;
            theirs.Types |= InverseMask(edge.Types);
            theirs.DeclaredHere |= InverseMask(edge.DeclaredThere);
            theirs.DeclaredThere |= InverseMask(edge.DeclaredHere);
            theirs.Atoms = UnitDependencies.AtomsOf(theirs.Types);
            other._dependencies[this] = theirs;
        }
    }

    /// <summary>Adds this→other of <paramref name="type"/> and other→this of the inverse.</summary>
    internal void AddDependency(UnitDependency type, Unit other)
    {
        if (other == this)
            return;
        AddEdge(type, other, declaredHere: true);
        other.AddEdge(type.Inverse(), this, declaredHere: false);
    }

    private void AddEdge(UnitDependency type, Unit other, bool declaredHere)
    {
        _dependencies ??= [];
        _dependencies.TryGetValue(other, out var edge);
        ulong bit = 1UL << (int)type;
        edge.Types |= bit;
        edge.Atoms |= type.Atoms();
        if (declaredHere)
            edge.DeclaredHere |= bit;
        else
            edge.DeclaredThere |= bit;
        _dependencies[other] = edge;
    }

    /// <summary>
    /// Drops the dependencies this unit's configuration declared (both directions), before daemon-reload applies
    /// the new configuration. Dependencies other units declared on this one stay.
    /// </summary>
    internal void RemoveDeclaredDependencies()
    {
        if (_dependencies is null)
            return;
        foreach (var other in _dependencies.Keys.ToList())
        {
            var edge = _dependencies[other];
            ulong mine = edge.DeclaredHere;
            if (mine == 0)
                continue;
            ulong theirs = InverseMask(mine);
            ClearEdgeBits(other, mine, fromHere: true);
            other.ClearEdgeBits(this, theirs, fromHere: false);
        }
    }

    private static ulong InverseMask(ulong types)
    {
        ulong inverse = 0;
        for (; types != 0; types &= types - 1)
            inverse |= 1UL << (int)((UnitDependency)System.Numerics.BitOperations.TrailingZeroCount(types)).Inverse();
        return inverse;
    }

    private void ClearEdgeBits(Unit other, ulong bits, bool fromHere)
    {
        if (_dependencies is null || !_dependencies.TryGetValue(other, out var edge))
            return;
        if (fromHere)
            edge.DeclaredHere &= ~bits;
        else
            edge.DeclaredThere &= ~bits;
        edge.Types = edge.DeclaredHere | edge.DeclaredThere;
        if (edge.Types == 0)
        {
            _dependencies.Remove(other);
            return;
        }
        edge.Atoms = UnitDependencies.AtomsOf(edge.Types);
        _dependencies[other] = edge;
    }

    /// <summary>Removes every dependency with <paramref name="other"/>, both directions (unloading).</summary>
    internal void RemoveAllDependenciesWith(Unit other)
    {
        _dependencies?.Remove(other);
        other._dependencies?.Remove(this);
    }

    // ---- life cycle, driven by the manager ----

    internal void SetDefinition(UnitDefinition definition, UnitKinds kinds)
    {
        foreach (var alias in definition.Aliases)
            if (!_names.Contains(alias))
                _names.Add(alias);
        bool wasLoaded = LoadState == LoadState.Loaded;
        Definition = definition;
        if (definition.LoadState == LoadState.Loaded && !wasLoaded)
        {
            Kind = kinds.Create(Type);
            Kind.Unit = this;
        }
        if (definition.LoadState == LoadState.Loaded)
            Kind.Load(definition);
    }

    internal void RecordCondition(bool result, IClock clock) =>
        ConditionResult = new ConditionOutcome(result, clock.RealtimeUSec, clock.MonotonicUSec);

    internal void RecordAssert(bool result, IClock clock) =>
        AssertResult = new ConditionOutcome(result, clock.RealtimeUSec, clock.MonotonicUSec);

    internal void RecordTimestamps(ActiveState oldState, ActiveState newState, IClock clock)
    {
        var now = new DualTimestamp(clock.RealtimeUSec, clock.MonotonicUSec);
        StateChangeTimestamp = now;
        if (oldState.IsInactiveOrFailed() && !newState.IsInactiveOrFailed())
            InactiveExitTimestamp = now;
        else if (!oldState.IsInactiveOrFailed() && newState.IsInactiveOrFailed())
            InactiveEnterTimestamp = now;
        if (!oldState.IsActiveOrReloading() && newState.IsActiveOrReloading())
            ActiveEnterTimestamp = now;
        else if (oldState.IsActiveOrReloading() && !newState.IsActiveOrReloading())
            ActiveExitTimestamp = now;
    }

    internal void ReleaseKind()
    {
        Kind.Unload();
    }
}

/// <summary>A point in time on both clocks, as systemd's dual_timestamp (zero: never).</summary>
public readonly record struct DualTimestamp(ulong RealtimeUSec, ulong MonotonicUSec);

/// <summary>The dependencies between two units, seen from one of them, as bit sets of <see cref="UnitDependency"/>.</summary>
internal struct DependencyEdge
{
    public ulong Types;
    public UnitDependencyAtom Atoms;
    /// <summary>Types declared by this side's configuration.</summary>
    public ulong DeclaredHere;
    /// <summary>Types that are inverses of the other side's declarations.</summary>
    public ulong DeclaredThere;
}
