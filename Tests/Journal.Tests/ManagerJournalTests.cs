using Units.Journal.Capture;
using Units.Journal.Format;
using Units.Journal.Messages;
using Units.Journal.Reading;

namespace Units.Journal.Tests;

public sealed class ManagerJournalTests
{
    [Fact]
    public async Task Manager_messages_written_through_the_service_read_back_with_their_ids_and_unit()
    {
        await using var f = new ServiceFixture();
        var messages = new ManagerMessages(userManager: false);
        var unit = new UnitIdentity("web.service", "Web Server", Id128.NewRandom().ToString());
        var self = ClientContext.Read(Environment.ProcessId, 0, 0);
        foreach (var entry in new[]
        {
            messages.JobStarting(unit, 7, "start")!, messages.JobDone(unit, 7, "start", "done")!,
            messages.ProcessExit(unit, "Main process", "/usr/bin/web", false, "exited", 1), messages.FailureResult(unit, "exit-code"),
            messages.Resources(unit, 1_234_000_000)!,
        })
        {
            entry.Add("_TRANSPORT", "journal");
            self.AddTo(entry);
            await f.Service.Write(entry);
        }
        await f.WaitForEntries(5);
        await f.Stop();
        Journalctl.AssertVerifies(f.JournalDirectory);
        var json = Journalctl.Json(f.JournalDirectory, "UNIT=web.service");
        Assert.Equal(
        [
            ("Starting web.service - Web Server...", MessageIds.UnitStarting),
            ("Started web.service - Web Server.", MessageIds.UnitStarted),
            ("web.service: Main process exited, code=exited, status=1/FAILURE", MessageIds.UnitProcessExit),
            ("web.service: Failed with result 'exit-code'.", MessageIds.UnitFailureResult),
            ("web.service: Consumed 1.234s CPU time.", MessageIds.UnitResources),
        ], json.Select(e => (e.GetProperty("MESSAGE").GetString()!, e.GetProperty("MESSAGE_ID").GetString()!)));
        Assert.All(json, e => Assert.Equal(unit.InvocationId, e.GetProperty("INVOCATION_ID").GetString()));
        Assert.All(json, e => Assert.Equal("testhost", e.GetProperty("_HOSTNAME").GetString()));
        // Our reader's unit filter includes the manager's messages about the unit, as -u does for PID 1's.
        Assert.Equal(5, new JournalReader(f.JournalDirectory).Query(new JournalQuery { Units = ["web.service"] }).Count);
    }

    [Fact]
    public void Instance_directories_are_journalds_for_the_system_and_our_own_for_a_user()
    {
        var machine = FormatTests.Machine;
        Assert.Equal(($"/var/log/journal/{machine}", "system"), JournalDirectories.ForSystem(machine, persistent: true));
        Assert.Equal(($"/run/log/journal/{machine}", "system"), JournalDirectories.ForSystem(machine, persistent: false));
        var (dir, name) = JournalDirectories.ForUser(machine, 1000, persistent: true);
        Assert.EndsWith($"/units/journal/{machine}", dir, StringComparison.Ordinal);
        Assert.Equal("user-1000", name);
    }
}
