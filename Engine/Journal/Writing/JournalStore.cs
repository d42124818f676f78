using System.Globalization;
using Units.Journal.Format;
using Units.Journal.Native;

namespace Units.Journal.Writing;

/// <summary>
/// One journal instance's files in one directory: appends entries to the active file, publishes
/// them at defined sync points, archives the active file by size, age and hash-table fill, and
/// removes the oldest archives over the disk-use cap. Not thread-safe: one thread (the journal's
/// ingest loop) owns it.
/// </summary>
/// <remarks>
/// Sync policy (see README.md): <see cref="Append"/> changes only the in-memory image.
/// <see cref="EndBatch"/> publishes (makes visible, atomically) when <see cref="JournalStoreOptions.CommitInterval"/>
/// has passed since the last publication or a CRIT-or-worse entry is pending, and also fsyncs
/// when <see cref="JournalStoreOptions.SyncInterval"/> has passed or a CRIT-or-worse entry is
/// pending. A killed writer loses at most what was appended after the last publication; the
/// visible file always verifies.
/// </remarks>
public sealed class JournalStore : IDisposable
{
    private readonly JournalStoreOptions _options;
    private JournalFileWriter _writer;
    private PublishedJournalFile _file;
    private ulong _seqnum;
    private ulong _lastMonotonic;
    private long _lastPublishTicks, _lastSyncTicks;
    private bool _pending, _pendingUrgent;

    private JournalStore(JournalStoreOptions options, JournalFileWriter writer, PublishedJournalFile file, ulong seqnum)
    {
        _options = options;
        _writer = writer;
        _file = file;
        _seqnum = seqnum;
        _lastMonotonic = writer.TailBootId == options.BootId ? writer.TailMonotonic : 0;
        _lastPublishTicks = _lastSyncTicks = Environment.TickCount64;
    }

    public JournalStoreOptions Options => _options;

    /// <summary>The path of the active file.</summary>
    public string ActivePath => _file.Path;

    public Id128 SeqnumId => _writer.SeqnumId;

    /// <summary>The sequence number of the last appended entry.</summary>
    public ulong LastSeqnum => _seqnum;

    /// <summary>The sequence number of the last entry a killed writer would keep.</summary>
    public ulong PublishedSeqnum { get; private set; }

    /// <summary>Raised after each publication with <see cref="PublishedSeqnum"/> (followers
    /// of the files are told through inotify; this serves in-process listeners).</summary>
    public event Action<ulong>? Published;

    public static JournalStore Open(JournalStoreOptions options)
    {
        Directory.CreateDirectory(options.Directory);
        string active = Path.Combine(options.Directory, options.FileBaseName + ".journal");
        var layout = new JournalFileLayout { Compact = options.Compact, KeyedHash = options.KeyedHash, MaxSize = options.MaxFileSize };
        JournalFileWriter? writer = null;
        PublishedJournalFile? file = null;
        Id128 seqnumId = Id128.NewRandom();
        ulong seqnum = 0;
        if (File.Exists(active))
        {
            try
            {
                file = new PublishedJournalFile(active, existing: true);
                writer = JournalFileWriter.Load(file.ActiveFd, new FileInfo(active).Length, options.MaxFileSize, active);
                seqnum = writer.TailSeqnum;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                file?.Dispose();
                file = null;
                writer = null;
                (seqnumId, seqnum) = ReadSeqnum(active);
                // Like journald with a file it cannot append to: set it aside under a name that
                // readers still pick up, and start a new one.
                string aside = Path.Combine(options.Directory,
                    $"{options.FileBaseName}@{options.Clock.RealtimeMicroseconds:x16}-{Random.Shared.NextInt64():x16}.journal~");
                File.Move(active, aside);
            }
        }
        else
            (seqnumId, seqnum) = NewestArchivedSeqnum(options) ?? (seqnumId, seqnum);
        if (writer == null)
        {
            writer = JournalFileWriter.Create(layout, options.MachineId, options.BootId, seqnumId, seqnum);
            file = new PublishedJournalFile(active, existing: false);
        }
        var store = new JournalStore(options, writer, file!, seqnum) { PublishedSeqnum = seqnum };
        store.Publish(durable: true);
        store.Vacuum();
        return store;
    }

    /// <summary>Without an active file (a writer killed while rotating), the sequence goes on
    /// from the newest archive.</summary>
    private static (Id128, ulong)? NewestArchivedSeqnum(JournalStoreOptions options)
    {
        (Id128, ulong)? newest = null;
        foreach (var path in Directory.EnumerateFiles(options.Directory, options.FileBaseName + "@*.journal"))
        {
            var (id, seqnum) = ReadSeqnum(path);
            if (newest is not { } n || seqnum > n.Item2) newest = (id, seqnum);
        }
        return newest;
    }

    private static (Id128, ulong) ReadSeqnum(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> header = stackalloc byte[Layout.HeaderSizeMin];
            if (stream.Read(header) == header.Length && header[..8].SequenceEqual(Layout.Signature))
                return (Id128.FromBytes(header[Layout.HeaderSeqnumId..]),
                        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(header[Layout.HeaderTailEntrySeqnum..]));
        }
        catch (IOException) { }
        return (Id128.NewRandom(), 0);
    }

    /// <summary>Appends an entry (stamped now) and returns its sequence number. Archives the
    /// active file first when it is full or too old.</summary>
    public ulong Append(JournalEntry entry)
    {
        ulong realtime = _options.Clock.RealtimeMicroseconds;
        ulong monotonic = Math.Max(_options.Clock.MonotonicMicroseconds, _lastMonotonic);
        if (_options.MaxFileAge > TimeSpan.Zero && _writer.EntryCount > 0 &&
            realtime > _writer.HeadRealtime + (ulong)(_options.MaxFileAge.Ticks / 10))
            Rotate();
        try
        {
            _writer.AppendEntry(entry.Payloads, entry.SharedMask, _seqnum + 1, realtime, monotonic, _options.BootId);
        }
        catch (JournalFileFullException) when (_writer.EntryCount > 0)
        {
            Rotate();
            _writer.AppendEntry(entry.Payloads, entry.SharedMask, _seqnum + 1, realtime, monotonic, _options.BootId);
        }
        _seqnum++;
        _lastMonotonic = monotonic;
        _pending = true;
        if (entry.Priority <= 2) _pendingUrgent = true;
        if (_writer.RotationSuggested) Rotate();
        return _seqnum;
    }

    /// <summary>Called after each batch of appends and when <see cref="NextDue"/> elapses:
    /// publishes if due (see the sync policy). Returns true when it published.</summary>
    public bool EndBatch()
    {
        if (!_pending) return false;
        long now = Environment.TickCount64;
        if (!_pendingUrgent && now - _lastPublishTicks < (long)_options.CommitInterval.TotalMilliseconds)
            return false;
        bool durable = _pendingUrgent || now - _lastSyncTicks >= (long)_options.SyncInterval.TotalMilliseconds;
        Publish(durable);
        return true;
    }

    /// <summary>How long until <see cref="EndBatch"/> must be called again for pending entries to
    /// be published (null when nothing is pending).</summary>
    public TimeSpan? NextDue
    {
        get
        {
            if (!_pending) return null;
            long wait = (long)_options.CommitInterval.TotalMilliseconds - (Environment.TickCount64 - _lastPublishTicks);
            return TimeSpan.FromMilliseconds(Math.Max(0, wait));
        }
    }

    /// <summary>Publishes now; with <paramref name="durable"/> also syncs to disk.</summary>
    public void Flush(bool durable)
    {
        if (_pending || durable) Publish(durable);
    }

    private void Publish(bool durable)
    {
        _file.Publish(_writer.Image, durable);
        long now = Environment.TickCount64;
        _lastPublishTicks = now;
        if (durable) _lastSyncTicks = now;
        _pending = _pendingUrgent = false;
        PublishedSeqnum = _seqnum;
        Published?.Invoke(_seqnum);
    }

    /// <summary>Archives the active file (journalctl --rotate) and starts a new one that
    /// continues the sequence numbers.</summary>
    public void Rotate()
    {
        if (_writer.EntryCount == 0) return;
        _writer.SetState(FileState.Archived);
        Publish(durable: true);
        string archived = Path.Combine(_options.Directory, string.Create(CultureInfo.InvariantCulture,
            $"{_options.FileBaseName}@{_writer.SeqnumId}-{_writer.HeadSeqnum:x16}-{_writer.HeadRealtime:x16}.journal"));
        _file.Close(archived);
        var seqnumId = _writer.SeqnumId;
        _writer.Dispose();
        var layout = new JournalFileLayout { Compact = _options.Compact, KeyedHash = _options.KeyedHash, MaxSize = _options.MaxFileSize };
        _writer = JournalFileWriter.Create(layout, _options.MachineId, _options.BootId, seqnumId, _seqnum);
        _file = new PublishedJournalFile(Path.Combine(_options.Directory, _options.FileBaseName + ".journal"), existing: false);
        Publish(durable: true);
        Vacuum();
    }

    /// <summary>Removes the oldest archives while the directory uses more than MaxUse.</summary>
    public void Vacuum()
    {
        var archives = new List<(FileInfo File, string Key)>();
        long used = 0;
        foreach (var info in new DirectoryInfo(_options.Directory).EnumerateFiles())
        {
            used += info.Length;
            if (info.Name.StartsWith(_options.FileBaseName + "@", StringComparison.Ordinal) &&
                (info.Name.EndsWith(".journal", StringComparison.Ordinal) || info.Name.EndsWith(".journal~", StringComparison.Ordinal)))
                archives.Add((info, ArchiveOrderKey(info)));
        }
        archives.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (info, _) in archives)
        {
            if (used <= _options.MaxUse) break;
            used -= info.Length;
            info.Delete();
        }
    }

    /// <summary>Orders archives oldest first by the head realtime in their names
    /// (BASE@SEQNUMID-SEQNUM-REALTIME.journal), falling back to the modification time.</summary>
    private static string ArchiveOrderKey(FileInfo info)
    {
        string name = info.Name;
        int dot = name.IndexOf(".journal", StringComparison.Ordinal);
        int dash = name.LastIndexOf('-', dot);
        if (!name.EndsWith('~') && dash > 0 && dot - dash == 17)
            return name[(dash + 1)..dot];
        return ((ulong)((info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks / 10)).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Publishes, syncs and marks the active file offline (clean shutdown).</summary>
    public void Dispose()
    {
        _writer.SetState(FileState.Offline);
        Publish(durable: true);
        _file.Close(null);
        _writer.Dispose();
    }

}
