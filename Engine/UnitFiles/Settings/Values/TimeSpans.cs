using System.Globalization;
using System.Text;

namespace Units.UnitFiles.Settings.Values;

/// <summary>
/// Time spans as systemd.time(7) defines them, in microseconds: "5min 20s", "1.5h", "infinity", bare numbers in a
/// default unit. Same acceptance and same overflow rules as systemd's parse_time()/parse_nsec(), and the same
/// rendering as format_timespan().
/// </summary>
public static class TimeSpans
{
    /// <summary>USEC_INFINITY: "infinity", and the value of timeouts that are disabled.</summary>
    public const ulong Infinity = ulong.MaxValue;

    public const ulong MicrosecondsPerMillisecond = 1_000;
    public const ulong MicrosecondsPerSecond = 1_000_000;
    public const ulong MicrosecondsPerMinute = 60 * MicrosecondsPerSecond;
    public const ulong MicrosecondsPerHour = 60 * MicrosecondsPerMinute;
    public const ulong MicrosecondsPerDay = 24 * MicrosecondsPerHour;
    public const ulong MicrosecondsPerWeek = 7 * MicrosecondsPerDay;

    /// <summary>systemd counts a month as 30.44 days and a year as 365.25 days.</summary>
    public const ulong MicrosecondsPerMonth = 2_629_800 * MicrosecondsPerSecond;
    public const ulong MicrosecondsPerYear = 31_557_600 * MicrosecondsPerSecond;

    // Order matters: the first suffix that prefixes the text wins, exactly as in systemd's table.
    private static readonly (string Suffix, ulong Usec)[] Units =
    [
        ("seconds", MicrosecondsPerSecond), ("second", MicrosecondsPerSecond), ("sec", MicrosecondsPerSecond), ("s", MicrosecondsPerSecond),
        ("minutes", MicrosecondsPerMinute), ("minute", MicrosecondsPerMinute), ("min", MicrosecondsPerMinute),
        ("months", MicrosecondsPerMonth), ("month", MicrosecondsPerMonth), ("M", MicrosecondsPerMonth),
        ("msec", MicrosecondsPerMillisecond), ("ms", MicrosecondsPerMillisecond), ("m", MicrosecondsPerMinute),
        ("hours", MicrosecondsPerHour), ("hour", MicrosecondsPerHour), ("hr", MicrosecondsPerHour), ("h", MicrosecondsPerHour),
        ("days", MicrosecondsPerDay), ("day", MicrosecondsPerDay), ("d", MicrosecondsPerDay),
        ("weeks", MicrosecondsPerWeek), ("week", MicrosecondsPerWeek), ("w", MicrosecondsPerWeek),
        ("years", MicrosecondsPerYear), ("year", MicrosecondsPerYear), ("y", MicrosecondsPerYear),
        ("usec", 1), ("us", 1), ("µs", 1), ("μs", 1),
    ];

    // The nanosecond table: the same units scaled by 1000, plus ns and a bare number meaning nanoseconds.
    private static readonly (string Suffix, ulong Nsec)[] NanosecondUnits = BuildNanosecondUnits();

    /// <summary>parse_time(): a span whose bare numbers are in <paramref name="defaultUnit"/> microseconds.</summary>
    public static ValueError Parse(string text, ulong defaultUnit, out ulong usec) =>
        ParseCore(text, defaultUnit, Units, Infinity, out usec);

    /// <summary>parse_sec(): bare numbers are seconds.</summary>
    public static ValueError ParseSeconds(string text, out ulong usec) => Parse(text, MicrosecondsPerSecond, out usec);

    /// <summary>parse_sec_fix_0(): like <see cref="ParseSeconds"/>, but 0 means infinity (old timeouts' "0 disables").</summary>
    public static ValueError ParseSecondsZeroIsInfinity(string text, out ulong usec)
    {
        var error = ParseSeconds(text, out usec);
        if (error == ValueError.None && usec == 0)
        {
            usec = Infinity;
        }

        return error;
    }

    /// <summary>parse_sec_def_infinity(): like <see cref="ParseSeconds"/>, but an empty value means infinity.</summary>
    public static ValueError ParseSecondsEmptyIsInfinity(string text, out ulong usec)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            usec = Infinity;
            return ValueError.None;
        }

        return ParseSeconds(text, out usec);
    }

    /// <summary>parse_nsec(): a span in nanoseconds; bare numbers are nanoseconds.</summary>
    public static ValueError ParseNanoseconds(string text, out ulong nsec) =>
        ParseCore(text, 1, NanosecondUnits, ulong.MaxValue, out nsec);

    /// <summary>format_timespan(): "1min 30s", "1.500000s"-style for sub-minute remainders, "infinity", "0".</summary>
    public static string Format(ulong usec, ulong accuracy = 1)
    {
        if (usec == Infinity)
        {
            return "infinity";
        }

        if (usec == 0)
        {
            return "0";
        }

        ReadOnlySpan<(string Suffix, ulong Usec)> table =
        [
            ("y", MicrosecondsPerYear), ("month", MicrosecondsPerMonth), ("w", MicrosecondsPerWeek), ("d", MicrosecondsPerDay),
            ("h", MicrosecondsPerHour), ("min", MicrosecondsPerMinute), ("s", MicrosecondsPerSecond), ("ms", MicrosecondsPerMillisecond), ("us", 1),
        ];

        var builder = new StringBuilder();
        var something = false;
        var t = usec;
        foreach (var (suffix, unit) in table)
        {
            if (t == 0 || (t < accuracy && something))
            {
                break;
            }

            if (t < unit)
            {
                continue;
            }

            var whole = t / unit;
            var rest = t % unit;
            var done = false;
            if (t < MicrosecondsPerMinute && rest > 0)
            {
                var digits = 0;
                for (var c = unit; c > 1; c /= 10)
                {
                    digits++;
                }

                for (var c = accuracy; c > 1; c /= 10)
                {
                    rest /= 10;
                    digits--;
                }

                if (digits > 0)
                {
                    if (builder.Length > 0)
                    {
                        builder.Append(' ');
                    }

                    builder.Append(whole.ToString(CultureInfo.InvariantCulture)).Append('.')
                        .Append(rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')).Append(suffix);
                    t = 0;
                    done = true;
                }
            }

            if (!done)
            {
                if (builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(whole.ToString(CultureInfo.InvariantCulture)).Append(suffix);
                t = rest;
            }

            something = true;
        }

        return builder.ToString();
    }

    private static ValueError ParseCore(string text, ulong defaultUnit, (string Suffix, ulong Factor)[] units, ulong infinity, out ulong result)
    {
        result = 0;
        var p = SkipWhitespace(text, 0);
        if (text.AsSpan(p).StartsWith("infinity", StringComparison.Ordinal))
        {
            var rest = SkipWhitespace(text, p + "infinity".Length);
            if (rest != text.Length)
            {
                return ValueError.Invalid;
            }

            result = infinity;
            return ValueError.None;
        }

        ulong total = 0;
        var something = false;
        for (; ; )
        {
            p = SkipWhitespace(text, p);
            if (p >= text.Length)
            {
                if (!something)
                {
                    return ValueError.Invalid;
                }

                break;
            }

            if (text[p] == '-')
            {
                // "-0" is refused too.
                return ValueError.OutOfRange;
            }

            // strtoll(): optional '+', digits. A missing number is fine when a '.' follows (".5s").
            var numberStart = p;
            var q = p;
            if (q < text.Length && text[q] == '+')
            {
                q++;
            }

            var digitsStart = q;
            while (q < text.Length && char.IsAsciiDigit(text[q]))
            {
                q++;
            }

            ulong whole = 0;
            var end = numberStart;
            if (q > digitsStart)
            {
                if (!ulong.TryParse(text.AsSpan(digitsStart, q - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture, out whole) || whole > long.MaxValue)
                {
                    return ValueError.OutOfRange;
                }

                end = q;
            }

            var hasFraction = end < text.Length && text[end] == '.';
            if (hasFraction)
            {
                p = end + 1;
                while (p < text.Length && char.IsAsciiDigit(text[p]))
                {
                    p++;
                }
            }
            else if (end == numberStart)
            {
                return ValueError.Invalid;
            }
            else
            {
                p = end;
            }

            var unitStart = SkipWhitespace(text, p);
            var multiplier = defaultUnit;
            var afterUnit = unitStart;
            foreach (var (suffix, factor) in units)
            {
                if (text.AsSpan(unitStart).StartsWith(suffix, StringComparison.Ordinal))
                {
                    multiplier = factor;
                    afterUnit = unitStart + suffix.Length;
                    break;
                }
            }

            // Refuse "12.34.56", accept "12.34 .56" and "12.34s.56".
            if (afterUnit == p && afterUnit < text.Length)
            {
                return ValueError.Invalid;
            }

            p = afterUnit;
            if (whole >= infinity / multiplier)
            {
                return ValueError.OutOfRange;
            }

            var part = whole * multiplier;
            if (part >= infinity - total)
            {
                return ValueError.OutOfRange;
            }

            total += part;
            something = true;

            if (hasFraction)
            {
                var m = multiplier / 10;
                var b = end + 1;
                for (; b < text.Length && char.IsAsciiDigit(text[b]); b++, m /= 10)
                {
                    var k = (ulong)(text[b] - '0') * m;
                    if (k >= infinity - total)
                    {
                        return ValueError.OutOfRange;
                    }

                    total += k;
                }

                // Refuse "0.-0", "3.+1", "3. 1", "3.sec".
                if (b == end + 1)
                {
                    return ValueError.Invalid;
                }
            }
        }

        result = total;
        return ValueError.None;
    }

    private static (string, ulong)[] BuildNanosecondUnits()
    {
        var list = new List<(string, ulong)>(Units.Length + 3);
        foreach (var (suffix, usec) in Units)
        {
            list.Add((suffix, usec * 1000));
        }

        list.Add(("nsec", 1));
        list.Add(("ns", 1));
        return [.. list];
    }

    private static int SkipWhitespace(string text, int p)
    {
        while (p < text.Length && Words.Whitespace.Contains(text[p], StringComparison.Ordinal))
        {
            p++;
        }

        return p;
    }
}
