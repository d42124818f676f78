using System.Buffers;
using System.Text;

namespace Units.DBus.Tests;

/// <summary>Mutates valid messages and authentication exchanges into hostile ones. The reader must only
/// ever answer with <see cref="ProtocolException"/>; the server must stay up for everyone else.</summary>
internal sealed class Fuzzer(int seed)
{
    private readonly RandomValues _values = new(new Random(seed));

    private Random Random => _values.Random;

    /// <summary>A message that is valid, slightly broken, or badly broken.</summary>
    public byte[] NextMessage()
    {
        int kind = Random.Next(10);
        if (kind == 0)
            return RandomBytes();
        if (kind == 1)
            return DeepVariant(Random.Next(30, 200));
        byte[] message = _values.Message(Random.Next(4) == 0).Bytes;
        return kind == 2 ? message : Mutate(message);
    }

    public byte[] Mutate(byte[] message)
    {
        byte[] bytes = message;
        int mutations = Random.Next(1, 5);
        for (int m = 0; m < mutations && bytes.Length > 0; m++)
        {
            switch (Random.Next(6))
            {
                case 0: // flip a bit
                    bytes[Random.Next(bytes.Length)] ^= (byte)(1 << Random.Next(8));
                    break;
                case 1: // set a byte to an interesting value
                    bytes[Random.Next(bytes.Length)] = (byte)new[] { 0, 0xff, 0x7f, 0x80, (int)'(', (int)'a', (int)'v', (int)'{' }[Random.Next(8)];
                    break;
                case 2: // write a big 32-bit length somewhere aligned
                    {
                        int at = Random.Next(bytes.Length / 4) * 4;
                        if (at + 4 <= bytes.Length)
                            BitConverter.TryWriteBytes(bytes.AsSpan(at), new[] { 0x7fffffff, 0x04000001, 0x08000000, -1, 3 }[Random.Next(5)]);
                        break;
                    }
                case 3: // truncate
                    bytes = bytes[..Random.Next(bytes.Length)];
                    break;
                case 4: // duplicate a slice
                    {
                        int start = Random.Next(bytes.Length);
                        int length = Random.Next(bytes.Length - start);
                        bytes = [.. bytes, .. bytes.AsSpan(start, length)];
                        break;
                    }
                default: // corrupt the header's lengths only
                    if (bytes.Length >= 16)
                        bytes[4 + Random.Next(12)] = (byte)Random.Next(256);
                    break;
            }
        }
        return bytes;
    }

    private byte[] RandomBytes()
    {
        byte[] bytes = new byte[Random.Next(0, 200)];
        Random.NextBytes(bytes);
        if (bytes.Length > 4)
        {
            bytes[0] = (byte)'l';
            bytes[3] = 1;
        }
        return bytes;
    }

    /// <summary>A call whose body is a variant nested <paramref name="depth"/> levels (GHSA-xrw6-gwf8-vvr9).</summary>
    public static byte[] DeepVariant(int depth)
    {
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/org/example/Test", "org.example.Test", "Echo", "v");
        for (int i = 0; i < depth; i++)
            writer.BeginVariant("v");
        writer.BeginVariant("u");
        writer.WriteUInt32(7);
        MessageBuffer buffer = writer.Finish();
        byte[] bytes = buffer.Span.ToArray();
        buffer.Release();
        return bytes;
    }

    /// <summary>An authentication exchange, mostly broken.</summary>
    public byte[] NextAuth()
    {
        string[] lines = ["AUTH EXTERNAL", "AUTH EXTERNAL 30", "AUTH EXTERNAL zz", "AUTH ANONYMOUS", "AUTH", "DATA", "DATA 30", "BEGIN",
            "NEGOTIATE_UNIX_FD", "CANCEL", "ERROR", "OK 1234", "REJECTED", "AUTH DBUS_COOKIE_SHA1 726f6f74", "", "AUTH EXTERNAL " + new string('3', 300)];
        var text = new StringBuilder();
        if (Random.Next(10) != 0)
            text.Append('\0');
        int count = Random.Next(1, 8);
        for (int i = 0; i < count; i++)
            text.Append(lines[Random.Next(lines.Length)]).Append(Random.Next(10) == 0 ? "\n" : "\r\n");
        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());
        return Random.Next(3) == 0 ? Mutate(bytes) : bytes;
    }

    /// <summary>Feeds <paramref name="bytes"/> to the parser and reads the whole body; returns false if it
    /// was rejected. Any exception other than ProtocolException escapes (and fails the caller).</summary>
    public static bool Parse(byte[] bytes)
    {
        if (bytes.Length < Message.FixedHeaderLength)
            return false;
        try
        {
            int length = Message.GetMessageLength(bytes);
            if (length > bytes.Length)
                return false;
            byte[] data = ArrayPool<byte>.Shared.Rent(length);
            bytes.AsSpan(0, length).CopyTo(data);
            Message message;
            try
            {
                message = Message.Parse(data, length, new UnixFdQueue());
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(data);
                throw;
            }
            using (message)
            {
                message.ValidateBody();
                Reader reader = message.GetBodyReader();
                string signature = message.Signature;
                for (int p = 0; p < signature.Length;)
                {
                    int typeLength = Signature.FirstCompleteTypeLength(signature, p);
                    reader.ReadValue(signature.Substring(p, typeLength));
                    p += typeLength;
                }
            }
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }
}
