using System.Net.Sockets;
using Units.Daemon.Tests.Harness;
using Units.DBus;
using Units.DBus.Tests;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// Malformed and hostile clients of a running unitsd's private socket — garbage, half a message then silence, a
/// client that never reads while replies and signals pile up, thousands of connections — while systemctl keeps
/// working through the same socket, and the manager stays up with bounded memory.
/// </summary>
public sealed class HostileClientTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["x.service"] = "[Service]\nExecStart=/bin/sleep infinity\n",
    };

    [Fact]
    public async Task Hostile_clients_disturb_neither_systemctl_nor_the_manager()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("hc", Paths.Unitsd, s_units);
        string socket = Path.Combine(unitsd.InstanceDirectory, "xdg", "systemd", "private");
        int pid = unitsd.ManagerPid();
        long rssBefore = ResidentKiB(pid);
        var random = new Random(6);
        var held = new List<RawClient>();
        try
        {
            // Garbage instead of authentication, and garbage instead of a message: each closes its own connection.
            RawClient garbageFirst = await RawClient.ConnectAsync(socket);
            await garbageFirst.SendAsync(RandomBytes(random, 70_000));
            Assert.True(await garbageFirst.WaitForCloseAsync());
            RawClient garbageLater = await RawClient.AuthenticatedAsync(socket);
            await garbageLater.SendAsync([(byte)'x', .. RandomBytes(random, 4096)]);
            Assert.True(await garbageLater.WaitForCloseAsync());
            held.AddRange([garbageFirst, garbageLater]);

            // Half a message, then silence: costs only what arrived, blocks nobody.
            RawClient half = await RawClient.AuthenticatedAsync(socket);
            byte[] call = GetAllCall("/org/freedesktop/systemd1/unit/x_2eservice");
            await half.SendAsync(call.AsSpan(0, call.Length / 2).ToArray());
            held.Add(half);
            Succeeds(unitsd.Ctl("start", "x.service"));

            // A client that pipelines calls and never reads the replies, while signals flow to it too: it is
            // disconnected once what is queued for it passes the limit; systemctl goes on meanwhile.
            RawClient deaf = await RawClient.AuthenticatedAsync(socket);
            deaf.Socket.ReceiveBufferSize = 4096;
            held.Add(deaf);
            byte[] flood = [.. Enumerable.Repeat(call, 6000).SelectMany(b => b)];
            Task flooding = deaf.SendAsync(flood);
            for (int i = 0; i < 3; i++)
            {
                Succeeds(unitsd.Ctl("restart", "x.service"));
                Assert.Equal("active\n", unitsd.Ctl("is-active", "x.service").Output);
            }
            try
            {
                await flooding;
            }
            catch (SocketException)
            {
                // Cut off mid-send: the manager dropped it.
            }
            Assert.True(await deaf.WaitForCloseAsync());

            // Thousands of connections: half authenticate and idle, half never say a word. The silent ones beyond
            // the manager's allowance are dropped oldest first, so new clients still get in.
            var silent = new List<RawClient>();
            for (int i = 0; i < 1000; i++)
                silent.Add(await ConnectAsync(socket));
            held.AddRange(silent);
            for (int batch = 0; batch < 10; batch++)
                held.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => RawClient.AuthenticatedAsync(socket))));
            Assert.True(await silent[0].WaitForCloseAsync());
            Succeeds(unitsd.Ctl("stop", "x.service"));
            Assert.Equal("inactive\n", unitsd.Ctl("is-active", "x.service").Output);
            Succeeds(unitsd.Ctl("list-units", "--no-pager"));

            long rssDuring = ResidentKiB(pid);
            output.WriteLine($"unitsd VmRSS: {rssBefore} KiB before, {rssDuring} KiB with {held.Count} hostile connections");
            Assert.True(rssDuring - rssBefore < 256 * 1024, $"VmRSS grew from {rssBefore} to {rssDuring} KiB");
        }
        finally
        {
            foreach (RawClient client in held)
                client.Dispose();
        }
        Assert.Equal(pid, unitsd.ManagerPid());
        Assert.Equal("running\n", unitsd.Ctl("is-system-running").Output);
    }

    /// <summary>Connects, waiting while the listen backlog is full (EAGAIN): this client outpaces the accept loop.</summary>
    private static async Task<RawClient> ConnectAsync(string socket)
    {
        while (true)
        {
            try
            {
                return await RawClient.ConnectAsync(socket);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TryAgain)
            {
                await Task.Yield();
            }
        }
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Properties.GetAll("") on <paramref name="path"/>: every interface, the largest reply a unit gives.</summary>
    private static byte[] GetAllCall(string path)
    {
        MessageWriter writer = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", path, StandardInterfaces.Properties, "GetAll", "s");
        writer.WriteString("".AsSpan());
        MessageBuffer call = writer.Finish();
        byte[] bytes = call.Span.ToArray();
        call.Dispose();
        return bytes;
    }

    private static long ResidentKiB(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Succeeds(CommandResult result)
        => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Output}{result.Error}");
}
