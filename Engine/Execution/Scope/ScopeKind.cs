using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Cgroups;
using Units.Execution.Notify;
using Units.Execution.Service;
using Units.Execution.Spawning;

namespace Units.Execution.Scope;

/// <summary>A scope unit's state (systemd's ScopeState, without start-chown: User= is not taken for scopes).</summary>
public enum ScopeState
{
    Dead,
    Running,
    Abandoned,
    StopSigterm,
    StopSigkill,
    Failed,
}

/// <summary>Why a scope unit last failed (systemd's ScopeResult).</summary>
public enum ScopeResult
{
    Success,
    Resources,
    Timeout,
    StartLimitHit,
}

/// <summary>What a scope's file and StartTransientUnit say: how to stop its processes, its cgroup's limits, how long it
/// may run.</summary>
public sealed record ScopeSettings
{
    public KillSettings Kill { get; init; } = new();
    public ResourceControlSettings Resources { get; init; } = new();
    public ulong RuntimeMaxUsec { get; init; } = ulong.MaxValue;
    public ulong TimeoutStopUsec { get; init; } = 90_000_000;
}

/// <summary>
/// The scope unit type (systemd 252's scope.c): processes the manager did not start, grouped in a cgroup of their own.
/// A scope is made by StartTransientUnit with PIDs=; its start moves them into the cgroup, and it runs until the cgroup
/// is empty, is stopped (its processes are killed per KillMode=), or outlives RuntimeMaxSec=. Abandon() leaves the
/// processes to themselves. The manager's own init.scope is perpetual: running for as long as the manager.
/// </summary>
public sealed class ScopeKind : UnitKind, IProcessOwner
{
    private readonly ExecutionRuntime _runtime;
    private readonly List<int> _pidsToAttach = [];
    private ScopeSettings _settings = new();
    private UnitProcesses? _processes;
    private LoopTimer? _timer;

    private ScopeKind(ExecutionRuntime runtime) => _runtime = runtime;

    /// <summary>Registers scopes over the core's own (which knows only init.scope).</summary>
    public static void Register(UnitKinds kinds, ExecutionRuntime runtime) =>
        kinds.Register(UnitType.Scope, () => new ScopeKind(runtime));

    public ScopeState State { get; private set; }

    public ScopeResult Result { get; private set; }

    /// <summary>The scope's processes and cgroup (ControlGroup, GetProcesses); null for init.scope.</summary>
    public UnitProcesses? Processes => _processes;

    public ScopeSettings Settings => _settings;

    public override ActiveState ActiveState => ToActiveState(State);

    public override string SubState => ToSystemdString(State);

    public override bool UsesSlice => true;

    public override bool IgnoresIsolateByDefault => true;

    /// <summary>A scope is started once, by whoever creates it (systemd's once_only).</summary>
    public override bool CanStart => State == ScopeState.Dead && Unit.InactiveExitTimestamp.MonotonicUSec == 0;

    public override bool HoldsResources => _processes is { IsGroupEmpty: false };

    public override ulong? CpuUsageNSec => _processes?.ReadCpuUsage();

    public string InvocationId => Unit.InvocationId.ToString();

    public static string ToSystemdString(ScopeState state) => state switch
    {
        ScopeState.Running => "running",
        ScopeState.Abandoned => "abandoned",
        ScopeState.StopSigterm => "stop-sigterm",
        ScopeState.StopSigkill => "stop-sigkill",
        ScopeState.Failed => "failed",
        _ => "dead",
    };

    public static string ToSystemdString(ScopeResult result) => result switch
    {
        ScopeResult.Resources => "resources",
        ScopeResult.Timeout => "timeout",
        ScopeResult.StartLimitHit => "start-limit-hit",
        _ => "success",
    };

    private static ActiveState ToActiveState(ScopeState state) => state switch
    {
        ScopeState.Running or ScopeState.Abandoned => ActiveState.Active,
        ScopeState.StopSigterm or ScopeState.StopSigkill => ActiveState.Deactivating,
        ScopeState.Failed => ActiveState.Failed,
        _ => ActiveState.Inactive,
    };

    public override void Load(UnitDefinition definition)
    {
        _settings = definition.TypeSettings as ScopeSettings ?? new ScopeSettings();
        if (_processes is null && !Unit.IsPerpetual)
        {
            _processes = _runtime.CreateUnit(Unit.Id, Unit.SliceName, new ServiceSettings { Kill = _settings.Kill, Resources = _settings.Resources });
            _processes.Owner = this;
        }
        else
        {
            _processes?.Reconfigure(new ServiceSettings { Kill = _settings.Kill, Resources = _settings.Resources });
        }
    }

    /// <summary>PIDs= of StartTransientUnit: the processes the start moves into the scope.</summary>
    public void AttachOnStart(IEnumerable<int> pids) => _pidsToAttach.AddRange(pids);

    public override UnitOperationResult Start()
    {
        if (Unit.IsPerpetual)
        {
            SetState(ScopeState.Running);
            return UnitOperationResult.InProgress;
        }
        if (!Unit.TestStartLimit())
        {
            EnterDead(ScopeResult.StartLimitHit);
            return UnitOperationResult.Failed;
        }
        Unit.AcquireInvocationId();
        Result = ScopeResult.Success;
        int attached = AttachProcesses();
        _pidsToAttach.Clear();
        if (attached == 0)
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: No PIDs left to attach to the scope's control group, refusing.");
            EnterDead(ScopeResult.Resources);
            return UnitOperationResult.Failed;
        }
        ArmTimer(_settings.RuntimeMaxUsec);
        SetState(ScopeState.Running);
        // Processes that ended between the request and the move leave an empty cgroup: the scope is done at once.
        if (_processes!.IsGroupEmpty)
            Host.Post(OnGroupEmpty);
        return UnitOperationResult.InProgress;
    }

    /// <summary>Moves the processes still alive into the scope's cgroup; how many went.</summary>
    private int AttachProcesses()
    {
        if (_processes is not { CgroupPath: { } cgroup })
        {
            Host.Log.Write(LogPriority.Error, Unit.Id, $"{Unit.Id}: Scopes need a writable cgroup v2 hierarchy, and there is none.");
            return 0;
        }
        _processes.Prepare();
        int attached = 0;
        foreach (int pid in _pidsToAttach.Distinct())
        {
            if (CgroupHierarchy.Attach(cgroup, pid))
                attached++;
            else
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Couldn't move process {pid} to requested cgroup '{cgroup}'.");
        }
        _processes.ForgetEmptiness();
        return attached;
    }

    public override UnitOperationResult Stop()
    {
        switch (State)
        {
            case ScopeState.Dead or ScopeState.Failed:
                return UnitOperationResult.AlreadyDone;
            case ScopeState.StopSigterm or ScopeState.StopSigkill:
                return UnitOperationResult.InProgress;
            default:
                if (Unit.IsPerpetual)
                    return UnitOperationResult.AlreadyDone;
                EnterSignal(ScopeState.StopSigterm, ScopeResult.Success);
                return UnitOperationResult.InProgress;
        }
    }

    public override UnitOperationResult Kill(KillWhom whom, int signal)
    {
        if (_processes is null || whom != KillWhom.All)
            return UnitOperationResult.NotApplicable;
        _processes.KillGroup(signal, []);
        return UnitOperationResult.InProgress;
    }

    /// <summary>Abandon(): the scope no longer stands for its processes' start; they run on, and it ends with them.</summary>
    public bool Abandon()
    {
        if (State is not (ScopeState.Running or ScopeState.Abandoned))
            return false;
        DisarmTimer();
        SetState(ScopeState.Abandoned);
        return true;
    }

    public override void ResetFailed()
    {
        if (State == ScopeState.Failed)
            SetState(ScopeState.Dead);
        Result = ScopeResult.Success;
    }

    /// <summary>scope_enter_signal(): signals the processes per KillMode=; waits for the cgroup to empty, at most
    /// TimeoutStopSec=.</summary>
    private void EnterSignal(ScopeState state, ScopeResult result)
    {
        if (Result == ScopeResult.Success)
            Result = result;
        KillSettings kill = _settings.Kill;
        int signal = state == ScopeState.StopSigkill ? kill.FinalKillSignal : kill.KillSignal;
        int signalled = kill.KillMode == KillMode.None ? 0 : _processes!.KillGroup(signal, []);
        if (signalled > 0 && state == ScopeState.StopSigterm && kill.SendSIGHUP)
            _processes!.KillGroup(Signals.SIGHUP, []);
        if (signalled > 0 && !_processes!.IsGroupEmpty)
        {
            ArmTimer(_settings.TimeoutStopUsec);
            SetState(state);
        }
        else if (state == ScopeState.StopSigterm && kill.SendSIGKILL && signalled > 0)
        {
            EnterSignal(ScopeState.StopSigkill, ScopeResult.Success);
        }
        else
        {
            EnterDead(ScopeResult.Success);
        }
    }

    private void EnterDead(ScopeResult result)
    {
        if (Result == ScopeResult.Success)
            Result = result;
        DisarmTimer();
        _processes?.Release();
        if (Result != ScopeResult.Success)
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Failed with result '{ToSystemdString(Result)}'.");
        SetState(Result == ScopeResult.Success ? ScopeState.Dead : ScopeState.Failed);
    }

    private void OnTimer()
    {
        _timer = null;
        switch (State)
        {
            case ScopeState.Running or ScopeState.Abandoned:
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Scope reached runtime time limit. Stopping.");
                EnterSignal(ScopeState.StopSigterm, ScopeResult.Timeout);
                break;
            case ScopeState.StopSigterm when _settings.Kill.SendSIGKILL:
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Stopping timed out. Killing.");
                EnterSignal(ScopeState.StopSigkill, ScopeResult.Timeout);
                break;
            case ScopeState.StopSigterm or ScopeState.StopSigkill:
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Still around after final SIGKILL. Ignoring.");
                EnterDead(ScopeResult.Timeout);
                break;
        }
    }

    private void ArmTimer(ulong relativeUsec)
    {
        DisarmTimer();
        if (relativeUsec is 0 or ulong.MaxValue)
            return;
        ulong now = Host.Clock.MonotonicUSec;
        _timer = Host.AddTimer(now + relativeUsec < now ? ulong.MaxValue : now + relativeUsec, OnTimer);
    }

    private void DisarmTimer()
    {
        _timer?.Cancel();
        _timer = null;
    }

    private void SetState(ScopeState state)
    {
        var old = State;
        State = state;
        Unit.NotifyStateChanged(ToActiveState(old), ToActiveState(state));
    }

    /// <summary>The cgroup is empty: the scope is done (scope_notify_cgroup_empty_event).</summary>
    public void OnGroupEmpty()
    {
        if (State is ScopeState.Running or ScopeState.Abandoned or ScopeState.StopSigterm or ScopeState.StopSigkill && _processes!.IsGroupEmpty)
            EnterDead(ScopeResult.Success);
    }

    public void OnProcessExit(ProcessExit exit)
    {
        // Scope processes are not the manager's children; only the cgroup tells when they are gone.
    }

    public void OnExecSucceeded(int pid)
    {
    }

    public void OnNotify(NotifyMessage message)
    {
    }
}
