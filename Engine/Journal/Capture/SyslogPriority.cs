namespace Units.Journal.Capture;

/// <summary>The &lt;N&gt; prefixes of sd-daemon(3) and syslog(3).</summary>
public static class SyslogPriority
{
    public const int Emergency = 0, Alert = 1, Critical = 2, Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7;

    /// <summary>Strips a leading "&lt;N&gt;" (1 to 3 digits) as journald's syslog_parse_priority
    /// does. Without <paramref name="withFacility"/> only a level 0..7 is accepted and it replaces
    /// the level of <paramref name="priority"/>, keeping its facility; with it the whole
    /// facility*8+level value (up to 999) is taken. Returns false (and leaves the text) when the
    /// text has no such prefix.</summary>
    public static bool TryStrip(ref ReadOnlySpan<byte> text, ref int priority, bool withFacility)
    {
        if (text.Length < 3 || text[0] != '<') return false;
        int end = text.IndexOf((byte)'>');
        if (end < 2 || end > 4) return false;
        int value = 0;
        for (int i = 1; i < end; i++)
        {
            if (text[i] is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (text[i] - '0');
        }
        if (!withFacility && value > 7) return false;
        priority = withFacility ? value : (priority & ~7) | value;
        text = text[(end + 1)..];
        return true;
    }
}
