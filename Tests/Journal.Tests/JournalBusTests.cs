using System.Net.Sockets;
using System.Text;
using Units.DBus;
using Units.Journal.Bus;
using Units.Journal.Format;
using Units.Journal.Writing;

namespace Units.Journal.Tests;

/// <summary>
/// org.units1.Journal served over a real D-Bus connection (Units.DBus server and client on a UNIX socket) on journal
/// files written by our store: pages in the Journal Export Format byte for byte as journalctl 252 -o export writes
/// the same entries, the filters, clear errors for bad queries, and following over the passed socket.
/// </summary>
public sealed class JournalBusTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private JournalStore _store = null!;
    private DBusServer _server = null!;
    private JournalBusInterface _journal = null!;
    private DBusConnection _client = null!;

    public async Task InitializeAsync()
    {
        Journalctl.Require();
        _store = JournalStore.Open(new JournalStoreOptions { Directory = _directory.Path, MachineId = Id128.NewRandom(), BootId = Id128.NewRandom() });
        Append("a.service", 6, "a starts");
        Append("b.service", 3, "b FAILED badly");
        Append("a.service", 4, "a warns\nover two lines");
        _store.Append(new JournalEntry().Add("MESSAGE", "binary \x01 value"u8.ToArray()).Add("PRIORITY", 6).Add("_SYSTEMD_UNIT", "a.service"));
        Append("a.service", 6, "a stops");
        _store.Flush(durable: false);
        // A file of another writer in the same directory (journald's, another user's) is not read.
        using (var other = JournalStore.Open(new JournalStoreOptions { Directory = _directory.Path, FileBaseName = "user-1000", MachineId = Id128.NewRandom(), BootId = Id128.NewRandom() }))
            other.Append(new JournalEntry().Add("MESSAGE", "someone else's").Add("_SYSTEMD_UNIT", "a.service"));

        _journal = new JournalBusInterface(_directory.Path, "system", userManager: false);
        var tree = new ObjectTree();
        tree.Add(new DBusObject(JournalBusInterface.ObjectPath, _journal));
        string address = "unix:path=" + Path.Combine(_directory.Path, "bus");
        _server = DBusServer.Listen(address, new DBusServerOptions { Objects = tree });
        _client = await DBusConnection.ConnectAsync(address);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _server.Dispose();
        _journal.Dispose();
        _store.Dispose();
        _directory.Dispose();
        return Task.CompletedTask;
    }

    private void Append(string unit, int priority, string message) =>
        _store.Append(new JournalEntry().Add("MESSAGE", message).Add("PRIORITY", priority).Add("_SYSTEMD_UNIT", unit).Add("SYSLOG_IDENTIFIER", unit.Split('.')[0]));

    private sealed record Page(byte[] Entries, string ResumeAfter, bool More)
    {
        public List<string> Messages => [.. Encoding.UTF8.GetString(Entries).Split('\n').Where(l => l.StartsWith("MESSAGE=", StringComparison.Ordinal)).Select(l => l[8..])];
    }

    private async Task<Page> Read(params (string Key, DBusValue Value)[] query)
    {
        using Message reply = await _client.CallAsync(Call("Read", query));
        var reader = reply.GetBodyReader();
        var bytes = new List<byte>();
        var end = reader.ReadArrayStart('y');
        while (reader.HasNext(end))
            bytes.Add(reader.ReadByte());
        return new Page([.. bytes], reader.ReadString(), reader.ReadBoolean());
    }

    private static MessageBuffer Call(string member, (string Key, DBusValue Value)[] query)
    {
        var call = MessageWriter.CreateMethodCall(null, JournalBusInterface.ObjectPath, JournalBusInterface.InterfaceName, member, "a{sv}");
        var entries = call.WriteArrayStart('{');
        foreach (var (key, value) in query)
        {
            call.WriteStructStart();
            call.WriteString(key.AsSpan());
            call.WriteVariant(value);
        }
        call.WriteArrayEnd(entries);
        return call.Finish();
    }

    private static DBusValue Strings(params string[] values) => DBusValue.Array("s", [.. values.Select(DBusValue.String)]);

    [Fact]
    public async Task A_page_is_what_journalctl_252_exports_for_the_same_entries()
    {
        Page page = await Read();
        Assert.False(page.More);
        Journalctl.Result expected = Journalctl.Run("--file=" + _store.ActivePath, "-o", "export", "--no-pager");
        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(expected.Text, Encoding.UTF8.GetString(page.Entries));
        Assert.Equal(expected.Stdout, page.Entries);
    }

    [Fact]
    public async Task Pages_follow_each_other_from_the_cursor_of_the_last_entry()
    {
        var messages = new List<string>();
        Page page = await Read(("limit", DBusValue.UInt32(2)));
        messages.AddRange(page.Messages);
        int pages = 1;
        while (page.More)
        {
            page = await Read(("limit", DBusValue.UInt32(2)), ("after_cursor", DBusValue.String(page.ResumeAfter)));
            messages.AddRange(page.Messages);
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(["a starts", "b FAILED badly", "a stops"], messages); // the two-line and binary messages are not MESSAGE= lines
        Assert.Equal(5, Encoding.UTF8.GetString((await Read()).Entries).Split("__CURSOR=").Length - 1);
    }

    [Fact]
    public async Task Units_priority_text_and_last_lines_filter_as_journalctl_does()
    {
        Assert.Equal(["b FAILED badly"], (await Read(("units", Strings("b.service")))).Messages);
        Assert.Equal(["b FAILED badly"], (await Read(("priority", DBusValue.UInt32(3)))).Messages);
        Assert.Equal(["a starts", "a stops"], (await Read(("units", Strings("a.service")), ("min_priority", DBusValue.UInt32(5)))).Messages);
        // Smart case as journalctl -g: a pattern without capitals ignores case, unless case_sensitive says otherwise.
        Assert.Equal(["b FAILED badly"], (await Read(("grep", DBusValue.String("failed")))).Messages);
        Assert.Empty((await Read(("grep", DBusValue.String("failed")), ("case_sensitive", DBusValue.Boolean(true)))).Messages);
        Assert.Equal(["a stops"], (await Read(("lines", DBusValue.UInt32(1)))).Messages);
        Assert.Equal(["a starts"], (await Read(("matches", Strings("SYSLOG_IDENTIFIER=a", "PRIORITY=6")), ("limit", DBusValue.UInt32(1)))).Messages);
        ulong future = (ulong)(DateTimeOffset.UtcNow.AddHours(1) - DateTimeOffset.UnixEpoch).Ticks / 10;
        Assert.Empty((await Read(("since", DBusValue.UInt64(future)))).Messages);
        Assert.Equal(3, (await Read(("until", DBusValue.UInt64(future)), ("boot", DBusValue.Int32(0)))).Messages.Count);
        Assert.Empty((await Read(("boot", DBusValue.String(Id128.NewRandom().ToString())))).Messages);
    }

    [Theory]
    [InlineData("colour", "s", "Unknown query key 'colour'")]
    [InlineData("priority", "s", "Query key 'priority' takes a syslog priority, 0 (emerg) to 7 (debug) ('u'), not a value of type 's'.")]
    [InlineData("priority", "u9", "Query key 'priority' takes a syslog priority from 0 (emerg) to 7 (debug), not 9.")]
    [InlineData("grep", "s(", "Query key 'grep' is not a valid regular expression")]
    [InlineData("after_cursor", "sx=1", "Query key 'after_cursor' holds an invalid cursor 'x=1'")]
    [InlineData("matches", "as", "Query key 'matches' takes FIELD=VALUE with a journal field name (A-Z, 0-9, _), not 'lower=case'.")]
    [InlineData("lines", "u0", "Query key 'lines' takes a count from 1 to")]
    [InlineData("boot", "i-5", "No boot at offset -5 in the journal.")]
    public async Task A_bad_query_is_an_InvalidArgs_error_that_says_what_is_wrong(string key, string value, string message)
    {
        DBusValue argument = value switch
        {
            "s" => DBusValue.String("x"),
            "as" => Strings("lower=case"),
            _ when value[0] == 'u' => DBusValue.UInt32(uint.Parse(value[1..], System.Globalization.CultureInfo.InvariantCulture)),
            _ when value[0] == 'i' => DBusValue.Int32(int.Parse(value[1..], System.Globalization.CultureInfo.InvariantCulture)),
            _ => DBusValue.String(value[1..]),
        };
        var error = await Assert.ThrowsAsync<DBusException>(() => Read((key, argument)));
        Assert.Equal(DBusErrors.InvalidArgs, error.ErrorName);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(["a starts", "b FAILED badly", "a stops"], (await Read()).Messages); // the connection goes on
    }

    [Fact]
    public async Task Following_streams_the_last_lines_then_new_entries_until_the_client_closes_its_end()
    {
        using Message reply = await _client.CallAsync(Call("Follow", [("units", Strings("a.service")), ("lines", DBusValue.UInt32(1))]));
        using var fd = reply.TakeUnixFd(reply.GetBodyReader().ReadUnixFdIndex());
        using var socket = new Socket(new SafeSocketHandle(fd.DangerousGetHandle(), ownsHandle: false));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new StringBuilder();
        async Task WaitFor(string text)
        {
            byte[] buffer = new byte[4096];
            while (!received.ToString().Contains(text, StringComparison.Ordinal))
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                Assert.NotEqual(0, n);
                received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        await WaitFor("MESSAGE=a stops\n");
        Assert.Equal(1, _journal.Followers);
        Append("b.service", 6, "b is not followed");
        Append("a.service", 6, "a again");
        _store.Flush(durable: false);
        await WaitFor("MESSAGE=a again\n");
        Assert.DoesNotContain("b is not followed", received.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("a starts", received.ToString(), StringComparison.Ordinal);

        socket.Dispose();
        fd.Dispose();
        while (_journal.Followers > 0)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(20, timeout.Token);
        }
    }
}
