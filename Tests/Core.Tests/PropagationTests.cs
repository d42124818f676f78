using Units.Core.Jobs;
using Units.Core.Model;

namespace Units.Core.Tests;

/// <summary>How results and state changes propagate along dependencies.</summary>
public sealed class PropagationTests
{
    [Fact]
    public void Requires_failure_fails_the_dependent_start_with_result_dependency()
    {
        var h = new Harness();
        h.Define(Svc.New("needs.service").Requires("base.service").After("base.service"),
            Svc.New("base.service").Fake(new() { FailsToStart = true }));
        var job = h.Start("needs.service");
        Assert.Equal(JobResult.Dependency, job.Result);
        Assert.Equal(ActiveState.Failed, h.State("base.service"));
        Assert.Equal(ActiveState.Inactive, h.State("needs.service"));
        Assert.Contains(h.Log.Messages, m => m == "needs.service: Job needs.service/start failed with result 'dependency'.");
    }

    [Fact]
    public void Wants_failure_does_not_fail_the_dependent()
    {
        var h = new Harness();
        h.Define(Svc.New("wishes.service").Wants("base.service").After("base.service"),
            Svc.New("base.service").Fake(new() { FailsToStart = true }));
        var job = h.Start("wishes.service");
        Assert.Equal(JobResult.Done, job.Result);
        Assert.Equal(ActiveState.Active, h.State("wishes.service"));
    }

    [Fact]
    public void Requisite_on_an_inactive_unit_fails_with_result_dependency()
    {
        var h = new Harness();
        h.Define(Svc.New("needs.service").Requisite("base.service").After("base.service"), Svc.New("base.service"));
        var job = h.Start("needs.service");
        Assert.Equal(JobResult.Dependency, job.Result);
        Assert.Equal(ActiveState.Inactive, h.State("base.service"));

        h.Start("base.service");
        Assert.Equal(JobResult.Done, h.Start("needs.service").Result);
    }

    [Fact]
    public void BindsTo_stops_the_unit_when_its_binding_goes_away_unexpectedly()
    {
        var h = new Harness();
        h.Define(Svc.New("bound.service").BindsTo("base.service").After("base.service"), Svc.New("base.service"));
        h.Start("bound.service");
        Assert.Equal(ActiveState.Active, h.State("base.service"));

        h.Happen(() => h.Fake("base.service").Exit(success: true));
        Assert.Equal(ActiveState.Inactive, h.State("bound.service"));
    }

    [Fact]
    public void BindsTo_an_inactive_unit_stops_the_bound_unit()
    {
        var h = new Harness();
        h.Define(Svc.New("bound.service").BindsTo("base.service").After("base.service"), Svc.New("base.service"));
        h.Start("bound.service", JobMode.IgnoreDependencies);
        Assert.Equal(ActiveState.Inactive, h.State("bound.service"));
        Assert.Contains(h.Log.Messages, m => m == "bound.service: Unit is bound to inactive unit base.service. Stopping, too.");
    }

    [Fact]
    public void Stopping_a_unit_stops_what_requires_it_and_what_is_part_of_it()
    {
        var h = new Harness();
        h.Define(Svc.New("base.service"),
            Svc.New("needs.service").Requires("base.service"),
            Svc.New("part.service").PartOf("base.service"),
            Svc.New("told.service"),
            Svc.New("teller.service").PropagatesStopTo("told.service"));
        h.Start("needs.service");
        h.Start("part.service");
        h.Start("told.service");
        h.Start("teller.service");

        h.Stop("base.service");
        Assert.Equal(ActiveState.Inactive, h.State("needs.service"));
        Assert.Equal(ActiveState.Inactive, h.State("part.service"));

        h.Stop("teller.service");
        Assert.Equal(ActiveState.Inactive, h.State("told.service"));
    }

    [Fact]
    public void PartOf_restart_restarts_the_part_and_only_if_running()
    {
        var h = new Harness();
        h.Define(Svc.New("base.service"), Svc.New("part.service").PartOf("base.service"), Svc.New("idle.service").PartOf("base.service"));
        h.Start("base.service");
        h.Start("part.service");
        h.Manager.AddJob(JobType.Restart, h.Unit("base.service"), JobMode.Replace);
        Assert.Equal(2, h.Fake("part.service").StartCount);
        Assert.Equal(ActiveState.Active, h.State("part.service"));
        // PartOf= is declared by the part: a part nobody loaded is not restarted (nor loaded).
        Assert.Null(h.Manager.GetUnit("idle.service"));
    }

    [Fact]
    public void Reload_propagates_as_try_reload()
    {
        var h = new Harness();
        var reloadable = new Testing.FakeServiceSettings { CanReload = true };
        h.Define(Svc.New("main.service").PropagatesReloadTo("peer.service", "down.service").Fake(reloadable),
            Svc.New("peer.service").Fake(reloadable), Svc.New("down.service").Fake(reloadable));
        h.Start("main.service");
        h.Start("peer.service");
        var peer = h.Unit("peer.service");
        var reload = h.Manager.AddJob(JobType.Reload, h.Unit("main.service"), JobMode.Replace);
        Assert.Equal(JobResult.Done, reload.Result);
        Assert.Contains(h.Observer.Removed, r => r.Unit == "peer.service" && r.Type == JobType.Reload && r.Result == JobResult.Done);
        Assert.DoesNotContain(h.Observer.Removed, r => r.Unit == "down.service");
        Assert.Equal(ActiveState.Active, peer.ActiveState);
    }

    [Fact]
    public void OnFailure_starts_its_units_when_the_unit_fails()
    {
        var h = new Harness();
        h.Define(Svc.New("main.service").OnFailure("rescue.service"), Svc.New("rescue.service"));
        h.Start("main.service");
        h.Happen(() => h.Fake("main.service").Exit(success: false));
        Assert.Equal(ActiveState.Failed, h.State("main.service"));
        Assert.Equal(ActiveState.Active, h.State("rescue.service"));
        Assert.Contains(h.Log.Messages, m => m == "main.service: Triggering OnFailure= dependencies.");
    }

    [Fact]
    public void OnFailure_starts_when_a_start_job_fails_by_dependency()
    {
        var h = new Harness();
        h.Define(Svc.New("main.service").Requires("base.service").After("base.service").OnFailure("rescue.service"),
            Svc.New("base.service").Fake(new() { FailsToStart = true }), Svc.New("rescue.service"));
        h.Start("main.service");
        Assert.Equal(ActiveState.Active, h.State("rescue.service"));
    }

    [Fact]
    public void OnSuccess_starts_its_units_when_the_unit_finishes_successfully()
    {
        var h = new Harness();
        h.Define(Svc.New("main.service").OnSuccess("next.service"), Svc.New("next.service"));
        h.Start("main.service");
        h.Happen(() => h.Fake("main.service").Exit(success: true));
        Assert.Equal(ActiveState.Active, h.State("next.service"));
    }

    [Fact]
    public void StopWhenUnneeded_stops_the_unit_when_nothing_needs_it_any_more()
    {
        var h = new Harness();
        h.Define(Svc.New("user.service").Wants("helper.service"),
            Svc.New("helper.service").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false, StopWhenUnneeded = true }));
        h.Start("user.service");
        Assert.Equal(ActiveState.Active, h.State("helper.service"));

        h.Stop("user.service");
        Assert.Equal(ActiveState.Inactive, h.State("helper.service"));
        Assert.Contains(h.Log.Messages, m => m == "helper.service: Unit not needed anymore. Stopping.");
    }

    [Fact]
    public void StopWhenUnneeded_unit_started_alone_is_stopped_at_once()
    {
        var h = new Harness();
        h.Define(Svc.New("helper.service").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false, StopWhenUnneeded = true }));
        var helper = h.Load("helper.service");
        helper.Pin();
        h.Start("helper.service");
        Assert.Equal(ActiveState.Inactive, helper.ActiveState);
        Assert.Equal(1, ((Testing.FakeServiceKind)helper.Kind).StartCount);
    }

    [Fact]
    public void Upholds_restarts_the_upheld_unit_while_the_upholder_is_active()
    {
        var h = new Harness();
        h.Define(Svc.New("keeper.service").Upholds("kept.service"), Svc.New("kept.service"));
        h.Start("keeper.service");
        Assert.Equal(ActiveState.Active, h.State("kept.service"));
        var kept = h.Fake("kept.service");

        h.Happen(() => h.Fake("kept.service").Exit(success: false));
        Assert.Equal(ActiveState.Active, h.State("kept.service"));
        Assert.Equal(2, h.Fake("kept.service").StartCount);
        Assert.Contains(h.Log.Messages, m => m == "kept.service: Unit is started because upheld by active unit keeper.service.");

        // Once the upholder is down, the upheld unit may stay down.
        h.Stop("keeper.service");
        h.Happen(() => kept.Exit(success: true));
        Assert.Equal(2, kept.StartCount);
        Assert.Equal(ActiveState.Inactive, kept.ActiveState);
    }

    [Fact]
    public void Conflicts_stops_the_other_unit_when_starting()
    {
        var h = new Harness();
        h.Define(Svc.New("one.service").Conflicts("two.service"), Svc.New("two.service"));
        h.Start("two.service");
        h.Start("one.service");
        Assert.Equal(ActiveState.Inactive, h.State("two.service"));
        h.Start("two.service");
        Assert.Equal(ActiveState.Inactive, h.State("one.service"));
    }

    [Fact]
    public void A_unit_that_comes_up_by_itself_starts_what_it_requires()
    {
        var h = new Harness();
        h.Define(Svc.New("self.service").Requires("need.service"), Svc.New("need.service"));
        var self = h.Load("self.service");
        self.Pin();
        // No job asked for this (a socket-activated or externally started unit).
        h.Happen(() => self.Kind.Start());
        Assert.Equal(ActiveState.Active, h.State("need.service"));
    }

    [Fact]
    public void FailureAction_and_SuccessAction_set_the_managers_objective()
    {
        var h = new Harness();
        h.Define(Svc.New("fatal.service").With(d => new UnitDefinition
            {
                Name = d.Name, DefaultDependencies = false, FailureAction = EmergencyAction.ExitForce,
            }));
        h.Start("fatal.service");
        h.Happen(() => h.Fake("fatal.service").Exit(success: false));
        Assert.Equal(Manager.ManagerObjective.Exit, h.Manager.Objective);
    }
}
