using System.Diagnostics;
using Units.DBus;
using Units.DBus.Tests;

namespace Units.DBus.Bench;

/// <summary>The long fuzz run: N fuzzed messages into the reader, then fuzzed messages and authentication
/// exchanges into a live server over many connections, while a bystander keeps being served. Reports
/// escapes (must be 0), hangs (must be 0) and peak memory.</summary>
internal static class FuzzRun
{
    public static async Task<int> RunAsync(int count)
    {
        var watch = Stopwatch.StartNew();
        long peakManaged = 0;
        int accepted = 0, escaped = 0;
        var fuzzer = new Fuzzer(seed: 1);
        for (int i = 0; i < count; i++)
        {
            try
            {
                if (Fuzzer.Parse(fuzzer.NextMessage()))
                    accepted++;
            }
            catch (Exception e)
            {
                if (escaped++ < 10)
                    Console.WriteLine($"escaped: {e.GetType().Name}: {e.Message}");
            }
            if (i % 50_000 == 0)
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(forceFullCollection: true));
        }
        Console.WriteLine($"reader: {count:N0} messages in {watch.Elapsed.TotalSeconds:F1} s, {accepted:N0} valid, {count - accepted:N0} rejected, {escaped} exceptions escaped");

        // The live server: as many messages again (plus fuzzed auth exchanges), over real sockets.
        int liveMessages = count;
        const int MessagesPerConnection = 50;
        int connections = liveMessages / MessagesPerConnection;
        string dir = Path.Combine(Path.GetTempPath(), "dbus-fuzz-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var objects = new ObjectTree();
        objects.Add(new DBusObject("/org/example/Test", new Echo()));
        using DBusServer server = DBusServer.Listen("unix:path=" + Path.Combine(dir, "s"), new DBusServerOptions
        {
            Objects = objects,
            ConnectionOptions = new DBusConnectionOptions { AuthenticationTimeout = TimeSpan.FromSeconds(2), MaxSendQueueBytes = 4 << 20 },
        });
        using DBusConnection bystander = await DBusConnection.ConnectAsync(server.Address);
        int hangs = 0, authExchanges = 0;
        long peakWorkingSet = 0;
        watch.Restart();
        int next = 0;
        async Task Worker(int seed)
        {
            var local = new Fuzzer(seed);
            int index;
            while ((index = Interlocked.Increment(ref next)) <= connections)
            {
                using RawClient client = index % 4 == 0
                    ? await RawClient.ConnectAsync(Path.Combine(dir, "s"))
                    : await RawClient.AuthenticatedAsync(Path.Combine(dir, "s"));
                try
                {
                    if (index % 4 == 0)
                    {
                        await client.SendAsync(local.NextAuth());
                        Interlocked.Increment(ref authExchanges);
                    }
                    for (int m = 0; m < MessagesPerConnection; m++)
                        await client.SendAsync(local.NextMessage());
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // Cut off by the server: expected for hostile input.
                }
            }
        }
        Task[] workers = [.. Enumerable.Range(0, 4).Select(i => Task.Run(() => Worker(100 + i)))];
        while (!Task.WhenAll(workers).IsCompleted)
        {
            // The bystander must be answered throughout, promptly.
            try
            {
                MessageWriter ping = MessageWriter.CreateMethodCall(null, "/", StandardInterfaces.Peer, "Ping");
                (await bystander.CallAsync(ping.Finish(), TimeSpan.FromSeconds(10))).Dispose();
            }
            catch (DBusException)
            {
                hangs++;
            }
            peakWorkingSet = Math.Max(peakWorkingSet, Process.GetCurrentProcess().WorkingSet64);
            peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(forceFullCollection: true));
            await Task.WhenAny(Task.WhenAll(workers), Task.Delay(200));
        }
        await Task.WhenAll(workers);
        Directory.Delete(dir, recursive: true);
        Console.WriteLine($"server: {connections:N0} connections, {connections * MessagesPerConnection:N0} messages, {authExchanges:N0} fuzzed auth exchanges in {watch.Elapsed.TotalSeconds:F1} s; bystander unanswered {hangs} times; still connected: {bystander.IsConnected}");
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"memory: live managed heap at most {peakManaged / 1048576.0:F0} MiB (sampled after full collections), working set at most {peakWorkingSet / 1048576.0:F0} MiB during the server run, process peak {self.PeakWorkingSet64 / 1048576.0:F0} MiB");
        bool ok = escaped == 0 && hangs == 0 && bystander.IsConnected;
        Console.WriteLine(ok ? "fuzz: PASS" : "fuzz: FAIL");
        return ok ? 0 : 1;
    }

    private sealed class Echo() : DBusInterface(new InterfaceDescription("org.example.Test",
        [new MethodDescription("Echo", "v", "v"), new MethodDescription("Add", "ii", "i")]))
    {
        public override ValueTask HandleMethodAsync(MethodCall call)
        {
            Reader reader = call.Request.GetBodyReader();
            if (call.Member == "Echo")
            {
                DBusValue value = reader.ReadVariant();
                MessageWriter reply = call.CreateReply("v");
                reply.WriteVariant(value.VariantValue);
                call.Reply(reply.Finish());
            }
            else
            {
                MessageWriter reply = call.CreateReply("i");
                reply.WriteInt32(reader.ReadInt32() + reader.ReadInt32());
                call.Reply(reply.Finish());
            }
            return default;
        }
    }
}
