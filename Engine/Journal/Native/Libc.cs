using System.Runtime.InteropServices;

namespace Units.Journal.Native;

/// <summary>The few system calls the journal needs that .NET does not expose: anonymous
/// mappings for the file image, positional writes, preallocation, fsync, RENAME_EXCHANGE and the
/// socket pairs that carry followed entries to D-Bus clients.</summary>
internal static unsafe partial class Libc
{
    public const int PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    public const int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_CLOEXEC = 0x80000, O_DIRECTORY = 0x10000;
    public const int AT_FDCWD = -100;
    public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public const int MADV_DONTNEED = 4;
    public const int EINTR = 4, EAGAIN = 11, ENOENT = 2, EEXIST = 17;
    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    public const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, int mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pwrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pread(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fallocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    public static IOException Error(string what, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>Writes all of a buffer at an offset, retrying short writes and EINTR.</summary>
    public static void WriteAll(int fd, byte* buffer, long count, long offset, string path)
    {
        while (count > 0)
        {
            nint written = pwrite(fd, buffer, (nuint)count, offset);
            if (written < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                throw Error("Cannot write", path);
            }
            buffer += written;
            offset += written;
            count -= written;
        }
    }

    /// <summary>Reads exactly count bytes at an offset (the file must be that long).</summary>
    public static void ReadAll(int fd, byte* buffer, long count, long offset, string path)
    {
        while (count > 0)
        {
            nint read = pread(fd, buffer, (nuint)count, offset);
            if (read < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                throw Error("Cannot read", path);
            }
            if (read == 0) throw new IOException($"Cannot read {path}: file ends at {offset}, {count} bytes short");
            buffer += read;
            offset += read;
            count -= read;
        }
    }
}
