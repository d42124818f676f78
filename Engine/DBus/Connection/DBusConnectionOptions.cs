namespace Units.DBus;

/// <summary>How a connection authenticates, what it serves, and its limits.</summary>
public sealed class DBusConnectionOptions
{
    /// <summary>Mechanisms a client tries in order (default EXTERNAL with our uid, then ANONYMOUS).</summary>
    public IReadOnlyList<ClientAuthMechanism> AuthMechanisms { get; init; } = [ClientAuthMechanism.ExternalWithUid, ClientAuthMechanism.Anonymous];

    /// <summary>Ask for fd passing (only on UNIX sockets).</summary>
    public bool NegotiateUnixFds { get; init; } = true;

    /// <summary>Objects served on this connection (method calls to anything else get UnknownObject).</summary>
    public ObjectTree? Objects { get; init; }

    /// <summary>Timeout of calls that do not name their own (libdbus and sd-bus use 25 s).</summary>
    public TimeSpan DefaultCallTimeout { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>Time allowed for authentication before the connection is dropped.</summary>
    public TimeSpan AuthenticationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes queued for a peer that does not read before it is disconnected.</summary>
    public long MaxSendQueueBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Messages queued for a peer that does not read before it is disconnected.</summary>
    public int MaxSendQueueMessages { get; init; } = 100_000;

    /// <summary>Method calls read from the peer and not yet finished. At the limit the connection reads no more
    /// from that peer until one finishes: a peer that pipelines calls without end neither floods the service
    /// (the manager loop's queue) nor crowds out other peers.</summary>
    public int MaxPendingCalls { get; init; } = 64;

    /// <summary>Largest incoming message accepted (at most the specification's 128 MiB).</summary>
    public int MaxMessageLength { get; init; } = ProtocolLimits.MaxMessageLength;
}
