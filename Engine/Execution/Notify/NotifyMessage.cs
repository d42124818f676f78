using System.Globalization;

namespace Units.Execution.Notify;

/// <summary>NotifyAccess=: whose sd_notify messages a service accepts.</summary>
public enum NotifyAccess
{
    None,
    Main,
    Exec,
    All,
}

/// <summary>
/// One datagram of the sd_notify protocol: newline-separated "NAME=VALUE" assignments, with the sender's
/// credentials from SCM_CREDENTIALS and the cgroup that attributes it to a unit.
/// </summary>
public sealed class NotifyMessage
{
    public NotifyMessage(int pid, int uid, int gid, string? cgroupPath, IReadOnlyDictionary<string, string> fields, int fdCount = 0)
    {
        Pid = pid;
        Uid = uid;
        Gid = gid;
        CgroupPath = cgroupPath;
        Fields = fields;
        FdCount = fdCount;
    }

    public int Pid { get; }
    public int Uid { get; }
    public int Gid { get; }

    /// <summary>The sender's cgroup when it was received (null without cgroups or when the sender is gone).</summary>
    public string? CgroupPath { get; }

    /// <summary>The assignments; on repeats the last wins, as in systemd.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>Descriptors that came with the message (FDSTORE=1 is not supported: they are closed).</summary>
    public int FdCount { get; }

    public bool Ready => Is("READY");
    public bool Reloading => Is("RELOADING");
    public bool Stopping => Is("STOPPING");
    public bool Watchdog => Is("WATCHDOG");
    public bool WatchdogTrigger => Fields.TryGetValue("WATCHDOG", out var v) && v == "trigger";
    public string? Status => Fields.GetValueOrDefault("STATUS");
    public int? Errno => Int("ERRNO");
    public int? MainPid => Int("MAINPID") is > 0 and var pid ? pid : null;
    public ulong? WatchdogUSec => ULong("WATCHDOG_USEC");
    public ulong? ExtendTimeoutUSec => ULong("EXTEND_TIMEOUT_USEC");
    public ulong? MonotonicUSec => ULong("MONOTONIC_USEC");

    private bool Is(string name) => Fields.TryGetValue(name, out var v) && v == "1";

    private int? Int(string name) =>
        Fields.TryGetValue(name, out var v) && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : null;

    private ulong? ULong(string name) =>
        Fields.TryGetValue(name, out var v) && ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : null;

    /// <summary>
    /// Parses a datagram. Returns null (and the reason) for what systemd drops: empty messages, invalid UTF-8 and
    /// lines that are not assignments are ignored line by line.
    /// </summary>
    public static Dictionary<string, string> ParseFields(ReadOnlySpan<byte> datagram)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(datagram);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return fields;
        }
        foreach (var line in text.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && !line.Contains('\0', StringComparison.Ordinal))
                fields[line[..eq]] = line[(eq + 1)..];
        }
        return fields;
    }
}
