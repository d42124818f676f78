using System.Globalization;

namespace Units.UnitFiles.Settings.Values;

/// <summary>Exit status names of systemd.exec(5) ("Process Exit Codes") and their numbers.</summary>
public static class ExitStatus
{
    private static readonly string?[] Names = BuildNames();

    /// <summary>exit_status_from_string(): a name ("SUCCESS", "NOTINSTALLED", "CONFIG", "EXEC", ...) or 0…255.</summary>
    public static ValueError Parse(string text, out int status)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], text, StringComparison.Ordinal))
            {
                status = i;
                return ValueError.None;
            }
        }

        var error = Numbers.ParseUInt8(text, out var value);
        status = value;
        return error;
    }

    /// <summary>The symbolic name of an exit status, or null when it has none.</summary>
    public static string? NameOf(int status) => status is >= 0 and < 256 ? Names[status] : null;

    /// <summary>The number as text with its name, the way systemctl status shows it ("203/EXEC").</summary>
    public static string Describe(int status) =>
        NameOf(status) is { } name ? $"{status.ToString(CultureInfo.InvariantCulture)}/{name}" : status.ToString(CultureInfo.InvariantCulture);

    private static string?[] BuildNames()
    {
        var names = new string?[256];
        names[0] = "SUCCESS";
        names[1] = "FAILURE";

        // LSB init script codes.
        string[] lsb = ["INVALIDARGUMENT", "NOTIMPLEMENTED", "NOPERMISSION", "NOTINSTALLED", "NOTCONFIGURED", "NOTRUNNING"];
        lsb.CopyTo(names, 2);

        // BSD sysexits.h, 64…78.
        string[] bsd = ["USAGE", "DATAERR", "NOINPUT", "NOUSER", "NOHOST", "UNAVAILABLE", "SOFTWARE", "OSERR", "OSFILE", "CANTCREAT", "IOERR", "TEMPFAIL", "PROTOCOL", "NOPERM", "CONFIG"];
        bsd.CopyTo(names, 64);

        // systemd's own, from 200; 223 and 234 are retired and stay unnamed.
        string?[] systemd =
        [
            "CHDIR", "NICE", "FDS", "EXEC", "MEMORY", "LIMITS", "OOM_ADJUST", "SIGNAL_MASK", "STDIN", "STDOUT",
            "CHROOT", "IOPRIO", "TIMERSLACK", "SECUREBITS", "SETSCHEDULER", "CPUAFFINITY", "GROUP", "USER", "CAPABILITIES", "CGROUP",
            "SETSID", "CONFIRM", "STDERR", null, "PAM", "NETWORK", "NAMESPACE", "NO_NEW_PRIVILEGES", "SECCOMP", "SELINUX_CONTEXT",
            "PERSONALITY", "APPARMOR", "ADDRESS_FAMILIES", "RUNTIME_DIRECTORY", null, "CHOWN", "SMACK_PROCESS_LABEL", "KEYRING", "STATE_DIRECTORY", "CACHE_DIRECTORY",
            "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY", "NUMA_POLICY", "CREDENTIALS", "BPF",
        ];
        systemd.CopyTo(names, 200);
        names[255] = "EXCEPTION";
        return names;
    }
}

/// <summary>
/// A set of exit statuses and signals (SuccessExitStatus=, RestartPreventExitStatus=, RestartForceExitStatus=).
/// </summary>
public sealed class ExitStatusSet
{
    // Bitmaps: exit statuses 0…255 in four words, signals 1…64 in one (bit n-1 for signal n).
    private ulong status0, status1, status2, status3;
    private ulong signalBits;

    /// <summary>The exit statuses in ascending order.</summary>
    public IEnumerable<int> Statuses
    {
        get
        {
            for (var i = 0; i < 256; i++)
            {
                if (ContainsStatus(i))
                {
                    yield return i;
                }
            }
        }
    }

    /// <summary>The signals in ascending order.</summary>
    public IEnumerable<int> SignalNumbers
    {
        get
        {
            for (var i = 1; i <= Signals.RealtimeMax; i++)
            {
                if (ContainsSignal(i))
                {
                    yield return i;
                }
            }
        }
    }

    public bool IsEmpty => (status0 | status1 | status2 | status3 | signalBits) == 0;

    public bool ContainsStatus(int status) => status is >= 0 and < 256 && (Word(status) & (1UL << (status & 63))) != 0;

    public bool ContainsSignal(int signal) => Signals.IsValid(signal) && (signalBits & (1UL << (signal - 1))) != 0;

    public void AddStatus(int status) => Word(status) |= 1UL << (status & 63);

    public void AddSignal(int signal) => signalBits |= 1UL << (signal - 1);

    public void Clear() => status0 = status1 = status2 = status3 = signalBits = 0;

    private ref ulong Word(int status)
    {
        switch (status >> 6)
        {
            case 0: return ref status0;
            case 1: return ref status1;
            case 2: return ref status2;
            default: return ref status3;
        }
    }
}
