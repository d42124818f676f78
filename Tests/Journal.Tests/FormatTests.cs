using System.Text;
using Units.Journal.Format;
using Units.Journal.Writing;

namespace Units.Journal.Tests;

public sealed class FormatTests
{
    internal static readonly Id128 Machine = Id128.Parse("0123456789abcdef0123456789abcdef");
    internal static readonly Id128 Boot = Id128.Parse("fedcba9876543210fedcba9876543210");

    internal static JournalStore OpenStore(string dir, bool compact = true, bool keyed = true, long maxFileSize = 16L * 1024 * 1024) =>
        JournalStore.Open(new JournalStoreOptions
        {
            Directory = dir, MachineId = Machine, BootId = Boot, Compact = compact, KeyedHash = keyed, MaxFileSize = maxFileSize,
        });

    [Fact]
    public void Jenkins_hash_matches_lookup3_published_values()
    {
        // Bob Jenkins' lookup3 driver: hashlittle("", 0) == 0xdeadbeef,
        // hashlittle("Four score and seven years ago", 30, 0) == 0x17770551 (the primary, high half).
        Assert.Equal(0xdeadbeefdeadbeefUL, Hashes.Jenkins64([]));
        Assert.Equal(0x17770551U, (uint)(Hashes.Jenkins64("Four score and seven years ago"u8) >> 32));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Journalctl_reads_and_verifies_every_layout(bool compact, bool keyed)
    {
        using var dir = new TestDirectory();
        using (var store = OpenStore(dir.Path, compact, keyed))
        {
            for (int i = 0; i < 300; i++)
                store.Append(new JournalEntry().Add("MESSAGE", $"hello {i}").Add("PRIORITY", i % 8).Add("_SYSTEMD_UNIT", i % 2 == 0 ? "a.service" : "b.service"));
        }
        Journalctl.AssertVerifies(dir.Path);
        var entries = Journalctl.Json(dir.Path);
        Assert.Equal(300, entries.Count);
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal($"hello {i}", entries[i].GetProperty("MESSAGE").GetString());
            Assert.Equal((i % 8).ToString(System.Globalization.CultureInfo.InvariantCulture), entries[i].GetProperty("PRIORITY").GetString());
            Assert.Equal(Boot.ToString(), entries[i].GetProperty("_BOOT_ID").GetString());
        }
        Assert.Equal(150, Journalctl.Json(dir.Path, "_SYSTEMD_UNIT=a.service").Count);
    }
}
