using System.Globalization;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Tests.Settings;

public sealed class TimestampsTests
{
    // Absolute forms of systemd.time(7) "Parsing Timestamps" (relative ones depend on the clock, tested below).
    public static TheoryData<string> Absolute() =>
    [
        "2012-09-22 16:34:22", "12-09-22 16:34", "Sat 2012-09-22", "2012-09-22", "@1700000000", "@1700000000.5", "2012-9-2 1:2:3.5",
        "Fri 2012-09-22", "2012-09-22 16:34:22 UTC", "2012-09-22 16:34:22.1234567", "2012-02-30", "1970-01-01 00:00:00", "1969-12-31",
        "2012-13-01", "2012-09-22 25:00", "bogus", "", "2012-09-22 16:34:22 Europe/Berlin", "Saturday 2012-09-22 10:00", "69-01-01", "68-01-01",
    ];

    [Theory]
    [MemberData(nameof(Absolute))]
    public void Parses_like_systemd_analyze_timestamp(string text)
    {
        var (exit, stdout, _) = TestPaths.Run(TestPaths.RequireTool("systemd-analyze"), ["timestamp", text],
            new Dictionary<string, string?> { ["TZ"] = "UTC", ["SYSTEMD_LOG_COLOR"] = "0" });
        var error = Timestamps.Parse(text, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, TimeZoneInfo.Utc, out var usec);
        if (exit != 0)
        {
            Assert.NotEqual(ValueError.None, error);
            return;
        }

        Assert.Equal(ValueError.None, error);
        var unix = stdout.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("UNIX seconds: @", StringComparison.Ordinal))["UNIX seconds: @".Length..];
        var expected = unix.Contains('.', StringComparison.Ordinal)
            ? (ulong)(decimal.Parse(unix, CultureInfo.InvariantCulture) * 1_000_000)
            : ulong.Parse(unix, CultureInfo.InvariantCulture) * 1_000_000;
        Assert.Equal(expected, usec);
        var normalized = stdout.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("Normalized form: ", StringComparison.Ordinal))["Normalized form: ".Length..];
        Assert.Equal(normalized, Timestamps.Format(usec, TimeZoneInfo.Utc) ?? "-");
    }

    [Theory]
    [InlineData("now", 0L)]
    [InlineData("+5min", 300L)]
    [InlineData("-1h", -3600L)]
    [InlineData("5min ago", -300L)]
    [InlineData("2h left", 7200L)]
    [InlineData("today", -37800L)]
    [InlineData("yesterday", -124200L)]
    [InlineData("tomorrow", 48600L)]
    [InlineData("16:00", 19800L)]
    public void Relative_forms_count_from_now(string text, long offsetSeconds)
    {
        // 2024-03-15 10:30:00 UTC.
        const ulong Now = 1_710_498_600UL * 1_000_000;
        Assert.Equal(ValueError.None, Timestamps.Parse(text, Now, TimeZoneInfo.Utc, out var usec));
        Assert.Equal((long)(Now / 1_000_000) + offsetSeconds, (long)(usec / 1_000_000));
    }
}
