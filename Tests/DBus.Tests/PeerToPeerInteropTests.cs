namespace Units.DBus.Tests;

/// <summary>Real clients from Debian (sd-bus's busctl, libdbus's dbus-send, GLib's gdbus) call objects
/// served by our peer-to-peer server.</summary>
public sealed class PeerToPeerInteropTests : IDisposable
{
    private readonly TestServer _server = new(sender: "org.example.Test");

    public void Dispose() => _server.Dispose();

    private string[] Busctl(params string[] rest) => ["--address=" + _server.Address, .. rest];

    [Fact]
    public async Task Busctl_calls_a_method_and_reads_the_reply()
    {
        string output = await Tool.OkAsync("busctl", Busctl("call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Add", "ii", "2", "40"));
        Assert.Equal("i 42", output.Trim());
    }

    [Fact]
    public async Task Busctl_reads_properties_and_introspects()
    {
        string all = await Tool.OkAsync("busctl", Busctl("--json=short", "call", "org.example.Test", "/org/example/Test", StandardInterfaces.Properties, "GetAll", "s", TestInterface.Name));
        Assert.Contains("\"Count\":{\"type\":\"u\",\"data\":42}", all);
        Assert.Contains("\"Big\":{\"type\":\"t\",\"data\":18446744073709551615}", all);
        string introspection = await Tool.OkAsync("busctl", Busctl("introspect", "org.example.Test", "/org/example/Test"));
        Assert.Contains(".Add", introspection);
        Assert.Contains("ii", introspection);
        Assert.Contains(".Paths", introspection);
        string name = await Tool.OkAsync("busctl", Busctl("get-property", "org.example.Test", "/org/example/Test", TestInterface.Name, "Name"));
        Assert.Equal("s \"initial\"", name.Trim());
        await Tool.OkAsync("busctl", Busctl("set-property", "org.example.Test", "/org/example/Test", TestInterface.Name, "Name", "s", "changed"));
        Assert.Equal("changed", _server.Test.NameValue);
    }

    [Fact]
    public async Task Busctl_sees_standard_errors()
    {
        var (code, _, error) = await Tool.RunAsync("busctl", Busctl("call", "org.example.Test", "/org/example/Nothing", TestInterface.Name, "Add", "ii", "1", "2"));
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown object", error);
        (code, _, error) = await Tool.RunAsync("busctl", Busctl("call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Add", "s", "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("Invalid arguments", error);
        (code, _, error) = await Tool.RunAsync("busctl", Busctl("call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Fail"));
        Assert.NotEqual(0, code);
        Assert.Contains("failed on purpose", error);
        (code, _, error) = await Tool.RunAsync("busctl", Busctl("get-property", "org.example.Test", "/org/example/Test", TestInterface.Name, "Nope"));
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown property", error);
    }

    [Fact]
    public async Task Gdbus_passes_an_fd_to_our_server()
    {
        // busctl cannot put an 'h' on its command line; gdbus can (the fd number of the handle argument).
        using var dir = new TempDir();
        string file = dir.File("content");
        await File.WriteAllTextAsync(file, "through SCM_RIGHTS");
        string output = await Tool.ShellAsync($"gdbus call --address {_server.Address} --dest org.example.Test --object-path /org/example/Test --method {TestInterface.Name}.ReadFd 3 3<{file}");
        Assert.Equal("('through SCM_RIGHTS',)", output.Trim());
    }

    [Fact]
    public async Task Busctl_encodes_complex_arguments_that_we_decode()
    {
        await Tool.OkAsync("busctl", Busctl("--", "call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Complex", "ybnqiuxtdsogas",
            "255", "true", "-32768", "65535", "-2147483648", "4294967295", "-9223372036854775808", "18446744073709551615", "2.5",
            "héllo wörld", "/a/b", "a{sv}", "3", "one", "", "three"));
        DBusValue[] args = _server.Test.LastArguments!;
        Assert.Equal(DBusValue.Byte(255), args[0]);
        Assert.Equal(DBusValue.Boolean(true), args[1]);
        Assert.Equal(DBusValue.Int16(short.MinValue), args[2]);
        Assert.Equal(DBusValue.UInt16(ushort.MaxValue), args[3]);
        Assert.Equal(DBusValue.Int32(int.MinValue), args[4]);
        Assert.Equal(DBusValue.UInt32(uint.MaxValue), args[5]);
        Assert.Equal(DBusValue.Int64(long.MinValue), args[6]);
        Assert.Equal(DBusValue.UInt64(ulong.MaxValue), args[7]);
        Assert.Equal(DBusValue.Double(2.5), args[8]);
        Assert.Equal(DBusValue.String("héllo wörld"), args[9]);
        Assert.Equal(DBusValue.ObjectPath("/a/b"), args[10]);
        Assert.Equal(DBusValue.SignatureValue("a{sv}"), args[11]);
        Assert.Equal(DBusValue.Array("s", DBusValue.String("one"), DBusValue.String(""), DBusValue.String("three")), args[12]);

        await Tool.OkAsync("busctl", Busctl("call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Dict", "a{sv}",
            "3", "a", "u", "7", "b", "as", "2", "x", "y", "c", "v", "(ii)", "1", "2"));
        DBusValue dict = _server.Test.LastArguments![0];
        Assert.Equal(DBusValue.UInt32(7), dict.GetDictionaryValue("a")!.VariantValue);
        Assert.Equal(DBusValue.Array("s", DBusValue.String("x"), DBusValue.String("y")), dict.GetDictionaryValue("b")!.VariantValue);
        Assert.Equal(DBusValue.Variant(DBusValue.Struct(DBusValue.Int32(1), DBusValue.Int32(2))), dict.GetDictionaryValue("c")!.VariantValue);

        string reply = await Tool.OkAsync("busctl", Busctl("--", "call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Structs", "a(sasbttttuii)",
            "2", "/bin/true", "2", "/bin/true", "-x", "false", "1", "2", "3", "4", "5", "6", "7",
            "/bin/false", "0", "true", "0", "0", "0", "0", "0", "0", "0"));
        Assert.Equal("u 2", reply.Trim());
        DBusValue exec = _server.Test.LastArguments![0].Items[0];
        Assert.Equal("(sasbttttuii)", exec.Signature);
        Assert.Equal(DBusValue.Array("s", DBusValue.String("/bin/true"), DBusValue.String("-x")), exec.Items[1]);
        Assert.Equal(DBusValue.Int32(7), exec.Items[9]);
    }

    [Fact]
    public async Task Dbus_send_calls_our_server_peer_to_peer()
    {
        string output = await Tool.OkAsync("dbus-send", "--peer=" + _server.Address, "--print-reply", "--dest=org.example.Test",
            "/org/example/Test", "org.example.Test.Add", "int32:20", "int32:22");
        Assert.Contains("int32 42", output);
        output = await Tool.OkAsync("dbus-send", "--peer=" + _server.Address, "--print-reply", "--dest=org.example.Test",
            "/org/example/Test", "org.example.Test.Names", "dict:string:string:k1,v1,k2,v2");
        Assert.Contains("uint32 2", output);
        DBusValue dict = _server.Test.LastArguments![0];
        Assert.Equal(DBusValue.String("v1"), dict.GetDictionaryValue("k1"));
        Assert.Equal(DBusValue.String("v2"), dict.GetDictionaryValue("k2"));
        output = await Tool.OkAsync("dbus-send", "--peer=" + _server.Address, "--print-reply", "--dest=org.example.Test",
            "/org/example/Test", "org.example.Test.Echo", "variant:double:-1.5");
        Assert.Contains("variant       double -1.5", output);
        output = await Tool.OkAsync("dbus-send", "--peer=" + _server.Address, "--print-reply", "--dest=org.example.Test",
            "/org/example/Test", "org.freedesktop.DBus.Properties.Get", "string:org.example.Test", "string:Paths");
        Assert.Contains("object path \"/b/c\"", output);
        output = await Tool.OkAsync("dbus-send", "--peer=" + _server.Address, "--print-reply", "--dest=org.example.Test",
            "/org/example/Test", "org.freedesktop.DBus.Peer.GetMachineId");
        Assert.Contains((await File.ReadAllTextAsync("/etc/machine-id")).Trim(), output);
    }

    [Fact]
    public async Task Gdbus_calls_our_server_peer_to_peer()
    {
        string output = await Tool.OkAsync("gdbus", "call", "--address", _server.Address, "--dest", "org.example.Test",
            "--object-path", "/org/example/Test", "--method", "org.example.Test.Add", "19", "23");
        Assert.Equal("(42,)", output.Trim());
        output = await Tool.OkAsync("gdbus", "call", "--address", _server.Address, "--dest", "org.example.Test",
            "--object-path", "/org/example/Test", "--method", "org.example.Test.Echo", "<@a{sv} {'x': <@u 5>}>");
        Assert.Contains("{'x': <uint32 5>}", output);
        output = await Tool.OkAsync("gdbus", "introspect", "--address", _server.Address, "--dest", "org.example.Test", "--object-path", "/org/example/Test");
        Assert.Contains("Add(in  i a,", output);
    }
}
