namespace Units.Journal.Format;

/// <summary>Object types of the journal file format (journal-def.h).</summary>
internal enum ObjectType : byte
{
    Unused = 0,
    Data = 1,
    Field = 2,
    Entry = 3,
    DataHashTable = 4,
    FieldHashTable = 5,
    EntryArray = 6,
    Tag = 7,
}

/// <summary>Header state byte.</summary>
internal enum FileState : byte
{
    Offline = 0,
    Online = 1,
    Archived = 2,
}

[Flags]
internal enum IncompatibleFlags : uint
{
    None = 0,
    CompressedXz = 1 << 0,
    CompressedLz4 = 1 << 1,
    KeyedHash = 1 << 2,
    CompressedZstd = 1 << 3,
    Compact = 1 << 4,
}

[Flags]
internal enum CompatibleFlags : uint
{
    None = 0,
    Sealed = 1 << 0,
    TailEntryBootId = 1 << 1,
    SealedContinuous = 1 << 2,
}

/// <summary>Byte offsets of the journal file format, per https://systemd.io/JOURNAL_FILE_FORMAT/
/// as systemd 252 lays it out. All integers are little-endian; every object starts 8-aligned.</summary>
internal static class Layout
{
    public static ReadOnlySpan<byte> Signature => "LPKSHHRH"u8;

    // Header.
    public const int HeaderCompatibleFlags = 8;
    public const int HeaderIncompatibleFlags = 12;
    public const int HeaderState = 16;
    public const int HeaderFileId = 24;
    public const int HeaderMachineId = 40;
    public const int HeaderTailEntryBootId = 56;
    public const int HeaderSeqnumId = 72;
    public const int HeaderHeaderSize = 88;
    public const int HeaderArenaSize = 96;
    public const int HeaderDataHashTableOffset = 104;
    public const int HeaderDataHashTableSize = 112;
    public const int HeaderFieldHashTableOffset = 120;
    public const int HeaderFieldHashTableSize = 128;
    public const int HeaderTailObjectOffset = 136;
    public const int HeaderNObjects = 144;
    public const int HeaderNEntries = 152;
    public const int HeaderTailEntrySeqnum = 160;
    public const int HeaderHeadEntrySeqnum = 168;
    public const int HeaderEntryArrayOffset = 176;
    public const int HeaderHeadEntryRealtime = 184;
    public const int HeaderTailEntryRealtime = 192;
    public const int HeaderTailEntryMonotonic = 200;
    public const int HeaderNData = 208;
    public const int HeaderNFields = 216;
    public const int HeaderNTags = 224;
    public const int HeaderNEntryArrays = 232;
    public const int HeaderDataHashChainDepth = 240;
    public const int HeaderFieldHashChainDepth = 248;
    public const int HeaderTailEntryArrayOffset = 256;
    public const int HeaderTailEntryArrayNEntries = 260;
    /// <summary>sizeof(Header) in systemd 252 (254 appended tail_entry_offset).</summary>
    public const int HeaderSize252 = 264;
    /// <summary>The smallest header readers accept (systemd 186's, before n_data).</summary>
    public const int HeaderSizeMin = 208;

    // Every object.
    public const int ObjectType = 0;
    public const int ObjectFlags = 1;
    public const int ObjectSize = 8;
    public const int ObjectHeaderSize = 16;

    // Data object.
    public const int DataHash = 16;
    public const int DataNextHashOffset = 24;
    public const int DataNextFieldOffset = 32;
    public const int DataEntryOffset = 40;
    public const int DataEntryArrayOffset = 48;
    public const int DataNEntries = 56;
    public const int DataPayloadRegular = 64;
    public const int DataCompactTailEntryArrayOffset = 64;
    public const int DataCompactTailEntryArrayNEntries = 68;
    public const int DataPayloadCompact = 72;

    // Field object.
    public const int FieldHash = 16;
    public const int FieldNextHashOffset = 24;
    public const int FieldHeadDataOffset = 32;
    public const int FieldPayload = 40;

    // Entry object.
    public const int EntrySeqnum = 16;
    public const int EntryRealtime = 24;
    public const int EntryMonotonic = 32;
    public const int EntryBootId = 40;
    public const int EntryXorHash = 56;
    public const int EntryItems = 64;

    // Hash table object: items of {head_hash_offset, tail_hash_offset}.
    public const int HashTableItems = 16;
    public const int HashItemSize = 16;

    // Entry array object.
    public const int EntryArrayNext = 16;
    public const int EntryArrayItems = 24;

    /// <summary>systemd's default bucket counts for new files.</summary>
    public const int DefaultDataHashTableBuckets = 2047;
    public const int DefaultFieldHashTableBuckets = 333;

    /// <summary>Files grow in steps of this size (journal-file.c FILE_SIZE_INCREASE).</summary>
    public const long FileSizeIncrease = 8L * 1024 * 1024;

    public static long Align64(long value) => (value + 7) & ~7L;

    public static int DataPayloadOffset(bool compact) => compact ? DataPayloadCompact : DataPayloadRegular;
    public static int EntryItemSize(bool compact) => compact ? 4 : 16;
    public static int EntryArrayItemSize(bool compact) => compact ? 4 : 8;
}
