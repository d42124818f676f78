using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Core.Testing;

namespace Units.Core.Tests;

/// <summary>Builds unit definitions the way a unit file would state them.</summary>
internal sealed class UnitBuilder(string name)
{
    private readonly List<DeclaredDependency> _dependencies = [];
    private UnitDefinition _definition = new() { Name = name, Description = name, DefaultDependencies = false };

    private UnitBuilder Dep(UnitDependency type, string[] names)
    {
        foreach (var n in names)
            _dependencies.Add(new DeclaredDependency(type, n));
        return this;
    }

    public UnitBuilder Requires(params string[] n) => Dep(UnitDependency.Requires, n);
    public UnitBuilder Requisite(params string[] n) => Dep(UnitDependency.Requisite, n);
    public UnitBuilder Wants(params string[] n) => Dep(UnitDependency.Wants, n);
    public UnitBuilder BindsTo(params string[] n) => Dep(UnitDependency.BindsTo, n);
    public UnitBuilder PartOf(params string[] n) => Dep(UnitDependency.PartOf, n);
    public UnitBuilder Upholds(params string[] n) => Dep(UnitDependency.Upholds, n);
    public UnitBuilder Conflicts(params string[] n) => Dep(UnitDependency.Conflicts, n);
    public UnitBuilder Before(params string[] n) => Dep(UnitDependency.Before, n);
    public UnitBuilder After(params string[] n) => Dep(UnitDependency.After, n);
    public UnitBuilder OnFailure(params string[] n) => Dep(UnitDependency.OnFailure, n);
    public UnitBuilder OnSuccess(params string[] n) => Dep(UnitDependency.OnSuccess, n);
    public UnitBuilder PropagatesStopTo(params string[] n) => Dep(UnitDependency.PropagatesStopTo, n);
    public UnitBuilder PropagatesReloadTo(params string[] n) => Dep(UnitDependency.PropagatesReloadTo, n);
    public UnitBuilder RequiredBy(params string[] n) => Dep(UnitDependency.RequiredBy, n);
    public UnitBuilder WantedBy(params string[] n) => Dep(UnitDependency.WantedBy, n);

    public UnitBuilder With(Func<UnitDefinition, UnitDefinition> change)
    {
        _definition = change(_definition);
        return this;
    }

    public UnitBuilder Fake(FakeServiceSettings settings) => With(d => new UnitDefinition
    {
        Name = d.Name, Description = d.Description, DefaultDependencies = d.DefaultDependencies, TypeSettings = settings,
        StopWhenUnneeded = d.StopWhenUnneeded, AllowIsolate = d.AllowIsolate, IgnoreOnIsolate = d.IgnoreOnIsolate,
        JobTimeoutUSec = d.JobTimeoutUSec, Conditions = d.Conditions, Asserts = d.Asserts, Aliases = d.Aliases,
        RefuseManualStart = d.RefuseManualStart, RefuseManualStop = d.RefuseManualStop, CollectMode = d.CollectMode,
    });

    public UnitDefinition Build() => new()
    {
        Name = _definition.Name,
        Description = _definition.Description,
        Aliases = _definition.Aliases,
        LoadState = _definition.LoadState,
        DefaultDependencies = _definition.DefaultDependencies,
        Dependencies = [.. _dependencies],
        StopWhenUnneeded = _definition.StopWhenUnneeded,
        RefuseManualStart = _definition.RefuseManualStart,
        RefuseManualStop = _definition.RefuseManualStop,
        AllowIsolate = _definition.AllowIsolate,
        IgnoreOnIsolate = _definition.IgnoreOnIsolate,
        JobTimeoutUSec = _definition.JobTimeoutUSec,
        JobTimeoutAction = _definition.JobTimeoutAction,
        CollectMode = _definition.CollectMode,
        SuccessAction = _definition.SuccessAction,
        FailureAction = _definition.FailureAction,
        Conditions = _definition.Conditions,
        Asserts = _definition.Asserts,
        TypeSettings = _definition.TypeSettings,
    };
}

/// <summary>A unit loader over definitions a test adds or replaces (what daemon-reload then reads).</summary>
internal sealed class TestLoader : IUnitLoader
{
    private readonly Dictionary<string, UnitDefinition> _definitions = [];

    public int Loads { get; private set; }

    public void Add(UnitDefinition definition)
    {
        _definitions[definition.Name] = definition;
        foreach (var alias in definition.Aliases)
            _definitions[alias] = definition;
    }

    public void Remove(string name) => _definitions.Remove(name);

    public UnitDefinition? Load(string name)
    {
        Loads++;
        return _definitions.GetValueOrDefault(name);
    }
}

/// <summary>Condition facts a test decides: a condition holds when its parameter is in the set.</summary>
internal sealed class TestFacts : IConditionEvaluator
{
    public HashSet<string> True { get; } = [];

    public bool? Test(UnitCondition condition) =>
        condition.Type.StartsWith("Condition", StringComparison.Ordinal) || condition.Type.StartsWith("Assert", StringComparison.Ordinal)
            ? True.Contains(condition.Parameter)
            : null;
}

/// <summary>Records the manager's notifications in order.</summary>
internal sealed class RecordingObserver : IManagerObserver
{
    public List<string> Events { get; } = [];
    public List<(uint Id, string Unit, JobType Type, JobResult Result)> Removed { get; } = [];

    public void UnitNew(Unit unit) => Events.Add($"UnitNew {unit.Id}");
    public void UnitRemoved(Unit unit) => Events.Add($"UnitRemoved {unit.Id}");
    public void UnitChanged(Unit unit) => Events.Add($"UnitChanged {unit.Id}");
    public void JobNew(Job job) => Events.Add($"JobNew {job.Id} {job}");
    public void JobChanged(Job job) => Events.Add($"JobChanged {job.Id} {job}");

    public void JobRemoved(Job job, JobResult result)
    {
        Events.Add($"JobRemoved {job.Id} {job} {result.ToSystemdString()}");
        Removed.Add((job.Id, job.Unit.Id, job.Type, result));
    }
}

/// <summary>A manager over test definitions with a fake clock, fake services and recorded logs and notifications.</summary>
internal sealed class Harness
{
    public TestLoader Loader { get; } = new();
    public FakeClock Clock { get; } = new();
    public MemoryLog Log { get; } = new();
    public TestFacts Facts { get; } = new();
    public RecordingObserver Observer { get; } = new();
    public UnitManager Manager { get; }

    public Harness(ManagerScope scope = ManagerScope.User, string defaultTarget = SpecialUnits.DefaultTarget)
    {
        var kinds = UnitKinds.WithCoreKinds();
        kinds.Register(UnitType.Service, static () => new FakeServiceKind());
        Manager = new UnitManager(new ManagerOptions
        {
            Scope = scope,
            Loader = Loader,
            Kinds = kinds,
            Clock = Clock,
            Log = Log,
            Conditions = Facts,
            DefaultTarget = defaultTarget,
            Debug = true,
        });
        Manager.AddObserver(Observer);
    }

    public Harness Define(params UnitBuilder[] units)
    {
        foreach (var u in units)
            Loader.Add(u.Build());
        return this;
    }

    public Unit Load(string name) => Manager.LoadUnit(name);

    public Unit Unit(string name) => Manager.GetUnit(name) ?? throw new InvalidOperationException($"{name} is not loaded");

    public FakeServiceKind Fake(string name) => (FakeServiceKind)Unit(name).Kind;

    public ActiveState State(string name) => Manager.GetUnit(name)?.ActiveState ?? ActiveState.Inactive;

    public Job Start(string name, JobMode mode = JobMode.Replace) => Manager.AddJob(JobType.Start, Load(name), mode);

    public Job Stop(string name, JobMode mode = JobMode.Replace) => Manager.AddJob(JobType.Stop, Load(name), mode);

    /// <summary>Something happens outside the manager (a process exits): run it as a loop event.</summary>
    public void Happen(Action action)
    {
        Manager.Post(action);
        Manager.RunPending();
    }

    public void Advance(ulong usec)
    {
        Clock.Advance(usec);
        Manager.RunPending();
    }

    /// <summary>The installed jobs as "unit/type" strings, sorted.</summary>
    public string[] JobList() => [.. Manager.Jobs.Select(j => j.ToString()).Order(StringComparer.Ordinal)];

    public BusErrorException Refused(Action action) => Assert.Throws<BusErrorException>(action);
}

internal static class Svc
{
    /// <summary>A fake service that needs the test to complete its start (so its job stays queued).</summary>
    public static readonly FakeServiceSettings Slow = new() { StartsInstantly = false };

    public static readonly FakeServiceSettings SlowStop = new() { StopsInstantly = false };

    public static UnitBuilder New(string name) => new(name);
}
