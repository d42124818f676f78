using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Tests;

/// <summary>Manager life: start-up, isolate, the unit life cycle, conditions, the loop and its notifications.</summary>
public sealed class ManagerTests
{
    private static UnitBuilder Target(string name) => new UnitBuilder(name).With(d => new UnitDefinition
    {
        Name = d.Name, Description = d.Description, DefaultDependencies = true, AllowIsolate = true,
    });

    [Fact]
    public void Startup_isolates_the_default_target_through_its_alias()
    {
        var h = new Harness();
        h.Define(
            Target("multi-user.target").Wants("svc.service").With(d => new UnitDefinition
            {
                Name = d.Name, Description = "Multi-User System", AllowIsolate = true, Aliases = [SpecialUnits.DefaultTarget],
            }),
            Svc.New("svc.service").With(d => new UnitDefinition { Name = d.Name }),
            new UnitBuilder("basic.target").With(d => new UnitDefinition { Name = d.Name }),
            new UnitBuilder("shutdown.target").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false }));
        var job = h.Manager.Startup();

        Assert.NotNull(job);
        Assert.Equal("multi-user.target", job.Unit.Id);
        Assert.Equal(JobResult.Done, job.Result);
        Assert.Same(h.Unit("multi-user.target"), h.Unit(SpecialUnits.DefaultTarget));
        Assert.Equal(ActiveState.Active, h.State("svc.service"));
        Assert.Equal(ActiveState.Active, h.State(SpecialUnits.RootSlice));
        Assert.Contains(h.Log.Messages, m => m.StartsWith("Startup finished in ", StringComparison.Ordinal));
        // A target's and a slice's job messages in their types' own words (job_done_message_format), a service's in the common ones.
        Assert.Contains("Reached target Multi-User System.", h.Log.Messages);
        Assert.Contains("Started svc.service.", h.Log.Messages);
        Assert.DoesNotContain(h.Log.Messages, m => m.StartsWith("Started multi-user", StringComparison.Ordinal));
        // Targets are ordered after what they pull in (default target dependencies).
        Assert.Contains(h.Unit("multi-user.target").DependenciesOf(UnitDependency.After), u => u.Id == "svc.service");
    }

    [Fact]
    public void Daemon_reload_lets_a_unit_start_again_that_its_start_limit_stopped()
    {
        var h = new Harness();
        h.Define(Svc.New("once.service").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false }));
        h.Advance(1_000_000); // a monotonic clock is past zero
        h.Load("once.service").Pin(); // not collected between its runs, which would forget its starts too
        for (int i = 0; i < 5; i++) // StartLimitBurst=5 within StartLimitIntervalSec=10s, the defaults
        {
            Assert.Equal(JobResult.Done, h.Start("once.service").Result);
            h.Stop("once.service");
        }
        Assert.Equal(JobResult.Failed, h.Start("once.service").Result);
        Assert.True(h.Unit("once.service").StartLimitHit);

        // systemd 252 serializes no rate limit: the units it makes again on daemon-reload count from zero.
        h.Manager.DaemonReload();
        Assert.False(h.Unit("once.service").StartLimitHit);
        Assert.Equal(JobResult.Done, h.Start("once.service").Result);
    }

    [Fact]
    public void Startup_starts_a_default_target_that_may_not_be_isolated()
    {
        var h = new Harness(defaultTarget: "plain.target");
        h.Define(new UnitBuilder("plain.target"));
        var job = h.Manager.Startup();
        Assert.Equal(JobResult.Done, job!.Result);
    }

    [Fact]
    public void Isolate_stops_everything_the_target_does_not_pull_in_except_what_ignores_isolate()
    {
        var h = new Harness();
        h.Define(
            Target("rescue.target").Wants("keep.service"),
            Svc.New("keep.service"),
            Svc.New("other.service"),
            Svc.New("sticky.service").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false, IgnoreOnIsolate = true }),
            new UnitBuilder("noiso.target"));
        h.Start("other.service");
        h.Start("sticky.service");

        h.Start("rescue.target", JobMode.Isolate);
        Assert.Equal(ActiveState.Active, h.State("rescue.target"));
        Assert.Equal(ActiveState.Active, h.State("keep.service"));
        Assert.Equal(ActiveState.Inactive, h.State("other.service"));
        Assert.Equal(ActiveState.Active, h.State("sticky.service"));
        Assert.Equal(ActiveState.Active, h.State(SpecialUnits.AppSlice));

        var refused = h.Refused(() => h.Start("noiso.target", JobMode.Isolate));
        Assert.Equal(BusErrors.NoIsolation, refused.ErrorName);
        Assert.Equal("Operation refused, unit may not be isolated.", refused.Message);
        Assert.Equal(BusErrors.InvalidArgs, h.Refused(() => h.Stop("rescue.target", JobMode.Isolate)).ErrorName);
    }

    [Fact]
    public void Unreferenced_units_are_collected_and_loaded_again_on_demand()
    {
        var h = new Harness();
        h.Define(Svc.New("lone.service").Fake(new() { CpuUsageNSec = 1_500_000_000 }));
        var first = h.Load("lone.service");
        h.Manager.RunPending();
        h.Happen(() => { });
        Assert.Null(h.Manager.GetUnit("lone.service"));
        Assert.Contains("UnitRemoved lone.service", h.Observer.Events);

        h.Start("lone.service");
        var again = h.Unit("lone.service");
        Assert.NotSame(first, again);
        Assert.Equal(ActiveState.Active, again.ActiveState);

        h.Stop("lone.service");
        Assert.Null(h.Manager.GetUnit("lone.service"));
        // unit_log_resources: when it stopped, after its job's message (it is collected after that).
        var messages = h.Log.Messages.ToList();
        int consumed = messages.LastIndexOf("lone.service: Consumed 1.500s CPU time.");
        int stopped = messages.FindLastIndex(m => m.StartsWith("Stopped lone", StringComparison.Ordinal));
        Assert.True(stopped >= 0 && consumed > stopped, string.Join(" | ", messages));
    }

    [Fact]
    public void Units_pinned_by_clients_or_referenced_by_kept_units_stay_loaded()
    {
        var h = new Harness();
        h.Define(Svc.New("pinned.service").Wants("dep.service"), Svc.New("dep.service"), Svc.New("broken.service").Fake(new() { FailsToStart = true }));
        var pinned = h.Load("pinned.service");
        pinned.Pin();
        h.Happen(() => { });
        Assert.Same(pinned, h.Manager.GetUnit("pinned.service"));
        Assert.NotNull(h.Manager.GetUnit("dep.service"));

        // Failed units stay (CollectMode=inactive) until reset-failed.
        Assert.Equal(JobResult.Failed, h.Start("broken.service").Result);
        Assert.Equal(ActiveState.Failed, h.State("broken.service"));
        h.Manager.ResetFailed("broken.service");
        Assert.Null(h.Manager.GetUnit("broken.service"));

        pinned.Unpin();
        h.Happen(() => { });
        Assert.Null(h.Manager.GetUnit("pinned.service"));
        Assert.Null(h.Manager.GetUnit("dep.service"));
    }

    [Fact]
    public void Conditions_skip_the_start_with_result_done_and_results_are_kept()
    {
        var h = new Harness();
        h.Define(Svc.New("cond.service").With(d => new UnitDefinition
        {
            Name = d.Name, Description = "Conditional", DefaultDependencies = false,
            Conditions = [new UnitCondition("ConditionPathExists", "/etc/flag")],
        }), Svc.New("trig.service").With(d => new UnitDefinition
        {
            Name = d.Name, DefaultDependencies = false,
            Conditions = [new UnitCondition("ConditionPathExists", "/a", Trigger: true), new UnitCondition("ConditionPathExists", "/b", Trigger: true)],
        }), Svc.New("assert.service").With(d => new UnitDefinition
        {
            Name = d.Name, DefaultDependencies = false, Asserts = [new UnitCondition("AssertPathExists", "/nope")],
        }));
        var cond = h.Load("cond.service");
        cond.Pin();

        var job = h.Start("cond.service");
        Assert.Equal(JobResult.Done, job.Result);
        Assert.Equal(ActiveState.Inactive, cond.ActiveState);
        Assert.False(cond.ConditionResult!.Value.Result);
        Assert.Equal(h.Clock.MonotonicUSec, cond.ConditionResult.Value.MonotonicUSec);
        Assert.Equal(ConditionState.Failed, cond.Definition.Conditions[0].State);
        Assert.Contains("Condition check resulted in Conditional being skipped.", h.Log.Messages);

        h.Facts.True.Add("/etc/flag");
        h.Start("cond.service");
        Assert.Equal(ActiveState.Active, cond.ActiveState);
        Assert.True(cond.ConditionResult!.Value.Result);

        h.Facts.True.Add("/b");
        h.Start("trig.service");
        Assert.Equal(ActiveState.Active, h.State("trig.service"));

        var asserted = h.Start("assert.service");
        Assert.Equal(JobResult.Assert, asserted.Result);
    }

    [Fact]
    public void Services_get_systemds_default_dependencies_per_scope()
    {
        var system = new Harness(ManagerScope.System);
        system.Define(Svc.New("d.service").With(d => new UnitDefinition { Name = d.Name }),
            Svc.New("getty@tty1.service").With(d => new UnitDefinition { Name = d.Name }));
        var d = system.Load("d.service");
        string[] Names(Unit u, UnitDependency t) => [.. u.DependenciesOf(t).Select(x => x.Id).Order(StringComparer.Ordinal)];
        Assert.Equal(["sysinit.target", "system.slice"], Names(d, UnitDependency.Requires));
        Assert.Equal(["basic.target", "sysinit.target", "system.slice"], Names(d, UnitDependency.After));
        Assert.Equal(["shutdown.target"], Names(d, UnitDependency.Before));
        Assert.Equal(["shutdown.target"], Names(d, UnitDependency.Conflicts));
        Assert.Equal(["system-getty.slice"], Names(system.Load("getty@tty1.service"), UnitDependency.InSlice));
        Assert.Equal("Slice /system/getty", system.Unit("system-getty.slice").Description);
        Assert.Equal(["system.slice"], Names(system.Unit("system-getty.slice"), UnitDependency.InSlice));
        Assert.Equal(["-.slice"], Names(system.Unit("system.slice"), UnitDependency.InSlice));

        var user = new Harness(ManagerScope.User);
        user.Define(Svc.New("u.service").With(x => new UnitDefinition { Name = x.Name }));
        var u = user.Load("u.service");
        Assert.Equal(["app.slice", "basic.target"], Names(u, UnitDependency.Requires));
    }

    [Fact]
    public async Task Posted_events_run_on_the_loop_and_an_exception_does_not_stop_it()
    {
        var h = new Harness();
        h.Define(Svc.New("svc.service"));
        using var cancel = new CancellationTokenSource();
        var done = new TaskCompletionSource<ActiveState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = new Thread(() => h.Manager.Run(cancel.Token));
        loop.Start();

        h.Manager.Post(() => throw new InvalidOperationException("boom"));
        // The job runs once the event that queued it is done: the next event sees the unit up.
        h.Manager.Post(() => h.Start("svc.service"));
        h.Manager.Post(() => done.SetResult(h.State("svc.service")));
        Assert.Equal(ActiveState.Active, await done.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        cancel.Cancel();
        Assert.True(loop.Join(TimeSpan.FromSeconds(10)));
        Assert.Contains(h.Log.Entries, e => e.Priority == LogPriority.Error && e.Message.Contains("boom", StringComparison.Ordinal));
    }

    [Fact]
    public void Timers_fire_in_order_of_the_fake_clock()
    {
        var h = new Harness();
        var fired = new List<string>();
        h.Manager.AddTimer(h.Clock.MonotonicUSec + 20, () => fired.Add("late"));
        h.Manager.AddTimer(h.Clock.MonotonicUSec + 10, () => fired.Add("early"));
        h.Manager.AddTimer(h.Clock.MonotonicUSec + 15, () => fired.Add("canceled")).Cancel();
        h.Advance(9);
        Assert.Empty(fired);
        h.Advance(20);
        Assert.Equal(["early", "late"], fired);
    }

    [Fact]
    public void Change_notifications_are_coalesced_and_ordered()
    {
        var h = new Harness();
        h.Define(Svc.New("svc.service").Fake(Svc.Slow));
        h.Load("svc.service").Pin();
        h.Happen(() => { });
        h.Observer.Events.Clear();
        var job = h.Start("svc.service");
        Assert.Single(h.Observer.Events, e => e == "UnitChanged svc.service");
        Assert.Single(h.Observer.Events, e => e == $"JobNew {job.Id} svc.service/start");

        h.Observer.Events.Clear();
        h.Happen(() => h.Fake("svc.service").CompleteStart());
        Assert.Equal([$"UnitChanged svc.service", $"JobRemoved {job.Id} svc.service/start done"],
            h.Observer.Events.Where(e => !e.Contains("slice", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void Exit_target_is_started_irreversibly_by_the_exit_action()
    {
        var h = new Harness();
        h.Define(new UnitBuilder("exit.target"), Svc.New("quitter.service").With(d => new UnitDefinition
        {
            Name = d.Name, DefaultDependencies = false, SuccessAction = EmergencyAction.Exit,
        }));
        h.Start("quitter.service");
        h.Happen(() => h.Fake("quitter.service").Exit(success: true));
        Assert.Equal(ActiveState.Active, h.State("exit.target"));
        h.Manager.Exit();
        Assert.Equal(ManagerObjective.Exit, h.Manager.Objective);
    }

    [Fact]
    public void Invalid_unit_names_are_refused()
    {
        var h = new Harness();
        var error = h.Refused(() => h.Manager.LoadUnit("no-suffix"));
        Assert.Equal(BusErrors.InvalidArgs, error.ErrorName);
        Assert.Equal("Unit name no-suffix is not valid.", error.Message);
    }

    [Fact]
    public void Startup_synthesises_the_perpetual_units_that_no_job_can_stop()
    {
        var h = new Harness();
        h.Define(new UnitBuilder("plain.target"));
        h.Manager.Startup();

        var root = h.Unit(SpecialUnits.RootSlice);
        var init = h.Unit(SpecialUnits.InitScope);
        Assert.Equal(("Root Slice", "active"), (root.Description, root.SubState));
        Assert.Equal(("System and Service Manager", "running"), (init.Description, init.SubState));
        Assert.Equal(["man:systemd(1)"], init.Definition.Documentation);
        Assert.True(init.IsPerpetual && init.Definition.Transient && init.IgnoreOnIsolate);
        Assert.False(init.Definition.DefaultDependencies);
        Assert.False(init.Kind.CanStart); // a scope starts once
        // The manager's scope sits in the root slice.
        Assert.Contains(init.DependenciesOf(UnitDependency.Requires), u => u == root);
        Assert.Contains(root.DependenciesOf(UnitDependency.Before), u => u == init);
        Assert.Equal(BusErrors.JobTypeNotApplicable, h.Refused(() => h.Manager.AddJob(JobType.Stop, init, JobMode.Replace)).ErrorName);
        Assert.Equal(BusErrors.JobTypeNotApplicable, h.Refused(() => h.Manager.AddJob(JobType.Restart, root, JobMode.Replace)).ErrorName);
        // Perpetual units are never collected.
        h.Happen(() => { });
        Assert.Same(init, h.Manager.GetUnit(SpecialUnits.InitScope));
        // Only the system instance has a perpetual system.slice.
        Assert.False(h.Load(SpecialUnits.SystemSlice).IsPerpetual);
        Assert.True(new Harness(ManagerScope.System).Load(SpecialUnits.SystemSlice).IsPerpetual);
    }

    [Fact]
    public void A_unit_file_may_describe_a_perpetual_unit_but_not_make_it_stoppable()
    {
        var h = new Harness();
        h.Define(new UnitBuilder(SpecialUnits.RootSlice).With(d => new UnitDefinition { Name = d.Name, Description = "Everything", DefaultDependencies = true }));
        var root = h.Load(SpecialUnits.RootSlice);
        Assert.Equal("Everything", root.Description);
        Assert.Equal(["man:systemd.special(7)"], root.Definition.Documentation);
        Assert.True(root.IsPerpetual);
        Assert.False(root.Definition.DefaultDependencies);
    }

    [Fact]
    public void Scopes_are_not_read_from_files_and_slices_and_scopes_ignore_isolate_by_default()
    {
        var h = new Harness();
        h.Define(
            new UnitBuilder("session.scope"),
            new UnitBuilder("work.slice"),
            new UnitBuilder("kept.slice").With(d => new UnitDefinition { Name = d.Name, IgnoreOnIsolate = false }));
        Assert.Equal(LoadState.NotFound, h.Load("session.scope").LoadState);
        Assert.True(h.Load("work.slice").IgnoreOnIsolate);
        Assert.False(h.Load("kept.slice").IgnoreOnIsolate);
        Assert.False(h.Load("plain.service").IgnoreOnIsolate);
    }

    [Fact]
    public void Runnable_jobs_run_in_systemds_priority_order()
    {
        var h = new Harness();
        h.Define(
            Target("all.target").Wants("z.service", "a.service", "heavy.service", "urgent.service", "extra.slice"),
            Svc.New("z.service").Fake(new()),
            Svc.New("a.service").Fake(new()),
            Svc.New("heavy.service").Fake(new() { CpuWeight = 500 }),
            Svc.New("urgent.service").Fake(new() { Nice = -5 }),
            new UnitBuilder("extra.slice"));
        h.Start("all.target");

        // Later unit types first (slices, then the target, which these services are not ordered before, then the
        // services), then the higher CPUWeight=, the lower Nice=, the name.
        Assert.Equal(
            ["-.slice", "app.slice", "extra.slice", "all.target", "heavy.service", "urgent.service", "a.service", "z.service"],
            h.Observer.Removed.Select(r => r.Unit));
    }
}
