using System.Globalization;
using System.Text.RegularExpressions;
using Units.Core.Manager;
using Units.Journal;
using Units.Journal.Capture;
using Units.Journal.Messages;

namespace Units.Daemon.Logging;

/// <summary>What the manager knows about a unit when it logs about it: the description its job status
/// messages are worded with, its current job's id (0 when none), its current or last activation's
/// invocation ID (null before its first start), its LogLevelMax= (null: none) and the CPU time its
/// activation consumed as last read (null: not accounted).</summary>
internal readonly record struct UnitLogFacts(string Description, uint JobId, string? InvocationId, int? LogLevelMax, ulong? CpuUsageNSec);

/// <summary>
/// The manager's messages as journal entries with the fields systemd's log_unit_struct() sends
/// (PRIORITY, SYSLOG_FACILITY, SYSLOG_IDENTIFIER=systemd, UNIT= or USER_UNIT=, MESSAGE_ID and the
/// message's own fields where systemd has them) plus the manager's trusted fields (_PID, _UID, _COMM,
/// _SYSTEMD_CGROUP...), as journald would stamp them on systemd's native-protocol messages.
/// The core words a message as text only; the job status and unit result messages are recognised by
/// their wording and rebuilt through <see cref="ManagerMessages"/> (which words job status messages as
/// Debian's systemd 252 does: "Started NAME - DESCRIPTION."). Thread-safe.
/// </summary>
internal sealed partial class JournalLog(JournalService journal, bool userManager, LogPriority maxPriority,
    Func<string, UnitLogFacts?> unitFacts, ICoreLog? console) : ICoreLog
{
    private readonly ManagerMessages _messages = new(userManager);
    private readonly uint _uid = Native.geteuid();
    private readonly uint _gid = Native.getegid();
    // The manager's trusted fields, kept once it has settled in its cgroup (it moves into init.scope at start-up).
    private volatile byte[][]? _self;
    private volatile bool _settled;

    /// <summary>The manager is in its final cgroup: its trusted fields may be read once and kept.</summary>
    public void Settled() => _settled = true;

    public void Write(LogPriority priority, string? unit, string message)
    {
        console?.Write(priority, unit, message);
        if (priority > maxPriority)
            return;
        UnitLogFacts? facts = unit is null ? null : unitFacts(unit);
        // unit_log_level_test: a unit's LogLevelMax= applies to what the manager logs about it too.
        if ((int)priority > facts?.LogLevelMax)
            return;
        JournalEntry entry = Build(priority, unit, facts, message);
        entry.Add("_TRANSPORT", "journal");
        foreach (byte[] field in _self ?? SelfFields())
            entry.AddShared(field);
        ValueTask queued = journal.Write(entry);
        if (!queued.IsCompleted)
            queued.AsTask().GetAwaiter().GetResult(); // The journal is behind: wait, as systemd waits on journald's socket.
    }

    private byte[][] SelfFields()
    {
        ClientContext self = ClientContext.Read(Environment.ProcessId, (int)_uid, (int)_gid);
        if (userManager && self.UserUnit is null && self.Unit is not null)
            self = self with { UserUnit = self.Unit, Unit = null };
        var fields = new JournalEntry();
        self.AddTo(fields);
        byte[][] payloads = [.. fields.Payloads.Select(p => p.ToArray())];
        if (_settled)
            _self = payloads;
        return payloads;
    }

    private JournalEntry Build(LogPriority priority, string? unit, UnitLogFacts? facts, string message)
    {
        if (unit is null)
            return Plain(priority, null, message);
        if (facts is { } known && JobStatus(unit, known, message) is { } status)
            return status;
        // Messages about a unit read "UNIT: text" in systemd's log (log_unit_*); some callers leave the prefix out.
        string prefix = unit + ": ";
        string body = message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
        var identity = new UnitIdentity(unit, facts?.Description, facts?.InvocationId);
        if (facts?.CpuUsageNSec is ulong cpu && ConsumedCpu().IsMatch(body) && _messages.Resources(identity, cpu) is { } resources)
            return resources;
        return UnitResult(priority, identity, body) ?? Plain(priority, identity, prefix + body);
    }

    /// <summary>job_emit_start_message / job_emit_done_message, recognised by the core's wording.</summary>
    private JournalEntry? JobStatus(string unit, UnitLogFacts facts, string message)
    {
        foreach ((string format, string type, string? result) in s_jobFormats)
        {
            if (message != string.Format(CultureInfo.InvariantCulture, format, facts.Description))
                continue;
            var identity = new UnitIdentity(unit, facts.Description, facts.InvocationId);
            return result is null ? _messages.JobStarting(identity, facts.JobId, type) : _messages.JobDone(identity, facts.JobId, type, result, format);
        }
        return null;
    }

    private static readonly (string Format, string Type, string? Result)[] s_jobFormats =
    [
        ("Starting {0}...", "start", null),
        ("Stopping {0}...", "stop", null),
        ("Reloading {0}...", "reload", null),
        ("Started {0}.", "start", "done"),
        ("Finished {0}.", "start", "done"),
        ("Reached target {0}.", "start", "done"),
        ("Created slice {0}.", "start", "done"),
        ("Failed to start {0}.", "start", "failed"),
        ("Dependency failed for {0}.", "start", "dependency"),
        ("Timed out starting {0}.", "start", "timeout"),
        ("Assertion failed for {0}.", "start", "assert"),
        ("Starting of {0} unsupported.", "start", "unsupported"),
        ("Unit {0} has been started before and cannot be started again.", "start", "once"),
        ("Stopped {0}.", "stop", "done"),
        ("Stopped target {0}.", "stop", "done"),
        ("Removed slice {0}.", "stop", "done"),
        ("Stopped {0} with error.", "stop", "failed"),
        ("Timed out stopping {0}.", "stop", "timeout"),
        ("Reloaded {0}.", "reload", "done"),
        ("Reload failed for {0}.", "reload", "failed"),
        ("Timed out reloading {0}.", "reload", "timeout"),
    ];

    /// <summary>The unit messages systemd sends with a MESSAGE_ID and fields of their own.</summary>
    private JournalEntry? UnitResult(LogPriority priority, UnitIdentity unit, string body)
    {
        if (ProcessExited().Match(body) is { Success: true } exit)
        {
            int status = int.Parse(exit.Groups["status"].Value, CultureInfo.InvariantCulture);
            string code = exit.Groups["code"].Value;
            return _messages.ProcessExit(unit, exit.Groups["kind"].Value, null,
                success: priority == LogPriority.Debug || exit.Groups["success"].Success, code, status);
        }
        if (FailedWithResult().Match(body) is { Success: true } failed)
            return _messages.FailureResult(unit, failed.Groups[1].Value);
        if (SkippedDueTo().Match(body) is { Success: true } skipped)
            return _messages.Skipped(unit, skipped.Groups[1].Value);
        if (RestartScheduled().Match(body) is { Success: true } restart)
            return _messages.RestartScheduled(unit, uint.Parse(restart.Groups[1].Value, CultureInfo.InvariantCulture));
        return body switch
        {
            "Deactivated successfully." => _messages.Success(unit),
            "Start request repeated too quickly." => _messages.StartLimitHit(unit),
            _ => null,
        };
    }

    /// <summary>A message without fields of its own (log_unit_* for a unit: UNIT=/USER_UNIT= and its invocation ID).</summary>
    private JournalEntry Plain(LogPriority priority, UnitIdentity? unit, string message) =>
        _messages.Plain(unit, (int)priority, message);

    [GeneratedRegex(@"^(?<kind>Main process|Control process) exited, code=(?<code>exited|killed|dumped), status=(?<status>\d+)/\S+(?<success> \(success\))?$")]
    private static partial Regex ProcessExited();

    [GeneratedRegex(@"^Failed with result '([^']+)'\.$")]
    private static partial Regex FailedWithResult();

    [GeneratedRegex(@"^Skipped due to '([^']+)'\.$")]
    private static partial Regex SkippedDueTo();

    [GeneratedRegex(@"^Consumed .+ CPU time\.$")]
    private static partial Regex ConsumedCpu();

    [GeneratedRegex(@"^Scheduled restart job, restart counter is at (\d+)\.$")]
    private static partial Regex RestartScheduled();
}
