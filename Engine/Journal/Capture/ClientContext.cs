using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Units.Journal.Capture;

/// <summary>
/// The trusted fields journald derives from a sender's credentials and /proc: _PID, _UID, _GID,
/// _COMM, _EXE, _CMDLINE, _CAP_EFFECTIVE, _SYSTEMD_CGROUP, _SYSTEMD_UNIT or _SYSTEMD_USER_UNIT,
/// _SYSTEMD_SLICE, _SYSTEMD_INVOCATION_ID. A process that is already gone keeps what the
/// credentials say. The manager may override the unit and invocation ID it knows better (a
/// service's stdout stream is connected by the manager before the process even exists).
/// </summary>
public sealed record ClientContext
{
    public int Pid { get; init; }
    public int Uid { get; init; } = -1;
    public int Gid { get; init; } = -1;
    public string? Comm { get; init; }
    public string? Exe { get; init; }
    public string? CommandLine { get; init; }
    public string? CapEffective { get; init; }
    public string? Cgroup { get; init; }
    public string? Unit { get; init; }
    public string? UserUnit { get; init; }
    public string? Slice { get; init; }
    public string? InvocationId { get; init; }

    /// <summary>Rate limits of the sender's unit (its LogRateLimitIntervalSec=/LogRateLimitBurst=).</summary>
    public TimeSpan RateLimitInterval { get; init; } = TimeSpan.FromSeconds(30);
    public uint RateLimitBurst { get; init; } = 10000;

    /// <summary>The unit's LogLevelMax=: records less important are dropped; null keeps all.</summary>
    public int? LogLevelMax { get; init; }

    /// <summary>The unit's LogExtraFields= ("FIELD=VALUE"), added to each of its records.</summary>
    public IReadOnlyList<string> ExtraFields { get; init; } = [];

    /// <summary>Reads what /proc says about <paramref name="pid"/>; a negative <paramref name="uid"/> or
    /// <paramref name="gid"/> (not known from the socket) is read there too, as the effective IDs.</summary>
    public static ClientContext Read(int pid, int uid, int gid)
    {
        var context = new ClientContext { Pid = pid, Uid = uid, Gid = gid };
        if (pid <= 0) return context;
        string proc = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
        string? cgroup = ReadCgroup(proc);
        var (unit, userUnit, slice) = UnitsOfCgroup(cgroup);
        string? status = ReadText(proc + "/status");
        return context with
        {
            Uid = uid >= 0 ? uid : EffectiveId(status, "Uid:"),
            Gid = gid >= 0 ? gid : EffectiveId(status, "Gid:"),
            Comm = ReadText(proc + "/comm")?.TrimEnd('\n'),
            Exe = ReadLink(proc + "/exe"),
            CommandLine = ReadCommandLine(proc + "/cmdline"),
            CapEffective = ReadCapEffective(status),
            Cgroup = cgroup,
            Unit = unit,
            UserUnit = userUnit,
            Slice = slice,
        };
    }

    /// <summary>Adds the trusted fields in journald's order.</summary>
    public void AddTo(JournalEntry entry)
    {
        if (Pid > 0) entry.Add("_PID", Pid);
        if (Uid >= 0) entry.Add("_UID", Uid);
        if (Gid >= 0) entry.Add("_GID", Gid);
        if (Comm != null) entry.Add("_COMM", Comm);
        if (Exe != null) entry.Add("_EXE", Exe);
        if (CommandLine != null) entry.Add("_CMDLINE", CommandLine);
        if (CapEffective != null) entry.Add("_CAP_EFFECTIVE", CapEffective);
        if (Cgroup != null) entry.Add("_SYSTEMD_CGROUP", Cgroup);
        if (Unit != null) entry.Add("_SYSTEMD_UNIT", Unit);
        if (UserUnit != null) entry.Add("_SYSTEMD_USER_UNIT", UserUnit);
        if (Slice != null) entry.Add("_SYSTEMD_SLICE", Slice);
        if (InvocationId != null) entry.Add("_SYSTEMD_INVOCATION_ID", InvocationId);
        foreach (var field in ExtraFields)
            if (field.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals)
                entry.Add(field[..equals], field[(equals + 1)..]);
    }

    /// <summary>The group rate limits are kept per: the unit, else the cgroup, else the PID.</summary>
    public string RateLimitGroup => Unit ?? UserUnit ?? Cgroup ?? "pid-" + Pid.ToString(CultureInfo.InvariantCulture);

    private static string? ReadText(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static string? ReadLink(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>/proc/PID/cmdline with arguments joined by spaces, as journald records _CMDLINE.</summary>
    private static string? ReadCommandLine(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0) return null;
            var text = Encoding.UTF8.GetString(bytes).TrimEnd('\0');
            return text.Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The effective ID of a "Uid:"/"Gid:" line of /proc/PID/status (real, effective, saved, fs); -1 when unknown.</summary>
    private static int EffectiveId(string? status, string key)
    {
        if (status == null) return -1;
        foreach (var line in status.Split('\n'))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return line[key.Length..].Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, var effective, ..]
                    && int.TryParse(effective, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : -1;
        return -1;
    }

    private static string? ReadCapEffective(string? status)
    {
        if (status == null) return null;
        foreach (var line in status.Split('\n'))
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                return ulong.TryParse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong caps)
                    ? caps.ToString("x", CultureInfo.InvariantCulture) : null;
        return null;
    }

    /// <summary>The unified (cgroup v2) path from /proc/PID/cgroup, i.e. the "0::" line.</summary>
    private static string? ReadCgroup(string proc)
    {
        var text = ReadText(proc + "/cgroup");
        if (text == null) return null;
        foreach (var line in text.Split('\n'))
            if (line.StartsWith("0::", StringComparison.Ordinal))
                return line[3..];
        return null;
    }

    /// <summary>The units a cgroup path belongs to, as cg_path_get_unit/cg_path_get_user_unit
    /// read them: the first unit-named component under the slices is the system unit; below a
    /// user@UID.service the next one is the user unit.</summary>
    public static (string? Unit, string? UserUnit, string? Slice) UnitsOfCgroup(string? cgroup)
    {
        if (string.IsNullOrEmpty(cgroup)) return (null, null, null);
        string? unit = null, userUnit = null, slice = null;
        foreach (var part in cgroup.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.EndsWith(".slice", StringComparison.Ordinal))
            {
                if (unit == null) slice = part;
                continue;
            }
            if (unit == null)
            {
                if (IsUnitName(part)) unit = part;
                else break;
            }
            else if (unit.StartsWith("user@", StringComparison.Ordinal) && IsUnitName(part))
            {
                userUnit = part;
                break;
            }
            else break;
        }
        return (unit, userUnit, slice ?? (unit != null ? "-.slice" : null));
    }

    private static bool IsUnitName(string name) =>
        name.EndsWith(".service", StringComparison.Ordinal) || name.EndsWith(".scope", StringComparison.Ordinal) ||
        name.EndsWith(".socket", StringComparison.Ordinal) || name.EndsWith(".mount", StringComparison.Ordinal) ||
        name.EndsWith(".swap", StringComparison.Ordinal);

    /// <summary>Reads the invocation ID systemd stores on a unit's cgroup (trusted.invocation_id).</summary>
    public static string? ReadInvocationIdXattr(string cgroupRoot, string cgroup)
    {
        Span<byte> buffer = stackalloc byte[16];
        string path = cgroupRoot.TrimEnd('/') + cgroup;
        long n = getxattr(path, "trusted.invocation_id", ref MemoryMarshal.GetReference(buffer), 16);
        if (n != 16) return null;
        return Convert.ToHexString(buffer).ToLowerInvariant();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long getxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ref byte value, nuint size);
}
