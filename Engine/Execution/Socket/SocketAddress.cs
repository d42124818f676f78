using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Units.Execution.Socket;

/// <summary>
/// The address of one ListenStream=/ListenDatagram=/ListenSequentialPacket= as systemd 252 parses it
/// (socket_address_parse): "/path" (AF_UNIX), "@name" (abstract AF_UNIX), "[v6]:port", "v4:port", or a bare port,
/// which binds the IPv6 wildcard (both families unless BindIPv6Only= says otherwise) when the host has IPv6.
/// </summary>
public sealed class SocketAddress
{
    private SocketAddress(AddressFamily family, byte[] sockaddr, string text, string? path)
    {
        Family = family;
        Sockaddr = sockaddr;
        Text = text;
        Path = path;
    }

    public AddressFamily Family { get; }

    /// <summary>Linux's AF_* number of <see cref="Family"/> (.NET's numbers are Windows's: AF_INET6 is 23 there).</summary>
    public int NativeFamily => Family switch
    {
        AddressFamily.Unix => 1,
        AddressFamily.InterNetwork => 2,
        _ => 10,
    };

    /// <summary>The struct sockaddr bytes bind() takes, with the length it takes.</summary>
    public byte[] Sockaddr { get; }

    /// <summary>How systemd prints it (Listen=, list-sockets): "[::]:80", "127.0.0.1:80", "/run/x.sock", "@name".</summary>
    public string Text { get; }

    /// <summary>The file-system path of an AF_UNIX socket; null for abstract and IP sockets.</summary>
    public string? Path { get; }

    public bool IsInet => Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;

    public override string ToString() => Text;

    private const int UnixPathMax = 108;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static SocketAddress Parse(string text, bool ipv6Supported)
    {
        if (text.StartsWith('/'))
        {
            byte[] path = Encoding.UTF8.GetBytes(text);
            if (path.Length >= UnixPathMax)
                throw new FormatException($"Socket path '{text}' is too long (at most {UnixPathMax - 1} bytes).");
            return new SocketAddress(AddressFamily.Unix, Unix(path, abstractName: false), text, text);
        }
        if (text.StartsWith('@'))
        {
            byte[] name = Encoding.UTF8.GetBytes(text[1..]);
            if (name.Length + 1 > UnixPathMax)
                throw new FormatException($"Abstract socket name '{text}' is too long.");
            return new SocketAddress(AddressFamily.Unix, Unix(name, abstractName: true), text, null);
        }
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':'
                || !IPAddress.TryParse(text[1..close], out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                throw new FormatException($"Failed to parse address value '{text}': expected [IPv6]:port.");
            return Inet(v6, Port(text[(close + 2)..], text));
        }
        int colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!IPAddress.TryParse(text[..colon], out IPAddress? v4) || v4.AddressFamily != AddressFamily.InterNetwork)
                throw new FormatException($"Failed to parse address value '{text}': expected IPv4:port.");
            return Inet(v4, Port(text[(colon + 1)..], text));
        }
        ushort port = Port(text, text);
        return Inet(ipv6Supported ? IPAddress.IPv6Any : IPAddress.Any, port);
    }

    /// <summary>Whether the host has IPv6 (systemd's socket_ipv6_is_supported).</summary>
    public static bool HostSupportsIPv6() => Directory.Exists("/proc/net") && File.Exists("/proc/net/if_inet6");

    private static ushort Port(string text, string whole)
    {
        if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
            throw new FormatException($"Failed to parse address value '{whole}': invalid port '{text}'.");
        return port;
    }

    private static byte[] Unix(byte[] path, bool abstractName)
    {
        // sa_family, then sun_path: a NUL-terminated path, or a NUL and the abstract name (its length counts).
        int offset = abstractName ? 3 : 2;
        var bytes = new byte[offset + path.Length + (abstractName ? 0 : 1)];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)AddressFamily.Unix);
        path.CopyTo(bytes, offset);
        return bytes;
    }

    private static SocketAddress Inet(IPAddress address, ushort port)
    {
        byte[] bytes;
        string text;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, 2);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), port);
            address.GetAddressBytes().CopyTo(bytes, 4);
            text = address + ":" + port.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            bytes = new byte[28];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, 10);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), port);
            address.GetAddressBytes().CopyTo(bytes, 8);
            text = "[" + address + "]:" + port.ToString(CultureInfo.InvariantCulture);
        }
        return new SocketAddress(address.AddressFamily, bytes, text, null);
    }

    /// <summary>
    /// The instance name of the service for one accepted connection (systemd's instance_from_socket):
    /// "N-LOCAL-REMOTE" with "a.b.c.d:port" for IPv4 (and IPv4-mapped IPv6), "[v6]:port" otherwise, or for AF_UNIX
    /// "N-PID-UID" of the peer ("N-unknown" when the peer is in another namespace).
    /// </summary>
    public static string InstanceName(uint number, ReadOnlySpan<byte> local, ReadOnlySpan<byte> remote, (int Pid, uint Uid)? peer)
    {
        string n = number.ToString(CultureInfo.InvariantCulture);
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(local);
        if (family == 2)
            return $"{n}-{V4(local[4..8])}:{BinaryPrimitives.ReadUInt16BigEndian(local[2..])}-{V4(remote[4..8])}:{BinaryPrimitives.ReadUInt16BigEndian(remote[2..])}";
        if (family == 10)
        {
            ReadOnlySpan<byte> a = local.Slice(8, 16), b = remote.Slice(8, 16);
            ushort localPort = BinaryPrimitives.ReadUInt16BigEndian(local[2..]), remotePort = BinaryPrimitives.ReadUInt16BigEndian(remote[2..]);
            if (IsV4Mapped(a) && IsV4Mapped(b))
                return $"{n}-{V4(a[12..])}:{localPort}-{V4(b[12..])}:{remotePort}";
            return $"{n}-{new IPAddress(a)}:{localPort}-{new IPAddress(b)}:{remotePort}";
        }
        return peer is { } p ? $"{n}-{p.Pid}-{p.Uid}" : $"{n}-unknown";
    }

    /// <summary>The peer as systemd's getpeername_pretty prints it for a connection's description: "a.b.c.d:port",
    /// "[v6]:port", or for AF_UNIX "PID=n UID=n"; null when unknown.</summary>
    public static string? PeerText(ReadOnlySpan<byte> remote, (int Pid, uint Uid)? peer)
    {
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(remote);
        ushort port = family is 2 or 10 ? BinaryPrimitives.ReadUInt16BigEndian(remote[2..]) : (ushort)0;
        return family switch
        {
            2 => $"{V4(remote[4..8])}:{port}",
            10 when IsV4Mapped(remote.Slice(8, 16)) => $"{V4(remote.Slice(20, 4))}:{port}",
            10 => $"[{new IPAddress(remote.Slice(8, 16))}]:{port}",
            1 when peer is { } p => $"PID {p.Pid}/UID {p.Uid}",
            _ => null,
        };
    }

    /// <summary>$REMOTE_ADDR and $REMOTE_PORT of a connection's service (IP peers only; IPv4-mapped addresses as
    /// IPv4), as systemd's service_spawn sets them.</summary>
    public static IEnumerable<string> RemoteEnvironment(ReadOnlySpan<byte> remote)
    {
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(remote);
        if (family is not (2 or 10))
            return [];
        string address = family == 2 ? V4(remote[4..8])
            : IsV4Mapped(remote.Slice(8, 16)) ? V4(remote.Slice(20, 4)) : new IPAddress(remote.Slice(8, 16)).ToString();
        return ["REMOTE_ADDR=" + address, "REMOTE_PORT=" + BinaryPrimitives.ReadUInt16BigEndian(remote[2..]).ToString(CultureInfo.InvariantCulture)];
    }

    private static bool IsV4Mapped(ReadOnlySpan<byte> v6) =>
        v6[..10].IndexOfAnyExcept((byte)0) < 0 && v6[10] == 0xFF && v6[11] == 0xFF;

    private static string V4(ReadOnlySpan<byte> a) => $"{a[0]}.{a[1]}.{a[2]}.{a[3]}";
}
