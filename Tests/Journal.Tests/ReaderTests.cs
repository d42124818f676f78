using System.Text;
using Units.Journal.Format;
using Units.Journal.Reading;

namespace Units.Journal.Tests;

public sealed class ReaderTests
{
    [Theory]
    [InlineData("SYSTEMD_JOURNAL_KEYED_HASH=0")]
    [InlineData("SYSTEMD_JOURNAL_KEYED_HASH=1")]
    public void Reads_files_written_by_journald_252_and_computes_the_same_hashes(string environment)
    {
        if (RealJournald.Unavailable() is { } reason) Assert.Fail(reason);
        using var dir = new TestDirectory();
        string big = new('x', 3000); // over CompressThreshold=512: journald stores it compressed
        RealJournald.Run(dir.Path, $"echo 'hello from journald' | systemd-cat -t readertest; printf '%s\\n' '{big}' | systemd-cat -t readertest -p err", environment);
        string journalDir = Directory.GetDirectories(dir.Path).Single();

        var records = new JournalReader(journalDir).Query(new JournalQuery { Matches = [new("SYSLOG_IDENTIFIER", "readertest")] });
        Assert.Equal(2, records.Count);
        Assert.Equal("hello from journald", records[0].Message);
        Assert.Equal(big, records[1].Message);
        Assert.Equal(3, records[1].Priority);

        // Cursors agree with journalctl's, so the xor_hash (Jenkins over each payload) agrees too.
        var cursors = Journalctl.Run("--directory=" + journalDir, "-t", "readertest", "-o", "export").Text
            .Split('\n').Where(l => l.StartsWith("__CURSOR=", StringComparison.Ordinal)).Select(l => l[9..]).ToList();
        Assert.Equal(cursors, records.Select(r => r.Cursor.ToString()));
        foreach (var record in records)
        {
            ulong xor = 0;
            foreach (var (name, value) in record.Fields)
                xor ^= Hashes.Jenkins64([.. Encoding.ASCII.GetBytes(name + "="), .. value]);
            Assert.Equal(record.XorHash, xor);
        }

        // Data hashes: Jenkins without the keyed-hash flag, SipHash keyed by the file ID with it.
        foreach (var path in Directory.GetFiles(journalDir, "*.journal"))
        {
            var file = JournalFileReader.Open(path);
            foreach (long entry in file.EntryOffsets().Take(50))
                foreach (long data in DataOffsets(file, entry))
                {
                    var payload = file.DataPayload(data, out _);
                    ulong expected = file.KeyedHash ? Hashes.SipHash24(payload, file.FileId) : Hashes.Jenkins64(payload);
                    Assert.Equal(file.DataHash(data), expected);
                }
        }
    }

    private static IEnumerable<long> DataOffsets(JournalFileReader file, long entry) => file.DataOffsetsOf(entry);
}
