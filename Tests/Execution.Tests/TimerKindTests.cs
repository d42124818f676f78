using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Core.Testing;
using Units.Execution.Triggers;

namespace Units.Execution.Tests;

/// <summary>Timer units on a fake clock: what they wait for, when they start their unit, and what they become
/// (systemd 252's timer.c).</summary>
public sealed class TimerKindTests
{
    private const ulong Second = 1_000_000;

    private static TimerSettings Timer(params TimerValue[] values) => new() { Unit = "x.service", Values = values };

    /// <summary>Elapses every <paramref name="periodUSec"/> of the realtime clock (e.g. each full minute).</summary>
    private sealed class Every(ulong periodUSec) : ICalendarEvent
    {
        public string Normalized => $"every {periodUSec}us";

        public ulong? NextElapse(ulong afterRealtimeUSec) => (afterRealtimeUSec / periodUSec + 1) * periodUSec;
    }

    [Fact]
    public void OnActiveSec_starts_the_unit_once_and_the_timer_then_remains_elapsed()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service", new FakeServiceSettings { StartsInstantly = true });
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Active, Second)));
        var timer = rig.Kind<TimerKind>("x.timer");

        Assert.Equal(JobResult.Done, TriggerRig.Outcome(rig.Start("x.timer")));
        Assert.Equal(("active", "waiting"), (rig.Unit("x.timer").ActiveState.ToString().ToLowerInvariant(), timer.SubState));
        Assert.Equal(rig.Clock.MonotonicUSec + Second, timer.NextElapseMonotonicUSec);
        Assert.Equal(0UL, timer.NextElapseRealtimeUSec);

        rig.Advance(Second - 1);
        Assert.Equal(0, rig.Service("x.service").StartCount);
        rig.Advance(1);
        Assert.Equal(1, rig.Service("x.service").StartCount);
        Assert.Equal("running", timer.SubState);
        Assert.Equal(rig.Clock.MonotonicUSec, timer.LastTrigger.MonotonicUSec);
        Assert.Equal(ulong.MaxValue, timer.NextElapseMonotonicUSec);

        // The service ends: the one-time value is spent, the timer has elapsed and stays (RemainAfterElapse=yes).
        rig.Advance(1);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal("elapsed", timer.SubState);
        Assert.Equal(ActiveState.Active, rig.Unit("x.timer").ActiveState);
        rig.Advance(3600 * Second);
        Assert.Equal(1, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void RemainAfterElapse_no_makes_an_elapsed_timer_dead()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", new TimerSettings { Unit = "x.service", Values = [new TimerValue(TimerBase.Active, 0)], RemainAfterElapse = false });
        rig.Start("x.timer");
        rig.Advance(0);
        rig.Advance(1);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal("dead", rig.Kind<TimerKind>("x.timer").SubState);
        Assert.Equal(ActiveState.Inactive, rig.Unit("x.timer").ActiveState);
    }

    [Fact]
    public void OnUnitActiveSec_repeats_from_each_activation_of_the_unit()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Active, 0), new TimerValue(TimerBase.UnitActive, 10 * Second)));
        var timer = rig.Kind<TimerKind>("x.timer");
        rig.Start("x.timer");
        rig.Advance(0);
        Assert.Equal(1, rig.Service("x.service").StartCount);
        ulong firstStart = rig.Unit("x.service").InactiveExitTimestamp.MonotonicUSec;

        rig.Advance(2 * Second);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal("waiting", timer.SubState);
        Assert.Equal(firstStart + 10 * Second, timer.NextElapseMonotonicUSec);
        Assert.Equal(firstStart + 10 * Second, timer.Values.Single(v => v.Value.Base == TimerBase.UnitActive).NextElapseUSec);

        rig.Advance(8 * Second);
        Assert.Equal(2, rig.Service("x.service").StartCount);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        rig.Advance(10 * Second);
        Assert.Equal(3, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void OnUnitInactiveSec_counts_from_the_unit_going_down()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Active, 0), new TimerValue(TimerBase.UnitInactive, 5 * Second)));
        rig.Start("x.timer");
        rig.Advance(0);
        rig.Advance(30 * Second);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal(rig.Clock.MonotonicUSec + 5 * Second, rig.Kind<TimerKind>("x.timer").NextElapseMonotonicUSec);
        rig.Advance(5 * Second);
        Assert.Equal(2, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void OnCalendar_elapses_at_the_next_matching_realtime()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Calendar, 0, new Every(60 * Second))));
        var timer = rig.Kind<TimerKind>("x.timer");
        rig.Start("x.timer");
        ulong next = (rig.Clock.RealtimeUSec / (60 * Second) + 1) * 60 * Second;
        Assert.Equal(next, timer.NextElapseRealtimeUSec);
        Assert.Equal(0UL, timer.NextElapseMonotonicUSec);
        Assert.Equal(next, timer.Values[0].NextElapseUSec);

        rig.Advance(next - rig.Clock.RealtimeUSec - 1);
        Assert.Equal(0, rig.Service("x.service").StartCount);
        rig.Advance(1);
        Assert.Equal(1, rig.Service("x.service").StartCount);
        Assert.Equal(next, timer.LastTrigger.RealtimeUSec);

        // The next one counts from the last trigger.
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal(next + 60 * Second, timer.NextElapseRealtimeUSec);
    }

    [Fact]
    public void A_clock_set_forward_past_a_calendar_time_elapses_it_at_once()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Calendar, 0, new Every(3600 * Second))));
        var timer = rig.Kind<TimerKind>("x.timer");
        rig.Start("x.timer");
        ulong next = timer.NextElapseRealtimeUSec;

        // The loop's timers run on CLOCK_MONOTONIC: without hearing of the set, the timer would wait the old distance.
        rig.Clock.SetRealtime(next + 10 * Second);
        rig.Advance(0);
        Assert.Equal(0, rig.Service("x.service").StartCount);
        rig.Event(rig.Manager.DispatchTimeChange);
        Assert.Equal(1, rig.Service("x.service").StartCount);
        Assert.Contains(rig.Log.Entries, static e => e.Message == "Time change, recalculating next elapse.");
    }

    [Fact]
    public void A_clock_set_backwards_moves_a_last_trigger_from_the_future_to_now()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Calendar, 0, new Every(60 * Second))));
        var timer = rig.Kind<TimerKind>("x.timer");
        rig.Start("x.timer");
        rig.Advance(timer.NextElapseRealtimeUSec - rig.Clock.RealtimeUSec);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        ulong triggered = timer.LastTrigger.RealtimeUSec;

        rig.Clock.SetRealtime(triggered - 3600 * Second);
        rig.Event(rig.Manager.DispatchTimeChange);
        Assert.Equal(rig.Clock.RealtimeUSec, timer.LastTrigger.RealtimeUSec);
        // The minutes of the hour the clock went back are elapsed again, from now.
        Assert.Equal((rig.Clock.RealtimeUSec / (60 * Second) + 1) * 60 * Second, timer.NextElapseRealtimeUSec);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OnClockChange_and_OnTimezoneChange_start_the_unit_on_their_change(bool clock)
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", new TimerSettings { Unit = "x.service", OnClockChange = clock, OnTimezoneChange = !clock });
        rig.Start("x.timer");
        Assert.Equal("waiting", rig.Kind<TimerKind>("x.timer").SubState);

        rig.Event(clock ? rig.Manager.DispatchTimezoneChange : rig.Manager.DispatchTimeChange);
        Assert.Equal(0, rig.Service("x.service").StartCount);
        rig.Event(clock ? rig.Manager.DispatchTimeChange : rig.Manager.DispatchTimezoneChange);
        Assert.Equal(1, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void The_earliest_value_wins_and_TimersMonotonic_lists_the_newest_first()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Active, 50 * Second), new TimerValue(TimerBase.Active, 20 * Second)));
        var timer = rig.Kind<TimerKind>("x.timer");
        rig.Start("x.timer");
        Assert.Equal(rig.Clock.MonotonicUSec + 20 * Second, timer.NextElapseMonotonicUSec);
        Assert.Equal([20 * Second, 50 * Second], timer.Values.Select(static v => v.Value.ValueUSec));
        rig.Advance(20 * Second);
        rig.Advance(Second);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        // The first value is spent; the second still lies ahead.
        Assert.Equal("waiting", timer.SubState);
        Assert.Equal(rig.Clock.MonotonicUSec + 29 * Second, timer.NextElapseMonotonicUSec);
    }

    [Fact]
    public void Stopping_cancels_the_wait()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Active, Second)));
        rig.Start("x.timer");
        Assert.Equal(JobResult.Done, TriggerRig.Outcome(rig.Stop("x.timer")));
        Assert.Equal("dead", rig.Kind<TimerKind>("x.timer").SubState);
        Assert.Equal(ulong.MaxValue, rig.Kind<TimerKind>("x.timer").NextElapseMonotonicUSec);
        rig.Advance(10 * Second);
        Assert.Equal(0, rig.Service("x.service").StartCount);
        Assert.Contains(rig.Log.Entries, e => e.Unit == "x.timer" && e.Message == "Deactivated successfully.");
    }

    [Fact]
    public void A_timer_whose_unit_does_not_exist_refuses_to_start()
    {
        var rig = new TriggerRig();
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Active, Second)));
        Assert.Equal(JobResult.Failed, TriggerRig.Outcome(rig.Start("x.timer")));
        Assert.Contains(rig.Log.Entries, e => e.Message == "Refusing to start, unit x.service to trigger not loaded.");
        Assert.Equal("dead", rig.Kind<TimerKind>("x.timer").SubState);
    }

    [Fact]
    public void RandomizedDelaySec_adds_a_random_delay_below_it()
    {
        var rig = new TriggerRig(new TimerEnvironment
        {
            ManagerStarted = default,
            StampDirectory = "/nonexistent",
            Random = static () => 123_456_789_012,
        });
        rig.AddService("x.service");
        rig.Add("x.timer", new TimerSettings { Unit = "x.service", Values = [new TimerValue(TimerBase.Active, Second)], RandomizedDelayUSec = 10 * Second });
        rig.Start("x.timer");
        Assert.Equal(rig.Clock.MonotonicUSec + Second + 123_456_789_012 % (10 * Second), rig.Kind<TimerKind>("x.timer").NextElapseMonotonicUSec);
    }

    [Fact]
    public void FixedRandomDelay_picks_the_same_delay_every_time_and_another_for_another_unit()
    {
        var rig = new TriggerRig(new TimerEnvironment { ManagerStarted = default, StampDirectory = "/nonexistent", MachineId = "3d1219c7c4c5404aaa1f6d2a48adfda4" });
        rig.AddService("x.service");
        foreach (string name in (string[])["a.timer", "b.timer"])
            rig.Add(name, new TimerSettings { Unit = "x.service", Values = [new TimerValue(TimerBase.Active, 0)], RandomizedDelayUSec = 3600 * Second, FixedRandomDelay = true });
        ulong Delay(string name)
        {
            rig.Start(name);
            ulong delay = rig.Kind<TimerKind>(name).NextElapseMonotonicUSec - rig.Clock.MonotonicUSec;
            rig.Stop(name);
            return delay;
        }
        ulong first = Delay("a.timer");
        Assert.InRange(first, 0UL, 3600 * Second - 1);
        Assert.Equal(first, Delay("a.timer"));
        Assert.NotEqual(first, Delay("b.timer"));
    }

    [Fact]
    public void Persistent_catches_up_on_a_calendar_event_missed_since_the_stamp_and_stamps_each_trigger()
    {
        string stamps = Directory.CreateTempSubdirectory("units-timer-stamps-").FullName;
        try
        {
            var rig = new TriggerRig(new TimerEnvironment { ManagerStarted = default, StampDirectory = stamps });
            rig.AddService("x.service");
            rig.Add("x.timer", new TimerSettings { Unit = "x.service", Values = [new TimerValue(TimerBase.Calendar, 0, new Every(3600 * Second))], Persistent = true });
            string stamp = Path.Combine(stamps, "stamp-x.timer");

            // First start: no stamp yet, one is made, and the next full hour is waited for.
            rig.Start("x.timer");
            Assert.True(File.Exists(stamp));
            Assert.Equal(0, rig.Service("x.service").StartCount);
            rig.Stop("x.timer");

            // The stamp says the unit last ran two hours ago: a full hour passed since, so it runs at once.
            File.SetLastWriteTimeUtc(stamp, DateTime.UnixEpoch.AddTicks((long)(rig.Clock.RealtimeUSec - 7200 * Second) * 10));
            rig.Start("x.timer");
            rig.Advance(0);
            Assert.Equal(1, rig.Service("x.service").StartCount);
            var timer = rig.Kind<TimerKind>("x.timer");
            Assert.Equal((long)timer.LastTrigger.RealtimeUSec / 1000, new DateTimeOffset(File.GetLastWriteTimeUtc(stamp)).ToUnixTimeMilliseconds());
        }
        finally
        {
            Directory.Delete(stamps, recursive: true);
        }
    }

    [Fact]
    public void Default_dependencies_order_it_before_timers_target_and_the_triggered_unit()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Calendar, 0, new Every(Second))), defaultDependencies: true);
        var dependencies = rig.Unit("x.timer").Dependencies.Where(static d => d.Type != UnitDependency.References).Select(static d => $"{d.Type} {d.Other.Id}").Order().ToList();
        Assert.Equal(["Before shutdown.target", "Before timers.target", "Before x.service", "Conflicts shutdown.target", "Triggers x.service"], dependencies);
        Assert.Contains(rig.Unit("x.service").Dependencies, static d => d.Type == UnitDependency.TriggeredBy && d.Other.Id == "x.timer");
    }

    [Fact]
    public void In_the_system_manager_a_calendar_timer_also_needs_sysinit_and_waits_for_the_clock_to_be_set()
    {
        var rig = new TriggerRig(scope: ManagerScope.System);
        rig.AddService("x.service");
        rig.Add("x.timer", Timer(new TimerValue(TimerBase.Calendar, 0, new Every(Second))), defaultDependencies: true);
        rig.Add("y.timer", Timer(new TimerValue(TimerBase.Active, Second)), defaultDependencies: true);
        List<string> Dependencies(string unit) =>
            [.. rig.Unit(unit).Dependencies.Where(static d => d.Type != UnitDependency.References).Select(static d => $"{d.Type} {d.Other.Id}").Order()];
        Assert.Equal(
            ["After sysinit.target", "After time-set.target", "After time-sync.target", "Before shutdown.target", "Before timers.target",
             "Before x.service", "Conflicts shutdown.target", "Requires sysinit.target", "Triggers x.service"],
            Dependencies("x.timer"));
        Assert.DoesNotContain("After time-sync.target", Dependencies("y.timer"));
    }
}
