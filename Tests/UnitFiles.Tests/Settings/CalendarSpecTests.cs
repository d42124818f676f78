using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Tests.Settings;

public sealed class CalendarSpecTests
{
    // 2024-01-01 00:00:00 UTC, a Monday.
    private const long BaseSeconds = 1_704_067_200;

    // The examples of systemd.time(7) "Calendar Events", plus shorthands and refusals.
    public static TheoryData<string> Specs() =>
    [
        "Sat,Thu,Mon..Wed,Sat..Sun", "Mon,Sun 12-*-* 2,1:23", "Wed *-1", "Wed..Wed,Wed *-1", "Wed, 17:48", "Wed..Sat,Tue 12-10-15 1:2:3",
        "*-*-7 0:0:0", "10-15", "monday *-12-* 17:00", "Mon,Fri *-*-3,1,2 *:30:45", "12,14,13,12:20,10,30", "12..14:10,20,30",
        "mon,fri *-1/2-1,3 *:30:45", "03-05 08:05:40", "08:05:40", "05:40", "Sat,Sun 12-05 08:05:40", "Sat,Sun 08:05:40",
        "2003-03-05 05:40", "05:40:23.4200004/3.1700005", "2003-02..04-05", "2003-03-05 05:40 UTC", "2003-03-05", "03-05", "hourly",
        "daily", "daily UTC", "monthly", "weekly", "yearly", "annually", "quarterly", "semiannually", "minutely", "*:2/3", "*-*~01",
        "*-*~05,3 ", "*-*~* 00:00:00", "Mon..Fri *-*-1..7 10:00", "*:0/15", "Sat,Sun 2024~3/1", "*-02-30", "2024-02-29", "@1395716396",
        "Mon-Wed", "Mon..Wed,Fri", "Tue..Mon", "*-*-* 24:00", "*-*-* 23:60", "00:00:60", "1969-*-*", "2200-01-01", "*-13-01", "",
        "foo", "Mon,", "Mon..", "*:*:0..5", "*:*:0.5..1/0.5", "*-*-* *:*:*", "*:0/0", "0..23/6:00", "*-*-1,15 12:00 Europe/Berlin",
    ];

    [Theory]
    [MemberData(nameof(Specs))]
    public void Parses_normalises_and_elapses_like_systemd_analyze_calendar(string spec)
    {
        var expected = SystemdOracle.Calendar(spec, BaseSeconds, iterations: 3);
        var error = CalendarSpec.Parse(spec, out var parsed);
        if (expected is null)
        {
            Assert.NotEqual(ValueError.None, error);
            return;
        }

        Assert.Equal(ValueError.None, error);
        Assert.Equal(expected.Value.Normalized, parsed!.ToString());

        var actual = new List<long>();
        var after = (ulong)BaseSeconds * 1_000_000;
        for (var i = 0; i < expected.Value.Elapses.Count; i++)
        {
            var next = parsed.NextElapse(after, TimeZoneInfo.Utc);
            Assert.NotNull(next);
            actual.Add((long)(next!.Value / 1_000_000));
            after = next.Value;
        }

        Assert.Equal(expected.Value.Elapses, actual);
        if (actual.Count < 3)
        {
            // systemd printed "never": there is no further elapse.
            Assert.Null(parsed.NextElapse(after, TimeZoneInfo.Utc));
        }
    }

    // Local time: each zone's spring and autumn changes of 2024, from shortly before them (and from within the hour
    // that happens twice), with times that do not exist or exist twice on those days.
    public static TheoryData<string, long, string> LocalTimeSpecs()
    {
        var data = new TheoryData<string, long, string>();
        (string Zone, long Base)[] transitions =
        [
            ("Europe/Berlin", 1_711_845_000), ("Europe/Berlin", 1_729_987_200),
            ("America/New_York", 1_710_050_400), ("America/New_York", 1_730_610_000),
            // Inside the hour that happens twice, in its second run.
            ("Europe/Berlin", 1_729_991_400), ("America/New_York", 1_730_614_200),
        ];
        string[] specs = ["*-*-* 02:30:00", "*-*-* 01:30:00", "hourly", "daily", "*:0/20", "Sun *-*-* 02:00", "weekly", "*-*-* 00..03:15", "*-*-* 02:30 UTC"];
        foreach (var (zone, baseSeconds) in transitions)
            foreach (string spec in specs)
                data.Add(zone, baseSeconds, spec);
        return data;
    }

    [Theory]
    [MemberData(nameof(LocalTimeSpecs))]
    public void Elapses_in_local_time_like_systemd_analyze_calendar_across_daylight_saving_changes(string zone, long baseSeconds, string spec)
    {
        var expected = SystemdOracle.Calendar(spec, baseSeconds, iterations: 6, timeZone: zone);
        Assert.NotNull(expected);
        Assert.Equal(ValueError.None, CalendarSpec.Parse(spec, out var parsed));
        var local = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var actual = new List<long>();
        var after = (ulong)baseSeconds * 1_000_000;
        for (var i = 0; i < expected.Value.Elapses.Count; i++)
        {
            after = parsed!.NextElapse(after, local) ?? throw new InvalidOperationException($"no elapse #{i + 1}");
            actual.Add((long)(after / 1_000_000));
        }

        Assert.Equal(expected.Value.Elapses, actual);
    }

    [Theory]
    [InlineData("*-*-* *:*:*")]
    [InlineData("2199-12-31 23:59:59")]
    [InlineData("*-02-29 00:00")]
    public void Elapses_near_the_end_of_time_end_cleanly(string text)
    {
        Assert.Equal(ValueError.None, CalendarSpec.Parse(text, out var spec));
        Assert.Null(spec!.NextElapse(ulong.MaxValue - 1, TimeZoneInfo.Utc));
        Assert.Null(spec.NextElapse(Timestamps.FormattableMax, TimeZoneInfo.Utc));
        var lastYear = (ulong)(new DateTime(2199, 12, 31, 23, 59, 59, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond * 1_000_000;
        Assert.Null(spec.NextElapse(lastYear, TimeZoneInfo.Utc));
    }

    [Fact]
    public void A_date_in_the_past_never_elapses_again()
    {
        Assert.Equal(ValueError.None, CalendarSpec.Parse("2003-03-05", out var spec));
        Assert.Null(spec!.NextElapse((ulong)BaseSeconds * 1_000_000, TimeZoneInfo.Utc));
    }
}
