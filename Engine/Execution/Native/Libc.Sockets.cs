using System.Runtime.InteropServices;

namespace Units.Execution.Native;

/// <summary>The calls socket units need: listening sockets, FIFOs and special files, accepting connections.</summary>
internal static unsafe partial class Libc
{
    public const int SOCK_STREAM = 1;
    public const int SOCK_SEQPACKET = 5;
    public const int SO_REUSEADDR = 2;
    public const int SO_BROADCAST = 6;
    public const int SO_SNDBUF = 7;
    public const int SO_KEEPALIVE = 9;
    public const int SO_REUSEPORT = 15;
    public const int SO_PEERCRED = 17;
    public const int SO_BINDTODEVICE = 25;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int SO_PASSSEC = 34;
    public const int IPPROTO_IP = 0;
    public const int IPPROTO_TCP = 6;
    public const int IPPROTO_IPV6 = 41;
    public const int TCP_NODELAY = 1;
    public const int IP_FREEBIND = 15;
    public const int IP_TRANSPARENT = 19;
    public const int IPV6_V6ONLY = 26;
    public const int IPV6_TRANSPARENT = 75;
    public const int IPV6_FREEBIND = 78;
    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_NOCTTY = 0x100;
    public const int O_NOFOLLOW = 0x20000;
    public const int EADDRINUSE = 98;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLONESHOT = 1u << 30;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int accept4(int fd, byte* address, int* length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getsockname(int fd, byte* address, int* length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getpeername(int fd, byte* address, int* length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, int* length);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlink(string path);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlink(string target, string path);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lchown(string path, int uid, int gid);

    public const int S_IFMT = 0xF000;
    public const int S_IFIFO = 0x1000;
    public const int S_IFCHR = 0x2000;
    public const int S_IFREG = 0x8000;

    /// <summary>st_mode of a path, not following a final symbolic link; 0 when it cannot be read.</summary>
    public static int FileMode(string path)
    {
        const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, STATX_TYPE_AND_MODE = 0x3;
        byte* buffer = stackalloc byte[256];
        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE_AND_MODE, buffer) == 0 ? *(ushort*)(buffer + 28) : 0;
    }

    public static int SetInt(int fd, int level, int name, int value) => setsockopt(fd, level, name, &value, sizeof(int));
}
