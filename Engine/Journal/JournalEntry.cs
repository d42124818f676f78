using System.Text;

namespace Units.Journal;

/// <summary>One log record as a list of KEY=VALUE payloads, the unit the journal stores. Values
/// are bytes: text is UTF-8, binary data stays binary. Field names follow journald's rules
/// (<see cref="JournalFieldName"/>); the capture side checks them before an entry reaches a file.</summary>
public sealed class JournalEntry
{
    private readonly List<ReadOnlyMemory<byte>> _payloads = new(20);

    public IReadOnlyList<ReadOnlyMemory<byte>> Payloads => _payloads;

    /// <summary>Which payloads (by index, the first 64) are shared arrays that many entries
    /// carry (a sender's trusted fields, the host identity): the writer remembers where their
    /// data objects are instead of hashing them again for every entry.</summary>
    internal ulong SharedMask { get; private set; }

    /// <summary>Adds a KEY=VALUE payload that the caller reuses, unchanged, for many entries.
    /// The array must not be modified afterwards.</summary>
    public JournalEntry AddShared(byte[] payload)
    {
        if (_payloads.Count < 64) SharedMask |= 1UL << _payloads.Count;
        return AddPayload(payload);
    }

    /// <summary>The PRIORITY= value when present (journald syncs to disk at once for CRIT and
    /// worse), else 6 (info).</summary>
    public int Priority { get; private set; } = 6;

    public JournalEntry Add(string name, string value) => Add(name, Encoding.UTF8.GetBytes(value));

    public JournalEntry Add(string name, long value) => Add(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public JournalEntry Add(string name, ReadOnlySpan<byte> value)
    {
        int nameLength = Encoding.ASCII.GetByteCount(name);
        var payload = new byte[nameLength + 1 + value.Length];
        Encoding.ASCII.GetBytes(name, payload);
        payload[nameLength] = (byte)'=';
        value.CopyTo(payload.AsSpan(nameLength + 1));
        return AddPayload(payload);
    }

    /// <summary>Adds a complete KEY=VALUE payload (as received over the native protocol).</summary>
    public JournalEntry AddPayload(ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (span.StartsWith("PRIORITY="u8) && span.Length == 10 && span[9] is >= (byte)'0' and <= (byte)'7')
            Priority = span[9] - '0';
        _payloads.Add(payload);
        return this;
    }

    /// <summary>The first value of a field, decoded as UTF-8 (null when absent).</summary>
    public string? Get(string name)
    {
        var value = GetBytes(name);
        return value is null ? null : Encoding.UTF8.GetString(value.Value.Span);
    }

    public ReadOnlyMemory<byte>? GetBytes(string name)
    {
        foreach (var payload in _payloads)
        {
            var span = payload.Span;
            if (span.Length > name.Length && span[name.Length] == '=' && Encoding.ASCII.GetString(span[..name.Length]) == name)
                return payload[(name.Length + 1)..];
        }
        return null;
    }

    public bool Has(string name) => GetBytes(name) is not null;
}

/// <summary>journald's rules for field names (journal_field_valid): 1..64 characters of
/// uppercase ASCII letters, digits and underscores, not starting with a digit. Names starting
/// with an underscore are trusted fields that only the journal itself sets.</summary>
public static class JournalFieldName
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<byte> name, bool allowProtected)
    {
        if (name.Length == 0 || name.Length > MaxLength) return false;
        if (name[0] is >= (byte)'0' and <= (byte)'9') return false;
        if (name[0] == '_' && !allowProtected) return false;
        foreach (byte c in name)
            if (!(c is >= (byte)'A' and <= (byte)'Z' || c is >= (byte)'0' and <= (byte)'9' || c == '_'))
                return false;
        return true;
    }

    public static bool IsValid(string name, bool allowProtected) => IsValid(Encoding.ASCII.GetBytes(name), allowProtected);
}
