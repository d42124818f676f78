using System.Diagnostics;
using System.Text;
using Units.Journal.Capture;
using Units.Journal.Reading;

namespace Units.Journal.Tests;

public sealed class FollowTests
{
    private static readonly StdoutStreamHeader Header = new() { Identifier = "follow", UnitId = "follow.service" };

    [Fact]
    public async Task Journalctl_follow_sees_entries_as_they_are_published()
    {
        Journalctl.Require();
        await using var f = new ServiceFixture();
        await f.SendStream(Header, "before\n"u8.ToArray());
        await f.WaitForEntries(1);

        var psi = new ProcessStartInfo(Journalctl.Path) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--directory=" + f.JournalDirectory, "-f", "-n", "1", "-o", "cat" }) psi.ArgumentList.Add(a);
        using var follower = Process.Start(psi)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal("before", await follower.StandardOutput.ReadLineAsync(timeout.Token)); // it is following now
            for (int round = 1; round <= 3; round++)
            {
                await f.SendStream(Header, Encoding.ASCII.GetBytes($"after {round}\n"));
                Assert.Equal($"after {round}", await follower.StandardOutput.ReadLineAsync(timeout.Token));
            }
        }
        finally
        {
            follower.Kill();
        }
    }

    [Fact]
    public async Task Our_reader_follows_too()
    {
        await using var f = new ServiceFixture();
        await f.SendStream(Header, "old line\n"u8.ToArray());
        await f.WaitForEntries(1);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reader = new JournalReader(f.JournalDirectory);
        var seen = new List<string?>();
        await using var records = reader.FollowAsync(new JournalQuery { Lines = 1, Units = ["follow.service"] }, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await records.MoveNextAsync());
        Assert.Equal("old line", records.Current.Message);
        await f.SendStream(Header, "new 1\nnew 2\n"u8.ToArray());
        Assert.True(await records.MoveNextAsync());
        Assert.Equal("new 1", records.Current.Message);
        Assert.True(await records.MoveNextAsync());
        Assert.Equal("new 2", records.Current.Message);
    }
}
