using System.Text;

namespace Units.UnitFiles.Names;

/// <summary>
/// systemd's unit-name escaping (unit_name_escape/unescape, unit_name_path_escape/unescape), the
/// transformations behind <c>systemd-escape</c> and the %I, %P, %f specifiers. Strings are treated
/// as UTF-8 bytes, as systemd does: every byte outside [A-Za-z0-9:_.] becomes "\xNN".
/// </summary>
public static class UnitNameEscaping
{
    /// <summary>unit_name_escape(): '/' becomes '-', a leading '.' and any byte not allowed in names becomes "\xNN".</summary>
    public static string Escape(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var sb = new StringBuilder(bytes.Length * 2);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b == (byte)'/')
                sb.Append('-');
            else if ((i == 0 && b == (byte)'.') || b == (byte)'-' || b == (byte)'\\' || !UnitName.IsValidChar((char)b))
                sb.Append("\\x").Append(HexDigit(b >> 4)).Append(HexDigit(b));
            else
                sb.Append((char)b);
        }
        return sb.ToString();
    }

    /// <summary>unit_name_unescape(): '-' becomes '/', "\xNN" its byte; false for a backslash not followed by two hex digits.</summary>
    public static bool TryUnescape(string text, out string result)
    {
        result = "";
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '-')
            {
                bytes.Add((byte)'/');
            }
            else if (c == '\\')
            {
                if (i + 3 >= text.Length)
                    return false;
                if (text[i + 1] != 'x')
                    return false;
                int hi = HexValue(text[i + 2]), lo = HexValue(text[i + 3]);
                if (hi < 0 || lo < 0)
                    return false;
                bytes.Add((byte)((hi << 4) | lo));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        result = Encoding.UTF8.GetString(bytes.ToArray());
        return true;
    }

    /// <summary>unit_name_path_escape(): "/" and "" give "-"; otherwise the simplified path without its outer slashes, escaped. False for ".." components.</summary>
    public static bool TryEscapePath(string path, out string result)
    {
        result = "";
        string simplified = SimplifyPath(path);
        if (simplified.Length == 0 || simplified == "/")
        {
            result = "-";
            return true;
        }
        if (!IsNormalizedPath(simplified))
            return false;
        result = Escape(simplified.Trim('/'));
        return true;
    }

    /// <summary>unit_name_path_unescape(): "-" gives "/"; otherwise "/" + the unescaped text, which must be a normalized relative path.</summary>
    public static bool TryUnescapePath(string text, out string result)
    {
        result = "";
        if (text.Length == 0)
            return false;
        if (text == "-")
        {
            result = "/";
            return true;
        }
        if (!TryUnescape(text, out string path) || path.StartsWith('/') || path.EndsWith('/'))
            return false;
        path = "/" + path;
        if (!IsNormalizedPath(path))
            return false;
        result = path;
        return true;
    }

    /// <summary>path_simplify(): collapses repeated slashes, drops "." components and a trailing slash.</summary>
    internal static string SimplifyPath(string path)
    {
        if (path.Length == 0)
            return path;
        var sb = new StringBuilder(path.Length);
        bool absolute = path[0] == '/';
        if (absolute)
            sb.Append('/');
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (sb.Length > 0 && sb[^1] != '/')
                sb.Append('/');
            sb.Append(part);
        }
        if (sb.Length == 0)
            return ".";
        return sb.ToString();
    }

    /// <summary>path_is_normalized(): no "." or ".." components and no "//".</summary>
    internal static bool IsNormalizedPath(string path)
    {
        if (path.Length > 4096)
            return false;
        foreach (string part in path.Split('/'))
        {
            if (part is "." or "..")
                return false;
        }
        return !path.Contains("//", StringComparison.Ordinal);
    }

    private static char HexDigit(int value) => "0123456789abcdef"[value & 0xF];

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
