using System.Globalization;
using System.Text;
using System.Text.Json;
using Units.Journal.Capture;
using Units.Journal.Reading;

namespace Units.Journal.Tests;

/// <summary>Issue 7's acceptance: what the service stores, read back by Debian's journalctl 252.</summary>
public sealed class AcceptanceTests
{
    private static readonly StdoutStreamHeader Service = new() { Identifier = "svc", UnitId = "svc.service", Priority = 6, LevelPrefix = true };

    private static async Task<ServiceFixture> Run(params (StdoutStreamHeader Header, byte[] Data)[] streams)
    {
        // journald's default rate limit (10000 per 30s, scaled by free disk) would drop part of
        // the 100,000-line burst, as it would in journald: the limiter has its own test below.
        var fixture = new ServiceFixture(service: o => o with { ResolveContext = (p, u, g) => ClientContext.Read(p, u, g) with { RateLimitBurst = 0 } });
        foreach (var (header, data) in streams) await fixture.SendStream(header, data);
        await fixture.Stop();
        Journalctl.AssertVerifies(fixture.JournalDirectory);
        return fixture;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task One_line_has_every_field_of_a_service_record()
    {
        await using var f = await Run((Service, Bytes("hello world\n")));
        var entry = Journalctl.Json(f.JournalDirectory).Single();
        Assert.Equal("hello world", entry.GetProperty("MESSAGE").GetString());
        Assert.Equal("6", entry.GetProperty("PRIORITY").GetString());
        Assert.Equal("svc", entry.GetProperty("SYSLOG_IDENTIFIER").GetString());
        Assert.Equal("svc.service", entry.GetProperty("_SYSTEMD_UNIT").GetString());
        Assert.Equal("stdout", entry.GetProperty("_TRANSPORT").GetString());
        Assert.Equal(FormatTests.Boot.ToString(), entry.GetProperty("_BOOT_ID").GetString());
        Assert.Equal(FormatTests.Machine.ToString(), entry.GetProperty("_MACHINE_ID").GetString());
        Assert.Equal("testhost", entry.GetProperty("_HOSTNAME").GetString());
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), entry.GetProperty("_PID").GetString());
        Assert.Equal("0", entry.GetProperty("_UID").GetString());
        Assert.True(entry.TryGetProperty("_COMM", out _) && entry.TryGetProperty("_EXE", out _) && entry.TryGetProperty("_CMDLINE", out _));
        Assert.Equal(32, entry.GetProperty("_STREAM_ID").GetString()!.Length);
        Assert.True(entry.TryGetProperty("__REALTIME_TIMESTAMP", out _) && entry.TryGetProperty("__MONOTONIC_TIMESTAMP", out _));
    }

    [Fact]
    public async Task Hundred_thousand_lines_arrive_in_order_and_verify()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) text.Append("line ").Append(i).Append('\n');
        await using var f = await Run((Service, Bytes(text.ToString())));
        var r = Journalctl.Run("--directory=" + f.JournalDirectory, "-o", "cat", "--no-pager");
        var lines = r.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100_000, lines.Length);
        for (int i = 0; i < lines.Length; i++) Assert.Equal("line " + i, lines[i]);
    }

    [Fact]
    public async Task Binary_garbage_is_stored_as_binary_field_values()
    {
        var random = new Random(7);
        var garbage = new byte[4000];
        random.NextBytes(garbage);
        for (int i = 0; i < garbage.Length; i++) if (garbage[i] is (byte)'\n' or 0) garbage[i] = 0xff; // one record
        await using var f = await Run((Service with { LevelPrefix = false }, [.. garbage, (byte)'\n']));
        var message = Journalctl.Export(f.JournalDirectory).Single().Single(field => field.Name == "MESSAGE").Value;
        int end = garbage.Length;
        while (end > 0 && garbage[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r') end--;
        Assert.Equal(garbage[..end], message);
        // journalctl -o json shows non-UTF-8 values as arrays of numbers.
        Assert.Equal(JsonValueKind.Array, Journalctl.Json(f.JournalDirectory).Single().GetProperty("MESSAGE").ValueKind);
    }

    [Fact]
    public async Task Lines_over_48KiB_are_split_as_journald_splits_them()
    {
        string longLine = new string('x', 48 * 1024) + new string('y', 10_000);
        await using var f = await Run((Service, Bytes(longLine + "\n")));
        var entries = Journalctl.Json(f.JournalDirectory);
        Assert.Equal(2, entries.Count);
        Assert.Equal(new string('x', 48 * 1024), entries[0].GetProperty("MESSAGE").GetString());
        Assert.Equal("line-max", entries[0].GetProperty("_LINE_BREAK").GetString());
        Assert.Equal(new string('y', 10_000), entries[1].GetProperty("MESSAGE").GetString());
        Assert.False(entries[1].TryGetProperty("_LINE_BREAK", out _));
    }

    [Fact]
    public async Task No_trailing_newline_is_a_last_line_marked_eof()
    {
        await using var f = await Run((Service, Bytes("first\nlast without newline")));
        var entries = Journalctl.Json(f.JournalDirectory);
        Assert.Equal(["first", "last without newline"], entries.Select(e => e.GetProperty("MESSAGE").GetString()));
        Assert.Equal("eof", entries[1].GetProperty("_LINE_BREAK").GetString());
    }

    [Fact]
    public async Task Multi_line_messages_stdout_splits_native_protocol_keeps_them_whole()
    {
        await using var f = new ServiceFixture();
        await f.SendStream(Service, Bytes("one\ntwo\r\nthree\n"));
        byte[] multi = Bytes("first line\nsecond line\n\tindented third");
        f.SendDatagram(f.Options.NativeSocketPath!, Units.Journal.Capture.NativeProtocol.Encode(
            [new("MESSAGE", multi), new("PRIORITY", Bytes("4")), new("SYSLOG_IDENTIFIER", Bytes("native"))]));
        f.SendDatagram(f.Options.SyslogSocketPath!, Bytes("<11>Nov 22 02:57:32 oldprog[77]: from syslog"));
        await f.WaitForEntries(5);
        await f.Stop();
        Journalctl.AssertVerifies(f.JournalDirectory);
        var entries = Journalctl.Export(f.JournalDirectory);
        string Message(List<(string Name, byte[] Value)> e) => Encoding.UTF8.GetString(e.Single(x => x.Name == "MESSAGE").Value);
        string? Field(List<(string Name, byte[] Value)> e, string name) => e.Where(x => x.Name == name).Select(x => Encoding.UTF8.GetString(x.Value)).FirstOrDefault();
        // Order is kept within one stream, not across the stdout, native and syslog sockets: select by transport.
        Assert.Equal(["one", "two", "three"], entries.Where(e => Field(e, "_TRANSPORT") == "stdout").Select(Message));
        var native = entries.Single(e => Field(e, "SYSLOG_IDENTIFIER") == "native");
        Assert.Equal("first line\nsecond line\n\tindented third", Message(native));
        Assert.Equal(("journal", "4"), (Field(native, "_TRANSPORT"), Field(native, "PRIORITY")));
        var syslog = entries.Single(e => Field(e, "_TRANSPORT") == "syslog");
        Assert.Equal(("from syslog", "oldprog", "77", "3", "1"), (Message(syslog), Field(syslog, "SYSLOG_IDENTIFIER"), Field(syslog, "SYSLOG_PID"), Field(syslog, "PRIORITY"), Field(syslog, "SYSLOG_FACILITY")));
    }

    [Fact]
    public async Task Journalctl_filters_unit_priority_since_cursor_and_after_cursor()
    {
        await using var f = new ServiceFixture();
        await f.SendStream(Service, Bytes("<6>a1\n<3>a2 error\n"));
        await f.SendStream(Service with { Identifier = "other", UnitId = "other.service" }, Bytes("<4>b1 warning\n<7>b2 debug\n"));
        await f.WaitForEntries(4);
        await Task.Delay(1100); // --since has second resolution: put a clear second between the groups
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(1100);
        await f.SendStream(Service, Bytes("<5>a3 late\n"));
        await f.Stop();
        string dir = "--directory=" + f.JournalDirectory;
        Journalctl.AssertVerifies(f.JournalDirectory);

        List<string?> Messages(params string[] args) => Journalctl.Json(f.JournalDirectory, args).Select(e => e.GetProperty("MESSAGE").GetString()).ToList();
        Assert.Equal(["a1", "a2 error", "a3 late"], Messages("-u", "svc.service"));
        Assert.Equal(["b1 warning", "b2 debug"], Messages("-u", "other.service"));
        Assert.Equal(["a2 error", "b1 warning"], Messages("-p", "warning"));
        Assert.Equal(["a3 late"], Messages("--since", between.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC"));

        var all = Journalctl.Json(f.JournalDirectory);
        string cursor = all[1].GetProperty("__CURSOR").GetString()!;
        Assert.Equal(["a2 error", "b1 warning", "b2 debug", "a3 late"], Messages("--cursor", cursor));
        Assert.Equal(["b1 warning", "b2 debug", "a3 late"], Messages("--after-cursor", cursor));

        // Our reader gives the same answers and the same cursors.
        var reader = new JournalReader(f.JournalDirectory);
        Assert.Equal(all.Select(e => e.GetProperty("__CURSOR").GetString()), reader.Query(new JournalQuery()).Select(r => r.Cursor.ToString()));
        Assert.Equal(["a1", "a2 error", "a3 late"], reader.Query(new JournalQuery { Units = ["svc.service"] }).Select(r => r.Message));
        Assert.Equal(["a2 error", "b1 warning"], reader.Query(new JournalQuery { MaxPriority = 4 }).Select(r => r.Message));
        Assert.Equal(["a3 late"], reader.Query(new JournalQuery { Since = between }).Select(r => r.Message));
        Assert.Equal(["b1 warning", "b2 debug", "a3 late"], reader.Query(new JournalQuery { Cursor = JournalCursor.Parse(cursor), AfterCursor = true }).Select(r => r.Message));
        Assert.Equal(["b2 debug", "a3 late"], reader.Query(new JournalQuery { Lines = 2 }).Select(r => r.Message));
        Assert.Equal(["a2 error"], reader.Query(new JournalQuery { Grep = "err" }).Select(r => r.Message));
        Assert.Empty(reader.Query(new JournalQuery { Grep = "ERR" })); // smart case: an uppercase letter makes it case-sensitive
    }

    [Fact]
    public async Task Export_and_json_agree_field_by_field_with_what_was_sent()
    {
        await using var f = new ServiceFixture();
        var fields = new List<KeyValuePair<string, byte[]>>
        {
            new("MESSAGE", Bytes("structured")), new("PRIORITY", Bytes("5")), new("SYSLOG_IDENTIFIER", Bytes("native-test")),
            new("CODE_FILE", Bytes("a.c")), new("BINARY_DATA", [0, 1, 2, 255, 10]), new("REPEATED", Bytes("x")), new("REPEATED", Bytes("y")),
        };
        f.SendDatagram(f.Options.NativeSocketPath!, NativeProtocol.Encode(fields));
        await f.WaitForEntries(1);
        await f.Stop();
        var exported = Journalctl.Export(f.JournalDirectory).Single();
        foreach (var (name, value) in fields)
            Assert.Contains(exported, e => e.Name == name && e.Value.AsSpan().SequenceEqual(value));
        var json = Journalctl.Json(f.JournalDirectory).Single();
        Assert.Equal([0, 1, 2, 255, 10], json.GetProperty("BINARY_DATA").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(["x", "y"], json.GetProperty("REPEATED").EnumerateArray().Select(v => v.GetString()));
        var record = new JournalReader(f.JournalDirectory).Query(new JournalQuery()).Single();
        Assert.Equal([0, 1, 2, 255, 10], record.GetBytes("BINARY_DATA"));
        Assert.Equal(json.GetProperty("__CURSOR").GetString(), record.Cursor.ToString());
    }

    [Fact]
    public async Task Rate_limited_unit_gets_a_suppressed_record_worded_as_journald()
    {
        await using var f = new ServiceFixture(service: o => o with
        {
            ResolveContext = (p, u, g) => ClientContext.Read(p, u, g) with { RateLimitBurst = 2, RateLimitInterval = TimeSpan.FromSeconds(1) },
        });
        uint burst = RateLimiter.ModulatedBurst(2, (ulong)new DriveInfo(f.JournalDirectory).AvailableFreeSpace);
        var text = new StringBuilder();
        for (int i = 0; i < burst + 15; i++) text.Append("spam ").Append(i).Append('\n');
        await f.SendStream(Service, Bytes(text.ToString()));
        await f.WaitForEntries(burst);
        await Task.Delay(1200); // past the interval: the next message reports the dropped ones
        await f.SendStream(Service, Bytes("after the storm\n"));
        await f.WaitForEntries(burst + 2);
        await f.Stop();
        Journalctl.AssertVerifies(f.JournalDirectory);
        var entries = Journalctl.Json(f.JournalDirectory);
        Assert.Equal((int)burst + 2, entries.Count);
        var suppressed = entries[(int)burst];
        Assert.Equal("Suppressed 15 messages from svc.service", suppressed.GetProperty("MESSAGE").GetString());
        Assert.Equal(Units.Journal.Messages.MessageIds.JournalDropped, suppressed.GetProperty("MESSAGE_ID").GetString());
        Assert.Equal("15", suppressed.GetProperty("N_DROPPED").GetString());
        Assert.Equal("after the storm", entries[^1].GetProperty("MESSAGE").GetString());
    }
}
