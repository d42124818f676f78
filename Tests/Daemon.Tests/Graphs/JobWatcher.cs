using Units.DBus;

namespace Units.Daemon.Tests.Graphs;

/// <summary>One JobRemoved(uoss) signal: the job's unit and result (ids and paths differ by nature).</summary>
public sealed record RemovedJob(string Unit, string Result)
{
    public override string ToString() => $"{Unit} {Result}";
}

/// <summary>A client of a manager's private socket ($XDG_RUNTIME_DIR/systemd/private) that records every
/// JobNew and JobRemoved the manager sends. A manager pushes its signals to every private connection
/// unconditionally, so jobs queued by anyone (systemctl, or the manager itself) are seen.</summary>
public sealed class JobWatcher : IDisposable
{
    private const string Destination = "org.freedesktop.systemd1";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string ManagerInterface = "org.freedesktop.systemd1.Manager";

    private readonly DBusConnection _connection;
    private readonly object _gate = new();
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly List<RemovedJob> _removed = [];
    private readonly List<string> _log = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private JobWatcher(DBusConnection connection) => _connection = connection;

    /// <summary>Connects to the manager whose runtime directory is <paramref name="runtimeDirectory"/>
    /// (as root from the host: the manager checks SO_PEERCRED) and starts recording.</summary>
    public static async Task<JobWatcher> ConnectAsync(string runtimeDirectory)
    {
        string socket = Path.Combine(runtimeDirectory, "systemd", "private");
        DBusConnection connection = await DBusConnection.ConnectAsync("unix:path=" + DBusAddress.Escape(socket),
            new DBusConnectionOptions { AuthMechanisms = [ClientAuthMechanism.External] });
        var watcher = new JobWatcher(connection);
        try
        {
            await connection.AddMatchAsync(new MatchRule { Interface = ManagerInterface, Path = ManagerPath }, watcher.OnSignal);
        }
        catch
        {
            watcher.Dispose();
            throw;
        }
        return watcher;
    }

    /// <summary>Every JobRemoved so far, in arrival order.</summary>
    public IReadOnlyList<RemovedJob> Removed
    {
        get
        {
            lock (_gate)
                return [.. _removed];
        }
    }

    /// <summary>Every JobNew/JobRemoved so far, one line each, for failure output.</summary>
    public string Log
    {
        get
        {
            lock (_gate)
                return string.Join('\n', _log);
        }
    }

    /// <summary>Waits until every job seen queued has been removed and the manager lists no job (asked
    /// after the signals: the manager sends in order, so a ListJobs reply follows the signals before it).</summary>
    public async Task WaitUntilIdleAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            bool nothingPending;
            lock (_gate)
            {
                changed = _changed.Task;
                nothingPending = _pending.Count == 0;
            }
            if (nothingPending)
            {
                IReadOnlyList<string> listed = await ListJobUnitsAsync(cancellation.Token);
                lock (_gate)
                {
                    if (listed.Count == 0 && _pending.Count == 0)
                        return;
                    // A signal came in meanwhile: look again. Otherwise the jobs listed were queued before
                    // we connected, and their JobRemoved is what we wait for.
                    if (_changed.Task != changed)
                        continue;
                }
            }
            try
            {
                await changed.WaitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                string pending;
                lock (_gate)
                    pending = string.Join(", ", _pending);
                throw new TimeoutException($"jobs still queued after {timeout.TotalSeconds} s: [{pending}]; signals:\n{Log}");
            }
        }
    }

    private async Task<IReadOnlyList<string>> ListJobUnitsAsync(CancellationToken cancellationToken)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(Destination, ManagerPath, ManagerInterface, "ListJobs", "");
        return await _connection.CallAsync(call.Finish(), reply =>
        {
            // a(usssoo): id, unit, job type, state, job path, unit path.
            var units = new List<string>();
            Reader reader = reply.GetBodyReader();
            var end = reader.ReadArrayStart('(');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                reader.ReadUInt32();
                string unit = reader.ReadString();
                string type = reader.ReadString();
                units.Add($"{unit}/{type}");
                reader.ReadString();
                reader.ReadObjectPath();
                reader.ReadObjectPath();
            }
            return (IReadOnlyList<string>)units;
        }, cancellationToken: cancellationToken);
    }

    // Runs on the connection's reader; the message is valid only during the call.
    private void OnSignal(Message message)
    {
        switch (message.Member, message.Signature)
        {
            case ("JobNew", "uos"):
            {
                Reader reader = message.GetBodyReader();
                uint id = reader.ReadUInt32();
                string path = reader.ReadObjectPath();
                string unit = reader.ReadString();
                lock (_gate)
                {
                    _pending.Add(path);
                    _log.Add($"JobNew {id} {unit}");
                    Signal();
                }
                break;
            }
            case ("JobRemoved", "uoss"):
            {
                Reader reader = message.GetBodyReader();
                uint id = reader.ReadUInt32();
                string path = reader.ReadObjectPath();
                string unit = reader.ReadString();
                string result = reader.ReadString();
                lock (_gate)
                {
                    _pending.Remove(path);
                    _removed.Add(new RemovedJob(unit, result));
                    _log.Add($"JobRemoved {id} {unit} {result}");
                    Signal();
                }
                break;
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }

    public void Dispose() => _connection.Dispose();
}
