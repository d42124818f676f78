using System.Text;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Settings.Values;

/// <summary>How <see cref="Words.ExtractFirst"/> treats quotes, escapes and separators (systemd's ExtractFlags).</summary>
[Flags]
public enum ExtractFlags
{
    None = 0,

    /// <summary>Accept a trailing backslash and unbalanced quotes instead of failing.</summary>
    Relax = 1 << 0,

    /// <summary>Decode C escapes (\n, \x41, \u00e9, \s, ...).</summary>
    CUnescape = 1 << 1,

    /// <summary>Keep unknown escapes verbatim (backslash included) instead of failing.</summary>
    UnescapeRelax = 1 << 2,

    /// <summary>A backslash before a separator or a backslash yields that character.</summary>
    UnescapeSeparators = 1 << 3,

    /// <summary>Keep the quote characters in the word.</summary>
    KeepQuote = 1 << 4,

    /// <summary>Remove quotes, joining the quoted text to the word.</summary>
    Unquote = 1 << 5,

    /// <summary>Every separator ends a word: "a,,b" has an empty word between the commas.</summary>
    DontCoalesceSeparators = 1 << 6,

    /// <summary>Keep backslashes as they are (no escape processing at all).</summary>
    RetainEscape = 1 << 7,

    /// <summary>Leave the separator that ended the word in the input.</summary>
    RetainSeparators = 1 << 8,
}

/// <summary>The outcome of one <see cref="Words.ExtractFirst"/> call.</summary>
public enum ExtractResult
{
    /// <summary>No more words.</summary>
    End,

    /// <summary>A word was extracted (it may be empty when quoted or with DontCoalesceSeparators).</summary>
    Word,

    /// <summary>Bad quoting or escaping (EINVAL).</summary>
    Invalid,
}

/// <summary>
/// The words of one value, one <see cref="Words.ExtractFirst"/> at a time:
/// <c>while (words.Next(out var word)) { ... }</c>, then <see cref="Invalid"/> tells whether the value ended in bad
/// quoting or escaping (each setting words that in its own message) rather than running out of words.
/// </summary>
public ref struct WordReader(string text, string? separators, ExtractFlags flags)
{
    private int position;

    /// <summary>Set when <see cref="Next"/> stopped at bad quoting or escaping.</summary>
    public bool Invalid { get; private set; }

    public bool Next(out string word)
    {
        var result = Words.ExtractFirst(text, ref position, out word, separators, flags);
        Invalid = result == ExtractResult.Invalid;
        return result == ExtractResult.Word;
    }
}

/// <summary>
/// Splitting of setting values into words exactly as systemd's extract_first_word() does:
/// whitespace separation, single and double quotes, C escapes. Used by every list-valued setting.
/// </summary>
public static class Words
{
    /// <summary>systemd's WHITESPACE: space, tab, newline, carriage return.</summary>
    public const string Whitespace = " \t\n\r";

    /// <summary>
    /// Extracts the word starting at <paramref name="position"/> (advanced past it; -1 once the input is exhausted).
    /// </summary>
    public static ExtractResult ExtractFirst(string input, ref int position, out string word, string? separators, ExtractFlags flags)
    {
        word = string.Empty;
        separators ??= Whitespace;
        if (position < 0 || position > input.Length)
        {
            position = -1;
            return ExtractResult.End;
        }

        var builder = (StringBuilder?)null;
        var p = position;

        if ((flags & ExtractFlags.DontCoalesceSeparators) != 0)
        {
            builder = RentBuilder();
        }

        // Skip leading separators (or stop at the first one when they are not coalesced).
        for (; ; p++)
        {
            if (p >= input.Length)
            {
                goto FinishForceTerminate;
            }

            var c = input[p];
            if (separators.Contains(c, StringComparison.Ordinal))
            {
                if ((flags & ExtractFlags.DontCoalesceSeparators) != 0)
                {
                    if ((flags & ExtractFlags.RetainSeparators) == 0)
                    {
                        p++;
                    }

                    goto FinishForceNext;
                }
            }
            else
            {
                builder ??= RentBuilder();
                break;
            }
        }

        char quote = '\0';
        var backslash = false;
        for (; ; p++)
        {
            var c = p < input.Length ? input[p] : '\0';
            if (backslash)
            {
                if (p >= input.Length)
                {
                    if ((flags & ExtractFlags.UnescapeRelax) != 0 && (quote == '\0' || (flags & ExtractFlags.Relax) != 0))
                    {
                        builder!.Append('\\');
                        goto FinishForceTerminate;
                    }

                    if ((flags & ExtractFlags.Relax) != 0)
                    {
                        goto FinishForceTerminate;
                    }

                    position = p;
                    return ExtractResult.Invalid;
                }

                if ((flags & (ExtractFlags.CUnescape | ExtractFlags.UnescapeSeparators)) != 0)
                {
                    int consumed;
                    if ((flags & ExtractFlags.CUnescape) != 0 && (consumed = CUnescapeOne(input, p, builder!)) > 0)
                    {
                        p += consumed - 1;
                    }
                    else if ((flags & ExtractFlags.UnescapeSeparators) != 0 && (separators.Contains(c, StringComparison.Ordinal) || c == '\\'))
                    {
                        builder!.Append(c);
                    }
                    else if ((flags & ExtractFlags.UnescapeRelax) != 0)
                    {
                        builder!.Append('\\').Append(c);
                    }
                    else
                    {
                        position = p;
                        return ExtractResult.Invalid;
                    }
                }
                else
                {
                    builder!.Append(c);
                }

                backslash = false;
            }
            else if (quote != '\0')
            {
                for (; ; p++)
                {
                    if (p >= input.Length)
                    {
                        if ((flags & ExtractFlags.Relax) != 0)
                        {
                            goto FinishForceTerminate;
                        }

                        position = p;
                        return ExtractResult.Invalid;
                    }

                    c = input[p];
                    if (c == quote)
                    {
                        quote = '\0';
                        if ((flags & ExtractFlags.Unquote) != 0)
                        {
                            break;
                        }
                    }
                    else if (c == '\\' && (flags & ExtractFlags.RetainEscape) == 0)
                    {
                        backslash = true;
                        break;
                    }

                    builder!.Append(c);
                    if (quote == '\0')
                    {
                        break;
                    }
                }
            }
            else
            {
                for (; ; p++)
                {
                    if (p >= input.Length)
                    {
                        goto FinishForceTerminate;
                    }

                    c = input[p];
                    if ((c == '\'' || c == '"') && (flags & (ExtractFlags.KeepQuote | ExtractFlags.Unquote)) != 0)
                    {
                        quote = c;
                        if ((flags & ExtractFlags.Unquote) != 0)
                        {
                            break;
                        }
                    }
                    else if (c == '\\' && (flags & ExtractFlags.RetainEscape) == 0)
                    {
                        backslash = true;
                        break;
                    }
                    else if (separators.Contains(c, StringComparison.Ordinal))
                    {
                        if ((flags & ExtractFlags.DontCoalesceSeparators) != 0)
                        {
                            if ((flags & ExtractFlags.RetainSeparators) == 0)
                            {
                                p++;
                            }

                            goto FinishForceNext;
                        }

                        if ((flags & ExtractFlags.RetainSeparators) == 0)
                        {
                            // Skip the separators that follow, so the next call starts at a word.
                            for (; ; p++)
                            {
                                if (p >= input.Length)
                                {
                                    goto FinishForceTerminate;
                                }

                                if (!separators.Contains(input[p], StringComparison.Ordinal))
                                {
                                    break;
                                }
                            }
                        }

                        goto FinishForceNext;
                    }

                    builder!.Append(c);
                    if (quote != '\0')
                    {
                        break;
                    }
                }
            }
        }

    FinishForceTerminate:
        position = -1;
        if (builder is null)
        {
            return ExtractResult.End;
        }

        word = StringCache.Get(builder);
        return ExtractResult.Word;

    FinishForceNext:
        position = p;
        word = builder is null ? string.Empty : StringCache.Get(builder);
        return ExtractResult.Word;
    }

    // Every unit file splits many values into words: one builder per thread instead of one per word.
    [ThreadStatic]
    private static StringBuilder? cachedBuilder;

    private static StringBuilder RentBuilder()
    {
        var builder = cachedBuilder ??= new StringBuilder(64);
        builder.Clear();
        return builder;
    }

    /// <summary>
    /// Decodes one C escape whose first character (after the backslash) is at <paramref name="index"/>;
    /// appends the character and returns how many input characters it used, or 0 when it is not a valid escape.
    /// </summary>
    public static int CUnescapeOne(string input, int index, StringBuilder output, bool acceptNul = false)
    {
        if (index >= input.Length)
        {
            return 0;
        }

        switch (input[index])
        {
            case 'a': output.Append('\a'); return 1;
            case 'b': output.Append('\b'); return 1;
            case 'f': output.Append('\f'); return 1;
            case 'n': output.Append('\n'); return 1;
            case 'r': output.Append('\r'); return 1;
            case 't': output.Append('\t'); return 1;
            case 'v': output.Append('\v'); return 1;
            case '\\': output.Append('\\'); return 1;
            case '"': output.Append('"'); return 1;
            case '\'': output.Append('\''); return 1;
            case 's': output.Append(' '); return 1; // an extension of the XDG syntax files
            case 'x':
            {
                var value = HexDigits(input, index + 1, 2);
                if (value < 0 || (value == 0 && !acceptNul))
                {
                    return 0;
                }

                output.Append((char)value);
                return 3;
            }

            case 'u':
            {
                var value = HexDigits(input, index + 1, 4);
                if (value < 0 || (value == 0 && !acceptNul))
                {
                    return 0;
                }

                output.Append((char)value);
                return 5;
            }

            case 'U':
            {
                var value = HexDigits(input, index + 1, 8);
                if (value < 0 || (value == 0 && !acceptNul) || !IsValidCodePoint(value))
                {
                    return 0;
                }

                output.Append(char.ConvertFromUtf32((int)value));
                return 9;
            }

            case >= '0' and <= '7':
            {
                if (index + 2 >= input.Length)
                {
                    return 0;
                }

                long value = 0;
                for (var i = 0; i < 3; i++)
                {
                    var d = input[index + i];
                    if (d is < '0' or > '7')
                    {
                        return 0;
                    }

                    value = (value << 3) | (uint)(d - '0');
                }

                if ((value == 0 && !acceptNul) || value > 255)
                {
                    return 0;
                }

                output.Append((char)value);
                return 3;
            }

            default:
                return 0;
        }
    }

    /// <summary>Decodes every C escape of <paramref name="text"/> (systemd's cunescape()); false when one is invalid.</summary>
    public static bool TryCUnescape(string text, out string result)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            result = text;
            return true;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                builder.Append(text[i]);
                continue;
            }

            var used = CUnescapeOne(text, i + 1, builder);
            if (used == 0)
            {
                result = text;
                return false;
            }

            i += used;
        }

        result = builder.ToString();
        return true;
    }

    private static long HexDigits(string input, int start, int count)
    {
        if (start + count > input.Length)
        {
            return -1;
        }

        long value = 0;
        for (var i = 0; i < count; i++)
        {
            var digit = HexValue(input[start + i]);
            if (digit < 0)
            {
                return -1;
            }

            value = (value << 4) | (uint)digit;
        }

        return value;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool IsValidCodePoint(long c) => c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF && c != 0xFFFE && c != 0xFFFF);
}
