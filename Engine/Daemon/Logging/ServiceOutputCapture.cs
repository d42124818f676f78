using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Units.Journal;
using Units.Journal.Capture;
using Units.Journal.Format;

namespace Units.Daemon.Logging;

/// <summary>What the manager knows about a process it spawned: its unit, and the identifier its output is
/// logged under (SyslogIdentifier=, else the program's base name), as systemd puts them in a stream's header.</summary>
internal sealed record ProcessOrigin(string Unit, string? Identifier);

/// <summary>
/// StandardOutput=journal / StandardError=journal for every service: one stream socket pair whose
/// writing end is handed to each spawned command (ExecutionOptions.JournalFd) and whose reading end
/// has SO_PASSCRED, so each read carries the PID of the process that wrote it (the kernel never joins
/// the writes of two processes in one read). Each writer PID is its own stream, split into lines as
/// journald splits a stdout stream (<see cref="StdoutStreamParser"/>: newlines, NUL, LineMax, "&lt;N&gt;"
/// prefixes, a last unterminated line marked eof) and stamped with the trusted fields of that PID:
/// _PID, _UID, _GID, _COMM, _EXE, _CMDLINE, _SYSTEMD_CGROUP, _SYSTEMD_UNIT or _SYSTEMD_USER_UNIT.
/// A process already reaped when its first bytes are read is attributed through the manager's
/// record of main and control PIDs (<see cref="Origins"/>), as journald knows the unit of a stream
/// whose sender is gone from the stream's header; the fields only /proc has are then missing, as
/// they are in journald.
/// </summary>
internal sealed unsafe class ServiceOutputCapture : IDisposable
{
    private const int ReadSize = 64 * 1024;
    private readonly JournalService _journal;
    private readonly bool _userInstance;
    private readonly int _readFd;
    private readonly Thread _reader;
    private readonly Dictionary<int, PidStream> _streams = [];
    // Output of processes gone before they could be attributed, until the manager has recorded them.
    private readonly Dictionary<int, Unattributed> _unattributed = [];
    private static readonly TimeSpan s_attributionWait = TimeSpan.FromSeconds(3);
    private volatile bool _stopping;

    /// <summary>The processes the manager spawned or adopted, kept for a while after they exit (filled on
    /// the manager loop, read on the capture thread).</summary>
    public ConcurrentDictionary<int, ProcessOrigin> Origins { get; } = new();

    /// <summary>The descriptor services write their output to.</summary>
    public int WriteFd { get; }

    public ServiceOutputCapture(JournalService journal, bool userInstance)
    {
        _journal = journal;
        _userInstance = userInstance;
        int* fds = stackalloc int[2];
        if (Native.socketpair(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0, fds) != 0)
            throw new IOException($"Cannot create the service output socket pair: {Marshal.GetLastPInvokeErrorMessage()}");
        _readFd = fds[0];
        WriteFd = fds[1];
        int one = 1;
        // Wake once a second even when nothing arrives, to end the streams of processes that are gone.
        var timeout = new Native.TimeVal { Seconds = 1 };
        if (Native.setsockopt(_readFd, Native.SOL_SOCKET, Native.SO_PASSCRED, &one, sizeof(int)) != 0 ||
            Native.setsockopt(_readFd, Native.SOL_SOCKET, Native.SO_RCVTIMEO, &timeout, (uint)sizeof(Native.TimeVal)) != 0)
        {
            string error = Marshal.GetLastPInvokeErrorMessage();
            Native.close(_readFd);
            Native.close(WriteFd);
            throw new IOException($"Cannot set up the service output socket: {error}");
        }
        _reader = new Thread(ReadLoop) { Name = "service output", IsBackground = true };
        _reader.Start();
    }

    private void ReadLoop()
    {
        byte[] data = new byte[ReadSize];
        byte* control = stackalloc byte[256];
        long lastSweep = Environment.TickCount64;
        while (!_stopping)
        {
            Native.UCred? sender = null;
            nint n;
            fixed (byte* buffer = data)
            {
                var iov = new Native.IoVec { Base = buffer, Length = (nuint)data.Length };
                var message = new Native.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 256 };
                n = Native.recvmsg(_readFd, &message, Native.MSG_CMSG_CLOEXEC);
                if (n >= 0)
                    sender = ReadControl(&message);
            }
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is not (Native.EAGAIN or Native.EINTR))
                    return;
            }
            else if (n == 0)
            {
                return; // Shut down by Dispose.
            }
            else if (sender is { Pid: > 0 } writer)
            {
                Take(writer, data.AsSpan(0, (int)n));
            }
            if (n <= 0 || Environment.TickCount64 - lastSweep > 1000)
            {
                AttributeWaitingOutput(force: false);
                EndStreamsOfGoneProcesses();
                lastSweep = Environment.TickCount64;
            }
        }
    }

    /// <summary>The sender's credentials; descriptors a service passed along are closed.</summary>
    private static Native.UCred? ReadControl(Native.MsgHdr* message)
    {
        Native.UCred? credentials = null;
        byte* at = (byte*)message->Control;
        byte* end = at + message->ControlLength;
        while (at + sizeof(Native.CmsgHdr) <= end)
        {
            var header = (Native.CmsgHdr*)at;
            if (header->Length < (nuint)sizeof(Native.CmsgHdr) || at + header->Length > end)
                break;
            byte* payload = at + sizeof(Native.CmsgHdr);
            int length = (int)header->Length - sizeof(Native.CmsgHdr);
            if (header->Level == Native.SOL_SOCKET && header->Type == Native.SCM_CREDENTIALS && length >= sizeof(Native.UCred))
                credentials = *(Native.UCred*)payload;
            else if (header->Level == Native.SOL_SOCKET && header->Type == Native.SCM_RIGHTS)
                for (int i = 0; i + sizeof(int) <= length; i += sizeof(int))
                    Native.close(*(int*)(payload + i));
            at += (header->Length + 7) & ~(nuint)7;
        }
        return credentials;
    }

    private void Take(Native.UCred writer, ReadOnlySpan<byte> data)
    {
        if (_streams.TryGetValue(writer.Pid, out PidStream? stream))
        {
            stream.Feed(data);
            return;
        }
        if (!_unattributed.TryGetValue(writer.Pid, out Unattributed? waiting))
        {
            Origins.TryGetValue(writer.Pid, out ProcessOrigin? origin);
            ClientContext context = Resolve(writer, origin);
            if (context.Unit is not null || context.UserUnit is not null || context.Cgroup is not null)
            {
                stream = _streams[writer.Pid] = new PidStream(this, context, origin?.Identifier);
                stream.Feed(data);
                return;
            }
            // Gone already, and the manager has not said yet whose it was (it learns of its main PID on its loop).
            _unattributed[writer.Pid] = waiting = new Unattributed(writer, Environment.TickCount64 + (long)s_attributionWait.TotalMilliseconds);
        }
        waiting.Bytes.Write(data);
    }

    /// <summary>Turns waiting output into streams once the manager knows its process, or at the deadline
    /// (or at once with <paramref name="force"/>) without a unit.</summary>
    private void AttributeWaitingOutput(bool force)
    {
        List<int>? done = null;
        foreach ((int pid, Unattributed waiting) in _unattributed)
        {
            bool known = Origins.TryGetValue(pid, out ProcessOrigin? origin);
            if (!known && !force && Environment.TickCount64 < waiting.Deadline)
                continue;
            var stream = _streams[pid] = new PidStream(this, Resolve(waiting.Writer, origin), origin?.Identifier);
            stream.Feed(waiting.Bytes.GetBuffer().AsSpan(0, (int)waiting.Bytes.Length));
            (done ??= []).Add(pid);
        }
        foreach (int pid in done ?? [])
            _unattributed.Remove(pid);
    }

    private sealed record Unattributed(Native.UCred Writer, long Deadline)
    {
        public MemoryStream Bytes { get; } = new();
    }

    /// <summary>The writer's trusted fields, read from /proc while it exists; its unit from the manager's
    /// record when it is already gone.</summary>
    private ClientContext Resolve(Native.UCred writer, ProcessOrigin? origin)
    {
        ClientContext context = ClientContext.Read(writer.Pid, writer.Uid, writer.Gid);
        if (context.Unit is null && context.UserUnit is null && origin is not null)
            context = context with { Unit = origin.Unit };
        // A user instance's units are user units whatever cgroup layout it runs in.
        if (_userInstance && context.UserUnit is null && context.Unit is not null)
            context = context with { UserUnit = context.Unit, Unit = null };
        return context;
    }

    private void EndStreamsOfGoneProcesses()
    {
        List<int>? gone = null;
        foreach (int pid in _streams.Keys)
            if (Native.kill(pid, 0) != 0 && Marshal.GetLastPInvokeError() == Native.ESRCH)
                (gone ??= []).Add(pid);
        if (gone is null)
            return;
        foreach (int pid in gone)
        {
            _streams[pid].Finish();
            _streams.Remove(pid);
        }
    }

    /// <summary>Stops reading once what services wrote so far is taken; lines still open are ended.</summary>
    public void Dispose()
    {
        _stopping = true;
        Native.shutdown(_readFd, Native.SHUT_RDWR);
        _reader.Join();
        AttributeWaitingOutput(force: true);
        foreach (PidStream stream in _streams.Values)
            stream.Finish();
        _streams.Clear();
        Native.close(_readFd);
        Native.close(WriteFd);
    }

    /// <summary>One writer's bytes, as journald treats one stdout stream.</summary>
    private sealed class PidStream
    {
        private static readonly byte[] s_transport = "_TRANSPORT=stdout"u8.ToArray();
        private readonly ServiceOutputCapture _owner;
        private readonly StdoutStreamParser _parser = new(trustUnitId: false);
        private readonly byte[][] _trusted;
        private readonly byte[] _streamId = Encoding.ASCII.GetBytes("_STREAM_ID=" + Id128.NewRandom());
        private readonly byte[]? _identifier;
        private readonly StdoutStreamParser.LineHandler _onLine;

        public PidStream(ServiceOutputCapture owner, ClientContext context, string? identifier)
        {
            _owner = owner;
            var fields = new JournalEntry();
            context.AddTo(fields);
            _trusted = [.. fields.Payloads.Select(p => p.ToArray())];
            // systemd's identifier for a command's output: SyslogIdentifier=, else the base name of the program.
            identifier ??= (context.CommandLine?.Split(' ', 2)[0] ?? context.Comm) is { Length: > 0 } program ? Path.GetFileName(program) : null;
            if (!string.IsNullOrEmpty(identifier))
                _identifier = Encoding.UTF8.GetBytes("SYSLOG_IDENTIFIER=" + identifier);
            _onLine = OnLine;
            // The header a service's stream would start with: level prefixes honoured, priority info.
            _parser.Feed(new StdoutStreamHeader().Encode(), _onLine);
        }

        public void Feed(ReadOnlySpan<byte> data) => _parser.Feed(data, _onLine);

        public void Finish() => _parser.Finish(_onLine);

        private void OnLine(ReadOnlySpan<byte> message, int priority, LineBreak lineBreak)
        {
            var entry = new JournalEntry();
            entry.AddShared(s_transport);
            entry.AddShared(_streamId);
            entry.Add("PRIORITY", priority & 7);
            if ((priority >> 3) != 0)
                entry.Add("SYSLOG_FACILITY", priority >> 3);
            if (_identifier is not null)
                entry.AddShared(_identifier);
            if (lineBreak.FieldValue() is { } why)
                entry.Add("_LINE_BREAK", why);
            entry.Add("MESSAGE", message);
            foreach (byte[] field in _trusted)
                entry.AddShared(field);
            ValueTask queued = _owner._journal.Write(entry);
            if (!queued.IsCompleted)
                queued.AsTask().GetAwaiter().GetResult(); // Back-pressure: writers wait while the journal catches up.
        }
    }
}
