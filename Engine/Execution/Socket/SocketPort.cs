using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Units.Execution.Native;

namespace Units.Execution.Socket;

/// <summary>Opening a port failed: what and where, with the errno text.</summary>
public sealed class SocketPortException(string message) : Exception(message);

/// <summary>
/// One Listen…= of a socket unit while the manager holds it (systemd's SocketPort): the socket, FIFO or special file
/// opened non-blocking and close-on-exec, with the unit's options applied as systemd 252 applies them.
/// </summary>
public sealed unsafe class SocketPort
{
    private readonly SocketAddress? _address;

    public SocketPort(SocketPortSpec spec, bool ipv6Supported)
    {
        Spec = spec;
        if (spec.IsSocket)
            _address = SocketAddress.Parse(spec.Address, ipv6Supported);
    }

    public SocketPortSpec Spec { get; }

    /// <summary>The descriptor while open; -1 otherwise.</summary>
    public int Fd { get; private set; } = -1;

    public bool IsOpen => Fd >= 0;

    /// <summary>Listen= shows the parsed address ("[::]:80" for "80") for sockets, the path as written otherwise.</summary>
    public string DisplayAddress => _address?.Text ?? Spec.Address;

    /// <summary>Accept=yes accepts on stream and sequential-packet sockets only (socket_address_can_accept).</summary>
    public bool CanAccept => Spec.Type is SocketPortType.Stream or SocketPortType.SequentialPacket;

    /// <summary>The file a Symlinks= points to: an AF_UNIX path or a FIFO.</summary>
    public string? FilePath => Spec.Type == SocketPortType.Fifo ? Spec.Address : _address?.Path;

    /// <summary>Parses every Listen…= of <paramref name="specs"/>; throws <see cref="FormatException"/> for a bad one.</summary>
    public static List<SocketPort> All(IReadOnlyList<SocketPortSpec> specs)
    {
        bool ipv6 = SocketAddress.HostSupportsIPv6();
        return specs.Select(s => new SocketPort(s, ipv6)).ToList();
    }

    /// <summary>Opens the port; throws <see cref="SocketPortException"/>. Warnings (options the kernel refused) go to
    /// <paramref name="warn"/>.</summary>
    public void Open(SocketSettings settings, Action<string> warn)
    {
        Fd = Spec.Type switch
        {
            SocketPortType.Stream or SocketPortType.Datagram or SocketPortType.SequentialPacket => Listen(settings, warn),
            SocketPortType.Fifo => Fifo(settings),
            SocketPortType.Special => Special(settings.Writable),
            _ => throw new SocketPortException($"Listen{Spec.TypeName}= is not supported yet ({Spec.Address})."),
        };
    }

    private int Listen(SocketSettings settings, Action<string> warn)
    {
        SocketAddress address = _address!;
        int type = Spec.Type switch
        {
            SocketPortType.Datagram => Libc.SOCK_DGRAM,
            SocketPortType.SequentialPacket => Libc.SOCK_SEQPACKET,
            _ => Libc.SOCK_STREAM,
        };
        int fd = Libc.socket(address.NativeFamily, type | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw Error($"Failed to create socket for {address}");
        try
        {
            bool v6 = address.Family == AddressFamily.InterNetworkV6;
            if (v6 && settings.BindIPv6Only != BindIPv6Only.Default
                && Libc.SetInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, settings.BindIPv6Only == BindIPv6Only.IPv6Only ? 1 : 0) < 0)
                throw Error($"IPV6_V6ONLY on {address}");
            if (address.IsInet)
            {
                if (settings.BindToDevice is { } device)
                {
                    byte[] name = Encoding.UTF8.GetBytes(device + "\0");
                    fixed (byte* p = name)
                        if (Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, p, name.Length) < 0)
                            throw Error($"Failed to bind {address} to device {device}");
                }
                Option(fd, settings.ReusePort, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, "SO_REUSEPORT", warn);
                Option(fd, settings.FreeBind, v6 ? Libc.IPPROTO_IPV6 : Libc.IPPROTO_IP, v6 ? Libc.IPV6_FREEBIND : Libc.IP_FREEBIND,
                    "IP_FREEBIND/IPV6_FREEBIND", warn);
                Option(fd, settings.Transparent, v6 ? Libc.IPPROTO_IPV6 : Libc.IPPROTO_IP, v6 ? Libc.IPV6_TRANSPARENT : Libc.IP_TRANSPARENT,
                    "IP_TRANSPARENT/IPV6_TRANSPARENT", warn);
            }
            if (Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1) < 0)
                throw Error($"SO_REUSEADDR on {address}");
            if (address.Path is { } path)
            {
                MakeParents(path, settings.DirectoryMode);
                if (Bind(fd, address) != 0)
                {
                    // A socket file left behind by an earlier run: remove it and bind again, as systemd does.
                    if (Marshal.GetLastPInvokeError() != Libc.EADDRINUSE || Libc.unlink(path) < 0 || Bind(fd, address) != 0)
                        throw Error($"Failed to bind {address}");
                }
                // systemd binds under umask ~SocketMode=; the umask is the whole process's, so the mode is set after.
                Libc.chmod(path, settings.SocketMode);
            }
            else if (Bind(fd, address) != 0)
            {
                throw Error($"Failed to bind {address}");
            }
            if (CanAccept && Libc.listen(fd, (int)Math.Min(settings.Backlog, int.MaxValue)) < 0)
                throw Error($"Failed to listen on {address}");
            ApplyOptions(fd, settings, warn);
            return fd;
        }
        catch
        {
            Libc.close(fd);
            throw;
        }
    }

    private static int Bind(int fd, SocketAddress address)
    {
        fixed (byte* sockaddr = address.Sockaddr)
            return Libc.bind(fd, sockaddr, address.Sockaddr.Length);
    }

    /// <summary>The options systemd applies to listening and accepted sockets alike (socket_apply_socket_options).</summary>
    public static void ApplyOptions(int fd, SocketSettings settings, Action<string> warn)
    {
        Option(fd, settings.KeepAlive, Libc.SOL_SOCKET, Libc.SO_KEEPALIVE, "SO_KEEPALIVE", warn);
        Option(fd, settings.NoDelay, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, "TCP_NODELAY", warn);
        Option(fd, settings.Broadcast, Libc.SOL_SOCKET, Libc.SO_BROADCAST, "SO_BROADCAST", warn);
        Option(fd, settings.PassCredentials, Libc.SOL_SOCKET, Libc.SO_PASSCRED, "SO_PASSCRED", warn);
        Option(fd, settings.PassSecurity, Libc.SOL_SOCKET, Libc.SO_PASSSEC, "SO_PASSSEC", warn);
        Buffer(fd, settings.ReceiveBuffer, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, "SO_RCVBUF/SO_RCVBUFFORCE", warn);
        Buffer(fd, settings.SendBuffer, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, "SO_SNDBUF/SO_SNDBUFFORCE", warn);
    }

    private static void Option(int fd, bool enabled, int level, int name, string what, Action<string> warn)
    {
        if (enabled && Libc.SetInt(fd, level, name, 1) < 0)
            warn($"{what} failed: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>The privileged *FORCE option first (it may exceed the system's maximum), then the ordinary one.</summary>
    private static void Buffer(int fd, ulong bytes, int force, int plain, string what, Action<string> warn)
    {
        if (bytes == 0)
            return;
        int value = (int)Math.Min(bytes, int.MaxValue / 2);
        if (Libc.SetInt(fd, Libc.SOL_SOCKET, force, value) < 0 && Libc.SetInt(fd, Libc.SOL_SOCKET, plain, value) < 0)
            warn($"{what} failed: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
    }

    private int Fifo(SocketSettings settings)
    {
        string path = Spec.Address;
        MakeParents(path, settings.DirectoryMode);
        if (Libc.mkfifo(path, settings.SocketMode) < 0 && Marshal.GetLastPInvokeError() != Libc.EEXIST)
            throw Error($"Failed to open FIFO {path}");
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_NOFOLLOW, 0);
        if (fd < 0)
            throw Error($"Failed to open FIFO {path}");
        if ((Libc.FileMode(path) & Libc.S_IFMT) != Libc.S_IFIFO)
        {
            Libc.close(fd);
            throw new SocketPortException($"Failed to open FIFO {path}: File exists (and is not a FIFO)");
        }
        Libc.chmod(path, settings.SocketMode);
        return fd;
    }

    private int Special(bool writable)
    {
        string path = Spec.Address;
        int fd = Libc.open(path, (writable ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_CLOEXEC | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_NOFOLLOW, 0);
        if (fd < 0)
            throw Error($"Failed to open special file {path}");
        // Only /proc, /sys and /dev files: regular files and character devices.
        if ((Libc.FileMode(path) & Libc.S_IFMT) is not (Libc.S_IFREG or Libc.S_IFCHR))
        {
            Libc.close(fd);
            throw new SocketPortException($"Failed to open special file {path}: File exists (and is neither a regular file nor a character device)");
        }
        return fd;
    }

    /// <summary>Creates the missing parent directories of <paramref name="path"/> with DirectoryMode=.</summary>
    internal static void MakeParents(string path, uint mode)
    {
        var missing = new Stack<string>();
        for (string? parent = System.IO.Path.GetDirectoryName(path); parent is not null && !Directory.Exists(parent);
             parent = System.IO.Path.GetDirectoryName(parent))
            missing.Push(parent);
        while (missing.TryPop(out string? directory))
        {
            Directory.CreateDirectory(directory);
            Libc.chmod(directory, mode);
        }
    }

    /// <summary>Closes the port; with RemoveOnStop= also removes its socket file or FIFO.</summary>
    public void Close(bool removeFiles)
    {
        if (Fd < 0)
            return;
        Libc.close(Fd);
        Fd = -1;
        if (removeFiles && FilePath is { } path)
            Libc.unlink(path);
    }

    /// <summary>Takes one connection off a listening stream socket: the new descriptor (non-blocking, close-on-exec),
    /// or -1 when there was none after all (a spurious wake-up); throws when accept() fails otherwise.</summary>
    public int Accept()
    {
        int fd = Libc.accept4(Fd, null, null, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        int error = Marshal.GetLastPInvokeError();
        // systemd's ERRNO_IS_ACCEPT_AGAIN: transient network errors are retried at the next wake-up.
        if (error is Libc.EAGAIN or Libc.EINTR or 103 /* ECONNABORTED */ or 71 /* EPROTO */ or 100 /* ENETDOWN */
            or 92 /* ENOPROTOOPT */ or 112 /* EHOSTDOWN */ or 64 /* ENONET */ or 113 /* EHOSTUNREACH */
            or 95 /* EOPNOTSUPP */ or 101 /* ENETUNREACH */)
            return -1;
        throw new SocketPortException($"Failed to accept connection socket: {Libc.ErrorText(error)}");
    }

    private SocketPortException Error(string what) =>
        new($"{what}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
}
