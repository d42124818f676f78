using System.Runtime.InteropServices;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Native;
using Units.Execution.Notify;
using Units.Execution.Service;
using Units.Execution.Spawning;

namespace Units.Execution.Socket;

/// <summary>
/// The socket unit type in the core's operations table, after systemd 252's socket.c: the manager opens and holds
/// the listening sockets, FIFOs and special files; traffic on them starts the service they trigger (Accept=no), or a
/// new instance of the template service per connection (Accept=yes). One Enter* method per state, every transition
/// through <see cref="SetState"/>. Register with <see cref="Register"/>; a unit's
/// <see cref="UnitDefinition.TypeSettings"/> must be a <see cref="SocketSettings"/>.
/// </summary>
public sealed class SocketKind : UnitKind, IProcessOwner
{
    private readonly ExecutionRuntime _runtime;
    private SocketSettings _settings = new();
    private List<SocketPort> _ports = [];
    private string? _portsError;
    private UnitProcesses? _processes;
    private RateLimit _triggerLimit;
    private LoopTimer? _timer;
    private IReadOnlyList<ExecCommand> _controlCommands = [];
    private int _controlIndex;
    private string _controlName = "";
    // Connections per peer address, for MaxConnectionsPerSource=.
    private readonly Dictionary<string, uint> _connectionsBySource = new(StringComparer.Ordinal);

    private SocketKind(ExecutionRuntime runtime) => _runtime = runtime;

    public static void Register(UnitKinds kinds, ExecutionRuntime runtime) =>
        kinds.Register(UnitType.Socket, () => new SocketKind(runtime));

    public SocketState State { get; private set; }

    public SocketResult Result { get; private set; }

    /// <summary>Connections handed to service instances that still run (Accept=yes).</summary>
    public uint NConnections { get; private set; }

    public uint NAccepted { get; private set; }

    /// <summary>Connections and triggers refused (MaxConnections=, the trigger limit, a pending stop).</summary>
    public uint NRefused { get; private set; }

    public int ControlPid { get; private set; }

    public SocketSettings Settings => _settings;

    /// <summary>The unit's cgroup directory while the socket is up (it is realised at start); null otherwise.</summary>
    public string? ControlGroupPath => State is SocketState.Dead or SocketState.Failed || _processes?.CgroupPath is not { } path
        || !Directory.Exists(path) ? null : path;

    /// <summary>The ports in Listen…= order (Listen=, list-sockets).</summary>
    public IReadOnlyList<SocketPort> Ports => _ports;

    /// <summary>The name the socket's descriptors carry in $LISTEN_FDNAMES (systemd's socket_fdname).</summary>
    public string FileDescriptorName => _settings.FileDescriptorName ?? Unit.Id;

    public override ActiveState ActiveState => State.ToActiveState();

    public override string SubState => State.ToSystemdString();

    public override bool UsesSlice => true;

    public override bool HoldsResources => _processes is not null && !_processes.IsGroupEmpty;

    string IProcessOwner.InvocationId => Unit.InvocationId.ToString();

    public override void Load(UnitDefinition definition)
    {
        var settings = definition.TypeSettings as SocketSettings ?? new SocketSettings();
        foreach (var problem in ExecSettingsCheck.Unsupported(settings.Exec))
            Host.Log.Write(LogPriority.Warning, Unit.Id, problem);
        _settings = settings;
        _triggerLimit = new RateLimit(settings.EffectiveTriggerLimitIntervalUsec, settings.EffectiveTriggerLimitBurst);
        // The ports of a running socket stay open across daemon-reload; new ones apply at the next start.
        if (_ports.All(static p => !p.IsOpen))
        {
            try
            {
                _ports = SocketPort.All(settings.Ports);
                _portsError = null;
            }
            catch (FormatException e)
            {
                _ports = [];
                _portsError = e.Message;
            }
        }
        var serviceSettings = new ServiceSettings { Exec = settings.Exec, Kill = settings.Kill, Resources = settings.Resources };
        if (_processes is null)
        {
            _processes = _runtime.CreateUnit(Unit.Id, Unit.SliceName, serviceSettings);
            _processes.Owner = this;
        }
        else
        {
            _processes.Reconfigure(serviceSettings);
        }
    }

    /// <summary>The service the socket activates when one service takes all its traffic: Service=, else the service
    /// of the socket's own name.</summary>
    private string ServiceName => _settings.Service ?? Unit.Id[..Unit.Id.LastIndexOf('.')] + ".service";

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        var settings = definition.TypeSettings as SocketSettings ?? new SocketSettings();
        if (!defaults)
        {
            // socket_add_extras: the service that takes the listening sockets is triggered by and ordered after it.
            if (settings.HasNonAcceptPort)
            {
                string service = settings.Service ?? definition.Name[..definition.Name.LastIndexOf('.')] + ".service";
                sink.Add(UnitDependency.Before, service);
                sink.Add(UnitDependency.Triggers, service);
            }
            return;
        }
        // socket_add_default_dependencies.
        StandardDependencies.AddTriggerDefaults(sink, "sockets.target");
    }

    // ---- operations ----

    public override UnitOperationResult Start()
    {
        if (State is SocketState.StopPre or SocketState.StopPreSigterm or SocketState.StopPreSigkill or SocketState.StopPost
            or SocketState.FinalSigterm or SocketState.FinalSigkill or SocketState.Cleaning)
            return UnitOperationResult.Again;
        if (State is SocketState.StartPre or SocketState.StartChown or SocketState.StartPost)
            return UnitOperationResult.InProgress;
        if (_settings.HasNonAcceptPort)
        {
            // The service must be there, and not running on its own: it would not get the sockets.
            Unit service = Unit.Manager.LoadUnit(ServiceName);
            if (service.LoadState != LoadState.Loaded)
            {
                Log(3, $"Socket service {service.Id} not loaded, refusing.");
                return UnitOperationResult.Failed;
            }
            if (service.Kind is ServiceKind { Machine.State: not (ServiceState.Dead or ServiceState.Failed or ServiceState.AutoRestart) })
            {
                Log(3, $"Socket service {service.Id} already active, refusing.");
                return UnitOperationResult.Failed;
            }
        }
        // socket_can_start.
        if (!Unit.TestStartLimit())
        {
            EnterDead(SocketResult.StartLimitHit);
            return UnitOperationResult.Failed;
        }
        Unit.AcquireInvocationId();
        Result = SocketResult.Success;
        try
        {
            _processes!.Prepare();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log(4, $"Failed to realize the control group: {e.Message}");
        }
        EnterStartPre();
        return UnitOperationResult.InProgress;
    }

    public override UnitOperationResult Stop()
    {
        if (State is SocketState.StopPre or SocketState.StopPreSigterm or SocketState.StopPreSigkill or SocketState.StopPost
            or SocketState.FinalSigterm or SocketState.FinalSigkill)
            return UnitOperationResult.InProgress;
        if (State is SocketState.StartPre or SocketState.StartChown or SocketState.StartPost)
        {
            EnterSignal(SocketState.StopPreSigterm, SocketResult.Success);
            return UnitOperationResult.Again;
        }
        if (State is not (SocketState.Listening or SocketState.Running))
            return UnitOperationResult.AlreadyDone;
        EnterStopPre(SocketResult.Success);
        return UnitOperationResult.InProgress;
    }

    public override UnitOperationResult Kill(KillWhom whom, int signal)
    {
        if (_processes is null)
            return UnitOperationResult.Failed;
        bool sent = whom switch
        {
            KillWhom.Main => false,
            KillWhom.Control => ControlPid > 0 && _processes.Kill(ControlPid, signal),
            _ => (ControlPid > 0 && _processes.Kill(ControlPid, signal)) | _processes.KillGroup(signal, [ControlPid]) > 0,
        };
        return sent ? UnitOperationResult.InProgress : UnitOperationResult.Failed;
    }

    public override void ResetFailed()
    {
        if (State == SocketState.Failed)
            SetState(SocketState.Dead);
        Result = SocketResult.Success;
    }

    public override void Unload()
    {
        _timer?.Cancel();
        ClosePorts();
    }

    // ---- transitions (socket.c's socket_enter_*) ----

    private void SetState(SocketState state)
    {
        SocketState old = State;
        State = state;
        if (state is not (SocketState.StartPre or SocketState.StartChown or SocketState.StartPost or SocketState.StopPre
            or SocketState.StopPreSigterm or SocketState.StopPreSigkill or SocketState.StopPost or SocketState.FinalSigterm
            or SocketState.FinalSigkill or SocketState.Cleaning))
        {
            _timer?.Cancel();
            _timer = null;
            ControlPid = 0;
            _controlCommands = [];
        }
        if (state is not (SocketState.StartChown or SocketState.StartPost or SocketState.Listening or SocketState.Running
            or SocketState.StopPre or SocketState.StopPreSigterm or SocketState.StopPreSigkill or SocketState.Cleaning))
            ClosePorts();
        if (old != state)
            Log(7, $"Changed {old.ToSystemdString()} -> {state.ToSystemdString()}");
        Unit.NotifyStateChanged(old.ToActiveState(), state.ToActiveState());
    }

    private void EnterDead(SocketResult f)
    {
        if (Result == SocketResult.Success)
            Result = f;
        if (Result == SocketResult.Success)
            Log(6, "Deactivated successfully.");
        else
            Log(4, $"Failed with result '{Result.ToSystemdString()}'.");
        SetState(Result != SocketResult.Success ? SocketState.Failed : SocketState.Dead);
        _processes?.Release();
    }

    private void EnterStartPre()
    {
        if (RunControl(_settings.ExecStartPre, "start-pre") is bool spawned)
        {
            if (spawned)
                SetState(SocketState.StartPre);
            else
                EnterDead(SocketResult.Resources);
            return;
        }
        EnterStartChown();
    }

    /// <summary>Opens the ports (socket_enter_start_chown); SocketUser=/SocketGroup= are applied here, by the
    /// manager itself rather than by a forked helper, so the start-chown state passes at once.</summary>
    private void EnterStartChown()
    {
        try
        {
            OpenPorts();
        }
        catch (SocketPortException e)
        {
            Log(4, $"Failed to listen on sockets: {e.Message}");
            EnterStopPre(SocketResult.Resources);
            return;
        }
        EnterStartPost();
    }

    private void EnterStartPost()
    {
        if (RunControl(_settings.ExecStartPost, "start-post") is bool spawned)
        {
            if (spawned)
                SetState(SocketState.StartPost);
            else
                EnterStopPre(SocketResult.Resources);
            return;
        }
        EnterListening();
    }

    private void EnterListening()
    {
        foreach (SocketPort port in _ports)
        {
            if (port.IsOpen && _runtime.SocketWatcher.Arm(port.Fd, events => OnTraffic(port, events)) is { } error)
            {
                Log(4, $"Failed to watch listening fds: {error}");
                EnterStopPre(SocketResult.Resources);
                return;
            }
        }
        SetState(SocketState.Listening);
    }

    private void EnterStopPre(SocketResult f)
    {
        if (Result == SocketResult.Success)
            Result = f;
        if (RunControl(_settings.ExecStopPre, "stop-pre") is bool spawned)
        {
            if (spawned)
                SetState(SocketState.StopPre);
            else
                EnterStopPost(SocketResult.Resources);
            return;
        }
        EnterStopPost(SocketResult.Success);
    }

    private void EnterStopPost(SocketResult f)
    {
        if (Result == SocketResult.Success)
            Result = f;
        if (RunControl(_settings.ExecStopPost, "stop-post") is bool spawned)
        {
            if (spawned)
                SetState(SocketState.StopPost);
            else
                EnterSignal(SocketState.FinalSigterm, SocketResult.Resources);
            return;
        }
        EnterSignal(SocketState.FinalSigterm, SocketResult.Success);
    }

    /// <summary>Signals what is left of the control process (socket_enter_signal): waits for it, bounded by
    /// TimeoutSec=, or moves on at once when nothing was signalled.</summary>
    private void EnterSignal(SocketState state, SocketResult f)
    {
        if (Result == SocketResult.Success)
            Result = f;
        int signal = state switch
        {
            SocketState.StopPreSigterm when Unit.Job?.Type == JobType.Restart => _settings.Kill.RestartKillSignal ?? _settings.Kill.KillSignal,
            SocketState.FinalSigterm => _settings.Kill.KillSignal,
            _ => _settings.Kill.FinalKillSignal,
        };
        bool wait = false;
        if (_processes is not null && _settings.Kill.KillMode != KillMode.None)
        {
            wait = ControlPid > 0 && _processes.Kill(ControlPid, signal);
            if (_settings.Kill.KillMode == KillMode.ControlGroup)
                _processes.KillGroup(signal, [ControlPid]);
        }
        if (wait)
        {
            ArmTimer();
            SetState(state);
        }
        else if (state == SocketState.StopPreSigterm)
            EnterSignal(SocketState.StopPreSigkill, SocketResult.Success);
        else if (state == SocketState.StopPreSigkill)
            EnterStopPost(SocketResult.Success);
        else if (state == SocketState.FinalSigterm)
            EnterSignal(SocketState.FinalSigkill, SocketResult.Success);
        else
            EnterDead(SocketResult.Success);
    }

    // ---- traffic (socket_dispatch_io, socket_enter_running) ----

    private void OnTraffic(SocketPort port, uint events)
    {
        if (State != SocketState.Listening || !port.IsOpen)
            return;
        if (events != Libc.EPOLLIN)
        {
            Log(3, (events & Libc.EPOLLHUP) != 0
                ? "Got POLLHUP on a listening socket. The service probably invoked shutdown() on it, and should better not do that."
                : $"Got unexpected poll event (0x{events:x}) on socket.");
            EnterStopPre(SocketResult.Resources);
            return;
        }
        int connection = -1;
        if (_settings.Accept && port.CanAccept)
        {
            try
            {
                connection = port.Accept();
            }
            catch (SocketPortException e)
            {
                Log(3, e.Message);
                EnterStopPre(SocketResult.Resources);
                return;
            }
            if (connection < 0)
            {
                Rearm(port);
                return;
            }
            SocketPort.ApplyOptions(connection, _settings, message => Log(4, message));
        }
        EnterRunning(connection);
        // Accept=yes keeps listening: take the next connection when it comes.
        if (State == SocketState.Listening)
            Rearm(port);
    }

    private void Rearm(SocketPort port)
    {
        if (port.IsOpen)
            _runtime.SocketWatcher.Arm(port.Fd, events => OnTraffic(port, events));
    }

    private void EnterRunning(int connection)
    {
        if (Unit.Job?.Type == JobType.Stop)
        {
            Log(7, "Suppressing connection request since unit stop is scheduled.");
            if (connection >= 0)
                Refuse(connection);
            else
                FlushPorts();
            return;
        }
        if (!_triggerLimit.Below(Host.Clock.MonotonicUSec))
        {
            Log(4, "Trigger limit hit, refusing further activation.");
            EnterStopPre(SocketResult.TriggerLimitHit);
            Refuse(connection);
            return;
        }
        if (connection < 0)
        {
            // unit_active_or_pending: up, coming up, or about to.
            bool pending = Unit.DependenciesOf(UnitDependency.Triggers).Any(static other => other.ActiveState.IsActiveOrActivating()
                || other.Job?.Type is JobType.Start or JobType.ReloadOrStart or JobType.Restart);
            if (!pending)
            {
                try
                {
                    Host.AddJob(JobType.Start, Unit.Manager.LoadUnit(ServiceName), JobMode.Replace);
                }
                catch (BusErrorException e)
                {
                    QueueFailed(connection: false, e.Message);
                    return;
                }
            }
            SetState(SocketState.Running);
            return;
        }
        Accepted(connection);
    }

    /// <summary>One connection of an Accept=yes socket: a new instance of the template service takes it.</summary>
    private void Accepted(int connection)
    {
        if (NConnections >= _settings.MaxConnections)
        {
            Log(4, $"Too many incoming connections ({NConnections}), dropping connection.");
            Refuse(connection);
            return;
        }
        var peer = Peer.Of(connection);
        string? source = _settings.MaxConnectionsPerSource > 0 ? peer.Source : null;
        if (source is not null && _connectionsBySource.GetValueOrDefault(source) >= _settings.MaxConnectionsPerSource)
        {
            Log(4, $"Too many incoming connections ({_connectionsBySource[source] + 1}) from source {source}, dropping connection.");
            Refuse(connection);
            return;
        }
        string prefix = Unit.Id[..Unit.Id.LastIndexOf('.')];
        int at = prefix.IndexOf('@');
        if (at >= 0)
            prefix = prefix[..at];
        string name = $"{prefix}@{SocketAddress.InstanceName(NAccepted, peer.Local, peer.Remote, peer.Credentials)}.service";
        Unit service = Unit.Manager.LoadUnit(name);
        if (service.LoadState != LoadState.Loaded || service.Kind is not ServiceKind kind)
        {
            Libc.close(connection);
            QueueFailed(connection: true, $"Unit {name} not found.");
            return;
        }
        Unit.AddRuntimeDependency(UnitDependency.Before, service);
        Unit.AddRuntimeDependency(UnitDependency.Triggers, service);
        NAccepted++;
        if (kind.TakeConnection(connection, this, source, peer) is { } refusal)
        {
            Libc.close(connection);
            QueueFailed(connection: true, refusal);
            return;
        }
        NConnections++;
        if (source is not null)
            _connectionsBySource[source] = _connectionsBySource.GetValueOrDefault(source) + 1;
        try
        {
            Host.AddJob(JobType.Start, service, JobMode.Replace);
        }
        catch (BusErrorException e)
        {
            kind.CloseConnection();
            QueueFailed(connection: true, e.Message);
            return;
        }
        Unit.NotifyPropertiesChanged();
    }

    /// <summary>A service instance let go of its connection (it stopped): one connection fewer.</summary>
    internal void ConnectionClosed(string? source)
    {
        if (NConnections > 0)
            NConnections--;
        if (source is not null && _connectionsBySource.TryGetValue(source, out uint count))
        {
            if (count <= 1)
                _connectionsBySource.Remove(source);
            else
                _connectionsBySource[source] = count - 1;
        }
        Log(7, $"One connection closed, {NConnections} left.");
        Unit.NotifyPropertiesChanged();
    }

    private void Refuse(int connection)
    {
        if (connection >= 0)
            Libc.close(connection);
        NRefused++;
        Unit.NotifyPropertiesChanged();
    }

    private void QueueFailed(bool connection, string message)
    {
        Log(4, $"Failed to queue service startup job (Maybe the service file is missing or not a {(connection ? "template" : "non-template")} unit?): {message}");
        EnterStopPre(SocketResult.Resources);
    }

    /// <summary>Takes all waiting traffic off the ports so that they are quiet (systemd's flush_ports).</summary>
    private unsafe void FlushPorts()
    {
        byte* buffer = stackalloc byte[4096];
        foreach (SocketPort port in _ports)
        {
            if (!port.IsOpen)
                continue;
            if (port.CanAccept && port.Spec.IsSocket)
            {
                for (int fd; (fd = Libc.accept4(port.Fd, null, null, Libc.SOCK_CLOEXEC)) >= 0;)
                    Libc.close(fd);
            }
            while (Libc.read(port.Fd, buffer, 4096) > 0)
            {
            }
        }
    }

    public override void TriggerNotify(Unit triggered)
    {
        // socket_trigger_notify: only a listening or running Accept=no socket follows its service.
        if (State is not (SocketState.Running or SocketState.Listening) || _settings.Accept
            || triggered.Kind is not ServiceKind { Machine: { } service })
            return;
        if (triggered.StartLimitHit)
        {
            EnterStopPre(SocketResult.ServiceStartLimitHit);
            return;
        }
        if (triggered.Job is not null)
            return;
        if (service.State is ServiceState.Dead or ServiceState.Failed or ServiceState.FinalSigterm or ServiceState.FinalSigkill
            or ServiceState.AutoRestart)
            EnterListening();
        else if (service.State == ServiceState.Running)
            SetState(SocketState.Running);
    }

    // ---- ports ----

    private void OpenPorts()
    {
        if (_portsError is not null)
            throw new SocketPortException(_portsError);
        foreach (SocketPort port in _ports)
        {
            if (port.IsOpen)
                continue;
            port.Open(_settings, message => Log(4, message));
            Chown(port);
        }
        CreateSymlinks();
    }

    private void Chown(SocketPort port)
    {
        if ((_settings.SocketUser is null && _settings.SocketGroup is null) || port.FilePath is not { } path)
            return;
        int uid = _settings.SocketUser is { } user ? Id(user, static name => Libc.UserIds(name)?.Uid) : -1;
        int gid = _settings.SocketGroup is { } group ? Id(group, static name => Libc.GroupId(name)) : -1;
        if ((_settings.SocketUser is not null && uid < 0) || (_settings.SocketGroup is not null && gid < 0))
            throw new SocketPortException($"Failed to resolve SocketUser=/SocketGroup= ({_settings.SocketUser}:{_settings.SocketGroup}) for {path}");
        if (Libc.lchown(path, uid, gid) < 0)
            throw new SocketPortException($"Failed to chown {path}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>A user or group as a number (given as one, or looked up by name); -1 when unknown.</summary>
    private static int Id(string text, Func<string, uint?> lookup) =>
        uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint id)
            ? (int)id : lookup(text) is uint found ? (int)found : -1;

    /// <summary>Symlinks= point to the one socket file or FIFO, when there is exactly one (socket_symlink).</summary>
    private void CreateSymlinks()
    {
        var files = _ports.Select(static p => p.FilePath).OfType<string>().ToList();
        if (files.Count != 1)
            return;
        foreach (string link in _settings.Symlinks)
        {
            SocketPort.MakeParents(link, _settings.DirectoryMode);
            if (Libc.symlink(files[0], link) == 0)
                continue;
            int error = Marshal.GetLastPInvokeError();
            bool same = error == Libc.EEXIST && new FileInfo(link).LinkTarget == files[0];
            if (!same && error == Libc.EEXIST && _settings.RemoveOnStop && Libc.unlink(link) == 0 && Libc.symlink(files[0], link) == 0)
                continue;
            if (!same)
                Log(4, $"Failed to create symlink {files[0]} → {link}, ignoring: {Libc.ErrorText(error)}");
        }
    }

    private void ClosePorts()
    {
        bool wasOpen = false;
        foreach (SocketPort port in _ports)
        {
            if (!port.IsOpen)
                continue;
            wasOpen = true;
            _runtime.SocketWatcher.Remove(port.Fd);
            port.Close(_settings.RemoveOnStop);
        }
        if (wasOpen && _settings.RemoveOnStop)
            foreach (string link in _settings.Symlinks)
                Libc.unlink(link);
    }

    // ---- control processes ----

    /// <summary>Starts the first of <paramref name="commands"/>: null when there are none, else whether it spawned.</summary>
    private bool? RunControl(IReadOnlyList<ExecCommand> commands, string name)
    {
        if (commands.Count == 0)
            return null;
        _controlCommands = commands;
        _controlIndex = 0;
        _controlName = name;
        return SpawnControl();
    }

    private bool SpawnControl()
    {
        try
        {
            _processes!.Prepare();
            // Any role but the main command's: sandboxing applies as PermissionsStartOnly= says, no sockets are passed.
            ControlPid = _processes.Spawn(_controlCommands[_controlIndex], ServiceCommand.StartPre,
                ["INVOCATION_ID=" + Unit.InvocationId], watchExec: false);
            ArmTimer();
            return true;
        }
        catch (Exception e) when (e is ExecSetupException or IOException or UnauthorizedAccessException)
        {
            Log(4, $"Failed to run '{_controlName}' task: {e.Message}");
            ControlPid = 0;
            return false;
        }
    }

    private void ArmTimer()
    {
        _timer?.Cancel();
        _timer = _settings.TimeoutUsec is 0 or ulong.MaxValue ? null
            : Host.AddTimer(Host.Clock.MonotonicUSec + _settings.TimeoutUsec, OnTimeout);
    }

    void IProcessOwner.OnProcessExit(ProcessExit exit)
    {
        if (exit.Pid != ControlPid || ControlPid == 0)
            return;
        ControlPid = 0;
        if (exit.Failure is { } failure)
            Log(3, $"Failed at step {ExitStatusNames.Name(failure.ExitStatus)} spawning {failure.Detail}: {Libc.ErrorText(failure.Errno)}");
        SocketResult f = exit.Code == ExitCode.Exited && exit.Status == 0 ? SocketResult.Success
            : exit.Code switch { ExitCode.Exited => SocketResult.ExitCode, ExitCode.Killed => SocketResult.Signal, _ => SocketResult.CoreDump };
        if (_controlCommands.Count > _controlIndex && (_controlCommands[_controlIndex].Flags & ExecFlags.IgnoreFailure) != 0)
            f = SocketResult.Success;
        Log(f == SocketResult.Success ? 7 : 5, $"Control process exited, {exit}");
        if (Result == SocketResult.Success)
            Result = f;
        if (f == SocketResult.Success && _controlIndex + 1 < _controlCommands.Count)
        {
            _controlIndex++;
            if (!SpawnControl())
                OnControlSpawnFailed();
            Unit.NotifyPropertiesChanged();
            return;
        }
        _controlCommands = [];
        switch (State)
        {
            case SocketState.StartPre:
                if (f == SocketResult.Success)
                    EnterStartChown();
                else
                    EnterSignal(SocketState.FinalSigterm, f);
                break;
            case SocketState.StartChown or SocketState.StartPost:
                if (f == SocketResult.Success)
                    EnterListening();
                else
                    EnterStopPre(f);
                break;
            case SocketState.StopPre or SocketState.StopPreSigterm or SocketState.StopPreSigkill:
                EnterStopPost(f);
                break;
            case SocketState.StopPost or SocketState.FinalSigterm or SocketState.FinalSigkill:
                EnterDead(f);
                break;
        }
        Unit.NotifyPropertiesChanged();
    }

    /// <summary>socket_run_next's failure: the next command of the list could not be started.</summary>
    private void OnControlSpawnFailed()
    {
        if (State == SocketState.StartPost)
            EnterStopPre(SocketResult.Resources);
        else if (State == SocketState.StopPost)
            EnterDead(SocketResult.Resources);
        else
            EnterSignal(SocketState.FinalSigterm, SocketResult.Resources);
    }

    private void OnTimeout()
    {
        _timer = null;
        switch (State)
        {
            case SocketState.StartPre:
                Log(4, "Starting timed out. Terminating.");
                EnterSignal(SocketState.FinalSigterm, SocketResult.Timeout);
                break;
            case SocketState.StartChown or SocketState.StartPost:
                Log(4, "Starting timed out. Stopping.");
                EnterStopPre(SocketResult.Timeout);
                break;
            case SocketState.StopPre:
                Log(4, "Stopping timed out. Terminating.");
                EnterSignal(SocketState.StopPreSigterm, SocketResult.Timeout);
                break;
            case SocketState.StopPreSigterm when _settings.Kill.SendSIGKILL:
                Log(4, "Stopping timed out. Killing.");
                EnterSignal(SocketState.StopPreSigkill, SocketResult.Timeout);
                break;
            case SocketState.StopPreSigterm:
                Log(4, "Stopping timed out. Skipping SIGKILL. Ignoring.");
                EnterStopPost(SocketResult.Timeout);
                break;
            case SocketState.StopPreSigkill:
                Log(4, "Processes still around after SIGKILL. Ignoring.");
                EnterStopPost(SocketResult.Timeout);
                break;
            case SocketState.StopPost:
                Log(4, "Stopping timed out (2). Terminating.");
                EnterSignal(SocketState.FinalSigterm, SocketResult.Timeout);
                break;
            case SocketState.FinalSigterm when _settings.Kill.SendSIGKILL:
                Log(4, "Stopping timed out (2). Killing.");
                EnterSignal(SocketState.FinalSigkill, SocketResult.Timeout);
                break;
            case SocketState.FinalSigterm:
                Log(4, "Stopping timed out (2). Skipping SIGKILL. Ignoring.");
                EnterDead(SocketResult.Timeout);
                break;
            case SocketState.FinalSigkill:
                Log(4, "Still around after SIGKILL (2). Entering failed mode.");
                EnterDead(SocketResult.Timeout);
                break;
        }
    }

    void IProcessOwner.OnExecSucceeded(int pid)
    {
    }

    // Like systemd's socket units, the socket waits for its control process, not for its cgroup to empty.
    void IProcessOwner.OnGroupEmpty()
    {
    }

    void IProcessOwner.OnNotify(NotifyMessage message) =>
        Log(4, $"Got notification message from PID {message.Pid}, but reception is refused: socket units take none.");

    private void Log(int priority, string message) => Host.Log.Write((LogPriority)priority, Unit.Id, message);

    /// <summary>Both ends of one accepted connection (getsockname, getpeername, SO_PEERCRED).</summary>
    internal sealed unsafe class Peer
    {
        public byte[] Local { get; private init; } = [];
        public byte[] Remote { get; private init; } = [];
        public (int Pid, uint Uid)? Credentials { get; private init; }

        /// <summary>The peer's IP address without its port, what MaxConnectionsPerSource= counts by; null for other
        /// families, which systemd does not limit per source.</summary>
        public string? Source => Remote[0] is 2 or 10 && SocketAddress.PeerText(Remote, null) is { } text ? text[..text.LastIndexOf(':')] : null;

        public static Peer Of(int fd)
        {
            byte* local = stackalloc byte[128];
            byte* remote = stackalloc byte[128];
            int localLength = 128, remoteLength = 128;
            Libc.getsockname(fd, local, &localLength);
            Libc.getpeername(fd, remote, &remoteLength);
            (int, uint)? credentials = null;
            int* ucred = stackalloc int[3];
            int credLength = 12;
            if (Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_PEERCRED, ucred, &credLength) == 0 && ucred[0] > 0)
                credentials = (ucred[0], (uint)ucred[1]);
            return new Peer
            {
                Local = new ReadOnlySpan<byte>(local, Math.Max(localLength, 2)).ToArray(),
                Remote = new ReadOnlySpan<byte>(remote, Math.Max(remoteLength, 2)).ToArray(),
                Credentials = credentials,
            };
        }
    }
}
