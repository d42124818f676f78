using System.Buffers.Binary;
using System.Numerics;
using Units.UnitFiles.Hashing;

namespace Units.Journal.Format;

/// <summary>The two hash functions of the journal file format: Bob Jenkins' lookup3
/// (hashlittle2), which systemd uses for files without the keyed-hash flag and for every
/// entry's xor_hash; and SipHash-2-4 keyed with the file ID, used for the hash tables of files
/// with HEADER_INCOMPATIBLE_KEYED_HASH.</summary>
internal static class Hashes
{
    /// <summary>systemd's jenkins_hash64: hashlittle2 with both seeds zero, primary (c) in the
    /// high 32 bits and secondary (b) in the low 32 bits.</summary>
    public static ulong Jenkins64(ReadOnlySpan<byte> data)
    {
        uint a, b, c;
        a = b = c = 0xdeadbeef + (uint)data.Length;
        while (data.Length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(data);
            b += BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
            Mix(ref a, ref b, ref c);
            data = data[12..];
        }
        if (data.Length == 0)
            return ((ulong)c << 32) | b;
        // The tail (1..12 bytes) is added little-endian into a, b, c as if zero-padded.
        Span<byte> tail = stackalloc byte[12];
        tail.Clear();
        data.CopyTo(tail);
        a += BinaryPrimitives.ReadUInt32LittleEndian(tail);
        b += BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        c += BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        Final(ref a, ref b, ref c);
        return ((ulong)c << 32) | b;
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
        a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
    }

    /// <summary>SipHash-2-4 with a 128-bit key given as its 16 bytes (systemd passes the file
    /// ID's bytes).</summary>
    public static ulong SipHash24(ReadOnlySpan<byte> data, Id128 key)
    {
        Span<byte> keyBytes = stackalloc byte[16];
        key.WriteTo(keyBytes);
        return SipHash.Hash24(data, keyBytes);
    }
}
