using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Units.Execution;
using Units.Execution.Service;
using Units.Execution.Spawning;

// Execution benchmarks. Timing lives here, never in tests.
//   dotnet run -c Release --project bench/execution [-- spawns=2000 restarts=200]
// 1. Spawn cost: a process started through unitsd-executor (context over a pipe, cgroup-less) until its exit is
//    reaped, against a raw posix_spawn of the same /bin/true.
// 2. Restart latency of the execution layer: SIGKILL the main process of a Restart=always RestartSec=0 service until a
//    new main process runs (state machine + supervisor + cgroup; no D-Bus or job engine). The systemd 252
//    figure for the whole manager is 13.9 ms median; bench/manager measures the whole manager against it.
var arguments = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
int spawns = arguments.GetValueOrDefault("spawns", 2000);
int restarts = arguments.GetValueOrDefault("restarts", 200);

// The raw baseline runs first and reaps its own children: the supervisor (which reaps every child) does not exist yet.
var raw = MeasureSpawns(spawns, RawSpawn.TrueBinary, RawSpawn.Reap);

var exits = new ExitWaiter();
var supervisor = ProcessSupervisor.Shared();
supervisor.Subscribe(exits);
var executor = MeasureSpawns(spawns, () =>
{
    var prepared = ExecContextBuilder.Build(new ExecSettings { StandardOutput = StdioSetting.Null, StandardError = StdioSetting.Null },
        ExecCommand.Of("/bin/true"), new ExecParameters());
    return supervisor.Spawn(prepared);
}, exits.Wait);
Console.WriteLine($"spawn+reap of /bin/true, {spawns} sequential runs (median / mean µs):");
Console.WriteLine($"  unitsd-executor   {executor.Median,8:F1} / {executor.Mean,8:F1}   (posix_spawn call alone: median {executor.CallMedian:F1})");
Console.WriteLine($"  raw posix_spawn   {raw.Median,8:F1} / {raw.Mean,8:F1}   (posix_spawn call alone: median {raw.CallMedian:F1})");
Console.WriteLine($"  executor overhead {executor.Median - raw.Median,8:F1} µs per spawn (ratio {executor.Median / raw.Median:F2})");

RestartLatency.Run(restarts);

static (double Median, double Mean, double CallMedian) MeasureSpawns(int count, Func<int> spawn, Action<int> waitForExit)
{
    for (int i = 0; i < 50; i++)
        waitForExit(spawn()); // warm-up
    var total = new double[count];
    var call = new double[count];
    for (int i = 0; i < count; i++)
    {
        long start = Stopwatch.GetTimestamp();
        int pid = spawn();
        long spawned = Stopwatch.GetTimestamp();
        waitForExit(pid);
        long end = Stopwatch.GetTimestamp();
        total[i] = Stopwatch.GetElapsedTime(start, end).TotalMicroseconds;
        call[i] = Stopwatch.GetElapsedTime(start, spawned).TotalMicroseconds;
    }
    Array.Sort(total);
    Array.Sort(call);
    return (total[count / 2], total.Average(), call[count / 2]);
}

/// <summary>Exit notifications from the shared supervisor, awaited per pid.</summary>
internal sealed class ExitWaiter : IProcessEvents
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _exits = new();

    public void ProcessExited(ProcessExit exit) => Get(exit.Pid).TrySetResult();

    public void ExecSucceeded(int pid)
    {
    }

    public void Wait(int pid)
    {
        Get(pid).Task.Wait();
        _exits.TryRemove(pid, out _);
    }

    private TaskCompletionSource Get(int pid) => _exits.GetOrAdd(pid, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>A bare posix_spawn of /bin/true, the floor any spawner is measured against.</summary>
internal static unsafe class RawSpawn
{
    private static readonly byte[] Path = Encoding.UTF8.GetBytes("/bin/true\0");

    public static void Reap(int pid)
    {
        byte* info = stackalloc byte[128];
        Units.Execution.Native.Libc.waitid(Units.Execution.Native.Libc.P_PID, pid, info, Units.Execution.Native.Libc.WEXITED);
    }

    public static int TrueBinary()
    {
        int pid;
        fixed (byte* path = Path)
        {
            byte** argv = stackalloc byte*[2];
            byte** envp = stackalloc byte*[1];
            argv[0] = path;
            argv[1] = null;
            envp[0] = null;
            int error = Units.Execution.Native.Libc.posix_spawn(&pid, path, null, null, argv, envp);
            if (error != 0)
                throw new InvalidOperationException($"posix_spawn: {error}");
        }
        return pid;
    }
}

/// <summary>Restart=always RestartSec=0: SIGKILL the main process, time until the new main process was spawned.</summary>
internal static class RestartLatency
{
    public static void Run(int rounds)
    {
        var loop = new BlockingCollection<Action>();
        string? mount = Units.Execution.Cgroups.CgroupHierarchy.FindMount();
        using var runtime = new ExecutionRuntime(new ExecutionOptions
        {
            Post = loop.Add,
            CgroupRoot = mount is null ? null : System.IO.Path.Combine(mount, $"units-exec-bench-{Environment.ProcessId}"),
            ParentDeathSignal = 9,
        });
        var host = new Host(loop);
        var settings = new ServiceSettings
        {
            Restart = ServiceRestart.Always,
            RestartUsec = 0,
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
        };
        var processes = runtime.CreateUnit("bench-restart.service", "units-bench.slice", settings);
        var machine = new ServiceMachine(settings, host, processes);
        processes.Owner = machine;
        host.Machine = machine;
        machine.Start();
        var samples = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            host.RunUntil(() => machine.State == ServiceState.Running && machine.MainPid > 0);
            int old = machine.MainPid;
            long start = Stopwatch.GetTimestamp();
            ProcessSupervisor.Kill(old, 9);
            host.RunUntil(() => machine.State == ServiceState.Running && machine.MainPid != old && machine.MainPid > 0);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        machine.Stop();
        host.RunUntil(() => machine.State is ServiceState.Dead or ServiceState.Failed);
        if (runtime.Cgroups is { } cgroups)
            Units.Execution.Cgroups.CgroupHierarchy.Remove(cgroups.Root);
        samples.Sort();
        Console.WriteLine($"restart latency (SIGKILL → new main PID), execution layer only, {rounds} rounds: " +
                          $"median {samples[samples.Count / 2]:F3} ms, p90 {samples[samples.Count * 9 / 10]:F3} ms; " +
                          $"systemd 252 whole manager (issue figure): 13.9 ms median → ratio {samples[samples.Count / 2] / 13.9:F3}");
    }

    private sealed class Host(BlockingCollection<Action> loop) : IServiceHost
    {
        private readonly List<(ulong Due, Action Callback, Cancel Handle)> _timers = [];

        public ServiceMachine? Machine { get; set; }

        public ulong NowUSec => (ulong)(Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000.0));

        public IDisposable AddTimer(ulong dueUSec, Action callback)
        {
            var handle = new Cancel();
            _timers.Add((dueUSec, callback, handle));
            return handle;
        }

        public void StateChanged(ServiceState oldState, ServiceState newState, bool reloadFailure, bool willAutoRestart)
        {
        }

        public void PropertiesChanged()
        {
        }

        public void Log(int priority, string message)
        {
        }

        public string BeginInvocation() => Guid.NewGuid().ToString("N");

        // The benchmark restarts as fast as it can: no start limit.
        public bool TestStartLimit() => true;

        public bool QueueRestart()
        {
            loop.Add(() =>
            {
                Machine!.Stop();
                Machine.Start();
            });
            return true;
        }

        public void RunUntil(Func<bool> condition)
        {
            while (!condition())
            {
                _timers.RemoveAll(t => t.Handle.Canceled);
                var due = _timers.FirstOrDefault(t => t.Due <= NowUSec);
                if (due.Callback is not null)
                {
                    _timers.Remove(due);
                    due.Callback();
                    continue;
                }
                if (loop.TryTake(out var work, _timers.Count > 0 ? 1 : 10_000))
                    work();
            }
        }
    }

    private sealed class Cancel : IDisposable
    {
        public bool Canceled { get; private set; }
        public void Dispose() => Canceled = true;
    }
}
