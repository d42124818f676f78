using Units.Daemon.Host;
using Units.Execution.Socket;
using Files = Units.UnitFiles.Settings;
using Numbers = Units.UnitFiles.Settings.Values.Numbers;
using TimeSpans = Units.UnitFiles.Settings.Values.TimeSpans;

namespace Units.Daemon.Loading;

/// <summary>Maps a socket's unit-file settings into the execution layer's <see cref="SocketSettings"/>. The options
/// the settings model keeps only as text (validated when the file loaded) are read from their last assignment.</summary>
internal static class SocketDefinitions
{
    private const string Section = "Socket";

    public static SocketSettings From(Files.UnitSettings unit, ManagerConfiguration defaults)
    {
        Files.SocketSettings socket = unit.Socket!;
        return new SocketSettings
        {
            Ports = socket.Listen.Select(static l => new SocketPortSpec(PortType(l.Type), l.Address)).ToList(),
            Accept = socket.Accept,
            Service = socket.Service,
            BindIPv6Only = unit.LastValue(Section, "BindIPv6Only") switch
            {
                "ipv6-only" => BindIPv6Only.IPv6Only,
                "both" => BindIPv6Only.Both,
                // A boolean means ipv6-only (yes) or both (no).
                string v when Numbers.TryParseBoolean(v, out bool only) => only ? BindIPv6Only.IPv6Only : BindIPv6Only.Both,
                _ => BindIPv6Only.Default,
            },
            Backlog = socket.Backlog,
            BindToDevice = unit.LastValue(Section, "BindToDevice") is { Length: > 0 } device ? device : null,
            SocketUser = socket.SocketUser,
            SocketGroup = socket.SocketGroup,
            SocketMode = socket.SocketMode,
            DirectoryMode = socket.DirectoryMode,
            PassCredentials = socket.PassCredentials,
            PassSecurity = Boolean(unit, "PassSecurity"),
            KeepAlive = Boolean(unit, "KeepAlive"),
            NoDelay = Boolean(unit, "NoDelay"),
            Broadcast = Boolean(unit, "Broadcast"),
            ReusePort = Boolean(unit, "ReusePort"),
            FreeBind = Boolean(unit, "FreeBind"),
            Transparent = Boolean(unit, "Transparent"),
            Writable = Boolean(unit, "Writable"),
            ReceiveBuffer = Size(unit, "ReceiveBuffer"),
            SendBuffer = Size(unit, "SendBuffer"),
            RemoveOnStop = socket.RemoveOnStop,
            Symlinks = socket.Symlinks,
            FileDescriptorName = socket.FileDescriptorName,
            MaxConnections = socket.MaxConnections,
            MaxConnectionsPerSource = socket.MaxConnectionsPerSource,
            TriggerLimitIntervalUsec = unit.LastValue(Section, "TriggerLimitIntervalSec") is { } interval
                && TimeSpans.ParseSeconds(interval, out ulong usec) == Units.UnitFiles.Settings.Values.ValueError.None ? usec : null,
            TriggerLimitBurst = unit.LastValue(Section, "TriggerLimitBurst") is { } burst
                && Numbers.ParseUnsigned(burst, out uint count) == Units.UnitFiles.Settings.Values.ValueError.None ? count : null,
            TimeoutUsec = socket.TimeoutUsec ?? defaults.DefaultTimeoutStartUSec,
            ExecStartPre = ServiceDefinitions.Commands(socket.Commands(Files.SocketCommand.StartPre)),
            ExecStartPost = ServiceDefinitions.Commands(socket.Commands(Files.SocketCommand.StartPost)),
            ExecStopPre = ServiceDefinitions.Commands(socket.Commands(Files.SocketCommand.StopPre)),
            ExecStopPost = ServiceDefinitions.Commands(socket.Commands(Files.SocketCommand.StopPost)),
            Exec = ServiceDefinitions.Exec(unit, Section, service: null, defaults),
            Kill = ServiceDefinitions.Kill(unit.Kill!),
            Resources = ServiceDefinitions.Resources(unit.ResourceControl, cpuAccountingSet: unit.LastValue("Socket", "CPUAccounting") is not null),
        };
    }

    private static SocketPortType PortType(Files.SocketListenType type) => type switch
    {
        Files.SocketListenType.Datagram => SocketPortType.Datagram,
        Files.SocketListenType.SequentialPacket => SocketPortType.SequentialPacket,
        Files.SocketListenType.Fifo => SocketPortType.Fifo,
        Files.SocketListenType.Netlink => SocketPortType.Netlink,
        Files.SocketListenType.Special => SocketPortType.Special,
        Files.SocketListenType.MessageQueue => SocketPortType.MessageQueue,
        Files.SocketListenType.UsbFunction => SocketPortType.UsbFunction,
        _ => SocketPortType.Stream,
    };

    private static bool Boolean(Files.UnitSettings unit, string key) =>
        unit.LastValue(Section, key) is string value && ServiceDefinitions.IsTrue(value);

    private static ulong Size(Files.UnitSettings unit, string key) =>
        unit.LastValue(Section, key) is { } text && Numbers.ParseSize(text, 1024, out ulong bytes) == Units.UnitFiles.Settings.Values.ValueError.None ? bytes : 0;
}
