using System.Net.Sockets;
using Units.Execution.Socket;

namespace Units.Execution.Tests;

/// <summary>Listen addresses parse and print as systemd 252's socket_address_parse/socket_address_print do; accepted
/// connections name their service instances as instance_from_socket does.</summary>
public sealed class SocketAddressTests
{
    [Theory]
    [InlineData("/run/foo.sock", AddressFamily.Unix, "/run/foo.sock")]
    [InlineData("@abstract", AddressFamily.Unix, "@abstract")]
    [InlineData("127.0.0.1:80", AddressFamily.InterNetwork, "127.0.0.1:80")]
    [InlineData("[::1]:8080", AddressFamily.InterNetworkV6, "[::1]:8080")]
    [InlineData("[::]:22", AddressFamily.InterNetworkV6, "[::]:22")]
    [InlineData("7777", AddressFamily.InterNetworkV6, "[::]:7777")]
    public void Addresses_parse_and_print_as_systemd_prints_them(string text, AddressFamily family, string printed)
    {
        SocketAddress address = SocketAddress.Parse(text, ipv6Supported: true);
        Assert.Equal(family, address.Family);
        Assert.Equal(printed, address.Text);
    }

    [Fact]
    public void A_bare_port_binds_the_IPv4_wildcard_without_IPv6() =>
        Assert.Equal("0.0.0.0:7777", SocketAddress.Parse("7777", ipv6Supported: false).Text);

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("localhost:80")]
    [InlineData("[::1]80")]
    [InlineData("1.2.3.4:")]
    public void Bad_addresses_say_what_is_wrong(string text)
    {
        var error = Assert.Throws<FormatException>(() => SocketAddress.Parse(text, ipv6Supported: true));
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unix_path_has_a_terminating_nul_and_an_abstract_name_a_leading_one()
    {
        Assert.Equal([1, 0, (byte)'/', (byte)'a', 0], SocketAddress.Parse("/a", true).Sockaddr);
        Assert.Equal([1, 0, 0, (byte)'a'], SocketAddress.Parse("@a", true).Sockaddr);
        Assert.Equal("/a", SocketAddress.Parse("/a", true).Path);
        Assert.Null(SocketAddress.Parse("@a", true).Path);
    }

    [Fact]
    public void Instances_are_named_by_number_and_both_ends()
    {
        byte[] local = SocketAddress.Parse("127.0.0.1:80", true).Sockaddr;
        byte[] remote = SocketAddress.Parse("10.0.0.2:4000", true).Sockaddr;
        Assert.Equal("3-127.0.0.1:80-10.0.0.2:4000", SocketAddress.InstanceName(3, local, remote, null));

        byte[] local6 = SocketAddress.Parse("[::ffff:127.0.0.1]:80", true).Sockaddr;
        byte[] remote6 = SocketAddress.Parse("[::ffff:127.0.0.1]:5000", true).Sockaddr;
        Assert.Equal("0-127.0.0.1:80-127.0.0.1:5000", SocketAddress.InstanceName(0, local6, remote6, null));

        byte[] unix = SocketAddress.Parse("/run/x.sock", true).Sockaddr;
        Assert.Equal("7-1234-1000", SocketAddress.InstanceName(7, unix, [1, 0], (1234, 1000)));
        Assert.Equal("7-unknown", SocketAddress.InstanceName(7, unix, [1, 0], null));
    }

    [Fact]
    public void A_connection_sets_the_remote_address_and_port_of_IP_peers()
    {
        Assert.Equal(["REMOTE_ADDR=10.0.0.2", "REMOTE_PORT=4000"],
            SocketAddress.RemoteEnvironment(SocketAddress.Parse("10.0.0.2:4000", true).Sockaddr));
        Assert.Empty(SocketAddress.RemoteEnvironment([1, 0]));
    }
}
