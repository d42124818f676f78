using System.Globalization;
using System.Text;

namespace Units.DBus;

/// <summary>A typed dynamic D-Bus value (what a variant holds, what generic tools print). Immutable;
/// compares by signature and content.</summary>
public sealed class DBusValue : IEquatable<DBusValue>
{
    private static readonly DBusValue[] s_noItems = [];

    // Integers, booleans, doubles (as bits) and fd indexes live in _bits; strings, items and the
    // variant's inner value live in _reference.
    private readonly ulong _bits;
    private readonly object? _reference;

    private DBusValue(string signature, ulong bits, object? reference)
    {
        Signature = signature;
        _bits = bits;
        _reference = reference;
    }

    /// <summary>The value's complete type.</summary>
    public string Signature { get; }

    internal ulong Bits => _bits;

    public static DBusValue Byte(byte value) => new("y", value, null);
    public static DBusValue Boolean(bool value) => new("b", value ? 1UL : 0UL, null);
    public static DBusValue Int16(short value) => new("n", unchecked((ushort)value), null);
    public static DBusValue UInt16(ushort value) => new("q", value, null);
    public static DBusValue Int32(int value) => new("i", unchecked((uint)value), null);
    public static DBusValue UInt32(uint value) => new("u", value, null);
    public static DBusValue Int64(long value) => new("x", unchecked((ulong)value), null);
    public static DBusValue UInt64(ulong value) => new("t", value, null);
    public static DBusValue Double(double value) => new("d", BitConverter.DoubleToUInt64Bits(value), null);

    /// <summary>An fd, as its index into the message's fd list.</summary>
    public static DBusValue UnixFdIndex(uint index) => new("h", index, null);

    public static DBusValue String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new("s", 0, value);
    }

    public static DBusValue ObjectPath(string value)
    {
        if (!Names.IsValidObjectPath(value))
            throw new ArgumentException($"'{value}' is not a valid object path", nameof(value));
        return new("o", 0, value);
    }

    public static DBusValue SignatureValue(string value)
    {
        Units.DBus.Signature.EnsureValid(value);
        return new("g", 0, value);
    }

    public static DBusValue Variant(DBusValue inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new("v", 0, inner);
    }

    /// <summary>An array of <paramref name="elementSignature"/> values (dict entries for "{..}").</summary>
    public static DBusValue Array(string elementSignature, params DBusValue[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        string signature = "a" + elementSignature;
        if (!Units.DBus.Signature.IsSingleCompleteType(signature))
            throw new ArgumentException($"'{signature}' is not a valid array type", nameof(elementSignature));
        foreach (DBusValue item in items)
        {
            if (item.Signature != elementSignature)
                throw new ArgumentException($"array of '{elementSignature}' cannot hold '{item.Signature}'", nameof(items));
        }
        return new(signature, 0, items.Length == 0 ? s_noItems : items);
    }

    public static DBusValue Struct(params DBusValue[] fields)
    {
        if (fields is not { Length: > 0 })
            throw new ArgumentException("a struct has at least one field", nameof(fields));
        var signature = new StringBuilder("(");
        foreach (DBusValue field in fields)
            signature.Append(field.Signature);
        signature.Append(')');
        return new(signature.ToString(), 0, fields);
    }

    public static DBusValue DictEntry(DBusValue key, DBusValue value)
    {
        if (!Units.DBus.Signature.IsBasic(key.Signature[0]))
            throw new ArgumentException("a dict key must be a basic type", nameof(key));
        return new("{" + key.Signature + value.Signature + "}", 0, new[] { key, value });
    }

    // Used by the reader, which has validated the signature and the content already.
    internal static DBusValue FromParts(string signature, ulong bits, object? reference) => new(signature, bits, reference);

    public byte AsByte() => Expect('y', (byte)_bits);
    public bool AsBoolean() => Expect('b', _bits != 0);
    public short AsInt16() => Expect('n', unchecked((short)_bits));
    public ushort AsUInt16() => Expect('q', (ushort)_bits);
    public int AsInt32() => Expect('i', unchecked((int)_bits));
    public uint AsUInt32() => Expect('u', (uint)_bits);
    public long AsInt64() => Expect('x', unchecked((long)_bits));
    public ulong AsUInt64() => Expect('t', _bits);
    public double AsDouble() => Expect('d', BitConverter.UInt64BitsToDouble(_bits));
    public uint AsUnixFdIndex() => Expect('h', (uint)_bits);

    /// <summary>The text of an 's', 'o' or 'g' value.</summary>
    public string AsString() => _reference as string
        ?? throw new InvalidCastException($"a value of type '{Signature}' is not a string");

    /// <summary>Array elements, struct fields, or a dict entry's key and value.</summary>
    public IReadOnlyList<DBusValue> Items => _reference as DBusValue[]
        ?? throw new InvalidCastException($"a value of type '{Signature}' has no items");

    /// <summary>The value inside a variant.</summary>
    public DBusValue VariantValue => Signature == "v" ? (DBusValue)_reference! : throw new InvalidCastException($"a value of type '{Signature}' is not a variant");

    /// <summary>Looks up a string key in an a{s…} dictionary.</summary>
    public DBusValue? GetDictionaryValue(string key)
    {
        foreach (DBusValue entry in Items)
        {
            DBusValue[] pair = (DBusValue[])entry._reference!;
            if (pair[0]._reference is string s && s == key)
                return pair[1];
        }
        return null;
    }

    private T Expect<T>(char code, T value)
        => Signature.Length == 1 && Signature[0] == code ? value : throw new InvalidCastException($"a value of type '{Signature}' is not '{code}'");

    public bool Equals(DBusValue? other)
    {
        if (other is null || other.Signature != Signature || other._bits != _bits)
            return false;
        return (_reference, other._reference) switch
        {
            (null, null) => true,
            (string a, string b) => a == b,
            (DBusValue a, DBusValue b) => a.Equals(b),
            (DBusValue[] a, DBusValue[] b) => ItemsEqual(a, b),
            _ => false,
        };
    }

    private static bool ItemsEqual(DBusValue[] a, DBusValue[] b)
    {
        if (a.Length != b.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].Equals(b[i]))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as DBusValue);

    public override int GetHashCode() => HashCode.Combine(Signature, _bits, _reference is string s ? s.GetHashCode(StringComparison.Ordinal) : 0);

    /// <summary>A GVariant-like text form, e.g. <c>{'a': &lt;uint32 5&gt;}</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        Format(text);
        return text.ToString();
    }

    private void Format(StringBuilder text)
    {
        switch (Signature[0])
        {
            case 'b': text.Append(_bits != 0 ? "true" : "false"); break;
            case 'y': text.Append("byte ").Append(((byte)_bits).ToString(CultureInfo.InvariantCulture)); break;
            case 'n': text.Append("int16 ").Append(AsInt16().ToString(CultureInfo.InvariantCulture)); break;
            case 'q': text.Append("uint16 ").Append(AsUInt16().ToString(CultureInfo.InvariantCulture)); break;
            case 'i': text.Append(AsInt32().ToString(CultureInfo.InvariantCulture)); break;
            case 'u': text.Append("uint32 ").Append(AsUInt32().ToString(CultureInfo.InvariantCulture)); break;
            case 'x': text.Append("int64 ").Append(AsInt64().ToString(CultureInfo.InvariantCulture)); break;
            case 't': text.Append("uint64 ").Append(AsUInt64().ToString(CultureInfo.InvariantCulture)); break;
            case 'd': text.Append(AsDouble().ToString("R", CultureInfo.InvariantCulture)); break;
            case 'h': text.Append("handle ").Append(AsUnixFdIndex().ToString(CultureInfo.InvariantCulture)); break;
            case 's': text.Append('\'').Append(AsString().Replace("'", "\\'", StringComparison.Ordinal)).Append('\''); break;
            case 'o': text.Append("objectpath '").Append(AsString()).Append('\''); break;
            case 'g': text.Append("signature '").Append(AsString()).Append('\''); break;
            case 'v': text.Append('<'); VariantValue.Format(text); text.Append('>'); break;
            case 'a':
                bool dict = Signature[1] == '{';
                text.Append(dict ? '{' : '[');
                DBusValue[] items = (DBusValue[])_reference!;
                for (int i = 0; i < items.Length; i++)
                {
                    if (i > 0)
                        text.Append(", ");
                    if (dict)
                    {
                        DBusValue[] pair = (DBusValue[])items[i]._reference!;
                        pair[0].Format(text);
                        text.Append(": ");
                        pair[1].Format(text);
                    }
                    else
                        items[i].Format(text);
                }
                text.Append(dict ? '}' : ']');
                break;
            default:
                DBusValue[] fields = (DBusValue[])_reference!;
                text.Append('(');
                for (int i = 0; i < fields.Length; i++)
                {
                    if (i > 0)
                        text.Append(", ");
                    fields[i].Format(text);
                }
                text.Append(fields.Length == 1 ? ",)" : ")");
                break;
        }
    }
}
