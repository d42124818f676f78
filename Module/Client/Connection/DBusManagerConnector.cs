using Units.DBus;

namespace Units.Client.Connection;

/// <summary>
/// Connects to managers over D-Bus (Units.DBus): the endpoints of <see cref="ManagerEndpoints"/>
/// in order, the first that answers wins, as systemctl falls back from the private socket to
/// the bus. Remote hosts are reached through ssh's stdio (unixexec), with
/// <paramref name="sshOptions"/> (e.g. "-F", an ssh config file) before the host.
/// </summary>
public sealed class DBusManagerConnector(IReadOnlyList<string>? sshOptions = null) : IManagerConnector
{
    private readonly IHostShell _local = new LocalShell();

    /// <inheritdoc/>
    public async Task<IManagerConnection> ConnectAsync(ManagerTarget target, CancellationToken cancellation)
    {
        var endpoints = ManagerEndpoints.Resolve(target, Environment.GetEnvironmentVariable, geteuid(), sshOptions);
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            DBusConnection connection;
            try
            {
                connection = await DBusConnection.ConnectAsync(endpoint.Address, cancellationToken: cancellation).ConfigureAwait(false);
            }
            catch (DBusException exception)
            {
                failures.Add($"{endpoint.Address}: {exception.Message}");
                continue;
            }
            try
            {
                if (endpoint.IsMessageBus)
                {
                    await SayHelloAsync(connection, cancellation).ConfigureAwait(false);
                }
                return await DBusManagerConnection.StartAsync(connection, target, cancellation).ConfigureAwait(false);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        throw new UnitOperationException(new UnitError(
            "ManagerUnreachable", UnitErrorCategory.ConnectionError,
            $"Cannot connect to the {target.Scope.ToString().ToLowerInvariant()} manager on {target.ComputerName} ({(failures.Count == 0 ? "no address to try" : string.Join("; ", failures))}).",
            target.ComputerName));
    }

    // A bus answers Hello. A manager's private socket reached through a bridge (systemd-stdio-bridge
    // --bus-path=unix:path=.../systemd/private) does not: it is then used as the direct connection it is.
    private static async Task SayHelloAsync(DBusConnection connection, CancellationToken cancellation)
    {
        try
        {
            await connection.HelloAsync(cancellation).ConfigureAwait(false);
        }
        catch (DBusException exception) when (exception.ErrorName is DBusErrors.UnknownObject or DBusErrors.UnknownMethod or DBusErrors.UnknownInterface)
        {
        }
    }

    /// <inheritdoc/>
    public IHostShell ShellFor(ManagerTarget target) => target.HostName is { } host ? new SshShell(host, _local, sshOptions) : _local;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();
}
