using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Tests;

/// <summary>What systemd's TEST-03-JOBS checks: merging, cancelling, irreversible jobs, waiting, rings, reloads.</summary>
public sealed class JobsTests
{
    [Fact]
    public void Irreversible_job_cannot_be_replaced_but_can_be_cancelled()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow));
        var start = h.Start("slow.service", JobMode.ReplaceIrreversibly);
        Assert.True(start.Irreversible);

        var error = h.Refused(() => h.Stop("slow.service", JobMode.Replace));
        Assert.Equal(BusErrors.TransactionIsDestructive, error.ErrorName);
        Assert.Equal("Transaction for slow.service/stop is destructive (slow.service has 'start' job queued, but 'stop' is included in transaction).", error.Message);
        Assert.True(start.Installed);

        h.Manager.CancelJob(start.Id);
        Assert.Equal(JobResult.Canceled, start.Result);
        h.Stop("slow.service");
        Assert.Equal(ActiveState.Inactive, h.State("slow.service"));
    }

    [Fact]
    public void Irreversibility_is_kept_when_jobs_merge()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow), Svc.New("puller.service").Requires("slow.service").After("slow.service"));
        var start = h.Start("slow.service", JobMode.ReplaceIrreversibly);
        h.Start("puller.service");
        Assert.True(start.Irreversible);
        Assert.Equal(BusErrors.TransactionIsDestructive, h.Refused(() => h.Stop("slow.service")).ErrorName);
    }

    [Fact]
    public async Task Job_that_waits_completes_with_the_units_result_and_no_block_returns_at_once()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow), Svc.New("broken.service").Fake(Svc.Slow));

        // --no-block: the call returns the queued job; nothing has finished.
        var job = h.Start("slow.service");
        Assert.False(job.Completion.IsCompleted);
        Assert.Equal(JobState.Running, job.State);

        // Waiting: the job completes when the unit reports it is up.
        h.Happen(() => h.Fake("slow.service").CompleteStart());
        Assert.True(job.Completion.IsCompleted);
        Assert.Equal(JobResult.Done, await job.Completion);

        var failing = h.Start("broken.service");
        h.Happen(() => h.Fake("broken.service").Fail());
        Assert.Equal(JobResult.Failed, await failing.Completion);
        Assert.Equal(ActiveState.Failed, h.State("broken.service"));
        Assert.Contains(h.Log.Messages, m => m == "Failed to start broken.service.");
    }

    [Fact]
    public void Ring_of_twenty_units_with_requires_and_after_is_an_unbreakable_cycle()
    {
        var h = new Harness();
        for (int i = 0; i < 20; i++)
        {
            string next = $"ring{(i + 1) % 20}.service";
            h.Define(Svc.New($"ring{i}.service").Requires(next).After(next));
        }
        var error = h.Refused(() => h.Start("ring0.service"));
        Assert.Equal(BusErrors.TransactionOrderIsCyclic, error.ErrorName);
        // The whole ring is reported: the first line names the cycle, 19 more its dependencies.
        Assert.Single(h.Log.Messages, m => m.Contains("Found ordering cycle on", StringComparison.Ordinal));
        Assert.Equal(19, h.Log.Messages.Count(m => m.Contains("Found dependency on ring", StringComparison.Ordinal)));
        Assert.Empty(h.Manager.Jobs);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(ActiveState.Inactive, h.State($"ring{i}.service")));
    }

    [Fact]
    public void Ring_of_twenty_units_with_one_wants_link_is_broken_and_the_rest_start_in_order()
    {
        var h = new Harness();
        for (int i = 0; i < 20; i++)
        {
            string next = $"ring{(i + 1) % 20}.service";
            var unit = Svc.New($"ring{i}.service").After(next).Fake(Svc.Slow);
            h.Define(i == 10 ? unit.Wants(next) : unit.Requires(next));
        }
        var job = h.Start("ring0.service");
        Assert.Contains(h.Log.Messages, m => m.Contains("deleted to break ordering cycle starting with", StringComparison.Ordinal));
        // Jobs for ring0..ring10 remain; ring10 has nothing to wait for: it runs first, ring0 last.
        Assert.Equal(11, h.Manager.Jobs.Count(j => j.Unit.Id.StartsWith("ring", StringComparison.Ordinal)));
        for (int i = 10; i >= 0; i--)
        {
            Assert.Equal(ActiveState.Activating, h.State($"ring{i}.service"));
            for (int k = 0; k < i; k++)
                Assert.Equal(JobState.Waiting, h.Unit($"ring{k}.service").Job!.State);
            int started = i;
            h.Happen(() => h.Fake($"ring{started}.service").CompleteStart());
        }
        Assert.Equal(JobResult.Done, job.Result);
    }

    [Fact]
    public void Ring_of_twenty_units_with_requires_only_starts_everything()
    {
        var h = new Harness();
        for (int i = 0; i < 20; i++)
            h.Define(Svc.New($"ring{i}.service").Requires($"ring{(i + 1) % 20}.service"));
        h.Start("ring0.service");
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(ActiveState.Active, h.State($"ring{i}.service")));
    }

    [Fact]
    public void Daemon_reload_while_jobs_wait_keeps_the_jobs_and_their_ids()
    {
        var h = new Harness();
        h.Define(Svc.New("first.service").Fake(Svc.Slow), Svc.New("second.service").Requires("first.service").After("first.service"));
        var second = h.Start("second.service");
        var first = h.Unit("first.service").Job!;
        Assert.Equal(JobState.Waiting, second.State);

        // The configuration changes; reload must not touch state or jobs.
        h.Define(Svc.New("first.service").Fake(Svc.Slow).With(d => d),
            Svc.New("second.service").Requires("first.service").After("first.service").With(d => new UnitDefinition
            {
                Name = d.Name, Description = "Second, reloaded", DefaultDependencies = false,
            }));
        h.Manager.DaemonReload();

        Assert.Same(second, h.Manager.GetJob(second.Id));
        Assert.Same(first, h.Manager.GetJob(first.Id));
        Assert.Equal(JobState.Waiting, second.State);
        Assert.Equal(ActiveState.Activating, h.State("first.service"));
        Assert.Equal("Second, reloaded", h.Unit("second.service").Description);

        h.Happen(() => h.Fake("first.service").CompleteStart());
        Assert.Equal(JobResult.Done, second.Result);
        Assert.Equal(ActiveState.Active, h.State("second.service"));
    }

    [Fact]
    public void Rereading_one_unit_takes_its_new_configuration_and_leaves_the_others()
    {
        var h = new Harness();
        h.Define(Svc.New("made.service"), Svc.New("other.service"));
        // A name loaded before its file exists (StartTransientUnit's case): not found, then read again once written.
        var later = h.Load("later.service");
        later.Pin();
        Assert.Equal(LoadState.NotFound, later.LoadState);
        var other = h.Load("other.service");
        other.Pin();

        h.Define(Svc.New("later.service").Wants("made.service").With(d => d with { Description = "written" }),
            Svc.New("other.service").With(d => d with { Description = "changed on disk" }));
        h.Manager.RereadUnit(later);

        Assert.Equal((LoadState.Loaded, "written"), (later.LoadState, later.Description));
        Assert.Contains(later.DependenciesOf(UnitDependency.Wants), u => u.Id == "made.service");
        Assert.Equal("other.service", other.Description);
        var job = h.Start("later.service");
        Assert.Equal(JobResult.Done, job.Result);
        Assert.Equal(ActiveState.Active, h.State("made.service"));
    }

    [Fact]
    public void Daemon_reload_replaces_configured_dependencies()
    {
        var h = new Harness();
        h.Define(Svc.New("a.service").Wants("old.service"), Svc.New("old.service"), Svc.New("new.service"));
        var a = h.Load("a.service");
        a.Pin();
        Assert.Contains(a.DependenciesOf(UnitDependency.Wants), u => u.Id == "old.service");

        h.Define(Svc.New("a.service").Wants("new.service"));
        h.Manager.DaemonReload();

        Assert.DoesNotContain(a.DependenciesOf(UnitDependency.Wants), u => u.Id == "old.service");
        Assert.Contains(a.DependenciesOf(UnitDependency.Wants), u => u.Id == "new.service");
        Assert.Contains(h.Unit("new.service").DependenciesOf(UnitDependency.WantedBy), u => u == a);
    }

    [Fact]
    public void Job_timeout_fails_the_job_with_result_timeout_on_the_fake_clock()
    {
        var h = new Harness();
        h.Define(Svc.New("hangs.service").Fake(Svc.Slow).With(d => new UnitDefinition
        {
            Name = d.Name, DefaultDependencies = false, TypeSettings = d.TypeSettings, JobTimeoutUSec = 5_000_000,
        }), Svc.New("after.service").Requires("hangs.service").After("hangs.service"));
        var job = h.Start("after.service");
        var hang = h.Unit("hangs.service").Job!;

        h.Advance(4_999_999);
        Assert.True(hang.Installed);
        h.Advance(1);
        Assert.Equal(JobResult.Timeout, hang.Result);
        Assert.Equal(JobResult.Dependency, job.Result);
        Assert.Contains(h.Log.Messages, m => m == "hangs.service: Job hangs.service/start timed out.");
    }

    [Fact]
    public void Restart_stops_then_starts_with_one_job()
    {
        var h = new Harness();
        h.Define(Svc.New("svc.service"));
        h.Start("svc.service");
        var restart = h.Manager.QueueJob("svc.service", JobType.Restart, JobMode.Replace);
        Assert.Equal(JobResult.Done, restart.Result);
        Assert.Equal(JobType.Start, restart.Type);
        Assert.Equal(2, h.Fake("svc.service").StartCount);
        Assert.Single(h.Observer.Removed, r => r.Id == restart.Id);
    }

    [Fact]
    public void Try_restart_of_an_inactive_unit_does_nothing()
    {
        var h = new Harness();
        h.Define(Svc.New("svc.service"));
        var unit = h.Load("svc.service");
        var job = h.Manager.QueueJob("svc.service", JobType.TryRestart, JobMode.Replace);
        Assert.Equal(JobType.Nop, job.Type);
        Assert.Equal(JobResult.Done, job.Result);
        Assert.Equal(0, ((Testing.FakeServiceKind)unit.Kind).StartCount);
    }

    [Fact]
    public void Verify_active_of_an_inactive_unit_is_skipped()
    {
        var h = new Harness();
        h.Define(Svc.New("svc.service"));
        var job = h.Manager.AddJob(JobType.VerifyActive, h.Load("svc.service"), JobMode.Replace);
        Assert.Equal(JobResult.Skipped, job.Result);
    }

    [Fact]
    public void Ignore_dependencies_starts_only_the_unit()
    {
        var h = new Harness();
        h.Define(Svc.New("a.service").Requires("b.service").After("b.service"), Svc.New("b.service").Fake(Svc.Slow));
        h.Start("a.service", JobMode.IgnoreDependencies);
        Assert.Equal(ActiveState.Active, h.State("a.service"));
        Assert.Equal(ActiveState.Inactive, h.State("b.service"));
    }

    [Fact]
    public void Flush_cancels_every_other_job()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow), Svc.New("other.service"));
        var slow = h.Start("slow.service");
        h.Start("other.service", JobMode.Flush);
        Assert.Equal(JobResult.Canceled, slow.Result);
    }

    [Fact]
    public void Clear_jobs_cancels_everything_without_failing_dependents_recursively()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow), Svc.New("top.service").Requires("slow.service").After("slow.service"));
        var top = h.Start("top.service");
        h.Manager.ClearJobs();
        Assert.Empty(h.Manager.Jobs);
        Assert.Equal(JobResult.Canceled, top.Result);
    }

    [Fact]
    public void Cancelling_a_required_job_fails_the_dependent_job()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow), Svc.New("top.service").Requires("slow.service").After("slow.service"));
        var top = h.Start("top.service");
        h.Manager.CancelJob(h.Unit("slow.service").Job!.Id);
        Assert.Equal(JobResult.Dependency, top.Result);
        Assert.Contains(h.Log.Messages, m => m == "Dependency failed for top.service.");
        Assert.Equal(BusErrors.NoSuchJob, h.Refused(() => h.Manager.CancelJob(9999)).ErrorName);
    }

    [Fact]
    public void Start_limit_fails_the_sixth_start_within_ten_seconds_until_reset_failed()
    {
        var h = new Harness();
        h.Define(Svc.New("flappy.service"));
        var unit = h.Load("flappy.service");
        unit.Pin();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(JobResult.Done, h.Start("flappy.service").Result);
            h.Stop("flappy.service");
        }
        Assert.Equal(JobResult.Failed, h.Start("flappy.service").Result);
        Assert.Equal(ActiveState.Failed, unit.ActiveState);
        Assert.Contains("flappy.service: Start request repeated too quickly.", h.Log.Messages);

        h.Manager.ResetFailed("flappy.service");
        Assert.Equal(JobResult.Done, h.Start("flappy.service").Result);
        h.Stop("flappy.service");
        h.Advance(10_000_001);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(JobResult.Done, h.Start("flappy.service").Result);
            h.Stop("flappy.service");
        }
    }
}
