using Units.Client.Connection;

namespace Units.Client;

/// <summary>
/// The managers one cmdlet invocation talks to: one per host, connected in parallel. Objects
/// carry the client of the manager they came from, so pipeline input goes back to its host.
/// </summary>
public sealed class ManagerSession : IAsyncDisposable
{
    private readonly IManagerConnector _connector;
    private readonly Dictionary<ManagerTarget, Task<ManagerClient>> _clients = [];
    private readonly object _gate = new();

    /// <summary>Creates a session over a connector (the D-Bus one, or a fake in tests).</summary>
    public ManagerSession(IManagerConnector connector) => _connector = connector;

    /// <summary>The targets named by cmdlet parameters: one per host, or the local manager.</summary>
    /// <remarks>
    /// "localhost" and "." name the local manager (not ssh to this machine): objects from the
    /// local manager carry ComputerName "localhost", and deserialized objects piped back by
    /// property name must reach the local manager again.
    /// </remarks>
    public static IReadOnlyList<ManagerTarget> TargetsFor(ManagerScope scope, IReadOnlyList<string>? hostNames, string? address)
    {
        if (hostNames is { Count: > 0 })
        {
            return hostNames
                .Select(host => IsLocal(host) ? null : host)
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Select(host => new ManagerTarget(scope, host, address))
                .ToList();
        }
        return [new ManagerTarget(scope, null, address)];
    }

    /// <summary>Whether a host name means this machine's manager.</summary>
    public static bool IsLocal(string hostName) =>
        hostName is "." || string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The client for a target, connecting on first use. The connection outlives the caller, so
    /// it is made without the caller's token; <paramref name="cancellation"/> only stops waiting.
    /// </summary>
    public Task<ManagerClient> ClientAsync(ManagerTarget target, CancellationToken cancellation)
    {
        lock (_gate)
        {
            // A lost connection, or a connection attempt that failed, is tried again.
            if (!_clients.TryGetValue(target, out var client)
                || client.IsFaulted || client.IsCanceled
                || (client.IsCompletedSuccessfully && !client.Result.Connection.IsConnected))
            {
                client = ConnectAsync(target, CancellationToken.None);
                _clients[target] = client;
            }
            return client.WaitAsync(cancellation);
        }
    }

    /// <summary>Checks unit files on a target's host, without connecting to its manager.</summary>
    public UnitFileVerifier VerifierFor(ManagerTarget target) => new(target, _connector.ShellFor(target));

    /// <summary>
    /// Runs <paramref name="action"/> against every target in parallel; each host's results or
    /// its error come back in the order of <paramref name="targets"/>.
    /// </summary>
    public async Task<IReadOnlyList<HostResult<T>>> ForEachHostAsync<T>(IReadOnlyList<ManagerTarget> targets, Func<ManagerClient, Task<T>> action, CancellationToken cancellation)
    {
        var runs = targets.Select(async target =>
        {
            try
            {
                var client = await ClientAsync(target, cancellation).ConfigureAwait(false);
                return new HostResult<T>(target, await action(client).ConfigureAwait(false), null);
            }
            catch (ManagerCallException exception)
            {
                return new HostResult<T>(target, default, UnitError.FromCall(exception, target.ComputerName));
            }
            catch (UnitOperationException exception)
            {
                return new HostResult<T>(target, default, exception.Error);
            }
        }).ToList();
        return await Task.WhenAll(runs).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        List<Task<ManagerClient>> clients;
        lock (_gate)
        {
            clients = [.. _clients.Values];
            _clients.Clear();
        }
        foreach (var client in clients)
        {
            if (client.IsCompletedSuccessfully)
            {
                await client.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<ManagerClient> ConnectAsync(ManagerTarget target, CancellationToken cancellation)
    {
        var connection = await _connector.ConnectAsync(target, cancellation).ConfigureAwait(false);
        return new ManagerClient(target, connection, _connector.ShellFor(target));
    }
}

/// <summary>What one host returned, or why it could not.</summary>
public sealed record HostResult<T>(ManagerTarget Target, T? Value, UnitError? Error);
