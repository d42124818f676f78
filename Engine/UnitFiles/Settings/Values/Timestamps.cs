using System.Globalization;

namespace Units.UnitFiles.Settings.Values;

/// <summary>
/// Timestamps as systemd.time(7) "Parsing Timestamps" defines them (systemd 252's parse_timestamp()): absolute dates
/// and times, "now", "today", "yesterday", "tomorrow", "+5min", "-5days", "5min ago", "5min left", "@seconds", an
/// optional weekday that must match, and " UTC". Rendered as format_timestamp() does ("Mon 2024-01-01 10:00:00 UTC").
/// </summary>
public static class Timestamps
{
    /// <summary>USEC_TIMESTAMP_FORMATTABLE_MAX: the end of year 9999.</summary>
    public const ulong FormattableMax = 253_402_214_400UL * 1_000_000 - 1;

    private static readonly (string Name, DayOfWeek Day)[] Weekdays =
    [
        ("Sunday", DayOfWeek.Sunday), ("Sun", DayOfWeek.Sunday), ("Monday", DayOfWeek.Monday), ("Mon", DayOfWeek.Monday),
        ("Tuesday", DayOfWeek.Tuesday), ("Tue", DayOfWeek.Tuesday), ("Wednesday", DayOfWeek.Wednesday), ("Wed", DayOfWeek.Wednesday),
        ("Thursday", DayOfWeek.Thursday), ("Thu", DayOfWeek.Thursday), ("Friday", DayOfWeek.Friday), ("Fri", DayOfWeek.Friday),
        ("Saturday", DayOfWeek.Saturday), ("Sat", DayOfWeek.Saturday),
    ];

    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames;

    /// <summary>
    /// Parses <paramref name="text"/> relative to <paramref name="nowUsec"/> (µs since the epoch) in
    /// <paramref name="localZone"/> (used unless the text ends in " UTC").
    /// </summary>
    public static ValueError Parse(string text, ulong nowUsec, TimeZoneInfo localZone, out ulong usec)
    {
        usec = 0;
        if (text.StartsWith('@'))
        {
            return TimeSpans.ParseSeconds(text[1..], out usec);
        }

        var result = nowUsec;
        if (text == "now")
        {
            return Finish(result, 0, 0, out usec);
        }

        if (text.StartsWith('+') || text.StartsWith('-'))
        {
            var error = TimeSpans.ParseSeconds(text[1..], out var span);
            if (error != ValueError.None)
            {
                return error;
            }

            return text[0] == '+' ? Finish(result, span, 0, out usec) : Finish(result, 0, span, out usec);
        }

        if (text.EndsWith(" ago", StringComparison.Ordinal) || text.EndsWith(" left", StringComparison.Ordinal))
        {
            var ago = text.EndsWith(" ago", StringComparison.Ordinal);
            var error = TimeSpans.ParseSeconds(text[..^(ago ? 4 : 5)], out var span);
            if (error != ValueError.None)
            {
                return error;
            }

            return ago ? Finish(result, 0, span, out usec) : Finish(result, span, 0, out usec);
        }

        var zone = localZone;
        if (text.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase))
        {
            zone = TimeZoneInfo.Utc;
            text = text[..^4];
        }

        var now = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddTicks((long)(nowUsec / 1_000_000) * TimeSpan.TicksPerSecond), zone);
        DateTime local;
        var fraction = 0UL;
        switch (text)
        {
            case "today":
                local = now.Date;
                break;
            case "yesterday":
                local = now.Date.AddDays(-1);
                break;
            case "tomorrow":
                local = now.Date.AddDays(1);
                break;
            default:
                DayOfWeek? weekday = null;
                foreach (var (name, day) in Weekdays)
                {
                    if (text.Length > name.Length && text.StartsWith(name, StringComparison.OrdinalIgnoreCase) && text[name.Length] == ' ')
                    {
                        weekday = day;
                        text = text[(name.Length + 1)..];
                        break;
                    }
                }

                if (!TryParseAbsolute(text, now, out local, out fraction) || (weekday is { } wd && local.DayOfWeek != wd))
                {
                    return ValueError.Invalid;
                }

                break;
        }

        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        var utc = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone);
        if (utc < DateTime.UnixEpoch)
        {
            return ValueError.Invalid;
        }

        result = ((ulong)(utc - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond * 1_000_000) + fraction;
        return Finish(result, 0, 0, out usec);
    }

    /// <summary>
    /// format_timestamp(): "Mon 2024-01-01 10:00:00 UTC" (the zone's name is given for UTC only; others show their
    /// offset); null for 0 and infinity, which systemd treats as "no timestamp".
    /// </summary>
    public static string? Format(ulong usec, TimeZoneInfo zone)
    {
        if (usec is 0 or ulong.MaxValue || usec > FormattableMax)
        {
            return null;
        }

        var utc = DateTime.UnixEpoch.AddTicks((long)(usec / 1_000_000) * TimeSpan.TicksPerSecond);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        var name = zone == TimeZoneInfo.Utc || zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime
            ? "UTC"
            : local.ToString("zzz", CultureInfo.InvariantCulture);
        return local.ToString("ddd yyyy-MM-dd HH:mm:ss ", CultureInfo.InvariantCulture) + name;
    }

    private static ValueError Finish(ulong result, ulong plus, ulong minus, out ulong usec)
    {
        usec = 0;
        if (result + plus < result || result + plus > FormattableMax || result + plus < minus)
        {
            return ValueError.Invalid;
        }

        usec = result + plus - minus;
        return ValueError.None;
    }

    /// <summary>The strptime() formats systemd tries in order; fields default to "now" where a format leaves them out.</summary>
    private static bool TryParseAbsolute(string text, DateTime now, out DateTime result, out ulong fraction)
    {
        // (pattern, allows a ".fraction" suffix)
        ReadOnlySpan<(string Pattern, bool Fraction)> formats =
        [
            ("y-m-d H:M:S", true), ("Y-m-d H:M:S", true), ("b d H:M:S", true), ("y-m-d H:M", false), ("Y-m-d H:M", false),
            ("y-m-d", false), ("Y-m-d", false), ("H:M:S", true), ("H:M", false),
        ];

        foreach (var (pattern, allowsFraction) in formats)
        {
            if (TryStrptime(text, pattern, now, out result, out var end))
            {
                if (end == text.Length)
                {
                    fraction = 0;
                    return true;
                }

                if (allowsFraction && text[end] == '.' && TryFraction(text, end + 1, out fraction))
                {
                    return true;
                }
            }
        }

        result = default;
        fraction = 0;
        return false;
    }

    /// <summary>parse_fractional_part_u(…, 6): at least one digit, six kept, the seventh rounds; nothing may follow.</summary>
    private static bool TryFraction(string text, int p, out ulong fraction)
    {
        fraction = 0;
        var digits = 0;
        for (; digits < 6 && p < text.Length && char.IsAsciiDigit(text[p]); digits++, p++)
        {
            fraction = (fraction * 10) + (ulong)(text[p] - '0');
        }

        if (digits == 0)
        {
            return false;
        }

        for (var pad = digits; pad < 6; pad++)
        {
            fraction *= 10;
        }

        if (digits == 6 && p < text.Length && text[p] is >= '5' and <= '9')
        {
            fraction++;
        }

        while (p < text.Length && char.IsAsciiDigit(text[p]))
        {
            p++;
        }

        return p == text.Length;
    }

    /// <summary>
    /// glibc strptime() for the conversions systemd uses: numbers may have leading blanks and fewer digits, %y is two
    /// digits (69–99 → 19xx, else 20xx), %b a month name; a blank in the pattern matches any run of blanks.
    /// </summary>
    private static bool TryStrptime(string text, string pattern, DateTime now, out DateTime result, out int end)
    {
        int year = now.Year, month = now.Month, day = now.Day, hour = now.Hour, minute = now.Minute, second = now.Second;
        result = default;
        var p = 0;
        foreach (var c in pattern)
        {
            switch (c)
            {
                case ' ':
                    while (p < text.Length && char.IsWhiteSpace(text[p]))
                    {
                        p++;
                    }

                    continue;
                case '-' or ':':
                    if (p >= text.Length || text[p] != c)
                    {
                        end = p;
                        return false;
                    }

                    p++;
                    continue;
                case 'b':
                    month = 0;
                    for (var m = 0; m < 12 && month == 0; m++)
                    {
                        var full = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[m];
                        foreach (var candidate in (string[])[full, MonthNames[m]])
                        {
                            if (string.Compare(text, p, candidate, 0, candidate.Length, StringComparison.OrdinalIgnoreCase) == 0 && p + candidate.Length <= text.Length)
                            {
                                month = m + 1;
                                p += candidate.Length;
                                break;
                            }
                        }
                    }

                    if (month == 0)
                    {
                        end = p;
                        return false;
                    }

                    continue;
            }

            var (maxDigits, min, max) = c switch
            {
                'Y' => (4, 0, 9999),
                'y' => (2, 0, 99),
                'm' => (2, 1, 12),
                'd' => (2, 1, 31),
                'H' => (2, 0, 23),
                'M' => (2, 0, 59),
                _ => (2, 0, 61),
            };

            while (p < text.Length && char.IsWhiteSpace(text[p]))
            {
                p++;
            }

            var start = p;
            var value = 0;
            while (p < text.Length && p - start < maxDigits && char.IsAsciiDigit(text[p]))
            {
                value = (value * 10) + (text[p] - '0');
                p++;
            }

            if (p == start || value < min || value > max)
            {
                end = p;
                return false;
            }

            switch (c)
            {
                case 'Y': year = value; break;
                case 'y': year = value >= 69 ? 1900 + value : 2000 + value; break;
                case 'm': month = value; break;
                case 'd': day = value; break;
                case 'H': hour = value; break;
                case 'M': minute = value; break;
                default: second = value; break;
            }
        }

        end = p;

        // systemd zeroes what the format leaves out of the time of day.
        if (!pattern.Contains('S', StringComparison.Ordinal))
        {
            second = 0;
        }

        if (!pattern.Contains('H', StringComparison.Ordinal))
        {
            hour = minute = 0;
        }

        if (year is < 1 or > 9999)
        {
            return false;
        }

        // mktime() normalises overflowing days and seconds ("02-30" is March 1st or 2nd).
        result = new DateTime(year, month, 1, hour, minute, 0, DateTimeKind.Unspecified).AddDays(day - 1).AddSeconds(second);
        return true;
    }
}
