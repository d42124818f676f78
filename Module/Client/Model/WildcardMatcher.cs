using System.Text;

namespace Units.Client;

/// <summary>
/// PowerShell wildcard patterns (* ? [abc] [a-z], ` escapes) over unit names. Matching is
/// ordinal and case-sensitive: systemd unit names are.
/// </summary>
public sealed class WildcardMatcher
{
    private readonly string _pattern;

    /// <summary>Creates a matcher for a pattern.</summary>
    public WildcardMatcher(string pattern) => _pattern = pattern;

    /// <summary>Whether a string contains an unescaped wildcard character.</summary>
    public static bool HasWildcards(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '`':
                    i++;
                    break;
                case '*' or '?' or '[':
                    return true;
            }
        }
        return false;
    }

    /// <summary>Removes escape characters from a literal name.</summary>
    public static string Unescape(string text)
    {
        if (!text.Contains('`', StringComparison.Ordinal))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '`' && i + 1 < text.Length)
            {
                i++;
            }
            builder.Append(text[i]);
        }
        return builder.ToString();
    }

    /// <summary>Whether the whole of <paramref name="text"/> matches the pattern.</summary>
    public bool IsMatch(string text) => Match(0, text, 0);

    private bool Match(int p, string text, int t)
    {
        while (p < _pattern.Length)
        {
            var c = _pattern[p];
            switch (c)
            {
                case '*':
                    while (p < _pattern.Length && _pattern[p] == '*')
                    {
                        p++;
                    }
                    if (p == _pattern.Length)
                    {
                        return true;
                    }
                    for (var start = t; start <= text.Length; start++)
                    {
                        if (Match(p, text, start))
                        {
                            return true;
                        }
                    }
                    return false;
                case '?':
                    if (t >= text.Length)
                    {
                        return false;
                    }
                    p++;
                    t++;
                    break;
                case '[':
                    if (t >= text.Length || !MatchClass(ref p, text[t]))
                    {
                        return false;
                    }
                    t++;
                    break;
                default:
                    if (c == '`' && p + 1 < _pattern.Length)
                    {
                        p++;
                        c = _pattern[p];
                    }
                    if (t >= text.Length || text[t] != c)
                    {
                        return false;
                    }
                    p++;
                    t++;
                    break;
            }
        }
        return t == text.Length;
    }

    // An unclosed bracket matches nothing: unit names never contain '['.
    private bool MatchClass(ref int p, char c)
    {
        var close = _pattern.IndexOf(']', p + 1);
        if (close < 0)
        {
            p = _pattern.Length + 1;
            return false;
        }
        var matched = false;
        for (var i = p + 1; i < close; i++)
        {
            var low = _pattern[i];
            if (i + 2 < close && _pattern[i + 1] == '-')
            {
                var high = _pattern[i + 2];
                matched |= c >= low && c <= high;
                i += 2;
            }
            else
            {
                matched |= c == low;
            }
        }
        p = close + 1;
        return matched;
    }
}
