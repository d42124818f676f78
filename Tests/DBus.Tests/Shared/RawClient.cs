using System.Net.Sockets;
using System.Text;

namespace Units.DBus.Tests;

/// <summary>A client that writes whatever bytes a test wants, to play a hostile or unusual peer.</summary>
internal sealed class RawClient : IDisposable
{
    private RawClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<RawClient> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        return new RawClient(socket);
    }

    /// <summary>Connects and completes the exchange systemctl uses.</summary>
    public static async Task<RawClient> AuthenticatedAsync(string socketPath)
    {
        RawClient client = await ConnectAsync(socketPath);
        await client.SendAsync("\0AUTH EXTERNAL\r\nDATA\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n"u8.ToArray());
        string reply = await client.ReadTextAsync(3);
        if (!reply.Contains("AGREE_UNIX_FD", StringComparison.Ordinal))
            throw new InvalidOperationException($"authentication failed: {reply}");
        return client;
    }

    public async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
            sent += await Socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    /// <summary>Reads until <paramref name="lines"/> CRLF-terminated lines arrived.</summary>
    public async Task<string> ReadTextAsync(int lines)
    {
        var text = new StringBuilder();
        var buffer = new byte[1];
        while (CountLines(text) < lines)
        {
            int read = await Socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0)
                break;
            text.Append((char)buffer[0]);
        }
        return text.ToString();
    }

    /// <summary>Reads one whole message.</summary>
    public async Task<Message> ReadMessageAsync()
    {
        byte[] header = await ReadExactlyAsync(16);
        int length = Message.GetMessageLength(header);
        byte[] data = new byte[length];
        header.CopyTo(data, 0);
        (await ReadExactlyAsync(length - 16)).CopyTo(data, 16);
        byte[] pooled = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        data.CopyTo(pooled, 0);
        return Message.Parse(pooled, length, new UnixFdQueue());
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        byte[] data = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await Socket.ReceiveAsync(data.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (n == 0)
                throw new EndOfStreamException();
            read += n;
        }
        return data;
    }

    /// <summary>Reads and discards until the server closes the connection; true if it did.</summary>
    public async Task<bool> WaitForCloseAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (await Socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(20)) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static int CountLines(StringBuilder text)
    {
        int count = 0;
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i - 1] == '\r' && text[i] == '\n')
                count++;
        }
        return count;
    }

    public void Dispose() => Socket.Dispose();
}
