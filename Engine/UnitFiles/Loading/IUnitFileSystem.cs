namespace Units.UnitFiles.Loading;

/// <summary>What a directory entry is, without following it (lstat / d_type).</summary>
public enum EntryKind
{
    File,
    Directory,
    Symlink,

    /// <summary>Sockets, FIFOs, devices.</summary>
    Other,
}

public readonly record struct DirectoryEntry(string Name, EntryKind Kind);

/// <summary>The outcome of reading a unit file (following symlinks).</summary>
/// <param name="Content">The bytes, null when <see cref="Error"/> is set.</param>
/// <param name="IsNullOrEmpty">An empty regular file or a device such as /dev/null: systemd treats both as a mask.</param>
/// <param name="Mode">Permission bits (for systemd's "marked executable/world-writable" warnings).</param>
public readonly record struct FileContent(byte[]? Content, Errno Error, bool IsNullOrEmpty, UnixFileMode Mode);

/// <summary>
/// The few file-system operations the loader needs. <see cref="UnitFileSystem"/> is the real one; tests
/// substitute their own (an in-memory tree, or a directory with injected failures such as EACCES).
/// None of these throw for bad input: failures come back as errno values.
/// </summary>
public interface IUnitFileSystem
{
    /// <summary>The entries of a directory (following a symlink to it), or null when it is missing or not a directory.</summary>
    IReadOnlyList<DirectoryEntry>? ListDirectory(string path);

    /// <summary>readlink(2): the target text, or null when <paramref name="path"/> is not a symlink.</summary>
    string? ReadLink(string path);

    /// <summary>The kind of the final target of <paramref name="path"/>, or null when it does not resolve (missing, loop).</summary>
    EntryKind? KindFollowingLinks(string path);

    /// <summary>Opens and reads a file, following symlinks.</summary>
    FileContent Read(string path);

    /// <summary>The modification time of a directory (following symlinks), or null when it is missing.</summary>
    DateTime? ModifiedAt(string path);
}
