using Microsoft.Win32.SafeHandles;

namespace Units.DBus.Tests;

/// <summary>Hostile peers are cut off or bounded, and nobody else notices.</summary>
public sealed class DefenceTests : IDisposable
{
    private readonly TestServer _server = new(connectionOptions: new DBusConnectionOptions
    {
        MaxSendQueueBytes = 1024 * 1024,
    });
    private readonly TaskCompletionSource<DBusConnection> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DefenceTests() => _server.Server.ConnectionOpened = connection => _opened.TrySetResult(connection);

    public void Dispose() => _server.Dispose();

    private async Task<Exception?> ServerSideCloseAsync() => await (await _opened.Task.WaitAsync(TimeSpan.FromSeconds(10))).Closed.WaitAsync(TimeSpan.FromSeconds(20));

    private Task AssertOthersAreServedAsync() => AssertOthersAreServedAsync(_server);

    private static async Task AssertOthersAreServedAsync(TestServer server)
    {
        using DBusConnection other = await DBusConnection.ConnectAsync(server.Address);
        Assert.Equal(5, await other.CallAsync(FuzzTests.AddCall(2, 3), m => m.GetBodyReader().ReadInt32()));
    }

    [Fact]
    public async Task A_malformed_message_closes_only_its_connection()
    {
        using RawClient client = await RawClient.AuthenticatedAsync(_server.SocketPath);
        await client.SendAsync([(byte)'x', 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        Assert.IsType<ProtocolException>(await ServerSideCloseAsync());
        Assert.True(await client.WaitForCloseAsync());
        await AssertOthersAreServedAsync();
    }

    [Fact]
    public async Task An_oversized_message_is_refused_from_its_header()
    {
        using RawClient client = await RawClient.AuthenticatedAsync(_server.SocketPath);
        await client.SendAsync([(byte)'l', 1, 0, 1, 0, 0, 0, 0x0c, 1, 0, 0, 0, 8, 0, 0, 0]); // body of 192 MiB
        Assert.Contains("128 MiB", (await ServerSideCloseAsync())!.Message);
        await AssertOthersAreServedAsync();
    }

    [Fact]
    public async Task A_header_claiming_a_huge_body_costs_only_the_bytes_that_arrive()
    {
        using RawClient client = await RawClient.AuthenticatedAsync(_server.SocketPath);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        byte[] claim = [(byte)'l', 1, 0, 1, 0, 0, 0, 0x06, 1, 0, 0, 0, 8, 0, 0, 0, 1, 1, (byte)'o', 0, 1, 0, 0, 0, (byte)'/', 0, 0, 0, 0, 0, 0, 0]; // body of 96 MiB
        await client.SendAsync([.. claim, .. new byte[100_000]]);
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        await ServerSideCloseAsync();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes allocated for a 100 kB partial message");
        await AssertOthersAreServedAsync();
    }

    [Fact]
    public async Task A_deeply_nested_variant_is_an_invalid_argument_not_a_crash()
    {
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        byte[] deep = Fuzzer.DeepVariant(5_000);
        using RawClient raw = await RawClient.AuthenticatedAsync(_server.SocketPath);
        await raw.SendAsync(deep);
        using Message reply = await raw.ReadMessageAsync();
        Assert.Equal(MessageType.Error, reply.Type);
        Assert.Equal(DBusErrors.InvalidArgs, reply.ErrorName);
        await AssertOthersAreServedAsync();
    }

    [Theory]
    [InlineData(17, 17)] // a message claiming more than 16 fds
    [InlineData(0, 20)] // fds no message claims
    [InlineData(3, 1)] // a message claiming fds that never came
    public async Task Too_many_or_unclaimed_fds_disconnect_and_are_all_closed(int claimed, int sent)
    {
        int before = Directory.GetFiles("/proc/self/fd").Length;
        using RawClient client = await RawClient.AuthenticatedAsync(_server.SocketPath);
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "Hang");
        byte[] message = writer.Finish() is var buffer ? buffer.Span.ToArray() : [];
        buffer.Release();
        if (claimed > 0)
            message = WithUnixFdsField(message, (uint)claimed);
        using var dir = new TempDir();
        File.WriteAllText(dir.File("f"), "x");
        SafeFileHandle[] fds = [.. Enumerable.Range(0, sent).Select(_ => File.OpenHandle(dir.File("f")))];
        Assert.True(Native.TrySendWithFds(client.Socket, message, fds) > 0);
        foreach (SafeFileHandle fd in fds)
            fd.Dispose();
        Assert.IsType<ProtocolException>(await ServerSideCloseAsync());
        client.Dispose();
        int after = Directory.GetFiles("/proc/self/fd").Length;
        Assert.True(after <= before + 2, $"{after - before} more fds open than before");
        await AssertOthersAreServedAsync();
    }

    // Inserts a UNIX_FDS header field by hand (our writer refuses to claim fds it does not carry).
    private static byte[] WithUnixFdsField(byte[] message, uint count)
    {
        int fieldsLength = BitConverter.ToInt32(message, 12);
        int bodyStart = (16 + fieldsLength + 7) & ~7;
        byte[] field = [9, 1, (byte)'u', 0, .. BitConverter.GetBytes(count)];
        byte[] result = [.. message.AsSpan(0, bodyStart), .. field, .. message.AsSpan(bodyStart)];
        BitConverter.TryWriteBytes(result.AsSpan(12), bodyStart + 8 - 16);
        return result;
    }

    [Fact]
    public async Task A_peer_that_never_reads_its_replies_is_disconnected_when_its_queue_fills()
    {
        using RawClient client = await RawClient.AuthenticatedAsync(_server.SocketPath);
        client.Socket.ReceiveBufferSize = 4096;
        MessageWriter writer = MessageWriter.CreateMethodCall(null, "/org/example/Test", StandardInterfaces.Introspectable, "Introspect");
        MessageBuffer call = writer.Finish();
        byte[] bytes = call.Span.ToArray();
        call.Release();
        byte[] many = [.. Enumerable.Repeat(bytes, 2000).SelectMany(b => b)];
        Task sending = client.SendAsync(many);
        Exception? reason = await ServerSideCloseAsync();
        Assert.Equal(DBusErrors.LimitsExceeded, Assert.IsType<DBusException>(reason).ErrorName);
        await AssertOthersAreServedAsync();
        try
        {
            await sending;
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Cut off mid-send: expected.
        }
    }

    [Fact]
    public async Task A_peer_that_pipelines_calls_has_at_most_its_allowance_waiting_for_the_dispatcher()
    {
        using var server = new TestServer(connectionOptions: new DBusConnectionOptions { MaxPendingCalls = 4 });
        var queued = new List<Action>();
        int mostQueued = 0;
        TaskCompletionSource fiveQueued = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // A dispatcher that holds the calls until the test runs them, as a busy manager loop would.
        server.Objects.Dispatcher = work =>
        {
            lock (queued)
            {
                queued.Add(work);
                mostQueued = Math.Max(mostQueued, queued.Count);
                if (queued.Count == 5)
                    fiveQueued.TrySetResult();
            }
        };
        using DBusConnection pipelining = await DBusConnection.ConnectAsync(server.Address);
        using DBusConnection other = await DBusConnection.ConnectAsync(server.Address);
        Task<int>[] calls = [.. Enumerable.Range(0, 10).Select(i => pipelining.CallAsync(FuzzTests.AddCall(i, 1), m => m.GetBodyReader().ReadInt32()))];
        // The other connection still gets its call in while the pipelining one waits for its allowance.
        Task<int> otherCall = other.CallAsync(FuzzTests.AddCall(40, 2), m => m.GetBodyReader().ReadInt32());
        await fiveQueued.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(42, await RunQueuedUntilAsync(queued, otherCall));
        for (int i = 0; i < calls.Length; i++)
            Assert.Equal(i + 1, await RunQueuedUntilAsync(queued, calls[i]));
        // Never more than the pipelining peer's four plus the other's one.
        lock (queued)
            Assert.Equal(5, mostQueued);

        static async Task<int> RunQueuedUntilAsync(List<Action> queued, Task<int> call)
        {
            while (!call.IsCompleted)
            {
                Action[] now;
                lock (queued)
                {
                    now = [.. queued];
                    queued.Clear();
                }
                foreach (Action work in now)
                    work();
                await Task.WhenAny(call, Task.Delay(10));
            }
            return await call;
        }
    }

    [Fact]
    public async Task Connections_that_never_authenticate_are_dropped_oldest_first_beyond_the_allowance()
    {
        using var server = new TestServer(maxPendingAuthentications: 2, connectionOptions: new DBusConnectionOptions { AuthenticationTimeout = TimeSpan.FromMinutes(5) });
        using RawClient oldest = await RawClient.ConnectAsync(server.SocketPath);
        using RawClient second = await RawClient.ConnectAsync(server.SocketPath);
        using RawClient third = await RawClient.ConnectAsync(server.SocketPath);
        Assert.True(await oldest.WaitForCloseAsync());
        using DBusConnection client = await DBusConnection.ConnectAsync(server.Address);
        Assert.Equal(5, await client.CallAsync(FuzzTests.AddCall(2, 3), m => m.GetBodyReader().ReadInt32()));
    }

    [Fact]
    public async Task A_peer_that_never_authenticates_is_dropped_after_the_timeout()
    {
        // Short enough for a test, long enough for an honest client on a busy machine to authenticate.
        using var server = new TestServer(connectionOptions: new DBusConnectionOptions { AuthenticationTimeout = TimeSpan.FromSeconds(2) });
        using RawClient client = await RawClient.ConnectAsync(server.SocketPath);
        await client.SendAsync([0]);
        Assert.True(await client.WaitForCloseAsync());
        await AssertOthersAreServedAsync(server);
    }

    [Fact]
    public async Task A_handler_that_throws_answers_failed_and_the_connection_lives_on()
    {
        Exception? reported = null;
        _server.Objects.UnhandledException = (_, e) => reported = e;
        _server.Objects.Add(new DBusObject("/boom", new ThrowingInterface()));
        using DBusConnection client = await DBusConnection.ConnectAsync(_server.Address);
        DBusException error = await Assert.ThrowsAsync<DBusException>(() => client.CallAsync(MessageWriter.CreateMethodCall(null, "/boom", "org.example.Boom", "Go").Finish()));
        Assert.Equal(DBusErrors.Failed, error.ErrorName);
        Assert.IsType<NullReferenceException>(reported);
        Assert.Equal(5, await client.CallAsync(FuzzTests.AddCall(2, 3), m => m.GetBodyReader().ReadInt32()));
    }

    private sealed class ThrowingInterface() : DBusInterface(new InterfaceDescription("org.example.Boom", [new MethodDescription("Go", "", "")]))
    {
        public override ValueTask HandleMethodAsync(MethodCall call) => throw new NullReferenceException("handler bug");
    }
}
