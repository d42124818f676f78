using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Socket;

namespace Units.Execution.Service;

/// <summary>
/// The service unit type in the core's operations table: translates between the core (jobs, ActiveState, the loop's
/// timers and log) and <see cref="ServiceMachine"/>. Register with <see cref="Register"/>; a unit's
/// <see cref="UnitDefinition.TypeSettings"/> must be a <see cref="ServiceSettings"/>.
/// </summary>
public sealed class ServiceKind : UnitKind, IServiceHost
{
    private readonly ExecutionRuntime _runtime;
    private ServiceMachine? _machine;
    private UnitProcesses? _processes;
    private string? _watchedBusName;
    private IDisposable? _busNameWatch;
    private Connection? _connection;

    /// <summary>The connection an Accept=yes socket handed this instance (systemd's socket_fd and accept_socket).</summary>
    private sealed record Connection(int Fd, SocketKind Socket, string? Source, IReadOnlyList<string> Environment);

    private ServiceKind(ExecutionRuntime runtime) => _runtime = runtime;

    public static void Register(UnitKinds kinds, ExecutionRuntime runtime) =>
        kinds.Register(UnitType.Service, () => new ServiceKind(runtime));

    /// <summary>The state machine (null until loaded), for the D-Bus Service properties.</summary>
    public ServiceMachine? Machine => _machine;

    /// <summary>The unit's processes and cgroup (GetUnitProcesses, ControlGroup=).</summary>
    public UnitProcesses? Processes => _processes;

    public override bool UsesSlice => true;

    public override ulong CpuWeight => _machine?.Settings.Resources.CPUWeight ?? base.CpuWeight;

    public override int Nice => _machine?.Settings.Exec.Nice ?? base.Nice;

    public override ActiveState ActiveState => _machine is null ? ActiveState.Inactive : Map(_machine.ActiveState);

    public override string SubState => _machine?.State.ToSystemdString() ?? "dead";

    public override void Load(UnitDefinition definition)
    {
        var settings = definition.TypeSettings as ServiceSettings ?? new ServiceSettings();
        foreach (var problem in ExecSettingsCheck.Unsupported(settings.Exec))
            Host.Log.Write(LogPriority.Warning, Unit.Id, problem);
        if (_machine is null)
        {
            _processes = _runtime.CreateUnit(Unit.Id, Unit.SliceName, settings);
            _machine = new ServiceMachine(settings, this, _processes);
            _processes.Owner = _machine;
            _processes.Sockets = CollectSockets;
        }
        else
        {
            _machine.Reconfigure(settings);
            _processes!.Reconfigure(settings);
        }
        WatchBusName(settings.BusName);
    }

    /// <summary>Follows BusName='s owner on the API bus (a changed name at daemon-reload is followed anew).</summary>
    private void WatchBusName(string? name)
    {
        if (name == _watchedBusName)
            return;
        _busNameWatch?.Dispose();
        _busNameWatch = name is not null && _runtime.BusNames is { } names
            ? names.Watch(name, (owner, pid) => _machine?.BusNameOwnerChanged(owner, pid))
            : null;
        _watchedBusName = name;
    }

    public override void Unload()
    {
        WatchBusName(null);
        CloseConnection();
    }

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        if (defaults)
        {
            StandardDependencies.AddServiceDefaults(sink);
        }
        else if (definition.TypeSettings is ServiceSettings { Type: ServiceType.Dbus, BusName: not null })
        {
            // A Type=dbus service needs the bus it waits on (systemd's service_setup_bus_name).
            sink.Add(UnitDependency.Requires, SpecialUnits.DbusSocket);
            sink.Add(UnitDependency.After, SpecialUnits.DbusSocket);
        }
    }

    public override UnitOperationResult Start() => Map(Loaded.Start());

    public override UnitOperationResult Stop() => Map(Loaded.Stop());

    public override bool CanReload => _machine?.CanReload ?? false;

    public override UnitOperationResult Reload() => Map(Loaded.Reload());

    public override UnitOperationResult Kill(KillWhom whom, int signal) =>
        Loaded.Kill(whom switch { KillWhom.Main => KillTarget.Main, KillWhom.Control => KillTarget.Control, _ => KillTarget.All }, signal)
            ? UnitOperationResult.InProgress
            : UnitOperationResult.Failed;

    public override void ResetFailed() => _machine?.ResetFailed();

    public override ExecCleanMask? CleanableResources =>
        _machine is null ? ExecCleanMask.None : Spawning.ExecDirectoryRoots.Configured(_machine.Settings.Exec);

    public override CleanOutcome Clean(ExecCleanMask mask) =>
        Loaded.Clean(_runtime.Options.Value.Directories.CleanPaths(Loaded.Settings.Exec, mask));

    public override bool HoldsResources => _processes is not null && !_processes.IsGroupEmpty;


    /// <summary>service_finished_job: a oneshot service that ran to its end is "Finished", not "Started".</summary>
    public override string? FinishedJobFormat(JobType type, JobResult result) =>
        type == JobType.Start && result == JobResult.Done && _machine?.Settings.Type == ServiceType.Oneshot ? "Finished {0}." : null;

    /// <summary>From the cgroup's cpu.stat while it exists, else the last reading (see <see cref="UnitProcesses.ReadCpuUsage"/>).</summary>
    public override ulong? CpuUsageNSec => _processes?.ReadCpuUsage();

    public override bool WillRestart => _machine?.State == ServiceState.AutoRestart;

    private ServiceMachine Loaded => _machine ?? throw new InvalidOperationException($"{Unit.Id} is not loaded.");

    // ---- IServiceHost: the machine's view of the manager ----

    ulong IServiceHost.NowUSec => Host.Clock.MonotonicUSec;

    IDisposable IServiceHost.AddTimer(ulong dueUSec, Action callback) => new TimerHandle(Host.AddTimer(dueUSec, callback));

    void IServiceHost.StateChanged(ServiceState oldState, ServiceState newState, bool reloadFailure, bool willAutoRestart)
    {
        bool idle = _machine?.Settings.Type == ServiceType.Idle;
        var flags = (reloadFailure ? UnitNotifyFlags.ReloadFailure : UnitNotifyFlags.None) |
                    (willAutoRestart ? UnitNotifyFlags.WillAutoRestart : UnitNotifyFlags.None);
        // A connection lives as long as the instance runs (service_set_state's service_close_socket_fd).
        if (newState is ServiceState.Failed or ServiceState.AutoRestart || (newState == ServiceState.Dead && Unit.Job is null))
            CloseConnection();
        Unit.NotifyStateChanged(Map(oldState.ToActiveState(idle)), Map(newState.ToActiveState(idle)), flags);
    }

    /// <summary>
    /// An Accept=yes socket hands this instance its connection (systemd's service_set_socket_fd): the instance owns
    /// the descriptor from now on and describes itself with the peer. Returns why not when it cannot take one.
    /// </summary>
    internal string? TakeConnection(int fd, SocketKind socket, string? source, SocketKind.Peer peer)
    {
        if (_machine is null)
            return $"{Unit.Id} is not loaded.";
        if (_connection is not null)
            return $"{Unit.Id} has a connection already.";
        if (_machine.State != ServiceState.Dead)
            return $"{Unit.Id} is not dead.";
        if (SocketAddress.PeerText(peer.Remote, peer.Credentials) is { } text)
            Unit.SetDescription(Unit.Definition.Description.Length > 0 ? $"{Unit.Definition.Description} ({text})" : text);
        _connection = new Connection(fd, socket, source, [.. SocketAddress.RemoteEnvironment(peer.Remote)]);
        return null;
    }

    /// <summary>Closes the connection and tells its socket (service_close_socket_fd).</summary>
    internal void CloseConnection()
    {
        if (_connection is not { } connection)
            return;
        _connection = null;
        Native.Libc.close(connection.Fd);
        connection.Socket.ConnectionClosed(connection.Source);
    }

    /// <summary>systemd's service_collect_fds: the connection of an Accept=yes instance, else the listening sockets
    /// of every socket unit that triggers this service, named by their FileDescriptorName=.</summary>
    private ServiceSockets CollectSockets()
    {
        if (_connection is { } connection)
            return new ServiceSockets([(connection.Fd, "connection")], connection.Environment);
        var fds = new List<(int Fd, string Name)>();
        foreach (Unit trigger in Unit.DependenciesOf(UnitDependency.TriggeredBy))
        {
            if (trigger.Kind is not SocketKind socket)
                continue;
            foreach (SocketPort port in socket.Ports)
                if (port.IsOpen)
                    fds.Add((port.Fd, socket.FileDescriptorName));
        }
        return new ServiceSockets(fds, []);
    }

    void IServiceHost.PropertiesChanged() => Unit.NotifyPropertiesChanged();

    bool IServiceHost.TestStartLimit() => Unit.TestStartLimit();

    void IServiceHost.Log(int priority, string message) => Host.Log.Write((LogPriority)priority, Unit.Id, message);

    string IServiceHost.BeginInvocation()
    {
        Unit.AcquireInvocationId();
        return Unit.InvocationId.ToString();
    }

    bool IServiceHost.QueueRestart()
    {
        if (Unit.Job?.Type == JobType.Stop)
            return false;
        try
        {
            Host.AddJob(JobType.Restart, Unit, JobMode.Replace);
            return true;
        }
        catch (BusErrorException e)
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"Failed to schedule restart job: {e.Message}");
            return false;
        }
    }

    private static ActiveState Map(ServiceActiveState state) => state switch
    {
        ServiceActiveState.Active => ActiveState.Active,
        ServiceActiveState.Reloading => ActiveState.Reloading,
        ServiceActiveState.Inactive => ActiveState.Inactive,
        ServiceActiveState.Failed => ActiveState.Failed,
        ServiceActiveState.Activating => ActiveState.Activating,
        ServiceActiveState.Deactivating => ActiveState.Deactivating,
        _ => ActiveState.Maintenance,
    };

    private static UnitOperationResult Map(ServiceOperation operation) => operation switch
    {
        ServiceOperation.InProgress => UnitOperationResult.InProgress,
        ServiceOperation.AlreadyDone => UnitOperationResult.AlreadyDone,
        ServiceOperation.Again => UnitOperationResult.Again,
        ServiceOperation.NotApplicable => UnitOperationResult.NotApplicable,
        ServiceOperation.Invalid => UnitOperationResult.Invalid,
        _ => UnitOperationResult.Failed,
    };

    private sealed class TimerHandle(LoopTimer timer) : IDisposable
    {
        public void Dispose() => timer.Cancel();
    }
}
