namespace Units.UnitFiles.Settings.Values;

/// <summary>The socket address families (AF_*) of Linux's &lt;sys/socket.h&gt; that systemd's af_from_name() knows,
/// for RestrictAddressFamilies=.</summary>
public static class AddressFamilies
{
    /// <summary>AF_MAX: one past the largest family number.</summary>
    public const int Max = 46;

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["AF_UNIX"] = 1, ["AF_INET"] = 2, ["AF_AX25"] = 3, ["AF_IPX"] = 4, ["AF_APPLETALK"] = 5, ["AF_NETROM"] = 6,
        ["AF_BRIDGE"] = 7, ["AF_ATMPVC"] = 8, ["AF_X25"] = 9, ["AF_INET6"] = 10, ["AF_ROSE"] = 11, ["AF_DECnet"] = 12,
        ["AF_NETBEUI"] = 13, ["AF_SECURITY"] = 14, ["AF_KEY"] = 15, ["AF_NETLINK"] = 16, ["AF_PACKET"] = 17, ["AF_ASH"] = 18,
        ["AF_ECONET"] = 19, ["AF_ATMSVC"] = 20, ["AF_RDS"] = 21, ["AF_SNA"] = 22, ["AF_IRDA"] = 23, ["AF_PPPOX"] = 24,
        ["AF_WANPIPE"] = 25, ["AF_LLC"] = 26, ["AF_IB"] = 27, ["AF_MPLS"] = 28, ["AF_CAN"] = 29, ["AF_TIPC"] = 30,
        ["AF_BLUETOOTH"] = 31, ["AF_IUCV"] = 32, ["AF_RXRPC"] = 33, ["AF_ISDN"] = 34, ["AF_PHONET"] = 35,
        ["AF_IEEE802154"] = 36, ["AF_CAIF"] = 37, ["AF_ALG"] = 38, ["AF_NFC"] = 39, ["AF_VSOCK"] = 40, ["AF_KCM"] = 41,
        ["AF_QIPCRTR"] = 42, ["AF_SMC"] = 43, ["AF_XDP"] = 44, ["AF_MCTP"] = 45,
        // Other names of the families above.
        ["AF_LOCAL"] = 1, ["AF_FILE"] = 1, ["AF_ROUTE"] = 16,
    };

    private static readonly Dictionary<int, string> Names = Numbers.Where(n => n.Key is not ("AF_LOCAL" or "AF_FILE" or "AF_ROUTE"))
        .ToDictionary(n => n.Value, n => n.Key);

    /// <summary>af_from_name: the family's number, or null for a name Linux does not have.</summary>
    public static int? Parse(string name) => Numbers.TryGetValue(name, out int number) ? number : null;

    /// <summary>af_to_name: the one name systemd reports a family by (AF_UNIX, not AF_LOCAL).</summary>
    public static string NameOf(int number) => Names.TryGetValue(number, out string? name) ? name : number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
