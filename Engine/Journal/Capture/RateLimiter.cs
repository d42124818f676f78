namespace Units.Journal.Capture;

/// <summary>
/// Per-unit rate limiting as journald does it (journald-rate-limit.c): each unit gets a pool per
/// priority band (emerg..crit, err, warning, notice+info, debug), each allowing
/// <c>LogRateLimitBurst=</c> messages per <c>LogRateLimitIntervalSec=</c>, the burst scaled up
/// with the free disk space (×1 up to 1 MiB free, then (log2(free)−16)/4: ×2 at 16 MiB, ×4 at
/// 4 GiB...). Messages over the limit are dropped and counted; the first message let through
/// after the interval reports how many were dropped, so the caller can write
/// "Suppressed N messages from UNIT".
/// </summary>
public sealed class RateLimiter
{
    private static readonly int[] PriorityBand = [0, 0, 0, 1, 2, 3, 3, 4];
    private const int MaxGroups = 2047;

    private sealed class Group
    {
        public readonly long[] Begin = new long[5];
        public readonly uint[] Count = new uint[5];
        public readonly uint[] Suppressed = new uint[5];
        public long LastUsed;
    }

    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly Func<long> _nowMicroseconds;

    public RateLimiter(Func<long>? monotonicMicroseconds = null) =>
        _nowMicroseconds = monotonicMicroseconds ?? (() => (long)Writing.SystemJournalClock.Instance.MonotonicMicroseconds);

    /// <summary>The burst after journald's modulation by available disk space.</summary>
    public static uint ModulatedBurst(uint burst, ulong availableBytes)
    {
        int k = availableBytes == 0 ? 0 : 63 - System.Numerics.BitOperations.LeadingZeroCount(availableBytes);
        return k <= 20 ? burst : (uint)((ulong)burst * (ulong)(k - 16) / 4);
    }

    /// <summary>Tests one message of <paramref name="unit"/>. Returns -1 when it must be dropped,
    /// otherwise the number of messages dropped before it (0 usually) that the caller reports.</summary>
    public long Test(string unit, TimeSpan interval, uint burst, int priority, ulong availableBytes)
    {
        long now = _nowMicroseconds();
        if (!_groups.TryGetValue(unit, out var group))
        {
            if (_groups.Count >= MaxGroups) Vacuum(now, interval);
            _groups[unit] = group = new Group();
        }
        group.LastUsed = now;
        if (interval <= TimeSpan.Zero || burst == 0) return 0;
        int band = PriorityBand[priority & 7];
        uint limit = ModulatedBurst(burst, availableBytes);
        long intervalUs = interval.Ticks / 10;
        if (group.Begin[band] <= 0 || group.Begin[band] + intervalUs < now)
        {
            uint suppressed = group.Begin[band] <= 0 ? 0 : group.Suppressed[band];
            group.Begin[band] = now;
            group.Count[band] = 1;
            group.Suppressed[band] = 0;
            return suppressed;
        }
        if (group.Count[band] < limit)
        {
            group.Count[band]++;
            return 0;
        }
        group.Suppressed[band]++;
        return -1;
    }

    /// <summary>Forgets groups idle for longer than an interval (and the oldest when still full).</summary>
    private void Vacuum(long now, TimeSpan interval)
    {
        long idle = Math.Max(interval.Ticks / 10, 1);
        foreach (var (unit, group) in _groups.ToList())
            if (group.LastUsed + idle < now) _groups.Remove(unit);
        while (_groups.Count >= MaxGroups)
            _groups.Remove(_groups.MinBy(g => g.Value.LastUsed).Key);
    }
}
