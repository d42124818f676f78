using Units.Journal.Format;

namespace Units.Journal.Writing;

/// <summary>Thrown when an entry does not fit in the file's size limit: the caller rotates.</summary>
internal sealed class JournalFileFullException(string message) : IOException(message);

/// <summary>How a new journal file is laid out.</summary>
internal sealed record JournalFileLayout
{
    /// <summary>HEADER_INCOMPATIBLE_KEYED_HASH: SipHash-2-4 keyed by the file ID (journald's
    /// default since 246; journalctl 252 reads and verifies it).</summary>
    public bool KeyedHash { get; init; } = true;

    /// <summary>HEADER_INCOMPATIBLE_COMPACT: 32-bit offsets in entries and entry arrays
    /// (journald 252's default; limits a file to 4 GiB).</summary>
    public bool Compact { get; init; } = true;

    /// <summary>The most the file may grow to.</summary>
    public long MaxSize { get; init; } = 128L * 1024 * 1024;
}

/// <summary>
/// Builds one journal file in systemd's format (https://systemd.io/JOURNAL_FILE_FORMAT/) in a
/// <see cref="FileImage"/>: the header, the field and data hash tables, data objects shared by
/// every entry that carries the same KEY=VALUE (found through the hash table), field objects,
/// entries and the entry arrays that index them, laid out as journald 252 lays them out.
/// Publication to disk is <see cref="PublishedJournalFile"/>'s job.
/// </summary>
internal sealed class JournalFileWriter : IDisposable
{
    private readonly FileImage _image;
    private readonly bool _compact, _keyed;
    private readonly int _itemSize, _arrayItemSize, _payloadOffset;
    private readonly long _dataTable, _fieldTable;
    private readonly ulong _dataBuckets, _fieldBuckets;

    private JournalFileWriter(FileImage image)
    {
        _image = image;
        var incompatible = (IncompatibleFlags)image.U32(Layout.HeaderIncompatibleFlags);
        _compact = incompatible.HasFlag(IncompatibleFlags.Compact);
        _keyed = incompatible.HasFlag(IncompatibleFlags.KeyedHash);
        _itemSize = Layout.EntryItemSize(_compact);
        _arrayItemSize = Layout.EntryArrayItemSize(_compact);
        _payloadOffset = Layout.DataPayloadOffset(_compact);
        _dataTable = (long)image.U64(Layout.HeaderDataHashTableOffset);
        _dataBuckets = image.U64(Layout.HeaderDataHashTableSize) / Layout.HashItemSize;
        _fieldTable = (long)image.U64(Layout.HeaderFieldHashTableOffset);
        _fieldBuckets = image.U64(Layout.HeaderFieldHashTableSize) / Layout.HashItemSize;
        FileId = Id128.FromBytes(image.ReadOnlySpan(Layout.HeaderFileId, 16));
        SeqnumId = Id128.FromBytes(image.ReadOnlySpan(Layout.HeaderSeqnumId, 16));
    }

    public FileImage Image => _image;
    public Id128 FileId { get; }
    public Id128 SeqnumId { get; }
    public bool Compact => _compact;
    public bool KeyedHash => _keyed;

    public ulong EntryCount => _image.U64(Layout.HeaderNEntries);
    public ulong HeadSeqnum => _image.U64(Layout.HeaderHeadEntrySeqnum);
    public ulong TailSeqnum => _image.U64(Layout.HeaderTailEntrySeqnum);
    public ulong HeadRealtime => _image.U64(Layout.HeaderHeadEntryRealtime);
    public ulong TailRealtime => _image.U64(Layout.HeaderTailEntryRealtime);
    public ulong TailMonotonic => _image.U64(Layout.HeaderTailEntryMonotonic);
    public Id128 TailBootId => Id128.FromBytes(_image.ReadOnlySpan(Layout.HeaderTailEntryBootId, 16));
    public long UsedSize => (long)(TailObjectEnd());

    /// <summary>Starts a new, empty file image whose entries follow <paramref name="lastSeqnum"/>.</summary>
    public static JournalFileWriter Create(JournalFileLayout layout, Id128 machineId, Id128 bootId, Id128 seqnumId, ulong lastSeqnum)
    {
        if (layout.Compact && layout.MaxSize > uint.MaxValue)
            throw new ArgumentException("Compact journal files are limited to 4 GiB", nameof(layout));
        var image = new FileImage(layout.MaxSize);
        try
        {
            image.SetSize(Math.Min(Layout.FileSizeIncrease, image.Capacity));
            var fileId = Id128.NewRandom();
            var header = image.Span(0, Layout.HeaderSize252);
            Layout.Signature.CopyTo(header);
            var flags = (layout.KeyedHash ? IncompatibleFlags.KeyedHash : 0) | (layout.Compact ? IncompatibleFlags.Compact : 0);
            image.SetU32(Layout.HeaderIncompatibleFlags, (uint)flags);
            image.SetU8(Layout.HeaderState, (byte)FileState.Online);
            fileId.WriteTo(image.Span(Layout.HeaderFileId, 16));
            machineId.WriteTo(image.Span(Layout.HeaderMachineId, 16));
            bootId.WriteTo(image.Span(Layout.HeaderTailEntryBootId, 16));
            seqnumId.WriteTo(image.Span(Layout.HeaderSeqnumId, 16));
            image.SetU64(Layout.HeaderHeaderSize, Layout.HeaderSize252);
            // As journald does for a file that continues another: the sequence goes on from
            // here even while the file holds no entry yet.
            image.SetU64(Layout.HeaderTailEntrySeqnum, lastSeqnum);
            image.MarkDirty(0, Layout.HeaderSize252);

            // As journald: one hash bucket per 768 bytes the file may hold, kept under 75% full.
            long dataBuckets = Math.Max(layout.MaxSize * 4 / 768 / 3, Layout.DefaultDataHashTableBuckets);
            CreateHashTables(image, Layout.DefaultFieldHashTableBuckets, dataBuckets);
            return new JournalFileWriter(image);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Continues a file written earlier (by us), loaded from disk.</summary>
    public static JournalFileWriter Load(int fd, long size, long maxSize, string path)
    {
        var image = new FileImage(Math.Max(maxSize, size));
        try
        {
            image.Load(fd, size, path);
            if (!image.ReadOnlySpan(0, 8).SequenceEqual(Layout.Signature))
                throw new InvalidDataException($"{path} is not a journal file (bad signature)");
            if (image.U64(Layout.HeaderHeaderSize) != Layout.HeaderSize252)
                throw new InvalidDataException($"{path} has a header of {image.U64(Layout.HeaderHeaderSize)} bytes, not systemd 252's {Layout.HeaderSize252}: not appending to it");
            var incompatible = (IncompatibleFlags)image.U32(Layout.HeaderIncompatibleFlags);
            if ((incompatible & ~(IncompatibleFlags.KeyedHash | IncompatibleFlags.Compact)) != 0)
                throw new InvalidDataException($"{path} uses compression or unknown features ({incompatible}): not appending to it");
            if (image.U32(Layout.HeaderCompatibleFlags) != 0)
                throw new InvalidDataException($"{path} is sealed or has unknown compatible flags: not appending to it");
            if ((FileState)image.U8(Layout.HeaderState) == FileState.Archived)
                throw new InvalidDataException($"{path} is archived: not appending to it");
            var writer = new JournalFileWriter(image);
            image.SetU8(Layout.HeaderState, (byte)FileState.Online);
            return writer;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static void CreateHashTables(FileImage image, long fieldBuckets, long dataBuckets)
    {
        var tables = new JournalFileWriter(image);
        long field = tables.AppendObject(ObjectType.FieldHashTable, Layout.HashTableItems + fieldBuckets * Layout.HashItemSize);
        image.SetU64(Layout.HeaderFieldHashTableOffset, (ulong)(field + Layout.HashTableItems));
        image.SetU64(Layout.HeaderFieldHashTableSize, (ulong)(fieldBuckets * Layout.HashItemSize));
        long data = tables.AppendObject(ObjectType.DataHashTable, Layout.HashTableItems + dataBuckets * Layout.HashItemSize);
        image.SetU64(Layout.HeaderDataHashTableOffset, (ulong)(data + Layout.HashTableItems));
        image.SetU64(Layout.HeaderDataHashTableSize, (ulong)(dataBuckets * Layout.HashItemSize));
    }

    /// <summary>The size of the entry array a slot needs created (0 if its array has room).</summary>
    private long Growth(Slot slot) =>
        slot.Array != 0 ? 0 : Layout.Align64(Layout.EntryArrayItems + (long)slot.NewArraySize * _arrayItemSize);

    public void SetState(FileState state) => _image.SetU8(Layout.HeaderState, (byte)state);

    /// <summary>Whether the hash tables are full enough that journald would start a new file
    /// (more than 75% of buckets used, or chains deeper than 100).</summary>
    public bool RotationSuggested =>
        _image.U64(Layout.HeaderNData) * 4 > _dataBuckets * 3 ||
        _image.U64(Layout.HeaderNFields) * 4 > _fieldBuckets * 3 ||
        _image.U64(Layout.HeaderDataHashChainDepth) > 100 ||
        _image.U64(Layout.HeaderFieldHashChainDepth) > 100;

    public ulong Hash(ReadOnlySpan<byte> payload) => _keyed ? Hashes.SipHash24(payload, FileId) : Hashes.Jenkins64(payload);

    /// <summary>Where a payload's data object is (0 while it does not exist yet), its hash in
    /// this file and its Jenkins hash (for xor_hash).</summary>
    private struct DataRef
    {
        public long Offset;
        public ulong Hash;
        public ulong Jenkins;
        /// <summary>Where this entry goes in the data object's entry list (existing data only).</summary>
        public Slot Slot;
    }

    /// <summary>Where the next item of an entry-array chain goes: an array with room and the
    /// index in it, or (Array == 0) the array to create after <c>Previous</c> and its size.</summary>
    private struct Slot
    {
        public long Array;
        public ulong Index;
        public long Previous;
        public ulong NewArraySize;
    }

    /// <summary>Data objects of shared payload arrays, by array identity (see JournalEntry.AddShared).</summary>
    private readonly Dictionary<byte[], DataRef> _shared = new(ReferenceEqualityComparer.Instance);
    private const int SharedCacheLimit = 16384;

    /// <summary>Appends one entry. <paramref name="fields"/> are KEY=VALUE payloads with valid
    /// field names (the capture side checks them); those flagged in <paramref name="sharedMask"/>
    /// are reused arrays whose data objects are remembered. Throws
    /// <see cref="JournalFileFullException"/> when the file has no room left, leaving the image
    /// unchanged.</summary>
    public void AppendEntry(IReadOnlyList<ReadOnlyMemory<byte>> fields, ulong sharedMask, ulong seqnum, ulong realtime, ulong monotonic, Id128 bootId)
    {
        int count = fields.Count;
        if (count == 0) throw new ArgumentException("An entry needs at least one field", nameof(fields));
        Span<DataRef> refs = count <= 64 ? stackalloc DataRef[count] : new DataRef[count];

        // Look every payload up once; add up the worst case of what the entry may allocate, so a
        // full file never holds half an entry.
        ulong entries = EntryCount;
        var mainSlot = LocateSlot(Layout.HeaderEntryArrayOffset, entries, Layout.HeaderTailEntryArrayOffset, Layout.HeaderTailEntryArrayNEntries);
        long need = Layout.Align64(Layout.EntryItems + (long)count * _itemSize) + Growth(mainSlot);
        Span<bool> cacheable = count <= 64 ? stackalloc bool[count] : new bool[count];
        for (int i = 0; i < count; i++)
        {
            var payload = fields[i];
            byte[]? array = i < 64 && (sharedMask & (1UL << i)) != 0 ? WholeArray(payload) : null;
            cacheable[i] = false;
            if (array == null || !_shared.TryGetValue(array, out refs[i]))
            {
                var span = payload.Span;
                ulong hash = Hash(span);
                refs[i] = new DataRef { Offset = FindData(span, hash, out _, out _), Hash = hash, Jenkins = _keyed ? Hashes.Jenkins64(span) : hash };
                cacheable[i] = array != null;
            }
            long data = refs[i].Offset;
            if (data == 0)
                need += Layout.Align64(_payloadOffset + payload.Length) + Layout.Align64(Layout.FieldPayload + payload.Length);
            else
            {
                ulong n = _image.U64(data + Layout.DataNEntries);
                refs[i].Slot = default;
                if (n > 0)
                {
                    refs[i].Slot = _compact
                        ? LocateSlot(data + Layout.DataEntryArrayOffset, n - 1, data + Layout.DataCompactTailEntryArrayOffset, data + Layout.DataCompactTailEntryArrayNEntries)
                        : LocateSlot(data + Layout.DataEntryArrayOffset, n - 1, -1, -1);
                    need += Growth(refs[i].Slot);
                }
            }
        }
        long left = _image.Capacity - (long)TailObjectEnd();
        if (need > left)
            throw new JournalFileFullException($"Journal file full: the entry needs up to {need} bytes, {left} are left");

        Span<long> offsets = count <= 64 ? stackalloc long[count] : new long[count];
        Span<ulong> hashes = count <= 64 ? stackalloc ulong[count] : new ulong[count];
        Span<Slot> slots = count <= 64 ? stackalloc Slot[count] : new Slot[count];
        ulong xor = 0;
        int items = 0;
        for (int i = 0; i < count; i++)
        {
            long offset = refs[i].Offset;
            if (offset == 0)
            {
                offset = FindOrAppendData(fields[i].Span, refs[i].Hash);
                refs[i].Offset = offset;
                refs[i].Slot = default;
            }
            if (cacheable[i])
            {
                if (_shared.Count >= SharedCacheLimit) _shared.Clear();
                _shared[WholeArray(fields[i])!] = refs[i] with { Slot = default };
            }
            if (offsets[..items].Contains(offset)) continue; // the same KEY=VALUE twice is one item
            offsets[items] = offset;
            hashes[items] = refs[i].Hash;
            slots[items] = refs[i].Slot;
            items++;
            // Cursors must not depend on the per-file hash key: xor_hash is always Jenkins.
            xor ^= refs[i].Jenkins;
        }
        // Items in file order, as journald sorts them.
        SortByOffset(offsets[..items], hashes[..items], slots[..items]);

        long entry = AppendObject(ObjectType.Entry, Layout.EntryItems + (long)items * _itemSize);
        _image.SetU64(entry + Layout.EntrySeqnum, seqnum);
        _image.SetU64(entry + Layout.EntryRealtime, realtime);
        _image.SetU64(entry + Layout.EntryMonotonic, monotonic);
        bootId.WriteTo(_image.Span(entry + Layout.EntryBootId, 16));
        _image.SetU64(entry + Layout.EntryXorHash, xor);
        for (int i = 0; i < items; i++)
        {
            long item = entry + Layout.EntryItems + (long)i * _itemSize;
            if (_compact)
                _image.SetU32(item, (uint)offsets[i]);
            else
            {
                _image.SetU64(item, (ulong)offsets[i]);
                _image.SetU64(item + 8, hashes[i]);
            }
        }

        // The main entry array, with the header's tail pointers.
        LinkIntoArray(Layout.HeaderEntryArrayOffset, Layout.HeaderTailEntryArrayOffset, Layout.HeaderTailEntryArrayNEntries, (ulong)entry, mainSlot);
        _image.SetU64(Layout.HeaderNEntries, entries + 1);

        for (int i = 0; i < items; i++)
            LinkEntryIntoData(offsets[i], entry, slots[i]);

        if (entries == 0)
        {
            _image.SetU64(Layout.HeaderHeadEntrySeqnum, seqnum);
            _image.SetU64(Layout.HeaderHeadEntryRealtime, realtime);
        }
        _image.SetU64(Layout.HeaderTailEntrySeqnum, seqnum);
        _image.SetU64(Layout.HeaderTailEntryRealtime, realtime);
        _image.SetU64(Layout.HeaderTailEntryMonotonic, monotonic);
        bootId.WriteTo(_image.Span(Layout.HeaderTailEntryBootId, 16));
        _image.MarkDirty(Layout.HeaderTailEntryBootId, 16);
    }

    private static byte[]? WholeArray(ReadOnlyMemory<byte> payload) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment) &&
        segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : null;

    private static void SortByOffset(Span<long> offsets, Span<ulong> hashes, Span<Slot> slots)
    {
        for (int i = 1; i < offsets.Length; i++)
        {
            long o = offsets[i];
            ulong h = hashes[i];
            Slot s = slots[i];
            int j = i - 1;
            while (j >= 0 && offsets[j] > o)
            {
                offsets[j + 1] = offsets[j];
                hashes[j + 1] = hashes[j];
                slots[j + 1] = slots[j];
                j--;
            }
            offsets[j + 1] = o;
            hashes[j + 1] = h;
            slots[j + 1] = s;
        }
    }

    private ulong TailObjectEnd()
    {
        ulong tail = _image.U64(Layout.HeaderTailObjectOffset);
        if (tail == 0) return _image.U64(Layout.HeaderHeaderSize);
        return tail + (ulong)Layout.Align64((long)_image.U64((long)tail + Layout.ObjectSize));
    }

    /// <summary>Reserves a zeroed object of <paramref name="size"/> bytes after the tail object,
    /// growing the file in 8 MiB steps as journald does.</summary>
    private long AppendObject(ObjectType type, long size)
    {
        long offset = (long)TailObjectEnd();
        long end = offset + size;
        if (end > _image.Size)
        {
            if (end > _image.Capacity)
                throw new JournalFileFullException($"Journal file full at {_image.Size} bytes");
            long grown = (end + Layout.FileSizeIncrease - 1) / Layout.FileSizeIncrease * Layout.FileSizeIncrease;
            _image.SetSize(Math.Min(grown, _image.Capacity));
        }
        _image.SetU64(Layout.HeaderArenaSize, (ulong)(_image.Size - Layout.HeaderSize252));
        _image.Clear(offset, Layout.Align64(size));
        _image.SetU8(offset + Layout.ObjectType, (byte)type);
        _image.SetU64(offset + Layout.ObjectSize, (ulong)size);
        _image.SetU64(Layout.HeaderTailObjectOffset, (ulong)offset);
        _image.SetU64(Layout.HeaderNObjects, _image.U64(Layout.HeaderNObjects) + 1);
        int counter = type switch
        {
            ObjectType.Data => Layout.HeaderNData,
            ObjectType.Field => Layout.HeaderNFields,
            ObjectType.EntryArray => Layout.HeaderNEntryArrays,
            _ => 0,
        };
        if (counter != 0) _image.SetU64(counter, _image.U64(counter) + 1);
        return offset;
    }

    private long FindData(ReadOnlySpan<byte> payload, ulong hash, out long bucket, out ulong depth)
    {
        bucket = _dataTable + (long)(hash % _dataBuckets) * Layout.HashItemSize;
        long p = (long)_image.U64(bucket);
        depth = 0;
        while (p != 0)
        {
            if (_image.U64(p + Layout.DataHash) == hash &&
                (long)_image.U64(p + Layout.ObjectSize) - _payloadOffset == payload.Length &&
                _image.ReadOnlySpan(p + _payloadOffset, payload.Length).SequenceEqual(payload))
                return p;
            p = (long)_image.U64(p + Layout.DataNextHashOffset);
            depth++;
        }
        return 0;
    }

    private long FindOrAppendData(ReadOnlySpan<byte> payload, ulong hash)
    {
        long found = FindData(payload, hash, out long bucket, out ulong depth);
        if (found != 0) return found;
        if (depth > _image.U64(Layout.HeaderDataHashChainDepth))
            _image.SetU64(Layout.HeaderDataHashChainDepth, depth);

        long data = AppendObject(ObjectType.Data, _payloadOffset + payload.Length);
        _image.SetU64(data + Layout.DataHash, hash);
        _image.Write(data + _payloadOffset, payload);
        AppendToChain(bucket, data, Layout.DataNextHashOffset);

        int eq = payload.IndexOf((byte)'=');
        long field = FindOrAppendField(eq < 0 ? payload : payload[..eq]);
        _image.SetU64(data + Layout.DataNextFieldOffset, _image.U64(field + Layout.FieldHeadDataOffset));
        _image.SetU64(field + Layout.FieldHeadDataOffset, (ulong)data);
        return data;
    }

    private long FindOrAppendField(ReadOnlySpan<byte> name)
    {
        ulong hash = Hash(name);
        long bucket = _fieldTable + (long)(hash % _fieldBuckets) * Layout.HashItemSize;
        long p = (long)_image.U64(bucket);
        ulong depth = 0;
        while (p != 0)
        {
            if (_image.U64(p + Layout.FieldHash) == hash &&
                (long)_image.U64(p + Layout.ObjectSize) - Layout.FieldPayload == name.Length &&
                _image.ReadOnlySpan(p + Layout.FieldPayload, name.Length).SequenceEqual(name))
                return p;
            p = (long)_image.U64(p + Layout.FieldNextHashOffset);
            depth++;
        }
        if (depth > _image.U64(Layout.HeaderFieldHashChainDepth))
            _image.SetU64(Layout.HeaderFieldHashChainDepth, depth);
        long field = AppendObject(ObjectType.Field, Layout.FieldPayload + name.Length);
        _image.SetU64(field + Layout.FieldHash, hash);
        _image.Write(field + Layout.FieldPayload, name);
        AppendToChain(bucket, field, Layout.FieldNextHashOffset);
        return field;
    }

    /// <summary>Appends an object to the tail of its hash bucket's chain (chains stay in file order).</summary>
    private void AppendToChain(long bucket, long offset, int nextField)
    {
        long tail = (long)_image.U64(bucket + 8);
        if (tail == 0)
            _image.SetU64(bucket, (ulong)offset);
        else
            _image.SetU64(tail + nextField, (ulong)offset);
        _image.SetU64(bucket + 8, (ulong)offset);
    }

    /// <summary>Records that <paramref name="entry"/> uses a data object: the first entry inline,
    /// later ones at <paramref name="slot"/> in the data object's own entry-array chain.</summary>
    private void LinkEntryIntoData(long data, long entry, Slot slot)
    {
        ulong n = _image.U64(data + Layout.DataNEntries);
        if (n == 0)
            _image.SetU64(data + Layout.DataEntryOffset, (ulong)entry);
        else if (_compact)
            LinkIntoArray(data + Layout.DataEntryArrayOffset, data + Layout.DataCompactTailEntryArrayOffset, data + Layout.DataCompactTailEntryArrayNEntries, (ulong)entry, slot);
        else
            LinkIntoArray(data + Layout.DataEntryArrayOffset, -1, -1, (ulong)entry, slot);
        _image.SetU64(data + Layout.DataNEntries, n + 1);
    }

    /// <summary>Appends an item to a chain of entry arrays whose first array is at
    /// <paramref name="firstField"/>, at the slot <see cref="LocateSlot"/> found. Where the format
    /// keeps the tail array and its fill (32-bit fields), those are kept up to date.</summary>
    private void LinkIntoArray(long firstField, long tailField, long tailCountField, ulong item, Slot slot)
    {
        long array = slot.Array;
        ulong index = slot.Index;
        if (array == 0)
        {
            array = AppendObject(ObjectType.EntryArray, Layout.EntryArrayItems + (long)slot.NewArraySize * _arrayItemSize);
            index = 0;
            if (slot.Previous == 0)
                _image.SetU64(firstField, (ulong)array);
            else
                _image.SetU64(slot.Previous + Layout.EntryArrayNext, (ulong)array);
        }
        SetArrayItem(array, index, item);
        if (tailField >= 0)
        {
            _image.SetU32(tailField, (uint)array);
            _image.SetU32(tailCountField, (uint)(index + 1));
        }
    }

    /// <summary>Where the next item of a chain holding <paramref name="count"/> items goes; new
    /// arrays double the last one's size, as journald sizes them.</summary>
    private Slot LocateSlot(long firstField, ulong count, long tailField, long tailCountField)
    {
        long array = (long)_image.U64(firstField);
        ulong index = count;
        if (tailField >= 0 && _image.U32(tailField) != 0)
        {
            array = _image.U32(tailField);
            index = _image.U32(tailCountField);
        }
        long previous = 0;
        ulong capacity = 0;
        while (array != 0)
        {
            capacity = ArrayCapacity(array);
            if (index < capacity) return new Slot { Array = array, Index = index, Previous = previous };
            index -= capacity;
            previous = array;
            array = (long)_image.U64(array + Layout.EntryArrayNext);
        }
        ulong size = count > capacity ? (count + 1) * 2 : capacity * 2;
        return new Slot { Previous = previous, NewArraySize = Math.Max(size, 4) };
    }

    private ulong ArrayCapacity(long array) =>
        (_image.U64(array + Layout.ObjectSize) - Layout.EntryArrayItems) >> (_compact ? 2 : 3);

    private void SetArrayItem(long array, ulong index, ulong value)
    {
        long at = array + Layout.EntryArrayItems + (long)index * _arrayItemSize;
        if (_compact) _image.SetU32(at, (uint)value);
        else _image.SetU64(at, value);
    }

    public void Dispose() => _image.Dispose();
}
