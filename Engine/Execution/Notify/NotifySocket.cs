using System.Runtime.InteropServices;
using System.Text;
using Units.Execution.Cgroups;
using Units.Execution.Native;

namespace Units.Execution.Notify;

/// <summary>
/// The manager's NOTIFY_SOCKET: an AF_UNIX datagram socket with SO_PASSCRED, read on its own thread. Each message is
/// handed to <c>received</c> with the sender's pid/uid/gid from SCM_CREDENTIALS (the kernel's word, not the
/// sender's) and its cgroup; the loop decides which unit it belongs to and whether NotifyAccess= admits it.
/// </summary>
public sealed unsafe class NotifySocket : IDisposable
{
    private const int MaxMessage = 4096; // systemd's NOTIFY_BUFFER_MAX is PIPE_BUF
    private readonly int _fd;
    private readonly Action<NotifyMessage> _received;
    private readonly CgroupHierarchy? _cgroups;
    private volatile bool _disposed;

    public NotifySocket(string path, Action<NotifyMessage> received, CgroupHierarchy? cgroups)
    {
        Path = path;
        _received = received;
        _cgroups = cgroups;
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
            throw new ArgumentException($"NOTIFY_SOCKET path too long: {path}", nameof(path));
        _fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (_fd < 0)
            throw Error("socket");
        File.Delete(path);
        byte* address = stackalloc byte[110];
        new Span<byte>(address, 110).Clear();
        *(ushort*)address = Libc.AF_UNIX;
        bytes.CopyTo(new Span<byte>(address + 2, 108));
        if (Libc.bind(_fd, address, 2 + bytes.Length + 1) < 0)
            throw Error("bind " + path);
        // Like systemd's: every service may send, whatever its User= (senders are checked by SCM_CREDENTIALS).
        if (Libc.chmod(path, 0x1FF) < 0)
            throw Error("chmod " + path);
        int one = 1;
        Libc.setsockopt(_fd, Libc.SOL_SOCKET, Libc.SO_PASSCRED, &one, sizeof(int));
        int buffer = 8 * 1024 * 1024; // many services report at once during boot
        Libc.setsockopt(_fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &buffer, sizeof(int));
        new Thread(Loop) { IsBackground = true, Name = "unitsd notify" }.Start();
    }

    /// <summary>The socket's path: the value of $NOTIFY_SOCKET for services.</summary>
    public string Path { get; }

    private void Loop()
    {
        byte* data = stackalloc byte[MaxMessage];
        byte* control = stackalloc byte[256];
        while (!_disposed)
        {
            var vector = new Libc.IoVector { Base = data, Length = MaxMessage };
            var header = new Libc.MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = 256 };
            nint n = Libc.recvmsg(_fd, &header, Libc.MSG_CMSG_CLOEXEC);
            if (n < 0)
            {
                if (_disposed)
                    return;
                continue;
            }
            int pid = 0, uid = -1, gid = -1, fds = 0;
            bool hasCredentials = false;
            // cmsghdr: size_t len; int level; int type; data (aligned to 8)
            for (byte* c = control; c + 16 <= control + (int)header.ControlLength;)
            {
                nuint length = *(nuint*)c;
                int level = *(int*)(c + 8), type = *(int*)(c + 12);
                if (length < 16)
                    break;
                if (level == Libc.SOL_SOCKET && type == Libc.SCM_CREDENTIALS && length >= 16 + 12)
                {
                    pid = *(int*)(c + 16);
                    uid = *(int*)(c + 20);
                    gid = *(int*)(c + 24);
                    hasCredentials = true;
                }
                else if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS)
                {
                    // FDSTORE= is not supported: close what was sent so it does not leak into us.
                    for (nuint at = 16; at + 4 <= length; at += 4, fds++)
                        Libc.close(*(int*)(c + at));
                }
                c += (int)((length + 7) & ~(nuint)7);
            }
            // Truncated or anonymous messages are dropped, as systemd does.
            if (!hasCredentials || pid <= 0 || (header.Flags & Libc.MSG_TRUNC) != 0 || n == 0)
                continue;
            var fields = NotifyMessage.ParseFields(new ReadOnlySpan<byte>(data, (int)n));
            if (fields.Count == 0)
                continue;
            _received(new NotifyMessage(pid, uid, gid, _cgroups?.CgroupOf(pid), fields, fds));
        }
    }

    private static InvalidOperationException Error(string call) =>
        new($"{call}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");

    public void Dispose()
    {
        _disposed = true;
        Libc.shutdown(_fd, 2); // wakes the blocked recvmsg
        Libc.close(_fd);
        File.Delete(Path);
    }
}
