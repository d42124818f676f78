using System.Buffers.Binary;
using System.Text;

namespace Units.DBus;

/// <summary>Reads values from a message in either byte order. Every read validates alignment padding,
/// bounds, UTF-8, object paths and signatures, and throws <see cref="ProtocolException"/> on bad data.
/// Positions are absolute within the message, so alignment follows the specification.</summary>
public ref struct Reader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _bigEndian;
    private int _pos;

    internal Reader(ReadOnlySpan<byte> data, bool bigEndian, int position)
    {
        _data = data;
        _bigEndian = bigEndian;
        _pos = position;
    }

    /// <summary>True once everything has been read.</summary>
    public readonly bool IsAtEnd => _pos >= _data.Length;

    internal readonly int Position => _pos;

    public byte ReadByte()
    {
        Need(1);
        return _data[_pos++];
    }

    public bool ReadBoolean()
    {
        uint value = ReadUInt32();
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw new ProtocolException($"boolean value {value} is neither 0 nor 1"),
        };
    }

    public short ReadInt16() => unchecked((short)ReadUInt16());

    public ushort ReadUInt16()
    {
        AlignTo(2);
        Need(2);
        ushort value = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_data[_pos..]) : BinaryPrimitives.ReadUInt16LittleEndian(_data[_pos..]);
        _pos += 2;
        return value;
    }

    public int ReadInt32() => unchecked((int)ReadUInt32());

    public uint ReadUInt32()
    {
        AlignTo(4);
        Need(4);
        uint value = _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(_data[_pos..]) : BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return value;
    }

    public long ReadInt64() => unchecked((long)ReadUInt64());

    public ulong ReadUInt64()
    {
        AlignTo(8);
        Need(8);
        ulong value = _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]) : BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return value;
    }

    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadUInt64());

    /// <summary>Reads an 'h' value: an index into the message's fd list (see <see cref="Message.TakeUnixFd"/>).</summary>
    public uint ReadUnixFdIndex() => ReadUInt32();

    /// <summary>Reads a string ('s') as UTF-8 bytes without allocating.</summary>
    public ReadOnlySpan<byte> ReadStringUtf8()
    {
        uint length = ReadUInt32();
        if (length >= (long)_data.Length - _pos)
            throw new ProtocolException($"string of {length} bytes runs past the end of the message");
        ReadOnlySpan<byte> bytes = _data.Slice(_pos, (int)length);
        if (_data[_pos + (int)length] != 0)
            throw new ProtocolException("string is not NUL-terminated");
        if (bytes.Contains((byte)0))
            throw new ProtocolException("string contains a NUL byte");
        if (!Utf8Validation.IsValid(bytes))
            throw new ProtocolException("string is not valid UTF-8");
        _pos += (int)length + 1;
        return bytes;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadStringUtf8());

    public string ReadObjectPath()
    {
        ReadOnlySpan<byte> bytes = ReadStringUtf8();
        string path = Encoding.UTF8.GetString(bytes);
        if (!Names.IsValidObjectPath(path))
            throw new ProtocolException($"'{path}' is not a valid object path");
        return path;
    }

    public string ReadSignature()
    {
        string signature = ReadSignatureText();
        if (!Signature.IsValid(signature))
            throw new ProtocolException($"'{signature}' is not a valid signature");
        return signature;
    }

    /// <summary>Reads the signature that opens a variant; the value follows.</summary>
    public string ReadVariantSignature()
    {
        string signature = ReadSignatureText();
        if (!Signature.IsSingleCompleteType(signature))
            throw new ProtocolException($"variant signature '{signature}' is not a single complete type");
        return signature;
    }

    /// <summary>Opens an array of elements whose type starts with <paramref name="elementTypeCode"/>.
    /// Loop with <c>while (reader.HasNext(end))</c>.</summary>
    public ArrayEnd ReadArrayStart(char elementTypeCode)
    {
        uint length = ReadUInt32();
        if (length > ProtocolLimits.MaxArrayLength)
            throw new ProtocolException($"array of {length} bytes exceeds the 64 MiB limit");
        AlignTo(Signature.Alignment(elementTypeCode));
        if (length > (uint)(_data.Length - _pos))
            throw new ProtocolException($"array of {length} bytes runs past the end of the message");
        return new ArrayEnd(_pos + (int)length);
    }

    /// <summary>True while elements remain in the array; an element overrunning its array is an error.</summary>
    public readonly bool HasNext(ArrayEnd end)
    {
        if (_pos < end.Position)
            return true;
        if (_pos > end.Position)
            throw new ProtocolException("array element runs past the array's length");
        return false;
    }

    /// <summary>Aligns to a struct or dict entry.</summary>
    public void ReadStructStart() => AlignTo(8);

    /// <summary>Reads a variant as a dynamic value.</summary>
    public DBusValue ReadVariant() => ReadValueAt(ReadVariantSignature(), 0, 1);

    /// <summary>Reads one value of the single complete type <paramref name="signature"/>.</summary>
    public DBusValue ReadValue(string signature)
    {
        if (!Signature.IsSingleCompleteType(signature))
            throw new ArgumentException($"'{signature}' is not a single complete type", nameof(signature));
        return ReadValueAt(signature, 0, 0);
    }

    /// <summary>Skips one value of the complete type at the start of <paramref name="signature"/>.</summary>
    public void SkipValue(ReadOnlySpan<char> signature) => Skip(signature, 0);

    // depth counts every container level (arrays, structs, dict entries and variants) so a peer cannot
    // make us recurse without bound through nested variants (GHSA-xrw6-gwf8-vvr9).
    private DBusValue ReadValueAt(string signature, int start, int depth)
    {
        if (depth > ProtocolLimits.MaxTotalNesting)
            throw new ProtocolException($"values nested deeper than {ProtocolLimits.MaxTotalNesting} levels");
        char code = signature[start];
        switch (code)
        {
            case 'y': return DBusValue.FromParts("y", ReadByte(), null);
            case 'b': return DBusValue.FromParts("b", ReadBoolean() ? 1UL : 0UL, null);
            case 'n': return DBusValue.FromParts("n", ReadUInt16(), null);
            case 'q': return DBusValue.FromParts("q", ReadUInt16(), null);
            case 'i': return DBusValue.FromParts("i", ReadUInt32(), null);
            case 'u': return DBusValue.FromParts("u", ReadUInt32(), null);
            case 'h': return DBusValue.FromParts("h", ReadUInt32(), null);
            case 'x': return DBusValue.FromParts("x", ReadUInt64(), null);
            case 't': return DBusValue.FromParts("t", ReadUInt64(), null);
            case 'd': return DBusValue.FromParts("d", ReadUInt64(), null);
            case 's': return DBusValue.FromParts("s", 0, ReadString());
            case 'o': return DBusValue.FromParts("o", 0, ReadObjectPath());
            case 'g': return DBusValue.FromParts("g", 0, ReadSignature());
            case 'v':
                {
                    string inner = ReadVariantSignature();
                    return DBusValue.FromParts("v", 0, ReadValueAt(inner, 0, depth + 1));
                }
            case 'a':
                {
                    int length = Signature.ValidatedTypeLength(signature, start);
                    string arraySignature = start == 0 && length == signature.Length ? signature : signature.Substring(start, length);
                    ArrayEnd end = ReadArrayStart(signature[start + 1]);
                    var items = new List<DBusValue>();
                    while (HasNext(end))
                        items.Add(ReadValueAt(arraySignature, 1, depth + 1));
                    return DBusValue.FromParts(arraySignature, 0, items.ToArray());
                }
            case '(':
            case '{':
                {
                    int length = Signature.ValidatedTypeLength(signature, start);
                    string structSignature = start == 0 && length == signature.Length ? signature : signature.Substring(start, length);
                    ReadStructStart();
                    var fields = new List<DBusValue>();
                    int p = 1;
                    while (p < structSignature.Length - 1)
                    {
                        fields.Add(ReadValueAt(structSignature, p, depth + 1));
                        p += Signature.ValidatedTypeLength(structSignature, p);
                    }
                    return DBusValue.FromParts(structSignature, 0, fields.ToArray());
                }
            default:
                throw new ProtocolException($"unknown type code '{code}'");
        }
    }

    private void Skip(ReadOnlySpan<char> signature, int depth)
    {
        if (depth > ProtocolLimits.MaxTotalNesting)
            throw new ProtocolException($"values nested deeper than {ProtocolLimits.MaxTotalNesting} levels");
        char code = signature[0];
        switch (code)
        {
            case 'y': ReadByte(); break;
            case 'b': ReadBoolean(); break;
            case 'n' or 'q': ReadUInt16(); break;
            case 'i' or 'u' or 'h': ReadUInt32(); break;
            case 'x' or 't' or 'd': ReadUInt64(); break;
            case 's': ReadStringUtf8(); break;
            case 'o': ReadObjectPath(); break;
            case 'g': ReadSignature(); break;
            case 'v': Skip(ReadVariantSignature(), depth + 1); break;
            case 'a':
                {
                    ArrayEnd end = ReadArrayStart(signature[1]);
                    ReadOnlySpan<char> element = signature.Slice(1, Signature.ValidatedTypeLength(signature, 1));
                    while (HasNext(end))
                        Skip(element, depth + 1);
                    break;
                }
            case '(' or '{':
                {
                    ReadStructStart();
                    int length = Signature.ValidatedTypeLength(signature, 0);
                    int p = 1;
                    while (p < length - 1)
                    {
                        int fieldLength = Signature.ValidatedTypeLength(signature, p);
                        Skip(signature.Slice(p, fieldLength), depth + 1);
                        p += fieldLength;
                    }
                    break;
                }
            default:
                throw new ProtocolException($"unknown type code '{code}'");
        }
    }

    private string ReadSignatureText()
    {
        Need(1);
        int length = _data[_pos];
        if (length > _data.Length - _pos - 2)
            throw new ProtocolException("signature runs past the end of the message");
        ReadOnlySpan<byte> bytes = _data.Slice(_pos + 1, length);
        if (_data[_pos + 1 + length] != 0)
            throw new ProtocolException("signature is not NUL-terminated");
        _pos += length + 2;
        return SignatureCache.Get(bytes);
    }

    private void AlignTo(int alignment)
    {
        int padding = (alignment - (_pos & (alignment - 1))) & (alignment - 1);
        if (padding == 0)
            return;
        Need(padding);
        for (int i = 0; i < padding; i++)
        {
            if (_data[_pos + i] != 0)
                throw new ProtocolException("non-zero alignment padding");
        }
        _pos += padding;
    }

    private readonly void Need(int count)
    {
        if (count > _data.Length - _pos)
            throw new ProtocolException("value runs past the end of the message");
    }
}

/// <summary>Where an array being read ends.</summary>
public readonly struct ArrayEnd
{
    internal ArrayEnd(int position) => Position = position;

    internal int Position { get; }
}

// Common signatures are read on every message: reuse their strings instead of allocating.
internal static class SignatureCache
{
    private static readonly string[] s_singles = CreateSingles();
    private static readonly string[] s_common = ["as", "ao", "a{sv}", "ss", "sa{sv}as", "ay", "(ss)", "a(ss)", "a(sss)", "a(sv)", "sv", "ssv", "su", "uoss", "uo", "so", "a(ssssssouso)", "asas", "a(usssoo)"];

    public static string Get(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1 && bytes[0] < 128)
            return s_singles[bytes[0]];
        foreach (string candidate in s_common)
        {
            if (Equal(candidate, bytes))
                return candidate;
        }
        foreach (byte b in bytes)
        {
            if (b is 0 or >= 128)
                throw new ProtocolException("signature contains a byte outside ASCII");
        }
        return Encoding.ASCII.GetString(bytes);
    }

    private static bool Equal(string candidate, ReadOnlySpan<byte> bytes)
    {
        if (candidate.Length != bytes.Length)
            return false;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (candidate[i] != bytes[i])
                return false;
        }
        return true;
    }

    private static string[] CreateSingles()
    {
        var singles = new string[128];
        for (int i = 0; i < 128; i++)
            singles[i] = ((char)i).ToString();
        return singles;
    }
}
