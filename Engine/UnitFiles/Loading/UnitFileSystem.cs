using System.Buffers;
using System.IO.Enumeration;
using System.Runtime.InteropServices;

namespace Units.UnitFiles.Loading;

/// <summary>The real file system, through System.IO (readdir's d_type where it can, no stat per entry).</summary>
public sealed class UnitFileSystem : IUnitFileSystem
{
    /// <summary>Linux's MAXSYMLINKS: more hops than this is ELOOP.</summary>
    private const int MaxSymlinkHops = 40;

    public static UnitFileSystem Instance { get; } = new();

    private static readonly EnumerationOptions AllEntries = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = true,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>readdir(3) with d_type: no stat per entry (only for file systems that do not fill d_type).</summary>
    public DateTime? ModifiedAt(string path) => Directory.Exists(path) ? Directory.GetLastWriteTimeUtc(path) : null;

    public IReadOnlyList<DirectoryEntry>? ListDirectory(string path)
    {
        if (!Environment.Is64BitProcess || !OperatingSystem.IsLinux())
            return ListDirectoryPortable(path);
        nint dir = NativeMethods.OpenDir(path);
        if (dir == 0)
            return null;
        try
        {
            var entries = new List<DirectoryEntry>();
            while (true)
            {
                nint entry = NativeMethods.ReadDir(dir);
                if (entry == 0)
                    break;
                string name = Marshal.PtrToStringUTF8(entry + NativeMethods.DirentNameOffset) ?? "";
                if (name is "." or "..")
                    continue;
                byte type = Marshal.ReadByte(entry, NativeMethods.DirentTypeOffset);
                EntryKind kind = type switch
                {
                    NativeMethods.DtReg => EntryKind.File,
                    NativeMethods.DtDir => EntryKind.Directory,
                    NativeMethods.DtLnk => EntryKind.Symlink,
                    NativeMethods.DtUnknown => KindOfPath(path + "/" + name),
                    _ => EntryKind.Other,
                };
                entries.Add(new DirectoryEntry(name, kind));
            }
            return entries;
        }
        finally
        {
            _ = NativeMethods.CloseDir(dir);
        }
    }

    private static EntryKind KindOfPath(string path)
    {
        try
        {
            return KindOf(new FileInfo(path).Attributes);
        }
        catch (IOException)
        {
            return EntryKind.Other;
        }
        catch (UnauthorizedAccessException)
        {
            return EntryKind.Other;
        }
    }

    private static IReadOnlyList<DirectoryEntry>? ListDirectoryPortable(string path)
    {
        try
        {
            if (!Directory.Exists(path))
                return null;
            var entries = new FileSystemEnumerable<DirectoryEntry>(path, static (ref FileSystemEntry e) =>
                new DirectoryEntry(e.FileName.ToString(), KindOf(e.Attributes)), AllEntries);
            return [.. entries];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public EntryKind? KindFollowingLinks(string path)
    {
        string? final = Resolve(path, out Errno error);
        if (final is null || error != 0)
            return null;
        try
        {
            var info = new FileInfo(final);
            if (!info.Exists)
                return Directory.Exists(final) ? EntryKind.Directory : null;
            return KindOf(info.Attributes);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// open(2)/read(2)/close(2) directly: no stat, lock or link resolution per file (the kernel follows
    /// links and reports ELOOP, EACCES, EISDIR itself). The permission bits cost one stat for non-empty files.
    /// </summary>
    public FileContent Read(string path)
    {
        int fd = NativeMethods.Open(path, NativeMethods.ORdOnly | NativeMethods.OCloExec | NativeMethods.ONonBlock | NativeMethods.ONoCtty);
        if (fd < 0)
            return new FileContent(null, (Errno)Marshal.GetLastPInvokeError(), false, 0);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= MaxFileSize)
                        return new FileContent(null, Errno.ENOBUFS, false, 0);
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                nint n = NativeMethods.Read(fd, ref buffer[length], buffer.Length - length);
                if (n < 0)
                {
                    var errno = (Errno)Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                        continue;
                    return new FileContent(null, errno, false, 0);
                }
                if (n == 0)
                    break;
                length += (int)n;
            }
            if (length == 0)
                return new FileContent([], 0, true, 0);
            UnixFileMode mode = OperatingSystem.IsWindows() ? 0 : SafeMode(path);
            return new FileContent(buffer.AsSpan(0, length).ToArray(), 0, false, mode);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _ = NativeMethods.Close(fd);
        }
    }

    /// <summary>Larger files are refused: a unit file this big is garbage (or an endless device such as /dev/zero).</summary>
    private const int MaxFileSize = 64 * 1024 * 1024;

    private const Errno EINTR = (Errno)4;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static UnixFileMode SafeMode(string path)
    {
        try
        {
            return File.GetUnixFileMode(path);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Follows symlinks hop by hop (so loops give ELOOP instead of an exception); null with ENOENT/ELOOP when it does not resolve.</summary>
    private string? Resolve(string path, out Errno error)
    {
        error = 0;
        string current = path;
        for (int hop = 0; hop <= MaxSymlinkHops; hop++)
        {
            string? target = ReadLink(current);
            if (target is null)
            {
                if (!File.Exists(current) && !Directory.Exists(current))
                {
                    error = Errno.ENOENT;
                    return null;
                }
                return current;
            }
            current = target.StartsWith('/') ? target : Path.Combine(Path.GetDirectoryName(current) ?? "/", target);
        }
        error = Errno.ELOOP;
        return null;
    }

    private static EntryKind KindOf(FileAttributes attributes) =>
        (attributes & FileAttributes.ReparsePoint) != 0 ? EntryKind.Symlink
        : (attributes & FileAttributes.Directory) != 0 ? EntryKind.Directory
        : (attributes & FileAttributes.Device) != 0 ? EntryKind.Other
        : EntryKind.File;
}
