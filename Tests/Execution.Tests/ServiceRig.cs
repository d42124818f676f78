using System.Collections.Concurrent;
using System.Diagnostics;
using Units.Core.Manager;
using Units.Execution.Service;

namespace Units.Execution.Tests;

/// <summary>
/// A single-threaded loop standing in for the manager's: posted work and timers run on the test thread inside
/// <see cref="RunUntil"/>, which waits for events (never sleeps) until a condition holds.
/// </summary>
internal sealed class TestLoop
{
    private readonly BlockingCollection<Action> _queue = [];
    private readonly List<Timer> _timers = [];
    /// <summary>CLOCK_MONOTONIC (what Stopwatch reads on Linux), as the manager's clock and MONOTONIC_USEC= use.</summary>
    public ulong NowUSec => (ulong)(Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000.0));

    public void Post(Action work) => _queue.Add(work);

    public IDisposable AddTimer(ulong dueUSec, Action callback)
    {
        var timer = new Timer(dueUSec, callback);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Runs events until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public void RunUntil(Func<bool> condition, string what, double seconds = 20)
    {
        var deadline = NowUSec + (ulong)(seconds * 1_000_000);
        while (!condition())
        {
            ulong now = NowUSec;
            if (now >= deadline)
                throw new TimeoutException($"Gave up waiting for: {what}");
            _timers.RemoveAll(t => t.Canceled);
            var due = _timers.Where(t => t.DueUSec <= now).OrderBy(t => t.DueUSec).FirstOrDefault();
            if (due is not null)
            {
                _timers.Remove(due);
                due.Callback();
                continue;
            }
            ulong next = _timers.Count > 0 ? Math.Min(_timers.Min(t => t.DueUSec), deadline) : deadline;
            int waitMs = (int)Math.Max(1, (next - now + 999) / 1000);
            if (_queue.TryTake(out var work, waitMs))
                work();
        }
    }

    private sealed class Timer(ulong due, Action callback) : IDisposable
    {
        public ulong DueUSec { get; } = due;
        public Action Callback { get; } = callback;
        public bool Canceled { get; private set; }
        public void Dispose() => Canceled = true;
    }
}

/// <summary>The manager side of one test service: records states and logs, performs restart jobs.</summary>
internal sealed class TestService : IServiceHost
{
    private readonly TestLoop _loop;

    public TestService(TestLoop loop, ExecutionRuntime runtime, string name, ServiceSettings settings)
    {
        _loop = loop;
        Name = name;
        Processes = runtime.CreateUnit(name, "units-test.slice", settings);
        Machine = new ServiceMachine(settings, this, Processes);
        Processes.Owner = Machine;
    }

    public string Name { get; }
    public ServiceMachine Machine { get; }
    public UnitProcesses Processes { get; }
    public List<ServiceState> States { get; } = [];
    public List<string> Log { get; } = [];
    public bool StopJobPending { get; set; }

    /// <summary>The unit's start limit, as the core keeps it (systemd's defaults: 5 starts in 10 s).</summary>
    public RateLimit StartLimit { get; set; } = new(10_000_000, 5);

    public ulong NowUSec => _loop.NowUSec;

    public IDisposable AddTimer(ulong dueUSec, Action callback) => _loop.AddTimer(dueUSec, callback);

    public void StateChanged(ServiceState oldState, ServiceState newState, bool reloadFailure, bool willAutoRestart)
    {
        if (oldState != newState)
            States.Add(newState);
    }

    public void PropertiesChanged()
    {
    }

    void IServiceHost.Log(int priority, string message) => Log.Add(message);

    /// <summary>The invocation IDs handed out, one per activation.</summary>
    public List<string> Invocations { get; } = [];

    string IServiceHost.BeginInvocation()
    {
        string id = Guid.NewGuid().ToString("N");
        Invocations.Add(id);
        return id;
    }

    bool IServiceHost.TestStartLimit()
    {
        var limit = StartLimit;
        bool below = limit.Below(NowUSec);
        StartLimit = limit;
        return below;
    }

    /// <summary>What the core's restart job does: stop (auto-restart → dead), then start.</summary>
    public bool QueueRestart()
    {
        if (StopJobPending)
            return false;
        _loop.Post(() =>
        {
            Machine.Stop();
            Machine.Start();
        });
        return true;
    }

    public void Start()
    {
        var result = Machine.Start();
        Assert.True(result == ServiceOperation.InProgress, $"Start() answered {result}: {string.Join(" | ", Log)}");
    }

    public void RunUntil(ServiceState state, double seconds = 20) =>
        _loop.RunUntil(() => Machine.State == state, $"{Name} in {state} (now {Machine.State}; log: {string.Join(" | ", Log)})", seconds);

    /// <summary>Stops and waits until dead or failed (and the cgroup is empty).</summary>
    public void StopAndWait()
    {
        Machine.Stop();
        _loop.RunUntil(() => Machine.State is ServiceState.Dead or ServiceState.Failed,
            $"{Name} stopped (now {Machine.State}; log: {string.Join(" | ", Log)})");
    }
}

/// <summary>
/// One execution runtime for the test process: cgroups under a subtree of its own, a notify socket, the loop.
/// Tests run one at a time (parallelization is off), so they share it.
/// </summary>
internal static class Rig
{
    private static readonly Lazy<(TestLoop Loop, ExecutionRuntime Runtime)> Instance = new(Create);

    public static TestLoop Loop => Instance.Value.Loop;
    public static ExecutionRuntime Runtime => Instance.Value.Runtime;

    private static (TestLoop, ExecutionRuntime) Create()
    {
        Root.Require();
        var loop = new TestLoop();
        string? mount = Cgroups.CgroupHierarchy.FindMount();
        RemoveStaleTrees(mount);
        var runtime = new ExecutionRuntime(new ExecutionOptions
        {
            Post = loop.Post,
            CgroupRoot = mount is null ? null : Path.Combine(mount, $"units-exec-test-{Environment.ProcessId}"),
            NotifySocketPath = $"/run/units-exec-test-{Environment.ProcessId}/notify",
            ParentDeathSignal = 9,
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (runtime.Cgroups is { } cgroups)
            {
                cgroups.Kill(cgroups.Root, 9);
                Cgroups.CgroupHierarchy.Remove(cgroups.Root);
            }
        };
        return (loop, runtime);
    }

    /// <summary>Subtrees of earlier test processes that died without cleaning up.</summary>
    private static void RemoveStaleTrees(string? mount)
    {
        if (mount is null)
            return;
        foreach (var dir in Directory.GetDirectories(mount, "units-exec-test-*"))
        {
            if (int.TryParse(Path.GetFileName(dir)["units-exec-test-".Length..], out int pid) && Directory.Exists($"/proc/{pid}"))
                continue;
            var stale = Cgroups.CgroupHierarchy.Open(dir);
            stale?.Kill(dir, 9);
            Cgroups.CgroupHierarchy.Remove(dir);
        }
    }

    private static int _counter;

    public static TestService Service(ServiceSettings settings, string? name = null) =>
        new(Loop, Runtime, name ?? $"test{Interlocked.Increment(ref _counter)}.service", settings);

    public static ExecCommand Sh(string script) => ExecCommand.FromWords([":/bin/sh", "-c", script]);
}
