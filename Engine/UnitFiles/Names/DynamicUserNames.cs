using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Units.UnitFiles.Names;

/// <summary>The user name DynamicUser= gives a unit without User= (systemd's user_from_unit_name).</summary>
public static class DynamicUserNames
{
    // systemd's key for hashing unit names that are no valid user names.
    private static readonly byte[] s_hashKey = [0x58, 0x1a, 0xaf, 0xe6, 0x28, 0x58, 0x4e, 0x96, 0xb4, 0x4e, 0xf5, 0x3b, 0x8c, 0x92, 0x07, 0xec];

    /// <summary>The unit name's prefix when it is a valid user name, else "_du" and the prefix's SipHash-2-4.</summary>
    public static string FromUnitName(string unitId)
    {
        int at = unitId.IndexOf('@');
        string prefix = at >= 0 ? unitId[..at] : unitId[..unitId.LastIndexOf('.')];
        return IsValidUserName(prefix)
            ? prefix
            : "_du" + SipHash24(Encoding.UTF8.GetBytes(prefix), s_hashKey).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>systemd's strict valid_user_group_name: a letter or "_", then letters, digits, "_" and "-", at most 31.</summary>
    public static bool IsValidUserName(string name)
    {
        if (name.Length is 0 or > 31 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            return false;
        foreach (char c in name.AsSpan(1))
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
                return false;
        return true;
    }

    private static ulong SipHash24(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(key), k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1, v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
        void Round()
        {
            v0 += v1; v1 = ulong.RotateLeft(v1, 13); v1 ^= v0; v0 = ulong.RotateLeft(v0, 32);
            v2 += v3; v3 = ulong.RotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = ulong.RotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = ulong.RotateLeft(v1, 17); v1 ^= v2; v2 = ulong.RotateLeft(v2, 32);
        }
        int whole = data.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round();
            Round();
            v0 ^= m;
        }
        Span<byte> last = stackalloc byte[8];
        last.Clear();
        data[whole..].CopyTo(last);
        last[7] = (byte)data.Length;
        ulong b = BinaryPrimitives.ReadUInt64LittleEndian(last);
        v3 ^= b;
        Round();
        Round();
        v0 ^= b;
        v2 ^= 0xff;
        Round();
        Round();
        Round();
        Round();
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
