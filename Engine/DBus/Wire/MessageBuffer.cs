using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Units.DBus;

/// <summary>A finished outgoing message: pooled bytes plus the fds it carries. Sending it hands it to
/// the connection, which returns the bytes to the pool and closes the fds once written. One buffer can be
/// queued on several connections (a broadcast signal): each queue holds a reference.</summary>
public sealed class MessageBuffer : IDisposable
{
    // Serials only need to be unique per sending connection; one process-wide counter satisfies that for
    // every connection at once, so a broadcast buffer is stamped once and shared.
    private static int s_lastSerial;

    private byte[]? _data;
    private readonly SafeFileHandle[]? _fds;
    private int _references = 1;

    internal MessageBuffer(byte[] data, int length, SafeFileHandle[]? fds, MessageType type, MessageFlags flags)
    {
        _data = data;
        Length = length;
        _fds = fds;
        Type = type;
        Flags = flags;
        Serial = NextSerial();
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(8), Serial);
        if (data[0] == (byte)'B')
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(8), Serial);
    }

    /// <summary>The serial stamped into the header.</summary>
    public uint Serial { get; }

    public MessageType Type { get; }

    public MessageFlags Flags { get; }

    internal int Length { get; }

    internal ReadOnlyMemory<byte> Memory => (_data ?? throw new ObjectDisposedException(nameof(MessageBuffer))).AsMemory(0, Length);

    internal ReadOnlySpan<byte> Span => Memory.Span;


    internal SafeFileHandle[]? UnixFds => _fds;

    internal bool HasUnixFds => _fds is { Length: > 0 };

    /// <summary>Releases a buffer that will not be sent (sending hands ownership to the connection).</summary>
    public void Dispose() => Release();

    /// <summary>Takes one more reference, so that the buffer can be handed to one more <c>Send</c> (each
    /// <c>Send</c> or <see cref="Dispose"/> drops one): a signal built once, sent on several connections.</summary>
    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops one reference; the last one returns the bytes and closes the fds.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
            return;
        byte[]? data = Interlocked.Exchange(ref _data, null);
        if (data is not null)
            ArrayPool<byte>.Shared.Return(data);
        if (_fds is not null)
        {
            foreach (SafeFileHandle fd in _fds)
                fd.Dispose();
        }
    }

    private static uint NextSerial()
    {
        uint serial;
        do
            serial = unchecked((uint)Interlocked.Increment(ref s_lastSerial));
        while (serial == 0);
        return serial;
    }
}
