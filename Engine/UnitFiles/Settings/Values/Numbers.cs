using System.Globalization;

namespace Units.UnitFiles.Settings.Values;

/// <summary>
/// Booleans, integers, file modes, sizes and percentages with the semantics of systemd's parse-util.c:
/// C-style bases (0x…, 0…, plus "0b"/"0o"), whitespace rules, and the same range errors.
/// </summary>
public static class Numbers
{
    private static readonly string[] TrueWords = ["1", "yes", "y", "true", "t", "on"];
    private static readonly string[] FalseWords = ["0", "no", "n", "false", "f", "off"];

    /// <summary>parse_boolean(): 1/yes/y/true/t/on and 0/no/n/false/f/off, case-insensitive.</summary>
    public static bool TryParseBoolean(string text, out bool value)
    {
        foreach (var word in TrueWords)
        {
            if (string.Equals(text, word, StringComparison.OrdinalIgnoreCase))
            {
                value = true;
                return true;
            }
        }

        foreach (var word in FalseWords)
        {
            if (string.Equals(text, word, StringComparison.OrdinalIgnoreCase))
            {
                value = false;
                return true;
            }
        }

        value = false;
        return false;
    }

    /// <summary>safe_atou(): an unsigned 32-bit integer in C notation (decimal, 0x hex, 0 octal, 0b, 0o).</summary>
    public static ValueError ParseUnsigned(string text, out uint value)
    {
        var error = ParseUnsignedCore(text, 0, refusePlusMinus: false, uint.MaxValue, out var wide);
        value = (uint)wide;
        return error;
    }

    /// <summary>safe_atou8().</summary>
    public static ValueError ParseUInt8(string text, out byte value)
    {
        var error = ParseUnsignedCore(text, 0, refusePlusMinus: false, uint.MaxValue, out var wide);
        value = 0;
        if (error != ValueError.None)
        {
            return error;
        }

        if (wide > byte.MaxValue)
        {
            return ValueError.OutOfRange;
        }

        value = (byte)wide;
        return ValueError.None;
    }

    /// <summary>safe_atou64().</summary>
    public static ValueError ParseUInt64(string text, out ulong value) =>
        ParseUnsignedCore(text, 0, refusePlusMinus: false, ulong.MaxValue, out value);

    /// <summary>safe_atoi(): a signed 32-bit integer in C notation.</summary>
    public static ValueError ParseInt32(string text, out int value)
    {
        var error = ParseSignedCore(text, out var wide);
        value = 0;
        if (error != ValueError.None)
        {
            return error;
        }

        if (wide is < int.MinValue or > int.MaxValue)
        {
            return ValueError.OutOfRange;
        }

        value = (int)wide;
        return ValueError.None;
    }

    /// <summary>safe_atoli()/safe_atolli(): a signed 64-bit integer in C notation.</summary>
    public static ValueError ParseInt64(string text, out long value) => ParseSignedCore(text, out value);

    /// <summary>parse_mode(): octal, at most 07777, no sign.</summary>
    public static ValueError ParseMode(string text, out uint mode)
    {
        var error = ParseUnsignedCore(text, 8, refusePlusMinus: true, uint.MaxValue, out var wide);
        mode = 0;
        if (error != ValueError.None)
        {
            return error;
        }

        if (wide > 0xFFF)
        {
            return ValueError.OutOfRange;
        }

        mode = (uint)wide;
        return ValueError.None;
    }

    /// <summary>parse_nice(): an integer within -20…19.</summary>
    public static ValueError ParseNice(string text, out int nice)
    {
        var error = ParseInt32(text, out nice);
        if (error == ValueError.None && nice is < -20 or > 19)
        {
            return ValueError.OutOfRange;
        }

        return error;
    }

    /// <summary>parse_oom_score_adjust(): an integer within -1000…1000.</summary>
    public static ValueError ParseOomScoreAdjust(string text, out int adjust)
    {
        var error = ParseInt32(text, out adjust);
        if (error == ValueError.None && adjust is < -1000 or > 1000)
        {
            return ValueError.OutOfRange;
        }

        return error;
    }

    /// <summary>
    /// parse_size(): a byte count with optional suffixes B, K, M, G, T, P, E (powers of <paramref name="unitBase"/>,
    /// 1024 or 1000), fractions ("1.5G") and sums of decreasing units ("1G 512M").
    /// </summary>
    public static ValueError ParseSize(string text, int unitBase, out ulong size)
    {
        ReadOnlySpan<string> suffixes = ["E", "P", "T", "G", "M", "K", "B", ""];
        size = 0;
        ulong total = 0;
        var start = 0;
        var p = 0;
        do
        {
            p = SkipWhitespace(text, p);
            if (p < text.Length && text[p] == '-')
            {
                // strtoull() would accept it; systemd refuses negative sizes explicitly.
                return ParseDigitsAfterSign(text, p + 1) ? ValueError.OutOfRange : ValueError.Invalid;
            }

            if (p < text.Length && text[p] == '+')
            {
                p++;
            }

            var digitsStart = p;
            while (p < text.Length && char.IsAsciiDigit(text[p]))
            {
                p++;
            }

            if (p == digitsStart)
            {
                return ValueError.Invalid;
            }

            if (!ulong.TryParse(text.AsSpan(digitsStart, p - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture, out var whole))
            {
                return ValueError.OutOfRange;
            }

            double fraction = 0;
            if (p < text.Length && text[p] == '.')
            {
                p++;
                var fractionStart = p;
                while (p < text.Length && char.IsAsciiDigit(text[p]))
                {
                    p++;
                }

                if (p > fractionStart)
                {
                    fraction = double.Parse("0." + text[fractionStart..p], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                }
            }

            p = SkipWhitespace(text, p);

            var index = start;
            for (; index < suffixes.Length; index++)
            {
                if (text.AsSpan(p).StartsWith(suffixes[index], StringComparison.Ordinal))
                {
                    break;
                }
            }

            if (index >= suffixes.Length)
            {
                return ValueError.Invalid;
            }

            var factor = Factor(suffixes.Length - 2 - index, unitBase);
            if (whole + (fraction > 0 ? 1UL : 0UL) > ulong.MaxValue / factor)
            {
                return ValueError.OutOfRange;
            }

            var part = (whole * factor) + (ulong)(fraction * factor);
            if (part > ulong.MaxValue - total)
            {
                return ValueError.OutOfRange;
            }

            total += part;
            p += suffixes[index].Length;
            start = index + 1;
        }
        while (p < text.Length);

        size = total;
        return ValueError.None;
    }

    /// <summary>parse_percent(): "N%" with 0 ≤ N ≤ 100.</summary>
    public static ValueError ParsePercent(string text, out int percent)
    {
        var error = ParseParts(text, "%", 0, out percent);
        return error == ValueError.None && percent > 100 ? ValueError.OutOfRange : error;
    }

    /// <summary>parse_permyriad(): "N%" (two decimals), "N‰" (one decimal) or "N‱", in 1/10000, at most 100%.</summary>
    public static ValueError ParsePermyriad(string text, out int permyriad)
    {
        var error = ParsePermyriadUnbounded(text, out permyriad);
        return error == ValueError.None && permyriad > 10000 ? ValueError.OutOfRange : error;
    }

    /// <summary>parse_permyriad_unbounded(): like <see cref="ParsePermyriad"/> but above 100% is fine.</summary>
    public static ValueError ParsePermyriadUnbounded(string text, out int permyriad)
    {
        if (text.EndsWith('‱'))
        {
            return ParseParts(text, "‱", 0, out permyriad);
        }

        if (text.EndsWith('‰'))
        {
            return ParseParts(text, "‰", 1, out permyriad);
        }

        return ParseParts(text, "%", 2, out permyriad);
    }

    /// <summary>parse_permille(): "N%" (one decimal) or "N‰", in 1/1000, at most 100%.</summary>
    public static ValueError ParsePermille(string text, out int permille)
    {
        var error = text.EndsWith('‰') ? ParseParts(text, "‰", 0, out permille) : ParseParts(text, "%", 1, out permille);
        return error == ValueError.None && permille > 1000 ? ValueError.OutOfRange : error;
    }

    private static ValueError ParseParts(string text, string symbol, int decimals, out int value)
    {
        value = 0;
        if (!text.EndsWith(symbol, StringComparison.Ordinal))
        {
            return ValueError.Invalid;
        }

        var body = text[..^symbol.Length];
        var fraction = 0;
        var dot = decimals > 0 ? body.IndexOf('.', StringComparison.Ordinal) : -1;
        if (dot >= 0)
        {
            var places = body.Length - dot - 1;
            if (places < 1 || places > decimals)
            {
                return ValueError.Invalid;
            }

            for (var i = 0; i < decimals; i++)
            {
                var digit = i < places ? body[dot + 1 + i] : '0';
                if (!char.IsAsciiDigit(digit))
                {
                    return ValueError.Invalid;
                }

                fraction = (fraction * 10) + (digit - '0');
            }

            body = body[..dot];
        }

        var error = ParseInt32(body, out var whole);
        if (error != ValueError.None)
        {
            return error;
        }

        if (whole < 0)
        {
            return ValueError.OutOfRange;
        }

        var scale = decimals switch { 0 => 1, 1 => 10, _ => 100 };
        if (whole > (int.MaxValue - fraction) / scale)
        {
            return ValueError.OutOfRange;
        }

        value = (whole * scale) + fraction;
        return ValueError.None;
    }

    private static ulong Factor(int power, int unitBase)
    {
        ulong factor = 1;
        for (var i = 0; i < power; i++)
        {
            factor *= (ulong)unitBase;
        }

        return factor;
    }

    private static bool ParseDigitsAfterSign(string text, int p) => p < text.Length && char.IsAsciiDigit(text[p]);

    private static int SkipWhitespace(string text, int p)
    {
        while (p < text.Length && Words.Whitespace.Contains(text[p], StringComparison.Ordinal))
        {
            p++;
        }

        return p;
    }

    /// <summary>
    /// strtoull() behind safe_atou_full(): optional "0b"/"0o" (systemd's own), then C's base detection when
    /// <paramref name="fixedBase"/> is 0; the whole string must be consumed.
    /// </summary>
    private static ValueError ParseUnsignedCore(string text, int fixedBase, bool refusePlusMinus, ulong max, out ulong value)
    {
        value = 0;
        var p = SkipWhitespace(text, 0);
        if (refusePlusMinus && p < text.Length && (text[p] == '+' || text[p] == '-'))
        {
            return ValueError.Invalid;
        }

        var numberBase = fixedBase;
        if (numberBase == 0)
        {
            p = SkipSystemdPrefix(text, p, ref numberBase);
        }

        // strtoul() itself skips whitespace and takes a sign.
        var q = SkipWhitespace(text, p);
        var negative = false;
        if (q < text.Length && (text[q] == '+' || text[q] == '-'))
        {
            negative = text[q] == '-';
            q++;
        }

        var error = ParseMagnitude(text, ref q, numberBase, out var magnitude);
        if (error == ValueError.Invalid || q != text.Length)
        {
            return ValueError.Invalid;
        }

        if (error == ValueError.OutOfRange)
        {
            return ValueError.OutOfRange;
        }

        if (negative && magnitude != 0)
        {
            return ValueError.OutOfRange;
        }

        if (magnitude > max)
        {
            return ValueError.OutOfRange;
        }

        value = magnitude;
        return ValueError.None;
    }

    private static ValueError ParseSignedCore(string text, out long value)
    {
        value = 0;
        var p = SkipWhitespace(text, 0);
        var numberBase = 0;
        p = SkipSystemdPrefix(text, p, ref numberBase);
        p = SkipWhitespace(text, p);
        var negative = false;
        if (p < text.Length && (text[p] == '+' || text[p] == '-'))
        {
            negative = text[p] == '-';
            p++;
        }

        var error = ParseMagnitude(text, ref p, numberBase, out var magnitude);
        if (error == ValueError.Invalid || p != text.Length)
        {
            return ValueError.Invalid;
        }

        if (error == ValueError.OutOfRange || magnitude > (negative ? 1UL + long.MaxValue : long.MaxValue))
        {
            return ValueError.OutOfRange;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return ValueError.None;
    }

    private static int SkipSystemdPrefix(string text, int p, ref int numberBase)
    {
        if (p + 1 < text.Length && text[p] == '0')
        {
            switch (text[p + 1])
            {
                case 'b' or 'B':
                    numberBase = 2;
                    return p + 2;
                case 'o' or 'O':
                    numberBase = 8;
                    return p + 2;
            }
        }

        return p;
    }

    /// <summary>The digits part of strtoul(): base 0 detects 0x (hex) and a leading 0 (octal).</summary>
    private static ValueError ParseMagnitude(string text, ref int p, int numberBase, out ulong magnitude)
    {
        magnitude = 0;
        if (numberBase is 0 or 16 && p + 1 < text.Length && text[p] == '0' && (text[p + 1] == 'x' || text[p + 1] == 'X')
            && p + 2 < text.Length && DigitValue(text[p + 2]) is >= 0 and < 16)
        {
            numberBase = 16;
            p += 2;
        }
        else if (numberBase == 0)
        {
            numberBase = p < text.Length && text[p] == '0' ? 8 : 10;
        }

        var start = p;
        var overflow = false;
        while (p < text.Length)
        {
            var digit = DigitValue(text[p]);
            if (digit < 0 || digit >= numberBase)
            {
                break;
            }

            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)numberBase)
            {
                overflow = true;
            }
            else
            {
                magnitude = (magnitude * (ulong)numberBase) + (ulong)digit;
            }

            p++;
        }

        if (p == start)
        {
            return ValueError.Invalid;
        }

        return overflow ? ValueError.OutOfRange : ValueError.None;
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        >= 'A' and <= 'Z' => c - 'A' + 10,
        _ => -1,
    };
}
