using System.Globalization;
using System.Runtime.InteropServices;
using Units.Execution;
using Units.Journal;
using Units.Journal.Capture;

namespace Units.Daemon.Logging;

/// <summary>
/// StandardOutput=journal / StandardError=journal: each spawned command gets a stream of its own, as systemd connects
/// each to journald's stdout socket. The stream is one end of a socket pair whose other end the command writes to;
/// the manager writes systemd's stream header (identifier, unit, priority, level prefix) into it first, then the journal
/// reads it as it reads any stdout stream (<see cref="JournalService.AddStream"/>), stamping its lines with the unit, the
/// invocation ID, the unit's log settings and the trusted fields of the process it was opened for.
/// </summary>
internal sealed class ServiceLogStreams(JournalService journal, bool userInstance) : IJournalStreams
{
    public IJournalStream? Open(JournalStreamRequest request) => new Stream(journal, userInstance, request);

    private sealed unsafe class Stream : IJournalStream
    {
        private readonly JournalService _journal;
        private readonly bool _userInstance;
        private readonly JournalStreamRequest _request;
        private int _readFd, _writeFd;

        public Stream(JournalService journal, bool userInstance, JournalStreamRequest request)
        {
            _journal = journal;
            _userInstance = userInstance;
            _request = request;
            int* fds = stackalloc int[2];
            if (Native.socketpair(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0, fds) != 0)
                throw new IOException($"Cannot create a journal stream for {request.Unit}: {Marshal.GetLastPInvokeErrorMessage()}");
            _readFd = fds[0];
            _writeFd = fds[1];
            // The header fits the socket buffer many times over: it is written whole before the command starts.
            byte[] header = new StdoutStreamHeader
            {
                Identifier = request.Identifier,
                UnitId = request.Unit,
                Priority = request.Priority,
                LevelPrefix = request.LevelPrefix,
            }.Encode();
            fixed (byte* bytes = header)
            {
                if (Native.write(_writeFd, bytes, (nuint)header.Length) != header.Length)
                {
                    string error = Marshal.GetLastPInvokeErrorMessage();
                    Dispose();
                    throw new IOException($"Cannot write the journal stream header for {request.Unit}: {error}");
                }
            }
            Native.Stat stat;
            DeviceInode = Native.fstat(_writeFd, &stat) == 0
                ? string.Create(CultureInfo.InvariantCulture, $"{stat.Device}:{stat.Inode}")
                : "";
        }

        public int WriteFd => _writeFd;

        public string DeviceInode { get; }

        public void Started(int pid)
        {
            Native.close(_writeFd);
            _writeFd = -1;
            int readFd = _readFd;
            _readFd = -1;
            _journal.AddStream(readFd, () => Context(pid));
        }

        /// <summary>The process's trusted fields while it exists (read at the stream's first line), with what the
        /// manager knows better: its unit, invocation ID and log settings.</summary>
        private ClientContext Context(int pid)
        {
            ClientContext context = ClientContext.Read(pid, -1, -1);
            if (context.Uid < 0)
                context = context with { Uid = _request.Uid, Gid = _request.Gid };
            return context with
            {
                Unit = _userInstance ? null : _request.Unit,
                UserUnit = _userInstance ? _request.Unit : null,
                InvocationId = _request.InvocationId.Length > 0 ? _request.InvocationId : null,
                LogLevelMax = _request.LogLevelMax,
                ExtraFields = _request.ExtraFields,
                RateLimitInterval = _request.RateLimitIntervalUSec is { } interval ? TimeSpan.FromTicks((long)interval * 10) : context.RateLimitInterval,
                RateLimitBurst = _request.RateLimitBurst ?? context.RateLimitBurst,
            };
        }

        public void Dispose()
        {
            if (_writeFd >= 0)
                Native.close(_writeFd);
            if (_readFd >= 0)
                Native.close(_readFd);
            _writeFd = _readFd = -1;
        }
    }
}
