using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Units.Journal.Capture;

namespace Units.Journal.Tests;

/// <summary>The native protocol's large-message variant: the message in a sealed memfd passed
/// with SCM_RIGHTS and an empty datagram, as sd_journal_send does for big messages.</summary>
public sealed partial class MemfdTests
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint sendmsg(int fd, void* message, int flags);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    private static unsafe void SendMemfd(Socket socket, string path, byte[] message, bool seal)
    {
        int fd = memfd_create("journal-message", 0x0002 /* MFD_ALLOW_SEALING */ | 0x0001 /* MFD_CLOEXEC */);
        Assert.True(fd >= 0, "memfd_create failed");
        try
        {
            fixed (byte* p = message) Assert.Equal(message.Length, (int)write(fd, p, (nuint)message.Length));
            if (seal) Assert.Equal(0, fcntl(fd, 1033 /* F_ADD_SEALS */, 2 | 4 | 8 /* SHRINK GROW WRITE */));
            socket.Connect(new UnixDomainSocketEndPoint(path));
            // struct msghdr with one SCM_RIGHTS control message (cmsghdr: len, level, type, fd).
            byte* control = stackalloc byte[24];
            *(nuint*)control = 20;
            *(int*)(control + 8) = 1; // SOL_SOCKET
            *(int*)(control + 12) = 1; // SCM_RIGHTS
            *(int*)(control + 16) = fd;
            nint* header = stackalloc nint[7];
            for (int i = 0; i < 7; i++) header[i] = 0;
            header[4] = (nint)control; // msg_control
            header[5] = 24;            // msg_controllen
            Assert.True(sendmsg((int)socket.Handle, header, 0) >= 0, "sendmsg failed: " + Marshal.GetLastPInvokeError());
        }
        finally
        {
            _ = close(fd);
        }
    }

    [Fact]
    public async Task A_sealed_memfd_message_is_stored_like_a_datagram()
    {
        await using var f = new ServiceFixture();
        string big = new('m', 300_000); // larger than a datagram may be
        var message = NativeProtocol.Encode([new("MESSAGE", Encoding.ASCII.GetBytes(big)), new("SYSLOG_IDENTIFIER", "memfd"u8.ToArray())]);
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            SendMemfd(socket, f.Options.NativeSocketPath!, message, seal: true);
        await f.WaitForEntries(1);
        await f.Stop();
        Journalctl.AssertVerifies(f.JournalDirectory);
        var entry = Journalctl.Json(f.JournalDirectory).Single();
        Assert.Equal(big, entry.GetProperty("MESSAGE").GetString());
        Assert.Equal(("memfd", "journal"), (entry.GetProperty("SYSLOG_IDENTIFIER").GetString(), entry.GetProperty("_TRANSPORT").GetString()));
    }
}
