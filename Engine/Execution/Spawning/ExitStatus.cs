namespace Units.Execution.Spawning;

/// <summary>How a process ended, as waitid() reports it (si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED).</summary>
public enum ExitCode
{
    Exited = 1,
    Killed = 2,
    Dumped = 3,
}

/// <summary>One reaped process: <see cref="Status"/> is the exit status or the signal number.</summary>
public readonly record struct ProcessExit(int Pid, ExitCode Code, int Status, ExecFailure? Failure)
{
    /// <summary>The cgroup the process died in (read before reaping), to attribute orphans to their unit.</summary>
    public string? CgroupPath { get; init; }

    public bool Succeeded => Code == ExitCode.Exited && Status == 0;

    /// <summary>systemd's spelling: "status=203/EXEC", "signal=TERM", "dumped=SEGV".</summary>
    public override string ToString() => Code switch
    {
        ExitCode.Exited => $"code=exited, status={ExitStatusNames.Format(Status)}",
        ExitCode.Killed => $"code=killed, signal={Signals.Name(Status)}",
        _ => $"code=dumped, signal={Signals.Name(Status)}",
    };
}

/// <summary>What the executor reported before exiting: the step (as an EXIT_* code), errno and what failed.</summary>
public sealed record ExecFailure(int ExitStatus, int Errno, string Detail)
{
    public override string ToString() =>
        $"{Detail}: {Native.Libc.ErrorText(Errno)} (step {ExitStatusNames.Name(ExitStatus) ?? ExitStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
}

/// <summary>The exit statuses of systemd.exec(5) "Process Exit Codes", named as systemd prints them.</summary>
public static class ExitStatusNames
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [0] = "SUCCESS", [1] = "FAILURE", [2] = "INVALIDARGUMENT", [3] = "NOTIMPLEMENTED", [4] = "NOPERMISSION",
        [5] = "NOTINSTALLED", [6] = "NOTCONFIGURED", [7] = "NOTRUNNING",
        [200] = "CHDIR", [201] = "NICE", [202] = "FDS", [203] = "EXEC", [204] = "MEMORY", [205] = "LIMITS",
        [206] = "OOM_ADJUST", [207] = "SIGNAL_MASK", [208] = "STDIN", [209] = "STDOUT", [210] = "CHROOT",
        [211] = "IOPRIO", [212] = "TIMERSLACK", [213] = "SECUREBITS", [214] = "SETSCHEDULER", [215] = "CPUAFFINITY",
        [216] = "GROUP", [217] = "USER", [218] = "CAPABILITIES", [219] = "CGROUP", [220] = "SETSID",
        [221] = "CONFIRM", [222] = "STDERR", [224] = "PAM", [225] = "NETWORK", [226] = "NAMESPACE",
        [227] = "NO_NEW_PRIVILEGES", [228] = "SECCOMP", [229] = "SELINUX_CONTEXT", [230] = "PERSONALITY",
        [231] = "APPARMOR_PROFILE", [232] = "ADDRESS_FAMILIES", [233] = "RUNTIME_DIRECTORY", [235] = "CHOWN",
        [236] = "SMACK_PROCESS_LABEL", [237] = "KEYRING", [238] = "STATE_DIRECTORY", [239] = "CACHE_DIRECTORY",
        [240] = "LOGS_DIRECTORY", [241] = "CONFIGURATION_DIRECTORY", [242] = "NUMA_POLICY", [243] = "CREDENTIALS",
        [245] = "BPF",
    };

    public static string? Name(int status) => Names.GetValueOrDefault(status);

    /// <summary>"203/EXEC", or just "42" for statuses without a name.</summary>
    public static string Format(int status) =>
        Name(status) is { } name ? $"{status}/{name}" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Linux signal numbers and their names without "SIG", as systemd prints them.</summary>
public static class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGABRT = 6, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11,
        SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19;

    private static readonly string[] Table =
    [
        "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
        "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    public static string Name(int signal) =>
        signal >= 0 && signal < Table.Length ? Table[signal]
        : signal >= 34 && signal <= 64 ? $"RTMIN+{signal - 34}" : signal.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
