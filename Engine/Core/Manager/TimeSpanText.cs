using System.Globalization;

namespace Units.Core.Manager;

/// <summary>Time spans as the manager words them in its messages ("Startup finished in 123ms.", "Consumed 1.234s CPU
/// time.").</summary>
public static class TimeSpanText
{
    /// <summary>systemd's format_timespan(): "1.234s", "2min 3.456s", "500us"; accuracy in µs.</summary>
    public static string Format(ulong usec, ulong accuracy)
    {
        (string Suffix, ulong Usec)[] table =
        [
            ("y", 31557600UL * 1000000), ("month", 2629800UL * 1000000), ("w", 7UL * 86400 * 1000000),
            ("d", 86400UL * 1000000), ("h", 3600UL * 1000000), ("min", 60UL * 1000000),
            ("s", 1000000), ("ms", 1000), ("us", 1),
        ];
        if (usec == ulong.MaxValue) return "infinity";
        if (usec == 0) return "0";
        if (accuracy == 0) accuracy = 1;
        var text = new System.Text.StringBuilder();
        bool something = false;
        ulong t = usec;
        foreach (var (suffix, unitUsec) in table)
        {
            if (t == 0) break;
            if (t < accuracy && something) break;
            if (t < unitUsec) continue;
            ulong a = t / unitUsec, b = t % unitUsec;
            bool done = false;
            if (t < 60UL * 1000000 && b > 0)
            {
                int j = 0;
                for (ulong cc = unitUsec; cc > 1; cc /= 10) j++;
                for (ulong cc = accuracy; cc > 1; cc /= 10) { b /= 10; j--; }
                if (j > 0)
                {
                    text.Append(text.Length > 0 ? " " : "").Append(a.ToString(CultureInfo.InvariantCulture)).Append('.')
                        .Append(b.ToString(CultureInfo.InvariantCulture).PadLeft(j, '0')).Append(suffix);
                    t = 0;
                    done = true;
                }
            }
            if (!done)
            {
                text.Append(text.Length > 0 ? " " : "").Append(a.ToString(CultureInfo.InvariantCulture)).Append(suffix);
                t = b;
            }
            something = true;
        }
        return text.ToString();
    }
}
