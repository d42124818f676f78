namespace Units.DBus.Tests;

/// <summary>The brief fuzz run CI can afford (bench/dbus runs a million): mutated messages into the reader,
/// mutated messages and authentication exchanges into a live server.</summary>
[Trait("Category", "Fuzz")]
public sealed class FuzzTests
{
    [Fact]
    public void Twenty_thousand_mutated_messages_only_ever_raise_protocol_errors()
    {
        var fuzzer = new Fuzzer(seed: 20_000);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            if (Fuzzer.Parse(fuzzer.NextMessage()))
                accepted++;
        }
        // Both outcomes must occur, or the fuzzer is not exercising anything.
        Assert.InRange(accepted, 100, 19_900);
    }

    [Fact]
    public async Task A_live_server_survives_mutated_messages_and_authentication_exchanges()
    {
        using var server = new TestServer(connectionOptions: new DBusConnectionOptions { AuthenticationTimeout = TimeSpan.FromSeconds(2) });
        var closed = new List<Task<Exception?>>();
        server.Server.ConnectionOpened = connection =>
        {
            lock (closed)
                closed.Add(connection.Closed);
        };
        var fuzzer = new Fuzzer(seed: 7);
        using DBusConnection bystander = await DBusConnection.ConnectAsync(server.Address);
        Assert.Equal(3, await bystander.CallAsync(AddCall(1, 2), m => m.GetBodyReader().ReadInt32()));
        Task<Exception?> bystanderOnServer = server.Server.Connections.Single().Closed;
        for (int round = 0; round < 200; round++)
        {
            using RawClient client = round % 2 == 0
                ? await RawClient.ConnectAsync(server.SocketPath)
                : await RawClient.AuthenticatedAsync(server.SocketPath);
            try
            {
                if (round % 2 == 0)
                    await client.SendAsync(fuzzer.NextAuth());
                else
                {
                    for (int i = 0; i < 10; i++)
                        await client.SendAsync(fuzzer.NextMessage());
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server already hung up on this one: that is a correct outcome.
            }
            if (round % 20 == 0)
                Assert.Equal(3, await bystander.CallAsync(AddCall(1, 2), m => m.GetBodyReader().ReadInt32()));
        }
        Task<Exception?>[] all;
        lock (closed)
            all = [.. closed];
        // Every fuzzed connection ends (its client hung up, or the server cut it off); none takes the server down.
        await Task.WhenAll(all.Where(t => t != bystanderOnServer)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, await bystander.CallAsync(AddCall(1, 2), m => m.GetBodyReader().ReadInt32()));
    }

    internal static MessageBuffer AddCall(int a, int b)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(null, "/org/example/Test", TestInterface.Name, "Add", "ii");
        call.WriteInt32(a);
        call.WriteInt32(b);
        return call.Finish();
    }
}
