using Units.Client.Connection;

namespace Units.Client;

public sealed partial class ManagerClient
{
    /// <summary>
    /// Waits until the units' ActiveState is one of <paramref name="states"/> (all units, or any
    /// one with <paramref name="any"/>). It watches PropertiesChanged before reading the current
    /// states, so no change slips between the read and the watch. Returns the units that reached
    /// a wanted state, read afresh; cancel <paramref name="cancellation"/> to give up (timeouts).
    /// </summary>
    public async Task<IReadOnlyList<Unit>> WaitForStateAsync(IReadOnlyList<Unit> units, IReadOnlySet<UnitActiveState> states, bool any, CancellationToken cancellation)
    {
        var byPath = units.DistinctBy(unit => unit.ObjectPath, StringComparer.Ordinal).ToDictionary(unit => unit.ObjectPath, StringComparer.Ordinal);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var changed = new SemaphoreSlim(0);
        var dirty = new HashSet<string>(StringComparer.Ordinal);
        var gate = new object();
        ManagerCallException? lost = null;

        using var watch = Connection.WatchSignals(signal =>
        {
            if (signal.IsDisconnected)
            {
                lost = new ManagerCallException(DBusErrorNames.Disconnected, "The connection to the manager was lost while waiting for unit states.");
                changed.Release();
            }
            else if (signal.Member == "PropertiesChanged" && byPath.ContainsKey(signal.Path)
                && signal.Arguments.Count > 0 && signal.Arguments[0] as string == ManagerSignal.UnitInterface)
            {
                lock (gate)
                {
                    dirty.Add(signal.Path);
                }
                changed.Release();
            }
        });
        await Connection.SubscribeAsync(cancellation).ConfigureAwait(false);

        var toCheck = byPath.Keys.ToList();
        while (true)
        {
            foreach (var path in toCheck.Where(path => !reached.Contains(path)))
            {
                var state = SystemdNames.Parse<UnitActiveState>(await Connection.GetAsync(path, ManagerSignal.UnitInterface, "ActiveState", cancellation).ConfigureAwait(false) as string);
                if (states.Contains(state))
                {
                    reached.Add(path);
                }
            }
            if (reached.Count == byPath.Count || (any && reached.Count > 0))
            {
                break;
            }
            await changed.WaitAsync(cancellation).ConfigureAwait(false);
            if (lost is not null)
            {
                throw lost;
            }
            lock (gate)
            {
                toCheck = [.. dirty];
                dirty.Clear();
            }
        }

        var result = new List<Unit>();
        foreach (var path in reached.Order(StringComparer.Ordinal))
        {
            result.Add(await RefreshAsync(byPath[path], cancellation).ConfigureAwait(false));
        }
        return result;
    }
}
