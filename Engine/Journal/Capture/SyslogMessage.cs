using System.Text;

namespace Units.Journal.Capture;

/// <summary>
/// A datagram received on /dev/log (/run/systemd/journal/dev-log), parsed as journald parses
/// RFC 3164-style messages: <c>&lt;PRI&gt;</c>, an optional "Mmm dd hh:mm:ss " timestamp (dropped),
/// then <c>identifier[pid]: </c> and the message. The facility defaults to LOG_USER when the
/// priority has none.
/// </summary>
public sealed record SyslogMessage(int Priority, string? Identifier, string? Pid, byte[] Message)
{
    private const int LogUser = 1 << 3;

    public static SyslogMessage Parse(ReadOnlySpan<byte> datagram)
    {
        datagram = datagram.TrimEnd("\n\0"u8);
        int priority = SyslogPriority.Info | LogUser;
        SyslogPriority.TryStrip(ref datagram, ref priority, withFacility: true);
        if ((priority & ~7) == 0) priority |= LogUser;
        datagram = SkipTimestamp(datagram);
        string? identifier = null, pid = null;
        // identifier[pid]: or identifier: — only when it looks like one (no spaces before the colon).
        int colon = datagram.IndexOf(": "u8);
        int space = datagram.IndexOfAny((byte)' ', (byte)'\t');
        if (colon > 0 && (space < 0 || space > colon))
        {
            var tag = datagram[..colon];
            int open = tag.IndexOf((byte)'[');
            if (open > 0 && tag[^1] == ']')
            {
                identifier = Encoding.UTF8.GetString(tag[..open]);
                pid = Encoding.UTF8.GetString(tag[(open + 1)..^1]);
            }
            else identifier = Encoding.UTF8.GetString(tag);
            datagram = datagram[(colon + 2)..];
        }
        return new SyslogMessage(priority, identifier, pid, datagram.ToArray());
    }

    /// <summary>Skips "Mmm dd hh:mm:ss " (RFC 3164), the one timestamp form journald recognises.</summary>
    private static ReadOnlySpan<byte> SkipTimestamp(ReadOnlySpan<byte> text)
    {
        if (text.Length < 16) return text;
        var t = text[..16];
        string[] months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        string month = Encoding.ASCII.GetString(t[..3]);
        if (Array.IndexOf(months, month) < 0) return text;
        bool ok = t[3] == ' ' && (t[4] == ' ' || char.IsAsciiDigit((char)t[4])) && char.IsAsciiDigit((char)t[5]) && t[6] == ' ' &&
                  char.IsAsciiDigit((char)t[7]) && char.IsAsciiDigit((char)t[8]) && t[9] == ':' &&
                  char.IsAsciiDigit((char)t[10]) && char.IsAsciiDigit((char)t[11]) && t[12] == ':' &&
                  char.IsAsciiDigit((char)t[13]) && char.IsAsciiDigit((char)t[14]) && t[15] == ' ';
        return ok ? text[16..] : text;
    }

    /// <summary>The fields journald records for it (the transport adds _TRANSPORT=syslog).</summary>
    public void AddTo(JournalEntry entry)
    {
        entry.Add("PRIORITY", Priority & 7);
        if ((Priority >> 3) != 0) entry.Add("SYSLOG_FACILITY", Priority >> 3);
        if (Identifier != null) entry.Add("SYSLOG_IDENTIFIER", Identifier);
        if (Pid != null) entry.Add("SYSLOG_PID", Pid);
        entry.Add("MESSAGE", Message);
    }
}
