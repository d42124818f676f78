using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Tests;

/// <summary>The transaction outcomes systemd's test-engine checks, on graphs of the same shape.</summary>
public sealed class EngineTests
{
    private static Harness Graph()
    {
        var h = new Harness();
        h.Define(
            Svc.New("a.service").Requires("b.service").Before("b.service").Fake(Svc.Slow),
            Svc.New("b.service").Wants("f.service").Fake(Svc.Slow),
            Svc.New("c.service").Requires("a.service").Fake(Svc.Slow),
            Svc.New("f.service").Fake(Svc.Slow),
            // An ordering cycle in which every job matters: cannot be broken.
            Svc.New("x.service").Requires("y.service").After("y.service").Fake(Svc.Slow),
            Svc.New("y.service").Requires("x.service").After("x.service").Fake(Svc.Slow),
            // An ordering cycle through a job that is only wanted: broken by deleting that job.
            Svc.New("e.service").Wants("w.service").After("w.service").Fake(Svc.Slow),
            Svc.New("w.service").After("e.service").Fake(Svc.Slow),
            Svc.New("g.service").Conflicts("e.service").Fake(new() { StartsInstantly = false, StopsInstantly = false }),
            Svc.New("h.service").Wants("g.service").Fake(Svc.Slow));
        return h;
    }

    [Fact]
    public void Trivial_transaction_pulls_in_requirements_and_wants_and_orders_them()
    {
        var h = Graph();
        var job = h.Start("c.service");

        Assert.Equal("c.service", job.Unit.Id);
        Assert.Equal(["a.service/start", "b.service/start", "c.service/start", "f.service/start"], h.JobList());
        // b is ordered after a, whose start is still running: b waits.
        Assert.Equal(JobState.Running, h.Unit("a.service").Job!.State);
        Assert.Equal(JobState.Waiting, h.Unit("b.service").Job!.State);

        h.Happen(() => h.Fake("a.service").CompleteStart());
        Assert.Equal(JobState.Running, h.Unit("b.service").Job!.State);
    }

    [Fact]
    public void Cyclic_order_where_every_job_matters_is_refused()
    {
        var h = Graph();
        var error = h.Refused(() => h.Start("x.service"));

        Assert.Equal(BusErrors.TransactionOrderIsCyclic, error.ErrorName);
        Assert.Equal("Transaction order is cyclic. See system logs for details.", error.Message);
        Assert.Empty(h.Manager.Jobs);
        var messages = h.Log.Messages.ToList();
        Assert.Contains(messages, m => m.Contains(": Found ordering cycle on ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Unable to break cycle starting with", StringComparison.Ordinal));
    }

    [Fact]
    public void Cyclic_order_is_broken_by_deleting_a_job_that_does_not_matter()
    {
        var h = Graph();
        h.Start("e.service");

        Assert.Equal(["e.service/start"], h.JobList());
        var messages = h.Log.Messages.ToList();
        int found = messages.IndexOf("e.service: Found ordering cycle on w.service/start");
        Assert.True(found >= 0, string.Join('\n', messages));
        Assert.Equal("e.service: Found dependency on e.service/start", messages[found + 1]);
        Assert.Equal("e.service: Job w.service/start deleted to break ordering cycle starting with e.service/start", messages[found + 2]);
    }

    [Fact]
    public void Identical_transaction_merges_into_the_installed_job()
    {
        var h = Graph();
        var first = h.Start("e.service");
        var second = h.Start("e.service", JobMode.Fail);

        Assert.Same(first, second);
        Assert.Equal(["e.service/start"], h.JobList());
    }

    [Fact]
    public void Colliding_transaction_fails_in_mode_fail_and_replaces_in_mode_replace()
    {
        var h = Graph();
        var e = h.Start("e.service");

        var error = h.Refused(() => h.Start("g.service", JobMode.Fail));
        Assert.Equal(BusErrors.TransactionIsDestructive, error.ErrorName);
        Assert.Equal("Transaction for g.service/start is destructive (e.service has 'start' job queued, but 'stop' is included in transaction).", error.Message);
        Assert.True(e.Installed);

        h.Start("g.service", JobMode.Replace);
        Assert.Equal(JobResult.Canceled, e.Result);
        Assert.Contains(h.Observer.Removed, r => r.Id == e.Id && r.Result == JobResult.Canceled);
        // e was activating: the stop pulled in by Conflicts= took it down.
        Assert.Equal(ActiveState.Inactive, h.State("e.service"));
        Assert.Equal(["g.service/start"], h.JobList());
    }

    [Fact]
    public void Unmergeable_job_types_fail_or_replace_and_mergeable_ones_merge()
    {
        var h = Graph();
        var start = h.Start("g.service");

        // stop and start do not merge: refused in mode fail.
        Assert.Equal(BusErrors.TransactionIsDestructive, h.Refused(() => h.Stop("g.service", JobMode.Fail)).ErrorName);

        // start and restart merge into restart; the start was running, so the merged job runs again.
        var restart = h.Manager.AddJob(JobType.Restart, h.Unit("g.service"), JobMode.Fail);
        Assert.Same(start, restart);
        Assert.Equal(JobType.Restart, restart.Type);
        Assert.Equal(ActiveState.Deactivating, h.State("g.service"));

        // stop replaces the restart.
        var stop = h.Stop("g.service", JobMode.Replace);
        Assert.Equal(JobResult.Canceled, restart.Result);
        Assert.Equal(JobType.Stop, stop.Type);
        Assert.Equal(["g.service/stop"], h.JobList());

        // A start pulled in only by Wants= that would reverse the queued stop is dropped in mode fail.
        h.Start("h.service", JobMode.Fail);
        Assert.Equal(["g.service/stop", "h.service/start"], h.JobList());
    }

    [Fact]
    public void Job_ids_count_up_including_jobs_dropped_from_transactions()
    {
        var h = Graph();
        Assert.Equal(1u, h.Start("c.service").Id);
        var e = h.Start("e.service");
        // w.service's job got the next id and was deleted to break the ordering cycle.
        Assert.Null(h.Unit("w.service").Job);
        // Ids are never reused, not even those of jobs that were never installed.
        Assert.True(h.Start("h.service").Id >= e.Id + 2);
    }

    [Fact]
    public void Requires_on_a_missing_unit_fails_the_transaction_but_wants_does_not()
    {
        var h = new Harness();
        h.Define(
            Svc.New("needs.service").Requires("missing.service"),
            Svc.New("wishes.service").Wants("missing.service"));

        var error = h.Refused(() => h.Start("needs.service"));
        Assert.Equal(BusErrors.NoSuchUnit, error.ErrorName);
        Assert.Equal("Unit missing.service not found.", error.Message);

        h.Start("wishes.service");
        Assert.Equal(ActiveState.Active, h.State("wishes.service"));
    }

    [Fact]
    public void Masked_and_not_found_units_cannot_be_started()
    {
        var h = new Harness();
        h.Loader.Add(UnitDefinition.Masked("m.service"));

        var masked = h.Refused(() => h.Manager.QueueJob("m.service", JobType.Start, JobMode.Replace));
        Assert.Equal(BusErrors.UnitMasked, masked.ErrorName);
        Assert.Equal("Unit m.service is masked.", masked.Message);
        var missing = h.Refused(() => h.Manager.QueueJob("nothing.service", JobType.Start, JobMode.Replace));
        Assert.Equal(BusErrors.NoSuchUnit, missing.ErrorName);
        var stop = h.Refused(() => h.Manager.QueueJob("nothing.service", JobType.Stop, JobMode.Replace));
        Assert.Equal("Unit nothing.service not loaded.", stop.Message);
    }

    [Fact]
    public void Reload_of_a_unit_that_cannot_reload_is_not_applicable()
    {
        var h = new Harness();
        h.Define(Svc.New("plain.service"));
        h.Start("plain.service");

        var error = h.Refused(() => h.Manager.AddJob(JobType.Reload, h.Unit("plain.service"), JobMode.Replace));
        Assert.Equal(BusErrors.JobTypeNotApplicable, error.ErrorName);
        Assert.Equal("Job type reload is not applicable for unit plain.service.", error.Message);
    }

    [Fact]
    public void Refuse_manual_start_is_only_by_dependency()
    {
        var h = new Harness();
        h.Define(Svc.New("dep-only.service").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false, RefuseManualStart = true }),
            Svc.New("user.service").Requires("dep-only.service"));

        var error = h.Refused(() => h.Manager.QueueJob("dep-only.service", JobType.Start, JobMode.Replace));
        Assert.Equal(BusErrors.OnlyByDependency, error.ErrorName);
        Assert.Equal("Operation refused, unit dep-only.service may be requested by dependency only (it is configured to refuse manual start/stop).", error.Message);
        h.Manager.QueueJob("user.service", JobType.Start, JobMode.Replace);
        Assert.Equal(ActiveState.Active, h.State("dep-only.service"));
    }

    [Fact]
    public void Conflicting_requirements_inside_one_transaction_are_refused()
    {
        var h = new Harness();
        h.Define(
            Svc.New("top.service").Requires("one.service", "two.service"),
            Svc.New("one.service"),
            Svc.New("two.service").Conflicts("one.service"));

        var error = h.Refused(() => h.Start("top.service"));
        Assert.Equal(BusErrors.TransactionJobsConflicting, error.ErrorName);
        // one.service must stop for two.service, and that stop propagates to top.service, which must start.
        Assert.Equal("Transaction contains conflicting jobs 'start' and 'stop' for top.service. Probably contradicting requirement dependencies configured.", error.Message);
    }

    [Fact]
    public void Unmergeable_jobs_that_do_not_matter_are_dropped()
    {
        var h = new Harness();
        h.Define(
            Svc.New("top.service").Wants("one.service", "two.service"),
            Svc.New("one.service"),
            Svc.New("two.service").Conflicts("one.service"));

        h.Start("top.service");
        // The stop of one.service comes from a Conflicts=: systemd keeps it and drops the start.
        Assert.Equal(ActiveState.Active, h.State("top.service"));
        Assert.Equal(ActiveState.Active, h.State("two.service"));
        Assert.Equal(ActiveState.Inactive, h.State("one.service"));
    }
}
