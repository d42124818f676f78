using Units.UnitFiles.Install;

namespace Units.UnitFiles.Tests.Install;

/// <summary>The installer's API beyond what systemctl prints: D-Bus triples and errors, argument checks, globs, preset parsing.</summary>
public sealed class InstallApiTests
{
    [Fact]
    public void Enable_returns_the_dbus_triples_and_carries_install_info()
    {
        using var tree = new InstallTree();
        tree.Installable("a.service", "WantedBy=multi-user.target", "Alias=b.service").Unit("multi-user.target");
        tree.Build();
        InstallResult result = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null).Enable(["a.service"]);

        Assert.True(result.Succeeded);
        Assert.True(result.CarriesInstallInfo);
        Assert.True(result.HasModification);
        Assert.Null(result.DBusError);
        var triples = result.Changes.Select(c => (c.DBusType, c.Path[tree.Ours.Length..], c.Source)).OrderBy(t => t.Item2).ToList();
        Assert.Equal(
        [
            ("symlink", "/etc/systemd/system/b.service", "/usr/lib/systemd/system/a.service"),
            ("symlink", "/etc/systemd/system/multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service"),
        ], triples);
    }

    [Fact]
    public void A_failure_without_any_change_becomes_systemds_dbus_error()
    {
        using var tree = new InstallTree();
        tree.Build();
        InstallResult result = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null).Enable(["nothing.service"]);

        Assert.False(result.Succeeded);
        Assert.Equal(2, result.Errno);
        Assert.Equal(("org.freedesktop.systemd1.NoSuchUnit", "Unit file nothing.service does not exist."), result.DBusError);
    }

    [Fact]
    public void Masked_units_are_refused_with_UnitMasked()
    {
        using var tree = new InstallTree();
        tree.Installable("a.service", "WantedBy=x.target").Symlink("etc/systemd/system/a.service", "/dev/null");
        tree.Build();
        InstallResult result = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null).Enable(["a.service"]);

        Assert.Equal("org.freedesktop.systemd1.UnitMasked", result.DBusError?.Name);
        Assert.Equal(["Failed to enable unit, unit " + tree.Ours + "/etc/systemd/system/a.service is masked."], result.Describe("enable"));
    }

    [Fact]
    public void Invalid_names_are_rejected_without_touching_the_tree()
    {
        using var tree = new InstallTree();
        tree.Build();
        var installer = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null);
        var before = InstallTree.Snapshot(tree.Ours, tree.Ours);

        InstallResult mask = installer.Mask(["a!b.service"]);
        InstallResult disable = installer.Disable(["no-suffix"]);
        InstallResult setDefault = installer.SetDefault("a.service");

        Assert.Equal(22, mask.Errno);
        Assert.Equal(["Failed to mask: Invalid argument."], mask.Describe("mask"));
        Assert.Equal(["Failed to disable unit, \"no-suffix\" is not a valid unit name."], disable.Describe("disable"));
        Assert.Equal(22, setDefault.Errno);
        Assert.Equal(before, InstallTree.Snapshot(tree.Ours, tree.Ours));
    }

    /// <summary>systemctl stops earlier here (its SysV check fails: "Failed to look up unit file state"); the manager's path is install.c's.</summary>
    [Fact]
    public void A_directory_where_a_unit_file_should_be_is_reported_and_the_rest_still_works()
    {
        using var tree = new InstallTree();
        tree.Dir("etc/systemd/system/a.service").Installable("a.service", "WantedBy=x.target").Installable("b.service", "WantedBy=x.target");
        tree.Build();
        var installer = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null);

        InstallResult a = installer.Enable(["a.service"]);
        InstallResult b = installer.Enable(["b.service"]);

        Assert.Equal(21, a.Errno);
        Assert.Equal(["Failed to enable unit, file \"a.service\": Is a directory"], a.Describe("enable"));
        Assert.True(b.Succeeded);
        Assert.Equal(-21, installer.States.TryGetState("a.service", out _));
        Assert.Equal(UnitFileState.Enabled, installer.States.GetState("b.service"));
        Assert.Contains(installer.States.List(), e => e.Name == "b.service" && e.State == UnitFileState.Enabled);
    }

    [Fact]
    public void Portable_enable_writes_to_the_attached_directory()
    {
        using var tree = new InstallTree();
        tree.Installable("a.service", "WantedBy=x.target");
        tree.Build();
        InstallResult result = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null).Enable(["a.service"], InstallFlags.Portable | InstallFlags.Runtime);

        Assert.True(result.Succeeded);
        Assert.Equal(tree.Ours + "/run/systemd/system.attached/x.target.wants/a.service", result.Changes.Single(c => c.Type == InstallChangeType.Symlink).Path);
        Assert.Equal(7, (int)InstallFlags.PublicMask);
    }

    [Fact]
    public void The_user_scope_refuses_a_root_directory()
    {
        using var tree = new InstallTree();
        tree.Build();
        InstallResult result = new UnitFileInstaller(InstallScope.User, tree.Ours, _ => null).Enable(["a.service"]);
        Assert.Equal(22, result.Errno);
        Assert.Equal(-22, new UnitFileStateResolver(InstallScope.User, tree.Ours, _ => null).TryGetState("a.service", out _));
    }

    [Fact]
    public void Dry_run_disable_lists_the_links_without_removing_them()
    {
        using var tree = new InstallTree();
        tree.Installable("a.service", "WantedBy=x.target").Symlink("etc/systemd/system/x.target.wants/a.service", "/usr/lib/systemd/system/a.service");
        tree.Build();
        var installer = new UnitFileInstaller(InstallScope.System, tree.Ours, _ => null);
        var before = InstallTree.Snapshot(tree.Ours, tree.Ours);

        InstallResult links = installer.GetLinks("a.service");

        Assert.Equal([tree.Ours + "/etc/systemd/system/x.target.wants/a.service"],
            links.Changes.Where(c => c.Type == InstallChangeType.Unlink).Select(c => c.Path));
        Assert.Equal(before, InstallTree.Snapshot(tree.Ours, tree.Ours));
    }

    [Fact]
    public void List_filters_by_pattern_and_state()
    {
        using var tree = new InstallTree();
        tree.Installable("a.service", "WantedBy=x.target").Unit("b.service").Unit("c.socket")
            .Symlink("etc/systemd/system/x.target.wants/a.service", "/usr/lib/systemd/system/a.service");
        tree.Build();
        var resolver = new UnitFileStateResolver(InstallScope.System, tree.Ours, _ => null);

        Assert.Equal(["a.service", "b.service"], resolver.List(["*.service"]).Select(e => e.Name));
        Assert.Equal(["b.service", "c.socket"], resolver.List(states: [UnitFileState.Static]).Select(e => e.Name));
        Assert.Equal(tree.Ours + "/usr/lib/systemd/system/a.service", resolver.List(["a.*"]).Single().Path);
    }

    [Theory]
    [InlineData("*", "anything.service", true)]
    [InlineData("getty@*.service", "getty@tty1.service", true)]
    [InlineData("a?c.service", "abc.service", true)]
    [InlineData("[ab].service", "b.service", true)]
    [InlineData("[!ab].service", "b.service", false)]
    [InlineData("[a-c]x.socket", "bx.socket", true)]
    [InlineData("a\\*.service", "a\\x.service", true)]
    [InlineData("[.service", "[.service", true)]
    [InlineData("*.socket", "a.service", false)]
    public void Globs_follow_fnmatch_without_escapes(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, text));

    [Fact]
    public void Preset_rules_first_match_wins_and_bad_lines_are_reported()
    {
        var d = new DiagnosticBag();
        PresetRules rules = PresetRules.Parse("/x.preset", "# c\n; c\nenable a*.service\ndisable *\nignore b.service\nenable c.service extra\nenable w@.service one two\n", d);

        Assert.True(rules.IsEnabled("abc.service"));
        Assert.False(rules.IsEnabled("b.service"));
        Assert.False(rules.IsEnabled("w@.service", out _));
        Assert.Equal(["/x.preset:5: Couldn't parse line 'ignore b.service'. Ignoring.", "/x.preset:6: Couldn't parse line 'enable c.service extra'. Ignoring."],
            d.Items.Select(i => i.ToString()));
        PresetRules templates = PresetRules.Parse("/y.preset", "enable w@.service one two\n");
        Assert.True(templates.IsEnabled("w@.service", out IReadOnlyList<string>? instances));
        Assert.Equal(["w@one.service", "w@two.service"], instances);
        Assert.True(templates.IsEnabled("w@one.service", out _));
        Assert.True(templates.IsEnabled("unlisted.service"));
    }

    [Fact]
    public void State_names_round_trip_in_systemds_spelling()
    {
        foreach (UnitFileState s in Enum.GetValues<UnitFileState>())
            Assert.Equal(s, InstallText.ParseUnitFileState(s.ToSystemdString()));
        Assert.Equal("enabled-runtime", UnitFileState.EnabledRuntime.ToSystemdString());
        Assert.Equal(PresetMode.EnableOnly, InstallText.ParsePresetMode("enable-only"));
        Assert.Null(InstallText.ParsePresetMode("half"));
    }
}
