using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Units.DBus;

/// <summary>Writes one message straight into a pooled buffer: create it with one of the Create* methods
/// (which write the header), write the body in signature order, then <see cref="Finish"/>.
/// Alignment is handled here; containers are opened and closed explicitly.</summary>
public ref struct MessageWriter
{
    private const int HeaderFieldsLengthOffset = 12;
    private const int FixedHeaderLength = 16;

    private byte[] _buffer;
    private int _pos;
    private readonly bool _bigEndian;
    private readonly MessageType _type;
    private readonly MessageFlags _flags;
    private List<SafeFileHandle>? _fds;
    private int _bodyStart;
    // The header field array ends where its last field ends, before the padding that precedes the body.
    private int _headerFieldsEnd;

    private MessageWriter(MessageType type, MessageFlags flags, bool bigEndian, int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        _pos = 0;
        _bigEndian = bigEndian;
        _type = type;
        _flags = flags;
        _fds = null;
        _bodyStart = 0;
        _headerFieldsEnd = 0;
        _buffer[0] = bigEndian ? (byte)'B' : (byte)'l';
        _buffer[1] = (byte)type;
        _buffer[2] = (byte)flags;
        _buffer[3] = 1;
        _buffer.AsSpan(4, 12).Clear();
        _pos = FixedHeaderLength;
    }

    /// <summary>Starts a METHOD_CALL. <paramref name="signature"/> must describe the body that follows.</summary>
    public static MessageWriter CreateMethodCall(string? destination, string path, string? @interface, string member,
        string? signature = null, MessageFlags flags = MessageFlags.None, string? sender = null)
        => CreateMethodCall(destination, path, @interface, member, signature, flags, sender, bigEndian: false);

    internal static MessageWriter CreateMethodCall(string? destination, string path, string? @interface, string member,
        string? signature, MessageFlags flags, string? sender, bool bigEndian, int capacity = 256)
    {
        CheckPath(path);
        CheckMember(member);
        if (@interface is not null)
            CheckInterface(@interface);
        var writer = new MessageWriter(MessageType.MethodCall, flags, bigEndian, capacity);
        writer.WriteHeaderField(HeaderField.Path, 'o', path);
        if (@interface is not null)
            writer.WriteHeaderField(HeaderField.Interface, 's', @interface);
        writer.WriteHeaderField(HeaderField.Member, 's', member);
        writer.WriteCommonFields(destination, sender, signature);
        return writer;
    }

    /// <summary>Starts a METHOD_RETURN replying to <paramref name="replySerial"/>.</summary>
    public static MessageWriter CreateMethodReturn(uint replySerial, string? destination, string? signature = null,
        string? sender = null, int capacity = 256)
    {
        var writer = new MessageWriter(MessageType.MethodReturn, MessageFlags.NoReplyExpected, false, capacity);
        writer.WriteReplySerial(replySerial);
        writer.WriteCommonFields(destination, sender, signature);
        return writer;
    }

    /// <summary>Starts an ERROR reply; if <paramref name="message"/> is given it becomes the body ("s").</summary>
    public static MessageWriter CreateError(uint replySerial, string? destination, string errorName, string? message,
        string? sender = null)
    {
        if (!Names.IsValidErrorName(errorName))
            throw new ArgumentException($"'{errorName}' is not a valid error name", nameof(errorName));
        var writer = new MessageWriter(MessageType.Error, MessageFlags.NoReplyExpected, false, 256);
        writer.WriteHeaderField(HeaderField.ErrorName, 's', errorName);
        writer.WriteReplySerial(replySerial);
        writer.WriteCommonFields(destination, sender, message is null ? null : "s");
        if (message is not null)
            writer.WriteString(message);
        return writer;
    }

    /// <summary>Starts a SIGNAL. <paramref name="destination"/> is null for a broadcast.</summary>
    public static MessageWriter CreateSignal(string path, string @interface, string member, string? signature = null,
        string? destination = null, string? sender = null, int capacity = 256)
        => CreateSignal(path, @interface, member, signature, destination, sender, false, capacity);

    internal static MessageWriter CreateSignal(string path, string @interface, string member, string? signature,
        string? destination, string? sender, bool bigEndian, int capacity = 256)
    {
        CheckPath(path);
        CheckInterface(@interface);
        CheckMember(member);
        var writer = new MessageWriter(MessageType.Signal, MessageFlags.NoReplyExpected, bigEndian, capacity);
        writer.WriteHeaderField(HeaderField.Path, 'o', path);
        writer.WriteHeaderField(HeaderField.Interface, 's', @interface);
        writer.WriteHeaderField(HeaderField.Member, 's', member);
        writer.WriteCommonFields(destination, sender, signature);
        return writer;
    }

    /// <summary>Fixes the lengths, attaches the fds and hands the bytes over; the writer is spent afterwards.</summary>
    public MessageBuffer Finish()
    {
        int bodyLength = _pos - _bodyStart;
        SafeFileHandle[]? fds = null;
        if (_fds is { Count: > 0 })
        {
            // The fd count is known only now: insert a UNIX_FDS field (8 bytes, so the body stays 8-aligned).
            fds = _fds.ToArray();
            EnsureCapacity(8);
            Buffer.BlockCopy(_buffer, _bodyStart, _buffer, _bodyStart + 8, bodyLength);
            int field = _bodyStart;
            _buffer[field] = (byte)HeaderField.UnixFds;
            _buffer[field + 1] = 1;
            _buffer[field + 2] = (byte)'u';
            _buffer[field + 3] = 0;
            WriteUInt32At(field + 4, (uint)fds.Length);
            _headerFieldsEnd = field + 8;
            _bodyStart += 8;
            _pos += 8;
        }
        WriteUInt32At(HeaderFieldsLengthOffset, (uint)(_headerFieldsEnd - FixedHeaderLength));
        WriteUInt32At(4, (uint)bodyLength);
        if (_pos > ProtocolLimits.MaxMessageLength)
            throw new InvalidOperationException($"message of {_pos} bytes exceeds the 128 MiB limit");
        byte[] buffer = _buffer;
        _buffer = [];
        return new MessageBuffer(buffer, _pos, fds, _type, _flags);
    }


    public void WriteByte(byte value)
    {
        EnsureCapacity(1);
        _buffer[_pos++] = value;
    }

    public void WriteBoolean(bool value) => WriteUInt32(value ? 1u : 0u);

    public void WriteInt16(short value) => WriteUInt16(unchecked((ushort)value));

    public void WriteUInt16(ushort value)
    {
        AlignAndReserve(2);
        if (_bigEndian)
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_pos), value);
        else
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_pos), value);
        _pos += 2;
    }

    public void WriteInt32(int value) => WriteUInt32(unchecked((uint)value));

    public void WriteUInt32(uint value)
    {
        AlignAndReserve(4);
        WriteUInt32At(_pos, value);
        _pos += 4;
    }

    public void WriteInt64(long value) => WriteUInt64(unchecked((ulong)value));

    public void WriteUInt64(ulong value)
    {
        AlignAndReserve(8);
        if (_bigEndian)
            BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_pos), value);
        else
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_pos), value);
        _pos += 8;
    }

    public void WriteDouble(double value) => WriteUInt64(BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Writes a string ('s'); it must not contain NUL.</summary>
    public void WriteString(ReadOnlySpan<char> value)
    {
        if (value.Contains('\0'))
            throw new ArgumentException("D-Bus strings cannot contain NUL characters", nameof(value));
        AlignAndReserve(4);
        int lengthPos = _pos;
        EnsureCapacity(4 + Encoding.UTF8.GetMaxByteCount(value.Length) + 1);
        int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(lengthPos + 4));
        WriteUInt32At(lengthPos, (uint)written);
        _buffer[lengthPos + 4 + written] = 0;
        _pos = lengthPos + 4 + written + 1;
    }

    /// <summary>Writes a string given as UTF-8 bytes (validated).</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Contains((byte)0) || !Utf8Validation.IsValid(utf8))
            throw new ArgumentException("not a valid D-Bus string", nameof(utf8));
        AlignAndReserve(4);
        EnsureCapacity(4 + utf8.Length + 1);
        WriteUInt32At(_pos, (uint)utf8.Length);
        utf8.CopyTo(_buffer.AsSpan(_pos + 4));
        _pos += 4 + utf8.Length;
        _buffer[_pos++] = 0;
    }

    /// <summary>Writes an object path ('o').</summary>
    public void WriteObjectPath(string path)
    {
        CheckPath(path);
        WriteString(path.AsSpan());
    }

    /// <summary>Writes a signature ('g').</summary>
    public void WriteSignature(string signature)
    {
        Signature.EnsureValid(signature);
        WriteSignatureUnchecked(signature);
    }

    /// <summary>Opens a variant ('v') holding one value of <paramref name="signature"/>; write that value next.</summary>
    public void BeginVariant(string signature)
    {
        if (!Signature.IsSingleCompleteType(signature))
            throw new ArgumentException($"'{signature}' is not a single complete type", nameof(signature));
        WriteSignatureUnchecked(signature);
    }

    /// <summary>Writes a UNIX fd ('h'): the handle is duplicated, the message owns the copy until sent.</summary>
    public void WriteUnixFd(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _fds ??= new List<SafeFileHandle>(1);
        if (_fds.Count >= ProtocolLimits.MaxUnixFdsPerMessage)
            throw new InvalidOperationException($"at most {ProtocolLimits.MaxUnixFdsPerMessage} fds per message");
        _fds.Add(Native.Duplicate(handle));
        WriteUInt32((uint)(_fds.Count - 1));
    }

    /// <summary>Opens an array of elements whose type starts with <paramref name="elementTypeCode"/>.</summary>
    public ArrayStart WriteArrayStart(char elementTypeCode)
    {
        AlignAndReserve(4);
        int lengthPos = _pos;
        _pos += 4;
        Align(Signature.Alignment(elementTypeCode));
        return new ArrayStart(lengthPos, _pos);
    }

    /// <summary>Closes an array opened by <see cref="WriteArrayStart"/>.</summary>
    public void WriteArrayEnd(ArrayStart start)
    {
        int length = _pos - start.DataStart;
        if (length > ProtocolLimits.MaxArrayLength)
            throw new InvalidOperationException($"array of {length} bytes exceeds the 64 MiB limit");
        WriteUInt32At(start.LengthPosition, (uint)length);
    }

    /// <summary>Opens a struct or dict entry (aligns to 8); its fields follow.</summary>
    public void WriteStructStart() => Align(8);

    /// <summary>Writes a dynamic value in its own signature (no variant wrapper).</summary>
    public void WriteValue(DBusValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (value.Signature[0])
        {
            case 'y': WriteByte((byte)value.Bits); break;
            case 'b': WriteBoolean(value.Bits != 0); break;
            case 'n': WriteUInt16((ushort)value.Bits); break;
            case 'q': WriteUInt16((ushort)value.Bits); break;
            case 'i': WriteUInt32((uint)value.Bits); break;
            case 'u': WriteUInt32((uint)value.Bits); break;
            case 'h':
                WriteUInt32((uint)value.Bits);
                break;
            case 'x': WriteUInt64(value.Bits); break;
            case 't': WriteUInt64(value.Bits); break;
            case 'd': WriteUInt64(value.Bits); break;
            case 's': WriteString(value.AsString().AsSpan()); break;
            case 'o': WriteObjectPath(value.AsString()); break;
            case 'g': WriteSignature(value.AsString()); break;
            case 'v': WriteVariant(value.VariantValue); break;
            case 'a':
                {
                    ArrayStart start = WriteArrayStart(value.Signature[1]);
                    foreach (DBusValue item in value.Items)
                        WriteValue(item);
                    WriteArrayEnd(start);
                    break;
                }
            case '(':
            case '{':
                WriteStructStart();
                foreach (DBusValue field in value.Items)
                    WriteValue(field);
                break;
            default:
                throw new ArgumentException($"cannot write value of signature '{value.Signature}'", nameof(value));
        }
    }

    /// <summary>Writes a variant holding <paramref name="value"/>.</summary>
    public void WriteVariant(DBusValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteSignatureUnchecked(value.Signature);
        WriteValue(value);
    }

    public void WriteVariantBoolean(bool value) { WriteSignatureUnchecked("b"); WriteBoolean(value); }
    public void WriteVariantByte(byte value) { WriteSignatureUnchecked("y"); WriteByte(value); }
    public void WriteVariantInt32(int value) { WriteSignatureUnchecked("i"); WriteInt32(value); }
    public void WriteVariantUInt32(uint value) { WriteSignatureUnchecked("u"); WriteUInt32(value); }
    public void WriteVariantInt64(long value) { WriteSignatureUnchecked("x"); WriteInt64(value); }
    public void WriteVariantUInt64(ulong value) { WriteSignatureUnchecked("t"); WriteUInt64(value); }
    public void WriteVariantDouble(double value) { WriteSignatureUnchecked("d"); WriteDouble(value); }
    public void WriteVariantString(string value) { WriteSignatureUnchecked("s"); WriteString(value.AsSpan()); }
    public void WriteVariantObjectPath(string value) { WriteSignatureUnchecked("o"); WriteObjectPath(value); }

    /// <summary>Writes an array of strings ('as').</summary>
    public void WriteStringArray(IReadOnlyList<string> values)
    {
        ArrayStart start = WriteArrayStart('s');
        for (int i = 0; i < values.Count; i++)
            WriteString(values[i].AsSpan());
        WriteArrayEnd(start);
    }

    private void WriteSignatureUnchecked(string signature)
    {
        EnsureCapacity(signature.Length + 2);
        _buffer[_pos++] = (byte)signature.Length;
        for (int i = 0; i < signature.Length; i++)
            _buffer[_pos++] = (byte)signature[i];
        _buffer[_pos++] = 0;
    }

    private void WriteCommonFields(string? destination, string? sender, string? signature)
    {
        if (destination is not null)
        {
            CheckBusName(destination);
            WriteHeaderField(HeaderField.Destination, 's', destination);
        }
        if (sender is not null)
        {
            CheckBusName(sender);
            WriteHeaderField(HeaderField.Sender, 's', sender);
        }
        if (!string.IsNullOrEmpty(signature))
        {
            Signature.EnsureValid(signature);
            WriteHeaderField(HeaderField.Signature, 'g', signature);
        }
        _headerFieldsEnd = _pos;
        Align(8);
        _bodyStart = _pos;
    }

    private void WriteReplySerial(uint replySerial)
    {
        Align(8);
        WriteByte((byte)HeaderField.ReplySerial);
        WriteSignatureUnchecked("u");
        WriteUInt32(replySerial);
    }

    private void WriteHeaderField(HeaderField field, char type, string value)
    {
        Align(8);
        WriteByte((byte)field);
        EnsureCapacity(3);
        _buffer[_pos++] = 1;
        _buffer[_pos++] = (byte)type;
        _buffer[_pos++] = 0;
        if (type == 'g')
            WriteSignatureUnchecked(value);
        else
            WriteString(value.AsSpan());
    }

    private void WriteUInt32At(int position, uint value)
    {
        if (_bigEndian)
            BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(position), value);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(position), value);
    }

    private void AlignAndReserve(int alignment)
    {
        Align(alignment);
        EnsureCapacity(alignment);
    }

    private void Align(int alignment)
    {
        int padding = (alignment - (_pos & (alignment - 1))) & (alignment - 1);
        if (padding == 0)
            return;
        EnsureCapacity(padding);
        _buffer.AsSpan(_pos, padding).Clear();
        _pos += padding;
    }

    private void EnsureCapacity(int extra)
    {
        if (_pos + extra <= _buffer.Length)
            return;
        long wanted = Math.Max((long)_buffer.Length * 2, (long)_pos + extra);
        if (wanted > ProtocolLimits.MaxMessageLength + 4096L)
        {
            if ((long)_pos + extra > ProtocolLimits.MaxMessageLength)
                throw new InvalidOperationException("message exceeds the 128 MiB limit");
            wanted = ProtocolLimits.MaxMessageLength + 4096L;
        }
        byte[] larger = ArrayPool<byte>.Shared.Rent((int)wanted);
        Buffer.BlockCopy(_buffer, 0, larger, 0, _pos);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private static void CheckPath(string path)
    {
        if (!Names.IsValidObjectPath(path))
            throw new ArgumentException($"'{path}' is not a valid object path", nameof(path));
    }

    private static void CheckInterface(string name)
    {
        if (!Names.IsValidInterfaceName(name))
            throw new ArgumentException($"'{name}' is not a valid interface name", nameof(name));
    }

    private static void CheckMember(string name)
    {
        if (!Names.IsValidMemberName(name))
            throw new ArgumentException($"'{name}' is not a valid member name", nameof(name));
    }

    private static void CheckBusName(string name)
    {
        if (!Names.IsValidBusName(name))
            throw new ArgumentException($"'{name}' is not a valid bus name", nameof(name));
    }
}

/// <summary>Where an open array's length goes and where its elements begin.</summary>
public readonly struct ArrayStart
{
    internal ArrayStart(int lengthPosition, int dataStart)
    {
        LengthPosition = lengthPosition;
        DataStart = dataStart;
    }

    internal int LengthPosition { get; }
    internal int DataStart { get; }
}

internal static class Utf8Validation
{
    public static bool IsValid(ReadOnlySpan<byte> bytes)
        => System.Text.Unicode.Utf8.IsValid(bytes);
}
