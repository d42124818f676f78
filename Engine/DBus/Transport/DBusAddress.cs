using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Units.DBus;

/// <summary>One entry of a D-Bus address ("unix:path=/run/x,guid=…"): transport name and key/value
/// pairs with %xx escapes decoded. A full address is several entries separated by ';', tried in order.</summary>
public sealed class DBusAddress
{
    private DBusAddress(string transport, IReadOnlyDictionary<string, string> properties)
    {
        Transport = transport;
        Properties = properties;
    }

    /// <summary>"unix", "unixexec", ...</summary>
    public string Transport { get; }

    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>The server's expected guid, if the address names one.</summary>
    public string? Guid => Properties.TryGetValue("guid", out string? guid) ? guid : null;

    /// <summary>Parses a whole address. Throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static IReadOnlyList<DBusAddress> Parse(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var entries = new List<DBusAddress>();
        foreach (string entry in address.Split(';'))
        {
            if (entry.Length == 0)
                continue;
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new FormatException($"D-Bus address entry '{entry}' has no transport name");
            var properties = new Dictionary<string, string>(StringComparer.Ordinal);
            string rest = entry[(colon + 1)..];
            if (rest.Length > 0)
            {
                foreach (string pair in rest.Split(','))
                {
                    int equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                        throw new FormatException($"D-Bus address entry '{entry}': '{pair}' is not key=value");
                    string key = pair[..equals];
                    if (!properties.TryAdd(key, Unescape(pair[(equals + 1)..], entry)))
                        throw new FormatException($"D-Bus address entry '{entry}' repeats key '{key}'");
                }
            }
            entries.Add(new DBusAddress(entry[..colon], properties));
        }
        if (entries.Count == 0)
            throw new FormatException("empty D-Bus address");
        return entries;
    }

    /// <summary>Escapes a value the way address writers do (everything but [-0-9A-Za-z_/.\*] as %xx).</summary>
    public static string Escape(string value)
    {
        var text = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '\\' or '*')
                text.Append(c);
            else
                text.Append('%').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>The session bus address ($DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus).</summary>
    public static string? SessionBusAddress()
    {
        string? address = Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
        if (!string.IsNullOrEmpty(address))
            return address;
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(runtime) ? null : "unix:path=" + Escape(Path.Combine(runtime, "bus"));
    }

    /// <summary>The system bus address ($DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket).</summary>
    public static string SystemBusAddress()
    {
        string? address = Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS");
        return string.IsNullOrEmpty(address) ? "unix:path=/run/dbus/system_bus_socket" : address;
    }

    /// <summary>The socket endpoint of a unix: entry (path= or abstract=).</summary>
    internal UnixDomainSocketEndPoint GetUnixEndPoint()
    {
        if (Transport != "unix")
            throw new DBusException(DBusErrors.BadAddress, $"transport '{Transport}' is not a UNIX socket");
        if (Properties.TryGetValue("path", out string? path))
            return new UnixDomainSocketEndPoint(path);
        if (Properties.TryGetValue("abstract", out string? name))
            return new UnixDomainSocketEndPoint("\0" + name);
        throw new DBusException(DBusErrors.BadAddress, "unix: address needs path= or abstract=");
    }

    internal async Task<Transport> ConnectAsync(CancellationToken cancellationToken)
    {
        switch (Transport)
        {
            case "unix":
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(GetUnixEndPoint(), cancellationToken).ConfigureAwait(false);
                        return new SocketTransport(socket);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                }
            case "unixexec":
                return StartProcess();
            default:
                throw new DBusException(DBusErrors.NotSupported, $"unsupported D-Bus transport '{Transport}'");
        }
    }

    // unixexec:path=ssh,argv1=-xT,argv2=host,argv3=systemd-stdio-bridge: talk over the child's stdio.
    private StreamTransport StartProcess()
    {
        if (!Properties.TryGetValue("path", out string? program))
            throw new DBusException(DBusErrors.BadAddress, "unixexec: address needs path=");
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        for (int i = 1; Properties.TryGetValue("argv" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), out string? argument); i++)
            start.ArgumentList.Add(argument);
        Process process = Process.Start(start) ?? throw new DBusException(DBusErrors.NoServer, $"cannot start '{program}'");
        return new StreamTransport(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, new ProcessOwner(process));
    }

    private sealed class ProcessOwner(Process process) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (!process.HasExited)
                    process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
            process.Dispose();
        }
    }

    private static string Unescape(string value, string entry)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
            return value;
        var bytes = new List<byte>(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
                continue;
            }
            if (i + 2 >= value.Length || !IsHex(value[i + 1]) || !IsHex(value[i + 2]))
                throw new FormatException($"D-Bus address entry '{entry}' has a bad %-escape");
            bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
            i += 2;
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
