using Units.UnitFiles.Loading;

namespace Units.UnitFiles.Install;

/// <summary>What lstat(2) says a path is.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Symlink,

    /// <summary>Sockets, FIFOs, devices (as readdir reports them).</summary>
    Other,
}

/// <summary>One directory entry as readdir(3) gives it (in the file system's order).</summary>
internal readonly record struct DirEntry(string Name, FileKind Kind);

/// <summary>
/// The few file-system primitives installation needs, with systemd's path semantics: lstat, readlink,
/// symlink creation, chase_symlinks() under a root directory, and path helpers that work on strings
/// the way path-util.c does (no trailing slashes, duplicate slashes collapsed).
/// </summary>
internal static class InstallFileSystem
{
    public static FileKind Lstat(string path, out long size)
    {
        size = 0;
        var info = new FileInfo(path);
        FileAttributes attributes;
        try
        {
            attributes = info.Attributes;
        }
        catch (IOException)
        {
            return FileKind.Missing;
        }
        catch (UnauthorizedAccessException)
        {
            return FileKind.Missing;
        }
        if ((int)attributes == -1)
            return FileKind.Missing;
        if ((attributes & FileAttributes.ReparsePoint) != 0)
            return FileKind.Symlink;
        if ((attributes & FileAttributes.Directory) != 0)
            return FileKind.Directory;
        size = info.Length;
        return FileKind.Regular;
    }

    public static FileKind Lstat(string path) => Lstat(path, out _);

    /// <summary>stat(2) after following symlinks (not confined to a root; used for paths already resolved).</summary>
    public static FileKind Stat(string path, out long size)
    {
        size = 0;
        string current = path;
        for (int i = 0; i < 64; i++)
        {
            FileKind kind = Lstat(current, out size);
            if (kind != FileKind.Symlink)
                return kind;
            string? target = ReadLink(current);
            if (target is null)
                return FileKind.Missing;
            current = target.StartsWith('/') ? target : Join(Dirname(current), target);
        }
        return FileKind.Missing;
    }

    public static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>readdir(3) through the loader's file system (d_type, the file system's order); empty when unreadable.</summary>
    public static IReadOnlyList<DirEntry> ReadDirectory(string directory) =>
        UnitFileSystem.Instance.ListDirectory(directory)?.Select(e => new DirEntry(e.Name, e.Kind switch
        {
            EntryKind.File => FileKind.Regular,
            EntryKind.Directory => FileKind.Directory,
            EntryKind.Symlink => FileKind.Symlink,
            _ => FileKind.Other,
        })).ToList() ?? [];

    /// <summary>symlink(2): 0 on success, else the errno (EEXIST when anything is already there).</summary>
    public static int Symlink(string target, string path)
    {
        if (Lstat(path) != FileKind.Missing)
            return InstallErrno.EEXIST;
        try
        {
            File.CreateSymbolicLink(path, target);
            return 0;
        }
        catch (IOException)
        {
            return Lstat(path) != FileKind.Missing ? InstallErrno.EEXIST : InstallErrno.ENOENT;
        }
        catch (UnauthorizedAccessException)
        {
            return InstallErrno.EACCES;
        }
    }

    /// <summary>Replaces whatever is at <paramref name="path"/> by a symlink (symlink_atomic's effect).</summary>
    public static int ReplaceWithSymlink(string target, string path)
    {
        int r = Unlink(path);
        return r != 0 && r != InstallErrno.ENOENT ? r : Symlink(target, path);
    }

    /// <summary>unlink(2) of a non-directory: 0, ENOENT, or another errno.</summary>
    public static int Unlink(string path)
    {
        FileKind kind = Lstat(path);
        if (kind == FileKind.Missing)
            return InstallErrno.ENOENT;
        if (kind == FileKind.Directory)
            return InstallErrno.EISDIR;
        try
        {
            File.Delete(path);
            return 0;
        }
        catch (IOException)
        {
            return InstallErrno.EIO;
        }
        catch (UnauthorizedAccessException)
        {
            return InstallErrno.EACCES;
        }
    }

    public static void MakeParents(string path)
    {
        try
        {
            Directory.CreateDirectory(Dirname(path));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>rmdir_parents(): removes the now empty directories above <paramref name="path"/>, stopping at <paramref name="stop"/> or the first non-empty one.</summary>
    public static void RemoveEmptyParents(string path, string stop)
    {
        string p = path;
        while (true)
        {
            p = Dirname(p);
            if (p == "/" || StartsWith(stop, p) is not null)
                return;
            if (Lstat(p) == FileKind.Missing)
                continue;
            try
            {
                Directory.Delete(p, recursive: false);
            }
            catch (IOException)
            {
                return;
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    /// <summary>rm -rf of one path (a directory with everything below it, or a file).</summary>
    public static int RemoveTree(string path)
    {
        FileKind kind = Lstat(path);
        if (kind == FileKind.Missing)
            return InstallErrno.ENOENT;
        try
        {
            if (kind == FileKind.Directory)
                Directory.Delete(path, recursive: true);
            else
                File.Delete(path);
            return 0;
        }
        catch (IOException)
        {
            return InstallErrno.EIO;
        }
        catch (UnauthorizedAccessException)
        {
            return InstallErrno.EACCES;
        }
    }

    /// <summary>
    /// chase_symlinks(): resolves <paramref name="path"/> (which already carries the root prefix) component by
    /// component, confining absolute symlinks and ".." to <paramref name="root"/>. With <paramref name="nonexistent"/>
    /// a missing tail is returned as is; with <paramref name="noFollowLast"/> a final symlink is not followed.
    /// The result carries the root prefix. Returns 0 or a negative errno.
    /// </summary>
    public static int Chase(string path, string? root, bool nonexistent, bool noFollowLast, out string result)
    {
        result = "";
        string rootPath = string.IsNullOrEmpty(root) || root == "/" ? "" : Simplify(root);
        string todo;
        if (rootPath.Length > 0)
        {
            if (StartsWith(path, rootPath) is not { } rest)
                return -InstallErrno.ECHRNG;
            todo = rest;
        }
        else
            todo = path;
        string done = rootPath.Length > 0 ? rootPath : "/";
        int followsLeft = 32;
        var components = new Queue<string>(SplitComponents(todo));
        while (components.Count > 0)
        {
            string first = components.Dequeue();
            if (first == ".")
                continue;
            if (first == "..")
            {
                if (done == "/" || done == rootPath)
                    continue;
                string parent = Dirname(done);
                if (rootPath.Length > 0 && StartsWith(parent, rootPath) is null)
                    continue;
                done = parent;
                continue;
            }
            string child = Join(done, first);
            FileKind kind = Lstat(child);
            if (kind == FileKind.Missing)
            {
                if (nonexistent && !components.Contains(".."))
                {
                    result = Join(child, string.Join('/', components));
                    return 0;
                }
                return -InstallErrno.ENOENT;
            }
            if (kind == FileKind.Symlink && !(noFollowLast && components.Count == 0))
            {
                if (--followsLeft <= 0)
                    return -InstallErrno.ELOOP;
                string? destination = ReadLink(child);
                if (string.IsNullOrEmpty(destination))
                    return -InstallErrno.EINVAL;
                if (destination.StartsWith('/'))
                    done = rootPath.Length > 0 ? rootPath : "/";
                var rest = new List<string>(SplitComponents(destination));
                rest.AddRange(components);
                components = new Queue<string>(rest);
                continue;
            }
            if (kind != FileKind.Directory && components.Count > 0 && kind != FileKind.Symlink)
                return -InstallErrno.ENOTDIR;
            done = child;
        }
        result = done;
        return 1;
    }

    private static IEnumerable<string> SplitComponents(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>path_simplify(): collapses "//" and "/./", drops a trailing slash (keeps ".." as is).</summary>
    public static string Simplify(string path)
    {
        bool absolute = path.StartsWith('/');
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
        string joined = string.Join('/', parts);
        return absolute ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    /// <summary>path_join(): concatenates with exactly one slash between parts; a null or empty part is skipped.</summary>
    public static string Join(string? a, string b)
    {
        if (string.IsNullOrEmpty(a))
            return b;
        if (string.IsNullOrEmpty(b))
            return a;
        return a.TrimEnd('/') + "/" + b.TrimStart('/');
    }

    public static string Dirname(string path)
    {
        string p = path.Length > 1 ? path.TrimEnd('/') : path;
        int slash = p.LastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : p[..slash];
    }

    public static string Basename(string path)
    {
        string p = path.Length > 1 ? path.TrimEnd('/') : path;
        int slash = p.LastIndexOf('/');
        return slash < 0 ? p : p[(slash + 1)..];
    }

    /// <summary>
    /// path_startswith(): when <paramref name="path"/> lies at or below <paramref name="prefix"/> (whole
    /// components), the rest without leading slashes ("" when equal); otherwise null.
    /// </summary>
    public static string? StartsWith(string path, string prefix)
    {
        string p = Simplify(path);
        string q = Simplify(prefix);
        if (q == "/")
            return p.StartsWith('/') ? p.TrimStart('/') : null;
        if (p == q)
            return "";
        return p.StartsWith(q + "/", StringComparison.Ordinal) ? p[(q.Length + 1)..] : null;
    }

    public static bool PathEqual(string? a, string? b) =>
        a is not null && b is not null && Simplify(a) == Simplify(b);
}
