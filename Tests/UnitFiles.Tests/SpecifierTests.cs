using Units.UnitFiles.Names;
using Units.UnitFiles.Specifiers;

namespace Units.UnitFiles.Tests;

public sealed class SpecifierTests
{
    private static string Expand(string text, string unit = "foo-bar@a\\x2db-c.service", UnitScope scope = UnitScope.System, SpecifierTable table = SpecifierTable.Unit, FixedHostFacts? host = null)
    {
        var ctx = new SpecifierContext(UnitName.Parse(unit), scope, host ?? new FixedHostFacts()) { Table = table, FragmentRealPath = "/lib/systemd/system/foo-bar@.service" };
        Assert.True(SpecifierExpander.TryExpand(text, ctx, new DiagnosticBag(), out string result, out Errno error), error.Describe());
        return result;
    }

    [Theory]
    [InlineData("%n", "foo-bar@a\\x2db-c.service")]
    [InlineData("%N", "foo-bar@a\\x2db-c")]
    [InlineData("%p", "foo-bar")]
    [InlineData("%P", "foo/bar")]
    [InlineData("%i", "a\\x2db-c")]
    [InlineData("%I", "a-b/c")]
    [InlineData("%j", "bar")]
    [InlineData("%J", "bar")]
    [InlineData("%f", "/a-b/c")]
    [InlineData("%y", "/lib/systemd/system/foo-bar@.service")]
    [InlineData("%Y", "/lib/systemd/system")]
    [InlineData("%%", "%")]
    [InlineData("100%", "100%")]
    [InlineData("%H %l %m %b %v %a %o %w", "box.example.org box 0123456789abcdef0123456789abcdef fedcba9876543210fedcba9876543210 6.1.0-test x86-64 debian 12")]
    [InlineData("%q", "box")]
    [InlineData("%W%B%M%A", "")]
    [InlineData("%h %s", "/home/alice /bin/zsh")]
    [InlineData("%T %V", "/tmp /var/tmp")]
    public void Unit_specifiers_expand_as_unit_printf_does(string text, string expected) => Assert.Equal(expected, Expand(text));

    [Theory]
    [InlineData(UnitScope.System, "%t %S %C %L %E %d", "/run /var/lib /var/cache /var/log /etc /run/credentials/x.service")]
    [InlineData(UnitScope.User, "%t %S %C %L %E %d", "/run/user/1000 /home/alice/.local/state /home/alice/.cache /home/alice/.local/state/log /home/alice/.config /run/user/1000/credentials/x.service")]
    [InlineData(UnitScope.System, "%u %U %g %G", "root 0 root 0")]
    [InlineData(UnitScope.User, "%u %U %g %G", "alice 1000 staff 50")]
    public void Directories_and_credentials_depend_on_the_scope(UnitScope scope, string text, string expected) =>
        Assert.Equal(expected, Expand(text, "x.service", scope));

    [Fact]
    public void TMPDIR_and_XDG_variables_are_honoured_when_absolute()
    {
        var host = new FixedHostFacts();
        host.Env["TMPDIR"] = "/scratch";
        host.Env["XDG_CONFIG_HOME"] = "/cfg";
        Assert.Equal("/scratch /scratch /cfg", Expand("%T %V %E", "x.service", UnitScope.User, host: host));
        host.Env["TMPDIR"] = "relative";
        Assert.Equal("/tmp", Expand("%T", "x.service", host: host));
    }

    [Theory]
    [InlineData("%z")]
    [InlineData("%Q")]
    [InlineData("a %x b")]
    public void Unknown_specifiers_fail_with_EBADSLT(string text)
    {
        var ctx = new SpecifierContext(UnitName.Parse("x.service"), UnitScope.System, new FixedHostFacts());
        Assert.False(SpecifierExpander.TryExpand(text, ctx, new DiagnosticBag(), out _, out Errno error));
        Assert.Equal((Errno.EBADSLT, "Invalid slot"), (error, error.Describe()));
    }

    [Fact]
    public void The_install_table_knows_fewer_specifiers()
    {
        Assert.Equal("x.service x", Expand("%n %p", "x.service", table: SpecifierTable.Install));
        var ctx = new SpecifierContext(UnitName.Parse("x.service"), UnitScope.System, new FixedHostFacts()) { Table = SpecifierTable.Install };
        Assert.False(SpecifierExpander.TryExpand("%t", ctx, new DiagnosticBag(), out _, out _));
    }

    [Fact]
    public void Deprecated_cgroup_specifiers_warn_in_systemds_words()
    {
        var d = new DiagnosticBag();
        var ctx = new SpecifierContext(UnitName.Parse("x.service"), UnitScope.System, new FixedHostFacts());
        Assert.True(SpecifierExpander.TryExpand("%c|%r|%R", ctx, d, out string result, out _));
        Assert.Equal("/system.slice/x.service|/system.slice|/", result);
        Assert.Equal("x.service: Specifier '%c' used in unit configuration, which is deprecated. Please update your unit file, as it does not work as intended.", d.Items[0].ToString());
    }

    [Fact]
    public void Every_letter_outside_the_table_is_rejected_and_every_letter_inside_expands()
    {
        string known = SpecifierExpander.Letters(SpecifierTable.Unit);
        for (char c = 'A'; c <= 'z'; c++)
        {
            if (!char.IsAsciiLetter(c))
                continue;
            var ctx = new SpecifierContext(UnitName.Parse("x@y.service"), UnitScope.System, new FixedHostFacts()) { FragmentRealPath = "/x@.service" };
            bool ok = SpecifierExpander.TryExpand("%" + c, ctx, new DiagnosticBag(), out _, out _);
            Assert.True(ok == known.Contains(c, StringComparison.Ordinal), $"%{c}");
        }
    }
}
