using Units.Api;
using Units.Core.Manager;
using Units.DBus;

namespace Units.Daemon.Host;

/// <summary>
/// The manager on a message bus, as systemd's bus_init_api: the system instance on the system bus, a user
/// instance on its session bus ($DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus). unitsd connects when the
/// bus is there at start-up and again whenever dbus.service becomes active (systemd rechecks the bus then), owns
/// org.freedesktop.systemd1 there, serves the same object tree as on the private socket and watches the services'
/// BusName= there. If another
/// connection owns the name, the manager stays off the bus and says so.
/// </summary>
internal sealed class ApiBus(string address, ObjectTree objects, ManagerApi api, BusNameWatcher busNames, UnitManager manager, ICoreLog log)
    : IDisposable
{
    public const string Name = "org.freedesktop.systemd1";
    private const uint DoNotQueue = 4;
    private const uint PrimaryOwner = 1;

    // Touched only on the manager loop.
    private DBusConnection? _connection;
    private bool _connecting;

    /// <summary>The bus a manager of this scope uses, as sd_bus_open_system / sd_bus_open_user find it.</summary>
    public static string Address(bool user, string runtimeDirectory, Func<string, string?> getenv)
    {
        if (!user)
            return getenv("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } system ? system : "unix:path=/run/dbus/system_bus_socket";
        return getenv("DBUS_SESSION_BUS_ADDRESS") is { Length: > 0 } session
            ? session
            : "unix:path=" + DBusAddress.Escape(Path.Combine(runtimeDirectory, "bus"));
    }

    /// <summary>Connects unless connected or connecting (on the manager loop; the connection is made elsewhere).</summary>
    public void Connect()
    {
        if (_connection is not null || _connecting)
            return;
        _connecting = true;
        _ = Task.Run(ConnectAsync);
    }

    private async Task ConnectAsync()
    {
        DBusConnection? bus = null;
        try
        {
            bus = await DBusConnection.ConnectBusAsync(address, new DBusConnectionOptions { Objects = objects }).ConfigureAwait(false);
            // Every client that leaves: NameOwnerChanged(name, old, "") — a subscriber among them stops counting.
            var gone = new MatchRule { Sender = "org.freedesktop.DBus", Interface = "org.freedesktop.DBus", Member = "NameOwnerChanged", Path = "/org/freedesktop/DBus" }.WithArg(2, "");
            await bus.AddMatchAsync(gone, message =>
            {
                string name = message.GetBodyReader().ReadString();
                manager.Post(() => api.BusNameGone(name));
            }).ConfigureAwait(false);
            uint reply = await bus.RequestNameAsync(Name, DoNotQueue).ConfigureAwait(false);
            if (reply != PrimaryOwner)
            {
                log.Write(LogPriority.Warning, null, $"{Name} is already owned on the bus at {address}, not serving the API there.");
                bus.Dispose();
                manager.Post(() => _connecting = false);
                return;
            }
        }
        catch (Exception e) when (e is DBusException or ArgumentException)
        {
            bus?.Dispose();
            log.Write(LogPriority.Debug, null, $"Failed to connect to the API bus at {address}: {e.Message}");
            manager.Post(() => _connecting = false);
            return;
        }
        DBusConnection connected = bus;
        manager.Post(() =>
        {
            _connecting = false;
            _connection = connected;
            api.AttachBus(connected);
            busNames.Attach(connected);
            log.Write(LogPriority.Info, null, $"Serving {Name} on the bus at {address} as {connected.UniqueName}.");
        });
        _ = connected.Closed.ContinueWith(_ => manager.Post(() =>
        {
            if (_connection != connected)
                return;
            _connection = null;
            api.DetachBus(connected);
            busNames.Detach(connected);
            log.Write(LogPriority.Info, null, $"Lost the bus at {address}.");
        }), TaskScheduler.Default);
    }

    public void Dispose() => _connection?.Dispose();
}
