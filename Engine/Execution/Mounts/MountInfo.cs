using System.Text;
using Units.UnitFiles.Names;

namespace Units.Execution.Mounts;

/// <summary>One mount of /proc/self/mountinfo as systemd reads it through libmount: the source (What=), the mount
/// point (Where=), the file system type, and the options (the mount's own, then the file system's).</summary>
public sealed record MountEntry(string What, string Where, string FsType, string Options)
{
    /// <summary>The mount unit's name: the escaped mount point ("-.mount" for /).</summary>
    public string UnitName => UnitNameEscaping.TryEscapePath(Where, out string escaped) ? escaped + ".mount" : "";

    /// <summary>A source that is a device node ("/dev/vda") gives a device unit; null for others (tmpfs, proc...).</summary>
    public string? DeviceUnitName =>
        What.StartsWith("/dev/", StringComparison.Ordinal) && UnitNameEscaping.TryEscapePath(What, out string escaped) ? escaped + ".device" : null;
}

/// <summary>Reads /proc/self/mountinfo (proc(5)) and keeps the mounts systemd 252 makes units of.</summary>
public static class MountInfo
{
    // mount_point_is_api(): the API file systems systemd mounts itself (mount-setup.c's table), and all of /sys/fs/cgroup.
    private static readonly HashSet<string> s_apiMountPoints = new(StringComparer.Ordinal)
    {
        "/dev", "/dev/pts", "/dev/shm", "/proc", "/run", "/sys", "/sys/firmware/efi/efivars", "/sys/fs/bpf", "/sys/fs/cgroup",
        "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/pstore", "/sys/fs/smackfs", "/sys/kernel/security",
    };

    // mount_point_ignore(): API file systems others mount (SELinux, container bind mounts).
    private static readonly HashSet<string> s_ignoredMountPoints = new(StringComparer.Ordinal)
    {
        "/sys/fs/selinux", "/dev/console", "/proc/kmsg", "/proc/sys", "/proc/sys/kernel/random/boot_id",
    };

    /// <summary>The mounts of <paramref name="text"/> (the file's content) that get units, in the file's order.
    /// Malformed lines are skipped.</summary>
    public static IReadOnlyList<MountEntry> Parse(string text)
    {
        var mounts = new List<MountEntry>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ParseLine(line) is { } entry && GetsUnit(entry))
                mounts.Add(entry);
        }
        return mounts;
    }

    /// <summary>"ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS".</summary>
    internal static MountEntry? ParseLine(string line)
    {
        string[] fields = line.Split(' ');
        int separator = fields.Length < 10 ? -1 : Array.IndexOf(fields, "-", 6);
        if (separator < 0 || fields.Length < separator + 4)
            return null;
        string where = Unescape(fields[4]);
        return new MountEntry(Unescape(fields[separator + 2]), where, Unescape(fields[separator + 1]),
            MergeOptions(fields[5], fields[separator + 3]));
    }

    /// <summary>mount_setup_unit()'s choice: not API file systems, not autofs, mount points that are paths.</summary>
    internal static bool GetsUnit(MountEntry entry) =>
        entry.Where.StartsWith('/') && entry.FsType != "autofs" && !s_apiMountPoints.Contains(entry.Where)
        && !entry.Where.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal) && !s_ignoredMountPoints.Contains(entry.Where)
        && entry.Where != "/run/host" && !entry.Where.StartsWith("/run/host/", StringComparison.Ordinal) && entry.UnitName.Length > 0;

    /// <summary>libmount's mnt_fs_get_options(): the mount's options, then the file system's without its rw/ro.</summary>
    internal static string MergeOptions(string vfs, string fs)
    {
        var options = new List<string>(vfs.Split(',', StringSplitOptions.RemoveEmptyEntries));
        options.AddRange(fs.Split(',', StringSplitOptions.RemoveEmptyEntries).Where(static o => o is not ("rw" or "ro")));
        return Unescape(string.Join(',', options));
    }

    /// <summary>The kernel escapes space, tab, newline and backslash as \ooo.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        var text = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.AsSpan(i + 1, 3).IndexOfAnyExcept("01234567") < 0)
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }
        return text.ToString();
    }
}
