using Units.Execution.Triggers;
using Units.UnitFiles.Settings.Values;
using Files = Units.UnitFiles.Settings;

namespace Units.Daemon.Loading;

/// <summary>Maps the settings of timer and path units into the settings of their kinds. Without Unit= they trigger
/// the service of their own name, as systemd's unit_load_related_unit().</summary>
internal static class TriggerDefinitions
{
    public static TimerSettings Timer(string name, Files.UnitSettings unit)
    {
        Files.TimerSettings timer = unit.Timer!;
        return new TimerSettings
        {
            Unit = timer.Unit ?? RelatedService(name),
            Values = [.. timer.Timers.Select(static t => new TimerValue(
                SettingConversions.Same<TimerBase>(t.Base), t.Usec, t.Calendar is { } spec ? new CalendarEvent(spec) : null))],
            AccuracyUSec = timer.AccuracyUsec,
            RandomizedDelayUSec = timer.RandomizedDelayUsec,
            FixedRandomDelay = timer.FixedRandomDelay,
            OnClockChange = timer.OnClockChange,
            OnTimezoneChange = timer.OnTimezoneChange,
            Persistent = timer.Persistent,
            WakeSystem = timer.WakeSystem,
            RemainAfterElapse = timer.RemainAfterElapse,
        };
    }

    public static PathSettings Path(string name, Files.UnitSettings unit)
    {
        Files.PathSettings path = unit.Path!;
        return new PathSettings
        {
            Unit = path.Unit ?? RelatedService(name),
            Specs = [.. path.Specs.Select(static s => new PathSpec(SettingConversions.Same<PathType>(s.Type), s.Path))],
            MakeDirectory = path.MakeDirectory,
            DirectoryMode = path.DirectoryMode,
            TriggerLimitIntervalUSec = path.TriggerLimitIntervalUsec ?? 2_000_000,
            TriggerLimitBurst = path.TriggerLimitBurst ?? 200,
        };
    }

    private static string RelatedService(string name) => name[..name.LastIndexOf('.')] + ".service";

    /// <summary>OnCalendar= as the unit-file layer parsed it; local time is the manager's time zone.</summary>
    private sealed class CalendarEvent(CalendarSpec spec) : ICalendarEvent
    {
        public string Normalized { get; } = spec.ToString();

        public ulong? NextElapse(ulong afterRealtimeUSec) => spec.NextElapse(afterRealtimeUSec);
    }
}
