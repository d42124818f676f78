using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Units.Execution.Native;

namespace Units.Execution;

/// <summary>
/// One inotify instance and its reader thread, shared by everything execution watches (cgroup.events, PID files):
/// instances are a scarce per-user resource (fs.inotify.max_user_instances). Handlers run on the reader thread and
/// must only post work to the loop.
/// </summary>
internal sealed unsafe class Inotify
{
    private readonly int _fd;
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<Handler, byte>> _handlers = new();
    private readonly object _lock = new();

    private Inotify(int fd)
    {
        _fd = fd;
        new Thread(Loop) { IsBackground = true, Name = "unitsd inotify" }.Start();
    }

    /// <summary>The instance, or null (and why) when the kernel refuses one.</summary>
    public static Inotify? TryCreate(out string? error)
    {
        int fd = Libc.inotify_init1(Libc.IN_CLOEXEC);
        error = fd < 0 ? Libc.ErrorText(Marshal.GetLastPInvokeError()) : null;
        return fd < 0 ? null : new Inotify(fd);
    }

    /// <summary>Calls <paramref name="onEvent"/> with the entry name (empty for the watched file itself).</summary>
    public IDisposable Watch(string path, uint mask, Action<string> onEvent) =>
        TryWatch(path, mask, (name, _) => onEvent(name), out int errno)
            ?? throw new IOException($"Cannot watch {path}: {Libc.ErrorText(errno)}");

    /// <summary>
    /// Calls <paramref name="onEvent"/> with the entry name and the event's mask, for events of <paramref name="mask"/>
    /// (and IN_IGNORED, IN_Q_OVERFLOW); null with the errno when the path cannot be watched. Watches of one inode by
    /// several callers share the kernel's watch: masks are added (IN_MASK_ADD), so one caller never narrows another's.
    /// </summary>
    public IDisposable? TryWatch(string path, uint mask, Action<string, uint> onEvent, out int errno)
    {
        lock (_lock)
        {
            int wd = Libc.inotify_add_watch(_fd, path, mask | InMaskAdd);
            errno = wd < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (wd < 0)
                return null;
            var handler = new Handler(this, wd, mask | InIgnored | InQueueOverflow, onEvent);
            _handlers.GetOrAdd(wd, static _ => new())[handler] = 0;
            return handler;
        }
    }

    private const uint InMaskAdd = 0x20000000;
    private const uint InIgnored = 0x8000;
    private const uint InQueueOverflow = 0x4000;

    private void Loop()
    {
        byte* buffer = stackalloc byte[8192];
        while (true)
        {
            nint n = Libc.read(_fd, buffer, 8192);
            // struct inotify_event { int wd; uint32 mask, cookie, len; char name[len]; }
            for (nint at = 0; at + 16 <= n;)
            {
                int wd = *(int*)(buffer + at);
                uint mask = *(uint*)(buffer + at + 4);
                int length = (int)*(uint*)(buffer + at + 12);
                string name = length > 0 ? Encoding.UTF8.GetString(buffer + at + 16, length).TrimEnd('\0') : "";
                if (_handlers.TryGetValue(wd, out var handlers))
                    foreach (var handler in handlers.Keys)
                        if ((handler.Mask & mask) != 0)
                            handler.OnEvent(name, mask);
                at += 16 + length;
            }
        }
    }

    private sealed class Handler(Inotify owner, int wd, uint mask, Action<string, uint> onEvent) : IDisposable
    {
        public uint Mask { get; } = mask;

        public Action<string, uint> OnEvent { get; } = onEvent;

        public void Dispose()
        {
            lock (owner._lock)
            {
                if (!owner._handlers.TryGetValue(wd, out var handlers) || !handlers.TryRemove(this, out _) || !handlers.IsEmpty)
                    return;
                // inotify returns the same wd for the same inode: drop it only when nobody else watches it.
                owner._handlers.TryRemove(wd, out _);
                Libc.inotify_rm_watch(owner._fd, wd);
            }
        }
    }
}
