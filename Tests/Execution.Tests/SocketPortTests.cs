using System.Net.Sockets;
using Units.Execution.Socket;

namespace Units.Execution.Tests;

/// <summary>Ports open as systemd 252 opens them: sockets bound with SocketMode= and DirectoryMode=, a socket file
/// left behind replaced, FIFOs made, special files only when they are files or character devices, RemoveOnStop=.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SocketPortTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("units-ports-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static SocketPort Port(SocketPortType type, string address) => new(new SocketPortSpec(type, address), ipv6Supported: true);

    [Fact]
    public void A_stream_socket_listens_at_its_path_with_the_modes_asked_for_and_replaces_a_stale_file()
    {
        string path = Path.Combine(_directory, "run", "a.sock");
        var settings = new SocketSettings { SocketMode = Convert.ToUInt32("600", 8), DirectoryMode = Convert.ToUInt32("750", 8) };
        var stale = Port(SocketPortType.Stream, path);
        stale.Open(settings, static _ => { });
        stale.Close(removeFiles: false);
        Assert.True(File.Exists(path));

        var port = Port(SocketPortType.Stream, path);
        port.Open(settings, message => Assert.Fail(message));
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            using var client = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            int connection = port.Accept();
            Assert.True(connection >= 0);
            Native.Libc.close(connection);
            Assert.Equal(-1, port.Accept()); // nothing more waiting: a spurious wake-up, not an error
        }
        finally
        {
            port.Close(removeFiles: true);
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_fifo_is_made_and_a_special_file_must_be_a_file_or_a_character_device()
    {
        string fifo = Path.Combine(_directory, "f.fifo");
        var port = Port(SocketPortType.Fifo, fifo);
        port.Open(new SocketSettings(), static _ => { });
        Assert.True(port.IsOpen);
        port.Close(removeFiles: false);
        Assert.True(File.Exists(fifo));

        var special = Port(SocketPortType.Special, "/dev/null");
        special.Open(new SocketSettings(), static _ => { });
        special.Close(removeFiles: false);
        Assert.True(File.Exists("/dev/null"));

        var error = Assert.Throws<SocketPortException>(() => Port(SocketPortType.Special, _directory).Open(new SocketSettings(), static _ => { }));
        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
        var netlink = Assert.Throws<SocketPortException>(() => Port(SocketPortType.Netlink, "route 1").Open(new SocketSettings(), static _ => { }));
        Assert.Contains("not supported", netlink.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_address_fails_saying_which_and_why()
    {
        string name = "@units-test-" + Guid.NewGuid().ToString("N");
        var first = Port(SocketPortType.Datagram, name);
        first.Open(new SocketSettings(), static _ => { });
        try
        {
            var error = Assert.Throws<SocketPortException>(() => Port(SocketPortType.Datagram, name).Open(new SocketSettings(), static _ => { }));
            Assert.Equal($"Failed to bind {name}: Address already in use", error.Message);
        }
        finally
        {
            first.Close(removeFiles: true);
        }
    }
}
