using System.Globalization;
using System.Text;

namespace Units.Client.Connection;

/// <summary>
/// Which manager to talk to: the local one (system or user scope), one at an explicit D-Bus
/// address, or one on a remote host reached over ssh.
/// </summary>
public sealed record ManagerTarget(ManagerScope Scope, string? HostName = null, string? Address = null)
{
    /// <summary>The name objects from this manager carry as ComputerName.</summary>
    public string ComputerName => HostName ?? "localhost";

    /// <summary>The local system manager.</summary>
    public static ManagerTarget LocalSystem { get; } = new(ManagerScope.System);
}

/// <summary>One way to reach a manager: a D-Bus address, and whether a message bus sits in between.</summary>
/// <param name="Address">A D-Bus address: unix:path=..., or unixexec:path=ssh,... for remote hosts.</param>
/// <param name="IsMessageBus">True for a bus (Hello, destination org.freedesktop.systemd1, Subscribe for signals); false for the manager's private socket.</param>
public sealed record ManagerEndpoint(string Address, bool IsMessageBus);

/// <summary>
/// The endpoints to try, in order, exactly as systemctl 252 chooses them (acquire_bus →
/// bus_connect_transport_systemd): system scope as root tries the private socket
/// /run/systemd/private, then the system bus; as another user only the system bus; user scope
/// tries $XDG_RUNTIME_DIR/systemd/private, then the session bus; a remote host goes through
/// "ssh -xT host systemd-stdio-bridge" to its system bus.
/// </summary>
public static class ManagerEndpoints
{
    /// <summary>The system manager's private socket.</summary>
    public const string SystemPrivateSocket = "/run/systemd/private";

    /// <summary>The system bus socket when DBUS_SYSTEM_BUS_ADDRESS is unset.</summary>
    public const string SystemBusSocket = "/run/dbus/system_bus_socket";

    /// <summary>
    /// Resolves the endpoints for a target given the environment and the effective uid;
    /// <paramref name="sshOptions"/> go to ssh for remote hosts (e.g. "-F", a config file).
    /// </summary>
    public static IReadOnlyList<ManagerEndpoint> Resolve(ManagerTarget target, Func<string, string?> environment, uint effectiveUid, IReadOnlyList<string>? sshOptions = null)
    {
        if (target.Address is { Length: > 0 } address)
        {
            return [new ManagerEndpoint(address, IsMessageBus: !IsPrivateSocketAddress(address))];
        }
        if (target.HostName is { Length: > 0 } host)
        {
            return [new ManagerEndpoint(SshAddress(host, target.Scope, sshOptions), IsMessageBus: true)];
        }
        if (target.Scope == ManagerScope.User)
        {
            var runtimeDirectory = environment("XDG_RUNTIME_DIR");
            var endpoints = new List<ManagerEndpoint>();
            if (!string.IsNullOrEmpty(runtimeDirectory))
            {
                endpoints.Add(new ManagerEndpoint(UnixPath(runtimeDirectory.TrimEnd('/') + "/systemd/private"), IsMessageBus: false));
            }
            if (SessionBusAddress(environment) is { } sessionBus)
            {
                endpoints.Add(new ManagerEndpoint(sessionBus, IsMessageBus: true));
            }
            return endpoints;
        }
        var systemBus = new ManagerEndpoint(environment("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } bus ? bus : UnixPath(SystemBusSocket), IsMessageBus: true);
        return effectiveUid == 0 ? [new ManagerEndpoint(UnixPath(SystemPrivateSocket), IsMessageBus: false), systemBus] : [systemBus];
    }

    /// <summary>The address systemctl -H uses: a unixexec transport running ssh.</summary>
    public static string SshAddress(string host, ManagerScope scope, IReadOnlyList<string>? sshOptions = null)
    {
        // As systemctl -H does: a ":port" suffix becomes ssh's -p; "user@" stays for ssh.
        var arguments = SshArguments(host, sshOptions);
        arguments.Add("systemd-stdio-bridge");
        if (scope == ManagerScope.User)
        {
            arguments.Add("--user");
        }
        var builder = new StringBuilder("unixexec:path=ssh");
        for (var i = 0; i < arguments.Count; i++)
        {
            builder.Append(",argv").Append(i + 1).Append('=').Append(EscapeValue(arguments[i]));
        }
        return builder.ToString();
    }

    /// <summary>
    /// ssh's arguments up to the host: "-xT", the caller's options, a ":port" suffix as
    /// "-p port" (as systemctl -H splits it; "user@" stays for ssh), "--", the host.
    /// </summary>
    public static List<string> SshArguments(string host, IReadOnlyList<string>? sshOptions = null)
    {
        var arguments = new List<string> { "-xT" };
        arguments.AddRange(sshOptions ?? []);
        var colon = host.LastIndexOf(':');
        if (colon > 0 && !host.Contains(']', StringComparison.Ordinal) && int.TryParse(host[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            arguments.Add("-p");
            arguments.Add(port.ToString(CultureInfo.InvariantCulture));
            host = host[..colon];
        }
        arguments.Add("--");
        arguments.Add(host);
        return arguments;
    }

    /// <summary>unix:path=... with the path escaped as a D-Bus address value.</summary>
    public static string UnixPath(string path) => "unix:path=" + EscapeValue(path);

    /// <summary>
    /// Escapes a D-Bus address value: bytes outside [-0-9A-Za-z_/.\*] become %xx (the D-Bus
    /// specification's "optionally escaped" set).
    /// </summary>
    public static string EscapeValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '\\' or '*')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static string? SessionBusAddress(Func<string, string?> environment)
    {
        if (environment("DBUS_SESSION_BUS_ADDRESS") is { Length: > 0 } address)
        {
            return address;
        }
        var runtimeDirectory = environment("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(runtimeDirectory) ? null : UnixPath(runtimeDirectory.TrimEnd('/') + "/bus");
    }

    // An explicit address pointing at a manager's private socket needs no Hello; anything else is a bus.
    private static bool IsPrivateSocketAddress(string address) =>
        address.StartsWith("unix:path=", StringComparison.Ordinal) && address.EndsWith("/systemd/private", StringComparison.Ordinal);
}
