using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Tests.Settings;

public sealed class ValueParserTests
{
    [Theory]
    [InlineData("yes", true)]
    [InlineData("Y", true)]
    [InlineData("TRUE", true)]
    [InlineData("t", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData("no", false)]
    [InlineData("n", false)]
    [InlineData("False", false)]
    [InlineData("f", false)]
    [InlineData("off", false)]
    [InlineData("0", false)]
    public void Booleans_take_systemds_words_in_any_case(string text, bool expected)
    {
        Assert.True(Numbers.TryParseBoolean(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("maybe")]
    [InlineData(" yes")]
    [InlineData("2")]
    [InlineData("yess")]
    public void Other_words_are_not_booleans(string text) => Assert.False(Numbers.TryParseBoolean(text, out _));

    [Theory]
    [InlineData("42", ValueError.None, 42U)]
    [InlineData("0x1F", ValueError.None, 31U)]
    [InlineData("010", ValueError.None, 8U)]
    [InlineData("0b101", ValueError.None, 5U)]
    [InlineData("0o17", ValueError.None, 15U)]
    [InlineData(" 7", ValueError.None, 7U)]
    [InlineData("-0", ValueError.None, 0U)]
    [InlineData("-1", ValueError.OutOfRange, 0U)]
    [InlineData("4294967296", ValueError.OutOfRange, 0U)]
    [InlineData("7 ", ValueError.Invalid, 0U)]
    [InlineData("", ValueError.Invalid, 0U)]
    [InlineData("12ab", ValueError.Invalid, 0U)]
    public void Unsigned_numbers_use_c_notation(string text, ValueError error, uint expected)
    {
        Assert.Equal(error, Numbers.ParseUnsigned(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("0644", ValueError.None, 420U)]
    [InlineData("755", ValueError.None, 493U)]
    [InlineData("7777", ValueError.None, 4095U)]
    [InlineData("17777", ValueError.OutOfRange, 0U)]
    [InlineData("+644", ValueError.Invalid, 0U)]
    [InlineData("-644", ValueError.Invalid, 0U)]
    [InlineData("0x1ff", ValueError.Invalid, 0U)]
    [InlineData("8", ValueError.Invalid, 0U)]
    public void Modes_are_octal_up_to_07777(string text, ValueError error, uint expected)
    {
        Assert.Equal(error, Numbers.ParseMode(text, out var mode));
        Assert.Equal(expected, mode);
    }

    [Theory]
    [InlineData("1024", 1024, 1024UL)]
    [InlineData("1K", 1024, 1024UL)]
    [InlineData("1K", 1000, 1000UL)]
    [InlineData("1.5G", 1024, 1610612736UL)]
    [InlineData("1G 512M", 1024, 1610612736UL)]
    [InlineData("2 T", 1024, 2199023255552UL)]
    [InlineData("3B", 1024, 3UL)]
    [InlineData("1E", 1024, 1152921504606846976UL)]
    [InlineData("10.M", 1024, 10485760UL)]
    public void Sizes_take_iec_and_si_suffixes(string text, int unitBase, ulong expected)
    {
        Assert.Equal(ValueError.None, Numbers.ParseSize(text, unitBase, out var size));
        Assert.Equal(expected, size);
    }

    [Theory]
    [InlineData("-1K", ValueError.OutOfRange)]
    [InlineData("1M 1G", ValueError.Invalid)]
    [InlineData("1Q", ValueError.Invalid)]
    [InlineData("K", ValueError.Invalid)]
    [InlineData("16E", ValueError.OutOfRange)]
    [InlineData("", ValueError.Invalid)]
    public void Bad_sizes_are_refused(string text, ValueError error) => Assert.Equal(error, Numbers.ParseSize(text, 1024, out _));

    [Theory]
    [InlineData("50%", 5000)]
    [InlineData("12.5%", 1250)]
    [InlineData("12.34%", 1234)]
    [InlineData("5‰", 50)]
    [InlineData("12.5‰", 125)]
    [InlineData("7‱", 7)]
    [InlineData("100%", 10000)]
    public void Permyriads_take_percent_permille_and_permyriad(string text, int expected)
    {
        Assert.Equal(ValueError.None, Numbers.ParsePermyriad(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("101%", ValueError.OutOfRange)]
    [InlineData("12.345%", ValueError.Invalid)]
    [InlineData("-5%", ValueError.OutOfRange)]
    [InlineData("50", ValueError.Invalid)]
    public void Bad_permyriads_are_refused(string text, ValueError error) => Assert.Equal(error, Numbers.ParsePermyriad(text, out _));

    [Theory]
    [InlineData("-20", ValueError.None)]
    [InlineData("19", ValueError.None)]
    [InlineData("20", ValueError.OutOfRange)]
    [InlineData("-21", ValueError.OutOfRange)]
    [InlineData("x", ValueError.Invalid)]
    public void Nice_levels_are_within_minus_20_and_19(string text, ValueError error) => Assert.Equal(error, Numbers.ParseNice(text, out _));

    [Theory]
    [InlineData("-1000", ValueError.None)]
    [InlineData("1000", ValueError.None)]
    [InlineData("1001", ValueError.OutOfRange)]
    public void Oom_score_adjustments_are_within_plus_minus_1000(string text, ValueError error) =>
        Assert.Equal(error, Numbers.ParseOomScoreAdjust(text, out _));

    [Theory]
    [InlineData("TERM", 15)]
    [InlineData("SIGTERM", 15)]
    [InlineData("9", 9)]
    [InlineData("SIGRTMIN", 34)]
    [InlineData("RTMIN+3", 37)]
    [InlineData("SIGRTMAX-1", 63)]
    [InlineData("RTMAX", 64)]
    [InlineData("STKFLT", 16)]
    public void Signals_by_name_and_number(string text, int expected)
    {
        Assert.Equal(ValueError.None, Signals.Parse(text, out var signal));
        Assert.Equal(expected, signal);
    }

    [Theory]
    [InlineData("0", ValueError.OutOfRange)]
    [InlineData("65", ValueError.OutOfRange)]
    [InlineData("term", ValueError.Invalid)]
    [InlineData("RTMIN+31", ValueError.OutOfRange)]
    [InlineData("RTMIN-1", ValueError.Invalid)]
    [InlineData("FOO", ValueError.Invalid)]
    public void Bad_signals_are_refused(string text, ValueError error) => Assert.Equal(error, Signals.Parse(text, out _));

    [Theory]
    [InlineData(15, "TERM")]
    [InlineData(40, "RTMIN+6")]
    [InlineData(32, "32")]
    public void Signal_names(int signal, string expected) => Assert.Equal(expected, Signals.ToName(signal));

    [Theory]
    [InlineData("SUCCESS", 0)]
    [InlineData("NOTINSTALLED", 5)]
    [InlineData("CONFIG", 78)]
    [InlineData("EXEC", 203)]
    [InlineData("BPF", 244)]
    [InlineData("EXCEPTION", 255)]
    [InlineData("42", 42)]
    [InlineData("0x10", 16)]
    public void Exit_statuses_by_name_and_number(string text, int expected)
    {
        Assert.Equal(ValueError.None, ExitStatus.Parse(text, out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("256", ValueError.OutOfRange)]
    [InlineData("success", ValueError.Invalid)]
    [InlineData("TERM", ValueError.Invalid)]
    public void Bad_exit_statuses_are_refused(string text, ValueError error) => Assert.Equal(error, ExitStatus.Parse(text, out _));

    [Fact]
    public void Exit_status_descriptions_name_systemds_codes() => Assert.Equal("203/EXEC", ExitStatus.Describe(203));

    [Theory]
    [InlineData("NOFILE", "1024", 1024UL, 1024UL)]
    [InlineData("NOFILE", "1024:4096", 1024UL, 4096UL)]
    [InlineData("NOFILE", "infinity", ulong.MaxValue, ulong.MaxValue)]
    [InlineData("CORE", "1M:infinity", 1048576UL, ulong.MaxValue)]
    [InlineData("CPU", "1min:2min", 60UL, 120UL)]
    [InlineData("CPU", "1500ms", 2UL, 2UL)]
    [InlineData("RTTIME", "1s", 1000000UL, 1000000UL)]
    [InlineData("NICE", "+5", 15UL, 15UL)]
    [InlineData("NICE", "-5", 25UL, 25UL)]
    [InlineData("NICE", "40", 40UL, 40UL)]
    public void Resource_limits_are_soft_colon_hard(string resource, string text, ulong soft, ulong hard)
    {
        Assert.Equal(ValueError.None, ResourceLimits.Parse(resource, text, out var s, out var h, out _));
        Assert.Equal((soft, hard), (s, h));
    }

    [Theory]
    [InlineData("NOFILE", "4096:1024")]
    [InlineData("NOFILE", "1:2:3")]
    [InlineData("NOFILE", "1K")]
    [InlineData("NICE", "41")]
    [InlineData("NICE", "+20")]
    [InlineData("CORE", "")]
    public void Bad_resource_limits_are_refused(string resource, string text) =>
        Assert.NotEqual(ValueError.None, ResourceLimits.Parse(resource, text, out _, out _, out _));

    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("'a b' \"c d\"", new[] { "a b", "c d" })]
    [InlineData("x'a b'y", new[] { "xa by" })]
    [InlineData("a\\tb", new[] { "a\tb" })]
    [InlineData("\\x41\\101\\u00e9\\U0001F600", new[] { "AAé😀" })]
    [InlineData("\\s", new[] { " " })]
    [InlineData("''", new[] { "" })]
    public void Words_unquote_and_unescape_like_extract_first_word(string text, string[] expected)
    {
        var words = new List<string>();
        var p = 0;
        while (Words.ExtractFirst(text, ref p, out var word, null, ExtractFlags.Unquote | ExtractFlags.CUnescape) == ExtractResult.Word)
        {
            words.Add(word);
        }

        Assert.Equal(expected, words);
    }

    [Theory]
    [InlineData("'open")]
    [InlineData("trailing\\")]
    [InlineData("bad\\q")]
    [InlineData("nul\\x00")]
    public void Bad_quoting_and_escapes_are_invalid(string text)
    {
        var p = 0;
        Assert.Equal(ExtractResult.Invalid, Words.ExtractFirst(text, ref p, out _, null, ExtractFlags.Unquote | ExtractFlags.CUnescape));
    }

    [Fact]
    public void Unknown_escapes_can_be_kept_verbatim()
    {
        var p = 0;
        Assert.Equal(ExtractResult.Word, Words.ExtractFirst("a\\qb", ref p, out var word, null, ExtractFlags.Unquote | ExtractFlags.CUnescape | ExtractFlags.UnescapeRelax));
        Assert.Equal("a\\qb", word);
    }

    [Fact]
    public void Separators_that_do_not_coalesce_give_empty_words()
    {
        var words = new List<string>();
        var p = 0;
        while (Words.ExtractFirst("a::b:", ref p, out var word, ":", ExtractFlags.DontCoalesceSeparators) == ExtractResult.Word)
        {
            words.Add(word);
        }

        Assert.Equal(["a", "", "b", ""], words);
    }

    [Theory]
    [InlineData("FOO=bar", true)]
    [InlineData("_x1=", true)]
    [InlineData("A=b=c", true)]
    [InlineData("1A=b", false)]
    [InlineData("A-B=c", false)]
    [InlineData("=x", false)]
    [InlineData("NOEQUALS", false)]
    public void Environment_assignments(string text, bool valid) => Assert.Equal(valid, EnvironmentVariables.IsValidAssignment(text));

    [Theory]
    [InlineData("//a/./b/", "/a/b")]
    [InlineData("/", "/")]
    [InlineData("a//b", "a/b")]
    [InlineData("/a/../b", "/a/../b")]
    public void Paths_are_simplified_like_path_simplify(string path, string expected) => Assert.Equal(expected, UnitPaths.Simplify(path));
}
