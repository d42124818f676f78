using Units.Journal.Messages;

namespace Units.Journal.Tests;

public sealed class ManagerMessageTests
{
    private static readonly UnitIdentity Foo = new("foo.service", "Foo Daemon", "0123456789abcdef0123456789abcdef");
    private readonly ManagerMessages _system = new(userManager: false);

    [Fact]
    public void Job_messages_are_worded_as_systemd_252_with_their_ids()
    {
        var starting = _system.JobStarting(Foo, 42, "start")!;
        Assert.Equal("Starting foo.service - Foo Daemon...", starting.Get("MESSAGE"));
        Assert.Equal(MessageIds.UnitStarting, starting.Get("MESSAGE_ID"));
        Assert.Equal(("42", "start", "foo.service", Foo.InvocationId), (starting.Get("JOB_ID"), starting.Get("JOB_TYPE"), starting.Get("UNIT"), starting.Get("INVOCATION_ID")));
        Assert.Equal("Started foo.service - Foo Daemon.", _system.JobDone(Foo, 42, "start", "done")!.Get("MESSAGE"));
        Assert.Equal(MessageIds.UnitStarted, _system.JobDone(Foo, 42, "start", "done")!.Get("MESSAGE_ID"));
        var failed = _system.JobDone(Foo, 42, "start", "failed")!;
        Assert.Equal(("Failed to start foo.service - Foo Daemon.", MessageIds.UnitFailed, "3"), (failed.Get("MESSAGE"), failed.Get("MESSAGE_ID"), failed.Get("PRIORITY")));
        Assert.Equal("Stopping foo.service - Foo Daemon...", _system.JobStarting(Foo, 43, "stop")!.Get("MESSAGE"));
        Assert.Equal("Stopped foo.service - Foo Daemon.", _system.JobDone(Foo, 43, "stop", "done")!.Get("MESSAGE"));
        Assert.Equal("Dependency failed for Foo Daemon.", new ManagerMessages(false, StatusUnitFormat.Description).JobDone(Foo, 1, "start", "dependency")!.Get("MESSAGE"));
        Assert.Equal("Started bar.service.", _system.JobDone(new UnitIdentity("bar.service"), 1, "start", "done")!.Get("MESSAGE"));
        var reached = _system.JobDone(new UnitIdentity("multi-user.target", "Multi-User System"), 7, "start", "done", "Reached target {0}.")!;
        Assert.Equal(("Reached target multi-user.target - Multi-User System.", MessageIds.UnitStarted), (reached.Get("MESSAGE"), reached.Get("MESSAGE_ID")));
    }

    [Fact]
    public void Unit_messages_carry_the_unit_prefix_and_fields()
    {
        var exit = _system.ProcessExit(Foo, "Main process", "/usr/bin/foo", success: false, "exited", 1);
        Assert.Equal("foo.service: Main process exited, code=exited, status=1/FAILURE", exit.Get("MESSAGE"));
        Assert.Equal((MessageIds.UnitProcessExit, "exited", "1", "5"), (exit.Get("MESSAGE_ID"), exit.Get("EXIT_CODE"), exit.Get("EXIT_STATUS"), exit.Get("PRIORITY")));
        Assert.Equal("foo.service: Main process exited, code=killed, status=15/TERM",
            _system.ProcessExit(Foo, "Main process", null, false, "killed", 15).Get("MESSAGE"));
        var failure = _system.FailureResult(Foo, "exit-code");
        Assert.Equal(("foo.service: Failed with result 'exit-code'.", MessageIds.UnitFailureResult, "exit-code"), (failure.Get("MESSAGE"), failure.Get("MESSAGE_ID"), failure.Get("UNIT_RESULT")));
        var consumed = _system.Resources(Foo, 1_234_000_000)!;
        Assert.Equal(("foo.service: Consumed 1.234s CPU time.", MessageIds.UnitResources, "1234000000", "6"), (consumed.Get("MESSAGE"), consumed.Get("MESSAGE_ID"), consumed.Get("CPU_USAGE_NSEC"), consumed.Get("PRIORITY")));
        Assert.Equal("foo.service: Start request repeated too quickly.", _system.StartLimitHit(Foo).Get("MESSAGE"));
        Assert.Equal("USER_UNIT", new ManagerMessages(userManager: true).Success(Foo).Payloads.Select(p => System.Text.Encoding.ASCII.GetString(p.Span)).Single(p => p.StartsWith("USER_UNIT=", StringComparison.Ordinal))[..9]);
    }

    [Fact]
    public void Ordering_cycle_messages()
    {
        var a = new UnitIdentity("a.service");
        var b = new UnitIdentity("b.service");
        var entries = _system.OrderingCycle(a, "start", [(b, "start"), (a, "start")], (b, "start"));
        Assert.Equal(
        [
            "a.service: Found ordering cycle on a.service/start",
            "b.service: Found dependency on b.service/start",
            "a.service: Found dependency on a.service/start",
            "a.service: Job b.service/start deleted to break ordering cycle starting with a.service/start",
        ], entries.Select(e => e.Get("MESSAGE")));
    }

    [Theory]
    [InlineData(1_234_567UL, "1.234s")]
    [InlineData(500UL, "500us")]
    [InlineData(61_500_000UL, "1min 1.500s")]
    [InlineData(3_600_000_000UL, "1h")]
    [InlineData(2_000UL, "2ms")]
    public void Timespans_format_like_format_timespan(ulong usec, string expected) =>
        Assert.Equal(expected, Units.UnitFiles.Settings.Values.TimeSpans.Format(usec, 1000));
}
