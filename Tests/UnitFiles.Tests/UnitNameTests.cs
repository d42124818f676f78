using Units.UnitFiles.Names;

namespace Units.UnitFiles.Tests;

public sealed class UnitNameTests
{
    [Theory]
    [InlineData("foo.service", true)]
    [InlineData("foo@.service", true)]
    [InlineData("foo@bar@baz.service", true)]
    [InlineData("a-b_c:d\\x2d.e.socket", true)]
    [InlineData("-.slice", true)]
    [InlineData("@foo.service", false)]
    [InlineData(".service", false)]
    [InlineData("foo", false)]
    [InlineData("foo.bar", false)]
    [InlineData("foo bar.service", false)]
    [InlineData("föö.service", false)]
    [InlineData("", false)]
    public void Validity_follows_unit_name_is_valid(string name, bool valid) => Assert.Equal(valid, UnitName.IsValid(name));

    [Fact]
    public void Names_longer_than_255_characters_are_invalid()
    {
        Assert.True(UnitName.IsValid(new string('a', 255 - ".service".Length) + ".service"));
        Assert.False(UnitName.IsValid(new string('a', 256 - ".service".Length) + ".service"));
    }

    [Fact]
    public void Parts_of_an_instance_name()
    {
        UnitName n = UnitName.Parse("getty@tty1.service");
        Assert.Equal(("getty", "tty1", UnitType.Service, "getty@.service", "getty@tty1"), (n.Prefix, n.Instance, n.Type, n.Template, n.PrefixAndInstance));
        Assert.True(n.IsInstance);
        Assert.True(UnitName.Parse("getty@.service").IsTemplate);
        Assert.Null(UnitName.Parse("foo.socket").Instance);
    }

    [Fact]
    public void Kinds_restrict_what_is_accepted()
    {
        Assert.False(UnitName.IsValid("foo@.service", UnitNameKinds.Plain | UnitNameKinds.Instance));
        Assert.True(UnitName.IsValid("foo@x.service", UnitNameKinds.Instance));
        Assert.False(UnitName.IsValid("foo.service", UnitNameKinds.Template));
    }

    [Fact]
    public void Replacing_the_instance_of_a_template()
    {
        Assert.True(UnitName.Parse("foo@.service").TryWithInstance("a\\x2db", out UnitName n));
        Assert.Equal("foo@a\\x2db.service", n.Name);
        UnitName same = UnitName.Parse("foo@.service");
        Assert.True(same.TryWithInstance("i", out same));
        Assert.Equal("foo@i.service", same.Name);
    }

    public static TheoryData<string> EscapeInputs() =>
    [
        "", "/", "a", ".a", "/.a", "a/b", "/a//b/", "a/./b", "ü x-y\\z", "/dev/sda1", "-", "...", "tab\there", "100%", "a:b_c.d",
    ];

    [Theory]
    [MemberData(nameof(EscapeInputs))]
    public void Escape_equals_systemd_escape(string input)
    {
        string tool = TestPaths.RequireTool("systemd-escape");
        var (code, stdout, _) = TestPaths.Run(tool, ["--", input]);
        Assert.Equal(0, code);
        Assert.Equal(stdout.TrimEnd('\n'), UnitNameEscaping.Escape(input));
    }

    [Theory]
    [MemberData(nameof(EscapeInputs))]
    [InlineData(".")]
    [InlineData("a/../b")]
    public void Path_escape_equals_systemd_escape_path(string input)
    {
        string tool = TestPaths.RequireTool("systemd-escape");
        var (code, stdout, _) = TestPaths.Run(tool, ["--path", "--", input]);
        bool ok = UnitNameEscaping.TryEscapePath(input, out string escaped);
        Assert.Equal(code == 0, ok);
        if (ok)
            Assert.Equal(stdout.TrimEnd('\n'), escaped);
    }

    [Theory]
    [InlineData("-dev-sda1")]
    [InlineData("a\\x2db-c")]
    [InlineData("\\xc3\\xbc")]
    [InlineData("bad\\x")]
    [InlineData("bad\\y41")]
    public void Unescape_equals_systemd_escape_unescape(string input)
    {
        string tool = TestPaths.RequireTool("systemd-escape");
        var (code, stdout, _) = TestPaths.Run(tool, ["--unescape", "--", input]);
        bool ok = UnitNameEscaping.TryUnescape(input, out string unescaped);
        Assert.Equal(code == 0, ok);
        if (ok)
            Assert.Equal(stdout.TrimEnd('\n'), unescaped);
    }

    [Theory]
    [InlineData("dev-sda1")]
    [InlineData("-")]
    [InlineData("-foo")]
    [InlineData("foo-")]
    [InlineData("a-..-b")]
    public void Path_unescape_equals_systemd_escape(string input)
    {
        string tool = TestPaths.RequireTool("systemd-escape");
        var (code, stdout, _) = TestPaths.Run(tool, ["--unescape", "--path", "--", input]);
        bool ok = UnitNameEscaping.TryUnescapePath(input, out string unescaped);
        Assert.Equal(code == 0, ok);
        if (ok)
            Assert.Equal(stdout.TrimEnd('\n'), unescaped);
    }

    [Fact]
    public void Escape_and_unescape_round_trip()
    {
        foreach (string s in new[] { "/a/b c/ü", "x-y", ".hidden" })
        {
            Assert.True(UnitNameEscaping.TryUnescape(UnitNameEscaping.Escape(s), out string back));
            Assert.Equal(s, back);
        }
    }
}
