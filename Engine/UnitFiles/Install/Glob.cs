namespace Units.UnitFiles.Install;

/// <summary>
/// fnmatch(3) with FNM_NOESCAPE and no other flag, as systemd uses it for preset rules and
/// list-unit-files patterns: '*' and '?' match any character (including '/' and a leading '.'),
/// "[...]" is a bracket expression with '!' or '^' negation and ranges, a backslash is literal.
/// </summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text) => Match(pattern, 0, text, 0);

    private static bool Match(string p, int pi, string t, int ti)
    {
        while (pi < p.Length)
        {
            char c = p[pi];
            if (c == '*')
            {
                while (pi < p.Length && p[pi] == '*')
                    pi++;
                if (pi == p.Length)
                    return true;
                for (int k = ti; k <= t.Length; k++)
                    if (Match(p, pi, t, k))
                        return true;
                return false;
            }
            if (ti >= t.Length)
                return false;
            if (c == '?')
            {
                pi++;
                ti++;
                continue;
            }
            if (c == '[' && TryBracket(p, pi, t[ti], out int next, out bool matched))
            {
                if (!matched)
                    return false;
                pi = next;
                ti++;
                continue;
            }
            if (c != t[ti])
                return false;
            pi++;
            ti++;
        }
        return ti == t.Length;
    }

    /// <summary>Evaluates the bracket expression at <paramref name="start"/>; false when it is unterminated (then '[' is literal).</summary>
    private static bool TryBracket(string p, int start, char ch, out int next, out bool matched)
    {
        int i = start + 1;
        bool negate = i < p.Length && (p[i] == '!' || p[i] == '^');
        if (negate)
            i++;
        bool found = false;
        bool first = true;
        while (i < p.Length && (first || p[i] != ']'))
        {
            first = false;
            char lo = p[i];
            if (i + 2 < p.Length && p[i + 1] == '-' && p[i + 2] != ']')
            {
                char hi = p[i + 2];
                if (ch >= lo && ch <= hi)
                    found = true;
                i += 3;
            }
            else
            {
                if (ch == lo)
                    found = true;
                i++;
            }
        }
        if (i >= p.Length)
        {
            next = 0;
            matched = false;
            return false;
        }
        next = i + 1;
        matched = found != negate;
        return true;
    }
}
