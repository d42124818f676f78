using System.Buffers.Binary;
using System.Numerics;

namespace Units.UnitFiles.Hashing;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein), as systemd's siphash24 computes it: the hash systemd keys for journal hash
/// tables, FixedRandomDelay=, and names it derives (DynamicUser='s "_du…" users). One implementation for all of them;
/// it lives here, leftmost in the data flow, so every stage may use it.
/// </summary>
public static class SipHash
{
    /// <summary>The hash of <paramref name="data"/> under a key given as its 16 bytes.</summary>
    public static ulong Hash24(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key) =>
        Hash24(data, BinaryPrimitives.ReadUInt64LittleEndian(key), BinaryPrimitives.ReadUInt64LittleEndian(key[8..]));

    /// <summary>The hash of <paramref name="data"/> under the key's two little-endian halves.</summary>
    public static ulong Hash24(ReadOnlySpan<byte> data, ulong k0, ulong k1)
    {
        ulong v0 = k0 ^ 0x736f6d6570736575UL;
        ulong v1 = k1 ^ 0x646f72616e646f6dUL;
        ulong v2 = k0 ^ 0x6c7967656e657261UL;
        ulong v3 = k1 ^ 0x7465646279746573UL;
        ulong last = (ulong)data.Length << 56;
        while (data.Length >= 8)
        {
            Compress(BinaryPrimitives.ReadUInt64LittleEndian(data), ref v0, ref v1, ref v2, ref v3);
            data = data[8..];
        }
        for (int i = 0; i < data.Length; i++)
            last |= (ulong)data[i] << (8 * i);
        Compress(last, ref v0, ref v1, ref v2, ref v3);
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
            Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Compress(ulong m, ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v3 ^= m;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
