namespace Units.Core.Manager;

/// <summary>At most <c>Burst</c> events per <c>IntervalUSec</c> (systemd's RateLimit and ratelimit_below).</summary>
public struct RateLimit(ulong intervalUSec, uint burst)
{
    private ulong _begin;
    private uint _count;

    /// <summary>Counts one event at <paramref name="nowUSec"/>; false when the burst for the current window is used up.</summary>
    public bool Below(ulong nowUSec)
    {
        if (_begin == 0 || nowUSec - _begin > intervalUSec)
        {
            _begin = nowUSec;
            _count = 0;
        }
        if (_count >= burst)
            return false;
        _count++;
        return true;
    }
}
