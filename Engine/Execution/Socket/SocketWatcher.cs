using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Units.Execution.Native;

namespace Units.Execution.Socket;

/// <summary>
/// Watches the listening descriptors of socket units on one thread (epoll) and posts their traffic to the manager
/// loop. A watch fires once: the loop re-arms it when the socket listens again, so a socket whose service has not
/// taken the traffic off yet does not wake the loop over and over.
/// </summary>
public sealed unsafe class SocketWatcher
{
    private readonly int _epoll;
    private readonly Action<Action> _post;
    private readonly ConcurrentDictionary<int, Action<uint>> _callbacks = new();

    public SocketWatcher(Action<Action> post)
    {
        _post = post;
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
            throw new InvalidOperationException($"epoll_create1: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        new Thread(Loop) { IsBackground = true, Name = "unitsd socket watcher" }.Start();
    }

    /// <summary>Calls <paramref name="ready"/> (with the poll events) on the loop once <paramref name="fd"/> has
    /// input; again only after the next <see cref="Arm"/>. Returns null, or why it cannot watch.</summary>
    public string? Arm(int fd, Action<uint> ready)
    {
        byte* ev = stackalloc byte[16];
        Libc.WriteEpollEvent(ev, Libc.EPOLLIN | Libc.EPOLLONESHOT, (ulong)fd);
        bool known = _callbacks.ContainsKey(fd);
        _callbacks[fd] = ready;
        if (Libc.epoll_ctl(_epoll, known ? Libc.EPOLL_CTL_MOD : Libc.EPOLL_CTL_ADD, fd, ev) == 0)
            return null;
        _callbacks.TryRemove(fd, out _);
        return Libc.ErrorText(Marshal.GetLastPInvokeError());
    }

    /// <summary>Stops watching <paramref name="fd"/> (before it is closed).</summary>
    public void Remove(int fd)
    {
        if (_callbacks.TryRemove(fd, out _))
            Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, fd, null);
    }

    private void Loop()
    {
        int size = Libc.EpollEventSize;
        byte* events = stackalloc byte[size * 32];
        while (true)
        {
            int n = Libc.epoll_wait(_epoll, events, 32, -1);
            for (int i = 0; i < n; i++)
            {
                var (mask, data) = Libc.ReadEpollEvent(events + i * size);
                if (_callbacks.TryGetValue((int)data, out var ready))
                    _post(() => ready(mask));
            }
        }
    }
}
