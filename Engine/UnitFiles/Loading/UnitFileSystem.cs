using System.IO.Enumeration;

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

    public IReadOnlyList<DirectoryEntry>? ListDirectory(string path)
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

    public FileContent Read(string path)
    {
        string? final = Resolve(path, out Errno error);
        if (final is null)
            return new FileContent(null, error, false, 0);
        try
        {
            if (Directory.Exists(final))
                return new FileContent(null, Errno.EISDIR, false, 0);
            var info = new FileInfo(final);
            if (!info.Exists)
                return new FileContent(null, Errno.ENOENT, false, 0);
            if ((info.Attributes & FileAttributes.Device) != 0 || final.StartsWith("/dev/", StringComparison.Ordinal))
                return new FileContent([], 0, true, 0);
            UnixFileMode mode = OperatingSystem.IsWindows() ? 0 : File.GetUnixFileMode(final);
            byte[] bytes = File.ReadAllBytes(final);
            return new FileContent(bytes, 0, bytes.Length == 0, mode);
        }
        catch (UnauthorizedAccessException)
        {
            return new FileContent(null, Errno.EACCES, false, 0);
        }
        catch (FileNotFoundException)
        {
            return new FileContent(null, Errno.ENOENT, false, 0);
        }
        catch (DirectoryNotFoundException)
        {
            return new FileContent(null, Errno.ENOENT, false, 0);
        }
        catch (IOException)
        {
            return new FileContent(null, Errno.EIO, false, 0);
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
