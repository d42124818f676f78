using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.UnitFiles.Hashing;

namespace Units.Execution.Triggers;

/// <summary>A timer unit's state (systemd's TimerState).</summary>
public enum TimerState
{
    Dead,
    Waiting,
    Running,
    Elapsed,
    Failed,
}

/// <summary>Why a timer unit last failed (systemd's TimerResult).</summary>
public enum TimerResult
{
    Success,
    Resources,
    StartLimitHit,
}

/// <summary>One timer value with what the timer computed for it: its next elapse (0: not computed yet) and whether
/// it is spent (a one-time OnActiveSec=/OnBootSec=/OnStartupSec= that passed).</summary>
public sealed class TimerValueState(TimerValue value)
{
    public TimerValue Value { get; } = value;

    /// <summary>CLOCK_MONOTONIC for the monotonic bases, CLOCK_REALTIME for calendar events.</summary>
    public ulong NextElapseUSec { get; internal set; }

    internal bool Disabled { get; set; }
}

/// <summary>What timer units need of the manager beyond the core's host.</summary>
public sealed class TimerEnvironment
{
    /// <summary>When the manager started, on both clocks (OnStartupSec= counts from it).</summary>
    public required DualTimestamp ManagerStarted { get; init; }

    /// <summary>Where Persistent= timers keep their stamp files ("stamp-" + unit name): /var/lib/systemd/timers for the
    /// system manager, $XDG_DATA_HOME/systemd/timers for a user's.</summary>
    public required string StampDirectory { get; init; }

    /// <summary>In a container OnBootSec= counts from the manager's start, as the host's boot is not ours.</summary>
    public bool InContainer { get; init; }

    /// <summary>/etc/machine-id's value: FixedRandomDelay= is stable per machine, manager, user and unit.</summary>
    public string MachineId { get; init; } = "";

    /// <summary>The manager's user ID (FixedRandomDelay= differs between users' managers).</summary>
    public uint UserId { get; init; }

    /// <summary>Random numbers for RandomizedDelaySec=.</summary>
    public Func<ulong> Random { get; init; } = static () => (ulong)System.Random.Shared.NextInt64();

    /// <summary>Said once per manager: what timers ask for that this manager cannot do.</summary>
    internal bool WakeSystemReported;
}

/// <summary>
/// The timer unit type in the core's operations table (systemd 252's timer.c): waits for its monotonic and calendar
/// values on the loop's clock and starts the unit it triggers with a start job (JOB_REPLACE); the triggered unit's
/// changes (<see cref="TriggerNotify"/>) re-arm it. Register with <see cref="Register"/>; a unit's
/// <see cref="UnitDefinition.TypeSettings"/> must be a <see cref="TimerSettings"/>.
/// </summary>
public sealed class TimerKind : UnitKind
{
    private const ulong Infinity = ulong.MaxValue;

    private readonly TimerEnvironment _environment;
    private TimerSettings _settings = new();
    private TimerValueState[] _values = [];
    private string? _stampPath;
    private LoopTimer? _monotonicTimer;
    private LoopTimer? _realtimeTimer;

    private TimerKind(TimerEnvironment environment) => _environment = environment;

    public static void Register(UnitKinds kinds, TimerEnvironment environment) =>
        kinds.Register(UnitType.Timer, () => new TimerKind(environment));

    public TimerState State { get; private set; }

    public TimerResult Result { get; private set; }

    /// <summary>The values, newest first as systemd keeps them, with their next elapses.</summary>
    public IReadOnlyList<TimerValueState> Values => _values;

    /// <summary>The next elapse of the monotonic values (CLOCK_MONOTONIC); 0 when waiting for calendar events only,
    /// infinity when not waiting.</summary>
    public ulong NextElapseMonotonicUSec { get; private set; } = Infinity;

    /// <summary>The next elapse of the calendar values (CLOCK_REALTIME); 0 or infinity as above.</summary>
    public ulong NextElapseRealtimeUSec { get; private set; } = Infinity;

    /// <summary>When the timer last started its unit (or, for Persistent=, the stamp file's time).</summary>
    public DualTimestamp LastTrigger { get; private set; }

    public override ActiveState ActiveState => ToActiveState(State);

    public override string SubState => ToSystemdString(State);

    public static string ToSystemdString(TimerState state) => state switch
    {
        TimerState.Waiting => "waiting",
        TimerState.Running => "running",
        TimerState.Elapsed => "elapsed",
        TimerState.Failed => "failed",
        _ => "dead",
    };

    public static string ToSystemdString(TimerResult result) => result switch
    {
        TimerResult.Resources => "resources",
        TimerResult.StartLimitHit => "start-limit-hit",
        _ => "success",
    };

    private static ActiveState ToActiveState(TimerState state) => state switch
    {
        TimerState.Waiting or TimerState.Running or TimerState.Elapsed => ActiveState.Active,
        TimerState.Failed => ActiveState.Failed,
        _ => ActiveState.Inactive,
    };

    public override void Load(UnitDefinition definition)
    {
        _settings = definition.TypeSettings as TimerSettings ?? new TimerSettings();
        // systemd prepends each value to its list: the last one configured comes first.
        _values = [.. _settings.Values.Reverse().Select(static v => new TimerValueState(v))];
        _stampPath = _settings.Persistent ? Path.Combine(_environment.StampDirectory, "stamp-" + Unit.Id) : null;
        if (_settings.WakeSystem && !_environment.WakeSystemReported)
        {
            _environment.WakeSystemReported = true;
            Host.Log.Write(LogPriority.Notice, Unit.Id,
                "WakeSystem= is not supported: unitsd has no CLOCK_REALTIME_ALARM/CLOCK_BOOTTIME_ALARM timers, so timers do not wake the system from suspend and elapse once it resumes.");
        }
        // A reload with new values while waiting: schedule by them, once the reload is done.
        if (State == TimerState.Waiting)
            Host.Post(() =>
            {
                if (State == TimerState.Waiting)
                    EnterWaiting(timeChange: false);
            });
    }

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        var settings = definition.TypeSettings as TimerSettings;
        if (settings?.Unit is { } triggered)
        {
            sink.Add(UnitDependency.Before, triggered);
            sink.Add(UnitDependency.Triggers, triggered);
        }
        if (!defaults)
            return;
        StandardDependencies.AddTriggerDefaults(sink, "timers.target");
        if (sink.Scope == ManagerScope.System && settings?.Values.Any(static v => v.Base == TimerBase.Calendar) == true)
        {
            sink.Add(UnitDependency.After, "time-sync.target");
            sink.Add(UnitDependency.After, "time-set.target");
        }
    }

    public override UnitOperationResult Start()
    {
        if (!Unit.TestStartLimit())
        {
            EnterDead(TimerResult.StartLimitHit);
            return UnitOperationResult.Failed;
        }
        if (!TestTriggerLoaded())
            return UnitOperationResult.Failed;
        Unit.AcquireInvocationId();
        LastTrigger = default;
        foreach (var value in _values)
            if (value.Value.Base == TimerBase.Active)
                value.Disabled = false;
        if (_stampPath is not null)
            ReadStamp(_stampPath);
        Result = TimerResult.Success;
        EnterWaiting(timeChange: false);
        return UnitOperationResult.InProgress;
    }

    public override UnitOperationResult Stop()
    {
        EnterDead(TimerResult.Success);
        return UnitOperationResult.InProgress;
    }

    public override void ResetFailed()
    {
        if (State == TimerState.Failed)
            SetState(TimerState.Dead);
        Result = TimerResult.Success;
    }

    public override void TriggerNotify(Unit triggered)
    {
        foreach (var value in _values)
            if (value.Value.Base is TimerBase.UnitActive or TimerBase.UnitInactive)
                value.Disabled = false;
        switch (State)
        {
            case TimerState.Waiting or TimerState.Elapsed:
                EnterWaiting(timeChange: false);
                break;
            case TimerState.Running when triggered.ActiveState.IsInactiveOrFailed():
                Debug("Got notified about unit deactivation.");
                EnterWaiting(timeChange: false);
                break;
        }
    }

    public override void Unload() => CancelTimers();

    /// <summary>A Persistent= timer's stamp file is its state.</summary>
    public override ExecCleanMask? CleanableResources => _settings.Persistent ? ExecCleanMask.State : ExecCleanMask.None;

    /// <summary>timer_clean(): removes the stamp file, so the timer forgets when it last ran.</summary>
    public override CleanOutcome Clean(ExecCleanMask mask)
    {
        if (State != TimerState.Dead)
            return CleanOutcome.Busy;
        if (mask != ExecCleanMask.State || _stampPath is null)
            return CleanOutcome.NothingToClean;
        try
        {
            File.Delete(_stampPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Host.Log.Write(LogPriority.Error, Unit.Id, $"Failed to clean stamp file of timer: {e.Message}");
            throw new BusErrorException(BusErrors.Failed, $"Failed to clean stamp file of timer: {e.Message}");
        }
        return CleanOutcome.Started;
    }

    /// <summary>timer_time_change(): a last trigger "in the future" means the clock went backwards; it is moved to now,
    /// so that the calendar times since are not skipped.</summary>
    public override void TimeChange()
    {
        if (State != TimerState.Waiting)
            return;
        ulong now = Host.Clock.RealtimeUSec;
        if (LastTrigger.RealtimeUSec > now)
            LastTrigger = new DualTimestamp(now, LastTrigger.MonotonicUSec);
        if (_settings.OnClockChange)
        {
            Debug("Time change, triggering activation.");
            EnterRunning();
        }
        else
        {
            Debug("Time change, recalculating next elapse.");
            EnterWaiting(timeChange: true);
        }
    }

    /// <summary>timer_timezone_change().</summary>
    public override void TimezoneChange()
    {
        if (State != TimerState.Waiting)
            return;
        if (_settings.OnTimezoneChange)
        {
            Debug("Timezone change, triggering activation.");
            EnterRunning();
        }
        else
        {
            Debug("Timezone change, recalculating next elapse.");
            EnterWaiting(timeChange: false);
        }
    }

    /// <summary>Persistent=: the stamp file's time is when the unit last ran; a timer that never ran gets one now.</summary>
    private void ReadStamp(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                var modified = (ulong)((File.GetLastWriteTimeUtc(path) - DateTime.UnixEpoch).Ticks / 10);
                if (modified < Host.Clock.RealtimeUSec)
                    LastTrigger = new DualTimestamp(modified, 0);
                else
                    Host.Log.Write(LogPriority.Warning, Unit.Id,
                        $"Not using persistent file timestamp {DateTimeOffset.FromUnixTimeMilliseconds((long)(modified / 1000)).ToLocalTime():ddd yyyy-MM-dd HH:mm:ss zzz} as it is in the future.");
            }
            else
            {
                TouchStamp(path, modifiedUSec: null);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Debug($"Cannot read stamp file {path}, ignoring: {e.Message}");
        }
    }

    private void TouchStamp(string path, ulong? modifiedUSec)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (File.Open(path, FileMode.OpenOrCreate, FileAccess.Write))
            {
            }
            File.SetLastWriteTimeUtc(path, modifiedUSec is { } usec ? DateTime.UnixEpoch.AddTicks((long)(usec * 10)) : DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Debug($"Cannot write stamp file {path}, ignoring: {e.Message}");
        }
    }

    /// <summary>timer_enter_waiting(): computes each value's next elapse and arms the loop's timers, or, with
    /// nothing left to wait for, the timer has elapsed.</summary>
    private void EnterWaiting(bool timeChange)
    {
        var trigger = TriggeredUnit;
        if (trigger is null)
        {
            Host.Log.Write(LogPriority.Error, Unit.Id, "Unit to trigger vanished.");
            EnterDead(TimerResult.Resources);
            return;
        }
        ulong nowMonotonic = Host.Clock.MonotonicUSec;
        ulong nowRealtime = Host.Clock.RealtimeUSec;
        bool active = ActiveState == ActiveState.Active;
        bool foundMonotonic = false, foundRealtime = false, leaveAround = false;
        ulong nextMonotonic = 0, nextRealtime = 0;
        foreach (var value in _values)
        {
            if (value.Disabled)
                continue;
            if (value.Value.Calendar is { } calendar)
            {
                ulong after = LastTrigger.RealtimeUSec > 0 ? LastTrigger.RealtimeUSec
                    : active ? Unit.InactiveExitTimestamp.RealtimeUSec : nowRealtime;
                if (calendar.NextElapse(after) is not { } next)
                    continue;
                // A calendar time that passed before the manager started counts from the start, so that
                // RandomizedDelaySec= still spreads the catching up at boot.
                ulong startedRealtime = nowRealtime - Math.Min(nowRealtime, nowMonotonic - Math.Min(nowMonotonic, _environment.ManagerStarted.MonotonicUSec));
                value.NextElapseUSec = Math.Max(next, startedRealtime);
                nextRealtime = foundRealtime ? Math.Min(nextRealtime, value.NextElapseUSec) : value.NextElapseUSec;
                foundRealtime = true;
                continue;
            }
            ulong baseUSec;
            switch (value.Value.Base)
            {
                case TimerBase.Active:
                    baseUSec = active ? Unit.InactiveExitTimestamp.MonotonicUSec : nowMonotonic;
                    break;
                case TimerBase.Boot when !_environment.InContainer:
                    // CLOCK_MONOTONIC counts from boot.
                    baseUSec = 0;
                    break;
                case TimerBase.Boot or TimerBase.Startup:
                    baseUSec = _environment.ManagerStarted.MonotonicUSec;
                    break;
                case TimerBase.UnitActive:
                    leaveAround = true;
                    baseUSec = Math.Max(trigger.InactiveExitTimestamp.MonotonicUSec, LastTrigger.MonotonicUSec);
                    if (baseUSec == 0)
                        continue;
                    break;
                default:
                    leaveAround = true;
                    baseUSec = Math.Max(trigger.InactiveEnterTimestamp.MonotonicUSec, LastTrigger.MonotonicUSec);
                    if (baseUSec == 0)
                        continue;
                    break;
            }
            value.NextElapseUSec = baseUSec + value.Value.ValueUSec < baseUSec ? Infinity : baseUSec + value.Value.ValueUSec;
            if (LastTrigger != default && !timeChange && value.NextElapseUSec < nowMonotonic
                && value.Value.Base is TimerBase.Active or TimerBase.Boot or TimerBase.Startup)
            {
                // A one-time value that has passed since the timer last triggered is spent.
                value.Disabled = true;
                continue;
            }
            nextMonotonic = foundMonotonic ? Math.Min(nextMonotonic, value.NextElapseUSec) : value.NextElapseUSec;
            foundMonotonic = true;
        }

        if (!foundMonotonic && !foundRealtime && !_settings.OnTimezoneChange && !_settings.OnClockChange)
        {
            Debug("Timer is elapsed.");
            EnterElapsed(leaveAround);
            return;
        }

        CancelTimers();
        if (foundMonotonic)
        {
            nextMonotonic = AddRandomDelay(nextMonotonic);
            Debug($"Monotonic timer elapses in {FormatSpan(nextMonotonic - Math.Min(nextMonotonic, nowMonotonic))}.");
            _monotonicTimer = Host.AddTimer(nextMonotonic, OnElapsed);
        }
        if (foundRealtime)
        {
            nextRealtime = AddRandomDelay(nextRealtime);
            ArmRealtime(nextRealtime);
        }
        NextElapseMonotonicUSec = nextMonotonic;
        NextElapseRealtimeUSec = nextRealtime;
        Unit.NotifyPropertiesChanged();
        SetState(TimerState.Waiting);
    }

    /// <summary>The loop's timers run on CLOCK_MONOTONIC: a calendar time is reached after the realtime distance to
    /// it; should the clocks drift apart meanwhile, the rest is waited for again.</summary>
    private void ArmRealtime(ulong dueRealtime)
    {
        ulong nowRealtime = Host.Clock.RealtimeUSec;
        ulong wait = dueRealtime > nowRealtime ? dueRealtime - nowRealtime : 0;
        ulong nowMonotonic = Host.Clock.MonotonicUSec;
        _realtimeTimer = Host.AddTimer(nowMonotonic + wait < nowMonotonic ? Infinity : nowMonotonic + wait, () =>
        {
            if (Host.Clock.RealtimeUSec < dueRealtime)
                ArmRealtime(dueRealtime);
            else
                OnElapsed();
        });
    }

    private void OnElapsed()
    {
        if (State != TimerState.Waiting)
            return;
        Debug("Timer elapsed.");
        EnterRunning();
    }

    /// <summary>timer_enter_running(): a start job for the triggered unit, replacing what conflicts with it.</summary>
    private void EnterRunning()
    {
        if (StopPending)
            return;
        if (!TriggeredStart.Queue(Unit, TriggeredUnit))
        {
            EnterDead(TimerResult.Resources);
            return;
        }
        LastTrigger = new DualTimestamp(Host.Clock.RealtimeUSec, Host.Clock.MonotonicUSec);
        if (_stampPath is not null)
            TouchStamp(_stampPath, LastTrigger.RealtimeUSec);
        SetState(TimerState.Running);
    }

    private void EnterElapsed(bool leaveAround)
    {
        // Values counting from the triggered unit's changes may elapse again whenever it changes: such a timer stays.
        if (_settings.RemainAfterElapse || leaveAround)
            SetState(TimerState.Elapsed);
        else
            EnterDead(TimerResult.Success);
    }

    private void EnterDead(TimerResult result)
    {
        if (Result == TimerResult.Success)
            Result = result;
        LogResult(Result == TimerResult.Success, ToSystemdString(Result));
        SetState(Result == TimerResult.Success ? TimerState.Dead : TimerState.Failed);
    }

    private void SetState(TimerState state)
    {
        var old = State;
        State = state;
        if (state != TimerState.Waiting)
        {
            CancelTimers();
            NextElapseMonotonicUSec = Infinity;
            NextElapseRealtimeUSec = Infinity;
        }
        if (state != old)
            Debug($"Changed {ToSystemdString(old)} -> {SubState}");
        Unit.NotifyStateChanged(ToActiveState(old), ToActiveState(state));
    }

    private void CancelTimers()
    {
        _monotonicTimer?.Cancel();
        _realtimeTimer?.Cancel();
        _monotonicTimer = _realtimeTimer = null;
    }

    /// <summary>RandomizedDelaySec=: a random delay below it, or with FixedRandomDelay= one fixed per machine,
    /// manager, user and unit.</summary>
    private ulong AddRandomDelay(ulong next)
    {
        ulong range = _settings.RandomizedDelayUSec;
        if (range == 0 || next == Infinity)
            return next;
        ulong delay = (_settings.FixedRandomDelay ? FixedDelayHash() : _environment.Random()) % range;
        Debug($"Adding {FormatSpan(delay)} random time.");
        return next + delay < next ? Infinity - 1 : next + delay;
    }

    /// <summary>timer_get_fixed_delay_hash(): SipHash-2-4, under systemd's key, of the machine ID, whether this is the
    /// system manager, the manager's user ID and the unit's name, so the delay is the one systemd would pick.</summary>
    private ulong FixedDelayHash()
    {
        var data = new List<byte>(64);
        data.AddRange(ParseMachineId(_environment.MachineId));
        data.Add(Host.Scope == ManagerScope.System ? (byte)1 : (byte)0);
        data.AddRange(BitConverter.GetBytes(_environment.UserId));
        data.AddRange(Encoding.UTF8.GetBytes(Unit.Id));
        return SipHash.Hash24([.. data], s_fixedDelayKey);
    }

    private static readonly byte[] s_fixedDelayKey =
        [0x51, 0x0a, 0xdb, 0x76, 0x29, 0x51, 0x42, 0xc2, 0x80, 0x35, 0xea, 0xe6, 0x8e, 0x3a, 0x37, 0xbd];

    /// <summary>The 128-bit ID written as 32 hex digits; all zeros (SD_ID128_NULL) when there is none.</summary>
    private static byte[] ParseMachineId(string text)
    {
        try
        {
            return text.Length == 32 ? Convert.FromHexString(text) : new byte[16];
        }
        catch (FormatException)
        {
            return new byte[16];
        }
    }

    private void Debug(string message) => Host.Log.Write(LogPriority.Debug, Unit.Id, message);

    private static string FormatSpan(ulong usec) => TimeSpan.FromTicks((long)Math.Min(usec, (ulong)long.MaxValue / 10) * 10).ToString();
}
