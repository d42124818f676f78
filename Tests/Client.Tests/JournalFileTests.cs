using Units.Client.Connection;
using Units.Journal;
using Units.Journal.Format;
using Units.Journal.Writing;

namespace Units.Client.Tests;

/// <summary>Get-UnitLog's client end to end: a journal file in systemd's format, read by the real journalctl.</summary>
public sealed class JournalFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("units-client-journal-");

    public JournalFileTests()
    {
        if (!File.Exists("/usr/bin/journalctl") && !File.Exists("/bin/journalctl"))
        {
            throw new InvalidOperationException("These tests need journalctl (Debian package systemd).");
        }
        // Of this boot, with the _BOOT_ID= field journald gives every entry: -Boot 0 (and -Follow, which journalctl
        // limits to the current boot) mean these entries.
        using var store = JournalStore.Open(new JournalStoreOptions { Directory = _directory.FullName, MachineId = Id128.NewRandom(), BootId = ThisBoot });
        void Write(string unit, int priority, string message) => store.Append(new JournalEntry()
            .Add("MESSAGE", message).Add("PRIORITY", priority).Add("_SYSTEMD_UNIT", unit).Add("_BOOT_ID", ThisBoot.ToString())
            .Add("SYSLOG_IDENTIFIER", unit.Split('.')[0]).Add("_PID", 4242).Add("_HOSTNAME", "web1"));
        Write("x.service", 6, "Started X");
        Write("y.service", 6, "Started Y");
        Write("x.service", 3, "X failed: boom");
        Write("x.service", 6, "Stopped X");
    }

    private static readonly Id128 ThisBoot = Id128.ReadFile("/proc/sys/kernel/random/boot_id")!.Value;

    private static ManagerClient Client() => new(ManagerTarget.LocalSystem, new FakeManager(), new LocalShell());

    [Fact]
    public void Entries_of_a_unit_come_back_in_order_with_their_fields()
    {
        var entries = Client().ReadLogAsync(new LogQuery { Units = ["x"], Directory = _directory.FullName }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(["Started X", "X failed: boom", "Stopped X"], entries.Select(entry => entry.Message));
        var failed = entries[1];
        Assert.Equal((LogPriority.Error, "x.service", "x", 4242u, "web1"), (failed.Priority, failed.Unit, failed.Identifier, failed.ProcessId!.Value, failed.ComputerName));
        Assert.True(Math.Abs((DateTime.Now - failed.Time).TotalMinutes) < 10, $"time {failed.Time} is not now");
        Assert.NotEmpty(failed.Cursor);
    }

    [Fact]
    public void Priority_last_and_match_narrow_the_entries()
    {
        var client = Client();
        Assert.Equal(["X failed: boom"], client.ReadLogAsync(new LogQuery { Units = ["x"], Priority = LogPriority.Warning, Directory = _directory.FullName }, CancellationToken.None).GetAwaiter().GetResult().Select(entry => entry.Message));
        Assert.Equal(["Stopped X"], client.ReadLogAsync(new LogQuery { Units = ["x"], Last = 1, Directory = _directory.FullName }, CancellationToken.None).GetAwaiter().GetResult().Select(entry => entry.Message));
        Assert.Equal(["Started X", "Started Y"], client.ReadLogAsync(new LogQuery { Match = "^Started", Directory = _directory.FullName }, CancellationToken.None).GetAwaiter().GetResult().Select(entry => entry.Message));
    }

    [Fact]
    public void Since_until_and_boot_narrow_the_entries()
    {
        var client = Client();
        List<string> Read(LogQuery query) => [.. client.ReadLogAsync(query with { Units = ["x"], Directory = _directory.FullName }, CancellationToken.None).GetAwaiter().GetResult().Select(entry => entry.Message)];
        Assert.Equal(["Started X", "X failed: boom", "Stopped X"], Read(new LogQuery { Since = DateTime.Now.AddHours(-1), Until = DateTime.Now.AddHours(1), Boot = 0 }));
        Assert.Empty(Read(new LogQuery { Since = DateTime.Now.AddHours(1) }));
        Assert.Empty(Read(new LogQuery { Until = DateTime.Now.AddHours(-1) }));
    }

    [Fact]
    public async Task Following_yields_the_last_entries_then_new_ones()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var followed = new List<string>();
        await foreach (var entry in Client().FollowLogAsync(new LogQuery { Units = ["x"], Last = 1, Directory = _directory.FullName }, stop.Token))
        {
            followed.Add(entry.Message);
            if (followed.Count == 1)
            {
                // Another writer's file in the directory, as a second service's would be.
                using var store = JournalStore.Open(new JournalStoreOptions { Directory = _directory.FullName, FileBaseName = "user-1000", MachineId = Id128.NewRandom(), BootId = ThisBoot });
                store.Append(new JournalEntry().Add("MESSAGE", "Started X again").Add("PRIORITY", 6).Add("_SYSTEMD_UNIT", "x.service").Add("_BOOT_ID", ThisBoot.ToString()));
            }
            else
            {
                stop.Cancel();
            }
        }
        Assert.Equal(["Stopped X", "Started X again"], followed);
    }

    [Fact]
    public void A_unit_without_entries_reads_as_none()
    {
        Assert.Empty(Client().ReadLogAsync(new LogQuery { Units = ["nothing"], Directory = _directory.FullName }, CancellationToken.None).GetAwaiter().GetResult());
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
