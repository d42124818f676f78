using System.Globalization;

namespace Units.Client;

/// <summary>Linux signal names and numbers, for Send-UnitSignal (systemctl kill --signal).</summary>
public static class SignalNames
{
    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>Every signal name, without the SIG prefix, in number order.</summary>
    public static IReadOnlyList<string> All => Names[1..];

    /// <summary>
    /// Parses "TERM", "SIGTERM", "sigterm", "15" or "RTMIN+3" to a signal number; false for
    /// anything else.
    /// </summary>
    public static bool TryParse(string text, out int signal)
    {
        var name = text.Trim().ToUpperInvariant();
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out signal))
        {
            return signal is > 0 and <= 64;
        }
        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }
        signal = Array.IndexOf(Names, name);
        if (signal > 0)
        {
            return true;
        }
        // Real-time signals: RTMIN is 34 with glibc, RTMAX 64.
        if (name.StartsWith("RTMIN", StringComparison.Ordinal) && Offset(name[5..], out var above) && 34 + above <= 64)
        {
            signal = 34 + above;
            return true;
        }
        if (name.StartsWith("RTMAX", StringComparison.Ordinal) && Offset(name[5..], out var below) && 64 + below >= 34)
        {
            signal = 64 + below;
            return true;
        }
        signal = 0;
        return false;
    }

    private static bool Offset(string text, out int offset)
    {
        offset = 0;
        return text.Length == 0 || int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out offset);
    }
}
