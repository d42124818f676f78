using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Units.Journal.Native;

/// <summary>Unix-socket calls .NET does not offer: recvmsg with SCM_CREDENTIALS/SCM_RIGHTS,
/// SO_PASSCRED, SO_PEERCRED, and reading a passed memfd.</summary>
internal static unsafe partial class Sockets
{
    private const int SOL_SOCKET = 1, SO_PASSCRED = 16, SO_PEERCRED = 17, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    private const int MSG_CMSG_CLOEXEC = 0x40000000, MSG_TRUNC = 0x20;
    private const int F_GET_SEALS = 1034, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public byte* Base; public nuint Length; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public uint NameLength;
        public IoVec* Iov; public nuint IovLength;
        public void* Control; public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fstat(int fd, byte* stat);

    public readonly record struct Credentials(int Pid, int Uid, int Gid);

    public static void EnablePassCredentials(Socket socket) =>
        socket.SetRawSocketOption(SOL_SOCKET, SO_PASSCRED, BitConverter.GetBytes(1));

    public static Credentials PeerCredentials(Socket socket)
    {
        Span<byte> cred = stackalloc byte[12];
        socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, cred);
        return new Credentials(BitConverter.ToInt32(cred), BitConverter.ToInt32(cred[4..]), BitConverter.ToInt32(cred[8..]));
    }

    /// <summary>Receives one datagram (blocking). Returns its length (-1 when the socket was
    /// closed), the sender's credentials if passed, and any file descriptors passed with it.</summary>
    public static int ReceiveDatagram(Socket socket, byte[] buffer, out Credentials? credentials, List<int> fds, out bool truncated)
    {
        credentials = null;
        truncated = false;
        byte* control = stackalloc byte[512];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var header = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 512 };
            nint n;
            while (true)
            {
                n = recvmsg((int)socket.Handle, &header, MSG_CMSG_CLOEXEC);
                if (n >= 0) break;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                return -1;
            }
            truncated = (header.Flags & MSG_TRUNC) != 0;
            // Walk the control messages: struct cmsghdr { size_t len; int level; int type; data... }, 8-aligned.
            byte* p = control, end = control + header.ControlLength;
            while (p + 16 <= end)
            {
                nuint length = *(nuint*)p;
                if (length < 16 || p + length > end) break;
                int level = *(int*)(p + 8), type = *(int*)(p + 12);
                byte* payload = p + 16;
                if (level == SOL_SOCKET && type == SCM_CREDENTIALS && length >= 16 + 12)
                    credentials = new Credentials(*(int*)payload, *(int*)(payload + 4), *(int*)(payload + 8));
                else if (level == SOL_SOCKET && type == SCM_RIGHTS)
                    for (nuint i = 0; i + 4 <= length - 16; i += 4) fds.Add(*(int*)(payload + i));
                p += (length + 7) & ~(nuint)7;
            }
            return (int)n;
        }
    }

    /// <summary>Whether a passed memfd is sealed against changes (journald requires that from
    /// unprivileged senders, so the data cannot change while it is read).</summary>
    public static bool IsSealed(int fd)
    {
        int seals = fcntl(fd, F_GET_SEALS, 0);
        int required = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
        return seals >= 0 && (seals & required) == required;
    }

    /// <summary>Reads a passed file up to <paramref name="limit"/> bytes; null if larger or unreadable.</summary>
    public static byte[]? ReadPassedFile(int fd, long limit)
    {
        byte* stat = stackalloc byte[144];
        if (fstat(fd, stat) != 0) return null;
        uint mode = *(uint*)(stat + 24);
        if ((mode & 0xF000) != 0x8000) return null; // S_ISREG
        long size = *(long*)(stat + 48);
        if (size < 0 || size > limit) return null;
        var data = GC.AllocateUninitializedArray<byte>((int)size);
        fixed (byte* p = data)
        {
            try { Libc.ReadAll(fd, p, size, 0, "passed file descriptor"); }
            catch (IOException) { return null; }
        }
        return data;
    }
}
