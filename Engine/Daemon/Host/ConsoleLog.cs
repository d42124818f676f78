using Units.Core.Manager;

namespace Units.Daemon.Host;

/// <summary>The manager's messages on standard error, one line each, as a user manager without a journal
/// writes them to its console. Thread-safe.</summary>
internal sealed class ConsoleLog(LogPriority maxPriority) : ICoreLog
{
    private readonly object _gate = new();

    public void Write(LogPriority priority, string? unit, string message)
    {
        if (priority > maxPriority)
            return;
        lock (_gate)
            Console.Error.WriteLine(message);
    }
}
