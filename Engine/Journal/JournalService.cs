using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Units.Journal.Capture;
using Units.Journal.Format;
using Units.Journal.Messages;
using Units.Journal.Native;
using Units.Journal.Writing;

namespace Units.Journal;

/// <summary>Where an instance's journal listens and stores. Socket paths left null are not
/// served (an instance serves only the paths it owns).</summary>
public sealed record JournalServiceOptions
{
    public required JournalStoreOptions Store { get; init; }

    /// <summary>The stdout-stream socket (/run/systemd/journal/stdout for the system instance).</summary>
    public string? StdoutSocketPath { get; init; }
    /// <summary>The native protocol socket (/run/systemd/journal/socket).</summary>
    public string? NativeSocketPath { get; init; }
    /// <summary>The syslog socket (/run/systemd/journal/dev-log, which /dev/log points at).</summary>
    public string? SyslogSocketPath { get; init; }

    public string Hostname { get; init; } = Environment.MachineName;

    /// <summary>A user instance records _SYSTEMD_USER_UNIT for the units it runs.</summary>
    public bool UserInstance { get; init; }

    /// <summary>LineMax=.</summary>
    public int LineMax { get; init; } = StdoutStreamParser.DefaultLineMax;

    /// <summary>RateLimitIntervalSec=/RateLimitBurst= for senders whose unit sets none.</summary>
    public TimeSpan RateLimitInterval { get; init; } = TimeSpan.FromSeconds(30);
    public uint RateLimitBurst { get; init; } = 10000;

    /// <summary>Who the journal's own messages ("Suppressed N messages...") come from.</summary>
    public string Identifier { get; init; } = "unitsd-journal";

    /// <summary>Where the journal reports its own trouble (a disk error while appending, a
    /// malformed client message); standard error by default.</summary>
    public Action<string> ReportProblem { get; init; } = message => Console.Error.WriteLine("journal: " + message);

    /// <summary>Lets the manager say what it knows about a sender (its unit, invocation ID and
    /// log rate limits); the default reads /proc.</summary>
    public Func<int, int, int, ClientContext> ResolveContext { get; init; } = ClientContext.Read;
}

/// <summary>
/// One instance's journal: listens on the stdout-stream, native and syslog sockets it owns,
/// stamps each record with the sender's trusted fields and the host identity, applies per-unit
/// rate limits, and appends to a <see cref="JournalStore"/> on one writer thread that publishes
/// after every batch per the store's sync policy. Entries from the manager itself go through
/// <see cref="Write"/>.
/// </summary>
public sealed class JournalService : IAsyncDisposable
{
    private readonly JournalServiceOptions _options;
    private readonly JournalStore _store;
    // Batches of entries (a stream's lines from one read), bounded so that busy senders wait.
    private readonly Channel<List<JournalEntry>> _queue = Channel.CreateBounded<List<JournalEntry>>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _tasks = [];
    private readonly HashSet<Task> _streams = [];
    private readonly CancellationTokenSource _streamsStopping = new();

    /// <summary>On a clean stop, how long streams whose data is still in flight may take to end.</summary>
    public static readonly TimeSpan StreamDrainTimeout = TimeSpan.FromSeconds(10);
    private readonly Thread _writer;
    private readonly RateLimiter _rateLimiter = new();
    private readonly byte[][] _identity;
    private readonly byte[][] _priorityFields = new byte[8][];
    private readonly byte[] _stdoutTransport = "_TRANSPORT=stdout"u8.ToArray();

    private JournalService(JournalServiceOptions options, JournalStore store)
    {
        _options = options;
        _store = store;
        _identity =
        [
            Encoding.UTF8.GetBytes("_BOOT_ID=" + options.Store.BootId),
            Encoding.UTF8.GetBytes("_MACHINE_ID=" + options.Store.MachineId),
            Encoding.UTF8.GetBytes("_HOSTNAME=" + options.Hostname),
        ];
        for (int i = 0; i < 8; i++) _priorityFields[i] = Encoding.ASCII.GetBytes("PRIORITY=" + i.ToString(CultureInfo.InvariantCulture));
        _writer = new Thread(WriterLoop) { Name = "journal writer", IsBackground = true };
    }

    public JournalStore Store => _store;

    /// <summary>Opens the store and starts listening.</summary>
    public static JournalService Start(JournalServiceOptions options)
    {
        var store = JournalStore.Open(options.Store);
        var service = new JournalService(options, store);
        try
        {
            if (options.StdoutSocketPath != null)
            {
                var listener = service.Bind(options.StdoutSocketPath, SocketType.Stream);
                listener.Listen(4096);
                service._tasks.Add(Task.Run(() => service.AcceptLoop(listener)));
            }
            if (options.NativeSocketPath != null)
                service.StartDatagramThread(service.Bind(options.NativeSocketPath, SocketType.Dgram), native: true);
            if (options.SyslogSocketPath != null)
                service.StartDatagramThread(service.Bind(options.SyslogSocketPath, SocketType.Dgram), native: false);
            service._writer.Start();
            return service;
        }
        catch
        {
            foreach (var listener in service._listeners) listener.Dispose();
            store.Dispose();
            throw;
        }
    }

    private Socket Bind(string path, SocketType type)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        _listeners.Add(socket);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        if (Libc.chmod(path, 0x1B6 /* 0666, as journald */) != 0) throw Libc.Error("Cannot chmod", path);
        if (type == SocketType.Dgram)
        {
            Sockets.EnablePassCredentials(socket);
            socket.ReceiveBufferSize = 8 * 1024 * 1024;
        }
        return socket;
    }

    /// <summary>Appends an entry from the manager itself (manager messages, already carrying
    /// the manager's trusted fields): the identity fields are added here. Thread-safe.</summary>
    public ValueTask Write(JournalEntry entry, CancellationToken cancellationToken = default)
    {
        AddIdentity(entry);
        return _queue.Writer.WriteAsync([entry], cancellationToken);
    }

    private void AddIdentity(JournalEntry entry)
    {
        foreach (var field in _identity) entry.AddShared(field);
    }

    /// <summary>Builds the record for one client message: transport fields, then the sender's
    /// trusted fields, then the host identity; drops it if the sender's unit is over its rate
    /// limit and emits journald's "Suppressed N messages" record when a limited unit resumes.</summary>
    private bool Admit(JournalEntry entry, ClientContext context, int priority, TrustedFields trusted)
    {
        if (priority > context.LogLevelMax) return false;
        long dropped = _rateLimiter.Test(context.RateLimitGroup, context.RateLimitInterval, context.RateLimitBurst,
            priority, AvailableBytes());
        if (dropped < 0) return false;
        if (dropped > 0 && (context.Unit ?? context.UserUnit) is { } unit)
            _queue.Writer.TryWrite([Suppressed(unit, dropped, context)]);
        foreach (var field in trusted.Payloads) entry.AddShared(field);
        AddIdentity(entry);
        return true;
    }

    private JournalEntry Suppressed(string unit, long dropped, ClientContext context)
    {
        var entry = new JournalEntry()
            .Add("_TRANSPORT", "driver")
            .Add("SYSLOG_FACILITY", 3)
            .Add("SYSLOG_IDENTIFIER", _options.Identifier)
            .Add("PRIORITY", SyslogPriority.Info)
            .Add("MESSAGE_ID", MessageIds.JournalDropped)
            .Add("MESSAGE", $"Suppressed {dropped.ToString(CultureInfo.InvariantCulture)} messages from {unit}")
            .Add("N_DROPPED", dropped);
        if (context.Pid > 0) entry.Add("OBJECT_PID", context.Pid);
        entry.Add(_options.UserInstance ? "OBJECT_SYSTEMD_USER_UNIT" : "OBJECT_SYSTEMD_UNIT", unit);
        var self = ClientContext.Read(Environment.ProcessId, -1, -1);
        self.AddTo(entry);
        AddIdentity(entry);
        return entry;
    }

    private ulong _available = ulong.MaxValue;
    private long _availableCheckedTicks;

    /// <summary>Free space of the journal's file system, re-read at most once a second.</summary>
    private ulong AvailableBytes()
    {
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _availableCheckedTicks) > 1000)
        {
            try { _available = (ulong)new DriveInfo(_options.Store.Directory).AvailableFreeSpace; }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { }
            Interlocked.Exchange(ref _availableCheckedTicks, now);
        }
        return _available;
    }

    /// <summary>A sender's trusted fields, encoded once and shared by all its records.</summary>
    private sealed class TrustedFields
    {
        public TrustedFields(ClientContext context, bool userInstance)
        {
            var entry = new JournalEntry();
            context.AddTo(entry);
            if (userInstance && context.UserUnit == null && context.Unit != null)
            {
                // A user instance's units are user units whatever cgroup layout they run in.
                entry = new JournalEntry();
                (context with { UserUnit = context.Unit, Unit = null }).AddTo(entry);
            }
            Payloads = [.. entry.Payloads.Select(p => p.ToArray())];
        }

        public byte[][] Payloads { get; }
    }

    private async Task AcceptLoop(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try { connection = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            Track(Task.Run(() => StreamLoop(connection)));
        }
    }

    /// <summary>
    /// Reads a stdout stream the manager connected for one of its processes (StandardOutput=journal): the reading
    /// end of a stream socket whose other end the process writes to, header first as on the stdout socket.
    /// <paramref name="client"/> says whose it is (the process's trusted fields with the unit, invocation ID and
    /// log settings the manager knows); it is called once, at the first line. Takes ownership of <paramref name="fd"/>.
    /// </summary>
    public void AddStream(int fd, Func<ClientContext> client)
    {
        Socket socket = new(new SafeSocketHandle(fd, ownsHandle: true));
        Track(Task.Run(() => StreamLoop(socket, client)));
    }

    private void Track(Task stream)
    {
        lock (_streams) _streams.Add(stream);
        _ = stream.ContinueWith(t => { lock (_streams) _streams.Remove(t); }, TaskScheduler.Default);
    }

    /// <summary>One stdout stream: header, then lines until the peer closes. A client of the stdout socket is who
    /// its credentials say (and may name its unit only as root); a stream the manager connected is <paramref name="known"/>.</summary>
    private async Task StreamLoop(Socket connection, Func<ClientContext>? known = null)
    {
        using var socket = connection;
        var credentials = known is null ? Sockets.PeerCredentials(socket) : new Sockets.Credentials(0, 0, 0);
        socket.Shutdown(SocketShutdown.Send);
        var parser = new StdoutStreamParser(trustUnitId: credentials.Uid == 0, _options.LineMax);
        var pending = new List<JournalEntry>();
        ClientContext? context = null;
        TrustedFields? trusted = null;
        byte[] streamId = Encoding.ASCII.GetBytes("_STREAM_ID=" + Id128.NewRandom());
        byte[]? identifierField = null;
        var buffer = new byte[64 * 1024];

        void OnLine(ReadOnlySpan<byte> message, int priority, LineBreak lineBreak)
        {
            var header = parser.Header!;
            if (context == null)
            {
                context = known?.Invoke() ?? _options.ResolveContext(credentials.Pid, credentials.Uid, credentials.Gid);
                if (header.UnitId != null && context.Unit == null && context.UserUnit == null)
                    context = _options.UserInstance ? context with { UserUnit = header.UnitId } : context with { Unit = header.UnitId };
                trusted = new TrustedFields(context, _options.UserInstance);
                if (header.Identifier != null) identifierField = Encoding.UTF8.GetBytes("SYSLOG_IDENTIFIER=" + header.Identifier);
            }
            var entry = new JournalEntry();
            entry.AddShared(_stdoutTransport);
            entry.AddShared(streamId);
            entry.AddShared(_priorityFields[priority & 7]);
            if ((priority >> 3) != 0) entry.Add("SYSLOG_FACILITY", priority >> 3);
            if (identifierField != null) entry.AddShared(identifierField);
            if (lineBreak.FieldValue() is { } why) entry.Add("_LINE_BREAK", why);
            entry.Add("MESSAGE", message);
            if (Admit(entry, context, priority & 7, trusted!)) pending.Add(entry);
        }

        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, _streamsStopping.Token).ConfigureAwait(false);
                if (n == 0) { parser.Finish(OnLine); await Flush(pending).ConfigureAwait(false); return; }
                parser.Feed(buffer.AsSpan(0, n), OnLine);
                pending = await Flush(pending).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException)
        {
            // A malformed header closes the stream, as journald does; lines already taken stay.
            await Flush(pending).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    /// <summary>Queues a stream's pending lines as one batch; returns the list to fill next.</summary>
    private async ValueTask<List<JournalEntry>> Flush(List<JournalEntry> pending)
    {
        if (pending.Count == 0) return pending;
        if (!_queue.Writer.TryWrite(pending))
            await _queue.Writer.WriteAsync(pending, _streamsStopping.Token).ConfigureAwait(false);
        return [];
    }

    private void StartDatagramThread(Socket socket, bool native)
    {
        var thread = new Thread(() => DatagramLoop(socket, native)) { Name = native ? "journal native" : "journal syslog", IsBackground = true };
        thread.Start();
    }

    /// <summary>The native and syslog sockets: one datagram is one record.</summary>
    private void DatagramLoop(Socket socket, bool native)
    {
        var buffer = new byte[native ? 256 * 1024 : 64 * 1024];
        var fds = new List<int>();
        byte[] transport = Encoding.ASCII.GetBytes(native ? "_TRANSPORT=journal" : "_TRANSPORT=syslog");
        while (!_stopping.IsCancellationRequested)
        {
            fds.Clear();
            int n = Sockets.ReceiveDatagram(socket, buffer, out var credentials, fds, out bool truncated);
            if (n < 0 || _stopping.IsCancellationRequested) return;
            ReadOnlySpan<byte> message = buffer.AsSpan(0, n);
            byte[]? passed = null;
            foreach (int fd in fds)
            {
                // The memfd variant of the native protocol: the message is the file's contents.
                if (native && passed == null && (Sockets.IsSealed(fd) || credentials?.Uid == 0))
                    passed = Sockets.ReadPassedFile(fd, NativeProtocol.MaxFieldSize);
                _ = Libc.close(fd);
            }
            if (passed != null) message = passed;
            else if (fds.Count > 0 || truncated || n == 0) continue;

            var cred = credentials ?? new Sockets.Credentials(0, -1, -1);
            var context = _options.ResolveContext(cred.Pid, cred.Uid, cred.Gid);
            var entry = new JournalEntry();
            entry.AddShared(transport);
            int priority;
            if (native)
            {
                if (!NativeProtocol.TryParse(message, entry, out string? error))
                {
                    _options.ReportProblem($"dropped a native protocol message from PID {cred.Pid}: {error}");
                    continue;
                }
                priority = entry.Priority;
            }
            else
            {
                var syslog = SyslogMessage.Parse(message);
                syslog.AddTo(entry);
                priority = syslog.Priority & 7;
            }
            entry.Add("_SOURCE_REALTIME_TIMESTAMP", _options.Store.Clock.RealtimeMicroseconds.ToString(CultureInfo.InvariantCulture));
            if (Admit(entry, context, priority, new TrustedFields(context, _options.UserInstance)))
            {
                try { _queue.Writer.WriteAsync([entry], _stopping.Token).AsTask().GetAwaiter().GetResult(); }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException) { return; }
            }
        }
    }

    /// <summary>The one thread that touches the store: appends everything queued, then lets the
    /// store publish per its policy, sleeping until new entries arrive or a publication is due.</summary>
    private void WriterLoop()
    {
        var reader = _queue.Reader;
        while (true)
        {
            while (reader.TryRead(out var batch))
                foreach (var entry in batch)
                {
                    try { _store.Append(entry); }
                    catch (Exception e) when (e is IOException or InvalidDataException)
                    {
                        // Disk trouble: this entry is lost, the journal keeps serving.
                        _options.ReportProblem($"cannot append an entry to {_store.ActivePath}: {e.Message}");
                    }
                }
            try { _store.EndBatch(); }
            catch (IOException e) { _options.ReportProblem($"cannot publish {_store.ActivePath}: {e.Message}"); }
            var due = _store.NextDue;
            var wait = reader.WaitToReadAsync().AsTask();
            // Block on the task's wait handle: Task.Wait spins first, and a writer woken for every few lines would
            // spend a core spinning while services log.
            if (!wait.IsCompleted && !((IAsyncResult)wait).AsyncWaitHandle.WaitOne(due ?? Timeout.InfiniteTimeSpan))
                continue;
            if (!wait.GetAwaiter().GetResult() && reader.Completion.IsCompleted) return;
        }
    }

    /// <summary>Stops listening, writes what was queued and closes the store cleanly.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        foreach (var listener in _listeners)
        {
            try { listener.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
            listener.Dispose();
        }
        foreach (var path in new[] { _options.StdoutSocketPath, _options.NativeSocketPath, _options.SyslogSocketPath })
            if (path != null) File.Delete(path);
        try { await Task.WhenAll(_tasks).ConfigureAwait(false); } catch (OperationCanceledException) { }
        // Streams already connected end when their clients close them; give data in flight a moment.
        Task[] streams;
        lock (_streams) streams = [.. _streams];
        await Task.WhenAny(Task.WhenAll(streams), Task.Delay(StreamDrainTimeout)).ConfigureAwait(false);
        _streamsStopping.Cancel();
        await Task.WhenAll(streams).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        _writer.Join();
        _store.Dispose();
        _stopping.Dispose();
        _streamsStopping.Dispose();
    }
}
