using System.Text;
using Units.Journal.Capture;

namespace Units.Journal.Tests;

/// <summary>The stdout-stream splitter against journald's rules (unit level).</summary>
public sealed class StdoutStreamParserTests
{
    private static List<(string Message, int Priority, LineBreak Break)> Parse(string header, byte[] data, int lineMax = StdoutStreamParser.DefaultLineMax, int chunk = 7)
    {
        var parser = new StdoutStreamParser(trustUnitId: true, lineMax);
        var lines = new List<(string, int, LineBreak)>();
        void OnLine(ReadOnlySpan<byte> m, int p, LineBreak b) => lines.Add((Encoding.Latin1.GetString(m), p, b));
        byte[] all = [.. Encoding.ASCII.GetBytes(header), .. data];
        for (int i = 0; i < all.Length; i += chunk)
            parser.Feed(all.AsSpan(i, Math.Min(chunk, all.Length - i)), OnLine);
        parser.Finish(OnLine);
        return lines;
    }

    private const string Header = "myid\nfoo.service\n6\n1\n0\n0\n0\n";

    [Fact]
    public void Splits_like_journald_newline_nul_eof_and_strips_trailing_whitespace()
    {
        var lines = Parse(Header, "a\n\nb\r\n<3>err line\n  spaced  \nx\0y\nno-newline"u8.ToArray());
        Assert.Equal(
        [
            ("a", 6, LineBreak.Newline), ("b", 6, LineBreak.Newline), ("err line", 3, LineBreak.Newline),
            ("  spaced", 6, LineBreak.Newline), ("x", 6, LineBreak.Nul), ("y", 6, LineBreak.Newline), ("no-newline", 6, LineBreak.Eof),
        ], lines);
    }

    [Fact]
    public void Lines_longer_than_LineMax_are_cut_into_LineMax_pieces()
    {
        var text = new string('a', 48 * 1024) + new string('b', 48 * 1024) + "ccc\n";
        var lines = Parse(Header, Encoding.ASCII.GetBytes(text), chunk: 5000);
        Assert.Equal(3, lines.Count);
        Assert.Equal((new string('a', 48 * 1024), 6, LineBreak.LineMax), lines[0]);
        Assert.Equal((new string('b', 48 * 1024), 6, LineBreak.LineMax), lines[1]);
        Assert.Equal(("ccc", 6, LineBreak.Newline), lines[2]);
    }

    [Fact]
    public void Level_prefix_off_keeps_the_prefix_and_facility_is_kept()
    {
        Assert.Equal(("<3>text", 6, LineBreak.Newline), Parse("id\n\n6\n0\n0\n0\n0\n", "<3>text\n"u8.ToArray()).Single());
        // Priority line with a facility (LOG_DAEMON|LOG_INFO = 30): <N> replaces only the level.
        Assert.Equal(("x", 27, LineBreak.Newline), Parse("id\n\n30\n1\n0\n0\n0\n", "<3>x\n"u8.ToArray()).Single());
        // <8> is not a level: kept as text.
        Assert.Equal(("<8>x", 6, LineBreak.Newline), Parse(Header, "<8>x\n"u8.ToArray()).Single());
    }

    [Fact]
    public void Binary_bytes_pass_through_unchanged()
    {
        byte[] garbage = [0xff, 0xfe, 0x01, 0x80, 0x7f, (byte)'z'];
        var line = Parse(Header, [.. garbage, (byte)'\n']).Single();
        Assert.Equal(Encoding.Latin1.GetString(garbage), line.Message);
    }

    [Theory]
    [InlineData("id\n\nnotanumber\n1\n0\n0\n0\n", "Failed to parse log priority line")]
    [InlineData("id\n\n6\nmaybe\n0\n0\n0\n", "Failed to parse level prefix line")]
    public void A_malformed_header_is_a_clear_error(string header, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(header, "x\n"u8.ToArray()));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_id_from_an_untrusted_peer_is_ignored()
    {
        var parser = new StdoutStreamParser(trustUnitId: false);
        parser.Feed(Encoding.ASCII.GetBytes(Header), (_, _, _) => { });
        Assert.Null(parser.Header!.UnitId);
        Assert.Equal("myid", parser.Header.Identifier);
    }
}

public sealed class NativeAndSyslogParserTests
{
    [Fact]
    public void Native_protocol_takes_text_and_binary_fields_and_drops_trusted_ones()
    {
        byte[] binary = [(byte)'l', (byte)'1', (byte)'\n', (byte)'l', (byte)'2', 0];
        var message = NativeProtocol.Encode([new("MESSAGE", binary), new("PRIORITY", "3"u8.ToArray()), new("FOO_BAR", "baz"u8.ToArray())]);
        message = [.. message, .. "_PID=1\n"u8.ToArray()];
        var entry = new JournalEntry();
        Assert.True(NativeProtocol.TryParse(message, entry, out var error), error);
        Assert.Equal(binary, entry.GetBytes("MESSAGE")!.Value.ToArray());
        Assert.Equal(3, entry.Priority);
        Assert.Equal("baz", entry.Get("FOO_BAR"));
        Assert.False(entry.Has("_PID"));
    }

    [Theory]
    [InlineData("lowercase=x\n", "invalid field name")]
    [InlineData("MESSAGE=x", "not terminated")]
    [InlineData("MESSAGE\n\u0005\0\0\0\0\0\0\0ab\n", "truncated")]
    public void Native_protocol_rejects_malformed_messages_with_a_reason(string text, string reason)
    {
        var entry = new JournalEntry();
        Assert.False(NativeProtocol.TryParse(Encoding.Latin1.GetBytes(text), entry, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Empty(entry.Payloads);
    }

    [Fact]
    public void Syslog_datagrams_parse_like_rfc3164()
    {
        var m = SyslogMessage.Parse("<28>Nov 22 02:57:32 myprog[123]: disk almost full\n"u8);
        Assert.Equal((28, "myprog", "123", "disk almost full"), (m.Priority, m.Identifier, m.Pid, Encoding.UTF8.GetString(m.Message)));
        var plain = SyslogMessage.Parse("<13>tag: hello world"u8);
        Assert.Equal((13, "tag", null, "hello world"), (plain.Priority, plain.Identifier, plain.Pid, Encoding.UTF8.GetString(plain.Message)));
        var bare = SyslogMessage.Parse("no priority or tag here"u8);
        Assert.Equal((14, null, null), (bare.Priority, bare.Identifier, bare.Pid));
    }

    [Fact]
    public void Rate_limiter_drops_over_the_burst_and_reports_the_count_after_the_interval()
    {
        long now = 1_000_000;
        var limiter = new RateLimiter(() => now);
        const ulong smallDisk = 1 << 20; // burst not scaled up
        for (int i = 0; i < 5; i++) Assert.Equal(0, limiter.Test("a.service", TimeSpan.FromSeconds(1), 5, 6, smallDisk));
        Assert.Equal(-1, limiter.Test("a.service", TimeSpan.FromSeconds(1), 5, 6, smallDisk));
        Assert.Equal(-1, limiter.Test("a.service", TimeSpan.FromSeconds(1), 5, 6, smallDisk));
        // Another priority band and another unit have their own pools.
        Assert.Equal(0, limiter.Test("a.service", TimeSpan.FromSeconds(1), 5, 3, smallDisk));
        Assert.Equal(0, limiter.Test("b.service", TimeSpan.FromSeconds(1), 5, 6, smallDisk));
        now += 1_500_000;
        Assert.Equal(2, limiter.Test("a.service", TimeSpan.FromSeconds(1), 5, 6, smallDisk));
        Assert.Equal(10000u * 4 / 4 * 2 / 2, RateLimiter.ModulatedBurst(10000, 1UL << 20));
        Assert.Equal(10000u * (32 - 16) / 4, RateLimiter.ModulatedBurst(10000, 1UL << 32));
    }
}
