using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Units.DBus;

/// <summary>The few libc calls .NET does not expose: sendmsg/recvmsg with SCM_RIGHTS, and fd duplication.</summary>
internal static unsafe partial class Native
{
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const int SO_PEERCRED = 17;
    private const int MSG_CTRUNC = 0x8;
    private const int MSG_DONTWAIT = 0x40;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int MSG_CMSG_CLOEXEC = 0x40000000;
    private const int F_DUPFD_CLOEXEC = 1030;
    internal const int EAGAIN = 11;
    private const int EINTR = 4;

    // Room for more fds than we accept, so an excess is seen (and refused) rather than truncated silently.
    internal const int ReceiveFdCapacity = ProtocolLimits.MaxUnixFdsPerMessage * 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendBytes(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    private static int CmsgAlign(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    private static int CmsgSpace(int dataLength) => CmsgAlign(sizeof(CmsgHdr)) + CmsgAlign(dataLength);

    /// <summary>A close-on-exec duplicate of <paramref name="handle"/> that the caller owns.</summary>
    public static SafeFileHandle Duplicate(SafeHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = Fcntl((int)handle.DangerousGetHandle(), F_DUPFD_CLOEXEC, 3);
            if (fd < 0)
                throw new IOException($"cannot duplicate fd: errno {Marshal.GetLastPInvokeError()}");
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>Non-blocking recvmsg: bytes read (0 at end of stream), or -1 if nothing is available now.
    /// Received fds go to <paramref name="fds"/>; a truncated fd list is a protocol violation.</summary>
    public static int TryReceive(Socket socket, Span<byte> buffer, UnixFdQueue fds)
    {
        int controlLength = CmsgSpace(ReceiveFdCapacity * sizeof(int));
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var header = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            nint result;
            using (var fd = new FdLease(socket))
            {
                do
                    result = RecvMsg(fd.Value, &header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
            }
            if (result < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EAGAIN)
                    return -1;
                throw new SocketException(errno);
            }
            CollectFds(&header, fds);
            if ((header.Flags & MSG_CTRUNC) != 0)
                throw new ProtocolException("peer sent more fds than one read accepts");
            return (int)result;
        }
    }

    private static void CollectFds(MsgHdr* header, UnixFdQueue fds)
    {
        byte* position = (byte*)header->Control;
        byte* end = position + header->ControlLength;
        // Every fd is taken into ownership first, so none leaks if the queue then refuses them.
        while (position + sizeof(CmsgHdr) <= end)
        {
            var cmsg = (CmsgHdr*)position;
            if (cmsg->Length < (nuint)sizeof(CmsgHdr) || position + cmsg->Length > end)
                break;
            if (cmsg->Level == SOL_SOCKET && cmsg->Type == SCM_RIGHTS)
            {
                int count = (int)((cmsg->Length - (nuint)CmsgAlign(sizeof(CmsgHdr))) / sizeof(int));
                int* received = (int*)(position + CmsgAlign(sizeof(CmsgHdr)));
                var owned = new SafeFileHandle[count];
                for (int i = 0; i < count; i++)
                    owned[i] = new SafeFileHandle(received[i], ownsHandle: true);
                try
                {
                    foreach (SafeFileHandle fd in owned)
                        fds.Add(fd);
                }
                catch
                {
                    foreach (SafeFileHandle fd in owned)
                        fd.Dispose();
                    throw;
                }
            }
            position += CmsgAlign((int)cmsg->Length);
        }
    }

    /// <summary>Non-blocking sendmsg of <paramref name="bytes"/> with <paramref name="fds"/> attached:
    /// bytes sent, or -1 if the socket cannot take anything now.</summary>
    public static int TrySendWithFds(Socket socket, ReadOnlySpan<byte> bytes, SafeFileHandle[] fds)
    {
        int controlLength = CmsgSpace(fds.Length * sizeof(int));
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var cmsg = (CmsgHdr*)control;
        cmsg->Length = (nuint)(CmsgAlign(sizeof(CmsgHdr)) + fds.Length * sizeof(int));
        cmsg->Level = SOL_SOCKET;
        cmsg->Type = SCM_RIGHTS;
        int* slots = (int*)(control + CmsgAlign(sizeof(CmsgHdr)));
        for (int i = 0; i < fds.Length; i++)
            slots[i] = (int)fds[i].DangerousGetHandle();
        fixed (byte* data = bytes)
        {
            var iov = new IoVec { Base = data, Length = (nuint)bytes.Length };
            var header = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            nint result;
            using (var fd = new FdLease(socket))
            {
                do
                    result = SendMsg(fd.Value, &header, MSG_DONTWAIT | MSG_NOSIGNAL);
                while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
            }
            if (result >= 0)
                return (int)result;
            int errno = Marshal.GetLastPInvokeError();
            return errno == EAGAIN ? -1 : throw new SocketException(errno);
        }
    }

    /// <summary>Non-blocking send: bytes sent, or -1 if the socket cannot take anything now.</summary>
    public static int TrySend(Socket socket, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* data = bytes)
        {
            nint result;
            using (var fd = new FdLease(socket))
            {
                do
                    result = SendBytes(fd.Value, data, (nuint)bytes.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
                while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
            }
            if (result >= 0)
                return (int)result;
            int errno = Marshal.GetLastPInvokeError();
            return errno == EAGAIN ? -1 : throw new SocketException(errno);
        }
    }

    // Holds a reference on the socket's handle for the length of one system call. A raw fd number outlives
    // Dispose, and once closed the kernel reuses it: without the lease a connection closing on another
    // thread could make us read or write some other connection's socket. Throws ObjectDisposedException
    // if the socket is already closed.
    private readonly ref struct FdLease
    {
        private readonly SafeSocketHandle _handle;

        public FdLease(Socket socket)
        {
            _handle = socket.SafeHandle;
            bool added = false;
            _handle.DangerousAddRef(ref added);
            Value = (int)_handle.DangerousGetHandle();
        }

        public int Value { get; }

        public void Dispose() => _handle.DangerousRelease();
    }

    /// <summary>SO_PEERCRED of a connected UNIX socket.</summary>
    public static PeerCredentials GetPeerCredentials(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        int length = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, ucred);
        if (length < 12)
            throw new IOException("SO_PEERCRED returned short data");
        return new PeerCredentials(
            MemoryMarshal.Read<int>(ucred),
            MemoryMarshal.Read<uint>(ucred[4..]),
            MemoryMarshal.Read<uint>(ucred[8..]));
    }
}

/// <summary>Who is on the other end of a UNIX socket, from the kernel (SO_PEERCRED), for authorisation.</summary>
public readonly record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId);

internal static partial class NativeIdentity
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();
}
