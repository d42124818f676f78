namespace Units.Core.Manager;

/// <summary>syslog priorities, as the journal stores them.</summary>
public enum LogPriority
{
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Info,
    Debug,
}

/// <summary>Where the manager's messages go (the journal, stderr, a test's list).</summary>
public interface ICoreLog
{
    /// <summary>Writes one message; <paramref name="unit"/> is the UNIT= field when the message is about a unit.</summary>
    void Write(LogPriority priority, string? unit, string message);
}

/// <summary>Keeps messages in memory, for tests and for the time before the journal is up.</summary>
public sealed class MemoryLog : ICoreLog
{
    private readonly List<(LogPriority Priority, string? Unit, string Message)> _entries = [];

    public IReadOnlyList<(LogPriority Priority, string? Unit, string Message)> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    public IEnumerable<string> Messages => Entries.Select(e => e.Message);

    public void Write(LogPriority priority, string? unit, string message)
    {
        lock (_entries)
            _entries.Add((priority, unit, message));
    }
}
