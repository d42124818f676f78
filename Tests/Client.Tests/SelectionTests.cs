namespace Units.Client.Tests;

public sealed class SelectionTests
{
    private static FakeManager Manager() => new FakeManager()
        .AddUnit("b.service")
        .AddUnit("a.service")
        .AddUnit("idle.service", active: "inactive", sub: "dead")
        .AddUnit("broken.service", active: "failed", sub: "failed")
        .AddUnit("multi-user.target", sub: "active")
        .AddUnit("dev-sda.device", configure: bag => bag["Following"] = "sys-devices-sda.device");

    private static SelectionResult Select(FakeManager manager, UnitSelection selection) =>
        manager.Client().SelectAsync(selection, CancellationToken.None).GetAwaiter().GetResult();

    private static string[] Names(SelectionResult result) => result.Units.Select(unit => unit.Name).ToArray();

    [Fact]
    public void Without_names_inactive_units_and_followers_are_hidden_as_list_units_hides_them()
    {
        var result = Select(Manager(), new UnitSelection());
        Assert.Equal(["a.service", "b.service", "broken.service", "multi-user.target"], Names(result));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void All_shows_inactive_units_and_followers()
    {
        var result = Select(Manager(), new UnitSelection { All = true });
        Assert.Equal(["a.service", "b.service", "broken.service", "dev-sda.device", "idle.service", "multi-user.target"], Names(result));
    }

    [Fact]
    public void A_wildcard_matches_every_state_and_a_wildcard_miss_is_not_an_error()
    {
        Assert.Equal(["idle.service"], Names(Select(Manager(), new UnitSelection { Names = ["i*"] })));
        var miss = Select(Manager(), new UnitSelection { Names = ["nothing*"] });
        Assert.Empty(miss.Units);
        Assert.Empty(miss.Errors);
    }

    [Fact]
    public void A_literal_miss_is_an_ObjectNotFound_error_naming_the_unit()
    {
        var result = Select(Manager(), new UnitSelection { Names = ["a", "nosuch"] });
        Assert.Equal(["a.service"], Names(result));
        var error = Assert.Single(result.Errors);
        Assert.Equal("NoSuchUnit", error.ErrorId);
        Assert.Equal(UnitErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("nosuch.service", error.Target);
    }

    [Fact]
    public void Literal_names_are_read_one_by_one_without_listing_every_unit()
    {
        var manager = Manager();
        Select(manager, new UnitSelection { Names = ["a.service"] });
        Assert.Equal(["GetAll(/org/freedesktop/systemd1/unit/a_2eservice)"], manager.Calls);
    }

    [Fact]
    public void A_literal_name_finds_a_unit_that_is_not_loaded_yet_because_reading_it_loads_it()
    {
        var manager = Manager().AddUnit("ondisk.service", active: "inactive", sub: "dead");
        var result = Select(manager, new UnitSelection { Names = ["ondisk"] });
        Assert.Equal(["ondisk.service"], Names(result));
    }

    [Fact]
    public void Include_and_exclude_filter_by_name_and_an_excluded_literal_is_no_error()
    {
        var result = Select(Manager(), new UnitSelection { Names = ["*"], Include = ["*.service"], Exclude = ["b.*", "idle*"] });
        Assert.Equal(["a.service", "broken.service"], Names(result));
        var excluded = Select(Manager(), new UnitSelection { Names = ["a.service"], Exclude = ["a*"] });
        Assert.Empty(excluded.Units);
        Assert.Empty(excluded.Errors);
    }

    [Fact]
    public void Results_are_deduplicated_and_sorted_ordinally()
    {
        var result = Select(Manager(), new UnitSelection { Names = ["b.service", "*.service", "a", "b.service"] });
        Assert.Equal(["a.service", "b.service", "broken.service", "idle.service"], Names(result));
    }

    [Fact]
    public void States_go_to_the_manager_and_also_filter_literal_names()
    {
        var manager = Manager();
        var result = Select(manager, new UnitSelection { Names = ["*", "a.service"], States = ["failed"] });
        Assert.Equal(["broken.service"], Names(result));
        Assert.Contains("ListUnitsByPatterns([failed],[])", manager.Calls);
    }

    [Fact]
    public void Types_keep_only_units_of_those_types()
    {
        var result = Select(Manager(), new UnitSelection { All = true, Types = [UnitType.Target, UnitType.Device] });
        Assert.Equal(["dev-sda.device", "multi-user.target"], Names(result));
    }

    [Fact]
    public void A_manager_that_serves_no_object_for_an_unknown_unit_gives_NoSuchUnit()
    {
        var manager = Manager();
        manager.Failures["/org/freedesktop/systemd1/unit/gone_2eservice"] = new Connection.ManagerCallException(Connection.DBusErrorNames.UnknownObject, "Unknown object");
        Assert.Equal("NoSuchUnit", Assert.Single(Select(manager, new UnitSelection { Names = ["gone"] }).Errors).ErrorId);
    }

    [Fact]
    public void An_error_reading_a_literal_name_propagates_as_a_manager_error()
    {
        var manager = Manager();
        manager.Failures["/org/freedesktop/systemd1/unit/a_2eservice"] = new Connection.ManagerCallException(Connection.DBusErrorNames.AccessDenied, "Access denied");
        var exception = Assert.Throws<Connection.ManagerCallException>(() => Select(manager, new UnitSelection { Names = ["a"] }));
        Assert.Equal(UnitErrorCategory.PermissionDenied, UnitError.FromCall(exception, "a.service").Category);
    }
}

public sealed class WildcardTests
{
    [Theory]
    [InlineData("*.service", "ssh.service", true)]
    [InlineData("*.service", "ssh.socket", false)]
    [InlineData("ss?.service", "ssh.service", true)]
    [InlineData("[st]sh.*", "tsh.x", true)]
    [InlineData("[a-c]*", "d", false)]
    [InlineData("[a-c]*", "b", true)]
    [InlineData("a`*", "a*", true)]
    [InlineData("a`*", "ab", false)]
    [InlineData("SSH*", "ssh.service", false)]
    [InlineData("x[", "x[", false)]
    [InlineData("*", "", true)]
    public void Patterns_match_as_PowerShell_wildcards_but_case_sensitively(string pattern, string text, bool expected) =>
        Assert.Equal(expected, new WildcardMatcher(pattern).IsMatch(text));

    [Theory]
    [InlineData("a*", true)]
    [InlineData("a`*", false)]
    [InlineData("a?", true)]
    [InlineData("[ab]", true)]
    [InlineData("plain.service", false)]
    public void Wildcards_are_recognised_unless_escaped(string text, bool expected) =>
        Assert.Equal(expected, WildcardMatcher.HasWildcards(text));
}
