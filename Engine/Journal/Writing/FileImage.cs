using System.Buffers.Binary;
using Units.Journal.Native;

namespace Units.Journal.Writing;

/// <summary>The writer's working copy of one journal file: an anonymous mapping as large as the
/// file may ever grow (pages are only committed when touched), the file's current allocated size,
/// and which pages changed since the last publication. The writer mutates only this image; the
/// files on disk change only when <see cref="PublishedJournalFile"/> publishes it, which is what
/// makes a killed writer leave consistent files.</summary>
internal sealed unsafe class FileImage : IDisposable
{
    public const int PageSize = 4096;

    private nint _mapping;
    private readonly ulong[] _dirty;

    public FileImage(long capacity)
    {
        Capacity = (capacity + PageSize - 1) / PageSize * PageSize;
        _mapping = Libc.mmap(0, (nuint)Capacity, Libc.PROT_READ | Libc.PROT_WRITE,
            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        if (_mapping == Libc.MapFailed)
            throw Libc.Error("Cannot map memory for", $"a journal file image of {Capacity} bytes");
        _dirty = new ulong[(Capacity / PageSize + 63) / 64];
    }

    public byte* Base => (byte*)_mapping;

    /// <summary>The most the file may grow to.</summary>
    public long Capacity { get; }

    /// <summary>The file's allocated size (what the files on disk are truncated to).</summary>
    public long Size { get; private set; }

    public void SetSize(long size)
    {
        if (size > Capacity) throw new InvalidOperationException($"Image size {size} over its capacity {Capacity}");
        Size = size;
    }

    public Span<byte> Span(long offset, int length)
    {
        CheckRange(offset, length);
        return new Span<byte>(Base + offset, length);
    }

    public ReadOnlySpan<byte> ReadOnlySpan(long offset, int length)
    {
        CheckRange(offset, length);
        return new ReadOnlySpan<byte>(Base + offset, length);
    }

    public ulong U64(long offset) { CheckRange(offset, 8); return BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(Base + offset, 8)); }
    public uint U32(long offset) { CheckRange(offset, 4); return BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(Base + offset, 4)); }
    public byte U8(long offset) { CheckRange(offset, 1); return Base[offset]; }

    public void SetU64(long offset, ulong value)
    {
        CheckRange(offset, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(Base + offset, 8), value);
        MarkDirty(offset, 8);
    }

    public void SetU32(long offset, uint value)
    {
        CheckRange(offset, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(Base + offset, 4), value);
        MarkDirty(offset, 4);
    }

    public void SetU8(long offset, byte value)
    {
        CheckRange(offset, 1);
        Base[offset] = value;
        MarkDirty(offset, 1);
    }

    public void Write(long offset, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Span(offset, bytes.Length));
        MarkDirty(offset, bytes.Length);
    }

    public void Clear(long offset, long length)
    {
        CheckRange(offset, length);
        new Span<byte>(Base + offset, checked((int)length)).Clear();
        MarkDirty(offset, length);
    }

    public void MarkDirty(long offset, long length)
    {
        if (length <= 0) return;
        long first = offset / PageSize, last = (offset + length - 1) / PageSize;
        for (long page = first; page <= last; page++)
            _dirty[page >> 6] |= 1UL << (int)(page & 63);
    }

    public void MarkAllDirty() => MarkDirty(0, Size);

    /// <summary>Takes the set of pages changed since the last call (and forgets it).</summary>
    public ulong[] TakeDirtyPages()
    {
        var taken = (ulong[])_dirty.Clone();
        Array.Clear(_dirty);
        return taken;
    }

    public bool HasDirtyPages => Array.Exists(_dirty, word => word != 0);

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Size)
            throw new InvalidDataException($"Journal object access at {offset}+{length} outside the file's {Size} bytes");
    }

    public void Dispose()
    {
        if (_mapping != 0)
        {
            _ = Libc.munmap(_mapping, (nuint)Capacity);
            _mapping = 0;
        }
        GC.SuppressFinalize(this);
    }

    ~FileImage() => Dispose();

    internal static void Or(ulong[] into, ulong[] from)
    {
        for (int i = 0; i < into.Length; i++) into[i] |= from[i];
    }

    internal static int PopCount(ulong[] pages)
    {
        int n = 0;
        foreach (ulong word in pages) n += System.Numerics.BitOperations.PopCount(word);
        return n;
    }

    /// <summary>Loads a file's bytes into the image (opening an existing file to append to it).</summary>
    public void Load(int fd, long size, string path)
    {
        SetSize(size);
        Libc.ReadAll(fd, Base, size, 0, path);
    }
}
