using System.Globalization;
using Units.Core.Manager;
using Units.Journal.Capture;
using Units.UnitFiles.Settings.Values;

namespace Units.Journal.Messages;

/// <summary>How a unit is named in job status messages (StatusUnitFormat=).</summary>
public enum StatusUnitFormat
{
    Name,
    Description,
    /// <summary>"name - description", what Debian's systemd 252 writes.</summary>
    Combined,
}

/// <summary>The unit a manager message is about.</summary>
public sealed record UnitIdentity(string Id, string? Description = null, string? InvocationId = null);

/// <summary>
/// The manager's own log messages about units, worded as systemd 252 words them (job.c, unit.c,
/// service.c, transaction.c) with the same MESSAGE_ID and structured fields, so journalctl -u
/// and tools keyed on message IDs treat them alike. The entries carry what systemd's
/// log_unit_struct() sends; the caller adds the trusted fields of its own process.
/// </summary>
public sealed class ManagerMessages(bool userManager, StatusUnitFormat format = StatusUnitFormat.Combined, string identifier = "systemd")
{
    private string UnitField => userManager ? "USER_UNIT" : "UNIT";
    private string InvocationField => userManager ? "USER_INVOCATION_ID" : "INVOCATION_ID";

    private JournalEntry Base(UnitIdentity? unit, int priority, string? messageId, string message)
    {
        var entry = new JournalEntry();
        entry.Add("PRIORITY", priority);
        entry.Add("SYSLOG_FACILITY", 3);
        entry.Add("SYSLOG_IDENTIFIER", identifier);
        if (unit != null)
        {
            entry.Add(UnitField, unit.Id);
            if (unit.InvocationId != null) entry.Add(InvocationField, unit.InvocationId);
        }
        if (messageId != null) entry.Add("MESSAGE_ID", messageId);
        entry.Add("MESSAGE", message);
        return entry;
    }

    /// <summary>A message without a MESSAGE_ID or fields of its own (log_unit_*/log_*): about
    /// <paramref name="unit"/> when given, worded by the caller.</summary>
    public JournalEntry Plain(UnitIdentity? unit, int priority, string message) => Base(unit, priority, null, message);

    /// <summary>unit_status_string(): the name used in job status messages.</summary>
    public string StatusName(UnitIdentity unit)
    {
        if (unit.Description is null || format == StatusUnitFormat.Name || unit.Description == unit.Id) return unit.Id;
        return format == StatusUnitFormat.Combined ? $"{unit.Id} - {unit.Description}" : unit.Description;
    }

    /// <summary>"Starting X...", "Stopping X...", "Reloading X..." when a job begins.</summary>
    public JournalEntry? JobStarting(UnitIdentity unit, uint jobId, string jobType)
    {
        var (text, id) = jobType switch
        {
            "start" => ("Starting {0}...", MessageIds.UnitStarting),
            "stop" => ("Stopping {0}...", MessageIds.UnitStopping),
            "reload" => ("Reloading {0}...", MessageIds.UnitReloading),
            _ => (null, null),
        };
        if (text is null) return null;
        var entry = Base(unit, SyslogPriority.Info, id, string.Format(CultureInfo.InvariantCulture, text, StatusName(unit)));
        entry.Add("JOB_ID", jobId);
        entry.Add("JOB_TYPE", jobType);
        return entry;
    }

    /// <summary>"Started X.", "Failed to start X.", "Stopped X.", ... when a job finishes; <paramref name="wording"/> is the
    /// unit type's own format when it has one ("Reached target {0}.", "Finished {0}."), {0} the unit.</summary>
    public JournalEntry? JobDone(UnitIdentity unit, uint jobId, string jobType, string jobResult, string? wording = null)
    {
        string? text = wording ?? jobType switch
        {
            "start" => jobResult switch
            {
                "done" => "Started {0}.",
                "timeout" => "Timed out starting {0}.",
                "failed" => "Failed to start {0}.",
                "dependency" => "Dependency failed for {0}.",
                "assert" => "Assertion failed for {0}.",
                "unsupported" => "Starting of {0} unsupported.",
                "collected" => "Unnecessary job was removed for {0}.",
                "once" => "Unit {0} has been started before and cannot be started again.",
                _ => null,
            },
            "stop" or "restart" => jobResult switch
            {
                "done" => "Stopped {0}.",
                "failed" => "Stopped {0} with error.",
                "timeout" => "Timed out stopping {0}.",
                _ => null,
            },
            "reload" => jobResult switch
            {
                "done" => "Reloaded {0}.",
                "failed" => "Reload failed for {0}.",
                "timeout" => "Timed out reloading {0}.",
                _ => null,
            },
            "verify-active" => jobResult == "skipped" ? "{0} is inactive." : null,
            _ => null,
        };
        if (text is null) return null;
        string? id = jobType switch
        {
            "start" => jobResult == "done" ? MessageIds.UnitStarted : MessageIds.UnitFailed,
            "stop" or "restart" => MessageIds.UnitStopped,
            "reload" => MessageIds.UnitReloaded,
            _ => null,
        };
        var entry = Base(unit, JobResultLevel(jobResult), id, string.Format(CultureInfo.InvariantCulture, text, StatusName(unit)));
        entry.Add("JOB_ID", jobId);
        entry.Add("JOB_TYPE", jobType);
        entry.Add("JOB_RESULT", jobResult);
        return entry;
    }

    /// <summary>job_result_log_level[].</summary>
    private static int JobResultLevel(string result) => result switch
    {
        "timeout" or "failed" or "once" => SyslogPriority.Error,
        "dependency" or "assert" or "unsupported" => SyslogPriority.Warning,
        "skipped" => SyslogPriority.Notice,
        _ => SyslogPriority.Info,
    };

    /// <summary>"X: Main process exited, code=exited, status=1/FAILURE" (unit_log_process_exit).
    /// <paramref name="code"/> is the si_code name: exited, killed, dumped.</summary>
    public JournalEntry ProcessExit(UnitIdentity unit, string kind, string? command, bool success, string code, int status)
    {
        int level = success ? SyslogPriority.Debug : code == "exited" ? SyslogPriority.Notice : SyslogPriority.Warning;
        string statusName = (code == "exited" ? ExitStatusName(status) : SignalName(status)) ?? "n/a";
        var entry = Base(unit, level, MessageIds.UnitProcessExit,
            $"{unit.Id}: {kind} exited, code={code}, status={status.ToString(CultureInfo.InvariantCulture)}/{statusName}{(success ? " (success)" : "")}");
        entry.Add("EXIT_CODE", code);
        entry.Add("EXIT_STATUS", status);
        entry.Add("COMMAND", command ?? "n/a");
        return entry;
    }

    /// <summary>"X: Failed with result 'exit-code'." (unit_log_failure).</summary>
    public JournalEntry FailureResult(UnitIdentity unit, string result)
    {
        var entry = Base(unit, SyslogPriority.Warning, MessageIds.UnitFailureResult, $"{unit.Id}: Failed with result '{result}'.");
        entry.Add("UNIT_RESULT", result);
        return entry;
    }

    /// <summary>"X: Deactivated successfully." (unit_log_success).</summary>
    public JournalEntry Success(UnitIdentity unit) =>
        Base(unit, SyslogPriority.Info, MessageIds.UnitSuccess, $"{unit.Id}: Deactivated successfully.");

    /// <summary>"X: Skipped due to 'exec-condition'." (unit_log_skip).</summary>
    public JournalEntry Skipped(UnitIdentity unit, string result)
    {
        var entry = Base(unit, SyslogPriority.Info, MessageIds.UnitSkipped, $"{unit.Id}: Skipped due to '{result}'.");
        entry.Add("UNIT_RESULT", result);
        return entry;
    }

    /// <summary>"X: Scheduled restart job, restart counter is at N."</summary>
    public JournalEntry RestartScheduled(UnitIdentity unit, uint restarts)
    {
        var entry = Base(unit, SyslogPriority.Info, MessageIds.UnitRestartScheduled, $"{unit.Id}: Scheduled restart job, restart counter is at {restarts}.");
        entry.Add("N_RESTARTS", restarts);
        return entry;
    }

    /// <summary>"X: Start request repeated too quickly." (unit_test_start_limit; the unit then
    /// fails with result 'start-limit-hit').</summary>
    public JournalEntry StartLimitHit(UnitIdentity unit) =>
        Base(unit, SyslogPriority.Warning, null, $"{unit.Id}: Start request repeated too quickly.");

    /// <summary>"X: Consumed 1.234s CPU time." with I/O and IP traffic parts when known
    /// (unit_log_resources): null when no accounting data exists at all.</summary>
    public JournalEntry? Resources(UnitIdentity unit, ulong? cpuNanoseconds, ulong? ioReadBytes = null, ulong? ioWriteBytes = null, ulong? ipIngressBytes = null, ulong? ipEgressBytes = null)
    {
        const ulong Mentionworthy = 1024 * 1024, Noticeworthy = 128 * 1024 * 1024;
        int level = SyslogPriority.Debug;
        void Raise(bool mention, bool notice)
        {
            if (notice && level > SyslogPriority.Notice) level = SyslogPriority.Notice;
            else if (mention && level > SyslogPriority.Info) level = SyslogPriority.Info;
        }
        var parts = new List<string>();
        var fields = new List<(string, ulong)>();
        if (cpuNanoseconds is { } cpu)
        {
            fields.Add(("CPU_USAGE_NSEC", cpu));
            parts.Add($"consumed {TimeSpans.Format(cpu / 1000, 1000)} CPU time");
            Raise(cpu > 1_000_000_000UL, cpu > 600_000_000_000UL);
        }
        void Bytes(ulong? value, string field, string text)
        {
            if (value is not { } v) return;
            fields.Add((field, v));
            if (v > 0) parts.Add(string.Format(CultureInfo.InvariantCulture, text, FormatBytes(v)));
            Raise(v > Mentionworthy, v > Noticeworthy);
        }
        Bytes(ioReadBytes, "IO_METRIC_READ_BYTES", "read {0} from disk");
        Bytes(ioWriteBytes, "IO_METRIC_WRITE_BYTES", "written {0} to disk");
        Bytes(ipIngressBytes, "IP_METRIC_INGRESS_BYTES", "received {0} IP traffic");
        Bytes(ipEgressBytes, "IP_METRIC_EGRESS_BYTES", "sent {0} IP traffic");
        if (fields.Count == 0) return null;
        string joined = string.Join(", ", parts);
        string message = parts.Count == 0 ? $"{unit.Id}: Completed." : $"{unit.Id}: {char.ToUpperInvariant(joined[0])}{joined[1..]}.";
        var entry = Base(unit, level, MessageIds.UnitResources, message);
        foreach (var (field, value) in fields) entry.Add(field, value.ToString(CultureInfo.InvariantCulture));
        return entry;
    }

    /// <summary>The transaction's ordering-cycle report: "Found ordering cycle on A/start", one
    /// "Found dependency on B/start" per job on the cycle, then either "Job B/start deleted to
    /// break ordering cycle starting with A/start" or "Unable to break cycle starting with A/start".</summary>
    public IReadOnlyList<JournalEntry> OrderingCycle(UnitIdentity start, string startJobType, IReadOnlyList<(UnitIdentity Unit, string JobType)> path, (UnitIdentity Unit, string JobType)? deleted)
    {
        var entries = new List<JournalEntry>
        {
            Base(start, SyslogPriority.Warning, null, $"{start.Id}: Found ordering cycle on {start.Id}/{startJobType}"),
        };
        foreach (var (unit, type) in path)
            entries.Add(Base(unit, SyslogPriority.Warning, null, $"{unit.Id}: Found dependency on {unit.Id}/{type}"));
        entries.Add(deleted is { } d
            ? Base(start, SyslogPriority.Warning, null, $"{start.Id}: Job {d.Unit.Id}/{d.JobType} deleted to break ordering cycle starting with {start.Id}/{startJobType}")
            : Base(start, SyslogPriority.Error, null, $"{start.Id}: Unable to break cycle starting with {start.Id}/{startJobType}"));
        return entries;
    }

    /// <summary>systemd's format_bytes(): "1.2M", "1.0K", "512B" (base 1024, one decimal).</summary>
    public static string FormatBytes(ulong bytes)
    {
        (string Suffix, ulong Factor)[] table =
        [
            ("E", 1UL << 60), ("P", 1UL << 50), ("T", 1UL << 40), ("G", 1UL << 30), ("M", 1UL << 20), ("K", 1UL << 10),
        ];
        foreach (var (suffix, factor) in table)
            if (bytes >= factor)
            {
                ulong whole = bytes / factor, tenth = (ulong)((UInt128)bytes * 10 / factor % 10);
                return string.Create(CultureInfo.InvariantCulture, $"{whole}.{tenth}{suffix}");
            }
        return string.Create(CultureInfo.InvariantCulture, $"{bytes}B");
    }

    /// <summary>exit_status_to_string(…, EXIT_STATUS_FULL): systemd's and LSB's names.</summary>
    public static string? ExitStatusName(int status) => status switch
    {
        0 => "SUCCESS", 1 => "FAILURE", 2 => "INVALIDARGUMENT", 3 => "NOTIMPLEMENTED", 4 => "NOPERMISSION",
        5 => "NOTINSTALLED", 6 => "NOTCONFIGURED", 7 => "NOTRUNNING",
        200 => "CHDIR", 201 => "NICE", 202 => "FDS", 203 => "EXEC", 204 => "MEMORY", 205 => "LIMITS",
        206 => "OOM_ADJUST", 207 => "SIGNAL_MASK", 208 => "STDIN", 209 => "STDOUT", 210 => "CHROOT",
        211 => "IOPRIO", 212 => "TIMERSLACK", 213 => "SECUREBITS", 214 => "SETSCHEDULER", 215 => "CPUAFFINITY",
        216 => "GROUP", 217 => "USER", 218 => "CAPABILITIES", 219 => "CGROUP", 220 => "SETSID", 221 => "CONFIRM",
        222 => "STDERR", 224 => "PAM", 225 => "NETWORK", 226 => "NAMESPACE", 227 => "NO_NEW_PRIVILEGES",
        228 => "SECCOMP", 229 => "SELINUX_CONTEXT", 230 => "PERSONALITY", 231 => "APPARMOR_PROFILE",
        232 => "ADDRESS_FAMILIES", 233 => "RUNTIME_DIRECTORY", 235 => "CHOWN", 236 => "SMACK_PROCESS_LABEL",
        237 => "KEYRING", 238 => "STATE_DIRECTORY", 239 => "CACHE_DIRECTORY", 240 => "LOGS_DIRECTORY",
        241 => "CONFIGURATION_DIRECTORY", 242 => "NUMA_POLICY", 243 => "CREDENTIALS", 245 => "BPF",
        255 => "EXCEPTION",
        _ => null,
    };

    /// <summary>signal_to_string(): "TERM", "KILL", "RTMIN+3".</summary>
    public static string SignalName(int signal)
    {
        string[] names = ["", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
            "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
            "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"];
        if (signal > 0 && signal < names.Length) return names[signal];
        if (signal >= 34 && signal <= 64) return signal == 34 ? "RTMIN" : $"RTMIN+{(signal - 34).ToString(CultureInfo.InvariantCulture)}";
        return signal.ToString(CultureInfo.InvariantCulture);
    }
}
