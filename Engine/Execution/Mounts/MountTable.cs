using System.Runtime.InteropServices;
using Units.Execution.Native;

namespace Units.Execution.Mounts;

/// <summary>
/// The kernel's mount table as systemd's mount units see it: the mounts of /proc/self/mountinfo that get units, by
/// unit name, and the device nodes they were mounted from (systemd's DEVICE_FOUND_MOUNT). Read on the manager loop;
/// <see cref="Watch"/> tells the loop when the table changed (the kernel flags the file with POLLPRI).
/// </summary>
public sealed class MountTable(Func<string> read)
{
    private Dictionary<string, MountEntry> _mounts = new(StringComparer.Ordinal);
    private Dictionary<string, string> _devices = new(StringComparer.Ordinal);

    /// <summary>The table of the calling process's mount namespace.</summary>
    public static MountTable OfThisProcess() => new(static () => File.ReadAllText("/proc/self/mountinfo"));

    /// <summary>The mounts, by mount unit name (of mounts stacked on one point, the last).</summary>
    public IReadOnlyDictionary<string, MountEntry> Mounts => _mounts;

    /// <summary>The device units of mounted device nodes, with their node ("/dev/vda").</summary>
    public IReadOnlyDictionary<string, string> Devices => _devices;

    public MountEntry? Mount(string unitName) => _mounts.GetValueOrDefault(unitName);

    /// <summary>Whether <paramref name="where"/> is a mount point now, read afresh (the table itself changes only
    /// with <see cref="Refresh"/>).</summary>
    public bool Contains(string where) => MountInfo.Parse(read()).Any(entry => entry.Where == where);

    /// <summary>Reads the table again; returns the names of the mount and device units that appeared, went or
    /// changed.</summary>
    public IReadOnlyList<string> Refresh()
    {
        var mounts = new Dictionary<string, MountEntry>(StringComparer.Ordinal);
        var devices = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (MountEntry entry in MountInfo.Parse(read()))
        {
            mounts[entry.UnitName] = entry;
            if (entry.DeviceUnitName is { } device)
                devices[device] = entry.What;
        }
        var changed = mounts.Keys.Union(_mounts.Keys)
            .Where(name => mounts.GetValueOrDefault(name) != _mounts.GetValueOrDefault(name))
            .Concat(devices.Keys.Union(_devices.Keys).Where(name => devices.ContainsKey(name) != _devices.ContainsKey(name)))
            .ToList();
        _mounts = mounts;
        _devices = devices;
        return changed;
    }

    /// <summary>Calls <paramref name="changed"/> through <paramref name="post"/> (on the loop) after every change of
    /// the table, from a thread of its own for the manager's lifetime.</summary>
    public static void Watch(Action<Action> post, Action changed, Action<string> log)
    {
        SafeHandle file;
        try
        {
            file = File.OpenHandle("/proc/self/mountinfo");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"Failed to watch /proc/self/mountinfo, mount units do not follow the mount table: {e.Message}");
            return;
        }
        new Thread(() => WaitForChanges(file, post, changed, log)) { IsBackground = true, Name = "unitsd mountinfo" }.Start();
    }

    private static unsafe void WaitForChanges(SafeHandle file, Action<Action> post, Action changed, Action<string> log)
    {
        var fd = new Libc.PollFd { Fd = (int)file.DangerousGetHandle(), Events = Libc.POLLPRI };
        while (true)
        {
            fd.Revents = 0;
            if (Libc.poll(&fd, 1, -1) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR)
                    continue;
                log($"Failed to wait for mount table changes, mount units stop following it: {Libc.ErrorText(errno)}");
                return;
            }
            post(changed);
        }
    }
}
