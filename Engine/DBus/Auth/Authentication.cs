using System.Globalization;
using System.Text;

namespace Units.DBus;

/// <summary>SASL mechanisms a client offers, in order.</summary>
public enum ClientAuthMechanism
{
    /// <summary>EXTERNAL with our uid as the initial response (what libdbus sends).</summary>
    ExternalWithUid,
    /// <summary>EXTERNAL with no initial response, answering the server's empty challenge (what sd-bus sends).</summary>
    External,
    /// <summary>ANONYMOUS, when the server allows it.</summary>
    Anonymous,
}

/// <summary>The line-based SASL exchange before the binary protocol, both sides.</summary>
internal static class Authentication
{
    /// <summary>Longest line we accept; the protocol's lines are short.</summary>
    internal const int MaxLineLength = 16 * 1024;

    /// <summary>Commands a client may send before we give up on it.</summary>
    internal const int MaxCommands = 32;

    /// <summary>Client side: authenticates, then asks for fd passing. Returns the server guid and whether
    /// fds were agreed.</summary>
    public static async Task<(string Guid, bool UnixFds)> AuthenticateClientAsync(Transport transport, ReceiveBuffer buffer,
        IReadOnlyList<ClientAuthMechanism> mechanisms, bool negotiateUnixFds, CancellationToken cancellationToken)
    {
        await SendAsync(transport, "\0", cancellationToken).ConfigureAwait(false);
        string? guid = null;
        string uid = NativeIdentity.GetEffectiveUserId().ToString(CultureInfo.InvariantCulture);
        foreach (ClientAuthMechanism mechanism in mechanisms)
        {
            string command = mechanism switch
            {
                ClientAuthMechanism.ExternalWithUid => "AUTH EXTERNAL " + Hex(uid),
                ClientAuthMechanism.External => "AUTH EXTERNAL",
                _ => "AUTH ANONYMOUS " + Hex("Units.DBus"),
            };
            await SendAsync(transport, command + "\r\n", cancellationToken).ConfigureAwait(false);
            string reply = await ReadLineAsync(transport, buffer, cancellationToken).ConfigureAwait(false);
            if (reply == "DATA" || reply.StartsWith("DATA ", StringComparison.Ordinal))
            {
                await SendAsync(transport, mechanism == ClientAuthMechanism.ExternalWithUid ? "DATA " + Hex(uid) + "\r\n" : "DATA\r\n", cancellationToken).ConfigureAwait(false);
                reply = await ReadLineAsync(transport, buffer, cancellationToken).ConfigureAwait(false);
            }
            if (reply.StartsWith("OK ", StringComparison.Ordinal))
            {
                guid = reply[3..].Trim();
                break;
            }
            if (reply.StartsWith("ERROR", StringComparison.Ordinal))
            {
                await SendAsync(transport, "CANCEL\r\n", cancellationToken).ConfigureAwait(false);
                reply = await ReadLineAsync(transport, buffer, cancellationToken).ConfigureAwait(false);
            }
            if (!reply.StartsWith("REJECTED", StringComparison.Ordinal))
                throw new DBusException(DBusErrors.AuthFailed, $"unexpected authentication reply '{reply}'");
        }
        if (guid is null)
            throw new DBusException(DBusErrors.AuthFailed, "the server rejected every authentication mechanism");
        if (!negotiateUnixFds || !transport.SupportsUnixFds)
        {
            await SendAsync(transport, "BEGIN\r\n", cancellationToken).ConfigureAwait(false);
            return (guid, false);
        }
        // BEGIN goes with NEGOTIATE_UNIX_FD, as sd-bus sends it, and our first message only after the
        // answer: sd-bus servers (systemd 252) leave a message that arrives in the same read as BEGIN
        // unprocessed until more data comes.
        await SendAsync(transport, "NEGOTIATE_UNIX_FD\r\nBEGIN\r\n", cancellationToken).ConfigureAwait(false);
        bool unixFds = await ReadLineAsync(transport, buffer, cancellationToken).ConfigureAwait(false) == "AGREE_UNIX_FD";
        return (guid, unixFds);
    }

    private enum ServerState { WaitingForAuth, WaitingForData, Authenticated }

    /// <summary>Server side: EXTERNAL checked against the kernel's peer credentials, ANONYMOUS if allowed,
    /// REJECTED for anything else; handles pipelined clients (systemctl sends AUTH, DATA, NEGOTIATE_UNIX_FD
    /// and BEGIN in one write). Returns whether fds were agreed; throws if the client fails or misbehaves.</summary>
    public static async Task<bool> AuthenticateServerAsync(Transport transport, ReceiveBuffer buffer, string guid,
        bool allowAnonymous, CancellationToken cancellationToken)
    {
        while (buffer.Available == 0)
        {
            if (!await buffer.FillAsync(transport, null, 1, cancellationToken).ConfigureAwait(false))
                throw new ProtocolException("client closed the connection before authenticating");
        }
        if (buffer.Span[0] != 0)
            throw new ProtocolException("client did not start with the NUL credentials byte");
        buffer.Consume(1);

        string rejected = allowAnonymous ? "REJECTED EXTERNAL ANONYMOUS\r\n" : "REJECTED EXTERNAL\r\n";
        var state = ServerState.WaitingForAuth;
        bool unixFds = false;
        for (int commands = 0; commands < MaxCommands; commands++)
        {
            string line = await ReadLineAsync(transport, buffer, cancellationToken).ConfigureAwait(false);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string command = space < 0 ? line : line[..space];
            string argument = space < 0 ? "" : line[(space + 1)..];
            string reply;
            switch (command)
            {
                case "AUTH" when state == ServerState.WaitingForAuth:
                    {
                        int split = argument.IndexOf(' ', StringComparison.Ordinal);
                        string mechanism = split < 0 ? argument : argument[..split];
                        string? initial = split < 0 ? null : argument[(split + 1)..];
                        if (mechanism == "EXTERNAL" && initial is null)
                        {
                            reply = "DATA\r\n";
                            state = ServerState.WaitingForData;
                        }
                        else if (mechanism == "EXTERNAL")
                            reply = ExternalAccepted(transport, initial!) ? Ok(guid, ref state) : rejected;
                        else if (mechanism == "ANONYMOUS" && allowAnonymous)
                            reply = Ok(guid, ref state);
                        else
                            reply = rejected;
                        break;
                    }
                case "DATA" when state == ServerState.WaitingForData:
                    reply = ExternalAccepted(transport, argument) ? Ok(guid, ref state) : rejected;
                    if (state != ServerState.Authenticated)
                        state = ServerState.WaitingForAuth;
                    break;
                case "CANCEL" or "ERROR" when state != ServerState.WaitingForAuth:
                    state = ServerState.WaitingForAuth;
                    reply = rejected;
                    break;
                case "CANCEL" or "ERROR":
                    reply = rejected;
                    break;
                case "NEGOTIATE_UNIX_FD" when state == ServerState.Authenticated:
                    unixFds = transport.SupportsUnixFds;
                    reply = unixFds ? "AGREE_UNIX_FD\r\n" : "ERROR \"fd passing is not supported on this transport\"\r\n";
                    break;
                case "BEGIN" when state == ServerState.Authenticated:
                    return unixFds;
                case "BEGIN":
                    throw new ProtocolException("client sent BEGIN before authenticating");
                default:
                    reply = "ERROR \"unexpected command\"\r\n";
                    break;
            }
            await SendAsync(transport, reply, cancellationToken).ConfigureAwait(false);
        }
        throw new ProtocolException($"client sent more than {MaxCommands} authentication commands");
    }

    private static string Ok(string guid, ref ServerState state)
    {
        state = ServerState.Authenticated;
        return "OK " + guid + "\r\n";
    }

    // EXTERNAL succeeds when the claimed identity (hex of the decimal uid, or empty = "whoever I am")
    // is the uid the kernel reports for the socket.
    private static bool ExternalAccepted(Transport transport, string hexIdentity)
    {
        if (transport.PeerCredentials is not PeerCredentials peer)
            return false;
        if (hexIdentity.Length == 0)
            return true;
        string? claimed = Unhex(hexIdentity);
        return claimed is not null
            && claimed.Length is > 0 and <= 10
            && claimed.All(char.IsAsciiDigit)
            && uint.TryParse(claimed, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
            && uid == peer.UserId;
    }

    private static async Task<string> ReadLineAsync(Transport transport, ReceiveBuffer buffer, CancellationToken cancellationToken)
    {
        int scanned = 0;
        while (true)
        {
            ReadOnlySpan<byte> available = buffer.Span;
            int newline = available[scanned..].IndexOf("\r\n"u8);
            if (newline >= 0)
            {
                int length = scanned + newline;
                ReadOnlySpan<byte> line = available[..length];
                foreach (byte b in line)
                {
                    if (b is < 0x20 or > 0x7e)
                        throw new ProtocolException("authentication line contains a byte that is not printable ASCII");
                }
                string text = Encoding.ASCII.GetString(line);
                buffer.Consume(length + 2);
                return text;
            }
            scanned = Math.Max(0, available.Length - 1);
            if (available.Length > MaxLineLength)
                throw new ProtocolException($"authentication line longer than {MaxLineLength} bytes");
            if (!await buffer.FillAsync(transport, null, available.Length + 1, cancellationToken).ConfigureAwait(false))
                throw new ProtocolException("connection closed during authentication");
        }
    }

    private static ValueTask SendAsync(Transport transport, string text, CancellationToken cancellationToken)
        => transport.SendAsync([new ArraySegment<byte>(Encoding.ASCII.GetBytes(text))], cancellationToken);

    private static string Hex(string text) => Convert.ToHexString(Encoding.ASCII.GetBytes(text)).ToLowerInvariant();

    private static string? Unhex(string hex)
    {
        if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
            return null;
        return Encoding.ASCII.GetString(Convert.FromHexString(hex));
    }
}
