using System.Globalization;
using System.Text;
using Units.UnitFiles.Hashing;

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
            : "_du" + SipHash.Hash24(Encoding.UTF8.GetBytes(prefix), s_hashKey).ToString("x16", CultureInfo.InvariantCulture);
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
}
