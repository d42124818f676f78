using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Units.Journal.Format;

/// <summary>A 128-bit ID as systemd's sd_id128_t: 16 bytes, written to files in byte order and
/// shown as 32 lowercase hex digits (machine ID, boot ID, file ID, seqnum ID, invocation ID).</summary>
public readonly record struct Id128(ulong High, ulong Low)
{
    public static Id128 Null => default;

    public bool IsNull => High == 0 && Low == 0;

    /// <summary>A random ID shaped as a version 4 UUID, as sd_id128_randomize makes them.</summary>
    public static Id128 NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return FromBytes(bytes);
    }

    public static Id128 FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Parses 32 hex digits, or the 36-character UUID form with dashes (as in
    /// /proc/sys/kernel/random/boot_id).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Id128 id)
    {
        id = default;
        text = text.Trim();
        Span<char> digits = stackalloc char[32];
        int n = 0;
        foreach (char c in text)
        {
            if (c == '-' && text.Length == 36) continue;
            if (n == 32 || !char.IsAsciiHexDigit(c)) return false;
            digits[n++] = c;
        }
        if (n != 32) return false;
        id = new Id128(ulong.Parse(digits[..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                       ulong.Parse(digits[16..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        return true;
    }

    public static Id128 Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"Not a 128-bit ID: '{text}'");

    /// <summary>Reads an ID file such as /etc/machine-id; null when absent or malformed.</summary>
    public static Id128? ReadFile(string path)
    {
        try { return TryParse(File.ReadAllText(path), out var id) && !id.IsNull ? id : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}
