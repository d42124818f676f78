using System.Runtime.InteropServices;

namespace Units.Daemon;

/// <summary>The libc calls the daemon itself makes: credentials, file access checks, and the log plumbing's
/// credential-passing socket pair.</summary>
internal static unsafe partial class Native
{
    public const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_PASSCRED = 16, SO_RCVTIMEO = 20, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    public const int SHUT_RDWR = 2, MSG_CMSG_CLOEXEC = 0x40000000, MSG_CTRUNC = 0x8;
    public const int EINTR = 4, EAGAIN = 11, ESRCH = 3;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
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
    public struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UCred
    {
        public int Pid;
        public int Uid;
        public int Gid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    /// <summary>struct stat of x86-64/aarch64 glibc, as far as the device and inode ($JOURNAL_STREAM).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Stat
    {
        public ulong Device;
        public ulong Inode;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstat(int fd, Stat* stat);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc")]
    public static partial int isatty(int fd);

    [LibraryImport("libc")]
    public static partial uint getegid();

    [StructLayout(LayoutKind.Sequential)]
    public struct Group
    {
        public byte* Name;
        public byte* Password;
        public uint Id;
        public byte** Members;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial Group* getgrnam([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    public const int X_OK = 1, W_OK = 2;
}
