namespace Units.DBus.Tests;

/// <summary>Our client and server on a real dbus-daemon started by the test; busctl, dbus-send and gdbus
/// call our objects through it.</summary>
public sealed class BusInteropTests
{
    [Fact]
    public async Task Our_client_talks_to_the_bus_itself()
    {
        using DBusDaemon bus = await DBusDaemon.StartAsync();
        using DBusConnection client = await DBusConnection.ConnectBusAsync(bus.Address);
        Assert.StartsWith(":", client.UniqueName);
        Assert.True(client.UnixFdsEnabled);

        string[] names = await client.ListNamesAsync();
        Assert.Contains("org.freedesktop.DBus", names);
        Assert.Contains(client.UniqueName!, names);

        var ownerChanges = new List<(string Name, string Old, string New)>();
        var sawChange = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable match = await client.AddMatchAsync(
            new MatchRule { Sender = "org.freedesktop.DBus", Interface = "org.freedesktop.DBus", Member = "NameOwnerChanged" }.WithArg(0, "org.example.Owner"),
            message =>
            {
                Reader args = message.GetBodyReader();
                lock (ownerChanges)
                    ownerChanges.Add((args.ReadString(), args.ReadString(), args.ReadString()));
                sawChange.TrySetResult();
            });

        using DBusConnection other = await DBusConnection.ConnectBusAsync(bus.Address);
        Assert.Equal(1u, await other.RequestNameAsync("org.example.Owner"));
        Assert.Equal(other.UniqueName, await client.GetNameOwnerAsync("org.example.Owner"));
        await sawChange.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (ownerChanges)
            Assert.Equal(("org.example.Owner", "", other.UniqueName!), ownerChanges[0]);

        Assert.Equal(1u, await other.ReleaseNameAsync("org.example.Owner"));
        DBusException error = await Assert.ThrowsAsync<DBusException>(() => client.GetNameOwnerAsync("org.example.Owner"));
        Assert.Equal(DBusErrors.NameHasNoOwner, error.ErrorName);
    }

    [Fact]
    public async Task Real_tools_call_our_objects_through_the_bus()
    {
        using DBusDaemon bus = await DBusDaemon.StartAsync();
        var objects = new ObjectTree();
        var test = new TestInterface();
        objects.Add(new DBusObject("/org/example/Test", test));
        using DBusConnection service = await DBusConnection.ConnectBusAsync(bus.Address, new DBusConnectionOptions { Objects = objects });
        Assert.Equal(1u, await service.RequestNameAsync("org.example.Test"));

        string busctl = await Tool.OkAsync("busctl", "--address=" + bus.Address, "call", "org.example.Test", "/org/example/Test", TestInterface.Name, "Add", "ii", "1", "2");
        Assert.Equal("i 3", busctl.Trim());
        string dbusSend = await Tool.OkAsync("dbus-send", "--bus=" + bus.Address, "--print-reply", "--dest=org.example.Test", "/org/example/Test",
            "org.freedesktop.DBus.Properties.Get", "string:org.example.Test", "string:Count");
        Assert.Contains("uint32 42", dbusSend);
        string gdbus = await Tool.OkAsync("gdbus", "call", "--address", bus.Address, "--dest", "org.example.Test", "--object-path", "/org/example/Test",
            "--method", "org.example.Test.EchoString", "through the bus");
        Assert.Equal("('through the bus',)", gdbus.Trim());
    }

    [Fact]
    public async Task Our_client_calls_our_service_through_the_bus_and_receives_an_fd()
    {
        using DBusDaemon bus = await DBusDaemon.StartAsync();
        var objects = new ObjectTree();
        objects.Add(new DBusObject("/org/example/Test", new TestInterface()));
        using DBusConnection service = await DBusConnection.ConnectBusAsync(bus.Address, new DBusConnectionOptions { Objects = objects });
        await service.RequestNameAsync("org.example.Test");
        using DBusConnection client = await DBusConnection.ConnectBusAsync(bus.Address);

        MessageWriter call = MessageWriter.CreateMethodCall("org.example.Test", "/org/example/Test", TestInterface.Name, "GetFd", "s");
        call.WriteString("fd through dbus-daemon");
        using Message reply = await client.CallAsync(call.Finish());
        Assert.Equal("h", reply.Signature);
        Assert.Equal(1, reply.UnixFdCount);
        Reader reader = reply.GetBodyReader();
        using var stream = new FileStream(reply.TakeUnixFd(reader.ReadUnixFdIndex()), FileAccess.Read);
        Assert.Equal("fd through dbus-daemon", await new StreamReader(stream).ReadToEndAsync());
    }

    [Fact]
    public async Task A_signal_from_a_client_that_does_not_own_the_sender_name_is_not_delivered()
    {
        using DBusDaemon bus = await DBusDaemon.StartAsync();
        using DBusConnection owner = await DBusConnection.ConnectBusAsync(bus.Address);
        await owner.RequestNameAsync("org.example.Emitter");
        using DBusConnection spoofer = await DBusConnection.ConnectBusAsync(bus.Address);
        using DBusConnection listener = await DBusConnection.ConnectBusAsync(bus.Address);

        var received = new List<string>();
        var got = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable match = await listener.AddMatchAsync(new MatchRule { Sender = "org.example.Emitter", Interface = "org.example.Signals", Member = "Said" },
            message =>
            {
                lock (received)
                    received.Add(message.GetBodyReader().ReadString());
                got.TrySetResult();
            });

        // The spoofer emits first and then completes a round trip, so the bus has routed its signal
        // (in order) before the owner's.
        spoofer.Send(Said("fake"));
        await spoofer.ListNamesAsync();
        owner.Send(Said("real"));
        await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await listener.ListNamesAsync();
        lock (received)
            Assert.Equal(["real"], received);

        static MessageBuffer Said(string text)
        {
            MessageWriter signal = MessageWriter.CreateSignal("/org/example/Signals", "org.example.Signals", "Said", "s");
            signal.WriteString(text.AsSpan());
            return signal.Finish();
        }
    }

    [Fact]
    public async Task The_stdio_transport_reaches_the_bus_through_systemd_stdio_bridge()
    {
        using DBusDaemon bus = await DBusDaemon.StartAsync();
        Assert.True(File.Exists("/usr/bin/systemd-stdio-bridge"), "systemd-stdio-bridge is not installed (Debian package systemd)");
        string address = "unixexec:path=/usr/bin/systemd-stdio-bridge,argv1=" + DBusAddress.Escape("--bus-path=" + bus.Address);
        using DBusConnection client = await DBusConnection.ConnectBusAsync(address);
        Assert.False(client.UnixFdsEnabled);
        Assert.Contains("org.freedesktop.DBus", await client.ListNamesAsync());
    }
}
