using System.Collections.Concurrent;
using Units.Core.Jobs;
using Units.Core.Model;
using Units.UnitFiles.Settings.Values;

namespace Units.Core.Manager;

/// <summary>
/// The service manager's state and its one event loop. Everything here belongs to the loop thread: other threads
/// only <see cref="Post"/> work. An event changes state and enqueues consequences (units to load, jobs to run,
/// units whose state changed, units to collect, change notifications); the loop then drains those queues in a
/// fixed order until all are empty, and never recursively.
/// </summary>
public sealed partial class UnitManager : IUnitHost
{
    private readonly ManagerOptions _options;
    private readonly Dictionary<string, Unit> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, Job> _jobs = [];
    private readonly Dictionary<InvocationId, Unit> _unitsByInvocationId = [];
    private readonly List<IManagerObserver> _observers = [];
    private readonly ConcurrentQueue<Action> _posted = new();
    // Set by Post, cleared by the loop before it drains the queue. No spinning before the loop sleeps: on a small
    // machine the spin takes the core that the services the loop just started need.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly PriorityQueue<LoopTimer, ulong> _timers = new();
    private uint _lastJobId;
    private bool _draining;

    public UnitManager(ManagerOptions options)
    {
        _options = options;
        DebugLogging = options.Debug;
    }

    public IClock Clock => _options.Clock;

    public ManagerScope Scope => _options.Scope;

    public ICoreLog Log => _options.Log;

    internal bool DebugLogging { get; }

    public ManagerObjective Objective { get; private set; }

    /// <summary>Jobs that finished failed since start (NFailedJobs).</summary>
    public uint FailedJobCount { get; private set; }

    /// <summary>Every loaded unit, once (aliases are not repeated).</summary>
    public IEnumerable<Unit> Units
    {
        get
        {
            foreach (var (name, unit) in _units)
                if (ReferenceEquals(name, unit.Id) || name == unit.Id)
                    yield return unit;
        }
    }

    public int UnitCount => _units.Count(static p => p.Key == p.Value.Id);

    public IReadOnlyCollection<Job> Jobs => _jobs.Values;

    public int FailedUnitCount => Units.Count(static u => u.ActiveState == ActiveState.Failed);

    public void AddObserver(IManagerObserver observer) => _observers.Add(observer);

    public void RemoveObserver(IManagerObserver observer) => _observers.Remove(observer);

    public Unit? GetUnit(string name) => _units.GetValueOrDefault(name);

    public Job? GetJob(uint id) => _jobs.GetValueOrDefault(id);

    /// <summary>The loaded unit whose current (or last) activation has <paramref name="id"/> (GetUnitByInvocationID).</summary>
    public Unit? GetUnitByInvocationId(InvocationId id) => _unitsByInvocationId.GetValueOrDefault(id);

    internal void IndexInvocationId(Unit unit, InvocationId old, InvocationId id)
    {
        if (!old.IsEmpty)
            _unitsByInvocationId.Remove(old);
        _unitsByInvocationId[id] = unit;
    }

    // ---- the loop ----

    /// <summary>Thread-safe: queues <paramref name="work"/> to run on the loop as one event.</summary>
    public void Post(Action work)
    {
        _posted.Enqueue(work);
        _wake.Set();
    }

    public LoopTimer AddTimer(ulong dueUSec, Action callback)
    {
        var timer = new LoopTimer(dueUSec, callback);
        _timers.Enqueue(timer, dueUSec);
        return timer;
    }

    /// <summary>
    /// Runs every posted event and every timer due by the clock, each followed by draining the queues, until
    /// nothing is left to do now, or <paramref name="maxEvents"/> ran. Returns how many events ran. Tests drive the
    /// loop with this.
    /// </summary>
    public int RunPending(int maxEvents = int.MaxValue)
    {
        int ran = 0;
        while (ran < maxEvents)
        {
            if (_posted.TryDequeue(out var work))
            {
                Dispatch(work);
                ran++;
                continue;
            }
            if (TryTakeDueTimer(out var timer))
            {
                Dispatch(timer.Callback);
                ran++;
                continue;
            }
            break;
        }
        return ran;
    }

    /// <summary>Runs the loop on the calling thread until <paramref name="cancellation"/> is signalled.</summary>
    public void Run(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            RunPending();
            int waitMs = Timeout.Infinite;
            while (_timers.TryPeek(out var next, out ulong due))
            {
                if (next.Canceled)
                {
                    _timers.Dequeue();
                    continue;
                }
                ulong now = Clock.MonotonicUSec;
                waitMs = due <= now ? 0 : (int)Math.Min((due - now + 999) / 1000, int.MaxValue);
                break;
            }
            try
            {
                _wake.Wait(waitMs, cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Work posted from here on sets it again; what was posted before is in the queue RunPending drains.
            _wake.Reset();
        }
    }

    private bool TryTakeDueTimer(out LoopTimer timer)
    {
        while (_timers.TryPeek(out timer!, out ulong due))
        {
            if (timer.Canceled)
            {
                _timers.Dequeue();
                continue;
            }
            if (due > Clock.MonotonicUSec)
                return false;
            _timers.Dequeue();
            timer.Cancel();
            return true;
        }
        return false;
    }

    /// <summary>Runs one event and its consequences; an exception is logged and never stops the loop.</summary>
    private void Dispatch(Action work)
    {
        _inEvent = true;
        try
        {
            work();
        }
        catch (Exception ex)
        {
            Log.Write(LogPriority.Error, null, $"Event {work.Method.Name} failed, ignoring: {ex}");
        }
        finally
        {
            _inEvent = false;
        }
        Drain();
    }

    private bool _inEvent;

    private const int MaxDrainRounds = 10_000;

    /// <summary>
    /// Public operations called directly on the loop thread (not as a posted event) drain the queues before they
    /// return, so the caller sees a settled state. Inside an event the loop drains after the event instead.
    /// </summary>
    private void Settle()
    {
        if (!_inEvent)
            Drain();
    }

    /// <summary>
    /// Drains the queues in systemd's order: load, trigger notifications, collect, upheld, bound, unneeded, run; change notifications go out
    /// only once everything else is empty, so each object changes at most once per settled state. Called after every event, and after direct calls from the loop
    /// thread (AddJob and friends) so callers see a settled state.
    /// </summary>
    internal void Drain()
    {
        if (_draining)
            return;
        _draining = true;
        int rounds = 0;
        try
        {
            while (true)
            {
                // Jobs that keep queuing jobs (OnFailure= loops, contradicting dependencies) must not starve the
                // other events: after many rounds, finish in a later turn of the loop.
                if (++rounds > MaxDrainRounds)
                {
                    Post(static () => { });
                    break;
                }
                try
                {
                    if (DispatchLoadQueue() || DispatchTriggerQueue() || DispatchGcQueue() || DispatchStartWhenUpheldQueue()
                        || DispatchStopWhenBoundQueue() || DispatchStopWhenUnneededQueue() || DispatchRunQueue()
                        || DispatchDbusQueue())
                        continue;
                    break;
                }
                catch (Exception ex)
                {
                    Log.Write(LogPriority.Error, null, $"Processing queued work failed, ignoring: {ex}");
                }
            }
        }
        finally
        {
            _draining = false;
        }
    }

    internal uint AllocateJobId() => ++_lastJobId;

    internal void LogDebug(Unit unit, string message)
    {
        if (DebugLogging)
            Log.Write(LogPriority.Debug, unit.Id, $"{unit.Id}: {message}");
    }

    internal void LogUnit(LogPriority priority, Unit unit, string message) =>
        Log.Write(priority, unit.Id, $"{unit.Id}: {message}");

    // ---- manager life ----

    /// <summary>
    /// Start-up: activates the perpetual units (the root slice, the manager's own init.scope...) and queues the
    /// default target with mode isolate (or replace when it may not be isolated), as systemd does after coldplug.
    /// </summary>
    public Job? Startup()
    {
        _startupBeganUSec = Clock.MonotonicUSec;
        foreach (string name in SpecialUnits.PerpetualNames(Scope))
        {
            var perpetual = LoadUnit(name);
            if (perpetual.IsPerpetual && perpetual.ActiveState == ActiveState.Inactive)
                perpetual.Kind.Start();
        }
        Job? job = null;
        var target = LoadUnit(_options.DefaultTarget);
        try
        {
            job = AddJob(JobType.Start, target, JobMode.Isolate);
        }
        catch (BusErrorException ex) when (ex.ErrorName == BusErrors.NoIsolation)
        {
            Log.Write(LogPriority.Debug, null, $"Default target could not be isolated, starting instead: {ex.Message}");
            try
            {
                job = AddJob(JobType.Start, target, JobMode.Replace);
            }
            catch (BusErrorException again)
            {
                Log.Write(LogPriority.Error, null, $"Failed to start default target: {again.Message}");
            }
        }
        catch (BusErrorException ex)
        {
            Log.Write(LogPriority.Error, null, $"Failed to start default target: {ex.Message}");
        }
        _startupPending = true;
        CheckFinished();
        Settle();
        return job;
    }

    /// <summary>unit_clean(): removes what a unit keeps between runs (its directories, a timer's stamp file); only
    /// for a loaded, inactive unit without a job. Throws <see cref="BusErrorException"/> with systemd's errors.</summary>
    public void Clean(Unit unit, ExecCleanMask mask)
    {
        if (unit.Kind.CleanableResources is null)
            throw new BusErrorException(BusErrors.NotSupported, $"Unit '{unit.Id}' does not support cleaning.");
        var outcome = mask == ExecCleanMask.None ? CleanOutcome.NothingToClean
            : unit.LoadState != LoadState.Loaded || unit.Job is not null || unit.ActiveState != ActiveState.Inactive ? CleanOutcome.Busy
            : unit.Kind.Clean(mask);
        switch (outcome)
        {
            case CleanOutcome.NothingToClean:
                throw new BusErrorException(BusErrors.NothingToClean, "No matching resources found.");
            case CleanOutcome.Busy:
                throw new BusErrorException(BusErrors.UnitBusy, "Unit is not inactive or has pending job.");
        }
    }

    /// <summary>The system clock was set (systemd's manager_dispatch_time_change_fd): every unit hears of it.</summary>
    public void DispatchTimeChange()
    {
        if (DebugLogging)
            Log.Write(LogPriority.Debug, null, "Time has been changed");
        foreach (var unit in Units.ToList())
            unit.Kind.TimeChange();
    }

    /// <summary>/etc/localtime changed (systemd's manager_dispatch_timezone_change): every unit hears of it.</summary>
    public void DispatchTimezoneChange()
    {
        if (DebugLogging)
            Log.Write(LogPriority.Debug, null, $"Timezone has been changed (now: {TimeZoneInfo.Local.Id}).");
        foreach (var unit in Units.ToList())
            unit.Kind.TimezoneChange();
    }

    private bool _startupPending;
    private ulong _startupBeganUSec;

    private void CheckFinished()
    {
        if (!_startupPending || _jobs.Count > 0)
            return;
        _startupPending = false;
        ulong took = Clock.MonotonicUSec - _startupBeganUSec;
        Log.Write(LogPriority.Info, null, $"Startup finished in {TimeSpans.Format(took, 1000)}.");
        foreach (var o in _observers)
            o.StartupFinished(took);
    }

    /// <summary>The D-Bus Exit() call: the manager (a user instance) should exit.</summary>
    public void Exit() => SetObjective(ManagerObjective.Exit);

    private void SetObjective(ManagerObjective objective)
    {
        Objective = objective;
        foreach (var o in _observers)
            o.ObjectiveChanged(objective);
    }

    /// <summary>
    /// SuccessAction=/FailureAction=/JobTimeoutAction=: the plain actions start the matching special target
    /// irreversibly, the forced ones ask the manager to act at once (systemd's emergency_action).
    /// </summary>
    internal void RunEmergencyAction(EmergencyAction action, string reason)
    {
        if (action == EmergencyAction.None)
            return;
        Log.Write(LogPriority.Notice, null, $"{reason}, requesting {action}.");
        string? target = action switch
        {
            EmergencyAction.Exit => SpecialUnits.ExitTarget,
            EmergencyAction.Reboot => SpecialUnits.RebootTarget,
            EmergencyAction.Poweroff => SpecialUnits.PoweroffTarget,
            EmergencyAction.Halt => SpecialUnits.HaltTarget,
            EmergencyAction.Kexec => "kexec.target",
            EmergencyAction.SoftReboot => "soft-reboot.target",
            _ => null,
        };
        if (target is not null)
        {
            try
            {
                AddJob(JobType.Start, LoadUnit(target), JobMode.ReplaceIrreversibly);
            }
            catch (BusErrorException ex)
            {
                Log.Write(LogPriority.Warning, null, $"Failed to enqueue {target}: {ex.Message}");
            }
            return;
        }
        SetObjective(action switch
        {
            EmergencyAction.ExitForce => ManagerObjective.Exit,
            EmergencyAction.RebootForce or EmergencyAction.RebootImmediate => ManagerObjective.Reboot,
            EmergencyAction.PoweroffForce or EmergencyAction.PoweroffImmediate => ManagerObjective.Poweroff,
            EmergencyAction.HaltForce or EmergencyAction.HaltImmediate => ManagerObjective.Halt,
            _ => ManagerObjective.Kexec,
        });
    }
}
