using System.Diagnostics;

namespace Units.Journal.Writing;

/// <summary>The two clocks every entry carries, in microseconds: CLOCK_REALTIME and
/// CLOCK_MONOTONIC (what journalctl shows as the time since boot).</summary>
public interface IJournalClock
{
    ulong RealtimeMicroseconds { get; }
    ulong MonotonicMicroseconds { get; }
}

public sealed class SystemJournalClock : IJournalClock
{
    public static SystemJournalClock Instance { get; } = new();

    public ulong RealtimeMicroseconds => (ulong)((DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10);

    // On Linux the Stopwatch reads CLOCK_MONOTONIC.
    public ulong MonotonicMicroseconds => (ulong)(Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000));
}
