namespace Units.Client.Connection;

/// <summary>
/// Connects to managers over D-Bus (Units.DBus): the endpoints of <see cref="ManagerEndpoints"/>
/// in order, the first that answers wins, as systemctl falls back from the private socket to the bus.
/// </summary>
public sealed class DBusManagerConnector : IManagerConnector
{
    private readonly IHostShell _local = new LocalShell();

    /// <inheritdoc/>
    public Task<IManagerConnection> ConnectAsync(ManagerTarget target, CancellationToken cancellation)
    {
        var endpoints = ManagerEndpoints.Resolve(target, Environment.GetEnvironmentVariable, EffectiveUid());
        // Units.DBus does not offer a client connection yet (Engine/DBus is being written); until
        // it does, every connection attempt reports which endpoints it would have tried.
        return Task.FromException<IManagerConnection>(new UnitOperationException(new UnitError(
            "ManagerUnreachable", UnitErrorCategory.ConnectionError,
            $"Cannot connect to the {target.Scope.ToString().ToLowerInvariant()} manager on {target.ComputerName}: the D-Bus client transport is not available in this build (tried: {string.Join("; ", endpoints.Select(endpoint => endpoint.Address))}).",
            target.ComputerName)));
    }

    /// <inheritdoc/>
    public IHostShell ShellFor(ManagerTarget target) => target.HostName is { } host ? new SshShell(host, _local) : _local;

    private static uint EffectiveUid() => geteuid();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();
}
