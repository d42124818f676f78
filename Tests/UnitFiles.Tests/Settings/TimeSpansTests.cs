using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Tests.Settings;

public sealed class TimeSpansTests
{
    // The examples of systemd.time(7), and the edge cases of parse_time().
    public static TheoryData<string> Spans() =>
    [
        "2 h", "2hours", "48hr", "1y 12month", "55s500ms", "300ms20s 5day", "5", "0", "1.5", ".5s", "1.5min", "3.sec", "3. s",
        "1µs", "1μs", "1us 1usec", "5 6", "12.34.56", "12.34 .56", "12.34s.56", "-1", "-0", "+5s", "infinity", " infinity ", "infinity 5s",
        "", " ", "5 foo", "1M", "1m", "1ms", "1msec", "2w", "10000000000000y", "18446744073709551615", "1.000001s", "1.0000001s", "s", "5sx",
        "1d 2h 3min 4s 5ms 6us", "0.000001s", "3 weeks", "7 minutes", "1 year",
    ];

    [Theory]
    [MemberData(nameof(Spans))]
    public void Parses_like_systemd_analyze_timespan(string text)
    {
        var expected = SystemdOracle.TimeSpan(text);
        var error = TimeSpans.ParseSeconds(text, out var usec);
        if (expected is null)
        {
            Assert.NotEqual(ValueError.None, error);
        }
        else
        {
            Assert.Equal(ValueError.None, error);
            Assert.Equal(expected.Value, usec);
        }
    }

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(TimeSpans.Infinity, "infinity")]
    [InlineData(90_000_000UL, "1min 30s")]
    [InlineData(1_500_000UL, "1.500000s")]
    [InlineData(500_000UL, "500ms")]
    [InlineData(3_600_000_000UL + 1UL, "1h 1us")]
    [InlineData(TimeSpans.MicrosecondsPerYear + TimeSpans.MicrosecondsPerDay, "1y 1d")]
    public void Formats_like_format_timespan(ulong usec, string expected) => Assert.Equal(expected, TimeSpans.Format(usec));

    [Theory]
    [InlineData("0", TimeSpans.Infinity)]
    [InlineData("5s", 5_000_000UL)]
    public void Zero_means_infinity_for_old_timeouts(string text, ulong expected)
    {
        Assert.Equal(ValueError.None, TimeSpans.ParseSecondsZeroIsInfinity(text, out var usec));
        Assert.Equal(expected, usec);
    }

    [Theory]
    [InlineData("1", 1UL)]
    [InlineData("1us", 1_000UL)]
    [InlineData("1s", 1_000_000_000UL)]
    [InlineData("5ns 1ms", 1_000_005UL)]
    public void Nanosecond_spans_default_to_nanoseconds(string text, ulong expected)
    {
        Assert.Equal(ValueError.None, TimeSpans.ParseNanoseconds(text, out var nsec));
        Assert.Equal(expected, nsec);
    }
}
