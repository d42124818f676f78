using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Units.DBus;

/// <summary>A byte stream to a peer, possibly able to pass fds. One receiver and one sender at a time.</summary>
internal abstract class Transport : IDisposable
{
    public abstract bool SupportsUnixFds { get; }

    /// <summary>Kernel-verified peer identity, when the transport has one.</summary>
    public virtual PeerCredentials? PeerCredentials => null;

    /// <summary>Reads into <paramref name="buffer"/>; 0 means end of stream. Fds go to <paramref name="fds"/>
    /// when fd passing is on, else they are discarded.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, UnixFdQueue? fds, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="segments"/>.</summary>
    public abstract ValueTask SendAsync(IList<ArraySegment<byte>> segments, CancellationToken cancellationToken);

    /// <summary>Writes what the peer can take right now without waiting: bytes written, or -1 if the
    /// transport cannot write without blocking (then the caller queues).</summary>
    public virtual int TrySendNow(ReadOnlySpan<byte> bytes) => -1;

    /// <summary>Writes one message with fds attached.</summary>
    public abstract ValueTask SendWithFdsAsync(ReadOnlyMemory<byte> bytes, SafeFileHandle[] fds, CancellationToken cancellationToken);

    public abstract void Dispose();
}

/// <summary>A connected UNIX stream socket; passes fds with SCM_RIGHTS.</summary>
internal sealed class SocketTransport : Transport
{
    private readonly Socket _socket;
    private readonly PeerCredentials? _peer;
    private bool _lastReadWasFull;

    public SocketTransport(Socket socket)
    {
        _socket = socket;
        try
        {
            _peer = Native.GetPeerCredentials(socket);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            _peer = null;
        }
    }

    public override bool SupportsUnixFds => true;

    public override PeerCredentials? PeerCredentials => _peer;

    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, UnixFdQueue? fds, CancellationToken cancellationToken)
    {
        if (fds is null)
        {
            // Without fd passing a plain read suffices; the kernel closes fds a peer sends anyway.
            return await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        // After a read that filled the buffer more is likely waiting: read at once. Otherwise (the usual
        // request/reply rhythm) wait first and save a read that would only say EAGAIN.
        if (!_lastReadWasFull)
            await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            int received = Native.TryReceive(_socket, buffer.Span, fds);
            if (received >= 0)
            {
                _lastReadWasFull = received == buffer.Length;
                return received;
            }
            // A zero-byte receive completes when data is available, without consuming it.
            await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask SendAsync(IList<ArraySegment<byte>> segments, CancellationToken cancellationToken)
    {
        if (segments.Count == 1)
        {
            ReadOnlyMemory<byte> remaining = segments[0];
            while (!remaining.IsEmpty)
            {
                int sent = await _socket.SendAsync(remaining, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                remaining = remaining[sent..];
            }
            return;
        }
        await _socket.SendAsync(segments, SocketFlags.None).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override int TrySendNow(ReadOnlySpan<byte> bytes) => Native.TrySend(_socket, bytes);

    public override async ValueTask SendWithFdsAsync(ReadOnlyMemory<byte> bytes, SafeFileHandle[] fds, CancellationToken cancellationToken)
    {
        int sent;
        while ((sent = Native.TrySendWithFds(_socket, bytes.Span, fds)) < 0)
        {
            // Rare: the peer's receive buffer is full right when we have fds to pass. Wait until writable.
            await Task.Run(() => _socket.Poll(100_000, SelectMode.SelectWrite), cancellationToken).ConfigureAwait(false);
        }
        ReadOnlyMemory<byte> remaining = bytes[sent..];
        while (!remaining.IsEmpty)
        {
            int more = await _socket.SendAsync(remaining, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            remaining = remaining[more..];
        }
    }

    public override void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already disconnected.
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
        _socket.Dispose();
    }
}

/// <summary>A pair of streams (stdin/stdout of <c>ssh -xT host systemd-stdio-bridge</c>); no fd passing.</summary>
internal sealed class StreamTransport : Transport
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly IDisposable? _owner;

    public StreamTransport(Stream input, Stream output, IDisposable? owner = null)
    {
        _input = input;
        _output = output;
        _owner = owner;
    }

    public override bool SupportsUnixFds => false;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, UnixFdQueue? fds, CancellationToken cancellationToken)
        => _input.ReadAsync(buffer, cancellationToken);

    public override async ValueTask SendAsync(IList<ArraySegment<byte>> segments, CancellationToken cancellationToken)
    {
        for (int i = 0; i < segments.Count; i++)
            await _output.WriteAsync(segments[i], cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask SendWithFdsAsync(ReadOnlyMemory<byte> bytes, SafeFileHandle[] fds, CancellationToken cancellationToken)
        => throw new DBusException(DBusErrors.NotSupported, "this transport cannot pass fds");

    public override void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _owner?.Dispose();
    }
}
