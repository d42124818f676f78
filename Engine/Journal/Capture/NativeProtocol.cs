using System.Buffers.Binary;

namespace Units.Journal.Capture;

/// <summary>
/// The native journal protocol of /run/systemd/journal/socket (sd_journal_send): a datagram of
/// fields, each either <c>NAME=value\n</c> or, for values that may contain newlines or any
/// bytes, <c>NAME\n</c> followed by the value's length as a 64-bit little-endian number, the
/// value and a <c>\n</c>. Large messages arrive as a sealed memfd passed with SCM_RIGHTS whose
/// contents have the same form. Names must be valid journal field names; those starting with
/// '_' are trusted fields the journal sets itself, so a client's are dropped (as journald does).
/// </summary>
public static class NativeProtocol
{
    /// <summary>journald's DATA_SIZE_MAX: the largest value accepted.</summary>
    public const long MaxFieldSize = 768L * 1024 * 1024;
    /// <summary>journald's ENTRY_FIELD_COUNT_MAX.</summary>
    public const int MaxFields = 1024;

    /// <summary>Parses one message into <paramref name="entry"/> (client-settable fields only).
    /// Returns false with a reason on malformed input; nothing is added then.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, JournalEntry entry, out string? error)
    {
        var fields = new List<byte[]>();
        error = null;
        while (message.Length > 0)
        {
            int lineEnd = message.IndexOf((byte)'\n');
            if (lineEnd < 0) { error = "field not terminated by a newline"; return false; }
            var line = message[..lineEnd];
            int eq = line.IndexOf((byte)'=');
            if (eq >= 0)
            {
                message = message[(lineEnd + 1)..];
                if (!Accept(line[..eq], ref error)) { if (error != null) return false; continue; }
                fields.Add(line.ToArray());
            }
            else
            {
                var name = line;
                var rest = message[(lineEnd + 1)..];
                if (rest.Length < 8) { error = $"binary field '{Ascii(name)}' without its length"; return false; }
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(rest);
                if (length > (ulong)MaxFieldSize) { error = $"binary field '{Ascii(name)}' too large ({length} bytes)"; return false; }
                if ((ulong)rest.Length < 8 + length + 1) { error = $"binary field '{Ascii(name)}' is truncated"; return false; }
                if (rest[8 + (int)length] != '\n') { error = $"binary field '{Ascii(name)}' not followed by a newline"; return false; }
                var value = rest.Slice(8, (int)length);
                message = rest[(8 + (int)length + 1)..];
                if (!Accept(name, ref error)) { if (error != null) return false; continue; }
                var payload = new byte[name.Length + 1 + value.Length];
                name.CopyTo(payload);
                payload[name.Length] = (byte)'=';
                value.CopyTo(payload.AsSpan(name.Length + 1));
                fields.Add(payload);
            }
            if (fields.Count > MaxFields) { error = $"more than {MaxFields} fields"; return false; }
        }
        if (fields.Count == 0) { error = "message has no fields"; return false; }
        foreach (var field in fields) entry.AddPayload(field);
        return true;
    }

    /// <summary>Trusted (underscore) fields are silently dropped; an invalid name is an error.</summary>
    private static bool Accept(ReadOnlySpan<byte> name, ref string? error)
    {
        if (name.Length > 0 && name[0] == '_') return false;
        if (!JournalFieldName.IsValid(name, allowProtected: false))
        {
            error = $"invalid field name '{Ascii(name)}'";
            return false;
        }
        return true;
    }

    private static string Ascii(ReadOnlySpan<byte> name) =>
        System.Text.Encoding.ASCII.GetString(name[..Math.Min(name.Length, 64)]);

    /// <summary>Encodes fields for sending (binary form where a value has a newline or is not text).</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, byte[]>> fields)
    {
        using var ms = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        foreach (var (name, value) in fields)
        {
            var nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
            ms.Write(nameBytes);
            if (value.AsSpan().IndexOfAny((byte)'\n', (byte)0) < 0)
            {
                ms.WriteByte((byte)'=');
                ms.Write(value);
            }
            else
            {
                ms.WriteByte((byte)'\n');
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)value.Length);
                ms.Write(length);
                ms.Write(value);
            }
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }
}
