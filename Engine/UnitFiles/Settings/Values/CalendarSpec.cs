using System.Globalization;
using System.Text;

namespace Units.UnitFiles.Settings.Values;

/// <summary>One element of a calendar chain: a value, or a range start..stop, optionally repeating every Repeat.</summary>
/// <remarks>Stop is -1 when there is no range; for the seconds chain values are in microseconds.</remarks>
public readonly record struct CalendarComponent(int Start, int Stop, int Repeat);

/// <summary>
/// A calendar event of systemd.time(7) ("Mon..Fri *-*-1..7 10:00", "quarterly", "*:0/15", "2024~03/1 UTC"):
/// parsed, validated and normalised like systemd's calendarspec.c; <see cref="ToString"/> prints the normalised
/// form `systemd-analyze calendar` shows and <see cref="NextElapse"/> computes the next trigger time.
/// </summary>
public sealed class CalendarSpec
{
    private const int MinYear = 1970;
    private const int MaxYear = 2199;
    private const int MaxComponents = 240;
    private const int AllWeekdays = 127;
    private const int Usec = 1_000_000;

    private static readonly string[] DayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    private static readonly (string Name, int Number)[] WeekdayWords =
    [
        ("Monday", 0), ("Mon", 0), ("Tuesday", 1), ("Tue", 1), ("Wednesday", 2), ("Wed", 2), ("Thursday", 3), ("Thu", 3),
        ("Friday", 4), ("Fri", 4), ("Saturday", 5), ("Sat", 5), ("Sunday", 6), ("Sun", 6),
    ];

    private CalendarSpec()
    {
    }

    /// <summary>Bit 0 is Monday … bit 6 Sunday; -1 when every weekday matches.</summary>
    public int WeekdayBits { get; private set; } = -1;

    /// <summary>The day is counted from the end of the month ("~").</summary>
    public bool EndOfMonth { get; private set; }

    public bool Utc { get; private set; }

    /// <summary>An explicit IANA time zone ("Europe/Berlin"), or null for local time/UTC.</summary>
    public string? TimeZone { get; private set; }

    public IReadOnlyList<CalendarComponent> Year { get; private set; } = [];

    public IReadOnlyList<CalendarComponent> Month { get; private set; } = [];

    public IReadOnlyList<CalendarComponent> Day { get; private set; } = [];

    public IReadOnlyList<CalendarComponent> Hour { get; private set; } = [];

    public IReadOnlyList<CalendarComponent> Minute { get; private set; } = [];

    /// <summary>Seconds, in microseconds.</summary>
    public IReadOnlyList<CalendarComponent> Microsecond { get; private set; } = [];

    /// <summary>calendar_spec_from_string(): Invalid for anything systemd refuses.</summary>
    public static ValueError Parse(string text, out CalendarSpec? spec)
    {
        spec = null;
        var c = new CalendarSpec();
        var chains = new Chains();
        var p = text;
        if (p.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase))
        {
            c.Utc = true;
            p = p[..^4];
        }
        else
        {
            var lastSpace = p.LastIndexOf(' ');
            if (lastSpace >= 0 && IsValidTimeZone(p[(lastSpace + 1)..]))
            {
                c.TimeZone = p[(lastSpace + 1)..];
                p = p[..lastSpace];
            }
        }

        if (p.Length == 0)
        {
            return ValueError.Invalid;
        }

        if (!TryShorthand(p, c, chains))
        {
            var pos = 0;
            var error = ParseWeekdays(p, ref pos, c);
            if (error != ValueError.None)
            {
                return error;
            }

            error = ParseDate(p, ref pos, c, chains, out var timestamp);
            if (error != ValueError.None)
            {
                return error;
            }

            if (!timestamp)
            {
                error = ParseTime(p, ref pos, chains);
                if (error != ValueError.None)
                {
                    return error;
                }
            }

            if (pos != p.Length)
            {
                return ValueError.Invalid;
            }
        }

        if (c.TimeZone == "UTC")
        {
            c.Utc = true;
            c.TimeZone = null;
        }

        if (c.WeekdayBits <= 0 || c.WeekdayBits >= AllWeekdays)
        {
            c.WeekdayBits = -1;
        }

        if (c.EndOfMonth && chains.Day is null)
        {
            c.EndOfMonth = false;
        }

        FixYears(chains.Year);
        c.Year = Normalize(chains.Year);
        c.Month = Normalize(chains.Month);
        c.Day = Normalize(chains.Day);
        c.Hour = Normalize(chains.Hour);
        c.Minute = Normalize(chains.Minute);
        c.Microsecond = Normalize(chains.Microsecond);

        if (!ChainValid(c.Year, MinYear, MaxYear, false) || !ChainValid(c.Month, 1, 12, false)
            || !ChainValid(c.Day, 1, 31, c.EndOfMonth) || !ChainValid(c.Hour, 0, 23, false)
            || !ChainValid(c.Minute, 0, 59, false) || !ChainValid(c.Microsecond, 0, (60 * Usec) - 1, false))
        {
            return ValueError.Invalid;
        }

        spec = c;
        return ValueError.None;
    }

    /// <summary>The normalised form, as calendar_spec_to_string() prints it.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        if (WeekdayBits > 0 && WeekdayBits <= AllWeekdays)
        {
            FormatWeekdays(builder);
            builder.Append(' ');
        }

        FormatChain(builder, 4, Year, false);
        builder.Append('-');
        FormatChain(builder, 2, Month, false);
        builder.Append(EndOfMonth ? '~' : '-');
        FormatChain(builder, 2, Day, false);
        builder.Append(' ');
        FormatChain(builder, 2, Hour, false);
        builder.Append(':');
        FormatChain(builder, 2, Minute, false);
        builder.Append(':');
        FormatChain(builder, 2, Microsecond, true);
        if (Utc)
        {
            builder.Append(" UTC");
        }
        else if (TimeZone is not null)
        {
            builder.Append(' ').Append(TimeZone);
        }

        return builder.ToString();
    }

    /// <summary>
    /// The first time strictly after <paramref name="afterUsec"/> (µs since the epoch) that matches, or null when the
    /// expression never elapses again. Local time is <paramref name="localZone"/> (default: the machine's zone).
    /// </summary>
    public ulong? NextElapse(ulong afterUsec, TimeZoneInfo? localZone = null)
    {
        if (afterUsec >= Timestamps.FormattableMax)
        {
            return null;
        }

        var zone = Utc ? TimeZoneInfo.Utc : TimeZone is not null ? FindZone(TimeZone) : localZone ?? TimeZoneInfo.Local;
        var next = afterUsec + 1;
        var wall = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddTicks((long)(next / 1_000_000) * TimeSpan.TicksPerSecond), zone);
        var tm = new BrokenDownTime(wall.Year, wall.Month - 1, wall.Day, wall.Hour, wall.Minute, wall.Second);
        var usec = (int)(next % 1_000_000);
        if (!FindNext(ref tm, ref usec, zone))
        {
            return null;
        }

        var utc = tm.ToUtc(zone, DateTime.UnixEpoch.AddTicks((long)(next / 1_000_000) * TimeSpan.TicksPerSecond));
        return ((ulong)(utc - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond * 1_000_000) + (ulong)usec;
    }

    private static TimeZoneInfo FindZone(string name)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
        catch (InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    /// <summary>timezone_is_valid(): a sane name with a TZif file under /usr/share/zoneinfo.</summary>
    private static bool IsValidTimeZone(string name)
    {
        if (name.Length == 0 || name[0] == '/' || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var ch in name)
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not ('/' or '-' or '_' or '+'))
            {
                return false;
            }
        }

        try
        {
            using var file = File.OpenRead(Path.Combine("/usr/share/zoneinfo", name));
            Span<byte> magic = stackalloc byte[4];
            return file.Read(magic) == 4 && magic.SequenceEqual("TZif"u8);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool TryShorthand(string p, CalendarSpec c, Chains chains)
    {
        static List<CalendarComponent> Const(params int[] values)
        {
            var list = new List<CalendarComponent>(values.Length);
            foreach (var v in values)
            {
                list.Add(new(v, -1, 0));
            }

            return list;
        }

        bool Is(params string[] names)
        {
            foreach (var name in names)
            {
                if (string.Equals(p, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        if (Is("minutely"))
        {
            chains.Microsecond = Const(0);
        }
        else if (Is("hourly"))
        {
            chains.Minute = Const(0);
            chains.Microsecond = Const(0);
        }
        else if (Is("daily", "weekly", "monthly", "annually", "yearly", "anually", "quarterly", "biannually", "bi-annually", "semiannually", "semi-annually"))
        {
            chains.Hour = Const(0);
            chains.Minute = Const(0);
            chains.Microsecond = Const(0);
            if (Is("weekly"))
            {
                c.WeekdayBits = 1;
            }
            else if (Is("monthly"))
            {
                chains.Day = Const(1);
            }
            else if (Is("annually", "yearly", "anually"))
            {
                chains.Month = Const(1);
                chains.Day = Const(1);
            }
            else if (Is("quarterly"))
            {
                chains.Month = Const(1, 4, 7, 10);
                chains.Day = Const(1);
            }
            else if (!Is("daily"))
            {
                chains.Month = Const(1, 7);
                chains.Day = Const(1);
            }
        }
        else
        {
            return false;
        }

        return true;
    }

    private static ValueError ParseWeekdays(string p, ref int pos, CalendarSpec c)
    {
        var rangeStart = -1;
        var first = true;
        var bits = 0;
        for (; ; )
        {
            var found = -1;
            var length = 0;
            foreach (var (name, number) in WeekdayWords)
            {
                if (string.Compare(p, pos, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0 && pos + name.Length <= p.Length)
                {
                    found = number;
                    length = name.Length;
                    break;
                }
            }

            if (found < 0)
            {
                if (first)
                {
                    return ValueError.None;
                }

                return ValueError.Invalid;
            }

            var after = pos + length;
            if (after < p.Length && p[after] is not ('-' or '.' or ',' or ' '))
            {
                return ValueError.Invalid;
            }

            bits |= 1 << found;
            if (rangeStart >= 0)
            {
                if (rangeStart > found)
                {
                    return ValueError.Invalid;
                }

                for (var j = rangeStart + 1; j < found; j++)
                {
                    bits |= 1 << j;
                }
            }

            c.WeekdayBits = bits;
            pos = after;
            if (pos == p.Length)
            {
                return ValueError.None;
            }

            if (p[pos] == ' ')
            {
                pos = SkipSpaces(p, pos);
                return ValueError.None;
            }

            if (p[pos] == '.')
            {
                if (rangeStart >= 0 || pos + 1 >= p.Length || p[pos + 1] != '.')
                {
                    return ValueError.Invalid;
                }

                rangeStart = found;
                pos += 2;
            }
            else if (p[pos] == '-')
            {
                // Ranges with "-" are accepted for backwards compatibility.
                if (rangeStart >= 0)
                {
                    return ValueError.Invalid;
                }

                rangeStart = found;
                pos++;
            }
            else if (p[pos] == ',')
            {
                rangeStart = -1;
                pos++;
            }

            // A trailing comma is fine, an open range is not.
            if (pos == p.Length || p[pos] == ' ')
            {
                pos = SkipSpaces(p, pos);
                return rangeStart < 0 ? ValueError.None : ValueError.Invalid;
            }

            first = false;
        }
    }

    private static ValueError ParseDate(string p, ref int pos, CalendarSpec c, Chains chains, out bool timestamp)
    {
        timestamp = false;
        if (pos == p.Length)
        {
            return ValueError.None;
        }

        if (p[pos] == '@')
        {
            // @SECONDS: one fixed point in time, in UTC; no time part follows.
            var start = pos + 1;
            var end = start;
            while (end < p.Length && char.IsAsciiDigit(p[end]))
            {
                end++;
            }

            if (end == start || !long.TryParse(p.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || seconds > 253402300799L)
            {
                return end == start ? ValueError.Invalid : ValueError.OutOfRange;
            }

            var time = DateTime.UnixEpoch.AddSeconds(seconds);
            c.Utc = true;
            chains.Year = [new(time.Year, -1, 0)];
            chains.Month = [new(time.Month, -1, 0)];
            chains.Day = [new(time.Day, -1, 0)];
            chains.Hour = [new(time.Hour, -1, 0)];
            chains.Minute = [new(time.Minute, -1, 0)];
            chains.Microsecond = [new(time.Second * Usec, -1, 0)];
            pos = end;
            timestamp = true;
            return ValueError.None;
        }

        var t = pos;
        var error = ParseChain(p, ref t, false, out var first);
        if (error != ValueError.None)
        {
            return error;
        }

        // At the end, or a ':' follows: that was a time, not a date.
        if (t == p.Length || p[t] == ':')
        {
            return ValueError.None;
        }

        if (p[t] == '~')
        {
            c.EndOfMonth = true;
        }
        else if (p[t] != '-')
        {
            return ValueError.Invalid;
        }

        t++;
        error = ParseChain(p, ref t, false, out var second);
        if (error != ValueError.None)
        {
            return error;
        }

        if (t == p.Length || p[t] == ' ')
        {
            pos = SkipSpaces(p, t);
            chains.Month = first;
            chains.Day = second;
            return ValueError.None;
        }

        if (c.EndOfMonth)
        {
            return ValueError.Invalid;
        }

        if (p[t] == '~')
        {
            c.EndOfMonth = true;
        }
        else if (p[t] != '-')
        {
            return ValueError.Invalid;
        }

        t++;
        error = ParseChain(p, ref t, false, out var third);
        if (error != ValueError.None)
        {
            return error;
        }

        if (t != p.Length && p[t] != ' ')
        {
            return ValueError.Invalid;
        }

        pos = SkipSpaces(p, t);
        chains.Year = first;
        chains.Month = second;
        chains.Day = third;
        return ValueError.None;
    }

    private static ValueError ParseTime(string p, ref int pos, Chains chains)
    {
        var t = pos;
        if (t == p.Length)
        {
            // No time at all means 00:00:00.
            chains.Hour = [new(0, -1, 0)];
            chains.Minute = [new(0, -1, 0)];
            chains.Microsecond = [new(0, -1, 0)];
            return ValueError.None;
        }

        var error = ParseChain(p, ref t, false, out var hour);
        if (error != ValueError.None)
        {
            return error;
        }

        if (t >= p.Length || p[t] != ':')
        {
            return ValueError.Invalid;
        }

        t++;
        error = ParseChain(p, ref t, false, out var minute);
        if (error != ValueError.None)
        {
            return error;
        }

        List<CalendarComponent>? second;
        if (t == p.Length)
        {
            second = [new(0, -1, 0)];
        }
        else
        {
            if (p[t] != ':')
            {
                return ValueError.Invalid;
            }

            t++;
            error = ParseChain(p, ref t, true, out second);
            if (error != ValueError.None)
            {
                return error;
            }

            if (t != p.Length)
            {
                return ValueError.Invalid;
            }
        }

        pos = t;
        chains.Hour = hour;
        chains.Minute = minute;
        chains.Microsecond = second;
        return ValueError.None;
    }

    /// <summary>"*" (null: any value; for seconds "every full second") or a comma-separated list of components.</summary>
    private static ValueError ParseChain(string p, ref int pos, bool usec, out List<CalendarComponent>? chain)
    {
        chain = null;
        if (pos < p.Length && p[pos] == '*')
        {
            if (usec)
            {
                chain = [new(0, -1, Usec)];
            }

            pos++;
            return ValueError.None;
        }

        var list = new List<CalendarComponent>();
        for (var nesting = 0; ; nesting++)
        {
            if (nesting > MaxComponents)
            {
                return ValueError.TooLong;
            }

            var error = ParseDecimal(p, ref pos, usec, out var start);
            if (error != ValueError.None)
            {
                return error;
            }

            int stop = -1, repeat = 0;
            if (pos + 1 < p.Length && p[pos] == '.' && p[pos + 1] == '.')
            {
                pos += 2;
                error = ParseDecimal(p, ref pos, usec, out stop);
                if (error != ValueError.None)
                {
                    return error;
                }

                repeat = usec ? Usec : 1;
            }

            if (pos < p.Length && p[pos] == '/')
            {
                pos++;
                error = ParseDecimal(p, ref pos, usec, out repeat);
                if (error != ValueError.None)
                {
                    return error;
                }

                if (repeat == 0)
                {
                    return ValueError.OutOfRange;
                }
            }
            else
            {
                if (start > int.MaxValue - repeat)
                {
                    return ValueError.OutOfRange;
                }

                // Without an explicit repeat, a seconds range below one second cannot repeat at all.
                if (usec && stop >= 0 && start + repeat > stop)
                {
                    return ValueError.Invalid;
                }
            }

            if (pos < p.Length && p[pos] is not (' ' or ',' or '-' or '~' or ':'))
            {
                return ValueError.Invalid;
            }

            list.Add(new(start, stop, repeat));
            if (pos < p.Length && p[pos] == ',')
            {
                pos++;
                continue;
            }

            chain = list;
            return ValueError.None;
        }
    }

    private static ValueError ParseDecimal(string p, ref int pos, bool usec, out int result)
    {
        result = 0;
        if (pos >= p.Length || !char.IsAsciiDigit(p[pos]))
        {
            return ValueError.Invalid;
        }

        var end = pos;
        while (end < p.Length && char.IsAsciiDigit(p[end]))
        {
            end++;
        }

        if (!ulong.TryParse(p.AsSpan(pos, end - pos), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return ValueError.OutOfRange;
        }

        if (usec)
        {
            if (value > ulong.MaxValue / Usec)
            {
                return ValueError.OutOfRange;
            }

            value *= Usec;

            // One "." is a decimal point, ".." a range.
            if (end < p.Length && p[end] == '.' && (end + 1 >= p.Length || p[end + 1] != '.'))
            {
                end++;
                if (end >= p.Length || !char.IsAsciiDigit(p[end]))
                {
                    return ValueError.Invalid;
                }

                // parse_fractional_part_u(): six digits, rounded by the seventh, the rest skipped.
                var digits = 0;
                ulong fraction = 0;
                for (; digits < 6 && end < p.Length && char.IsAsciiDigit(p[end]); digits++, end++)
                {
                    fraction = (fraction * 10) + (ulong)(p[end] - '0');
                }

                for (var pad = digits; pad < 6; pad++)
                {
                    fraction *= 10;
                }

                if (digits == 6 && end < p.Length && p[end] is >= '5' and <= '9')
                {
                    fraction++;
                }

                while (end < p.Length && char.IsAsciiDigit(p[end]))
                {
                    end++;
                }

                value += fraction;
            }
        }

        if (value > int.MaxValue)
        {
            return ValueError.OutOfRange;
        }

        pos = end;
        result = (int)value;
        return ValueError.None;
    }

    private static void FixYears(List<CalendarComponent>? years)
    {
        if (years is null)
        {
            return;
        }

        static int Fix(int y) => y is >= 0 and < 70 ? y + 2000 : y is >= 70 and < 100 ? y + 1900 : y;
        for (var i = 0; i < years.Count; i++)
        {
            var c = years[i];
            years[i] = c with { Start = Fix(c.Start), Stop = Fix(c.Stop) };
        }
    }

    private static CalendarComponent[] Normalize(List<CalendarComponent>? chain)
    {
        if (chain is null)
        {
            return [];
        }

        for (var i = 0; i < chain.Count; i++)
        {
            var (start, stop, repeat) = chain[i];

            // Make the range a multiple of the repeat; drop repeats that can never trigger.
            if (stop > start && repeat > 0)
            {
                stop -= (stop - start) % repeat;
            }

            if ((stop > start && repeat > 0 && start + repeat > stop) || start == stop)
            {
                repeat = 0;
                stop = -1;
            }

            chain[i] = new(start, stop, repeat);
        }

        chain.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Stop != b.Stop ? a.Stop.CompareTo(b.Stop) : a.Repeat.CompareTo(b.Repeat));
        var unique = new List<CalendarComponent>(chain.Count);
        foreach (var c in chain)
        {
            if (unique.Count == 0 || unique[^1] != c)
            {
                unique.Add(c);
            }
        }

        return [.. unique];
    }

    private static bool ChainValid(IReadOnlyList<CalendarComponent> chain, int from, int to, bool endOfMonth)
    {
        if (endOfMonth)
        {
            // At most 28 days from the end of the month.
            to -= 3;
        }

        foreach (var c in chain)
        {
            if (c.Start < from || c.Start > to || c.Repeat > to - from)
            {
                return false;
            }

            if (c.Stop >= 0)
            {
                if (c.Stop < from || c.Stop > to || c.Start + c.Repeat > c.Stop)
                {
                    return false;
                }
            }
            else if ((endOfMonth && c.Start - c.Repeat < from) || (!endOfMonth && c.Start + c.Repeat > to))
            {
                return false;
            }
        }

        return true;
    }

    private void FormatWeekdays(StringBuilder builder)
    {
        var needComma = false;
        var l = -1;
        int x;
        for (x = 0; x < DayNames.Length; x++)
        {
            if ((WeekdayBits & (1 << x)) != 0)
            {
                if (l < 0)
                {
                    if (needComma)
                    {
                        builder.Append(',');
                    }

                    needComma = true;
                    builder.Append(DayNames[x]);
                    l = x;
                }
            }
            else if (l >= 0)
            {
                if (x > l + 1)
                {
                    builder.Append(x > l + 2 ? ".." : ",").Append(DayNames[x - 1]);
                }

                l = -1;
            }
        }

        if (l >= 0 && x > l + 1)
        {
            builder.Append(x > l + 2 ? ".." : ",").Append(DayNames[x - 1]);
        }
    }

    private static void FormatChain(StringBuilder builder, int width, IReadOnlyList<CalendarComponent> chain, bool usec)
    {
        var d = usec ? Usec : 1;
        var isStar = chain.Count == 0;
        if (usec)
        {
            foreach (var c in chain)
            {
                isStar |= c.Start == 0 && c.Stop < 0 && c.Repeat == Usec;
            }
        }

        if (isStar)
        {
            builder.Append('*');
            return;
        }

        for (var i = 0; i < chain.Count; i++)
        {
            var c = chain[i];
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append((c.Start / d).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
            if (c.Start % d > 0)
            {
                builder.Append('.').Append((c.Start % d).ToString("D6", CultureInfo.InvariantCulture));
            }

            if (c.Stop > 0)
            {
                builder.Append("..").Append((c.Stop / d).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
            }

            if (c.Stop > 0 && c.Stop % d > 0)
            {
                builder.Append('.').Append((c.Stop % d).ToString("D6", CultureInfo.InvariantCulture));
            }

            if (c.Repeat > 0 && !(c.Stop > 0 && c.Repeat == d))
            {
                builder.Append('/').Append((c.Repeat / d).ToString(CultureInfo.InvariantCulture));
            }

            if (c.Repeat % d > 0)
            {
                builder.Append('.').Append((c.Repeat % d).ToString("D6", CultureInfo.InvariantCulture));
            }
        }
    }

    private static int SkipSpaces(string p, int pos)
    {
        while (pos < p.Length && p[pos] == ' ')
        {
            pos++;
        }

        return pos;
    }

    // ---- next elapse: systemd's find_next() over a struct tm that mktime() normalises ----

    private bool FindNext(ref BrokenDownTime tm, ref int usec, TimeZoneInfo zone)
    {
        var c = tm;
        var tmUsec = usec;
        for (var iteration = 0; iteration < 1000; iteration++)
        {
            c = c.Normalized(zone);

            var year = c.Year;
            var r = FindMatching(Year, ref year, c, isDay: false);
            c.Year = year;
            if (r > 0)
            {
                c = c with { Month = 0, Day = 1, Hour = 0, Minute = 0, Second = 0 };
                tmUsec = 0;
            }

            if (r < 0 || WithinBounds(ref c, zone) <= 0)
            {
                return false;
            }

            var month = c.Month + 1;
            r = FindMatching(Month, ref month, c, isDay: false);
            c.Month = month - 1;
            if (r > 0)
            {
                c = c with { Day = 1, Hour = 0, Minute = 0, Second = 0 };
                tmUsec = 0;
            }

            int w;
            if (r < 0 || (w = WithinBounds(ref c, zone)) < 0)
            {
                c = c with { Year = c.Year + 1, Month = 0, Day = 1, Hour = 0, Minute = 0, Second = 0 };
                tmUsec = 0;
                continue;
            }

            if (w == 0)
            {
                continue;
            }

            var day = c.Day;
            r = FindMatching(Day, ref day, c, isDay: true);
            c.Day = day;
            if (r > 0)
            {
                c = c with { Hour = 0, Minute = 0, Second = 0 };
                tmUsec = 0;
            }

            if (r < 0 || (w = WithinBounds(ref c, zone)) < 0)
            {
                c = c with { Month = c.Month + 1, Day = 1, Hour = 0, Minute = 0, Second = 0 };
                tmUsec = 0;
                continue;
            }

            if (w == 0)
            {
                continue;
            }

            if (WeekdayBits >= 0 && WeekdayBits < AllWeekdays)
            {
                var weekday = ((int)c.Normalized(zone).ToDateTime().DayOfWeek + 6) % 7;
                if ((WeekdayBits & (1 << weekday)) == 0)
                {
                    c = c with { Day = c.Day + 1, Hour = 0, Minute = 0, Second = 0 };
                    tmUsec = 0;
                    continue;
                }
            }

            var hour = c.Hour;
            r = FindMatching(Hour, ref hour, c, isDay: false);
            c.Hour = hour;
            if (r > 0)
            {
                c = c with { Minute = 0, Second = 0 };
                tmUsec = 0;
            }

            if (r < 0 || (w = WithinBounds(ref c, zone)) < 0)
            {
                c = c with { Day = c.Day + 1, Hour = 0, Minute = 0, Second = 0 };
                tmUsec = 0;
                continue;
            }

            if (w == 0)
            {
                continue;
            }

            var minute = c.Minute;
            r = FindMatching(Minute, ref minute, c, isDay: false);
            c.Minute = minute;
            if (r > 0)
            {
                c.Second = 0;
                tmUsec = 0;
            }

            if (r < 0 || (w = WithinBounds(ref c, zone)) < 0)
            {
                c = c with { Hour = c.Hour + 1, Minute = 0, Second = 0 };
                tmUsec = 0;
                continue;
            }

            if (w == 0)
            {
                continue;
            }

            var microsecond = (c.Second * Usec) + tmUsec;
            r = FindMatching(Microsecond, ref microsecond, c, isDay: false);
            tmUsec = microsecond % Usec;
            c.Second = microsecond / Usec;
            if (r < 0 || (w = WithinBounds(ref c, zone)) < 0)
            {
                c = c with { Minute = c.Minute + 1, Second = 0 };
                tmUsec = 0;
                continue;
            }

            if (w == 0)
            {
                continue;
            }

            tm = c;
            usec = tmUsec;
            return true;
        }

        return false;
    }

    /// <summary>The earliest value ≥ <paramref name="value"/> some component allows: -1 none, 1 changed, 0 unchanged.</summary>
    private int FindMatching(IReadOnlyList<CalendarComponent> chain, ref int value, BrokenDownTime tm, bool isDay)
    {
        if (chain.Count == 0)
        {
            return 0;
        }

        var endOfMonth = EndOfMonth && isDay;
        var best = -1;
        var found = false;
        foreach (var c in chain)
        {
            int start, stop;
            if (endOfMonth)
            {
                start = EndOfMonthDay(tm, c.Start);
                stop = EndOfMonthDay(tm, c.Stop);
                if (stop > 0)
                {
                    (start, stop) = (stop, start);
                }
            }
            else
            {
                start = c.Start;
                stop = c.Stop;
            }

            if (start >= value)
            {
                if (!found || start < best)
                {
                    best = start;
                    found = true;
                }
            }
            else if (c.Repeat > 0)
            {
                var k = start + (c.Repeat * ((value - start + c.Repeat - 1) / c.Repeat));
                if ((!found || k < best) && (stop < 0 || k <= stop))
                {
                    best = k;
                    found = true;
                }
            }
        }

        if (!found)
        {
            return -1;
        }

        var changed = value != best ? 1 : 0;
        value = best;
        return changed;
    }

    private static int EndOfMonthDay(BrokenDownTime tm, int day)
    {
        var t = (tm with { Month = tm.Month + 1, Day = 1 - day }).Normalized();
        return t.Month != tm.Month ? -1 : t.Day;
    }

    /// <summary>tm_within_bounds(): 1 unchanged by normalisation, 0 moved forward (sub-units reset), -1 refused.</summary>
    private static int WithinBounds(ref BrokenDownTime tm, TimeZoneInfo zone)
    {
        if (tm.Year > MaxYear)
        {
            return -1;
        }

        var t = tm.Normalized(zone);
        int cmp;
        if ((cmp = t.Year.CompareTo(tm.Year)) != 0)
        {
            t.Month = 0;
        }
        else if ((cmp = t.Month.CompareTo(tm.Month)) != 0)
        {
            t.Day = 1;
        }
        else if ((cmp = t.Day.CompareTo(tm.Day)) != 0)
        {
            t.Hour = 0;
        }
        else if ((cmp = t.Hour.CompareTo(tm.Hour)) != 0)
        {
            t.Minute = 0;
        }
        else if ((cmp = t.Minute.CompareTo(tm.Minute)) != 0)
        {
            t.Second = 0;
        }
        else
        {
            cmp = t.Second.CompareTo(tm.Second);
        }

        if (cmp < 0)
        {
            return -1;
        }

        if (cmp > 0)
        {
            tm = t;
        }

        return cmp == 0 ? 1 : 0;
    }

    private sealed class Chains
    {
        public List<CalendarComponent>? Year;
        public List<CalendarComponent>? Month;
        public List<CalendarComponent>? Day;
        public List<CalendarComponent>? Hour;
        public List<CalendarComponent>? Minute;
        public List<CalendarComponent>? Microsecond;
    }

    /// <summary>A struct tm whose fields may be out of range until <see cref="Normalized(TimeZoneInfo)"/> (what mktime() does).</summary>
    private record struct BrokenDownTime(int Year, int Month, int Day, int Hour, int Minute, int Second)
    {
        /// <summary>The fields carried into range, as timegm() does.</summary>
        public readonly BrokenDownTime Normalized()
        {
            var totalMonths = ((long)Year * 12) + Month;
            var year = (int)Math.Floor(totalMonths / 12.0);
            var month = (int)(totalMonths - ((long)year * 12));
            if (year is < 1 or > 9998)
            {
                return this with { Year = Math.Clamp(year, 1, 9998) };
            }

            var date = new DateTime(year, month + 1, 1, 0, 0, 0, DateTimeKind.Unspecified)
                .AddDays(Day - 1).AddHours(Hour).AddMinutes(Minute).AddSeconds(Second);
            return new(date.Year, date.Month - 1, date.Day, date.Hour, date.Minute, date.Second);
        }

        /// <summary>
        /// mktime() in <paramref name="zone"/> (tm_isdst -1): the fields carried into range, and a wall-clock time
        /// that a change to summer time skips read with the offset before the change, so it moves on by the gap
        /// (02:30 becomes 03:30): find_next() then sees the hour changed and looks further.
        /// </summary>
        public readonly BrokenDownTime Normalized(TimeZoneInfo zone)
        {
            var t = Normalized();
            if (zone == TimeZoneInfo.Utc || t.Year is <= 1 or >= 9998)
            {
                return t;
            }

            var wall = t.ToDateTime();
            if (!zone.IsInvalidTime(wall))
            {
                return t;
            }

            var moved = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(wall - zone.GetUtcOffset(wall.AddDays(-1)), DateTimeKind.Utc), zone);
            return new(moved.Year, moved.Month - 1, moved.Day, moved.Hour, moved.Minute, moved.Second);
        }

        public readonly DateTime ToDateTime() => new(Year, Month + 1, Day, Hour, Minute, Second, DateTimeKind.Unspecified);

        /// <summary>The instant of this (normalised) wall-clock time in <paramref name="zone"/>. Of a time that happens
        /// twice as summer time ends, the first one not before <paramref name="notBefore"/>: what glibc's mktime()
        /// gives find_next() as it counts on from there.</summary>
        public readonly DateTime ToUtc(TimeZoneInfo zone, DateTime notBefore)
        {
            var local = ToDateTime();
            if (zone.IsAmbiguousTime(local))
            {
                var instants = zone.GetAmbiguousTimeOffsets(local).Select(offset => DateTime.SpecifyKind(local - offset, DateTimeKind.Utc)).Order().ToList();
                foreach (var instant in instants)
                {
                    if (instant >= notBefore)
                    {
                        return instant;
                    }
                }

                return instants[^1];
            }

            return TimeZoneInfo.ConvertTimeToUtc(local, zone);
        }
    }
}
