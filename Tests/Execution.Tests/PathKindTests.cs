using Units.Core.Jobs;
using Units.Core.Model;
using Units.Core.Testing;
using Units.Execution.Triggers;

namespace Units.Execution.Tests;

/// <summary>Path units over real files, with the watches' events fired by the test (systemd 252's path.c).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PathKindTests : IDisposable
{
    private const uint InCreate = 0x100, InCloseWrite = 0x8, InModify = 0x2;

    private readonly string _directory = Directory.CreateTempSubdirectory("units-path-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private TriggerRig Rig(params PathSpec[] specs) => Rig(new PathSettings { Unit = "x.service", Specs = specs });

    private static TriggerRig Rig(PathSettings settings)
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.path", settings);
        return rig;
    }

    [Fact]
    public void PathExists_waits_on_the_parent_directory_and_triggers_when_the_file_appears()
    {
        string file = Path.Combine(_directory, "flag");
        var rig = Rig(new PathSpec(PathType.Exists, file));
        var path = rig.Kind<PathKind>("x.path");
        Assert.Equal(JobResult.Done, TriggerRig.Outcome(rig.Start("x.path")));
        Assert.Equal("waiting", path.SubState);
        Assert.Contains(_directory, rig.Watcher.Watched);
        Assert.DoesNotContain(file, rig.Watcher.Watched);

        File.WriteAllText(file, "");
        rig.Event(() => rig.Watcher.Fire(_directory, InCreate));
        Assert.Equal(1, rig.Service("x.service").StartCount);
        Assert.Equal("running", path.SubState);
        Assert.Empty(rig.Watcher.Watched);

        // The service ends while the file is still there: the path triggers it again.
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal(2, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void A_path_that_exists_at_start_triggers_at_once()
    {
        string file = Path.Combine(_directory, "flag");
        File.WriteAllText(file, "");
        var rig = Rig(new PathSpec(PathType.Exists, file));
        rig.Start("x.path");
        Assert.Equal(1, rig.Service("x.service").StartCount);
        Assert.Equal("running", rig.Kind<PathKind>("x.path").SubState);
    }

    [Fact]
    public void PathExistsGlob_triggers_on_a_match()
    {
        var rig = Rig(new PathSpec(PathType.ExistsGlob, Path.Combine(_directory, "job-*.{txt,csv}")));
        rig.Start("x.path");
        File.WriteAllText(Path.Combine(_directory, "job-1.dat"), "");
        rig.Event(() => rig.Watcher.Fire(_directory, InCreate));
        Assert.Equal(0, rig.Service("x.service").StartCount);
        File.WriteAllText(Path.Combine(_directory, "job-2.csv"), "");
        rig.Event(() => rig.Watcher.Fire(_directory, InCreate));
        Assert.Equal(1, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void PathChanged_triggers_on_a_close_after_writing_but_PathModified_also_on_each_write()
    {
        string file = Path.Combine(_directory, "data");
        File.WriteAllText(file, "");
        var changed = Rig(new PathSpec(PathType.Changed, file));
        changed.Start("x.path");
        Assert.Equal(0, changed.Service("x.service").StartCount);
        Assert.Contains(file, changed.Watcher.Watched);
        changed.Event(() => changed.Watcher.Fire(file, InModify));
        Assert.Equal(0, changed.Service("x.service").StartCount);
        changed.Event(() => changed.Watcher.Fire(file, InCloseWrite));
        Assert.Equal(1, changed.Service("x.service").StartCount);

        var modified = Rig(new PathSpec(PathType.Modified, file));
        modified.Start("x.path");
        modified.Event(() => modified.Watcher.Fire(file, InModify));
        Assert.Equal(1, modified.Service("x.service").StartCount);
    }

    [Fact]
    public void DirectoryNotEmpty_with_MakeDirectory_creates_the_directory_and_ignores_hidden_and_backup_files()
    {
        string spool = Path.Combine(_directory, "spool", "in");
        var rig = Rig(new PathSettings
        {
            Unit = "x.service",
            Specs = [new PathSpec(PathType.DirectoryNotEmpty, spool)],
            MakeDirectory = true,
            DirectoryMode = 0x1C0, // 0700
        });
        rig.Start("x.path");
        Assert.True(Directory.Exists(spool));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(spool));
        File.WriteAllText(Path.Combine(spool, ".hidden"), "");
        File.WriteAllText(Path.Combine(spool, "draft~"), "");
        rig.Event(() => rig.Watcher.Fire(spool, InCreate));
        Assert.Equal(0, rig.Service("x.service").StartCount);
        File.WriteAllText(Path.Combine(spool, "letter"), "");
        rig.Event(() => rig.Watcher.Fire(spool, InCreate));
        Assert.Equal(1, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void The_trigger_limit_fails_the_path_unit()
    {
        string file = Path.Combine(_directory, "flag");
        File.WriteAllText(file, "");
        var rig = Rig(new PathSettings { Unit = "x.service", Specs = [new PathSpec(PathType.Exists, file)], TriggerLimitBurst = 2 });
        rig.Start("x.path");
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal(2, rig.Service("x.service").StartCount);
        rig.Event(() => rig.Service("x.service").Exit(success: true));
        Assert.Equal(2, rig.Service("x.service").StartCount);
        var path = rig.Kind<PathKind>("x.path");
        Assert.Equal(("failed", PathResult.TriggerLimitHit), (path.SubState, path.Result));
        Assert.Contains(rig.Log.Entries, static e => e.Message == "Trigger limit hit, refusing further activation.");
        Assert.Contains(rig.Log.Entries, static e => e.Message == "Failed with result 'trigger-limit-hit'.");

        rig.Manager.ResetFailed("x.path");
        Assert.Equal(("dead", PathResult.Success), (path.SubState, path.Result));
    }

    [Fact]
    public void A_path_stays_running_while_its_unit_runs_and_ignores_stale_events()
    {
        string file = Path.Combine(_directory, "flag");
        var rig = Rig(new PathSpec(PathType.Exists, file));
        rig.Start("x.service");
        rig.Start("x.path");
        Assert.Equal("running", rig.Kind<PathKind>("x.path").SubState);
        Assert.Equal(0, rig.Watcher.Fire(_directory, InCreate));

        rig.Stop("x.service");
        Assert.Equal("waiting", rig.Kind<PathKind>("x.path").SubState);
        Assert.Equal(1, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void A_reload_does_not_make_a_changed_path_look_changed()
    {
        string file = Path.Combine(_directory, "data");
        File.WriteAllText(file, "");
        var rig = Rig(new PathSpec(PathType.Changed, file));
        rig.Start("x.path");
        rig.Manager.DaemonReload();
        rig.Manager.RunPending();
        Assert.Equal("waiting", rig.Kind<PathKind>("x.path").SubState);
        Assert.Equal(0, rig.Service("x.service").StartCount);
        Assert.Contains(file, rig.Watcher.Watched);

        File.Delete(file);
        rig.Event(() => rig.Watcher.Fire(file, 0x400 /* IN_DELETE_SELF */));
        Assert.Equal(1, rig.Service("x.service").StartCount);
    }

    [Fact]
    public void Default_dependencies_order_it_before_paths_target()
    {
        var rig = new TriggerRig();
        rig.AddService("x.service");
        rig.Add("x.path", new PathSettings { Unit = "x.service", Specs = [new PathSpec(PathType.Exists, "/x")] }, defaultDependencies: true);
        var dependencies = rig.Unit("x.path").Dependencies.Where(static d => d.Type != UnitDependency.References).Select(static d => $"{d.Type} {d.Other.Id}").Order().ToList();
        Assert.Equal(["Before paths.target", "Before shutdown.target", "Before x.service", "Conflicts shutdown.target", "Triggers x.service"], dependencies);
    }
}
