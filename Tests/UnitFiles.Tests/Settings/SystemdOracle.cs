using System.Globalization;

namespace Units.UnitFiles.Tests.Settings;

/// <summary>The real systemd 252 tools as the reference for value parsing (systemd-analyze timespan/calendar).</summary>
internal static class SystemdOracle
{
    private static readonly Dictionary<string, string?> UtcEnvironment = new() { ["TZ"] = "UTC", ["SYSTEMD_LOG_COLOR"] = "0", ["LC_ALL"] = "C.UTF-8" };

    /// <summary>The microseconds systemd-analyze timespan prints, or null when it refuses the text.</summary>
    public static ulong? TimeSpan(string text)
    {
        var (exit, stdout, _) = TestPaths.Run(TestPaths.RequireTool("systemd-analyze"), ["timespan", text], UtcEnvironment);
        if (exit != 0)
        {
            return null;
        }

        foreach (var line in stdout.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("μs:", StringComparison.Ordinal))
            {
                return ulong.Parse(trimmed["μs:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("systemd-analyze timespan printed no μs line: " + stdout);
    }

    /// <summary>
    /// What systemd-analyze calendar prints in UTC: the normalised form and the next <paramref name="iterations"/>
    /// elapse times (seconds since the epoch) after <paramref name="baseSeconds"/>; null when the spec is refused.
    /// </summary>
    /// <param name="timeZone">the local time zone (TZ=) systemd-analyze runs in; elapses are still read in UTC.</param>
    public static (string Normalized, List<long> Elapses)? Calendar(string spec, long baseSeconds, int iterations, string timeZone = "UTC")
    {
        var environment = new Dictionary<string, string?>(UtcEnvironment) { ["TZ"] = timeZone };
        var (exit, stdout, _) = TestPaths.Run(TestPaths.RequireTool("systemd-analyze"),
            ["calendar", "--base-time=@" + baseSeconds.ToString(CultureInfo.InvariantCulture), "--iterations=" + iterations.ToString(CultureInfo.InvariantCulture), spec],
            environment);
        if (exit != 0)
        {
            return null;
        }

        string? normalized = null;
        var elapses = new List<long>();
        foreach (var line in stdout.Split('\n'))
        {
            var trimmed = line.Trim();
            var colon = trimmed.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var label = trimmed[..colon];
            var value = trimmed[(colon + 2)..];
            if (label == "Normalized form")
            {
                normalized = value;
            }
            else if (value == "never")
            {
                break;
            }
            // In another zone than UTC each elapse is followed by its "(in UTC)" line.
            else if (timeZone == "UTC" ? label == "Next elapse" || label.StartsWith("Iter. #", StringComparison.Ordinal) : label == "(in UTC)")
            {
                var time = DateTime.ParseExact(value, "ddd yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                elapses.Add((long)(time - DateTime.UnixEpoch).TotalSeconds);
            }
        }

        return (normalized ?? throw new InvalidOperationException("no normalized form in: " + stdout), elapses);
    }
}
