using System.Diagnostics;

namespace Units.Core.Manager;

/// <summary>The manager's clocks, in microseconds as systemd's usec_t.</summary>
public interface IClock
{
    /// <summary>CLOCK_MONOTONIC: timers and timeouts run on this.</summary>
    ulong MonotonicUSec { get; }

    /// <summary>CLOCK_REALTIME since the epoch: shown in timestamps.</summary>
    ulong RealtimeUSec { get; }
}

/// <summary>The host's clocks.</summary>
public sealed class SystemClock : IClock
{
    public static SystemClock Instance { get; } = new();

    public ulong MonotonicUSec => (ulong)(Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency * 1_000_000);

    public ulong RealtimeUSec => (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
}

/// <summary>A clock that moves only when told: tests drive timeouts deterministically.</summary>
public sealed class FakeClock : IClock
{
    private const ulong RealtimeOrigin = 1_700_000_000UL * 1_000_000;

    private ulong _realtimeOrigin = RealtimeOrigin;

    public ulong MonotonicUSec { get; private set; } = 1_000_000;

    public ulong RealtimeUSec => _realtimeOrigin + MonotonicUSec;

    /// <summary>Sets the realtime clock, as clock_settime does: monotonic time goes on undisturbed.</summary>
    public void SetRealtime(ulong usec) => _realtimeOrigin = usec - MonotonicUSec;

    /// <summary>Moves time forward; the loop fires the timers that fall due on its next turn.</summary>
    public void Advance(ulong usec) => MonotonicUSec += usec;
}

/// <summary>A timer on the manager loop; cancelling is idempotent.</summary>
public sealed class LoopTimer
{
    internal LoopTimer(ulong dueUSec, Action callback)
    {
        DueUSec = dueUSec;
        Callback = callback;
    }

    public ulong DueUSec { get; }

    internal Action Callback { get; }

    public bool Canceled { get; private set; }

    public void Cancel() => Canceled = true;
}
