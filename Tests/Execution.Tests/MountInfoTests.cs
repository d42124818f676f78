using Units.Execution.Mounts;

namespace Units.Execution.Tests;

/// <summary>/proc/self/mountinfo as systemd's mount units read it (libmount and mount_setup_unit()).</summary>
public sealed class MountInfoTests
{
    private const string Table =
        "43 42 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict\n" +
        "44 43 0:25 / /mnt/with\\040space ro,nosuid shared:7 master:2 - tmpfs my\\134source ro,size=4k,mode=755\n" +
        "45 43 0:21 / /proc rw,relatime - proc proc rw\n" +
        "46 43 0:22 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n" +
        "47 43 0:23 / /dev/console rw - devpts devpts rw\n" +
        "48 43 0:24 / /home/auto rw - autofs systemd-1 rw\n" +
        "49 43 0:26 / /dev/mqueue rw - mqueue mqueue rw\n" +
        "50 43 0:27 / /run/host/incoming rw - tmpfs tmpfs rw\n" +
        "garbage line\n";

    [Fact]
    public void Mounts_keep_their_source_point_type_and_merged_options_with_escapes_undone()
    {
        var mounts = MountInfo.Parse(Table);
        Assert.Equal(["-.mount", "mnt-with\\x20space.mount", "dev-mqueue.mount"], mounts.Select(static m => m.UnitName));
        Assert.Equal(new MountEntry("/dev/vda", "/", "ext4", "rw,relatime,discard,resv_strict"), mounts[0]);
        // Optional fields before "-" are skipped; \040 is a space, \134 a backslash; the file system's "ro" is not repeated.
        Assert.Equal(new MountEntry("my\\source", "/mnt/with space", "tmpfs", "ro,nosuid,size=4k,mode=755"), mounts[1]);
    }

    [Fact]
    public void API_file_systems_autofs_and_container_mounts_get_no_unit()
    {
        var points = MountInfo.Parse(Table).Select(static m => m.Where).ToList();
        Assert.DoesNotContain("/proc", points);
        Assert.DoesNotContain("/sys/fs/cgroup/unified", points);
        Assert.DoesNotContain("/dev/console", points);
        Assert.DoesNotContain("/home/auto", points);
        Assert.DoesNotContain("/run/host/incoming", points);
        // /dev/mqueue is not one systemd mounts itself: it gets a unit.
        Assert.Contains("/dev/mqueue", points);
    }

    [Fact]
    public void A_device_node_source_names_a_device_unit_and_the_table_reports_what_changed()
    {
        string text = Table;
        var table = new MountTable(() => text);
        Assert.Equal(["-.mount", "mnt-with\\x20space.mount", "dev-mqueue.mount", "dev-vda.device"], table.Refresh());
        Assert.Equal("/dev/vda", table.Devices["dev-vda.device"]);
        Assert.Empty(table.Refresh());

        text = Table.Replace("49 43 0:26 / /dev/mqueue rw - mqueue mqueue rw\n", "", StringComparison.Ordinal)
            .Replace("size=4k", "size=8k", StringComparison.Ordinal);
        Assert.Equal(["mnt-with\\x20space.mount", "dev-mqueue.mount"], table.Refresh());
        Assert.Null(table.Mount("dev-mqueue.mount"));
        Assert.Equal("ro,nosuid,size=8k,mode=755", table.Mount("mnt-with\\x20space.mount")!.Options);
    }

    [Theory]
    [InlineData("/", null)]
    [InlineData("/mnt", "/")]
    [InlineData("/mnt/a/b", "/mnt/a")]
    public void A_mount_point_lies_in_its_parent_directory(string path, string? parent) =>
        Assert.Equal(parent, MountKind.ParentOf(path));
}
