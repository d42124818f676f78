using Units.Execution.Cgroups;
using Units.Execution.Service;

namespace Units.Execution.Socket;

/// <summary>The kind of one Listen…= line (systemd's SocketType and, for sockets, the address's type).</summary>
public enum SocketPortType
{
    Stream,
    Datagram,
    SequentialPacket,
    Fifo,
    Special,
    Netlink,
    MessageQueue,
    UsbFunction,
}

/// <summary>One Listen…= as written: its kind and address text (parsed when the socket opens).</summary>
public sealed record SocketPortSpec(SocketPortType Type, string Address)
{
    public bool IsSocket => Type is SocketPortType.Stream or SocketPortType.Datagram or SocketPortType.SequentialPacket;

    /// <summary>The name Listen= and list-sockets show for the kind ("Stream", "FIFO"...).</summary>
    public string TypeName => Type switch
    {
        SocketPortType.Datagram => "Datagram",
        SocketPortType.SequentialPacket => "SequentialPacket",
        SocketPortType.Fifo => "FIFO",
        SocketPortType.Special => "Special",
        SocketPortType.Netlink => "Netlink",
        SocketPortType.MessageQueue => "MessageQueue",
        SocketPortType.UsbFunction => "USBFunction",
        _ => "Stream",
    };
}

/// <summary>BindIPv6Only=.</summary>
public enum BindIPv6Only
{
    Default,
    Both,
    IPv6Only,
}

/// <summary>What a socket unit's file says, as the execution layer uses it (systemd.socket(5)); the unit-file
/// loader maps into it.</summary>
public sealed class SocketSettings
{
    public IReadOnlyList<SocketPortSpec> Ports { get; init; } = [];
    public bool Accept { get; init; }

    /// <summary>Service=; null: the service of the socket's own name (a template instance per connection with Accept=yes).</summary>
    public string? Service { get; init; }

    public BindIPv6Only BindIPv6Only { get; init; }
    public uint Backlog { get; init; } = 4096;
    public string? BindToDevice { get; init; }
    public string? SocketUser { get; init; }
    public string? SocketGroup { get; init; }
    public uint SocketMode { get; init; } = 0x1B6;
    public uint DirectoryMode { get; init; } = 0x1ED;
    public bool PassCredentials { get; init; }
    public bool PassSecurity { get; init; }
    public bool KeepAlive { get; init; }
    public bool NoDelay { get; init; }
    public bool Broadcast { get; init; }
    public bool ReusePort { get; init; }
    public bool FreeBind { get; init; }
    public bool Transparent { get; init; }

    /// <summary>Writable= of ListenSpecial=: open read-write instead of read-only.</summary>
    public bool Writable { get; init; }

    /// <summary>ReceiveBuffer=/SendBuffer= in bytes; 0: the kernel's default.</summary>
    public ulong ReceiveBuffer { get; init; }
    public ulong SendBuffer { get; init; }

    public bool RemoveOnStop { get; init; }
    public IReadOnlyList<string> Symlinks { get; init; } = [];

    /// <summary>FileDescriptorName=; null: the socket unit's name.</summary>
    public string? FileDescriptorName { get; init; }

    public uint MaxConnections { get; init; } = 64;
    public uint MaxConnectionsPerSource { get; init; }

    /// <summary>TriggerLimitIntervalSec=/TriggerLimitBurst=; null: systemd's defaults (2 s; 200 with Accept=yes, else 20).</summary>
    public ulong? TriggerLimitIntervalUsec { get; init; }
    public uint? TriggerLimitBurst { get; init; }

    public ulong EffectiveTriggerLimitIntervalUsec => TriggerLimitIntervalUsec ?? 2_000_000;
    public uint EffectiveTriggerLimitBurst => TriggerLimitBurst ?? (Accept ? 200u : 20u);

    public ulong TimeoutUsec { get; init; } = 90_000_000;

    public IReadOnlyList<ExecCommand> ExecStartPre { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStartPost { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStopPre { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStopPost { get; init; } = [];

    public ExecSettings Exec { get; init; } = ExecSettings.Default;
    public KillSettings Kill { get; init; } = KillSettings.Default;
    public ResourceControlSettings Resources { get; init; } = ResourceControlSettings.None;

    /// <summary>systemd's have_non_accept_socket: a single service takes the listening sockets (Accept=no, or a
    /// port that cannot accept).</summary>
    public bool HasNonAcceptPort => !Accept || Ports.Any(static p => p.Type is not (SocketPortType.Stream or SocketPortType.SequentialPacket));
}
