namespace Units.Execution.Triggers;

/// <summary>What a timer value counts from (systemd's TimerBase; the setting is "On" + name + "Sec").</summary>
public enum TimerBase
{
    Active,
    Boot,
    Startup,
    UnitActive,
    UnitInactive,
    Calendar,
}

/// <summary>A calendar event (OnCalendar=), parsed by the unit-file layer.</summary>
public interface ICalendarEvent
{
    /// <summary>The normalised form, as TimersCalendar and `systemd-analyze calendar` show it.</summary>
    string Normalized { get; }

    /// <summary>The first matching time strictly after <paramref name="afterRealtimeUSec"/>, or null: never again.</summary>
    ulong? NextElapse(ulong afterRealtimeUSec);
}

/// <summary>One On…Sec= of a timer: a span after its base, or (<see cref="TimerBase.Calendar"/>) a calendar event.</summary>
public sealed record TimerValue(TimerBase Base, ulong ValueUSec, ICalendarEvent? Calendar = null);

/// <summary>[Timer] of systemd.timer(5), as the timer kind needs it.</summary>
public sealed class TimerSettings
{
    /// <summary>The unit to start: Unit=, else the service of the timer's name.</summary>
    public string? Unit { get; init; }

    /// <summary>In the order of the unit file (systemd lists them newest first, and so does D-Bus).</summary>
    public IReadOnlyList<TimerValue> Values { get; init; } = [];

    public ulong AccuracyUSec { get; init; } = 60_000_000;

    public ulong RandomizedDelayUSec { get; init; }

    public bool FixedRandomDelay { get; init; }

    public bool OnClockChange { get; init; }

    public bool OnTimezoneChange { get; init; }

    public bool Persistent { get; init; }

    public bool WakeSystem { get; init; }

    public bool RemainAfterElapse { get; init; } = true;
}
