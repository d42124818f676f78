using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Units.Core.Model;

/// <summary>
/// The random 128-bit ID systemd gives each activation of a unit (its sd_id128_t invocation_id): the unit's
/// InvocationID property, $INVOCATION_ID of its processes, _SYSTEMD_INVOCATION_ID on its output and
/// INVOCATION_ID=/USER_INVOCATION_ID= on the manager's messages about it. The zero value is "none".
/// </summary>
public readonly record struct InvocationId(UInt128 Value)
{
    public const int Size = 16;

    public bool IsEmpty => Value == UInt128.Zero;

    /// <summary>A random ID formatted as a version 4 UUID, as sd_id128_randomize() makes it.</summary>
    public static InvocationId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return FromBytes(bytes);
    }

    /// <summary>The ID from its 16 bytes in order (D-Bus "ay"); null when there are not exactly 16.</summary>
    public static InvocationId? TryFromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Size ? FromBytes(bytes) : null;

    private static InvocationId FromBytes(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>The ID written as systemd writes it: 32 lower-case hex digits ("" for none).</summary>
    public override string ToString() =>
        IsEmpty ? "" : Value.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>The 16 bytes in order (empty for none, as systemd's InvocationID property reports "no ID").</summary>
    public byte[] ToBytes()
    {
        if (IsEmpty)
            return [];
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return bytes;
    }

    /// <summary>Parses 32 hex digits (the form in object paths and journal fields).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out InvocationId id)
    {
        id = default;
        if (text.Length != 32 || !UInt128.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out UInt128 value))
            return false;
        id = new InvocationId(value);
        return true;
    }
}
