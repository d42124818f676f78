using Units.UnitFiles.Loading;
using Units.UnitFiles.Settings;

namespace Units.UnitFiles.Tests;

public sealed class LoaderTests : IDisposable
{
    private const string Ok = "[Service]\nExecStart=/bin/true\n";
    private readonly TempDirectory high = TestPaths.NewTemp();
    private readonly TempDirectory low = TestPaths.NewTemp();

    public void Dispose()
    {
        high.Dispose();
        low.Dispose();
    }

    private UnitLoader Loader(IUnitFileSystem? fs = null) => new(new UnitLoaderOptions
    {
        SearchPath = [high.Path, low.Path],
        FileSystem = fs ?? UnitFileSystem.Instance,
        Binder = SettingsBinder.Instance,
    });

    [Fact]
    public void A_plain_unit_loads_with_its_fragment()
    {
        string path = low.Write("a.service", "[Unit]\nDescription=A\n" + Ok);
        LoadedUnit u = Loader().Load("a.service");
        Assert.Equal((LoadState.Loaded, path, "a.service"), (u.LoadState, u.FragmentPath, u.Name));
        Assert.Null(u.LoadError);
        Assert.Equal("A", u.Settings?.Description);
    }

    [Fact]
    public void Files_the_manager_writes_are_found_without_a_rescan_and_removed_ones_are_gone()
    {
        UnitLoader loader = Loader();
        Assert.Equal(LoadState.NotFound, loader.Load("t.service").LoadState);
        string fragment = high.Write("t.service", Ok);
        string dropIn = high.Write("t.service.d/50-Description.conf", "[Unit]\nDescription=written\n");
        loader.NoteWritten(fragment);
        loader.NoteWritten(dropIn);
        LoadedUnit loaded = loader.Load("t.service");
        Assert.Equal((LoadState.Loaded, fragment, "written"), (loaded.LoadState, loaded.FragmentPath, loaded.Settings?.Description));
        Assert.Equal([dropIn], loaded.DropInPaths);

        File.Delete(fragment);
        loader.NoteRemoved(fragment);
        Assert.Equal(LoadState.NotFound, loader.Load("t.service").LoadState);
    }

    [Fact]
    public void Extra_drop_ins_outside_the_search_path_are_read_after_the_others()
    {
        using TempDirectory control = TestPaths.NewTemp();
        low.Write("a.service", "[Unit]\nDescription=file\n" + Ok);
        string searched = low.Write("a.service.d/90-x.conf", "[Unit]\nDescription=searched\n");
        string extra = control.Write("a.service.d/50-Description.conf", "[Unit]\nDescription=set\n");
        LoadedUnit loaded = Loader().Load("a.service", [extra, searched]);
        Assert.Equal([searched, extra], loaded.DropInPaths);
        Assert.Equal("set", loaded.Settings?.Description);
    }

    [Fact]
    public void The_first_search_directory_wins()
    {
        string path = high.Write("a.service", Ok);
        low.Write("a.service", "[Unit]\nDescription=low\n" + Ok);
        Assert.Equal(path, Loader().Load("a.service").FragmentPath);
    }

    [Fact]
    public void A_missing_unit_is_not_found_with_systemds_error()
    {
        LoadedUnit u = Loader().Load("nope.service");
        Assert.Equal(LoadState.NotFound, u.LoadState);
        Assert.Equal(new UnitLoadError("org.freedesktop.systemd1.NoSuchUnit", "Unit nope.service not found."), u.LoadError);
    }

    [Fact]
    public void An_alias_symlink_loads_the_real_unit_with_both_names()
    {
        low.Write("real.service", Ok);
        low.Link("alias.service", "real.service");
        UnitLoader loader = Loader();
        LoadedUnit viaAlias = loader.Load("alias.service");
        Assert.Equal("real.service", viaAlias.Name);
        Assert.Equal(["real.service", "alias.service"], viaAlias.Names);
        Assert.Contains("alias.service", loader.Load("real.service").Names);
    }

    [Fact]
    public void An_alias_to_another_type_is_rejected_in_systemds_words()
    {
        low.Write("real.service", Ok);
        low.Link("alias.socket", "real.service");
        UnitLoader loader = Loader();
        Assert.Equal("alias.socket: symlink target \"real.service\" has incompatible suffix, rejecting.", Assert.Single(loader.Diagnostics).ToString());
        Assert.Equal(LoadState.NotFound, loader.Load("alias.socket").LoadState);
    }

    [Fact]
    public void Instances_load_from_their_template_and_template_aliases_give_instance_names()
    {
        string template = low.Write("foo@.service", "[Unit]\nDescription=%i\n" + Ok);
        low.Link("bar@.service", "foo@.service");
        UnitLoader loader = Loader();
        LoadedUnit u = loader.Load("foo@x.service");
        Assert.Equal(("foo@x.service", template, "x"), (u.Name, u.FragmentPath, u.Settings?.Description));
        LoadedUnit viaAlias = loader.Load("bar@y.service");
        Assert.Equal("foo@y.service", viaAlias.Name);
        Assert.Contains("bar@y.service", viaAlias.Names);
    }

    [Fact]
    public void Loading_a_template_itself_is_refused_with_systemds_message()
    {
        low.Write("foo@.service", Ok);
        var e = Assert.Throws<ArgumentException>(() => Loader().Load("foo@.service"));
        Assert.StartsWith("Unit name foo@.service is missing the instance name.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_dev_null_or_an_empty_file_masks()
    {
        high.Link("m.service", "/dev/null");
        low.Write("m.service", Ok);
        low.Write("e.service", "");
        UnitLoader loader = Loader();
        foreach (string name in new[] { "m.service", "e.service" })
        {
            LoadedUnit u = loader.Load(name);
            Assert.Equal(LoadState.Masked, u.LoadState);
            Assert.Equal(new UnitLoadError("org.freedesktop.systemd1.UnitMasked", $"Unit {name} is masked."), u.LoadError);
        }
    }

    [Fact]
    public void A_linked_unit_outside_the_search_path_keeps_the_link_as_fragment()
    {
        using TempDirectory elsewhere = TestPaths.NewTemp();
        string target = elsewhere.Write("linked.service", Ok);
        string link = low.Link("linked.service", target);
        LoadedUnit u = Loader().Load("linked.service");
        Assert.Equal((LoadState.Loaded, link), (u.LoadState, u.FragmentPath));
    }

    [Fact]
    public void Drop_ins_apply_in_file_name_order_with_the_higher_directory_winning_a_name()
    {
        low.Write("foo-bar-baz.service", Ok);
        string own = high.Write("foo-bar-baz.service.d/10-same.conf", "[Unit]\nDescription=high\n");
        low.Write("foo-bar-baz.service.d/10-same.conf", "[Unit]\nDescription=low\n");
        string prefix = low.Write("foo-.service.d/20-prefix.conf", "[Unit]\nDescription=prefix\n");
        string longerPrefix = low.Write("foo-bar-.service.d/15-prefix.conf", "[Unit]\nDocumentation=man:x(1)\n");
        string type = low.Write("service.d/05-all.conf", "[Unit]\nDescription=type\n");
        low.Write("foo-bar-baz.service.d/README", "[Unit]\nDescription=not a conf\n");
        low.Write("foo-bar-baz.service.d/.hidden.conf", "[Unit]\nDescription=hidden\n");

        LoadedUnit u = Loader().Load("foo-bar-baz.service");
        Assert.Equal([type, own, longerPrefix, prefix], u.DropInPaths);
        Assert.Equal("prefix", u.Settings?.Description);
        LoadedUnit unbound = new UnitLoader(new UnitLoaderOptions { SearchPath = [high.Path, low.Path], Binder = null }).Load("foo-bar-baz.service");
        Assert.Equal([Path.Combine(low.Path, "foo-bar-baz.service"), .. u.DropInPaths], unbound.Files.Select(f => f.Path));
    }

    [Fact]
    public void Template_drop_ins_apply_to_instances_and_instance_ones_only_to_that_instance()
    {
        low.Write("t@.service", Ok);
        string forAll = low.Write("t@.service.d/10.conf", "[Unit]\nDescription=all\n");
        string forOne = low.Write("t@one.service.d/20.conf", "[Unit]\nDescription=one\n");
        UnitLoader loader = Loader();
        Assert.Equal([forAll, forOne], loader.Load("t@one.service").DropInPaths);
        Assert.Equal([forAll], loader.Load("t@two.service").DropInPaths);
    }

    [Fact]
    public void Wants_requires_and_upholds_directories_give_dependencies()
    {
        low.Write("a.service", Ok);
        low.Write("b.service", Ok);
        low.Write("inst@.service", Ok);
        low.Link("a.service.wants/b.service", "../b.service");
        low.Link("a.service.requires/c.service", "/nonexistent/c.service");
        low.Link("a.service.upholds/d.service", "../b.service");
        low.Link("a.service.wants/masked.service", "/dev/null");
        low.Write("a.service.wants/plain.service", Ok);
        low.Link("x@.service.wants/inst@.service", "../inst@.service");

        UnitLoader loader = Loader();
        LoadedUnit a = loader.Load("a.service");
        Assert.Equal(["b.service"], a.Wants);
        Assert.Equal(["c.service"], a.Requires);
        Assert.Equal(["d.service"], a.Upholds);
        Assert.Contains(a.Diagnostics, d => d.Message == $"Wants dependency dropin {low.Path}/a.service.wants/plain.service is not a symlink, ignoring.");

        low.Write("x@.service", Ok);
        loader.Reload();
        Assert.Equal(["inst@q.service"], loader.Load("x@q.service").Wants);
    }

    [Fact]
    public void Bad_files_get_a_diagnostic_and_the_rest_of_the_tree_still_loads()
    {
        low.Write("good.service", Ok);
        low.Write("unreadable.service", Ok);
        low.WriteBytes("garbage.service", [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 256))]);
        low.Write("long.service", "[Unit]\nDescription=" + new string('x', Syntax.UnitFileParser.LongLineMax) + "\n" + Ok);
        low.Link("loop1.service", "loop2.service");
        low.Link("loop2.service", "loop1.service");
        using TempDirectory elsewhere = TestPaths.NewTemp();
        elsewhere.Link("x.service", Path.Combine(elsewhere.Path, "y.service"));
        elsewhere.Link("y.service", Path.Combine(elsewhere.Path, "x.service"));
        low.Link("outside-loop.service", Path.Combine(elsewhere.Path, "x.service"));
        Directory.CreateDirectory(Path.Combine(low.Path, "dir.service"));
        low.Write("not a unit.service", Ok);
        low.Write("header.service", "[Service\n");

        UnitLoader loader = Loader(new FailingFileSystem(Path.Combine(low.Path, "unreadable.service"), Errno.EACCES));
        var units = loader.LoadAll().ToDictionary(u => u.Name);

        Assert.Equal(LoadState.Loaded, units["good.service"].LoadState);
        Assert.Equal(LoadState.NotFound, units["unreadable.service"].LoadState);
        Assert.Equal($"unreadable.service: Failed to open {low.Path}/unreadable.service: Permission denied", Assert.Single(units["unreadable.service"].Diagnostics).ToString());
        Assert.Equal(LoadState.Error, units["garbage.service"].LoadState);
        Assert.Contains("String is not UTF-8 clean", units["garbage.service"].Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal(LoadState.Error, units["long.service"].LoadState);
        Assert.Equal("Unit long.service failed to load properly, please adjust/correct and reload service manager: No buffer space available", units["long.service"].LoadError?.Message);
        Assert.Contains(units["long.service"].Notes, n => n.Line == 2);
        Assert.Equal(LoadState.NotFound, units["loop1.service"].LoadState);
        Assert.Equal(LoadState.NotFound, units["outside-loop.service"].LoadState);
        Assert.Contains("Too many levels of symbolic links", units["outside-loop.service"].Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal(LoadState.Error, units["header.service"].LoadState);
        Assert.DoesNotContain("not a unit.service", units.Keys);
        Assert.Contains(loader.Notes, n => n.Path.EndsWith("/not a unit.service", StringComparison.Ordinal) && n.Message == "Not a valid unit name; ignoring.");
        Assert.Equal(LoadState.NotFound, loader.Load("dir.service").LoadState);
        Assert.Contains(loader.Notes, n => n.Path.EndsWith("/dir.service", StringComparison.Ordinal) && n.Message.Contains("directory", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fatal_setting_makes_the_unit_bad_setting()
    {
        low.Write("rel.service", "[Service]\nExecStart=bin/true\n");
        LoadedUnit u = Loader().Load("rel.service");
        Assert.Equal(LoadState.BadSetting, u.LoadState);
        Assert.Equal(new UnitLoadError("org.freedesktop.systemd1.BadUnitSetting", "Unit rel.service has a bad unit file setting."), u.LoadError);
    }

    [Fact]
    public void A_unit_file_added_after_the_scan_is_found_once_its_directory_changed()
    {
        UnitLoader loader = Loader();
        Assert.Equal(LoadState.NotFound, loader.Load("late.service").LoadState);
        Assert.False(loader.SearchPathChanged());
        low.Write("late.service", "[Unit]\nDescription=Late\n" + Ok);
        // The directory's mtime has a coarse clock on some file systems: make the change visible for certain.
        Directory.SetLastWriteTimeUtc(low.Path, DateTime.UtcNow.AddSeconds(5));
        Assert.True(loader.SearchPathChanged());
        LoadedUnit late = loader.Load("late.service");
        Assert.Equal((LoadState.Loaded, "Late"), (late.LoadState, late.Settings!.Description));
        Assert.False(loader.SearchPathChanged());
    }

    /// <summary>The real file system, except that reading one path fails with a chosen errno (root can read anything).</summary>
    private sealed class FailingFileSystem(string failingPath, Errno errno) : IUnitFileSystem
    {
        public IReadOnlyList<DirectoryEntry>? ListDirectory(string path) => UnitFileSystem.Instance.ListDirectory(path);

        public string? ReadLink(string path) => UnitFileSystem.Instance.ReadLink(path);

        public EntryKind? KindFollowingLinks(string path) => UnitFileSystem.Instance.KindFollowingLinks(path);

        public FileContent Read(string path) => path == failingPath ? new FileContent(null, errno, false, 0) : UnitFileSystem.Instance.Read(path);

        public DateTime? ModifiedAt(string path) => UnitFileSystem.Instance.ModifiedAt(path);
    }
}
