using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Units.Journal.Reading;
using Units.Journal.Writing;

namespace Units.Journal.Tests;

/// <summary>Rotation, the disk-use cap, and what a writer killed with SIGKILL leaves behind.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public void Rotation_archives_under_journald_names_and_every_file_verifies()
    {
        using var dir = new TestDirectory();
        using (var store = JournalStore.Open(new JournalStoreOptions
        {
            Directory = dir.Path, MachineId = FormatTests.Machine, BootId = FormatTests.Boot, MaxFileSize = 1024 * 1024,
        }))
        {
            for (int i = 1; i <= 20_000; i++)
                store.Append(new JournalEntry().Add("MESSAGE", $"entry {i} " + new string('p', i % 50)).Add("N", i));
            store.Rotate();
            store.Append(new JournalEntry().Add("MESSAGE", "after explicit rotation").Add("N", 20_001));
        }
        var archives = Directory.GetFiles(dir.Path, "system@*.journal");
        Assert.True(archives.Length >= 3, $"expected several archives, found {archives.Length}");
        var name = new Regex("^system@[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{16}\\.journal$");
        Assert.All(archives, a => Assert.Matches(name, Path.GetFileName(a)));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*")); // no hidden twin left after a clean close
        Journalctl.AssertVerifies(dir.Path);
        foreach (var archive in archives)
            Assert.Contains("State: ARCHIVED", Journalctl.Run("--file=" + archive, "--header").Text, StringComparison.Ordinal);

        var numbers = Journalctl.Run("--directory=" + dir.Path, "-o", "export").Text.Split('\n')
            .Where(l => l.StartsWith("N=", StringComparison.Ordinal)).Select(l => int.Parse(l[2..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 20_001), numbers);
        Assert.Equal(Enumerable.Range(1, 20_001).Select(i => (ulong)i), new JournalReader(dir.Path).Query(new JournalQuery()).Select(r => r.Seqnum));
    }

    [Fact]
    public void Disk_use_cap_removes_the_oldest_archives()
    {
        using var dir = new TestDirectory();
        const long cap = 6L * 1024 * 1024;
        using (var store = JournalStore.Open(new JournalStoreOptions
        {
            Directory = dir.Path, MachineId = FormatTests.Machine, BootId = FormatTests.Boot, MaxFileSize = 1024 * 1024, MaxUse = cap,
        }))
        {
            for (int i = 1; i <= 60_000; i++)
                store.Append(new JournalEntry().Add("MESSAGE", $"entry {i} " + new string('p', i % 50)).Add("N", i));
        }
        long used = new DirectoryInfo(dir.Path).EnumerateFiles().Sum(f => f.Length);
        Assert.True(used <= cap + 1024 * 1024, $"directory holds {used} bytes, cap {cap}");
        Journalctl.AssertVerifies(dir.Path);
        var records = new JournalReader(dir.Path).Query(new JournalQuery());
        // What is left is the newest, contiguous tail.
        Assert.Equal(60_000UL, records[^1].Seqnum);
        Assert.True(records[0].Seqnum > 1, "the oldest entries were removed");
        Assert.Equal(Enumerable.Range((int)records[0].Seqnum, records.Count).Select(i => (ulong)i), records.Select(r => r.Seqnum));
    }

    [Fact]
    public async Task Kill_9_in_the_middle_of_a_burst_leaves_files_that_verify_and_lose_nothing_published()
    {
        using var dir = new TestDirectory();
        string testAssembly = typeof(DurabilityTests).Assembly.Location;
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { testAssembly, "writer-child", dir.Path, FormatTests.Boot.ToString(), "20" }) psi.ArgumentList.Add(a);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) != "dotnet")
        {
            psi.FileName = "dotnet";
        }
        using var child = Process.Start(psi)!;
        long lastPublished = 0;
        try
        {
            // Let it run through several publications and at least one rotation (4 MiB files).
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("published ", StringComparison.Ordinal))
                    lastPublished = long.Parse(line[10..], CultureInfo.InvariantCulture);
                if (lastPublished >= 60_000) break;
            }
            child.Kill(); // SIGKILL, in the middle of appending
            // Lines already printed were published before the kill.
            while (await child.StandardOutput.ReadLineAsync() is { } line)
                if (line.StartsWith("published ", StringComparison.Ordinal))
                    lastPublished = long.Parse(line[10..], CultureInfo.InvariantCulture);
            await child.WaitForExitAsync();
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
        Assert.True(lastPublished >= 60_000, $"the writer published only {lastPublished} entries before it stopped");
        Assert.NotEmpty(Directory.GetFiles(dir.Path, "system@*.journal"));

        Journalctl.AssertVerifies(dir.Path);
        var numbers = Journalctl.Run("--directory=" + dir.Path, "-o", "export").Text.Split('\n')
            .Where(l => l.StartsWith("N=", StringComparison.Ordinal)).Select(l => long.Parse(l[2..], CultureInfo.InvariantCulture)).ToList();
        Assert.True(numbers.Count >= lastPublished, $"{numbers.Count} entries survived, {lastPublished} were published");
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(i => (long)i), numbers);

        // A new writer continues the same files and sequence numbers.
        using (var store = FormatTests.OpenStore(dir.Path))
            Assert.Equal((ulong)numbers.Count + 1, store.Append(new JournalEntry().Add("MESSAGE", "after restart")));
        Journalctl.AssertVerifies(dir.Path);
    }
}
