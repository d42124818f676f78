using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution;
using Units.Execution.Service;

namespace Units.Daemon.Kinds;

/// <summary>
/// The service unit type: the core's operations table (<see cref="UnitKind"/>) over the execution layer's
/// <see cref="ServiceMachine"/>, which implements systemd's service.c state machine. This class only translates:
/// operations in, state changes and restart requests out.
/// </summary>
internal sealed class ServiceKind(ExecutionRuntime runtime, string defaultSlice) : UnitKind, IServiceHost
{
    private ServiceMachine? _machine;
    private UnitProcesses? _processes;

    /// <summary>The state machine; null only for a service whose settings never loaded (it cannot start).</summary>
    public ServiceMachine? Machine => _machine;

    public UnitProcesses? Processes => _processes;

    public override ActiveState ActiveState => _machine is null ? ActiveState.Inactive : Enum.Parse<ActiveState>(_machine.ActiveState.ToString());

    public override string SubState => _machine?.State.ToSystemdString() ?? "dead";

    public override bool UsesSlice => true;

    public override bool CanReload => _machine?.CanReload ?? false;

    public override bool HoldsResources => _processes is { IsGroupEmpty: false };

    public override bool WillRestart => _machine?.State == ServiceState.AutoRestart;

    public override void Load(UnitDefinition definition)
    {
        if (definition.TypeSettings is not ServiceSettings settings)
            return;
        if (_machine is null)
        {
            _processes = runtime.CreateUnit(Unit.Id, definition.Slice ?? defaultSlice, settings);
            _machine = new ServiceMachine(settings, this, _processes);
            _processes.Machine = _machine;
        }
        else
        {
            _processes!.Reconfigure(settings);
            _machine.Reconfigure(settings);
        }
    }

    public override UnitOperationResult Start() => _machine is null ? UnitOperationResult.Invalid : Translate(_machine.Start());

    public override UnitOperationResult Stop() => _machine is null ? UnitOperationResult.AlreadyDone : Translate(_machine.Stop());

    public override UnitOperationResult Reload() => _machine is null ? UnitOperationResult.NotApplicable : Translate(_machine.Reload());

    public override UnitOperationResult Kill(KillWhom whom, int signal)
    {
        if (_machine is null)
            return UnitOperationResult.Failed;
        KillTarget target = whom switch
        {
            KillWhom.Main => KillTarget.Main,
            KillWhom.Control => KillTarget.Control,
            _ => KillTarget.All,
        };
        return _machine.Kill(target, signal) ? UnitOperationResult.InProgress : UnitOperationResult.Failed;
    }

    public override void ResetFailed() => _machine?.ResetFailed();

    public override string? AccountingSummary => null;

    public override void Unload() => _processes?.Release();

    private static UnitOperationResult Translate(ServiceOperation operation) => operation switch
    {
        ServiceOperation.InProgress => UnitOperationResult.InProgress,
        ServiceOperation.AlreadyDone => UnitOperationResult.AlreadyDone,
        ServiceOperation.Again => UnitOperationResult.Again,
        ServiceOperation.NotApplicable => UnitOperationResult.NotApplicable,
        ServiceOperation.Invalid => UnitOperationResult.Invalid,
        _ => UnitOperationResult.Failed,
    };

    // ---- IServiceHost: what the state machine asks of the manager loop ----

    ulong IServiceHost.NowUSec => Host.Clock.MonotonicUSec;

    IDisposable IServiceHost.AddTimer(ulong dueUSec, Action callback) => new TimerHandle(Host.AddTimer(dueUSec, callback));

    void IServiceHost.StateChanged(ServiceState oldState, ServiceState newState, bool reloadFailure, bool willAutoRestart)
    {
        bool idle = _machine?.Settings.Type == ServiceType.Idle;
        var flags = UnitNotifyFlags.None;
        if (reloadFailure)
            flags |= UnitNotifyFlags.ReloadFailure;
        if (willAutoRestart)
            flags |= UnitNotifyFlags.WillAutoRestart;
        Unit.NotifyStateChanged(
            Enum.Parse<ActiveState>(oldState.ToActiveState(idle).ToString()),
            Enum.Parse<ActiveState>(newState.ToActiveState(idle).ToString()),
            flags);
    }

    void IServiceHost.PropertiesChanged() => Unit.NotifyPropertiesChanged();

    void IServiceHost.Log(int priority, string message) => Host.Log.Write((LogPriority)priority, Unit.Id, message);

    /// <summary>Restart=: systemd queues a restart job (mode replace) unless a stop job is already pending.</summary>
    bool IServiceHost.QueueRestart()
    {
        if (Unit.Job is { Type: JobType.Stop })
            return false;
        try
        {
            Host.AddJob(JobType.Restart, Unit, JobMode.Replace);
            return true;
        }
        catch (BusErrorException e)
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Failed to schedule restart job: {e.Message}");
            return false;
        }
    }

    private sealed class TimerHandle(LoopTimer timer) : IDisposable
    {
        public void Dispose() => timer.Cancel();
    }
}
