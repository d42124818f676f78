using System.Buffers.Binary;
using System.Text;
using Units.Journal.Format;
using Units.Journal.Native;

namespace Units.Journal.Reading;

/// <summary>
/// Reads one journal file, ours or journald's: header, the main entry array and each entry's
/// data objects. Works on a private copy of the file's bytes taken when opened, so a writer
/// changing or replacing the file meanwhile cannot make it read torn objects; every offset is
/// bounds-checked and a malformed file yields a clear <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class JournalFileReader
{
    private readonly byte[] _bytes;
    private readonly bool _compact;
    private readonly int _payloadOffset, _itemSize, _arrayItemSize;
    private readonly IncompatibleFlags _incompatible;

    private JournalFileReader(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        if (bytes.Length < Layout.HeaderSizeMin || !bytes.AsSpan(0, 8).SequenceEqual(Layout.Signature))
            throw new InvalidDataException($"{path}: not a journal file (no LPKSHHRH signature)");
        _incompatible = (IncompatibleFlags)U32(Layout.HeaderIncompatibleFlags);
        var known = IncompatibleFlags.CompressedXz | IncompatibleFlags.CompressedLz4 | IncompatibleFlags.CompressedZstd | IncompatibleFlags.KeyedHash | IncompatibleFlags.Compact;
        if ((_incompatible & ~known) != 0)
            throw new InvalidDataException($"{path}: unknown incompatible flags 0x{(uint)_incompatible:x}");
        _compact = _incompatible.HasFlag(IncompatibleFlags.Compact);
        _payloadOffset = Layout.DataPayloadOffset(_compact);
        _itemSize = Layout.EntryItemSize(_compact);
        _arrayItemSize = Layout.EntryArrayItemSize(_compact);
        HeaderSize = (long)U64(Layout.HeaderHeaderSize);
        if (HeaderSize < Layout.HeaderSizeMin || HeaderSize > bytes.Length)
            throw new InvalidDataException($"{path}: bad header size {HeaderSize}");
        SeqnumId = Id128.FromBytes(bytes.AsSpan(Layout.HeaderSeqnumId, 16));
        FileId = Id128.FromBytes(bytes.AsSpan(Layout.HeaderFileId, 16));
        MachineId = Id128.FromBytes(bytes.AsSpan(Layout.HeaderMachineId, 16));
        State = (FileState)bytes[Layout.HeaderState];
    }

    public string Path { get; }
    public long HeaderSize { get; }
    public Id128 FileId { get; }
    public Id128 MachineId { get; }
    public Id128 SeqnumId { get; }
    public FileState State { get; }
    public bool Compact => _compact;
    public bool KeyedHash => _incompatible.HasFlag(IncompatibleFlags.KeyedHash);
    public ulong EntryCount => U64(Layout.HeaderNEntries);
    public ulong HeadRealtime => U64(Layout.HeaderHeadEntryRealtime);
    public ulong TailRealtime => U64(Layout.HeaderTailEntryRealtime);

    /// <summary>Reads a file's current bytes. Up to the tail object is enough: past it is only
    /// preallocated space.</summary>
    public static unsafe JournalFileReader Open(string path)
    {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw Libc.Error("Cannot open", path);
        try
        {
            byte[] header = new byte[Layout.HeaderSize252];
            long size = new FileInfo(path).Length;
            int headerBytes = (int)Math.Min(header.Length, size);
            fixed (byte* p = header) Libc.ReadAll(fd, p, headerBytes, 0, path);
            long used = size;
            if (headerBytes >= Layout.HeaderSizeMin && header.AsSpan(0, 8).SequenceEqual(Layout.Signature))
            {
                // The tail object's own size is read below; allow a generous bound for it.
                ulong tail = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(Layout.HeaderTailObjectOffset));
                ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(Layout.HeaderHeaderSize));
                used = tail == 0 ? (long)Math.Min(headerSize, (ulong)size) : (long)Math.Min((ulong)size, tail + 16);
                if (tail != 0 && (long)tail + 16 <= size)
                {
                    byte[] objectHeader = new byte[16];
                    fixed (byte* p = objectHeader) Libc.ReadAll(fd, p, 16, (long)tail, path);
                    ulong tailSize = BinaryPrimitives.ReadUInt64LittleEndian(objectHeader.AsSpan(8));
                    used = (long)Math.Min((ulong)size, tail + Math.Max(tailSize, 16UL));
                }
            }
            byte[] bytes = GC.AllocateUninitializedArray<byte>((int)used);
            fixed (byte* p = bytes) Libc.ReadAll(fd, p, used, 0, path);
            return new JournalFileReader(path, bytes);
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    private ulong U64(long offset)
    {
        if (offset < 0 || offset + 8 > _bytes.Length) throw Bad(offset, "reference past the end of the file");
        return BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)offset));
    }

    private uint U32(long offset)
    {
        if (offset < 0 || offset + 4 > _bytes.Length) throw Bad(offset, "reference past the end of the file");
        return BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)offset));
    }

    private InvalidDataException Bad(long offset, string what) => new($"{Path}: offset {offset}: {what}");

    /// <summary>Checks an object's header and returns its size.</summary>
    private long Object(long offset, ObjectType type)
    {
        if (offset < HeaderSize || (offset & 7) != 0 || offset + Layout.ObjectHeaderSize > _bytes.Length)
            throw Bad(offset, $"invalid {type} object offset");
        if ((ObjectType)_bytes[offset] != type)
            throw Bad(offset, $"expected a {type} object, found type {_bytes[offset]}");
        long size = (long)U64(offset + Layout.ObjectSize);
        if (size < Layout.ObjectHeaderSize || offset + size > _bytes.Length)
            throw Bad(offset, $"{type} object size {size} out of the file");
        return size;
    }

    /// <summary>Offsets of all entries in file order, from the main entry array chain.</summary>
    public List<long> EntryOffsets()
    {
        ulong n = EntryCount;
        var offsets = new List<long>((int)Math.Min(n, 1 << 20));
        long array = (long)U64(Layout.HeaderEntryArrayOffset);
        ulong seen = 0;
        int hops = 0;
        while (seen < n && array != 0)
        {
            long size = Object(array, ObjectType.EntryArray);
            long items = (size - Layout.EntryArrayItems) / _arrayItemSize;
            for (long i = 0; i < items && seen < n; i++, seen++)
            {
                long at = array + Layout.EntryArrayItems + i * _arrayItemSize;
                long entry = _compact ? U32(at) : (long)U64(at);
                if (entry == 0) { seen = n; break; }
                offsets.Add(entry);
            }
            long next = (long)U64(array + Layout.EntryArrayNext);
            if (next != 0 && next <= array) throw Bad(array, "entry array chain goes backwards");
            array = next;
            if (++hops > 64 * 1024) throw Bad(array, "entry array chain too long");
        }
        return offsets;
    }

    /// <summary>The position fields of an entry without decoding its data (for filtering by
    /// time and cursor before paying for the fields).</summary>
    public (ulong Seqnum, ulong Realtime, ulong Monotonic, Id128 BootId, ulong Xor) EntryHead(long entry)
    {
        Object(entry, ObjectType.Entry);
        return (U64(entry + Layout.EntrySeqnum), U64(entry + Layout.EntryRealtime), U64(entry + Layout.EntryMonotonic),
                Id128.FromBytes(_bytes.AsSpan((int)entry + Layout.EntryBootId, 16)), U64(entry + Layout.EntryXorHash));
    }

    public JournalRecord ReadEntry(long entry)
    {
        var (seqnum, realtime, monotonic, bootId, xor) = EntryHead(entry);
        var fields = new List<KeyValuePair<string, byte[]>>(24);
        foreach (long data in DataOffsetsOf(entry))
            fields.Add(ReadData(data));
        return new JournalRecord(SeqnumId, seqnum, bootId, monotonic, realtime, xor, fields);
    }

    /// <summary>The data objects an entry references, in its item order.</summary>
    public List<long> DataOffsetsOf(long entry)
    {
        long size = Object(entry, ObjectType.Entry);
        long n = (size - Layout.EntryItems) / _itemSize;
        var offsets = new List<long>((int)Math.Min(n, 256));
        for (long i = 0; i < n; i++)
        {
            long at = entry + Layout.EntryItems + i * _itemSize;
            offsets.Add(_compact ? U32(at) : (long)U64(at));
        }
        return offsets;
    }

    /// <summary>The payload of a data object (decompressed if journald compressed it).</summary>
    public ReadOnlySpan<byte> DataPayload(long data, out byte[]? decompressed)
    {
        long size = Object(data, ObjectType.Data);
        if (size < _payloadOffset) throw Bad(data, "data object smaller than its header");
        var payload = _bytes.AsSpan((int)(data + _payloadOffset), (int)(size - _payloadOffset));
        byte flags = _bytes[data + Layout.ObjectFlags];
        decompressed = null;
        if (flags == 0) return payload;
        decompressed = Decompression.Decompress(flags, payload, Path, data);
        return decompressed;
    }

    public ulong DataHash(long data) => U64(data + Layout.DataHash);

    private KeyValuePair<string, byte[]> ReadData(long data)
    {
        var payload = DataPayload(data, out _);
        int eq = payload.IndexOf((byte)'=');
        if (eq <= 0) throw Bad(data, "data object without a FIELD= prefix");
        return new(Encoding.ASCII.GetString(payload[..eq]), payload[(eq + 1)..].ToArray());
    }
}
