using Units.Journal.Format;
using Units.Journal.Writing;

namespace Units.Journal.Tests;

/// <summary>The child writer of the kill -9 test: appends numbered entries to a store as fast as
/// it can and prints "published N" after each publication, until it is killed.</summary>
internal static class WriterChild
{
    public static int Run(string[] args)
    {
        string directory = args[0];
        using var store = JournalStore.Open(new JournalStoreOptions
        {
            Directory = directory,
            MachineId = Id128.Parse("0123456789abcdef0123456789abcdef"),
            BootId = Id128.Parse(args[1]),
            CommitInterval = TimeSpan.FromMilliseconds(int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)),
            MaxFileSize = 4L * 1024 * 1024,
        });
        store.Published += seqnum => Console.Out.WriteLine($"published {seqnum}");
        Console.Out.Flush();
        Console.Out.WriteLine("ready");
        for (long i = 1; ; i++)
        {
            var entry = new JournalEntry()
                .Add("MESSAGE", $"burst line {i}")
                .Add("PRIORITY", "6")
                .Add("_SYSTEMD_UNIT", "burst.service")
                .Add("N", i);
            store.Append(entry);
            if (i % 64 == 0) store.EndBatch();
        }
    }
}
