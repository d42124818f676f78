using System.Text;
using Units.Journal.Format;

namespace Units.Journal.Reading;

/// <summary>One entry read back from a journal file: its position (the parts of a cursor) and
/// its fields, values as bytes (text is UTF-8; binary values are kept as they are).</summary>
public sealed class JournalRecord
{
    internal JournalRecord(Id128 seqnumId, ulong seqnum, Id128 bootId, ulong monotonic, ulong realtime, ulong xorHash, List<KeyValuePair<string, byte[]>> fields)
    {
        SeqnumId = seqnumId;
        Seqnum = seqnum;
        BootId = bootId;
        Monotonic = monotonic;
        Realtime = realtime;
        XorHash = xorHash;
        Fields = fields;
    }

    public Id128 SeqnumId { get; }
    public ulong Seqnum { get; }
    public Id128 BootId { get; }
    /// <summary>CLOCK_MONOTONIC at reception, microseconds.</summary>
    public ulong Monotonic { get; }
    /// <summary>CLOCK_REALTIME at reception, microseconds since the epoch.</summary>
    public ulong Realtime { get; }
    public ulong XorHash { get; }

    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks((long)Realtime * 10);

    /// <summary>Fields in file order (the same name may repeat).</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Fields { get; }

    public JournalCursor Cursor => new(SeqnumId, Seqnum, BootId, Monotonic, Realtime, XorHash);

    public byte[]? GetBytes(string name)
    {
        foreach (var field in Fields)
            if (field.Key == name) return field.Value;
        return null;
    }

    public string? Get(string name) => GetBytes(name) is { } value ? Encoding.UTF8.GetString(value) : null;

    public string? Message => Get("MESSAGE");

    /// <summary>PRIORITY= as a number, or null when absent or malformed.</summary>
    public int? Priority => GetBytes("PRIORITY") is [var digit] && digit is >= (byte)'0' and <= (byte)'7' ? digit - '0' : null;

    public override string ToString() => $"{Timestamp:O} {Get("SYSLOG_IDENTIFIER")}: {Message}";
}
