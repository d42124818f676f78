using System.Text;

namespace Units.UnitFiles.Syntax;

/// <summary>UTF-8 validity exactly as systemd's utf8.c judges it (which also rejects noncharacters such as U+FFFE).</summary>
internal static class Utf8Text
{
    /// <summary>Length of the valid character at the start of <paramref name="s"/>, or 0 when it is not valid.</summary>
    public static int ValidCharLength(ReadOnlySpan<byte> s)
    {
        byte c = s[0];
        if (c < 0x80)
            return 1;
        int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || len > s.Length)
            return 0;
        int value = c & (0xFF >> (len + 1));
        for (int i = 1; i < len; i++)
        {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            value = (value << 6) | (s[i] & 0x3F);
        }
        int shortest = value < 0x80 ? 1 : value < 0x800 ? 2 : value < 0x10000 ? 3 : 4;
        if (shortest != len || value >= 0x110000 || (value & 0xFFFFF800) == 0xD800
            || (value >= 0xFDD0 && value <= 0xFDEF) || (value & 0xFFFE) == 0xFFFE)
            return 0;
        return len;
    }

    public static bool IsValid(ReadOnlySpan<byte> s)
    {
        int ascii = s.IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
        if (ascii < 0)
            return true;
        for (int i = ascii; i < s.Length;)
        {
            int n = ValidCharLength(s[i..]);
            if (n == 0)
                return false;
            i += n;
        }
        return true;
    }

    /// <summary>systemd's utf8_escape_invalid(): every byte that does not start a valid character becomes U+FFFD.</summary>
    public static string EscapeInvalid(ReadOnlySpan<byte> s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length;)
        {
            int n = ValidCharLength(s[i..]);
            if (n == 0)
            {
                sb.Append('\uFFFD');
                i++;
            }
            else
            {
                sb.Append(Encoding.UTF8.GetString(s.Slice(i, n)));
                i += n;
            }
        }
        return sb.ToString();
    }
}
