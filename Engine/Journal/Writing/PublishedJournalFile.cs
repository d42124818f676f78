using System.Runtime.InteropServices;
using Units.Journal.Native;

namespace Units.Journal.Writing;

/// <summary>
/// Puts a <see cref="FileImage"/> on disk so that the file under the journal's name is always a
/// complete, consistent state of the image as of some publication, whatever moment the writer is
/// killed at.
/// </summary>
/// <remarks>
/// Appending one entry to a journal file updates pointers scattered over the file (hash chains,
/// per-data entry lists, the header). Written in place, a writer killed between two of those
/// stores leaves a file that <c>journalctl --verify</c> rejects (journald itself has that window).
/// Instead, two inodes take turns: the visible <c>NAME.journal</c> and a hidden
/// <c>.NAME.journal.next</c>. A publication writes into the hidden one every page it lacks (the
/// pages changed during the previous two intervals), then swaps the two names atomically with
/// renameat2(RENAME_EXCHANGE). A kill before the swap leaves the previous publication visible, a
/// kill after it the new one. Readers that follow the directory with inotify (journalctl -f, our
/// reader) see a rotation-like replacement and re-open the file.
/// </remarks>
internal sealed unsafe class PublishedJournalFile : IDisposable
{
    private readonly int _dirFd;
    private int _activeFd = -1, _shadowFd = -1;
    private long _activeSize, _shadowSize;
    private ulong[]? _shadowStale;
    private bool _shadowLacksEverything = true;

    public PublishedJournalFile(string path, bool existing)
    {
        Path = path;
        ShadowPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "." + System.IO.Path.GetFileName(path) + ".next");
        _dirFd = Libc.open(System.IO.Path.GetDirectoryName(path)!, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (_dirFd < 0) throw Libc.Error("Cannot open journal directory of", path);
        if (existing)
        {
            _activeFd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
            if (_activeFd < 0) throw Libc.Error("Cannot open", path);
            _activeSize = new FileInfo(path).Length;
        }
        OpenFreshShadow();
    }

    public string Path { get; }
    public string ShadowPath { get; }

    /// <summary>The descriptor of the visible file (valid after the first publication).</summary>
    public int ActiveFd => _activeFd;

    private void OpenFreshShadow()
    {
        _shadowFd = Libc.open(ShadowPath, Libc.O_RDWR | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC, 0x1A0 /* 0640 */);
        if (_shadowFd < 0) throw Libc.Error("Cannot create", ShadowPath);
        _shadowSize = 0;
        _shadowLacksEverything = true;
        _shadowStale = null;
    }

    /// <summary>Makes the image's current state the visible file. With <paramref name="durable"/>
    /// the data also reaches the disk (fdatasync before the swap, fsync of the directory after).</summary>
    public void Publish(FileImage image, bool durable)
    {
        ulong[] changed = image.TakeDirtyPages();
        if (_shadowLacksEverything)
        {
            _shadowStale = new ulong[changed.Length];
            image.MarkDirty(0, image.Size);
            FileImage.Or(_shadowStale, image.TakeDirtyPages());
        }
        else
            FileImage.Or(_shadowStale!, changed);

        Allocate(_shadowFd, ref _shadowSize, image.Size);
        WritePages(image, _shadowStale!);
        if (durable && Libc.fdatasync(_shadowFd) != 0) throw Libc.Error("Cannot sync", ShadowPath);

        if (_activeFd < 0)
        {
            if (Libc.renameat2(Libc.AT_FDCWD, ShadowPath, Libc.AT_FDCWD, Path, Libc.RENAME_NOREPLACE) != 0)
                throw Libc.Error("Cannot publish", Path);
            _activeFd = _shadowFd;
            _activeSize = _shadowSize;
            OpenFreshShadow();
        }
        else
        {
            if (Libc.renameat2(Libc.AT_FDCWD, ShadowPath, Libc.AT_FDCWD, Path, Libc.RENAME_EXCHANGE) != 0)
                throw Libc.Error("Cannot publish", Path);
            (_activeFd, _shadowFd) = (_shadowFd, _activeFd);
            (_activeSize, _shadowSize) = (_shadowSize, _activeSize);
            _shadowStale = changed;
            _shadowLacksEverything = false;
        }
        if (durable && Libc.fsync(_dirFd) != 0) throw Libc.Error("Cannot sync the directory of", Path);
    }

    /// <summary>Grows a file to the image's size the way journald grows its files: allocated
    /// blocks, not a sparse hole, so a full disk shows up here rather than as SIGBUS later.</summary>
    private void Allocate(int fd, ref long current, long size)
    {
        if (current >= size) return;
        int r = Libc.fallocate(fd, 0, current, size - current);
        if (r != 0 && Libc.ftruncate(fd, size) != 0)
            throw Libc.Error("Cannot grow", ShadowPath);
        current = size;
    }

    private void WritePages(FileImage image, ulong[] pages)
    {
        long pageCount = (image.Size + FileImage.PageSize - 1) / FileImage.PageSize;
        long page = 0;
        while (page < pageCount)
        {
            if ((pages[page >> 6] & (1UL << (int)(page & 63))) == 0)
            {
                // Skip clean words quickly.
                if ((page & 63) == 0 && pages[page >> 6] == 0) { page += 64; continue; }
                page++;
                continue;
            }
            long first = page;
            while (page < pageCount && (pages[page >> 6] & (1UL << (int)(page & 63))) != 0) page++;
            long offset = first * FileImage.PageSize;
            long length = Math.Min(page * FileImage.PageSize, image.Size) - offset;
            Libc.WriteAll(_shadowFd, image.Base + offset, length, offset, ShadowPath);
        }
        Array.Clear(pages);
    }

    /// <summary>Publishes a last time, then renames the visible file to <paramref name="newPath"/>
    /// (an archive name) or leaves it in place when null, and removes the hidden twin.</summary>
    public void Close(string? newPath)
    {
        if (newPath != null && Libc.renameat2(Libc.AT_FDCWD, Path, Libc.AT_FDCWD, newPath, Libc.RENAME_NOREPLACE) != 0)
            throw Libc.Error("Cannot archive", Path);
        File.Delete(ShadowPath);
        _ = Libc.fsync(_dirFd);
        Dispose();
    }

    public void Dispose()
    {
        foreach (int fd in new[] { _activeFd, _shadowFd, _dirFd })
            if (fd >= 0) _ = Libc.close(fd);
        _activeFd = _shadowFd = -1;
        GC.SuppressFinalize(this);
    }

    internal static int LastError => Marshal.GetLastPInvokeError();
}
