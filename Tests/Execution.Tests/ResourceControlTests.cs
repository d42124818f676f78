using Units.Execution.Cgroups;
using Units.Execution.Service;

namespace Units.Execution.Tests;

/// <summary>
/// Resource control reaches a unit's cgroup when it is made and again whenever its settings change while it exists
/// (set-property, daemon-reload), as systemd realizes a unit's cgroup anew. This host's cgroup v2 delegates no
/// resource controllers, so the cgroup tree here is an imitation: a directory whose cgroup.controllers offers them
/// and whose unit directory holds the attribute files the kernel would make.
/// </summary>
public sealed class ResourceControlTests
{
    [Fact]
    public void Changed_settings_are_written_to_an_existing_cgroup_at_once()
    {
        string root = TestDirectory.Create();
        File.WriteAllText(Path.Combine(root, "cgroup.controllers"), "cpu io memory pids\n");
        using var runtime = new ExecutionRuntime(new ExecutionOptions { Post = static _ => { }, CgroupRoot = root });
        var processes = runtime.CreateUnit("x.service", "app.slice", new ServiceSettings());
        string cgroup = processes.CgroupPath!;
        Directory.CreateDirectory(cgroup);
        foreach (string attribute in new[] { "memory.max", "memory.high", "pids.max", "cpu.weight", "cpu.max", "io.weight" })
            File.WriteAllText(Path.Combine(cgroup, attribute), "");
        processes.Prepare();
        Assert.Equal("", File.ReadAllText(Path.Combine(cgroup, "memory.max")));

        processes.Reconfigure(new ServiceSettings
        {
            Resources = new ResourceControlSettings { MemoryMax = 100 << 20, TasksMax = 42, CPUWeight = 30, CPUQuotaPerSecUSec = 200_000 },
        });
        Assert.Equal("104857600", File.ReadAllText(Path.Combine(cgroup, "memory.max")));
        Assert.Equal("42", File.ReadAllText(Path.Combine(cgroup, "pids.max")));
        Assert.Equal("30", File.ReadAllText(Path.Combine(cgroup, "cpu.weight")));
        Assert.Equal("20000 100000", File.ReadAllText(Path.Combine(cgroup, "cpu.max")));
        // The controllers are passed down to the unit's slice (a plain file keeps only the last "+controller" written).
        Assert.StartsWith("+", File.ReadAllText(Path.Combine(root, "app.slice", "cgroup.subtree_control")), StringComparison.Ordinal);
        Assert.Empty(processes.ResourceProblems);

        processes.Reconfigure(new ServiceSettings { Resources = new ResourceControlSettings { MemoryMax = ulong.MaxValue } });
        Assert.Equal("max", File.ReadAllText(Path.Combine(cgroup, "memory.max")));
    }

    [Fact]
    public void A_slice_gets_its_settings_in_its_own_directory_which_goes_when_nothing_is_left_in_it()
    {
        string root = TestDirectory.Create();
        File.WriteAllText(Path.Combine(root, "cgroup.controllers"), "cpu memory pids\n");
        using var runtime = new ExecutionRuntime(new ExecutionOptions { Post = static _ => { }, CgroupRoot = root });
        var slice = runtime.CreateUnit("work-batch.slice", slice: null, new ServiceSettings
        {
            Resources = new ResourceControlSettings { MemoryMax = 1 << 30, CPUWeight = 50 },
        });
        // The kernel makes a cgroup's attribute files with its directory; the imitation makes them when the test
        // sees it made.
        string cgroup = Path.Combine(root, "work.slice", "work-batch.slice");
        Assert.Equal(cgroup, slice.CgroupPath);
        Directory.CreateDirectory(cgroup);
        foreach (string attribute in new[] { "memory.max", "cpu.weight" })
            File.WriteAllText(Path.Combine(cgroup, attribute), "");
        slice.Prepare();
        Assert.Equal("1073741824", File.ReadAllText(Path.Combine(cgroup, "memory.max")));
        Assert.Equal("50", File.ReadAllText(Path.Combine(cgroup, "cpu.weight")));

        // A unit with processes in it keeps the directory (the kernel refuses to remove a populated cgroup: here a
        // file does); once it is gone, the slice's stop removes it, empty units' directories with it, as cg_trim.
        foreach (string attribute in new[] { "memory.max", "cpu.weight" })
            File.Delete(Path.Combine(cgroup, attribute)); // an imitation directory is empty only without them
        string busy = Path.Combine(cgroup, "busy.service"), idle = Path.Combine(cgroup, "idle.service");
        Directory.CreateDirectory(busy);
        Directory.CreateDirectory(idle);
        File.WriteAllText(Path.Combine(busy, "cgroup.procs"), "4242\n");
        slice.Release();
        Assert.True(Directory.Exists(busy));
        Directory.Delete(busy, recursive: true);
        slice.Release();
        Assert.False(Directory.Exists(cgroup));
    }

    [Fact]
    public void A_unit_without_a_cgroup_now_gets_its_settings_when_the_cgroup_is_made()
    {
        string root = TestDirectory.Create();
        File.WriteAllText(Path.Combine(root, "cgroup.controllers"), "memory\n");
        using var runtime = new ExecutionRuntime(new ExecutionOptions { Post = static _ => { }, CgroupRoot = root });
        var processes = runtime.CreateUnit("y.service", "app.slice", new ServiceSettings());
        processes.Reconfigure(new ServiceSettings { Resources = new ResourceControlSettings { MemoryMax = 1 << 20 } });
        Assert.False(Directory.Exists(processes.CgroupPath!)); // nothing is made for a unit that is not running
    }
}
