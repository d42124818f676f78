using System.Text;
using System.Text.RegularExpressions;

namespace Units.DBus.Tests;

/// <summary>Our client against our server, peer-to-peer: authentication, calls, replies sent later,
/// timeouts, cancellation, disconnection, signals, fds.</summary>
public sealed partial class ConnectionTests : IDisposable
{
    private readonly TestServer _server = new(sender: "org.example.Test");

    public void Dispose() => _server.Dispose();

    private static MessageBuffer Call(string member, string? signature = null, uint? argument = null)
    {
        MessageWriter call = MessageWriter.CreateMethodCall("org.example.Test", "/org/example/Test", TestInterface.Name, member, signature);
        if (argument is uint value)
            call.WriteUInt32(value);
        return call.Finish();
    }

    [GeneratedRegex("^DATA\r\nOK [0-9a-f]{32}\r\nAGREE_UNIX_FD\r\n$")]
    private static partial Regex SystemctlAnswer();

    [Fact]
    public async Task The_pipelined_systemctl_exchange_gets_sd_bus_answers_and_the_first_message_is_served()
    {
        using RawClient client = await RawClient.ConnectAsync(_server.SocketPath);
        MessageWriter ping = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", "/org/example/Test", TestInterface.Name, "Add", "ii");
        ping.WriteInt32(1);
        ping.WriteInt32(2);
        MessageBuffer first = ping.Finish();
        // One write, as systemctl 252 does: the auth lines and the first message right behind them.
        await client.SendAsync([.. "\0AUTH EXTERNAL\r\nDATA\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n"u8, .. first.Span]);
        string answer = await client.ReadTextAsync(3);
        Assert.Matches(SystemctlAnswer(), answer);
        Assert.Contains(_server.Server.Guid, answer);
        using Message reply = await client.ReadMessageAsync();
        Assert.Equal(MessageType.MethodReturn, reply.Type);
        Assert.Equal(first.Serial, reply.ReplySerial);
        Assert.Equal("org.example.Test", reply.Sender);
        Assert.True(reply.NoReplyExpected);
        Assert.Equal(3, reply.GetBodyReader().ReadInt32());
        first.Release();
    }

    [Theory]
    [InlineData("AUTH KERBEROS_V4\r\n", "REJECTED EXTERNAL\r\n")]
    [InlineData("AUTH\r\n", "REJECTED EXTERNAL\r\n")]
    [InlineData("AUTH ANONYMOUS 6869\r\n", "REJECTED EXTERNAL\r\n")]
    [InlineData("AUTH EXTERNAL 3132333435\r\n", "REJECTED EXTERNAL\r\n")] // uid 12345 is not who we are
    [InlineData("AUTH EXTERNAL 30\r\n", "OK ")] // uid 0: the test runs as root
    [InlineData("HELLO\r\n", "ERROR")]
    public async Task The_server_answers_authentication_commands(string command, string expected)
    {
        Assert.True(Environment.UserName == "root" || !command.Contains(" 30\r"), "this case needs root");
        using RawClient client = await RawClient.ConnectAsync(_server.SocketPath);
        await client.SendAsync([0, .. Encoding.ASCII.GetBytes(command)]);
        Assert.StartsWith(expected, await client.ReadTextAsync(1));
    }

    [Fact]
    public async Task A_client_not_starting_with_the_nul_byte_or_sending_begin_early_is_dropped()
    {
        using (RawClient client = await RawClient.ConnectAsync(_server.SocketPath))
        {
            await client.SendAsync("AUTH EXTERNAL\r\n"u8.ToArray());
            Assert.True(await client.WaitForCloseAsync());
        }
        using (RawClient client = await RawClient.ConnectAsync(_server.SocketPath))
        {
            await client.SendAsync("\0BEGIN\r\n"u8.ToArray());
            Assert.True(await client.WaitForCloseAsync());
        }
    }

    [Theory]
    [InlineData(ClientAuthMechanism.ExternalWithUid)]
    [InlineData(ClientAuthMechanism.External)]
    public async Task Our_client_authenticates_with_external(ClientAuthMechanism mechanism)
    {
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address, new DBusConnectionOptions { AuthMechanisms = [mechanism] });
        Assert.Equal(_server.Server.Guid, client.Guid);
        Assert.True(client.UnixFdsEnabled);
        Assert.Equal(43u, await client.CallAsync(Call("Later", "u", 42), m => m.GetBodyReader().ReadUInt32()));
    }

    [Fact]
    public async Task Anonymous_is_a_fallback_only_where_the_server_allows_it()
    {
        var anonymousOnly = new DBusConnectionOptions { AuthMechanisms = [ClientAuthMechanism.Anonymous] };
        DBusException refused = await Assert.ThrowsAsync<DBusException>(() => DBusConnection.ConnectAsync(_server.Address, anonymousOnly));
        Assert.Equal(DBusErrors.AuthFailed, refused.ErrorName);

        using var open = new TestServer(allowAnonymous: true);
        using DBusConnection client = await DBusConnection.ConnectAsync(open.Address, anonymousOnly);
        (await client.CallAsync(MessageWriter.CreateMethodCall(null, "/org/example/Test", StandardInterfaces.Peer, "Ping").Finish())).Dispose();
    }

    [Fact]
    public async Task The_server_exposes_the_peers_kernel_credentials_and_can_refuse_peers()
    {
        PeerCredentials? seen = null;
        using (var server = new TestServer(acceptPeer: peer => { seen = peer; return true; }))
        using (DBusConnection client = await DBusConnection.ConnectAsync(server.Address))
        {
            await PingAsync(client);
            Assert.Equal(Environment.ProcessId, seen!.Value.ProcessId);
            Assert.Equal(Environment.ProcessId, client.PeerCredentials!.Value.ProcessId);
            Assert.Equal(Environment.ProcessId, server.Server.Connections.Single().PeerCredentials!.Value.ProcessId);
        }
        using var refusing = new TestServer(acceptPeer: _ => false);
        await Assert.ThrowsAsync<DBusException>(() => DBusConnection.ConnectAsync(refusing.Address));
    }

    [Fact]
    public async Task A_call_times_out_is_cancelled_or_fails_on_disconnection()
    {
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        DBusException timeout = await Assert.ThrowsAsync<DBusException>(() => client.CallAsync(Call("Hang"), TimeSpan.FromMilliseconds(100)));
        Assert.Equal(DBusErrors.NoReply, timeout.ErrorName);

        using var cancel = new CancellationTokenSource();
        Task<Message> cancelled = client.CallAsync(Call("Hang"), cancellationToken: cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        Task<Message> pending = client.CallAsync(Call("Hang"));
        _server.Server.Dispose();
        DBusException disconnected = await Assert.ThrowsAsync<DBusException>(() => pending);
        Assert.Equal(DBusErrors.Disconnected, disconnected.ErrorName);
        await client.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Handlers_run_on_the_trees_dispatcher_and_see_the_call_flags()
    {
        var posted = new List<Action>();
        _server.Objects.Dispatcher = work =>
        {
            lock (posted)
                posted.Add(work);
            work();
        };
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        MessageWriter call = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "Add", "ii", MessageFlags.AllowInteractiveAuthorization);
        call.WriteInt32(1);
        call.WriteInt32(1);
        Assert.Equal(2, await client.CallAsync(call.Finish(), m => m.GetBodyReader().ReadInt32()));
        lock (posted)
            Assert.Single(posted);
        Assert.True(_server.Test.LastAllowedInteractive);
    }

    [Fact]
    public async Task A_call_flagged_no_reply_expected_gets_no_reply()
    {
        using RawClient client = await RawClient.AuthenticatedAsync(_server.SocketPath);
        MessageWriter silent = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "Add", "ii", MessageFlags.NoReplyExpected);
        silent.WriteInt32(1);
        silent.WriteInt32(1);
        MessageWriter answered = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "Add", "ii");
        answered.WriteInt32(2);
        answered.WriteInt32(2);
        using MessageBuffer first = silent.Finish();
        using MessageBuffer second = answered.Finish();
        await client.SendAsync([.. first.Span, .. second.Span]);
        // The first reply on the wire answers the second call: the first got none.
        using Message reply = await client.ReadMessageAsync();
        Assert.Equal(second.Serial, reply.ReplySerial);
        Assert.Equal(4, reply.GetBodyReader().ReadInt32());
    }

    [Fact]
    public async Task Cancelling_a_connection_attempt_is_not_reported_as_an_authentication_failure()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DBusConnection.ConnectAsync(_server.Address, cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Errors_carry_their_names()
    {
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        DBusException failed = await Assert.ThrowsAsync<DBusException>(() => client.CallAsync(Call("Fail")));
        Assert.Equal("org.example.Error.Deliberate", failed.ErrorName);
        Assert.Equal("failed on purpose", failed.Message);
        DBusException unknown = await Assert.ThrowsAsync<DBusException>(() => client.CallAsync(Call("Nope")));
        Assert.Equal(DBusErrors.UnknownMethod, unknown.ErrorName);
        MessageBuffer wrongInterface = MessageWriter.CreateMethodCall(null, "/org/example/Test", "org.example.Nothing", "Add").Finish();
        Assert.Equal(DBusErrors.UnknownInterface, (await Assert.ThrowsAsync<DBusException>(() => client.CallAsync(wrongInterface))).ErrorName);
    }

    [Fact]
    public async Task Signals_reach_every_connection_or_just_one()
    {
        using DBusConnection first = await DBusConnection.ConnectAsync(_server.Address);
        using DBusConnection second = await DBusConnection.ConnectAsync(_server.Address);
        var firstGot = Channelled(first, out Task<IDisposable> firstMatch);
        var secondGot = Channelled(second, out Task<IDisposable> secondMatch);
        using IDisposable m1 = await firstMatch;
        using IDisposable m2 = await secondMatch;
        await PingAsync(first);
        await PingAsync(second);
        Assert.Equal(2, _server.Server.Connections.Count);

        _server.Server.Broadcast(Said("to all"));
        Assert.Equal("to all", await firstGot.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("to all", await secondGot.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        // One server-side connection only: the signal precedes the ping reply on that stream alone.
        _server.Server.Connections[0].Send(Said("just one"));
        await PingAsync(first);
        await PingAsync(second);
        bool firstHas = firstGot.Reader.TryRead(out string? toFirst);
        bool secondHas = secondGot.Reader.TryRead(out string? toSecond);
        Assert.True(firstHas ^ secondHas);
        Assert.Equal("just one", toFirst ?? toSecond);

        static System.Threading.Channels.Channel<string> Channelled(DBusConnection connection, out Task<IDisposable> match)
        {
            var channel = System.Threading.Channels.Channel.CreateUnbounded<string>();
            match = connection.AddMatchAsync(new MatchRule { Interface = "org.example.Signals", Member = "Said" }, message =>
            {
                Assert.Equal("org.example.Test", message.Sender);
                channel.Writer.TryWrite(message.GetBodyReader().ReadString());
            });
            return channel;
        }
    }

    // A round trip: once answered, the server has registered the connection and sent what preceded it.
    private static async Task PingAsync(DBusConnection client)
        => (await client.CallAsync(MessageWriter.CreateMethodCall(null, "/", StandardInterfaces.Peer, "Ping").Finish())).Dispose();

    private static MessageBuffer Said(string text)
    {
        MessageWriter signal = MessageWriter.CreateSignal("/org/example/Test", "org.example.Signals", "Said", "s", sender: "org.example.Test");
        signal.WriteString(text.AsSpan());
        return signal.Finish();
    }

    [Fact]
    public async Task Properties_changed_is_built_from_the_interfaces_values()
    {
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        var got = new TaskCompletionSource<DBusValue[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable match = await client.AddMatchAsync(new MatchRule { Interface = StandardInterfaces.Properties, Member = "PropertiesChanged", Path = "/org/example/Test" }.WithArg(0, TestInterface.Name),
            message => got.TrySetResult(TestInterface.ReadAll(message)));
        await PingAsync(client);
        _server.Test.NameValue = "renamed";
        _server.Server.Broadcast(_server.Test.CreatePropertiesChangedSignal("/org/example/Test", ["Name", "Count"], ["Paths"], "org.example.Test"));
        DBusValue[] args = await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DBusValue.String(TestInterface.Name), args[0]);
        Assert.Equal(DBusValue.String("renamed"), args[1].GetDictionaryValue("Name")!.VariantValue);
        Assert.Equal(DBusValue.UInt32(42), args[1].GetDictionaryValue("Count")!.VariantValue);
        Assert.Equal(DBusValue.Array("s", DBusValue.String("Paths")), args[2]);
    }

    [Fact]
    public async Task Fds_pass_both_ways_between_our_client_and_server()
    {
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        using var dir = new TempDir();
        string file = dir.File("in");
        await File.WriteAllTextAsync(file, "client to server");
        using (Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(file))
        {
            MessageWriter send = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "ReadFd", "h");
            send.WriteUnixFd(handle);
            Assert.Equal("client to server", await client.CallAsync(send.Finish(), m => m.GetBodyReader().ReadString()));
        }
        MessageWriter get = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "GetFd", "s");
        get.WriteString("server to client");
        using Message reply = await client.CallAsync(get.Finish());
        using var stream = new FileStream(reply.TakeUnixFd(reply.GetBodyReader().ReadUnixFdIndex()), FileAccess.Read);
        Assert.Equal("server to client", await new StreamReader(stream).ReadToEndAsync());
    }

    [Fact]
    public async Task Introspection_lists_interfaces_and_child_nodes()
    {
        _server.Objects.AddSubtree("/org/example/units", path => path == "/org/example/units/a_2eservice" ? new DBusObject(path, new TestInterface()) : null,
            () => ["/org/example/units/a_2eservice"]);
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        string root = await client.CallAsync(MessageWriter.CreateMethodCall(null, "/org/example", StandardInterfaces.Introspectable, "Introspect").Finish(), m => m.GetBodyReader().ReadString());
        Assert.Contains("<node name=\"Test\"/>", root);
        Assert.Contains("<node name=\"units\"/>", root);
        string unit = await client.CallAsync(MessageWriter.CreateMethodCall(null, "/org/example/units/a_2eservice", StandardInterfaces.Introspectable, "Introspect").Finish(), m => m.GetBodyReader().ReadString());
        Assert.Contains("<method name=\"Add\">", unit);
        Assert.Contains("<property name=\"Paths\" type=\"ao\" access=\"read\">", unit);
        string unknown = (await Assert.ThrowsAsync<DBusException>(() => client.CallAsync(MessageWriter.CreateMethodCall(null, "/org/other", StandardInterfaces.Introspectable, "Introspect").Finish()))).ErrorName;
        Assert.Equal(DBusErrors.UnknownObject, unknown);
    }
}
