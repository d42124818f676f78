using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Units.DBus;

/// <summary>A received message: validated header fields, the body (read it with
/// <see cref="GetBodyReader"/>) and the fds it carried. Dispose returns its buffer to the pool and
/// closes the fds nobody took.</summary>
public sealed class Message : IDisposable
{
    internal const int FixedHeaderLength = 16;

    private byte[]? _data;
    private readonly int _length;
    private readonly int _bodyOffset;
    private readonly bool _bigEndian;
    private readonly SafeFileHandle?[] _fds;

    private Message(byte[] data, int length, int bodyOffset, bool bigEndian, SafeFileHandle?[] fds)
    {
        _data = data;
        _length = length;
        _bodyOffset = bodyOffset;
        _bigEndian = bigEndian;
        _fds = fds;
    }

    public MessageType Type { get; private init; }
    public MessageFlags Flags { get; private init; }
    public uint Serial { get; private init; }
    public uint ReplySerial { get; private init; }
    public string? Path { get; private init; }
    public string? Interface { get; private init; }
    public string? Member { get; private init; }
    public string? ErrorName { get; private init; }
    public string? Destination { get; private init; }
    public string? Sender { get; private init; }

    /// <summary>The body's signature ("" for an empty body).</summary>
    public string Signature { get; private init; } = "";

    /// <summary>Number of fds the message carries.</summary>
    public int UnixFdCount => _fds.Length;

    /// <summary>True if the sender set NO_REPLY_EXPECTED.</summary>
    public bool NoReplyExpected => (Flags & MessageFlags.NoReplyExpected) != 0;

    internal bool IsBigEndian => _bigEndian;

    internal int BodyLength => _length - _bodyOffset;

    /// <summary>A reader positioned at the start of the body.</summary>
    public Reader GetBodyReader()
    {
        byte[] data = _data ?? throw new ObjectDisposedException(nameof(Message));
        return new Reader(data.AsSpan(0, _length), _bigEndian, _bodyOffset);
    }

    /// <summary>Takes ownership of fd number <paramref name="index"/> (as read from an 'h' value).</summary>
    public SafeFileHandle TakeUnixFd(uint index)
    {
        if (index >= (uint)_fds.Length)
            throw new ProtocolException($"fd index {index} is beyond the {_fds.Length} fds the message carries");
        return Interlocked.Exchange(ref _fds[index], null) ?? throw new InvalidOperationException($"fd {index} was already taken");
    }

    /// <summary>The first string argument of an error reply, if any (its human-readable text).</summary>
    public string ErrorMessage
    {
        get
        {
            if (!Signature.StartsWith('s'))
                return ErrorName ?? "";
            try
            {
                Reader reader = GetBodyReader();
                return reader.ReadString();
            }
            catch (ProtocolException)
            {
                return ErrorName ?? "";
            }
        }
    }

    public void Dispose()
    {
        byte[]? data = Interlocked.Exchange(ref _data, null);
        if (data is null)
            return;
        ArrayPool<byte>.Shared.Return(data);
        for (int i = 0; i < _fds.Length; i++)
            Interlocked.Exchange(ref _fds[i], null)?.Dispose();
    }

    public override string ToString()
        => $"{Type} serial={Serial} path={Path} interface={Interface} member={Member} error={ErrorName} reply_serial={ReplySerial} sender={Sender} destination={Destination} signature={Signature}";

    /// <summary>From the first 16 bytes: the whole message's length, or a ProtocolException.</summary>
    internal static int GetMessageLength(ReadOnlySpan<byte> fixedHeader)
    {
        bool bigEndian = fixedHeader[0] switch
        {
            (byte)'l' => false,
            (byte)'B' => true,
            _ => throw new ProtocolException($"invalid byte order mark 0x{fixedHeader[0]:x2}"),
        };
        if (fixedHeader[3] != 1)
            throw new ProtocolException($"unsupported protocol version {fixedHeader[3]}");
        uint bodyLength = ReadUInt32(fixedHeader[4..], bigEndian);
        uint fieldsLength = ReadUInt32(fixedHeader[12..], bigEndian);
        if (fieldsLength > ProtocolLimits.MaxArrayLength || bodyLength > ProtocolLimits.MaxMessageLength)
            throw new ProtocolException("message exceeds the 128 MiB limit");
        long total = Align8(FixedHeaderLength + (long)fieldsLength) + bodyLength;
        if (total > ProtocolLimits.MaxMessageLength)
            throw new ProtocolException($"message of {total} bytes exceeds the 128 MiB limit");
        return (int)total;
    }

    /// <summary>Validates a complete message held in <paramref name="data"/> (which the message then owns)
    /// and takes its fds from <paramref name="fds"/>. Throws ProtocolException for anything malformed.</summary>
    internal static Message Parse(byte[] data, int length, UnixFdQueue? fds)
    {
        ReadOnlySpan<byte> span = data.AsSpan(0, length);
        if (length < FixedHeaderLength || GetMessageLength(span) != length)
            throw new ProtocolException("message length mismatch");
        bool bigEndian = span[0] == (byte)'B';
        byte rawType = span[1];
        if (rawType is < 1 or > 4)
            throw new ProtocolException($"unknown message type {rawType}");
        var type = (MessageType)rawType;
        var flags = (MessageFlags)(span[2] & 0x7);
        uint bodyLength = ReadUInt32(span[4..], bigEndian);
        uint serial = ReadUInt32(span[8..], bigEndian);
        if (serial == 0)
            throw new ProtocolException("serial 0 is not allowed");
        uint fieldsLength = ReadUInt32(span[12..], bigEndian);
        int fieldsEnd = FixedHeaderLength + (int)fieldsLength;
        int bodyOffset = (int)Align8(fieldsEnd);

        string? path = null, iface = null, member = null, errorName = null, destination = null, sender = null, signature = null;
        uint replySerial = 0, fdCount = 0;
        bool hasReplySerial = false;
        var reader = new Reader(span[..fieldsEnd], bigEndian, 12);
        ArrayEnd end = reader.ReadArrayStart('(');
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            byte code = reader.ReadByte();
            string fieldSignature = reader.ReadVariantSignature();
            switch ((HeaderField)code)
            {
                case HeaderField.Path:
                    Expect(fieldSignature, "o", code);
                    path = reader.ReadObjectPath();
                    break;
                case HeaderField.Interface:
                    Expect(fieldSignature, "s", code);
                    iface = reader.ReadString();
                    if (!Names.IsValidInterfaceName(iface))
                        throw new ProtocolException($"invalid interface name '{iface}'");
                    break;
                case HeaderField.Member:
                    Expect(fieldSignature, "s", code);
                    member = reader.ReadString();
                    if (!Names.IsValidMemberName(member))
                        throw new ProtocolException($"invalid member name '{member}'");
                    break;
                case HeaderField.ErrorName:
                    Expect(fieldSignature, "s", code);
                    errorName = reader.ReadString();
                    if (!Names.IsValidErrorName(errorName))
                        throw new ProtocolException($"invalid error name '{errorName}'");
                    break;
                case HeaderField.ReplySerial:
                    Expect(fieldSignature, "u", code);
                    replySerial = reader.ReadUInt32();
                    hasReplySerial = true;
                    if (replySerial == 0)
                        throw new ProtocolException("reply serial 0 is not allowed");
                    break;
                case HeaderField.Destination:
                    Expect(fieldSignature, "s", code);
                    destination = reader.ReadString();
                    if (!Names.IsValidBusName(destination))
                        throw new ProtocolException($"invalid destination '{destination}'");
                    break;
                case HeaderField.Sender:
                    Expect(fieldSignature, "s", code);
                    sender = reader.ReadString();
                    if (!Names.IsValidBusName(sender))
                        throw new ProtocolException($"invalid sender '{sender}'");
                    break;
                case HeaderField.Signature:
                    Expect(fieldSignature, "g", code);
                    signature = reader.ReadSignature();
                    break;
                case HeaderField.UnixFds:
                    Expect(fieldSignature, "u", code);
                    fdCount = reader.ReadUInt32();
                    break;
                default:
                    // Unknown fields must be ignored, but still be well-formed.
                    reader.SkipValue(fieldSignature);
                    break;
            }
        }
        if (reader.Position != fieldsEnd)
            throw new ProtocolException("header fields do not fill the header");
        for (int i = fieldsEnd; i < bodyOffset; i++)
        {
            if (span[i] != 0)
                throw new ProtocolException("non-zero padding after the header");
        }
        switch (type)
        {
            case MessageType.MethodCall when path is null || member is null:
                throw new ProtocolException("method call without PATH or MEMBER");
            case MessageType.Signal when path is null || iface is null || member is null:
                throw new ProtocolException("signal without PATH, INTERFACE or MEMBER");
            case MessageType.Error when errorName is null || !hasReplySerial:
                throw new ProtocolException("error without ERROR_NAME or REPLY_SERIAL");
            case MessageType.MethodReturn when !hasReplySerial:
                throw new ProtocolException("method return without REPLY_SERIAL");
        }
        if (bodyLength > 0 && string.IsNullOrEmpty(signature))
            throw new ProtocolException("non-empty body without a SIGNATURE");
        if (fdCount > ProtocolLimits.MaxUnixFdsPerMessage)
            throw new ProtocolException($"message claims {fdCount} fds, more than {ProtocolLimits.MaxUnixFdsPerMessage}");
        SafeFileHandle?[] messageFds = fdCount == 0 ? [] : (fds ?? throw new ProtocolException("message carries fds, but fd passing was not negotiated")).Take((int)fdCount);
        return new Message(data, length, bodyOffset, bigEndian, messageFds)
        {
            Type = type,
            Flags = flags,
            Serial = serial,
            ReplySerial = replySerial,
            Path = path,
            Interface = iface,
            Member = member,
            ErrorName = errorName,
            Destination = destination,
            Sender = sender,
            Signature = signature ?? "",
        };
    }

    /// <summary>Checks that the body is well-formed against its signature (used where a message is
    /// inspected generically, e.g. by tests and tools).</summary>
    internal void ValidateBody()
    {
        Reader reader = GetBodyReader();
        string signature = Signature;
        int p = 0;
        while (p < signature.Length)
        {
            int length = Units.DBus.Signature.FirstCompleteTypeLength(signature, p);
            reader.SkipValue(signature.AsSpan(p, length));
            p += length;
        }
        if (!reader.IsAtEnd)
            throw new ProtocolException("body is longer than its signature says");
    }

    private static void Expect(string actual, string expected, byte code)
    {
        if (actual != expected)
            throw new ProtocolException($"header field {code} has type '{actual}', expected '{expected}'");
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, bool bigEndian)
        => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static long Align8(long value) => (value + 7) & ~7L;
}

/// <summary>Fds received on a connection, in arrival order, waiting for the messages that claim them.
/// Bounded: a peer that sends fds no message claims is cut off.</summary>
internal sealed class UnixFdQueue : IDisposable
{
    // More than a few messages' worth of unclaimed fds means the peer is trying to exhaust our fd table.
    internal const int MaxQueued = ProtocolLimits.MaxUnixFdsPerMessage * 4;

    private readonly Queue<SafeFileHandle> _fds = new();

    public int Count => _fds.Count;

    public void Add(SafeFileHandle fd)
    {
        _fds.Enqueue(fd);
        if (_fds.Count > MaxQueued)
            throw new ProtocolException($"peer sent more than {MaxQueued} fds that no message claims");
    }

    public SafeFileHandle?[] Take(int count)
    {
        if (count > _fds.Count)
            throw new ProtocolException($"message claims {count} fds but only {_fds.Count} arrived");
        var taken = new SafeFileHandle?[count];
        for (int i = 0; i < count; i++)
            taken[i] = _fds.Dequeue();
        return taken;
    }

    public void Dispose()
    {
        while (_fds.TryDequeue(out SafeFileHandle? fd))
            fd.Dispose();
    }
}
