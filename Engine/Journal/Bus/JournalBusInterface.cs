using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using Units.DBus;
using Units.Journal.Format;
using Units.Journal.Reading;

namespace Units.Journal.Bus;

/// <summary>
/// <c>org.units1.Journal</c> at <c>/org/units1/journal</c>: queries over the instance's journal files for clients that
/// do not read them themselves (systemd has no such interface; see README.md for the contract). <c>Read</c> answers
/// one page in the Journal Export Format and says where the next one starts; <c>Follow</c> hands the caller one end of
/// a socket pair on which matching entries are written as they arrive, until it closes its end. The calls are parsed
/// where the object tree dispatches them (the manager loop); the files are read on the thread pool, at most
/// <see cref="MaxConcurrentReads"/> queries at once, so a big query never holds up the loop or other clients.
/// </summary>
public sealed class JournalBusInterface : DBusInterface, IDisposable
{
    public const string ObjectPath = "/org/units1/journal";
    public const string InterfaceName = "org.units1.Journal";

    /// <summary>Entries in a page when the query says no "limit", and the most it may ask for.</summary>
    public const int DefaultPageEntries = 1000, MaxPageEntries = 10_000;

    /// <summary>A page ends after the entry that takes it past this many bytes (far below D-Bus's message limit).</summary>
    public const int PageBytes = 4 * 1024 * 1024;

    /// <summary>Sockets being followed at once, over all clients.</summary>
    public const int MaxFollowers = 64;

    public const int MaxConcurrentReads = 4;

    private static readonly InterfaceDescription s_description = new(InterfaceName,
    [
        new MethodDescription("Read", "a{sv}", "aysb", ["query"], ["entries", "resume_after", "more"]),
        new MethodDescription("Follow", "a{sv}", "h", ["query"], ["stream"]),
    ]);

    private static readonly string[] s_keys =
        ["units", "priority", "min_priority", "boot", "since", "until", "grep", "case_sensitive", "matches", "lines", "cursor", "after_cursor", "limit"];

    private readonly string _directory;
    private readonly string _fileBaseName;
    private readonly bool _userManager;
    private readonly SemaphoreSlim _reads = new(MaxConcurrentReads);
    private readonly CancellationTokenSource _closing = new();
    private int _followers;

    /// <param name="directory">The instance's journal directory.</param>
    /// <param name="fileBaseName">Its files' base name ("system", "user-1000"): only they are read.</param>
    /// <param name="userManager">A user instance: "units" are matched as user units (_SYSTEMD_USER_UNIT=, USER_UNIT=...).</param>
    public JournalBusInterface(string directory, string fileBaseName, bool userManager) : base(s_description)
    {
        _directory = directory;
        _fileBaseName = fileBaseName;
        _userManager = userManager;
    }

    private JournalReader NewReader() => new(_directory) { FileBaseName = _fileBaseName };

    /// <summary>Streams being followed now.</summary>
    public int Followers => Volatile.Read(ref _followers);

    public override ValueTask HandleMethodAsync(MethodCall call)
    {
        switch (call.Member)
        {
            case "Read":
            {
                (JournalQuery query, int? bootOffset, int limit) = ParseQuery(call);
                return new ValueTask(ReadAsync(call, query, bootOffset, limit));
            }
            case "Follow":
            {
                if (!call.Connection.UnixFdsEnabled)
                    throw new DBusException(DBusErrors.NotSupported,
                        "Follow answers with a file descriptor, and this connection does not pass them (read pages with Read instead).");
                (JournalQuery query, int? bootOffset, _) = ParseQuery(call);
                if (Interlocked.Increment(ref _followers) > MaxFollowers)
                {
                    Interlocked.Decrement(ref _followers);
                    throw new DBusException(DBusErrors.LimitsExceeded, $"Already {MaxFollowers} journal streams are followed; close one first.");
                }
                return new ValueTask(StartFollowingAsync(call, query, bootOffset));
            }
            default:
                return base.HandleMethodAsync(call);
        }
    }

    private async Task ReadAsync(MethodCall call, JournalQuery query, int? bootOffset, int limit)
    {
        await _reads.WaitAsync(_closing.Token).ConfigureAwait(false);
        try
        {
            // One more than the page, to tell whether there is more.
            List<JournalRecord> records = await Task.Run(() => Query(query with { First = limit + 1 }, bootOffset)).ConfigureAwait(false);
            var page = new ArrayBufferWriter<byte>();
            int written = 0;
            while (written < records.Count && written < limit && page.WrittenCount < PageBytes)
                ExportFormat.Write(records[written++], page);
            MessageWriter reply = call.CreateReply("aysb", page.WrittenCount + 256);
            ArrayStart bytes = reply.WriteArrayStart('y');
            foreach (byte b in page.WrittenSpan)
                reply.WriteByte(b);
            reply.WriteArrayEnd(bytes);
            reply.WriteString(written > 0 ? records[written - 1].Cursor.ToString() : "");
            reply.WriteBoolean(written < records.Count);
            call.Reply(reply.Finish());
        }
        finally
        {
            _reads.Release();
        }
    }

    private List<JournalRecord> Query(JournalQuery query, int? bootOffset)
    {
        var reader = NewReader();
        if (bootOffset is int offset)
            query = query with { BootId = reader.BootAt(offset) ?? throw new DBusException(DBusErrors.InvalidArgs, $"No boot at offset {offset} in the journal.") };
        return [.. reader.Query(query)];
    }

    private async Task StartFollowingAsync(MethodCall call, JournalQuery query, int? bootOffset)
    {
        Socket? ours = null;
        try
        {
            if (bootOffset is int offset)
            {
                Id128? boot = await Task.Run(() => NewReader().BootAt(offset)).ConfigureAwait(false);
                query = query with { BootId = boot ?? throw new DBusException(DBusErrors.InvalidArgs, $"No boot at offset {offset} in the journal.") };
            }
            (ours, SafeFileHandle theirs) = SocketPair();
            using (theirs)
            {
                MessageWriter reply = call.CreateReply("h");
                reply.WriteUnixFd(theirs);
                call.Reply(reply.Finish());
            }
        }
        catch
        {
            ours?.Dispose();
            Interlocked.Decrement(ref _followers);
            throw;
        }
        _ = FollowAsync(ours, query);
    }

    /// <summary>Writes the query's entries, then each new one, until the client closes its end, the socket fails or
    /// the journal closes. A client that does not read only fills its own socket's buffer.</summary>
    private async Task FollowAsync(Socket socket, JournalQuery query)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        try
        {
            _ = EndWhenClosedAsync(socket, stop);
            var entry = new ArrayBufferWriter<byte>();
            await foreach (JournalRecord record in NewReader().FollowAsync(query, stop.Token).ConfigureAwait(false))
            {
                entry.Clear();
                ExportFormat.Write(record, entry);
                await socket.SendAsync(entry.WrittenMemory, SocketFlags.None, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            socket.Dispose();
            Interlocked.Decrement(ref _followers);
        }
    }

    /// <summary>The client closing its end (a read returns nothing) ends the stream even while nothing new is written.</summary>
    private static async Task EndWhenClosedAsync(Socket socket, CancellationTokenSource stop)
    {
        byte[] ignored = new byte[64];
        try
        {
            while (await socket.ReceiveAsync(ignored, SocketFlags.None, stop.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        stop.Cancel();
    }

    private static unsafe (Socket Ours, SafeFileHandle Theirs) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (Native.Libc.socketpair(Native.Libc.AF_UNIX, Native.Libc.SOCK_STREAM | Native.Libc.SOCK_CLOEXEC, 0, fds) != 0)
            throw new DBusException(DBusErrors.Failed, $"Cannot create the stream's socket pair: {Marshal.GetLastPInvokeErrorMessage()}");
        return (new Socket(new SafeSocketHandle(fds[0], ownsHandle: true)), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    /// <summary>Reads the query's a{sv}; every problem is an InvalidArgs error naming the key and what it takes.</summary>
    private (JournalQuery Query, int? BootOffset, int Limit) ParseQuery(MethodCall call)
    {
        var query = new JournalQuery();
        int? bootOffset = null;
        int limit = DefaultPageEntries;
        Reader reader = call.Request.GetBodyReader();
        ArrayEnd end = reader.ReadArrayStart('{');
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            string key = reader.ReadString();
            DBusValue value = reader.ReadVariant();
            switch (key)
            {
                case "units":
                    List<string> units = [.. Expect(key, value, "as", "unit names").Items.Select(v => v.AsString())];
                    query = _userManager ? query with { UserUnits = units } : query with { Units = units };
                    break;
                case "priority":
                    query = query with { MaxPriority = Priority(key, value) };
                    break;
                case "min_priority":
                    query = query with { MinPriority = Priority(key, value) };
                    break;
                case "boot" when value.Signature == "s":
                    query = query with
                    {
                        BootId = Id128.TryParse(value.AsString(), out Id128 boot) ? boot
                            : throw Invalid($"Query key 'boot' names a boot by its 128-bit ID in hex, not '{value.AsString()}'."),
                    };
                    break;
                case "boot":
                    bootOffset = Expect(key, value, "i", "a boot ID (s) or an offset as journalctl -b takes it (i)").AsInt32();
                    break;
                case "since":
                    query = query with { Since = Time(key, value) };
                    break;
                case "until":
                    query = query with { Until = Time(key, value) };
                    break;
                case "grep":
                    string pattern = Expect(key, value, "s", "a regular expression").AsString();
                    try
                    {
                        _ = new Regex(pattern, RegexOptions.CultureInvariant);
                    }
                    catch (ArgumentException e)
                    {
                        throw Invalid($"Query key 'grep' is not a valid regular expression: {e.Message}");
                    }
                    query = query with { Grep = pattern };
                    break;
                case "case_sensitive":
                    query = query with { CaseSensitive = Expect(key, value, "b", "true or false").AsBoolean() };
                    break;
                case "matches":
                    var matches = new List<KeyValuePair<string, string>>();
                    foreach (DBusValue match in Expect(key, value, "as", "FIELD=VALUE strings").Items)
                    {
                        string text = match.AsString();
                        int eq = text.IndexOf('=', StringComparison.Ordinal);
                        if (eq <= 0 || !JournalFieldName.IsValid(text[..eq], allowProtected: true))
                            throw Invalid($"Query key 'matches' takes FIELD=VALUE with a journal field name (A-Z, 0-9, _), not '{text}'.");
                        matches.Add(new(text[..eq], text[(eq + 1)..]));
                    }
                    query = query with { Matches = matches };
                    break;
                case "lines":
                    query = query with { Lines = Count(key, value, int.MaxValue) };
                    break;
                case "limit":
                    limit = Count(key, value, MaxPageEntries);
                    break;
                case "cursor" or "after_cursor":
                    string cursorText = Expect(key, value, "s", "a cursor as journalctl --show-cursor prints it").AsString();
                    if (!JournalCursor.TryParse(cursorText, out JournalCursor cursor, out string? error))
                        throw Invalid($"Query key '{key}' holds an invalid cursor '{cursorText}': {error}.");
                    query = query with { Cursor = cursor, AfterCursor = key == "after_cursor" };
                    break;
                default:
                    throw Invalid($"Unknown query key '{key}'; the keys are {string.Join(", ", s_keys)}.");
            }
        }
        return (query, bootOffset, limit);
    }

    private static DBusValue Expect(string key, DBusValue value, string signature, string what) =>
        value.Signature == signature ? value
            : throw Invalid($"Query key '{key}' takes {what} ('{signature}'), not a value of type '{value.Signature}'.");

    private static int Priority(string key, DBusValue value)
    {
        uint priority = Expect(key, value, "u", "a syslog priority, 0 (emerg) to 7 (debug)").AsUInt32();
        return priority <= 7 ? (int)priority : throw Invalid($"Query key '{key}' takes a syslog priority from 0 (emerg) to 7 (debug), not {priority}.");
    }

    private static DateTimeOffset Time(string key, DBusValue value)
    {
        ulong usec = Expect(key, value, "t", "microseconds since the epoch (CLOCK_REALTIME)").AsUInt64();
        return usec <= (ulong)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks / 10
            ? DateTimeOffset.UnixEpoch.AddTicks((long)usec * 10)
            : throw Invalid($"Query key '{key}' is past the year 9999: {usec} µs.");
    }

    private static int Count(string key, DBusValue value, int max)
    {
        uint count = Expect(key, value, "u", "a count").AsUInt32();
        return count is > 0 && count <= (uint)max ? (int)count : throw Invalid($"Query key '{key}' takes a count from 1 to {max}, not {count}.");
    }

    private static DBusException Invalid(string message) => new(DBusErrors.InvalidArgs, message);

    /// <summary>Ends every followed stream.</summary>
    public void Dispose()
    {
        _closing.Cancel();
    }
}
