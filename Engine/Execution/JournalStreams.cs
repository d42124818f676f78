namespace Units.Execution;

/// <summary>
/// What a command's journal stream is attributed to: the header systemd writes when it connects a command's
/// standard output to journald's stdout socket (connect_logger_as: identifier, unit, priority, level prefix), and
/// the unit's log settings journald learns from the manager (LogLevelMax=, LogExtraFields=, LogRateLimit*=).
/// </summary>
public sealed record JournalStreamRequest
{
    public required string Unit { get; init; }

    /// <summary>The activation's invocation ID (32 hex digits; "" when none).</summary>
    public string InvocationId { get; init; } = "";

    /// <summary>SyslogIdentifier=, else the base name of the command's program.</summary>
    public required string Identifier { get; init; }

    /// <summary>SyslogFacility= and SyslogLevel= as one syslog priority (daemon.info by default).</summary>
    public int Priority { get; init; } = (3 << 3) | 6;

    /// <summary>SyslogLevelPrefix=: "&lt;N&gt;" at the start of a line sets its priority.</summary>
    public bool LevelPrefix { get; init; } = true;

    /// <summary>LogLevelMax=: lines less important than this are dropped; null keeps all.</summary>
    public int? LogLevelMax { get; init; }

    /// <summary>LogExtraFields=: "FIELD=VALUE" added to every line.</summary>
    public IReadOnlyList<string> ExtraFields { get; init; } = [];

    /// <summary>LogRateLimitIntervalSec= (µs) and LogRateLimitBurst=; null: the journal's defaults.</summary>
    public ulong? RateLimitIntervalUSec { get; init; }
    public uint? RateLimitBurst { get; init; }

    /// <summary>The credentials the command runs with when the execution layer knows them without resolving a
    /// user name (no User=/Group=: the manager's own); used when the process is gone before its output is read.</summary>
    public int Uid { get; init; } = -1;
    public int Gid { get; init; } = -1;
}

/// <summary>Where StandardOutput=journal/StandardError=journal go: a stream of its own for each spawned command.</summary>
public interface IJournalStreams
{
    /// <summary>Opens the stream of a command about to be spawned; null when there is no journal (the command then
    /// keeps the manager's own output).</summary>
    IJournalStream? Open(JournalStreamRequest request);
}

/// <summary>One command's stream. Dispose without <see cref="Started"/> when the spawn failed.</summary>
public interface IJournalStream : IDisposable
{
    /// <summary>The writing end, to become the command's standard output and/or error.</summary>
    int WriteFd { get; }

    /// <summary>"DEVICE:INODE" of the stream, for $JOURNAL_STREAM.</summary>
    string DeviceInode { get; }

    /// <summary>The command runs as <paramref name="pid"/>: the manager's copy of the writing end is closed and the
    /// stream's lines are stamped with that process's fields.</summary>
    void Started(int pid);
}
