using System.Text;

namespace Units.DBus.Tests;

/// <summary>Random signatures and values of them, for property tests and fuzzing (deterministic per seed).</summary>
internal sealed class RandomValues(Random random)
{
    private const string Basics = "ybnqiuxtdsogh";

    public Random Random { get; } = random;

    /// <summary>A single complete type, nested at most <paramref name="depth"/> containers deep.</summary>
    public string Signature(int depth = 4)
    {
        int choice = Random.Next(depth <= 0 ? 10 : 18);
        if (choice < 13)
            return Basics[choice].ToString();
        return choice switch
        {
            13 => "v",
            14 or 15 => "a" + Signature(depth - 1),
            16 => "a{" + Basics[Random.Next(Basics.Length)] + Signature(depth - 1) + "}",
            _ => "(" + string.Concat(Enumerable.Range(0, Random.Next(1, 4)).Select(_ => Signature(depth - 1))) + ")",
        };
    }

    public DBusValue Value(string signature, int variantDepth = 3)
    {
        switch (signature[0])
        {
            case 'y': return DBusValue.Byte((byte)Random.Next(256));
            case 'b': return DBusValue.Boolean(Random.Next(2) == 1);
            case 'n': return DBusValue.Int16((short)Random.Next(short.MinValue, short.MaxValue + 1));
            case 'q': return DBusValue.UInt16((ushort)Random.Next(ushort.MaxValue + 1));
            case 'i': return DBusValue.Int32(Random.Next(int.MinValue, int.MaxValue));
            case 'u': return DBusValue.UInt32((uint)Random.NextInt64(uint.MaxValue + 1L));
            case 'x': return DBusValue.Int64(Random.NextInt64(long.MinValue, long.MaxValue));
            case 't': return DBusValue.UInt64((ulong)Random.NextInt64() * 2 + (ulong)Random.Next(2));
            case 'd': return DBusValue.Double(Random.Next(4) == 0 ? double.NaN : (Random.NextDouble() - 0.5) * Math.Pow(10, Random.Next(-300, 300)));
            case 'h': return DBusValue.UnixFdIndex((uint)Random.Next(16));
            case 's': return DBusValue.String(Text());
            case 'o': return DBusValue.ObjectPath(Path());
            case 'g': return DBusValue.SignatureValue(Random.Next(3) == 0 ? "" : Signature(2));
            case 'v':
                return DBusValue.Variant(Value(variantDepth > 0 ? Signature(2) : Basics[Random.Next(Basics.Length)].ToString(), variantDepth - 1));
            case 'a':
                {
                    string element = signature[1..];
                    var items = new DBusValue[Random.Next(0, 4)];
                    for (int i = 0; i < items.Length; i++)
                        items[i] = Value(element, variantDepth);
                    return DBusValue.Array(element, items);
                }
            case '{':
                {
                    int keyLength = 1;
                    return DBusValue.DictEntry(Value(signature.Substring(1, keyLength), variantDepth),
                        Value(signature[(1 + keyLength)..^1], variantDepth));
                }
            default:
                {
                    var fields = new List<DBusValue>();
                    for (int p = 1; p < signature.Length - 1;)
                    {
                        int length = Units.DBus.Signature.FirstCompleteTypeLength(signature, p);
                        fields.Add(Value(signature.Substring(p, length), variantDepth));
                        p += length;
                    }
                    return DBusValue.Struct([.. fields]);
                }
        }
    }

    private string Text()
    {
        var text = new StringBuilder();
        int length = Random.Next(0, 12);
        for (int i = 0; i < length; i++)
        {
            switch (Random.Next(4))
            {
                case 0: text.Append((char)Random.Next(1, 128)); break;
                case 1: text.Append((char)Random.Next(0xA0, 0x800)); break;
                case 2: text.Append((char)Random.Next(0x800, 0xD800)); break;
                default: text.Append(char.ConvertFromUtf32(Random.Next(0x10000, 0x10FFFF))); break;
            }
        }
        return text.ToString();
    }

    private string Path()
    {
        int elements = Random.Next(0, 4);
        if (elements == 0)
            return "/";
        var path = new StringBuilder();
        for (int i = 0; i < elements; i++)
        {
            path.Append('/');
            int length = Random.Next(1, 6);
            for (int j = 0; j < length; j++)
                path.Append("abcXYZ019_"[Random.Next(10)]);
        }
        return path.ToString();
    }

    /// <summary>A complete message (random kind, header, body of 0–3 random values) as raw bytes.</summary>
    public (byte[] Bytes, DBusValue[] Body) Message(bool bigEndian)
    {
        var body = new DBusValue[Random.Next(0, 4)];
        for (int i = 0; i < body.Length; i++)
            body[i] = Value(Signature());
        string signature = string.Concat(body.Select(v => v.Signature));
        if (signature.Length > ProtocolLimits.MaxSignatureLength)
            return Message(bigEndian);
        MessageWriter writer = Random.Next(2) == 0
            ? MessageWriter.CreateMethodCall("org.example.Dest", Path(), "org.example.Iface", "Member", signature, MessageFlags.None, ":1.5", bigEndian)
            : MessageWriter.CreateSignal(Path(), "org.example.Iface", "Changed", signature, null, "org.example.Sender", bigEndian);
        foreach (DBusValue value in body)
            writer.WriteValue(value);
        MessageBuffer buffer = writer.Finish();
        byte[] bytes = buffer.Span.ToArray();
        buffer.Release();
        return (bytes, body);
    }
}
