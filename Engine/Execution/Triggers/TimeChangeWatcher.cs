using System.Runtime.InteropServices;
using Units.Execution.Native;

namespace Units.Execution.Triggers;

/// <summary>
/// Tells the loop when the system clock is set and when the local time zone changes, so that timers compute their
/// calendar times anew (systemd's manager_setup_time_change and manager_setup_timezone_change). The clock: a
/// CLOCK_REALTIME timerfd armed at the end of time with TFD_TIMER_CANCEL_ON_SET, whose read fails with ECANCELED once
/// the clock is set. The zone: an inotify watch on /etc/localtime itself (on /etc while it does not exist), a change
/// confirmed by the link's own mtime.
/// </summary>
public sealed unsafe class TimeChangeWatcher : IDisposable
{
    private const string LocalTime = "/etc/localtime";
    private const uint InAttrib = 0x4, InCloseWrite = 0x8, InMovedTo = 0x80, InCreate = 0x100, InMoveSelf = 0x800,
        InOnlyDir = 0x01000000, InDontFollow = 0x02000000;
    private const int ENOENT = 2;

    private readonly Action<Action> _post;
    private readonly IPathWatcher _watcher;
    private readonly Action _timeChanged;
    private readonly Action _timezoneChanged;
    private readonly int _timerFd;
    private volatile bool _disposed;
    // Both only on the loop.
    private IDisposable? _zoneWatch;
    private long? _localTimeModified;

    /// <summary>Watches from now on; <paramref name="timeChanged"/> and <paramref name="timezoneChanged"/> run on the
    /// loop (through <paramref name="post"/>). What cannot be watched is said through <paramref name="log"/>.</summary>
    public TimeChangeWatcher(Action<Action> post, IPathWatcher watcher, Action timeChanged, Action timezoneChanged, Action<string> log)
    {
        _post = post;
        _watcher = watcher;
        _timeChanged = timeChanged;
        _timezoneChanged = timezoneChanged;
        _timerFd = Libc.timerfd_create(Libc.CLOCK_REALTIME, Libc.TFD_CLOEXEC);
        if (_timerFd < 0)
            log($"Failed to create time change timerfd, clock changes go unnoticed: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        else if (!ArmAtTheEndOfTime())
            log($"Failed to arm time change timerfd, clock changes go unnoticed: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        else
            new Thread(WaitForClockSets) { IsBackground = true, Name = "unitsd time change" }.Start();
        _localTimeModified = Libc.ModifiedNSecOfLink(LocalTime);
        if (!WatchLocalTime(out int errno))
            log($"Failed to watch {LocalTime}, time zone changes go unnoticed: {Libc.ErrorText(errno)}");
    }

    private bool ArmAtTheEndOfTime()
    {
        long* spec = stackalloc long[] { 0, 0, long.MaxValue, 0 };
        return Libc.timerfd_settime(_timerFd, Libc.TFD_TIMER_ABSTIME | Libc.TFD_TIMER_CANCEL_ON_SET, spec, null) == 0;
    }

    private void WaitForClockSets()
    {
        long expirations;
        while (!_disposed)
        {
            if (Libc.read(_timerFd, (byte*)&expirations, sizeof(long)) >= 0)
                continue;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.ECANCELED)
            {
                // The set cancelled the timer: arm it again before anyone hears of it, so no later set is missed.
                ArmAtTheEndOfTime();
                if (!_disposed)
                    _post(_timeChanged);
            }
            else if (errno != Libc.EINTR)
            {
                break;
            }
        }
        Libc.close(_timerFd);
    }

    /// <summary>The new watch is made before the old one goes, so a watch of the same inode is kept.</summary>
    private bool WatchLocalTime(out int errno)
    {
        var old = _zoneWatch;
        _zoneWatch = _watcher.TryWatch(LocalTime, InAttrib | InMoveSelf | InCloseWrite | InDontFollow, _ => LocalTimeEvent(), out errno);
        if (_zoneWatch is null && errno == ENOENT)
            _zoneWatch = _watcher.TryWatch("/etc", InCreate | InMovedTo | InOnlyDir, _ => LocalTimeEvent(), out errno);
        old?.Dispose();
        return _zoneWatch is not null;
    }

    private void LocalTimeEvent()
    {
        long? modified = Libc.ModifiedNSecOfLink(LocalTime);
        if (modified == _localTimeModified)
            return;
        _localTimeModified = modified;
        WatchLocalTime(out _);
        TimeZoneInfo.ClearCachedData();
        _timezoneChanged();
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _post(() => _zoneWatch?.Dispose());
        if (_timerFd >= 0)
        {
            // Expire at once: the reading thread wakes, sees it is disposed and closes the fd.
            long* spec = stackalloc long[] { 0, 0, 0, 1 };
            Libc.timerfd_settime(_timerFd, Libc.TFD_TIMER_ABSTIME, spec, null);
        }
    }
}
