using System.Text;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Tests;

public sealed class ParserTests
{
    private static readonly string[] ServiceSections = ["Unit", "Service", "Install"];

    private static (ParsedUnitFile File, DiagnosticBag Diagnostics) Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    private static (ParsedUnitFile File, DiagnosticBag Diagnostics) Parse(byte[] bytes)
    {
        var d = new DiagnosticBag();
        return (UnitFileParser.Parse("/u/x.service", bytes, d, ServiceSections), d);
    }

    private static ParsedEntry Single(ParsedUnitFile f) => Assert.Single(Assert.Single(f.Sections).Entries);

    [Fact]
    public void Keys_and_values_are_trimmed_and_the_first_equals_splits()
    {
        var (f, d) = Parse("[Unit]\n  Description \t=  a = b  \n");
        ParsedEntry e = Single(f);
        Assert.Equal(("Description", "a = b", 2), (e.Key, e.Value, e.Line));
        Assert.Empty(d.Items);
    }

    [Fact]
    public void Comments_start_a_line_after_blanks_but_not_after_a_value()
    {
        var (f, _) = Parse("[Unit]\n# c\n  ; c\nDescription=x # y ; z\n");
        Assert.Equal("x # y ; z", Single(f).Value);
    }

    [Fact]
    public void Continuation_joins_lines_with_a_space_and_skips_comment_lines_inside()
    {
        var (f, _) = Parse("[Service]\nExecStart=/bin/echo a\\\n# comment\n  b \\\n c\n");
        ParsedEntry e = Single(f);
        Assert.Equal("/bin/echo a   b   c", e.Value);
        Assert.Equal(5, e.Line);
    }

    [Fact]
    public void An_escaped_backslash_at_the_end_does_not_continue()
    {
        var (f, _) = Parse("[Unit]\nDescription=a\\\\\nAfter=b\n");
        Assert.Equal(["a\\\\", "b"], f.Sections[0].Entries.Select(e => e.Value));
    }

    [Fact]
    public void A_continuation_open_at_the_end_of_the_file_is_parsed_one_line_later()
    {
        var (f, _) = Parse("[Unit]\nDescription=a \\");
        Assert.Equal(3, Single(f).Line);
    }

    [Theory]
    [InlineData("[Unit]\r\nDescription=x\r\nAfter=y\r\n", 3)]
    [InlineData("[Unit]\rDescription=x\rAfter=y\r", 3)]
    [InlineData("[Unit]\n\rDescription=x\n\rAfter=y\n", 3)]
    [InlineData("[Unit]\n\nDescription=x\n\nAfter=y\n", 5)]
    public void Line_ends_are_LF_CR_and_their_pairs(string text, int lineOfAfter)
    {
        var (f, _) = Parse(text);
        Assert.Equal(lineOfAfter, f.Sections[0].Entries[1].Line);
    }

    [Fact]
    public void A_NUL_byte_ends_a_line()
    {
        var (f, d) = Parse("[Unit]\nAB\0CD=1\n"u8.ToArray());
        Assert.Equal(("CD", 3), (Single(f).Key, Single(f).Line));
        Assert.Equal("/u/x.service:2: Missing '=', ignoring line.", Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void A_byte_order_mark_is_skipped_once_but_after_the_comment_check()
    {
        var (f, d) = Parse("\uFEFF[Unit]\nDescription=x\n");
        Assert.Equal("Description", Single(f).Key);
        Assert.Empty(d.Items);

        (_, d) = Parse("\uFEFF# comment\n[Unit]\n");
        Assert.Equal("/u/x.service:1: Assignment outside of section. Ignoring.", Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void Lines_without_key_or_equals_are_reported_and_skipped()
    {
        var (f, d) = Parse("[Unit]\nWord\n=v\n.include /x\n");
        Assert.Empty(f.Sections[0].Entries);
        Assert.Equal(
            ["/u/x.service:2: Missing '=', ignoring line.", "/u/x.service:3: Missing key name before '=', ignoring line.", "/u/x.service:4: Missing '=', ignoring line."],
            d.Items.Select(x => x.ToString()));
    }

    [Fact]
    public void Unknown_sections_are_reported_and_their_lines_skipped_silently_while_X_sections_are_silent()
    {
        var (f, d) = Parse("[Foo]\nA=1\nnoequals\n[X-Bar]\nB=2\n[Unit]\nC=3\n");
        Assert.Equal("Unit", Assert.Single(f.Sections).Name);
        Assert.Equal("/u/x.service:1: Unknown section 'Foo'. Ignoring.", Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void Repeated_sections_are_kept_in_file_order()
    {
        var (f, _) = Parse("[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nC=3\n");
        Assert.Equal(["Unit", "Service", "Unit"], f.Sections.Select(s => s.Name));
    }

    [Theory]
    [InlineData("[Unit\n", "Invalid section header '[Unit'")]
    [InlineData("[Unit] # c\n", "Invalid section header '[Unit] # c'")]
    [InlineData("[Un\"it]\n", "Bad characters in section header '[Un\"it]'")]
    public void A_broken_section_header_stops_the_file_with_EBADMSG(string header, string message)
    {
        var (f, d) = Parse("[Unit]\nA=1\n" + header + "B=2\n");
        Assert.Equal(Errno.EBADMSG, f.Failure?.Errno);
        Assert.Equal("/u/x.service:3: " + message, Assert.Single(d.Items).ToString());
        Assert.True(d.HasErrors);
        Assert.Equal("A", Single(f).Key);
    }

    [Fact]
    public void Invalid_UTF8_stops_the_file_and_is_shown_with_replacement_characters()
    {
        var (f, d) = Parse([.. "[Unit]\nDescription=a"u8, 0xFF, 0xC0, 0xAF, .. "b\n"u8]);
        Assert.Equal(Errno.EINVAL, f.Failure?.Errno);
        Assert.Equal("/u/x.service:2: String is not UTF-8 clean, ignoring assignment: Description=a\uFFFD\uFFFD\uFFFDb", Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void A_line_of_one_MiB_stops_the_file_with_ENOBUFS_and_one_byte_less_is_fine()
    {
        string prefix = "[Unit]\nDescription=";
        var (f, _) = Parse(prefix + new string('a', UnitFileParser.LongLineMax - "Description=".Length) + "\n");
        Assert.Equal(Errno.ENOBUFS, f.Failure?.Errno);

        (f, _) = Parse(prefix + new string('a', UnitFileParser.LongLineMax - "Description=".Length - 1) + "\n");
        Assert.Null(f.Failure);
        Assert.Equal(UnitFileParser.LongLineMax - "Description=".Length - 1, Single(f).Value.Length);
    }

    [Fact]
    public void A_continuation_growing_past_one_MiB_stops_the_file()
    {
        string half = new('a', UnitFileParser.LongLineMax / 2);
        var (f, _) = Parse("[Unit]\nDescription=" + half + "\\\n" + half + "\\\n" + half + "\n");
        Assert.Equal(Errno.ENOBUFS, f.Failure?.Errno);
    }

    [Fact]
    public void Random_binary_never_throws()
    {
        var random = new Random(252);
        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            var (f, _) = Parse(bytes);
            Assert.NotNull(f);
        }
    }
}
