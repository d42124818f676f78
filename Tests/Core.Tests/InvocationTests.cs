using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Tests;

/// <summary>Invocation IDs as systemd 252 hands them out: a new random ID each time a unit's start leaves the
/// dead/failed state (unit_acquire_invocation_id in each type's start), kept after the unit stops.</summary>
public sealed class InvocationTests
{
    [Fact]
    public void Each_activation_gets_a_new_id_that_stays_after_the_stop()
    {
        var h = new Harness();
        h.Define(Svc.New("web.service"), Svc.New("app.target"));
        var unit = h.Load("web.service");
        h.Load("app.target").Pin();
        unit.Pin();
        Assert.True(unit.InvocationId.IsEmpty);
        Assert.Empty(unit.InvocationId.ToBytes());

        h.Start("web.service");
        InvocationId first = unit.InvocationId;
        Assert.False(first.IsEmpty);
        Assert.Matches("^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$", first.ToString());
        Assert.Same(unit, h.Manager.GetUnitByInvocationId(first));

        h.Stop("web.service");
        Assert.Equal(first, unit.InvocationId);
        Assert.Same(unit, h.Manager.GetUnitByInvocationId(first));

        h.Start("web.service");
        InvocationId second = unit.InvocationId;
        Assert.NotEqual(first, second);
        Assert.Null(h.Manager.GetUnitByInvocationId(first));
        Assert.Same(unit, h.Manager.GetUnitByInvocationId(second));

        // Targets (and slices) get one too, as target_start acquires one; the perpetual -.slice, made active at
        // start-up without a start, has none.
        h.Start("app.target");
        Assert.False(h.Unit("app.target").InvocationId.IsEmpty);
        h.Manager.Startup();
        Assert.Equal(ActiveState.Active, h.State("-.slice"));
        Assert.True(h.Unit("-.slice").InvocationId.IsEmpty);
    }

    [Fact]
    public void A_start_refused_by_the_start_limit_keeps_the_last_id()
    {
        var h = new Harness();
        h.Define(Svc.New("flappy.service"));
        var unit = h.Load("flappy.service");
        unit.Pin();
        var seen = new HashSet<InvocationId>();
        for (int i = 0; i < 5; i++)
        {
            h.Start("flappy.service");
            Assert.True(seen.Add(unit.InvocationId));
            h.Stop("flappy.service");
        }
        InvocationId last = unit.InvocationId;

        // The sixth start within the interval is refused before the type starts anything: no new activation.
        Assert.Equal(JobResult.Failed, h.Start("flappy.service").Result);
        Assert.Contains("flappy.service: Start request repeated too quickly.", h.Log.Messages);
        Assert.Equal(last, unit.InvocationId);
    }

    [Fact]
    public void Starting_is_logged_after_the_type_acted_and_not_for_units_that_become_active_at_once()
    {
        var h = new Harness();
        h.Define(Svc.New("slow.service").Fake(Svc.Slow), Svc.New("quick.target"));
        h.Start("slow.service");
        h.Start("quick.target");
        Assert.Contains("Starting slow.service...", h.Log.Messages);
        Assert.DoesNotContain("Starting quick.target...", h.Log.Messages);
    }

    [Fact]
    public void Collected_units_are_no_longer_found_by_their_invocation_id()
    {
        var h = new Harness();
        h.Define(Svc.New("once.service"));
        h.Start("once.service");
        InvocationId id = h.Unit("once.service").InvocationId;
        h.Stop("once.service");
        Assert.Null(h.Manager.GetUnit("once.service"));
        Assert.Null(h.Manager.GetUnitByInvocationId(id));
    }

    [Fact]
    public void Ids_read_back_from_their_text_and_bytes()
    {
        InvocationId id = InvocationId.NewRandom();
        Assert.True(InvocationId.TryParse(id.ToString(), out InvocationId parsed));
        Assert.Equal(id, parsed);
        Assert.Equal(id, InvocationId.TryFromBytes(id.ToBytes()));
        Assert.Equal(id.ToString(), Convert.ToHexString(id.ToBytes()).ToLowerInvariant());
        Assert.Null(InvocationId.TryFromBytes(new byte[15]));
        Assert.False(InvocationId.TryParse("not-an-id", out _));
    }
}
