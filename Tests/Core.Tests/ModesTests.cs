using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Core.Testing;

namespace Units.Core.Tests;

/// <summary>Job modes beyond replace and fail, and the special targets.</summary>
public sealed class ModesTests
{
    [Fact]
    public void Mode_fail_drops_a_non_essential_stop_of_a_running_unit_and_what_needed_it()
    {
        var h = new Harness();
        h.Define(Svc.New("a.service").Wants("b.service"), Svc.New("b.service").Conflicts("c.service"), Svc.New("c.service"));
        h.Start("c.service");

        h.Start("a.service", JobMode.Fail);
        Assert.Equal(ActiveState.Active, h.State("a.service"));
        Assert.Equal(ActiveState.Active, h.State("c.service"));
        Assert.Equal(ActiveState.Inactive, h.State("b.service"));
        Assert.Contains(h.Log.Messages, m => m == "c.service: c.service/stop would stop a running service.");

        // In mode replace the same transaction stops c for b.
        h.Stop("a.service");
        h.Start("a.service", JobMode.Replace);
        Assert.Equal(ActiveState.Active, h.State("b.service"));
        Assert.Equal(ActiveState.Inactive, h.State("c.service"));
    }

    [Fact]
    public void Mode_triggering_stops_the_units_that_trigger_the_unit()
    {
        var h = new Harness();
        h.Define(Svc.New("echo.socket").With(d => new UnitDefinition
        {
            Name = d.Name, DefaultDependencies = false, Dependencies = [new(UnitDependency.Triggers, "echo.service")],
        }), Svc.New("echo.service"));
        h.Start("echo.socket");
        h.Start("echo.service");

        Assert.Equal(BusErrors.InvalidArgs, h.Refused(() => h.Start("echo.service", JobMode.Triggering)).ErrorName);
        h.Stop("echo.service", JobMode.Triggering);
        Assert.Equal(ActiveState.Inactive, h.State("echo.service"));
        Assert.Equal(ActiveState.Inactive, h.State("echo.socket"));
    }

    [Fact]
    public void Mode_restart_dependencies_restarts_the_units_that_depend_on_the_started_unit()
    {
        var h = new Harness();
        h.Define(Svc.New("db.service"), Svc.New("app.service").Requires("db.service").After("db.service"));
        h.Start("app.service");
        var app = h.Fake("app.service");
        h.Start("db.service", JobMode.RestartDependencies);
        Assert.Equal(2, app.StartCount);
        Assert.Equal(ActiveState.Active, app.ActiveState);
    }

    [Fact]
    public void Shutdown_target_stops_units_with_default_dependencies()
    {
        var h = new Harness(ManagerScope.System);
        h.Define(
            new UnitBuilder("sysinit.target").With(d => new UnitDefinition { Name = d.Name }),
            new UnitBuilder("basic.target").With(d => new UnitDefinition { Name = d.Name }),
            new UnitBuilder("shutdown.target").With(d => new UnitDefinition { Name = d.Name, DefaultDependencies = false }),
            Svc.New("daemon.service").With(d => new UnitDefinition { Name = d.Name }),
            Svc.New("early.service"));
        h.Start("daemon.service");
        h.Start("early.service");
        Assert.Equal(ActiveState.Active, h.State("sysinit.target"));

        h.Start("shutdown.target", JobMode.ReplaceIrreversibly);
        Assert.Equal(ActiveState.Inactive, h.State("daemon.service"));
        Assert.Equal(ActiveState.Inactive, h.State("sysinit.target"));
        // DefaultDependencies=no keeps a unit out of the shutdown transaction, and its slice does not take it
        // down either: a system instance's system.slice is perpetual (systemd 252), so it never stops.
        Assert.Equal(ActiveState.Active, h.State(SpecialUnits.SystemSlice));
        Assert.Equal(ActiveState.Active, h.State("early.service"));
        Assert.Equal(ActiveState.Active, h.State("shutdown.target"));
    }

    [Fact]
    public void Units_ordered_before_a_stopping_unit_stop_after_it()
    {
        var h = new Harness();
        h.Define(Svc.New("lower.service").Fake(Svc.SlowStop), Svc.New("upper.service").Requires("lower.service").After("lower.service").Fake(Svc.SlowStop));
        h.Start("upper.service");
        h.Stop("lower.service");
        // Stop jobs run in reverse start order: upper (After= lower) goes first.
        Assert.Equal(ActiveState.Deactivating, h.State("upper.service"));
        Assert.Equal(ActiveState.Active, h.State("lower.service"));
        h.Happen(() => h.Fake("upper.service").CompleteStop());
        Assert.Equal(ActiveState.Deactivating, h.State("lower.service"));
        h.Happen(() => h.Fake("lower.service").CompleteStop());
        Assert.Empty(h.Manager.Jobs);
    }

    [Fact]
    public void Reset_failed_returns_failed_units_to_inactive()
    {
        var h = new Harness();
        h.Define(Svc.New("one.service").Fake(new FakeServiceSettings { FailsToStart = true }),
            Svc.New("two.service").Fake(new FakeServiceSettings { FailsToStart = true }));
        h.Start("one.service");
        h.Start("two.service");
        Assert.Equal(2, h.Manager.FailedUnitCount);
        Assert.Equal(2u, h.Manager.FailedJobCount);
        h.Manager.ResetFailed();
        Assert.Equal(0, h.Manager.FailedUnitCount);
        Assert.Equal(BusErrors.NoSuchUnit, h.Refused(() => h.Manager.ResetFailed("one.service")).ErrorName);
    }
}
