using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Units.Journal.Format;

namespace Units.Journal.Reading;

/// <summary>
/// Queries the journal files of one or more directories (ours, or journald's), interleaving
/// their entries in journal order; follows new entries. Backs the D-Bus query API and the
/// module's Get-UnitLog.
/// </summary>
public sealed class JournalReader
{
    private readonly string[] _directories;

    public JournalReader(params string[] directories)
    {
        if (directories.Length == 0) throw new ArgumentException("Name at least one journal directory", nameof(directories));
        _directories = directories;
    }

    /// <summary>When set, only this writer's files are read: BASE.journal and its archives BASE@*.journal(~), not the
    /// other files of a shared directory (journald's, other users').</summary>
    public string? FileBaseName { get; init; }

    /// <summary>Errors met in files that could not be read (the query goes on without them).</summary>
    public IReadOnlyList<string> Problems => _problems;
    private readonly List<string> _problems = [];

    /// <summary>The journal files currently in the directories: NAME.journal and NAME.journal~
    /// (our hidden twin files are skipped, as journalctl skips them).</summary>
    public IEnumerable<string> Files()
    {
        foreach (var dir in _directories)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var path in Directory.EnumerateFiles(dir))
            {
                string name = Path.GetFileName(path);
                if (name.StartsWith('.')) continue;
                if (FileBaseName is { } own && !name.StartsWith(own + ".journal", StringComparison.Ordinal) && !name.StartsWith(own + "@", StringComparison.Ordinal))
                    continue;
                if (name.EndsWith(".journal", StringComparison.Ordinal) || name.EndsWith(".journal~", StringComparison.Ordinal))
                    yield return path;
            }
        }
    }

    public IReadOnlyList<JournalRecord> Query(JournalQuery query) => Query(query, null);

    /// <summary>What a follower knows of each file: entries already seen per file ID, and files
    /// (by path, size and modification time) it has read completely, so unchanged archives are
    /// not read again on every change.</summary>
    private sealed class FollowState
    {
        public readonly Dictionary<Id128, ulong> SeenPerFile = [];
        public readonly Dictionary<string, (long Length, DateTime Modified)> Complete = new(StringComparer.Ordinal);
    }

    private List<JournalRecord> Query(JournalQuery query, FollowState? follow)
    {
        var filter = new RecordFilter(query);
        var records = new List<JournalRecord>();
        _problems.Clear();
        foreach (var path in Files())
        {
            try
            {
                var info = new FileInfo(path);
                if (follow != null && follow.Complete.TryGetValue(path, out var known) &&
                    known == (info.Length, info.LastWriteTimeUtc))
                    continue;
                var file = JournalFileReader.Open(path);
                var offsets = file.EntryOffsets();
                int start = 0;
                if (follow != null)
                {
                    follow.SeenPerFile.TryGetValue(file.FileId, out ulong seen);
                    start = (int)Math.Min(seen, (ulong)offsets.Count);
                    follow.SeenPerFile[file.FileId] = (ulong)offsets.Count;
                    if (file.State == FileState.Archived)
                        follow.Complete[path] = (info.Length, info.LastWriteTimeUtc);
                }
                // A page needs no more than its first N entries of each file: a file's entries are in order.
                int perFile = follow == null && query.Lines is null && query.First is int first ? first : int.MaxValue;
                for (int i = start, matched = 0; i < offsets.Count && matched < perFile; i++)
                {
                    var head = file.EntryHead(offsets[i]);
                    if (!filter.PositionMatches(file.SeqnumId, head.Seqnum, head.BootId, head.Monotonic, head.Realtime)) continue;
                    var record = file.ReadEntry(offsets[i]);
                    if (filter.FieldsMatch(record))
                    {
                        records.Add(record);
                        matched++;
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                _problems.Add(e.Message);
            }
        }
        records.Sort(JournalOrder.Compare);
        Deduplicate(records);
        if (query.Lines is int n && records.Count > n)
            records.RemoveRange(0, records.Count - n);
        if (query.First is int m && records.Count > m)
            records.RemoveRange(m, records.Count - m);
        return records;
    }

    /// <summary>The boots the files hold entries of, oldest first (journalctl --list-boots), with the reception time
    /// of each boot's first and last entry.</summary>
    public IReadOnlyList<(Id128 BootId, ulong FirstRealtime, ulong LastRealtime)> Boots()
    {
        var boots = new Dictionary<Id128, (ulong First, ulong Last)>();
        _problems.Clear();
        foreach (var path in Files())
        {
            try
            {
                var file = JournalFileReader.Open(path);
                foreach (long offset in file.EntryOffsets())
                {
                    var head = file.EntryHead(offset);
                    boots[head.BootId] = boots.TryGetValue(head.BootId, out var known)
                        ? (Math.Min(known.First, head.Realtime), Math.Max(known.Last, head.Realtime))
                        : (head.Realtime, head.Realtime);
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                _problems.Add(e.Message);
            }
        }
        return [.. boots.OrderBy(b => b.Value.First).Select(b => (b.Key, b.Value.First, b.Value.Last))];
    }

    /// <summary>The boot journalctl -b OFFSET means: 0 (or less) counts back from the last boot, more than 0
    /// counts from the first (1 is the first); null when there is no such boot.</summary>
    public Id128? BootAt(int offset)
    {
        var boots = Boots();
        int index = offset > 0 ? offset - 1 : boots.Count - 1 + offset;
        return index >= 0 && index < boots.Count ? boots[index].BootId : null;
    }

    /// <summary>The same entry can be in two files (a copy of an archive beside it): keep one.</summary>
    private static void Deduplicate(List<JournalRecord> records)
    {
        int w = 0;
        for (int r = 0; r < records.Count; r++)
        {
            if (w > 0 && records[w - 1].Cursor == records[r].Cursor) continue;
            records[w++] = records[r];
        }
        records.RemoveRange(w, records.Count - w);
    }

    /// <summary>Yields the query's entries, then every new matching entry as it is written,
    /// until cancelled (journalctl -f). Woken by inotify on the directories, with a one-second
    /// recheck for writers whose changes inotify does not report (mmap stores).</summary>
    public async IAsyncEnumerable<JournalRecord> FollowAsync(JournalQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var watchers = new List<FileSystemWatcher>();
        try
        {
            foreach (var dir in _directories)
            {
                Directory.CreateDirectory(dir);
                var watcher = new FileSystemWatcher(dir) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
                watcher.Changed += (_, _) => changed.Writer.TryWrite(true);
                watcher.Created += (_, _) => changed.Writer.TryWrite(true);
                watcher.Renamed += (_, _) => changed.Writer.TryWrite(true);
                watcher.EnableRaisingEvents = true;
                watchers.Add(watcher);
            }

            var seen = new FollowState();
            JournalCursor? last = null;
            var current = query;
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var record in Query(current, seen))
                {
                    if (last is { } l && JournalOrder.Compare(record, l) <= 0) continue;
                    last = record.Cursor;
                    yield return record;
                }
                if (last is { } position)
                    current = query with { Cursor = position, AfterCursor = true, Lines = null };
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(1));
                try { await changed.Reader.ReadAsync(timeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
                catch (OperationCanceledException) { yield break; }
            }
        }
        finally
        {
            foreach (var watcher in watchers) watcher.Dispose();
        }
    }

    /// <summary>The criteria of a query, split into the cheap position tests and the field tests.</summary>
    private sealed class RecordFilter
    {
        private readonly JournalQuery _query;
        private readonly ulong _since, _until;
        private readonly Regex? _grep;
        private readonly Dictionary<string, HashSet<string>> _matches = new(StringComparer.Ordinal);

        public RecordFilter(JournalQuery query)
        {
            _query = query;
            _since = query.Since is { } s ? (ulong)Math.Max(0, (s - DateTimeOffset.UnixEpoch).Ticks / 10) : 0;
            _until = query.Until is { } u ? (ulong)Math.Max(0, (u - DateTimeOffset.UnixEpoch).Ticks / 10) : ulong.MaxValue;
            if (query.Grep is { } pattern)
            {
                bool ignoreCase = !(query.CaseSensitive ?? pattern.Any(char.IsUpper));
                _grep = new Regex(pattern, ignoreCase ? RegexOptions.IgnoreCase | RegexOptions.CultureInvariant : RegexOptions.CultureInvariant);
            }
            foreach (var (field, value) in query.Matches)
            {
                if (!_matches.TryGetValue(field, out var values)) _matches[field] = values = new HashSet<string>(StringComparer.Ordinal);
                values.Add(value);
            }
        }

        public bool PositionMatches(Id128 seqnumId, ulong seqnum, Id128 bootId, ulong monotonic, ulong realtime)
        {
            if (realtime < _since || realtime > _until) return false;
            if (_query.BootId is { } boot && boot != bootId) return false;
            if (_query.Cursor is { } cursor)
            {
                int c = JournalOrder.Compare(seqnumId, seqnum, bootId, monotonic, realtime, cursor);
                if (c < 0 || (c == 0 && _query.AfterCursor)) return false;
            }
            return true;
        }

        public bool FieldsMatch(JournalRecord record)
        {
            if (_query.MaxPriority is int max || _query.MinPriority is not null)
            {
                int? p = record.Priority;
                if (p is null || p > (_query.MaxPriority ?? 7) || p < (_query.MinPriority ?? 0)) return false;
            }
            if (_query.Units.Count > 0 && !AnyFieldIn(record, _query.Units, "_SYSTEMD_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT", "COREDUMP_UNIT"))
                return false;
            if (_query.UserUnits.Count > 0 && !AnyFieldIn(record, _query.UserUnits, "_SYSTEMD_USER_UNIT", "USER_UNIT", "OBJECT_SYSTEMD_USER_UNIT", "COREDUMP_USER_UNIT"))
                return false;
            foreach (var (field, values) in _matches)
                if (!record.Fields.Any(f => f.Key == field && values.Contains(Encoding.UTF8.GetString(f.Value))))
                    return false;
            if (_grep != null && (record.Message is not { } message || !_grep.IsMatch(message))) return false;
            return true;
        }

        private static bool AnyFieldIn(JournalRecord record, IReadOnlyList<string> units, params string[] fields)
        {
            foreach (var field in record.Fields)
                if (Array.IndexOf(fields, field.Key) >= 0 && units.Contains(Encoding.UTF8.GetString(field.Value)))
                    return true;
            return false;
        }
    }
}

/// <summary>The order of entries across files, as sd-journal interleaves them: by sequence
/// number within one sequence-number ID, by monotonic time within one boot, else by wall clock.</summary>
internal static class JournalOrder
{
    public static int Compare(JournalRecord a, JournalRecord b) =>
        Compare(a.SeqnumId, a.Seqnum, a.BootId, a.Monotonic, a.Realtime, b.Cursor);

    public static int Compare(JournalRecord a, JournalCursor b) =>
        Compare(a.SeqnumId, a.Seqnum, a.BootId, a.Monotonic, a.Realtime, b);

    public static int Compare(Id128 seqnumId, ulong seqnum, Id128 bootId, ulong monotonic, ulong realtime, JournalCursor b)
    {
        if (!b.SeqnumId.IsNull && seqnumId == b.SeqnumId) return seqnum.CompareTo(b.Seqnum);
        if (!b.BootId.IsNull && bootId == b.BootId && b.Monotonic != 0) return monotonic.CompareTo(b.Monotonic);
        return realtime.CompareTo(b.Realtime);
    }
}
