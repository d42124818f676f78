using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Core.Testing;
using Units.Execution.Triggers;

namespace Units.Execution.Tests;

/// <summary>
/// A manager on a fake clock, driven by the test on its own thread (RunPending), with timer and path units and fake
/// services for them to trigger: what a trigger does is seen deterministically, without waiting.
/// </summary>
internal sealed class TriggerRig
{
    private readonly Dictionary<string, UnitDefinition> _units = new(StringComparer.Ordinal);

    public TriggerRig(TimerEnvironment? environment = null, IPathWatcher? watcher = null, ManagerScope scope = ManagerScope.User)
    {
        var kinds = UnitKinds.WithCoreKinds();
        kinds.Register(UnitType.Service, static () => new FakeServiceKind());
        Environment = environment ?? new TimerEnvironment
        {
            ManagerStarted = new DualTimestamp(Clock.RealtimeUSec, Clock.MonotonicUSec),
            StampDirectory = "/nonexistent/stamps",
        };
        TimerKind.Register(kinds, Environment);
        PathKind.Register(kinds, watcher ?? Watcher);
        Manager = new UnitManager(new ManagerOptions { Scope = scope, Loader = new Loader(_units), Kinds = kinds, Log = Log, Clock = Clock, Debug = true });
    }

    public FakeClock Clock { get; } = new();

    public MemoryLog Log { get; } = new();

    public TimerEnvironment Environment { get; }

    public FakePathWatcher Watcher { get; } = new();

    public UnitManager Manager { get; }

    public void AddService(string name, FakeServiceSettings? settings = null) =>
        _units[name] = new UnitDefinition { Name = name, DefaultDependencies = false, TypeSettings = settings ?? new FakeServiceSettings() };

    public void Add(string name, object settings, bool defaultDependencies = false) =>
        _units[name] = new UnitDefinition { Name = name, DefaultDependencies = defaultDependencies, TypeSettings = settings };

    public Unit Unit(string name) => Manager.LoadUnit(name);

    public T Kind<T>(string name) where T : UnitKind => (T)Unit(name).Kind;

    public FakeServiceKind Service(string name) => Kind<FakeServiceKind>(name);

    public Job Start(string name) => Manager.AddJob(JobType.Start, Unit(name), JobMode.Replace);

    public Job Stop(string name) => Manager.AddJob(JobType.Stop, Unit(name), JobMode.Replace);

    /// <summary>The result of a job that finished within the call that queued it.</summary>
    public static JobResult Outcome(Job job)
    {
        Assert.True(job.Completion.IsCompleted, $"job {job} is still pending");
        return job.Completion.Result;
    }

    /// <summary>Moves the clock and runs what fell due.</summary>
    public void Advance(ulong usec)
    {
        Clock.Advance(usec);
        Manager.RunPending();
    }

    /// <summary>Runs a change of a unit's own (a service exiting) as the event it would be.</summary>
    public void Event(Action change)
    {
        Manager.Post(change);
        Manager.RunPending();
    }

    private sealed class Loader(Dictionary<string, UnitDefinition> units) : IUnitLoader
    {
        public UnitDefinition? Load(string name) => units.GetValueOrDefault(name);
    }
}

/// <summary>Watches a test fires by hand, in place of inotify.</summary>
internal sealed class FakePathWatcher : IPathWatcher
{
    private readonly List<Watch> _watches = [];

    /// <summary>Paths that cannot be watched, as if they did not exist.</summary>
    public Func<string, bool> Exists { get; set; } = path => File.Exists(path) || Directory.Exists(path);

    public IReadOnlyList<string> Watched => [.. _watches.Where(static w => !w.Disposed).Select(static w => w.Path)];

    public IDisposable? TryWatch(string path, uint mask, Action<uint> onEvent, out int errno)
    {
        errno = Exists(path) ? 0 : 2;
        if (errno != 0)
            return null;
        var watch = new Watch(path, mask, onEvent);
        _watches.Add(watch);
        return watch;
    }

    /// <summary>Delivers an event of <paramref name="mask"/> to the live watches of <paramref name="path"/> that asked
    /// for it; returns how many got it.</summary>
    public int Fire(string path, uint mask)
    {
        int delivered = 0;
        foreach (var watch in _watches.ToList())
            if (!watch.Disposed && watch.Path == path && (watch.Mask & mask) != 0)
            {
                watch.OnEvent(mask);
                delivered++;
            }
        return delivered;
    }

    private sealed class Watch(string path, uint mask, Action<uint> onEvent) : IDisposable
    {
        public string Path { get; } = path;
        public uint Mask { get; } = mask;
        public Action<uint> OnEvent { get; } = onEvent;
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
