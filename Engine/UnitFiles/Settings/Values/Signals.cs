using System.Globalization;

namespace Units.UnitFiles.Settings.Values;

/// <summary>Linux signal names and numbers as systemd's signal_from_string()/signal_to_string() know them.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGABRT = 6;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGPIPE = 13;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;

    /// <summary>glibc's SIGRTMIN/SIGRTMAX (the kernel's 32 and 33 are taken by the C library).</summary>
    public const int RealtimeMin = 34;
    public const int RealtimeMax = 64;

    private static readonly string?[] Names =
    [
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>SIGNAL_VALID(): 1…64.</summary>
    public static bool IsValid(int signal) => signal is > 0 and <= RealtimeMax;

    /// <summary>
    /// signal_from_string(): a number, a name with or without "SIG" ("TERM", "SIGTERM"), "RTMIN+n", "RTMAX-n".
    /// </summary>
    public static ValueError Parse(string text, out int signal)
    {
        signal = 0;
        if (Numbers.ParseInt32(text, out var number) == ValueError.None)
        {
            if (!IsValid(number))
            {
                return ValueError.OutOfRange;
            }

            signal = number;
            return ValueError.None;
        }

        var name = text.StartsWith("SIG", StringComparison.Ordinal) ? text[3..] : text;
        for (var i = 1; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                signal = i;
                return ValueError.None;
            }
        }

        if (name.StartsWith("RTMIN", StringComparison.Ordinal))
        {
            return ParseRealtime(name[5..], '+', RealtimeMin, out signal);
        }

        if (name.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            return ParseRealtime(name[5..], '-', RealtimeMax, out signal);
        }

        return ValueError.Invalid;
    }

    /// <summary>signal_to_string(): "TERM", "RTMIN+3", or the number.</summary>
    public static string ToName(int signal)
    {
        if (signal > 0 && signal < Names.Length && Names[signal] is { } name)
        {
            return name;
        }

        return signal is >= RealtimeMin and <= RealtimeMax
            ? "RTMIN+" + (signal - RealtimeMin).ToString(CultureInfo.InvariantCulture)
            : signal.ToString(CultureInfo.InvariantCulture);
    }

    private static ValueError ParseRealtime(string rest, char sign, int anchor, out int signal)
    {
        signal = 0;
        if (rest.Length == 0)
        {
            signal = anchor;
            return ValueError.None;
        }

        if (rest[0] != sign)
        {
            return ValueError.Invalid;
        }

        var error = Numbers.ParseInt32(rest, out var offset);
        if (error != ValueError.None)
        {
            return error;
        }

        if (Math.Abs(offset) > RealtimeMax - RealtimeMin || (sign == '+' && offset < 0) || (sign == '-' && offset > 0))
        {
            return ValueError.OutOfRange;
        }

        signal = anchor + offset;
        return ValueError.None;
    }
}
