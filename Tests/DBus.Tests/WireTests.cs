namespace Units.DBus.Tests;

/// <summary>Marshalling against the specification: byte orders, alignment, validation, limits.</summary>
public sealed class WireTests
{
    private static Message Parse(ReadOnlySpan<byte> bytes)
    {
        byte[] data = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(data);
        return Message.Parse(data, bytes.Length, new UnixFdQueue());
    }

    private static Message RoundTrip(MessageWriter writer)
    {
        MessageBuffer buffer = writer.Finish();
        try
        {
            return Parse(buffer.Span);
        }
        finally
        {
            buffer.Release();
        }
    }

    [Fact]
    public void A_big_endian_message_built_by_hand_from_the_specification_is_decoded()
    {
        byte[] bytes =
        [
            (byte)'B', 1, 0, 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 40,
            1, 1, (byte)'o', 0, 0, 0, 0, 2, (byte)'/', (byte)'a', 0, 0, 0, 0, 0, 0,
            3, 1, (byte)'s', 0, 0, 0, 0, 3, (byte)'A', (byte)'d', (byte)'d', 0, 0, 0, 0, 0,
            8, 1, (byte)'g', 0, 2, (byte)'i', (byte)'i', 0,
            0, 0, 0, 2, 0, 0, 0, 40,
        ];
        using Message message = Parse(bytes);
        Assert.Equal(MessageType.MethodCall, message.Type);
        Assert.Equal(1u, message.Serial);
        Assert.Equal("/a", message.Path);
        Assert.Equal("Add", message.Member);
        Assert.Equal("ii", message.Signature);
        Reader body = message.GetBodyReader();
        Assert.Equal(2, body.ReadInt32());
        Assert.Equal(40, body.ReadInt32());
        Assert.True(body.IsAtEnd);
    }

    [Fact]
    public void Our_big_endian_writer_matches_the_hand_built_bytes()
    {
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/a", null, "Add", "ii", MessageFlags.None, null, bigEndian: true);
        writer.WriteInt32(2);
        writer.WriteInt32(40);
        MessageBuffer buffer = writer.Finish();
        byte[] bytes = buffer.Span.ToArray();
        buffer.Release();
        Assert.Equal((byte)'B', bytes[0]);
        Assert.Equal(new byte[] { 0, 0, 0, 8 }, bytes[4..8]);
        Assert.Equal(new byte[] { 0, 0, 0, 40 }, bytes[12..16]);
        Assert.Equal(new byte[] { 0, 0, 0, 2, 0, 0, 0, 40 }, bytes[^8..]);
    }

    [Fact]
    public void Alignment_padding_is_written_as_zeros_and_checked_on_read()
    {
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/", null, "M", "yt");
        writer.WriteByte(1);
        writer.WriteUInt64(2);
        MessageBuffer buffer = writer.Finish();
        byte[] bytes = buffer.Span.ToArray();
        buffer.Release();
        int body = bytes.Length - 16;
        Assert.All(bytes[(body + 1)..(body + 8)], b => Assert.Equal(0, b));
        using (Message ok = Parse(bytes))
        {
            Reader reader = ok.GetBodyReader();
            Assert.Equal(1, reader.ReadByte());
            Assert.Equal(2ul, reader.ReadUInt64());
        }
        bytes[body + 3] = 9;
        using Message bad = Parse(bytes);
        Assert.Throws<ProtocolException>(() => { Reader reader = bad.GetBodyReader(); reader.ReadByte(); reader.ReadUInt64(); });
    }

    [Fact]
    public void An_empty_array_still_aligns_to_its_element_type()
    {
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/", null, "M", "ata{sv}");
        ArrayStart empty = writer.WriteArrayStart('t');
        writer.WriteArrayEnd(empty);
        ArrayStart dict = writer.WriteArrayStart('{');
        writer.WriteStructStart();
        writer.WriteString("k".AsSpan());
        writer.WriteVariantUInt32(5);
        writer.WriteArrayEnd(dict);
        using Message message = RoundTrip(writer);
        Reader reader = message.GetBodyReader();
        Assert.Equal(DBusValue.Array("t"), reader.ReadValue("at"));
        Assert.Equal(DBusValue.UInt32(5), reader.ReadValue("a{sv}").GetDictionaryValue("k")!.VariantValue);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("a{sv}as(bbb)", true)]
    [InlineData("a{vs}", false)] // key must be basic
    [InlineData("{ss}", false)] // dict entry outside an array
    [InlineData("a{sss}", false)]
    [InlineData("()", false)]
    [InlineData("(i", false)]
    [InlineData("a", false)]
    [InlineData("z", false)]
    public void Signatures_are_validated(string signature, bool valid) => Assert.Equal(valid, Signature.IsValid(signature));

    [Fact]
    public void Nesting_limits_of_the_specification_hold()
    {
        Assert.True(Signature.IsValid(new string('a', 32) + "y"));
        Assert.False(Signature.IsValid(new string('a', 33) + "y"));
        Assert.True(Signature.IsValid(new string('(', 32) + "y" + new string(')', 32)));
        Assert.False(Signature.IsValid(new string('(', 33) + "y" + new string(')', 33)));
        Assert.False(Signature.IsValid(new string('y', 256)));
    }

    [Fact]
    public void Deeply_nested_variants_are_refused_without_recursing_without_bound()
    {
        using (Message shallow = Parse(Fuzzer.DeepVariant(60)))
            Assert.Equal("v", shallow.GetBodyReader().ReadVariant().Signature);
        using Message deep = Parse(Fuzzer.DeepVariant(10_000));
        Assert.Throws<ProtocolException>(() => deep.GetBodyReader().ReadVariant());
        Assert.Throws<ProtocolException>(() => deep.ValidateBody());
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/org/freedesktop/systemd1/unit/x_2eservice", true)]
    [InlineData("", false)]
    [InlineData("/a/", false)]
    [InlineData("//a", false)]
    [InlineData("/a-b", false)]
    public void Object_paths_are_validated(string path, bool valid) => Assert.Equal(valid, Names.IsValidObjectPath(path));

    [Theory]
    [InlineData("org.freedesktop.systemd1", true, true)]
    [InlineData(":1.42", false, true)]
    [InlineData("org.ex-ample.a", false, true)]
    [InlineData("org", false, false)]
    [InlineData("org..x", false, false)]
    [InlineData("org.1x", false, false)]
    public void Interface_and_bus_names_are_validated(string name, bool isInterface, bool isBusName)
    {
        Assert.Equal(isInterface, Names.IsValidInterfaceName(name));
        Assert.Equal(isBusName, Names.IsValidBusName(name));
    }

    [Fact]
    public void Strings_must_be_utf8_without_nul()
    {
        Assert.Throws<ArgumentException>(() => { MessageWriter w = MessageWriter.CreateMethodCall(null, "/", null, "M", "s"); w.WriteString("a\0b".AsSpan()); });
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/", null, "M", "s");
        writer.WriteString("abc".AsSpan());
        MessageBuffer buffer = writer.Finish();
        byte[] bytes = buffer.Span.ToArray();
        buffer.Release();
        bytes[^3] = 0xff; // 'b' becomes an invalid UTF-8 byte
        using Message message = Parse(bytes);
        Assert.Throws<ProtocolException>(() => message.GetBodyReader().ReadString());
    }

    [Fact]
    public void Size_limits_are_enforced_from_the_header_alone()
    {
        byte[] header = [(byte)'l', 1, 0, 1, 0, 0, 0, 0x10, 1, 0, 0, 0, 8, 0, 0, 0]; // body 256 MiB
        Assert.Throws<ProtocolException>(() => Message.GetMessageLength(header));
        header[7] = 0;
        header[15] = 0x05; // header fields 80 MiB > array limit
        Assert.Throws<ProtocolException>(() => Message.GetMessageLength(header));
        header[0] = (byte)'x';
        Assert.Throws<ProtocolException>(() => Message.GetMessageLength(header));
    }

    [Fact]
    public void Arrays_longer_than_64_MiB_are_refused_on_read()
    {
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/", null, "M", "ay");
        ArrayStart start = writer.WriteArrayStart('y');
        writer.WriteByte(1);
        writer.WriteArrayEnd(start);
        MessageBuffer buffer = writer.Finish();
        byte[] bytes = buffer.Span.ToArray();
        buffer.Release();
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 5), ProtocolLimits.MaxArrayLength + 1); // the body is the length and one byte
        using Message message = Parse(bytes);
        Assert.Throws<ProtocolException>(() => message.GetBodyReader().ReadValue("ay"));
    }

    [Fact]
    public void Header_fields_of_the_wrong_type_or_missing_are_refused()
    {
        MessageBuffer signal = MessageWriter.CreateSignal("/a", "org.example.I", "S").Finish();
        byte[] bytes = signal.Span.ToArray();
        signal.Release();
        bytes[1] = (byte)MessageType.Error; // an error without ERROR_NAME or REPLY_SERIAL
        Assert.Throws<ProtocolException>(() => Parse(bytes));
        bytes[1] = (byte)MessageType.Signal;
        bytes[18] = (byte)'s'; // PATH declared as a string
        Assert.Throws<ProtocolException>(() => Parse(bytes));
    }

    [Fact]
    public void Fds_sent_in_a_message_get_a_unix_fds_header_and_keep_the_body_aligned()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("f"), "x");
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(dir.File("f"));
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/", null, "M", "yht");
        writer.WriteByte(7);
        writer.WriteUnixFd(handle);
        writer.WriteUInt64(99);
        MessageBuffer buffer = writer.Finish();
        Assert.True(buffer.HasUnixFds);
        byte[] data = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        buffer.Span.CopyTo(data);
        var fds = new UnixFdQueue();
        fds.Add(Native.Duplicate(handle));
        using Message message = Message.Parse(data, buffer.Length, fds);
        buffer.Release();
        Assert.Equal(1, message.UnixFdCount);
        Reader reader = message.GetBodyReader();
        Assert.Equal(7, reader.ReadByte());
        Assert.Equal(0u, reader.ReadUnixFdIndex());
        Assert.Equal(99ul, reader.ReadUInt64());
        message.TakeUnixFd(0).Dispose();
    }

    [Fact]
    public void Addresses_parse_as_the_environment_writes_them()
    {
        IReadOnlyList<DBusAddress> entries = DBusAddress.Parse("unix:path=/run/user/1000/bus,guid=0123456789abcdef0123456789abcdef;unix:abstract=/tmp/dbus-x%2cy;unixexec:path=ssh,argv1=-xT,argv2=host,argv3=systemd-stdio-bridge");
        Assert.Equal(3, entries.Count);
        Assert.Equal("/run/user/1000/bus", entries[0].Properties["path"]);
        Assert.Equal("0123456789abcdef0123456789abcdef", entries[0].Guid);
        Assert.Equal("/tmp/dbus-x,y", entries[1].Properties["abstract"]);
        Assert.Equal("systemd-stdio-bridge", entries[2].Properties["argv3"]);
        Assert.Equal("unix:path=/a%20b", "unix:path=" + DBusAddress.Escape("/a b"));
        Assert.Throws<FormatException>(() => DBusAddress.Parse("nocolon"));
        Assert.Throws<FormatException>(() => DBusAddress.Parse("unix:path=%zz"));
        Assert.Throws<FormatException>(() => DBusAddress.Parse("unix:path"));
    }

    [Fact]
    public async Task Abstract_socket_addresses_work_for_server_and_client()
    {
        var objects = new ObjectTree();
        using DBusServer server = DBusServer.Listen("unix:abstract=units-test-" + Guid.NewGuid().ToString("N"), new DBusServerOptions { Objects = objects });
        using DBusConnection client = await DBusConnection.ConnectAsync(server.Address);
        (await client.CallAsync(MessageWriter.CreateMethodCall(null, "/", StandardInterfaces.Peer, "Ping").Finish())).Dispose();
    }
}
