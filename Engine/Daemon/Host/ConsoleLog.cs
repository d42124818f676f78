using Units.Core.Manager;

namespace Units.Daemon.Host;

/// <summary>
/// The manager's messages on standard error, one line each, as systemd 252's manager writes its console: its own
/// messages from info up, what it says about a unit from notice up ("x.service: Main process exited, ...", not
/// "Started x.service."), prefixed with the unit's name; everything with --debug. The journal keeps them all.
/// Thread-safe.
/// </summary>
internal sealed class ConsoleLog(LogPriority maxPriority) : ICoreLog
{
    private readonly object _gate = new();

    public void Write(LogPriority priority, string? unit, string message)
    {
        if (priority > maxPriority || (unit is not null && priority > LogPriority.Notice && maxPriority < LogPriority.Debug))
            return;
        string line = unit is null || message.StartsWith(unit + ": ", StringComparison.Ordinal) ? message : unit + ": " + message;
        lock (_gate)
            Console.Error.WriteLine(line);
    }
}
