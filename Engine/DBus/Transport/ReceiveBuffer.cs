using System.Buffers;

namespace Units.DBus;

/// <summary>Bytes received but not yet consumed. Authentication reads lines from it; whatever follows
/// BEGIN (a pipelined first message) stays here for the message loop.</summary>
internal sealed class ReceiveBuffer : IDisposable
{
    private const int InitialSize = 64 * 1024;

    private byte[] _data = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;

    public int Available => _end - _start;

    public ReadOnlySpan<byte> Span => _data.AsSpan(_start, _end - _start);

    public void Consume(int count) => _start += count;

    /// <summary>Reads more from <paramref name="transport"/>, making room for at least <paramref name="wanted"/>
    /// unread bytes in total. False at end of stream.</summary>
    public async ValueTask<bool> FillAsync(Transport transport, UnixFdQueue? fds, int wanted, CancellationToken cancellationToken)
    {
        // Grow towards what the pending message claims only as its bytes actually arrive (at most doubling
        // what is buffered per read): a header claiming 128 MiB costs nothing until the peer sends it.
        int available = Available;
        MakeRoom((int)Math.Min(Math.Max(wanted, available + 1), available + Math.Max(64L * 1024, available)));
        int received = await transport.ReceiveAsync(_data.AsMemory(_end), fds, cancellationToken).ConfigureAwait(false);
        if (received <= 0)
            return false;
        _end += received;
        return true;
    }

    private void MakeRoom(int wanted)
    {
        int available = Available;
        if (available == 0)
            _start = _end = 0;
        // Read in chunks of at least 4 KiB (or what the pending message still lacks, if less).
        int chunk = Math.Min(4096, wanted - available);
        if (_data.Length - _start >= wanted && _data.Length - _end >= chunk)
            return;
        if (_data.Length - available >= Math.Max(chunk, wanted - available))
        {
            Buffer.BlockCopy(_data, _start, _data, 0, available);
            _start = 0;
            _end = available;
            return;
        }
        byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)wanted + chunk, 2L * _data.Length), int.MaxValue));
        Buffer.BlockCopy(_data, _start, larger, 0, available);
        ArrayPool<byte>.Shared.Return(_data);
        _data = larger;
        _start = 0;
        _end = available;
    }

    /// <summary>Copies the first <paramref name="length"/> unread bytes into a pooled array and consumes them.</summary>
    public byte[] TakeMessage(int length)
    {
        byte[] message = ArrayPool<byte>.Shared.Rent(length);
        Buffer.BlockCopy(_data, _start, message, 0, length);
        _start += length;
        return message;
    }

    public void Dispose()
    {
        byte[] data = Interlocked.Exchange(ref _data, []);
        if (data.Length > 0)
            ArrayPool<byte>.Shared.Return(data);
    }
}
