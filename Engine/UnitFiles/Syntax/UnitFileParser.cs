using System.Text;

namespace Units.UnitFiles.Syntax;

/// <summary>
/// Reads the syntax of a unit file or drop-in the way systemd 252's config parser (conf-parser.c) does:
/// <list type="bullet">
/// <item>lines end at LF, CR, CR LF, LF CR or NUL (read_line); a line of 1 MiB or more aborts the file (ENOBUFS);</item>
/// <item>a line whose first non-blank character is '#' or ';' is a comment, also in the middle of a continuation;</item>
/// <item>an unescaped trailing backslash continues the line, the backslash becoming a space;</item>
/// <item>a UTF-8 byte order mark is skipped once, but only after the comment check (as systemd does);</item>
/// <item>lines, keys and values are trimmed of blanks; a line that is not valid UTF-8 or a broken section header aborts the file.</item>
/// </list>
/// Interpreting values (quoting, escapes, specifiers) is left to the settings that need it.
/// </summary>
public static class UnitFileParser
{
    /// <summary>systemd's LONG_LINE_MAX: the longest line (or joined continuation) a unit file may hold.</summary>
    public const int LongLineMax = 1024 * 1024;

    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    /// <summary>Parses <paramref name="text"/> accepting every section name.</summary>
    public static ParsedUnitFile Parse(string path, string text, DiagnosticBag d) =>
        Parse(path, Encoding.UTF8.GetBytes(text), d, null);

    /// <summary>
    /// Parses the raw bytes of a file. With <paramref name="knownSections"/> (the sections of the unit's type), any other
    /// section is reported ("Unknown section 'X'. Ignoring.", silently for "X-" sections) and its lines are skipped.
    /// </summary>
    public static ParsedUnitFile Parse(string path, ReadOnlySpan<byte> text, DiagnosticBag d, IReadOnlyList<string>? knownSections)
    {
        var state = new State(path, d, knownSections);
        int pos = 0, line = 0;
        bool bomSeen = false;
        List<byte>? continuation = null;

        while (pos < text.Length)
        {
            int rest = text[pos..].IndexOfAny((byte)'\n', (byte)'\r', (byte)0);
            int end = rest < 0 ? text.Length : pos + rest;
            if (end - pos >= LongLineMax)
                return state.Fail(Errno.ENOBUFS, line + 1, $"Line {line + 1} is longer than {LongLineMax} bytes");
            ReadOnlySpan<byte> buf = text[pos..end];
            pos = SkipEndOfLine(text, end);
            line++;

            ReadOnlySpan<byte> first = buf.TrimStart(" \t"u8);
            if (!first.IsEmpty && (first[0] == (byte)'#' || first[0] == (byte)';'))
                continue;

            ReadOnlySpan<byte> l = buf;
            if (!bomSeen && l.StartsWith(ByteOrderMark))
            {
                l = l[ByteOrderMark.Length..];
                bomSeen = true;
            }

            ReadOnlySpan<byte> p;
            if (continuation is not null)
            {
                if (continuation.Count + l.Length > LongLineMax)
                    return state.Fail(Errno.ENOBUFS, line, $"Continuation line {line} makes a line longer than {LongLineMax} bytes");
                continuation.AddRange(l);
                p = continuation.ToArray();
            }
            else
            {
                p = l;
            }

            if (EndsWithUnescapedBackslash(p))
            {
                if (continuation is null)
                {
                    continuation = new List<byte>(l.Length + 64);
                    continuation.AddRange(l);
                }
                continuation[^1] = (byte)' ';
                continue;
            }

            continuation = null;
            if (!state.ParseLine(p, line))
                return state.Result();
        }

        // systemd counts one more line for a continuation left open at the end of the file.
        if (continuation is not null)
            state.ParseLine(continuation.ToArray(), line + 1);
        return state.Result();
    }

    /// <summary>read_line(): one end-of-line is any run of CR and LF with each at most once, optionally followed by one NUL; a NUL ends it.</summary>
    private static int SkipEndOfLine(ReadOnlySpan<byte> text, int pos)
    {
        int seen = 0;
        while (pos < text.Length)
        {
            int kind = text[pos] switch { (byte)'\n' => 1, (byte)'\r' => 2, 0 => 4, _ => 0 };
            if ((seen & 4) != 0 || kind == 0 || (seen & kind) != 0)
                break;
            seen |= kind;
            pos++;
        }
        return pos;
    }

    /// <summary>A line continues when it ends in an odd run of backslashes (the last one is not itself escaped).</summary>
    private static bool EndsWithUnescapedBackslash(ReadOnlySpan<byte> p)
    {
        int run = 0;
        for (int i = p.Length - 1; i >= 0 && p[i] == (byte)'\\'; i--)
            run++;
        return (run & 1) == 1;
    }

    private static ReadOnlySpan<byte> Strip(ReadOnlySpan<byte> s) => s.Trim(" \t\n\r"u8);

    private sealed class State(string path, DiagnosticBag d, IReadOnlyList<string>? knownSections)
    {
        private readonly List<ParsedSection> sections = [];
        private List<ParsedEntry>? entries;
        private bool sectionIgnored;
        private ParseFailure? failure;

        public ParsedUnitFile Result() => new(path, sections) { Failure = failure };

        public ParsedUnitFile Fail(Errno errno, int line, string detail)
        {
            failure = new ParseFailure(errno, line, detail);
            return Result();
        }

        /// <summary>parse_line(): false when the file must not be read further.</summary>
        public bool ParseLine(ReadOnlySpan<byte> raw, int line)
        {
            ReadOnlySpan<byte> l = Strip(raw);
            if (l.IsEmpty)
                return true;

            if (!Utf8Text.IsValid(l))
            {
                string shown = Utf8Text.EscapeInvalid(l);
                d.Error(path, line, "String is not UTF-8 clean, ignoring assignment: " + shown);
                Fail(Errno.EINVAL, line, "Line is not valid UTF-8");
                return false;
            }

            if (l[0] == (byte)'[')
                return ParseSectionHeader(l, line);

            if (entries is null)
            {
                if (!sectionIgnored)
                    d.Warn(path, line, "Assignment outside of section. Ignoring.");
                return true;
            }

            int eq = l.IndexOf((byte)'=');
            if (eq < 0)
            {
                d.Warn(path, line, "Missing '=', ignoring line.");
                return true;
            }
            if (eq == 0)
            {
                d.Warn(path, line, "Missing key name before '=', ignoring line.");
                return true;
            }

            entries.Add(new ParsedEntry(StringCache.Get(Strip(l[..eq])), StringCache.Get(Strip(l[(eq + 1)..])), line));
            return true;
        }

        private bool ParseSectionHeader(ReadOnlySpan<byte> l, int line)
        {
            if (l[^1] != (byte)']')
            {
                d.Error(path, line, $"Invalid section header '{Encoding.UTF8.GetString(l)}'");
                Fail(Errno.EBADMSG, line, "Section header does not end in ']'");
                return false;
            }

            ReadOnlySpan<byte> name = l.Length >= 2 ? l[1..^1] : [];
            if (!IsSafe(name))
            {
                d.Error(path, line, $"Bad characters in section header '{Encoding.UTF8.GetString(l)}'");
                Fail(Errno.EBADMSG, line, "Section name holds quotes, backslashes or control characters");
                return false;
            }

            string? known = knownSections is null ? Encoding.UTF8.GetString(name) : FindKnown(name);
            if (known is null)
            {
                if (!name.StartsWith("X-"u8))
                    d.Warn(path, line, $"Unknown section '{Encoding.UTF8.GetString(name)}'. Ignoring.");
                entries = null;
                sectionIgnored = true;
                return true;
            }

            entries = [];
            sections.Add(new ParsedSection(known, line, entries));
            sectionIgnored = false;
            return true;
        }

        private string? FindKnown(ReadOnlySpan<byte> name)
        {
            foreach (string s in knownSections!)
            {
                if (name.Length == s.Length && Ascii.Equals(name, s))
                    return s;
            }
            return null;
        }

        /// <summary>string_is_safe(): no control characters, quotes, backslash or DEL.</summary>
        private static bool IsSafe(ReadOnlySpan<byte> s)
        {
            foreach (byte b in s)
            {
                if (b < (byte)' ' || b == (byte)'"' || b == (byte)'\'' || b == (byte)'\\' || b == 0x7F)
                    return false;
            }
            return true;
        }
    }
}
