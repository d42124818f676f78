using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Units.Execution.Native;

namespace Units.Execution.Cgroups;

/// <summary>
/// Watches cgroup.events of unit cgroups with inotify on its own thread and reports when one becomes empty
/// ("populated 0"). Like the reaper it only reports: <paramref name="emptied"/> is expected to post to the loop.
/// </summary>
public sealed unsafe class CgroupEmptyWatcher : IDisposable
{
    private readonly Action<string> _emptied;
    private readonly int _inotify;
    private readonly ConcurrentDictionary<int, string> _byWatch = new();
    private readonly ConcurrentDictionary<string, int> _byPath = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public CgroupEmptyWatcher(Action<string> emptied)
    {
        _emptied = emptied;
        _inotify = Libc.inotify_init1(Libc.IN_CLOEXEC);
        if (_inotify < 0)
            throw new InvalidOperationException($"inotify_init1: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        new Thread(Loop) { IsBackground = true, Name = "unitsd cgroup watcher" }.Start();
    }

    /// <summary>Starts watching a cgroup directory; reports at once if it is already empty.</summary>
    public void Watch(string cgroupPath)
    {
        if (_byPath.ContainsKey(cgroupPath))
            return;
        int wd = Libc.inotify_add_watch(_inotify, Path.Combine(cgroupPath, "cgroup.events"), Libc.IN_MODIFY);
        if (wd < 0)
            return;
        _byWatch[wd] = cgroupPath;
        _byPath[cgroupPath] = wd;
    }

    public void Unwatch(string cgroupPath)
    {
        if (_byPath.TryRemove(cgroupPath, out int wd))
        {
            _byWatch.TryRemove(wd, out _);
            Libc.inotify_rm_watch(_inotify, wd);
        }
    }

    private void Loop()
    {
        byte* buffer = stackalloc byte[4096];
        while (!_disposed)
        {
            nint n = Libc.read(_inotify, buffer, 4096);
            if (n <= 0)
                continue;
            // struct inotify_event { int wd; uint32 mask, cookie, len; char name[len]; }
            for (nint at = 0; at + 16 <= n; at += 16 + (nint)(*(uint*)(buffer + at + 12)))
            {
                int wd = *(int*)(buffer + at);
                if (_byWatch.TryGetValue(wd, out var path) && !CgroupHierarchy.IsPopulated(path))
                    _emptied(path);
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
    }
}
