using System.Collections.Concurrent;

namespace Units.Execution.Cgroups;

/// <summary>
/// Reports when a unit's cgroup becomes empty ("populated 0" in cgroup.events, watched with inotify). Like the
/// reaper it only reports: <c>emptied</c> is expected to post to the loop.
/// </summary>
internal sealed class CgroupEmptyWatcher
{
    private const uint InModify = 0x2;
    private readonly Inotify _inotify;
    private readonly Action<string> _emptied;
    private readonly ConcurrentDictionary<string, IDisposable> _watches = new(StringComparer.Ordinal);

    public CgroupEmptyWatcher(Inotify inotify, Action<string> emptied)
    {
        _inotify = inotify;
        _emptied = emptied;
    }

    /// <summary>Starts watching a cgroup directory (it must exist); false when the kernel refuses the watch.</summary>
    public bool Watch(string cgroupPath)
    {
        if (_watches.ContainsKey(cgroupPath))
            return true;
        try
        {
            var watch = _inotify.Watch(Path.Combine(cgroupPath, "cgroup.events"), InModify, _ =>
            {
                if (!CgroupHierarchy.IsPopulated(cgroupPath))
                    _emptied(cgroupPath);
            });
            if (!_watches.TryAdd(cgroupPath, watch))
                watch.Dispose();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Unwatch(string cgroupPath)
    {
        if (_watches.TryRemove(cgroupPath, out var watch))
            watch.Dispose();
    }
}
