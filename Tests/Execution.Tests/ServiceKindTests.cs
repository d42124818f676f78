using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Service;

namespace Units.Execution.Tests;

/// <summary>The service type plugged into the core's operations table: jobs drive real processes.</summary>
public sealed class ServiceKindTests : IDisposable
{
    private readonly Loader _loader = new();
    private readonly MemoryLog _log = new();
    private readonly UnitManager _manager;
    private readonly ExecutionRuntime _runtime;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _loop;

    public ServiceKindTests()
    {
        Root.Require();
        var kinds = UnitKinds.WithCoreKinds();
        UnitManager? manager = null;
        string? mount = Cgroups.CgroupHierarchy.FindMount();
        _runtime = new ExecutionRuntime(new ExecutionOptions
        {
            Post = work => manager!.Post(work),
            CgroupRoot = mount is null ? null : Path.Combine(mount, $"units-exec-test-{Environment.ProcessId}", "core"),
            ParentDeathSignal = 9,
        });
        ServiceKind.Register(kinds, _runtime);
        manager = _manager = new UnitManager(new ManagerOptions { Scope = ManagerScope.User, Loader = _loader, Kinds = kinds, Log = _log });
        _loop = new Thread(() => _manager.Run(_stop.Token)) { IsBackground = true, Name = "test manager loop" };
        _loop.Start();
    }

    private JobResult Run(JobType type, string unit)
    {
        var submitted = new TaskCompletionSource<Job>();
        _manager.Post(() =>
        {
            try
            {
                submitted.SetResult(_manager.AddJob(type, _manager.LoadUnit(unit), JobMode.Replace));
            }
            catch (Exception e)
            {
                submitted.SetException(e);
            }
        });
        var job = submitted.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return job.Completion.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    private T OnLoop<T>(Func<T> read)
    {
        var result = new TaskCompletionSource<T>();
        _manager.Post(() =>
        {
            try
            {
                result.SetResult(read());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        return result.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    [Fact]
    public void Start_and_stop_jobs_run_a_real_service_and_report_its_states()
    {
        _loader.Add("web.service", new ServiceSettings { Type = ServiceType.Exec, ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        Assert.Equal(JobResult.Done, Run(JobType.Start, "web.service"));
        var (active, sub, pid) = OnLoop(() =>
        {
            var unit = _manager.LoadUnit("web.service");
            return (unit.ActiveState, unit.SubState, ((ServiceKind)unit.Kind).Machine!.MainPid);
        });
        Assert.Equal((ActiveState.Active, "running"), (active, sub));
        Assert.True(Directory.Exists($"/proc/{pid}"));
        Assert.Equal(JobResult.Done, Run(JobType.Stop, "web.service"));
        Assert.Equal((ActiveState.Inactive, "dead"), OnLoop(() => (_manager.LoadUnit("web.service").ActiveState, _manager.LoadUnit("web.service").SubState)));
    }

    [Fact]
    public void A_service_that_cannot_exec_fails_its_start_job()
    {
        _loader.Add("broken.service", new ServiceSettings { Type = ServiceType.Exec, ExecStart = [ExecCommand.Of("/nonexistent")] });
        Assert.Equal(JobResult.Failed, Run(JobType.Start, "broken.service"));
        Assert.Equal((ActiveState.Failed, "failed"), OnLoop(() => (_manager.LoadUnit("broken.service").ActiveState, _manager.LoadUnit("broken.service").SubState)));
    }

    [Fact]
    public async Task Restart_always_goes_through_a_restart_job()
    {
        _loader.Add("again.service", new ServiceSettings { Restart = ServiceRestart.Always, RestartUsec = 0, ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")] });
        Assert.Equal(JobResult.Done, Run(JobType.Start, "again.service"));
        int first = OnLoop(() => ((ServiceKind)_manager.LoadUnit("again.service").Kind).Machine!.MainPid);
        var restarted = new TaskCompletionSource();
        _manager.Post(() => Spawning.ProcessSupervisor.Kill(first, 9));
        // Wait on the loop's own events: each turn re-checks until a new main process runs.
        void Check() => _manager.Post(() =>
        {
            if (restarted.Task.IsCompleted)
                return;
            var machine = ((ServiceKind)_manager.LoadUnit("again.service").Kind).Machine!;
            if (machine.State == ServiceState.Running && machine.MainPid != first && machine.NRestarts == 1)
                restarted.TrySetResult();
            else
                _manager.AddTimer(_manager.Clock.MonotonicUSec + 5_000, Check);
        });
        Check();
        try
        {
            await restarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var state = OnLoop(() => ((ServiceKind)_manager.LoadUnit("again.service").Kind).Machine!.State);
            Assert.Fail($"no restart; state {state}; log: {string.Join(" | ", _log.Messages.TakeLast(15))}");
        }
        Assert.Equal(JobResult.Done, Run(JobType.Stop, "again.service"));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Join();
        _runtime.Dispose();
    }

    private sealed class Loader : IUnitLoader
    {
        private readonly Dictionary<string, UnitDefinition> _units = new(StringComparer.Ordinal);

        public void Add(string name, ServiceSettings settings)
        {
            lock (_units)
                _units[name] = new UnitDefinition { Name = name, TypeSettings = settings, DefaultDependencies = false };
        }

        public UnitDefinition? Load(string name)
        {
            lock (_units)
                return _units.GetValueOrDefault(name);
        }
    }
}
