using System.Globalization;
using Units.Core.Model;
using Units.Execution.Notify;
using Units.Execution.Spawning;

namespace Units.Execution.Service;

/// <summary>
/// The service state machine of systemd.service(5), after systemd 252's service.c: one Enter* method per state, every
/// transition through <see cref="SetState"/>, events (process exits, notify messages, timers, cgroup empty) routed by
/// the current state. Runs on the manager loop only; processes and time come through <see cref="IServiceProcesses"/>
/// and <see cref="IServiceHost"/>.
/// </summary>
public sealed class ServiceMachine : IProcessOwner
{
    private readonly IServiceHost _host;
    private readonly IServiceProcesses _processes;
    private ServiceSettings _settings;
    private IDisposable? _timer;
    private IDisposable? _watchdogTimer;
    private IDisposable? _pidFileWatch;
    private ulong _timerDue = ulong.MaxValue;
    private ulong _watchdogStamp;
    private ulong? _watchdogOverrideUsec;
    private IReadOnlyList<ExecCommand> _controlCommands = [];
    private int _controlIndex;
    private int _mainIndex;
    private bool _forbidRestart;
    private bool _mainPidKnown;
    private bool _notifyReloading;
    private ulong _reloadBeginUsec;
    private bool _readyReceived;
    private bool _restartQueued;
    private bool _mainPidAlien;
    private bool _busNameGood;

    public ServiceMachine(ServiceSettings settings, IServiceHost host, IServiceProcesses processes)
    {
        _settings = settings;
        _host = host;
        _processes = processes;
    }

    public ServiceState State { get; private set; }
    public ServiceResult Result { get; private set; }
    public ServiceResult ReloadResult { get; private set; }

    /// <summary>How the last Clean ended (CleanResult).</summary>
    public ServiceResult CleanResult { get; private set; }
    public int MainPid { get; private set; }
    public int ControlPid { get; private set; }
    public ServiceCommand? ControlCommand { get; private set; }
    public ExecMainStatus ExecMain { get; private set; }
    public uint NRestarts { get; private set; }
    public string StatusText { get; private set; } = "";
    public int StatusErrno { get; private set; }

    /// <summary>The current activation's invocation ID (32 hex digits; "" before the first start).</summary>
    public string InvocationId { get; private set; } = "";
    public ServiceSettings Settings => _settings;

    /// <summary>The ActiveState the current state maps to.</summary>
    public ServiceActiveState ActiveState => State.ToActiveState(_settings.Type == ServiceType.Idle);

    /// <summary>daemon-reload: new settings apply from the next transition on; the state is kept.</summary>
    public void Reconfigure(ServiceSettings settings) => _settings = settings;

    // ---- operations ------------------------------------------------------------------------

    public ServiceOperation Start()
    {
        if (State.IsStopping())
            return ServiceOperation.Again;
        if (State.IsStarting())
            return ServiceOperation.AlreadyDone;
        if (State is ServiceState.Running or ServiceState.Exited or ServiceState.Reload)
            return ServiceOperation.AlreadyDone;
        if (_settings.Verify() is { } problem)
        {
            _host.Log(3, problem);
            return ServiceOperation.Invalid;
        }
        bool autoRestart = State == ServiceState.AutoRestart;
        if (!_host.TestStartLimit())
        {
            // As in systemd, an earlier failure's result stands: start-limit-hit only replaces a success.
            EnterDead(ServiceResult.StartLimitHit, allowRestart: false);
            return ServiceOperation.Failed;
        }
        InvocationId = _host.BeginInvocation();
        // NRestarts counts automatic restarts in a row: a start that is not the restart job begins anew.
        if (!autoRestart && !_restartQueued)
            NRestarts = 0;
        _restartQueued = false;
        Result = ServiceResult.Success;
        ReloadResult = ServiceResult.Success;
        ExecMain = default;
        MainPid = 0;
        _mainPidKnown = false;
        _forbidRestart = false;
        StatusText = "";
        StatusErrno = 0;
        _watchdogOverrideUsec = null;
        _readyReceived = false;
        try
        {
            _processes.Prepare();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ExecSetupException)
        {
            _host.Log(3, $"Failed to prepare the control group: {e.Message}");
            EnterDead(ServiceResult.Resources, allowRestart: true);
            return ServiceOperation.InProgress;
        }
        EnterCondition();
        return ServiceOperation.InProgress;
    }

    public ServiceOperation Stop()
    {
        // A stop requested from outside forbids the automatic restart that would otherwise follow.
        _forbidRestart = true;
        switch (State)
        {
            case ServiceState.Dead or ServiceState.Failed:
                return ServiceOperation.AlreadyDone;
            case ServiceState.AutoRestart:
                // As systemd's service_stop(): 0, not -EALREADY; the state change reported here ends the stop
                // (and turns a restart job into its start half).
                SetState(ServiceState.Dead);
                return ServiceOperation.InProgress;
            case ServiceState.Stop or ServiceState.StopSigterm or ServiceState.StopSigkill or ServiceState.StopPost or
                ServiceState.FinalSigterm or ServiceState.FinalSigkill or ServiceState.StopWatchdog or ServiceState.FinalWatchdog:
                return ServiceOperation.InProgress;
            case ServiceState.Condition or ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost or ServiceState.Reload:
                // Starting processes may not have an ExecStop= counterpart yet: terminate directly.
                EnterSignal(ServiceState.StopSigterm, ServiceResult.Success);
                return ServiceOperation.InProgress;
            case ServiceState.Cleaning:
                // Cleaning is aborted, brutally.
                EnterSignal(ServiceState.FinalSigkill, ServiceResult.Success);
                return ServiceOperation.InProgress;
            default:
                EnterStop(ServiceResult.Success);
                return ServiceOperation.InProgress;
        }
    }

    public bool CanReload => _settings.ExecReload.Count > 0 || _settings.Type == ServiceType.NotifyReload;

    public ServiceOperation Reload()
    {
        if (!CanReload)
            return ServiceOperation.NotApplicable;
        if (State != ServiceState.Running && State != ServiceState.Exited)
            return State.IsStarting() ? ServiceOperation.Again : ServiceOperation.Invalid;
        EnterReload();
        return ServiceOperation.InProgress;
    }

    /// <summary>KillUnit: signals main, control or all processes without changing the state.</summary>
    public bool Kill(KillTarget whom, int signal)
    {
        bool any = false;
        if (whom is KillTarget.Main or KillTarget.All && MainPid > 0)
            any |= _processes.Kill(MainPid, signal);
        if (whom is KillTarget.Control or KillTarget.All && ControlPid > 0)
            any |= _processes.Kill(ControlPid, signal);
        if (whom == KillTarget.All)
            any |= _processes.KillGroup(signal, [MainPid, ControlPid]) > 0;
        return any;
    }

    /// <summary>reset-failed: leaves the failed state (the manager forgets the start-limit history).</summary>
    public void ResetFailed()
    {
        if (State == ServiceState.Failed)
            SetState(ServiceState.Dead);
        Result = ServiceResult.Success;
        ReloadResult = ServiceResult.Success;
        CleanResult = ServiceResult.Success;
        NRestarts = 0;
    }

    /// <summary>
    /// service_clean(): removes <paramref name="paths"/> in a control process (rm -rf with full privileges, in the
    /// unit's cgroup) while the unit is "cleaning", at most TimeoutCleanSec=; only from dead. Its end shows in
    /// <see cref="CleanResult"/>; the unit goes back to dead either way.
    /// </summary>
    public CleanOutcome Clean(IReadOnlyList<string> paths)
    {
        if (State != ServiceState.Dead)
            return CleanOutcome.Busy;
        if (paths.Count == 0)
            return CleanOutcome.NothingToClean;
        CleanResult = ServiceResult.Success;
        _processes.Prepare();
        ArmTimer(_settings.Exec.TimeoutCleanUsec);
        RunControl(ServiceCommand.Clean, [new ExecCommand("/bin/rm", ["rm", "-rf", "--one-file-system", "--", .. paths], ExecFlags.FullPrivileges)],
            ServiceState.Cleaning);
        return CleanOutcome.Started;
    }

    /// <summary>
    /// BusName='s owner changed on the API bus (null: the name has none), with the owner's PID (0 unknown), as
    /// systemd's service_bus_name_owner_change: a Type=dbus service starting goes on once its name appears, one
    /// running is rechecked (and stops once the name is gone); other types take a main PID they do not know yet from
    /// the name's owner.
    /// </summary>
    public void BusNameOwnerChanged(string? owner, int ownerPid)
    {
        _host.Log(7, owner is null ? $"D-Bus name {_settings.BusName} now not owned by anyone." : $"D-Bus name {_settings.BusName} now owned by {owner}");
        _busNameGood = owner is not null;
        if (_settings.Type == ServiceType.Dbus)
        {
            if (State == ServiceState.Running)
                EnterRunning(ServiceResult.Success);
            else if (State == ServiceState.Start && _busNameGood)
                EnterStartPost();
        }
        else if (owner is not null && ownerPid > 0 && !_mainPidKnown &&
                 State is ServiceState.Start or ServiceState.StartPost or ServiceState.Running or ServiceState.Reload)
        {
            SetMainPid(ownerPid);
        }
    }

    // ---- states ----------------------------------------------------------------------------

    private void EnterCondition()
    {
        if (_settings.ExecCondition.Count == 0)
        {
            EnterStartPre();
            return;
        }
        ArmTimer(_settings.TimeoutStartUsec);
        if (RunControl(ServiceCommand.Condition, _settings.ExecCondition, ServiceState.Condition))
            return;
    }

    private void EnterStartPre()
    {
        if (_settings.ExecStartPre.Count == 0)
        {
            EnterStart();
            return;
        }
        ArmTimer(_settings.TimeoutStartUsec);
        RunControl(ServiceCommand.StartPre, _settings.ExecStartPre, ServiceState.StartPre);
    }

    private void EnterStart()
    {
        if (_settings.ExecStart.Count == 0)
        {
            // Only Type=oneshot RemainAfterExit=yes gets here (Verify() refused the rest).
            EnterStartPost();
            return;
        }
        ArmTimer(_settings.TimeoutStartUsec);
        var command = _settings.ExecStart[0];
        _mainIndex = 0;
        int pid;
        try
        {
            if (_settings.Type == ServiceType.Forking)
            {
                // The starter forks the daemon and exits: it is a control process, the daemon becomes the main one.
                _controlCommands = _settings.ExecStart;
                _controlIndex = 0;
                ControlCommand = ServiceCommand.Start;
                pid = _processes.Spawn(command, ServiceCommand.Start, CommandEnvironment(ServiceCommand.Start), watchExec: false);
                ControlPid = pid;
            }
            else
            {
                pid = _processes.Spawn(command, ServiceCommand.Start, CommandEnvironment(ServiceCommand.Start),
                    watchExec: _settings.Type == ServiceType.Exec);
                SetMainPid(pid, spawned: true);
            }
        }
        catch (ExecSetupException e)
        {
            _host.Log(3, $"Failed to spawn 'start' task: {e.Message}");
            EnterSignal(ServiceState.StopSigterm, ServiceResult.Resources);
            return;
        }
        SetState(ServiceState.Start);
        switch (_settings.Type)
        {
            case ServiceType.Simple or ServiceType.Idle:
                EnterStartPost();
                break;
            case ServiceType.Notify or ServiceType.NotifyReload when _readyReceived:
                EnterStartPost();
                break;
            // exec waits for execve(), oneshot and forking for an exit, notify for READY=1, dbus for the name.
        }
    }

    private void EnterStartPost()
    {
        StartWatchdog();
        if (_settings.ExecStartPost.Count == 0)
        {
            EnterRunning(ServiceResult.Success);
            return;
        }
        ArmTimer(_settings.TimeoutStartUsec);
        RunControl(ServiceCommand.StartPost, _settings.ExecStartPost, ServiceState.StartPost);
    }

    private void EnterRunning(ServiceResult f)
    {
        if (Result == ServiceResult.Success)
            Result = f;
        if (Result != ServiceResult.Success)
        {
            EnterSignal(ServiceState.StopSigterm, f);
            return;
        }
        int mainGood = MainPidGood();
        bool busNameGood = _busNameGood || _settings.Type != ServiceType.Dbus;
        if (busNameGood && (mainGood > 0 || (mainGood < 0 && !_processes.IsGroupEmpty)))
        {
            ArmTimer(_settings.RuntimeMaxUsec);
            SetState(ServiceState.Running);
            StartWatchdog();
        }
        else if (_settings.RemainAfterExit)
        {
            DisarmTimer();
            SetState(ServiceState.Exited);
        }
        else
        {
            EnterStop(ServiceResult.Success);
        }
    }

    private void EnterReload()
    {
        ReloadResult = ServiceResult.Success;
        if (_settings.ExecReload.Count > 0)
        {
            ArmTimer(_settings.TimeoutStartUsec);
            RunControl(ServiceCommand.Reload, _settings.ExecReload, ServiceState.Reload);
            return;
        }
        // Type=notify-reload: signal the daemon, then wait for RELOADING=1 ... READY=1.
        if (MainPid <= 0 || !_processes.Kill(MainPid, _settings.ReloadSignal))
        {
            _host.Log(4, "Failed to send reload signal.");
            FinishReload(ServiceResult.Resources);
            return;
        }
        _notifyReloading = false;
        _reloadBeginUsec = _host.NowUSec;
        ArmTimer(_settings.TimeoutStartUsec);
        SetState(ServiceState.Reload);
    }

    private void FinishReload(ServiceResult f)
    {
        ReloadResult = f;
        _notifyReloading = false;
        // A failed reload does not stop the service: it keeps running, the reload job fails.
        var old = State;
        if (MainPidGood() != 0 || _settings.RemainAfterExit || !_processes.IsGroupEmpty)
        {
            ArmTimer(_settings.RuntimeMaxUsec);
            State = MainPidGood() != 0 || !_processes.IsGroupEmpty ? ServiceState.Running : ServiceState.Exited;
            _host.StateChanged(old, State, reloadFailure: f != ServiceResult.Success, willAutoRestart: false);
        }
        else
        {
            EnterStop(ServiceResult.Success);
        }
    }

    private void EnterStop(ServiceResult f)
    {
        if (Result == ServiceResult.Success)
            Result = f;
        StopWatchdog();
        if (_settings.ExecStop.Count == 0)
        {
            EnterSignal(ServiceState.StopSigterm, ServiceResult.Success);
            return;
        }
        ArmTimer(_settings.TimeoutStopUsec);
        RunControl(ServiceCommand.Stop, _settings.ExecStop, ServiceState.Stop);
    }

    /// <summary>STOPPING=1: the daemon stops by itself; wait for it with the stop timeout, sending nothing.</summary>
    private void EnterStopByNotify()
    {
        StopWatchdog();
        ArmTimer(_settings.TimeoutStopUsec);
        SetState(ServiceState.StopSigterm);
    }

    private void EnterStopPost(ServiceResult f)
    {
        if (Result == ServiceResult.Success)
            Result = f;
        StopPidFileWatch();
        if (_settings.ExecStopPost.Count == 0)
        {
            EnterSignal(ServiceState.FinalSigterm, ServiceResult.Success);
            return;
        }
        ArmTimer(_settings.TimeoutStopUsec);
        RunControl(ServiceCommand.StopPost, _settings.ExecStopPost, ServiceState.StopPost);
    }

    /// <summary>Sends the state's signal per KillMode= and waits, or moves on when nothing was signalled.</summary>
    private void EnterSignal(ServiceState state, ServiceResult f)
    {
        if (Result == ServiceResult.Success)
            Result = f;
        StopWatchdog();
        bool wait = KillProcesses(state);
        if (wait)
        {
            ArmTimer(state is ServiceState.StopWatchdog or ServiceState.FinalWatchdog
                ? _settings.TimeoutAbortEffectiveUsec
                : _settings.TimeoutStopUsec);
            SetState(state);
            return;
        }
        if (state is ServiceState.StopWatchdog or ServiceState.StopSigterm && _settings.Kill.SendSIGKILL)
            EnterSignal(ServiceState.StopSigkill, ServiceResult.Success);
        else if (state is ServiceState.StopWatchdog or ServiceState.StopSigterm or ServiceState.StopSigkill)
            EnterStopPost(ServiceResult.Success);
        else if (state is ServiceState.FinalWatchdog or ServiceState.FinalSigterm && _settings.Kill.SendSIGKILL)
            EnterSignal(ServiceState.FinalSigkill, ServiceResult.Success);
        else
            EnterDead(ServiceResult.Success, allowRestart: true);
    }

    /// <summary>systemd's unit_kill_context: true when something was signalled that we must wait for.</summary>
    private bool KillProcesses(ServiceState state)
    {
        var kill = _settings.Kill;
        if (kill.KillMode == KillMode.None)
            return false;
        bool isKill = state is ServiceState.StopSigkill or ServiceState.FinalSigkill;
        int signal = state switch
        {
            ServiceState.StopWatchdog or ServiceState.FinalWatchdog => kill.WatchdogSignal,
            ServiceState.StopSigkill or ServiceState.FinalSigkill => kill.FinalKillSignal,
            ServiceState.StopSigterm when !_forbidRestart && State == ServiceState.AutoRestart => kill.RestartKillSignal ?? kill.KillSignal,
            _ => kill.KillSignal,
        };
        bool sighup = kill.SendSIGHUP && state is ServiceState.StopSigterm or ServiceState.FinalSigterm;
        bool wait = false;
        foreach (int pid in new[] { MainPid, ControlPid })
        {
            if (pid <= 0)
                continue;
            if (_processes.Kill(pid, signal))
            {
                if (sighup)
                    _processes.Kill(pid, Signals.SIGHUP);
                wait = true;
            }
        }
        if (kill.KillMode == KillMode.ControlGroup || (kill.KillMode == KillMode.Mixed && isKill))
        {
            int[] except = [MainPid, ControlPid];
            if (_processes.KillGroup(signal, except) > 0)
            {
                wait |= _processes.ReportsEmpty || !_processes.IsGroupEmpty;
                if (sighup)
                    _processes.KillGroup(Signals.SIGHUP, except);
            }
        }
        return wait;
    }

    private void EnterDead(ServiceResult f, bool allowRestart)
    {
        if (Result == ServiceResult.Success)
            Result = f;
        DisarmTimer();
        StopWatchdog();
        StopPidFileWatch();
        ControlPid = 0;
        ControlCommand = null;
        MainPid = 0;
        // unit_log_success / unit_log_skip / unit_log_failure, as service_enter_dead words them.
        if (Result == ServiceResult.Success)
            _host.Log(6, "Deactivated successfully.");
        else if (Result == ServiceResult.SkipCondition)
            _host.Log(6, $"Skipped due to '{Result.ToSystemdString()}'.");
        else
            _host.Log(4, $"Failed with result '{Result.ToSystemdString()}'.");
        var end = Result is ServiceResult.Success or ServiceResult.SkipCondition ? ServiceState.Dead : ServiceState.Failed;
        bool restart = allowRestart && ShallRestart();
        SetState(end, willAutoRestart: restart);
        _processes.RemoveRuntimeDirectories(willRestart: restart);
        if (restart)
        {
            if (_settings.RestartUsec != ServiceSettings.Infinity)
                _timer = _host.AddTimer(Add(_host.NowUSec, _settings.RestartUsec), OnTimer);
            SetState(ServiceState.AutoRestart);
        }
        else if (_processes.IsGroupEmpty)
        {
            _processes.Release();
        }
    }

    private void EnterRestart()
    {
        DisarmTimer();
        if (!_host.QueueRestart())
        {
            // A stop job is pending: the unit stays down.
            _host.Log(6, "Stop job pending for unit, skipping automatic restart.");
            SetState(Result == ServiceResult.Success ? ServiceState.Dead : ServiceState.Failed);
            return;
        }
        NRestarts++;
        _restartQueued = true;
        _host.Log(6, $"Scheduled restart job, restart counter is at {NRestarts}.");
        _host.PropertiesChanged();
    }

    private bool ShallRestart()
    {
        if (_forbidRestart || Result == ServiceResult.StartLimitHit)
            return false;
        var main = ExecMain;
        if (main.Code != 0 && _settings.RestartPreventExitStatus.Matches((ExitCode)main.Code, main.Status))
            return false;
        if (main.Code != 0 && _settings.RestartForceExitStatus.Matches((ExitCode)main.Code, main.Status))
            return true;
        return _settings.Restart switch
        {
            ServiceRestart.Always => Result != ServiceResult.SkipCondition,
            ServiceRestart.OnSuccess => Result == ServiceResult.Success,
            ServiceRestart.OnFailure => Result is not (ServiceResult.Success or ServiceResult.SkipCondition),
            ServiceRestart.OnAbnormal => Result is not (ServiceResult.Success or ServiceResult.ExitCode or ServiceResult.SkipCondition),
            ServiceRestart.OnWatchdog => Result == ServiceResult.Watchdog,
            ServiceRestart.OnAbort => Result is ServiceResult.Signal or ServiceResult.CoreDump,
            _ => false,
        };
    }

    // ---- control processes -------------------------------------------------------------------

    /// <summary>Runs the first command of a list as the control process and enters <paramref name="state"/>.</summary>
    private bool RunControl(ServiceCommand role, IReadOnlyList<ExecCommand> commands, ServiceState state)
    {
        _controlCommands = commands;
        _controlIndex = 0;
        ControlCommand = role;
        if (!SpawnControl())
        {
            // Could not even start it: as a failing command, with result "resources".
            OnControlFinished(ServiceResult.Resources, state);
            return false;
        }
        SetState(state);
        return true;
    }

    private bool SpawnControl()
    {
        var command = _controlCommands[_controlIndex];
        try
        {
            ControlPid = _processes.Spawn(command, ControlCommand!.Value, CommandEnvironment(ControlCommand.Value), watchExec: false);
            return true;
        }
        catch (ExecSetupException e)
        {
            _host.Log(3, $"Failed to spawn '{Name(ControlCommand!.Value)}' task: {e.Message}");
            ControlPid = 0;
            return false;
        }
    }

    private List<string> CommandEnvironment(ServiceCommand role)
    {
        var env = new List<string>();
        if (InvocationId.Length > 0)
            env.Add("INVOCATION_ID=" + InvocationId);
        if (MainPid > 0 && role is ServiceCommand.StartPost or ServiceCommand.Reload or ServiceCommand.Stop)
            env.Add("MAINPID=" + MainPid.ToString(CultureInfo.InvariantCulture));
        if (role == ServiceCommand.Start && WatchdogUsec() is > 0 and var watchdog)
            env.Add("WATCHDOG_USEC=" + watchdog.ToString(CultureInfo.InvariantCulture));
        if (role is ServiceCommand.Stop or ServiceCommand.StopPost)
        {
            env.Add("SERVICE_RESULT=" + Result.ToSystemdString());
            if (ExecMain.Code != 0)
            {
                env.Add("EXIT_CODE=" + ((ExitCode)ExecMain.Code switch { ExitCode.Exited => "exited", ExitCode.Killed => "killed", _ => "dumped" }));
                env.Add("EXIT_STATUS=" + ((ExitCode)ExecMain.Code == ExitCode.Exited
                    ? ExecMain.Status.ToString(CultureInfo.InvariantCulture)
                    : Signals.Name(ExecMain.Status)));
            }
        }
        return env;
    }

    // ---- events ------------------------------------------------------------------------------

    public void OnProcessExit(ProcessExit exit)
    {
        bool isControl = exit.Pid == ControlPid && ControlPid > 0;
        bool isMain = exit.Pid == MainPid && MainPid > 0;
        if (!isControl && !isMain)
        {
            // An orphan of the unit: without cgroup events its exit is our only chance to see the group empty.
            if (!_processes.ReportsEmpty && _processes.IsGroupEmpty)
                OnGroupEmpty();
            return;
        }
        if (exit.Failure is { } failure)
            _host.Log(3, $"Failed at step {ExitStatusNames.Name(failure.ExitStatus)} spawning {failure.Detail}: {Native.Libc.ErrorText(failure.Errno)}");
        if (isMain)
            OnMainExit(exit);
        else
            OnControlExit(exit);
        _host.PropertiesChanged();
        if (!_processes.ReportsEmpty && _processes.IsGroupEmpty && State != ServiceState.Dead && State != ServiceState.Failed)
            OnGroupEmpty();
    }

    private ServiceResult Classify(ProcessExit exit, bool daemon, bool applySuccessStatus)
    {
        bool clean = exit.Code == ExitCode.Exited
            ? exit.Status == 0
            : exit.Status is Signals.SIGHUP or Signals.SIGINT or Signals.SIGTERM or Signals.SIGPIPE && daemon;
        if (!clean && applySuccessStatus && _settings.SuccessExitStatus.Matches(exit.Code, exit.Status))
            clean = true;
        return clean ? ServiceResult.Success : exit.Code switch
        {
            ExitCode.Exited => ServiceResult.ExitCode,
            ExitCode.Killed => ServiceResult.Signal,
            _ => ServiceResult.CoreDump,
        };
    }

    private void OnMainExit(ProcessExit exit)
    {
        // Forking daemons may move to a new PID, provided they rewrote the PID file before the old one exited.
        if (_settings.PIDFile is not null && LoadPidFile(mayWarn: false, exitedPid: exit.Pid))
            return;
        var f = Classify(exit, daemon: _settings.Type != ServiceType.Oneshot, applySuccessStatus: true);
        ExecMain = ExecMain with { Pid = exit.Pid, ExitUSec = _host.NowUSec, Code = (int)exit.Code, Status = exit.Status };
        MainPid = 0;
        var command = _settings.ExecStart.Count > _mainIndex ? _settings.ExecStart[_mainIndex] : null;
        if (command is not null && (command.Flags & ExecFlags.IgnoreFailure) != 0)
            f = ServiceResult.Success;
        _host.Log(f == ServiceResult.Success ? 7 : 5, $"Main process exited, {exit}");
        if (Result == ServiceResult.Success)
            Result = f;

        if (_settings.Type == ServiceType.Oneshot && State == ServiceState.Start && f == ServiceResult.Success &&
            _mainIndex + 1 < _settings.ExecStart.Count)
        {
            _mainIndex++;
            try
            {
                SetMainPid(_processes.Spawn(_settings.ExecStart[_mainIndex], ServiceCommand.Start, CommandEnvironment(ServiceCommand.Start), false), spawned: true);
            }
            catch (ExecSetupException e)
            {
                _host.Log(3, $"Failed to spawn 'start' task: {e.Message}");
                EnterSignal(ServiceState.StopSigterm, ServiceResult.Resources);
            }
            return;
        }

        switch (State)
        {
            case ServiceState.StartPost or ServiceState.Reload:
                if (ControlPid == 0)
                    EnterStop(f);
                break;
            case ServiceState.Stop:
                break;
            case ServiceState.Start when _settings.Type == ServiceType.Oneshot:
                if (f == ServiceResult.Success)
                    EnterStartPost();
                else
                    EnterSignal(ServiceState.StopSigterm, f);
                break;
            case ServiceState.Start when _settings.Type is ServiceType.Notify or ServiceType.NotifyReload:
                if (f != ServiceResult.Success)
                    EnterSignal(ServiceState.StopSigterm, f);
                else if (!_settings.RemainAfterExit || _settings.EffectiveNotifyAccess == NotifyAccess.Main)
                    EnterSignal(ServiceState.StopSigterm, ServiceResult.Protocol);
                break;
            case ServiceState.Start when _settings.Type == ServiceType.Exec && f == ServiceResult.Success:
                // It exited before we saw execve() succeed: it did start, and is done.
                EnterStartPost();
                break;
            case ServiceState.Start or ServiceState.Running:
                EnterRunning(f);
                break;
            case ServiceState.StopWatchdog or ServiceState.StopSigterm or ServiceState.StopSigkill:
                // Remaining processes of the cgroup are dealt with by the final-* states.
                if (ControlPid == 0)
                    EnterStopPost(f);
                break;
            case ServiceState.StopPost:
                if (ControlPid == 0)
                    EnterSignal(ServiceState.FinalSigterm, f);
                break;
            case ServiceState.FinalWatchdog or ServiceState.FinalSigterm or ServiceState.FinalSigkill:
                if (ControlPid == 0)
                    EnterDead(f, allowRestart: true);
                break;
        }
    }

    private void OnControlExit(ProcessExit exit)
    {
        var role = ControlCommand;
        var command = _controlCommands.Count > _controlIndex ? _controlCommands[_controlIndex] : null;
        ControlPid = 0;
        // Commands other than ExecStart= are not daemons: SIGTERM is a failure for them; SuccessExitStatus= is for the daemon.
        var f = Classify(exit, daemon: role == ServiceCommand.Start, applySuccessStatus: role == ServiceCommand.Start);
        if (command is not null && (command.Flags & ExecFlags.IgnoreFailure) != 0)
            f = ServiceResult.Success;
        if (State == ServiceState.Condition)
        {
            if (f == ServiceResult.ExitCode && exit.Status < 255)
                f = ServiceResult.SkipCondition;
        }
        _host.Log(f == ServiceResult.Success ? 7 : 5,
            $"{(State == ServiceState.Condition ? "Condition check process" : "Control process")} exited, {exit}");
        if (State != ServiceState.Reload && Result == ServiceResult.Success && f != ServiceResult.SkipCondition)
            Result = f;

        if (f == ServiceResult.Success && _controlIndex + 1 < _controlCommands.Count)
        {
            _controlIndex++;
            if (!SpawnControl())
                OnControlFinished(ServiceResult.Resources, State);
            return;
        }
        OnControlFinished(f, State);
    }

    /// <summary>The last command of the current list ended (or could not be spawned): systemd's "final SIGCHLD".</summary>
    private void OnControlFinished(ServiceResult f, ServiceState state)
    {
        ControlCommand = null;
        switch (state)
        {
            case ServiceState.Condition:
                if (f == ServiceResult.Success)
                    EnterStartPre();
                else if (f == ServiceResult.SkipCondition)
                {
                    // 1..254: the unit is skipped, not failed.
                    Result = ServiceResult.SkipCondition;
                    _host.Log(6, $"Skipped due to '{Result.ToSystemdString()}'.");
                    DisarmTimer();
                    SetState(ServiceState.Dead);
                }
                else
                    EnterSignal(ServiceState.StopSigterm, f);
                break;
            case ServiceState.StartPre:
                if (f == ServiceResult.Success)
                    EnterStart();
                else
                    EnterSignal(ServiceState.StopSigterm, f);
                break;
            case ServiceState.Start:
                // Type=forking: the starter exited.
                if (f != ServiceResult.Success)
                {
                    EnterSignal(ServiceState.StopSigterm, f);
                    break;
                }
                if (_settings.PIDFile is not null)
                {
                    bool hasStartPost = _settings.ExecStartPost.Count > 0;
                    if (!LoadPidFile(mayWarn: !hasStartPost, exitedPid: 0) && !hasStartPost)
                    {
                        // The daemon may still be writing it: wait (inotify) while it has processes left.
                        if (_processes.IsGroupEmpty)
                            EnterSignal(ServiceState.StopSigterm, ServiceResult.Protocol);
                        else
                            DemandPidFile();
                        break;
                    }
                }
                else
                {
                    SearchMainPid();
                }
                EnterStartPost();
                break;
            case ServiceState.StartPost:
                if (f != ServiceResult.Success)
                {
                    EnterSignal(ServiceState.StopSigterm, f);
                    break;
                }
                if (_settings.PIDFile is not null && !_mainPidKnown)
                {
                    if (!LoadPidFile(mayWarn: true, exitedPid: 0))
                    {
                        if (_processes.IsGroupEmpty)
                            EnterStop(ServiceResult.Protocol);
                        else
                            DemandPidFile();
                        break;
                    }
                }
                else if (!_mainPidKnown)
                {
                    SearchMainPid();
                }
                EnterRunning(ServiceResult.Success);
                break;
            case ServiceState.Reload:
                if (f == ServiceResult.Success && _settings.PIDFile is not null)
                    LoadPidFile(mayWarn: false, exitedPid: 0);
                FinishReload(f);
                break;
            case ServiceState.Stop:
                EnterSignal(ServiceState.StopSigterm, f);
                break;
            case ServiceState.StopWatchdog or ServiceState.StopSigterm or ServiceState.StopSigkill:
                if (MainPidGood() <= 0)
                    EnterStopPost(f);
                break;
            case ServiceState.StopPost:
                if (MainPidGood() <= 0)
                    EnterSignal(ServiceState.FinalSigterm, f);
                break;
            case ServiceState.FinalWatchdog or ServiceState.FinalSigterm or ServiceState.FinalSigkill:
                if (MainPidGood() <= 0)
                    EnterDead(f, allowRestart: true);
                break;
            case ServiceState.Cleaning:
                if (CleanResult == ServiceResult.Success)
                    CleanResult = f;
                EnterDead(ServiceResult.Success, allowRestart: false);
                break;
            default:
                // A failed spawn from a state that is not waiting (cannot happen with the lists above).
                if (f != ServiceResult.Success)
                    EnterSignal(ServiceState.StopSigterm, f);
                break;
        }
    }

    public void OnExecSucceeded(int pid)
    {
        if (_settings.Type == ServiceType.Exec && State == ServiceState.Start && pid == MainPid)
            EnterStartPost();
    }

    /// <summary>The unit's cgroup became empty (cgroup.events "populated 0").</summary>
    public void OnGroupEmpty()
    {
        switch (State)
        {
            case ServiceState.Start when _settings.Type is ServiceType.Notify or ServiceType.NotifyReload &&
                                         MainPidGood() <= 0 && ControlPid == 0:
                EnterStopPost(ServiceResult.Protocol);
                break;
            case ServiceState.Start or ServiceState.StartPost when _pidFileWatch is not null && MainPidGood() <= 0 && ControlPid == 0:
                _host.Log(4, "Daemon never wrote its PID file. Failing.");
                StopPidFileWatch();
                if (State == ServiceState.Start)
                    EnterStopPost(ServiceResult.Protocol);
                else
                    EnterStop(ServiceResult.Protocol);
                break;
            case ServiceState.Running:
                if (MainPidGood() <= 0)
                    EnterRunning(ServiceResult.Success);
                break;
            case ServiceState.StopWatchdog or ServiceState.StopSigterm or ServiceState.StopSigkill:
                if (MainPidGood() <= 0 && ControlPid == 0)
                    EnterStopPost(ServiceResult.Success);
                break;
            case ServiceState.StopPost or ServiceState.FinalWatchdog or ServiceState.FinalSigterm or ServiceState.FinalSigkill:
                if (MainPidGood() <= 0 && ControlPid == 0)
                    EnterDead(ServiceResult.Success, allowRestart: true);
                break;
            case ServiceState.Dead or ServiceState.Failed or ServiceState.AutoRestart:
                _processes.Release();
                break;
        }
    }

    /// <summary>An sd_notify message attributed to this unit (by its cgroup or its pids).</summary>
    public void OnNotify(NotifyMessage message)
    {
        if (!NotifyAllowed(message))
            return;
        bool changed = false;
        if (message.MainPid is { } newMain && newMain != MainPid &&
            State is ServiceState.Start or ServiceState.StartPost or ServiceState.Running or ServiceState.Reload or ServiceState.Stop or ServiceState.StopSigterm)
        {
            // A pid outside the unit is accepted only from a privileged sender, as systemd does.
            if (!_processes.InGroup(newMain) && message.Uid != 0)
                _host.Log(4, $"New main PID {newMain} does not belong to service, and PID file is not owned by root. Refusing.");
            else if (!_processes.IsAlive(newMain))
                _host.Log(4, $"New main PID {newMain} does not exist. Ignoring.");
            else
            {
                SetMainPid(newMain);
                changed = true;
            }
        }
        if (message.Status is { } status)
        {
            StatusText = status.Length > 16 * 1024 ? status[..(16 * 1024)] : status;
            changed = true;
        }
        if (message.Errno is { } errno)
        {
            StatusErrno = errno;
            changed = true;
        }
        if (message.WatchdogUSec is { } watchdogOverride)
        {
            _watchdogOverrideUsec = watchdogOverride;
            StartWatchdog();
        }
        if (message.WatchdogTrigger)
            OnWatchdogTimeout();
        else if (message.Watchdog)
        {
            _watchdogStamp = _host.NowUSec;
            StartWatchdog();
        }
        if (message.ExtendTimeoutUSec is { } extend && _timer is not null && extend > 0)
        {
            ulong due = Add(_host.NowUSec, extend);
            if (due > _timerDue)
            {
                _timer.Dispose();
                _timerDue = due;
                _timer = _host.AddTimer(due, OnTimer);
            }
        }
        if (message.Stopping && State == ServiceState.Running)
            EnterStopByNotify();
        else if (message.Reloading && State == ServiceState.Running)
        {
            // The daemon reloads on its own (or on our signal): reflect it.
            ReloadResult = ServiceResult.Success;
            _notifyReloading = true;
            ArmTimer(_settings.TimeoutStartUsec);
            SetState(ServiceState.Reload);
        }
        else if (message.Reloading && State == ServiceState.Reload && ControlPid == 0)
        {
            // notify-reload: MONOTONIC_USEC= must not predate our signal, so a stale RELOADING=1 is not taken.
            if (message.MonotonicUSec is null || message.MonotonicUSec >= _reloadBeginUsec)
                _notifyReloading = true;
        }
        if (message.Ready)
        {
            if (State == ServiceState.Start && _settings.Type is ServiceType.Notify or ServiceType.NotifyReload)
                EnterStartPost();
            else if (State == ServiceState.Start)
                _readyReceived = true;
            else if (State == ServiceState.Reload && ControlPid == 0 && (_notifyReloading || _settings.Type != ServiceType.NotifyReload))
                FinishReload(ServiceResult.Success);
        }
        if (changed)
            _host.PropertiesChanged();
    }

    private bool NotifyAllowed(NotifyMessage message)
    {
        var access = _settings.EffectiveNotifyAccess;
        string? refusal = access switch
        {
            NotifyAccess.None => "notifications are disabled (NotifyAccess=none)",
            NotifyAccess.Main when message.Pid != MainPid => MainPid > 0
                ? $"only the main process {MainPid} may send (NotifyAccess=main)"
                : "no main PID is known yet (NotifyAccess=main)",
            NotifyAccess.Exec when message.Pid != MainPid && message.Pid != ControlPid =>
                "only the main and control processes may send (NotifyAccess=exec)",
            // The sender's cgroup was read on arrival: it may have exited by now.
            NotifyAccess.All when !(message.CgroupPath is { } cgroup ? _processes.ContainsCgroup(cgroup) : _processes.InGroup(message.Pid)) &&
                                  message.Pid != MainPid && message.Pid != ControlPid =>
                "the sender is not in the unit's control group (NotifyAccess=all)",
            _ => null,
        };
        if (refusal is null)
            return true;
        _host.Log(4, $"Got notification message from PID {message.Pid}, but reception is refused: {refusal}.");
        return false;
    }

    // ---- timers ------------------------------------------------------------------------------

    private void ArmTimer(ulong relativeUsec)
    {
        DisarmTimer();
        if (relativeUsec == ServiceSettings.Infinity || relativeUsec == 0)
            return;
        _timerDue = Add(_host.NowUSec, relativeUsec);
        _timer = _host.AddTimer(_timerDue, OnTimer);
    }

    private void DisarmTimer()
    {
        _timer?.Dispose();
        _timer = null;
        _timerDue = ulong.MaxValue;
    }

    private void OnTimer()
    {
        _timer = null;
        _timerDue = ulong.MaxValue;
        switch (State)
        {
            case ServiceState.Condition or ServiceState.StartPre or ServiceState.Start:
                _host.Log(4, $"{State.ToSystemdString()} operation timed out. Terminating.");
                EnterSignal(ServiceState.StopSigterm, ServiceResult.Timeout);
                break;
            case ServiceState.StartPost:
                _host.Log(4, "start-post operation timed out. Stopping.");
                EnterStop(ServiceResult.Timeout);
                break;
            case ServiceState.Running:
                _host.Log(4, "Service reached runtime time limit. Stopping.");
                EnterStop(ServiceResult.Timeout);
                break;
            case ServiceState.Reload:
                _host.Log(4, "Reload operation timed out. Killing reload process.");
                if (ControlPid > 0)
                    _processes.Kill(ControlPid, Signals.SIGKILL);
                FinishReload(ServiceResult.Timeout);
                break;
            case ServiceState.Stop:
                _host.Log(4, "Stopping timed out. Terminating.");
                EnterSignal(ServiceState.StopSigterm, ServiceResult.Timeout);
                break;
            case ServiceState.StopWatchdog:
                _host.Log(4, "State 'stop-watchdog' timed out. Killing.");
                EnterSignal(ServiceState.StopSigkill, ServiceResult.Timeout);
                break;
            case ServiceState.StopSigterm:
                if (_settings.Kill.SendSIGKILL)
                {
                    _host.Log(4, "State 'stop-sigterm' timed out. Killing.");
                    EnterSignal(ServiceState.StopSigkill, ServiceResult.Timeout);
                }
                else
                {
                    _host.Log(4, "State 'stop-sigterm' timed out. Skipping SIGKILL.");
                    EnterStopPost(ServiceResult.Timeout);
                }
                break;
            case ServiceState.StopSigkill:
                // Processes in D state may never die: give up waiting, as systemd does.
                _host.Log(4, "Processes still around after SIGKILL. Ignoring.");
                EnterStopPost(ServiceResult.Timeout);
                break;
            case ServiceState.StopPost:
                _host.Log(4, "State 'stop-post' timed out. Terminating.");
                EnterSignal(ServiceState.FinalSigterm, ServiceResult.Timeout);
                break;
            case ServiceState.FinalWatchdog:
                _host.Log(4, "State 'final-watchdog' timed out. Killing.");
                EnterSignal(ServiceState.FinalSigkill, ServiceResult.Timeout);
                break;
            case ServiceState.FinalSigterm:
                if (_settings.Kill.SendSIGKILL)
                {
                    _host.Log(4, "State 'final-sigterm' timed out. Killing.");
                    EnterSignal(ServiceState.FinalSigkill, ServiceResult.Timeout);
                }
                else
                {
                    _host.Log(4, "State 'final-sigterm' timed out. Skipping SIGKILL. Entering failed mode.");
                    EnterDead(ServiceResult.Timeout, allowRestart: false);
                }
                break;
            case ServiceState.FinalSigkill:
                _host.Log(4, "Processes still around after final SIGKILL. Entering failed mode.");
                EnterDead(ServiceResult.Timeout, allowRestart: true);
                break;
            case ServiceState.AutoRestart:
                EnterRestart();
                break;
            case ServiceState.Cleaning:
                _host.Log(4, "Cleaning timed out. killing.");
                if (CleanResult == ServiceResult.Success)
                    CleanResult = ServiceResult.Timeout;
                EnterSignal(ServiceState.FinalSigkill, ServiceResult.Success);
                break;
        }
    }

    private ulong WatchdogUsec() => _watchdogOverrideUsec ?? _settings.WatchdogUsec;

    private void StartWatchdog()
    {
        _watchdogTimer?.Dispose();
        _watchdogTimer = null;
        ulong usec = WatchdogUsec();
        if (usec == 0 || usec == ServiceSettings.Infinity)
            return;
        if (_watchdogStamp == 0)
            _watchdogStamp = _host.NowUSec;
        _watchdogTimer = _host.AddTimer(Add(_watchdogStamp, usec), OnWatchdogTimeout);
    }

    private void StopWatchdog()
    {
        _watchdogTimer?.Dispose();
        _watchdogTimer = null;
        _watchdogStamp = 0;
    }

    private void OnWatchdogTimeout()
    {
        _watchdogTimer = null;
        if (State is not (ServiceState.StartPost or ServiceState.Running or ServiceState.Reload))
            return;
        _host.Log(3, "Watchdog timeout!");
        EnterSignal(ServiceState.StopWatchdog, ServiceResult.Watchdog);
    }

    // ---- main pid ----------------------------------------------------------------------------

    private void SetMainPid(int pid, bool spawned = false)
    {
        // A process that is not our child (its starter still lives) sends us no exit: check it by liveness.
        _mainPidAlien = !spawned && _processes.ParentOf(pid) != Environment.ProcessId;
        MainPid = pid;
        _mainPidKnown = true;
        _processes.WatchPid(pid);
        ExecMain = new ExecMainStatus(pid, _host.NowUSec, 0, 0, 0);
        _host.PropertiesChanged();
    }

    /// <summary>
    /// 1: the main process lives; 0: none (known to be gone); -1: unknown (the cgroup decides, as in systemd). Our own
    /// child counts as alive until its exit was processed, so that its exit status is always collected first.
    /// </summary>
    private int MainPidGood()
    {
        if (_mainPidKnown)
            return MainPid > 0 && (!_mainPidAlien || _processes.IsAlive(MainPid)) ? 1 : 0;
        return -1;
    }

    /// <summary>GuessMainPID=: the one process of the unit whose parent is not in the unit (i.e. us).</summary>
    private void SearchMainPid()
    {
        if (_mainPidKnown || !_settings.GuessMainPID)
            return;
        int found = 0;
        foreach (int pid in _processes.GroupPids())
        {
            int parent = _processes.ParentOf(pid);
            if (parent != 0 && _processes.InGroup(parent))
                continue;
            if (found != 0)
                return; // more than one candidate: not guessable
            found = pid;
        }
        if (found != 0)
        {
            _host.Log(7, $"Main PID guessed: {found}");
            SetMainPid(found);
        }
    }

    /// <summary>
    /// Reads PIDFile= with systemd's safety rules: the pid must be a live process other than the manager and the
    /// control process; a pid outside the unit's cgroup is refused unless the file is owned by root.
    /// </summary>
    private bool LoadPidFile(bool mayWarn, int exitedPid)
    {
        string path = _settings.PIDFile!;
        string text;
        int ownerUid;
        try
        {
            var info = new FileInfo(path);
            if ((info.Attributes & FileAttributes.ReparsePoint) != 0 && !IsSafeSymlinkTarget(info))
            {
                _host.Log(4, $"Refusing to follow unsafe symlink PID file {path}.");
                return false;
            }
            text = File.ReadAllText(path).Trim();
            ownerUid = OwnerUid(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (mayWarn)
                _host.Log(6, $"Can't open PID file {path} (yet?) after {State.ToSystemdString()}: No such file or directory");
            return false;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 1)
        {
            if (mayWarn)
                _host.Log(4, $"Failed to parse PID from file {path}: Invalid argument");
            return false;
        }
        if (pid == exitedPid || (_mainPidKnown && pid == MainPid))
            return false;
        if (pid == Environment.ProcessId || pid == ControlPid || !_processes.IsAlive(pid))
        {
            if (mayWarn)
                _host.Log(4, $"PID {pid} read from file {path} does not exist or is a zombie.");
            return false;
        }
        if (!_processes.InGroup(pid))
        {
            if (ownerUid != 0)
            {
                _host.Log(4, $"New main PID {pid} does not belong to service, and PID file is not owned by root. Refusing.");
                return false;
            }
            _host.Log(4, $"New main PID {pid} does not belong to service, but we'll accept it since PID file is owned by root.");
        }
        _host.Log(7, $"Main PID loaded: {pid}");
        SetMainPid(pid);
        StopPidFileWatch();
        return true;
    }

    private static bool IsSafeSymlinkTarget(FileInfo link) =>
        link.ResolveLinkTarget(returnFinalTarget: true) is { } target && OwnerUid(target.FullName) == 0;

    private static int OwnerUid(string path) => Native.Libc.OwnerUid(path);

    /// <summary>The PID file is not there yet after the starter exited: wait for it with inotify.</summary>
    private void DemandPidFile()
    {
        StopPidFileWatch();
        _pidFileWatch = _processes.WatchFile(_settings.PIDFile!, () =>
        {
            if (State is not (ServiceState.Start or ServiceState.StartPost) || _mainPidKnown)
                return;
            if (LoadPidFile(mayWarn: false, exitedPid: 0))
            {
                if (State == ServiceState.Start)
                    EnterStartPost();
                else
                    EnterRunning(ServiceResult.Success);
            }
        });
        // The file may have appeared between our read and the watch.
        if (LoadPidFile(mayWarn: false, exitedPid: 0))
        {
            if (State == ServiceState.Start)
                EnterStartPost();
            else
                EnterRunning(ServiceResult.Success);
        }
    }

    private void StopPidFileWatch()
    {
        _pidFileWatch?.Dispose();
        _pidFileWatch = null;
    }

    // ---- helpers -----------------------------------------------------------------------------

    private void SetState(ServiceState state, bool willAutoRestart = false)
    {
        var old = State;
        State = state;
        if (old != state)
            _host.Log(7, $"Changed {old.ToSystemdString()} -> {state.ToSystemdString()}");
        _host.StateChanged(old, state, reloadFailure: false, willAutoRestart);
    }

    private static ulong Add(ulong a, ulong b) => ulong.MaxValue - a < b ? ulong.MaxValue : a + b;

    private static string Name(ServiceCommand command) => command switch
    {
        ServiceCommand.Condition => "exec-condition",
        ServiceCommand.StartPre => "start-pre",
        ServiceCommand.Start => "start",
        ServiceCommand.StartPost => "start-post",
        ServiceCommand.Reload => "reload",
        ServiceCommand.Stop => "stop",
        _ => "stop-post",
    };
}
