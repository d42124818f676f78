using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Units.Execution.Native;

namespace Units.Execution;

/// <summary>
/// Watches files for creation or change (PIDFile=) with inotify on their directories, on its own thread; callbacks
/// are posted to the manager loop.
/// </summary>
internal sealed unsafe class FileWatcher : IDisposable
{
    private const uint Events = 0x2 /* MODIFY */ | 0x8 /* CLOSE_WRITE */ | 0x80 /* MOVED_TO */ | 0x100 /* CREATE */;
    private readonly Action<Action> _post;
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<FileWatch, byte>> _byDescriptor = new();
    private readonly object _lock = new();
    private int _inotify = -1;
    private volatile bool _disposed;

    public FileWatcher(Action<Action> post) => _post = post;

    public IDisposable Watch(string path, Action changed)
    {
        lock (_lock)
        {
            if (_inotify < 0)
            {
                _inotify = Libc.inotify_init1(Libc.IN_CLOEXEC);
                if (_inotify < 0)
                    throw new IOException($"inotify_init1: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
                new Thread(Loop) { IsBackground = true, Name = "unitsd file watcher" }.Start();
            }
            string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
            int wd = Libc.inotify_add_watch(_inotify, directory, Events);
            if (wd < 0)
                throw new IOException($"Cannot watch {directory}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
            var watch = new FileWatch(this, wd, Path.GetFileName(path), changed);
            _byDescriptor.GetOrAdd(wd, static _ => new())[watch] = 0;
            return watch;
        }
    }

    private void Loop()
    {
        byte* buffer = stackalloc byte[4096];
        while (!_disposed)
        {
            nint n = Libc.read(_inotify, buffer, 4096);
            for (nint at = 0; at + 16 <= n;)
            {
                int wd = *(int*)(buffer + at);
                int length = (int)*(uint*)(buffer + at + 12);
                string name = length > 0 ? Encoding.UTF8.GetString(buffer + at + 16, length).TrimEnd('\0') : "";
                if (_byDescriptor.TryGetValue(wd, out var watches))
                    foreach (var watch in watches.Keys)
                        if (watch.Name == name && !watch.Disposed)
                            _post(() =>
                            {
                                if (!watch.Disposed)
                                    watch.Changed();
                            });
                at += 16 + length;
            }
        }
    }

    private sealed class FileWatch(FileWatcher owner, int wd, string name, Action changed) : IDisposable
    {
        public string Name { get; } = name;
        public Action Changed { get; } = changed;
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            if (Disposed)
                return;
            Disposed = true;
            if (owner._byDescriptor.TryGetValue(wd, out var watches))
                watches.TryRemove(this, out _);
            // The directory watch is shared by every file in it; it stays for later PID files.
        }
    }

    public void Dispose() => _disposed = true;
}
