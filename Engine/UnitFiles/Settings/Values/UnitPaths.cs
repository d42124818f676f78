using System.Text;

namespace Units.UnitFiles.Settings.Values;

/// <summary>File system path rules systemd applies to path-valued settings (path-util.c).</summary>
public static class UnitPaths
{
    private const int PathMax = 4096;
    private const int NameMax = 255;

    public static bool IsAbsolute(string path) => path.Length > 0 && path[0] == '/';

    /// <summary>path_simplify(): drops "." components, duplicate and trailing slashes ("//a/./b/" → "/a/b").</summary>
    public static string Simplify(string path)
    {
        if (path.Length == 0 || (!path.Contains("//", StringComparison.Ordinal) && !path.Contains("/.", StringComparison.Ordinal)
            && !path.StartsWith("./", StringComparison.Ordinal) && (path.Length == 1 || path[^1] != '/')))
        {
            return path;
        }

        var builder = new StringBuilder(path.Length);
        if (path[0] == '/')
        {
            builder.Append('/');
        }

        foreach (var component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component == ".")
            {
                continue;
            }

            if (builder.Length > 0 && builder[^1] != '/')
            {
                builder.Append('/');
            }

            builder.Append(component);
        }

        if (builder.Length == 0)
        {
            // "." or "./" simplify to "." (nothing else is left of a relative path).
            builder.Append('.');
        }

        return builder.ToString();
    }

    /// <summary>path_is_valid(): not empty, every component at most NAME_MAX, whole path below PATH_MAX.</summary>
    public static bool IsValid(string path)
    {
        if (path.Length == 0 || Encoding.UTF8.GetByteCount(path) >= PathMax)
        {
            return false;
        }

        for (var start = 0; start <= path.Length;)
        {
            var component = NextComponent(path, ref start);
            if (Encoding.UTF8.GetByteCount(component) > NameMax)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>path_is_normalized(): valid, no "..", "." or "//" anywhere.</summary>
    public static bool IsNormalized(string path)
    {
        if (!IsValid(path))
        {
            return false;
        }

        for (var start = 0; start <= path.Length;)
        {
            if (NextComponent(path, ref start) is "..")
            {
                return false;
            }
        }

        return path != "." && !path.StartsWith("./", StringComparison.Ordinal) && !path.EndsWith("/.", StringComparison.Ordinal)
            && !path.Contains("/./", StringComparison.Ordinal) && !path.Contains("//", StringComparison.Ordinal);
    }

    /// <summary>The component starting at <paramref name="start"/>, which moves past the following '/' (or the end).</summary>
    private static ReadOnlySpan<char> NextComponent(string path, ref int start)
    {
        var slash = path.IndexOf('/', start);
        var end = slash < 0 ? path.Length : slash;
        var component = path.AsSpan(start, end - start);
        start = end + 1;
        return component;
    }

    /// <summary>filename_is_valid(): one path component, not "." or "..".</summary>
    public static bool IsValidFileName(string name) =>
        name.Length > 0 && name != "." && name != ".." && !name.Contains('/', StringComparison.Ordinal)
        && Encoding.UTF8.GetByteCount(name) <= NameMax;

    /// <summary>string_is_safe(): no control characters, quotes or backslashes.</summary>
    public static bool IsSafeString(string text)
    {
        foreach (var c in text)
        {
            if ((c > 0 && c < ' ') || c is '"' or '\'' or '\\' or '\x7f')
            {
                return false;
            }
        }

        return true;
    }
}
