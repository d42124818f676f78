using System.Net.Sockets;
using Units.Journal.Capture;
using Units.Journal.Format;
using Units.Journal.Writing;

namespace Units.Journal.Tests;

/// <summary>A <see cref="JournalService"/> on sockets in a temporary directory, storing into
/// DIR/journal; clients are real Unix-socket clients.</summary>
internal sealed class ServiceFixture : IAsyncDisposable
{
    private readonly TestDirectory _dir = new();

    public ServiceFixture(Func<JournalStoreOptions, JournalStoreOptions>? store = null, Func<JournalServiceOptions, JournalServiceOptions>? service = null)
    {
        JournalDirectory = Path.Combine(_dir.Path, "journal");
        var storeOptions = new JournalStoreOptions
        {
            Directory = JournalDirectory,
            MachineId = FormatTests.Machine,
            BootId = FormatTests.Boot,
            MaxFileSize = 64L * 1024 * 1024,
        };
        var options = new JournalServiceOptions
        {
            Store = store?.Invoke(storeOptions) ?? storeOptions,
            StdoutSocketPath = Path.Combine(_dir.Path, "stdout"),
            NativeSocketPath = Path.Combine(_dir.Path, "socket"),
            SyslogSocketPath = Path.Combine(_dir.Path, "dev-log"),
            Hostname = "testhost",
        };
        Options = service?.Invoke(options) ?? options;
        Service = JournalService.Start(Options);
    }

    public JournalServiceOptions Options { get; }
    public JournalService Service { get; private set; }
    public string JournalDirectory { get; }

    /// <summary>Connects to the stdout socket as a service would, sends the header and data,
    /// closes the stream.</summary>
    public async Task SendStream(StdoutStreamHeader header, byte[] data)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Options.StdoutSocketPath!));
        await socket.SendAsync(header.Encode());
        for (int offset = 0; offset < data.Length; offset += 1 << 16)
            await socket.SendAsync(data.AsMemory(offset, Math.Min(1 << 16, data.Length - offset)));
        socket.Shutdown(SocketShutdown.Send);
        // journald shuts its side for writing right away; wait for it to close the stream.
        await socket.ReceiveAsync(new byte[1]);
    }

    public void SendDatagram(string path, byte[] datagram)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.SendTo(datagram, new UnixDomainSocketEndPoint(path));
    }

    /// <summary>Waits until the store published <paramref name="count"/> entries in total.</summary>
    public async Task WaitForEntries(ulong count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var published = new SemaphoreSlim(0);
        Service.Store.Published += _ => published.Release();
        while (Service.Store.PublishedSeqnum < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {Service.Store.PublishedSeqnum} of {count} entries published");
            await published.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Stops the service cleanly (files offline) so journalctl reads a settled directory.</summary>
    public async Task Stop()
    {
        await Service.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try { await Service.DisposeAsync(); } catch (ObjectDisposedException) { }
        _dir.Dispose();
    }
}
