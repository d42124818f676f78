using System.Runtime.InteropServices;

namespace Units.Execution.Native;

/// <summary>The libc calls execution needs (glibc, Linux). Source-generated marshalling: AOT-clean.</summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int O_CLOEXEC = 0x80000;
    public const int O_NONBLOCK = 0x800;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ECHILD = 10;
    public const int ESRCH = 3;

    public const int P_ALL = 0;
    public const int P_PID = 1;
    public const int WNOWAIT = 0x01000000;
    public const int WEXITED = 4;
    public const int WNOHANG = 1;
    public const int CLD_EXITED = 1;
    public const int CLD_KILLED = 2;
    public const int CLD_DUMPED = 3;

    public const int PR_SET_CHILD_SUBREAPER = 36;

    public const int AF_UNIX = 1;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOL_SOCKET = 1;
    public const int SO_PASSCRED = 16;
    public const int SO_RCVBUF = 8;
    public const int SCM_CREDENTIALS = 2;
    public const int SCM_RIGHTS = 1;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
    public const int MSG_TRUNC = 0x20;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 1;
    public const uint EPOLLHUP = 0x10;

    public const int IN_CLOEXEC = 0x80000;
    public const int IN_NONBLOCK = 0x800;
    public const uint IN_MODIFY = 2;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    // struct passwd and struct group: the name and password pointers, then the 32-bit id (in passwd, then the GID).
    private const int IdOffset = 16;
    private const int PasswdGidOffset = 20;

    [LibraryImport(Lib, EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getpwnam_raw(string name);

    [LibraryImport(Lib, EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getgrnam_raw(string name);

    [LibraryImport(Lib)]
    private static partial nint getpwuid(uint uid);

    [LibraryImport(Lib)]
    private static partial nint getgrgid(uint gid);

    /// <summary>The UID and primary GID of a user in the user database (NSS), or null.</summary>
    public static (uint Uid, uint Gid)? UserIds(string name) =>
        getpwnam_raw(name) is var entry and not 0 ? (*(uint*)(entry + IdOffset), *(uint*)(entry + PasswdGidOffset)) : null;

    /// <summary>The GID of a group in the group database (NSS), or null.</summary>
    public static uint? GroupId(string name) => getgrnam_raw(name) is var entry and not 0 ? *(uint*)(entry + IdOffset) : null;

    public static bool UserExists(uint uid) => getpwuid(uid) != 0;

    [LibraryImport(Lib, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int stat_raw(string path, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat_raw(string path, byte* buffer);

    /// <summary>The owner of a file, following links, or null when it cannot be read.</summary>
    public static uint? OwnerOf(string path) => Owners(path, follow: true)?.Uid;

    /// <summary>The owning user and group of a file itself (a link is not followed), or null.</summary>
    public static (uint Uid, uint Gid)? OwnerIds(string path) => Owners(path, follow: false);

    // x86-64 struct stat: st_uid at byte 28, st_gid at 32.
    private static (uint Uid, uint Gid)? Owners(string path, bool follow)
    {
        byte* buffer = stackalloc byte[256];
        return (follow ? stat_raw(path, buffer) : lstat_raw(path, buffer)) == 0 ? (*(uint*)(buffer + 28), *(uint*)(buffer + 32)) : null;
    }

    public const int IPC_RMID = 0;
    public const int EINVAL = 22;
    public const int EIDRM = 43;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int shmctl(int id, int command, nint buffer);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int semctl(int id, int number, int command);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int msgctl(int id, int command, nint buffer);

    public static bool GroupExists(uint gid) => getgrgid(gid) != 0;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Lib)]
    public static partial uint geteuid();

    [LibraryImport(Lib)]
    public static partial uint getegid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    public const int O_DIRECTORY = 0x10000;

    /// <summary>Engine/Executor/unitsd-spawn.c: the pid of a child born in the cgroup <paramref name="cgroupFd"/> is
    /// open on, with fds[i] at 3 + i; or -errno (-ENOSYS: use posix_spawn).</summary>
    [LibraryImport("libunitsd-spawn", EntryPoint = "units_spawn")]
    public static partial int units_spawn(byte* path, byte** argv, byte** envp, int* fds, int fdCount, int cgroupFd);

    public const int ENOSYS = 38;

    /// <summary>Returns an error number (not -1/errno) as POSIX specifies.</summary>
    [LibraryImport(Lib)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newFd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitid(int idType, int id, byte* info, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib)]
    public static partial int getpid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int bind(int fd, byte* address, int length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recvmsg(int fd, MessageHeader* message, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int inotify_init1(int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int inotify_add_watch(int fd, string path, uint mask);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int inotify_rm_watch(int fd, int wd);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdir(string path, uint mode);

    public const int EEXIST = 17;
    public const int ENOENT = 2;

    public const int GLOB_NOSORT = 1 << 2;
    public const int GLOB_BRACE = 1 << 10;

    /// <summary>glob_t is 72 bytes on x86_64 and aarch64 glibc; gl_pathc comes first, gl_pathv second.</summary>
    public const int GlobTSize = 72;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int glob(string pattern, int flags, nint errorCallback, byte* result);

    [LibraryImport(Lib)]
    public static partial void globfree(byte* result);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, int mode);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int access(string path, int mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>A file's own modification time in ns (a link is not followed: statx's layout is the same on every
    /// architecture), or null when it cannot be read.</summary>
    public static long? ModifiedNSecOfLink(string path)
    {
        const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, STATX_MTIME = 0x40;
        byte* buffer = stackalloc byte[256];
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MTIME, buffer) != 0)
            return null;
        return *(long*)(buffer + 112) * 1_000_000_000 + *(uint*)(buffer + 120);
    }

    /// <summary>The device number of a device node (statx's stx_rdev), or null when it cannot be read.</summary>
    public static (uint Major, uint Minor)? DeviceNumber(string path)
    {
        const int AT_FDCWD = -100, STATX_TYPE = 0x1;
        byte* buffer = stackalloc byte[256];
        if (statx(AT_FDCWD, path, 0, STATX_TYPE, buffer) != 0)
            return null;
        return (*(uint*)(buffer + 128), *(uint*)(buffer + 132));
    }

    public const short POLLPRI = 0x2;

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeout);

    public const int CLOCK_REALTIME = 0;
    public const int TFD_CLOEXEC = 0x80000;
    public const int TFD_TIMER_ABSTIME = 1;
    public const int TFD_TIMER_CANCEL_ON_SET = 2;
    public const int ECANCELED = 125;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int timerfd_create(int clockId, int flags);

    /// <summary>timerfd_settime with struct itimerspec as { interval sec, nsec, value sec, nsec }.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int timerfd_settime(int fd, int flags, long* newValue, long* oldValue);

    /// <summary>The owner of a file (statx's layout is the same on every architecture); -1 when it cannot be read.</summary>
    public static int OwnerUid(string path)
    {
        const int AT_FDCWD = -100, STATX_UID = 0x8;
        byte* buffer = stackalloc byte[256];
        return statx(AT_FDCWD, path, 0, STATX_UID, buffer) == 0 ? (int)*(uint*)(buffer + 20) : -1;
    }

    [LibraryImport(Lib)]
    public static partial nint strerror(int error);

    public static string ErrorText(int error) => Marshal.PtrToStringUTF8(strerror(error)) ?? $"errno {error}";

    /// <summary>struct msghdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes): accessed
    /// through these helpers over raw bytes.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static int EpollDataOffset => EpollEventSize == 12 ? 4 : 8;

    public static void WriteEpollEvent(byte* ev, uint events, ulong data)
    {
        *(uint*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = data;
    }

    public static (uint Events, ulong Data) ReadEpollEvent(byte* ev) =>
        (*(uint*)ev, *(ulong*)(ev + EpollDataOffset));
}
