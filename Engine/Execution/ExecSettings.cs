using Units.UnitFiles.Settings;
using Units.UnitFiles.Settings.Values;

namespace Units.Execution;

/// <summary>Where a standard stream goes (StandardInput=/StandardOutput=/StandardError= of systemd.exec(5)).</summary>
public enum StdioKind
{
    Inherit,
    Null,
    Tty,
    Journal,
    Kmsg,
    Socket,
    /// <summary>fd:NAME, a descriptor the unit was passed under that name.</summary>
    NamedFd,
    /// <summary>file:PATH (input: read; output: write without truncating).</summary>
    File,
    Append,
    Truncate,
}

/// <summary>One StandardInput=/StandardOutput=/StandardError= value.</summary>
public readonly record struct StdioSetting(StdioKind Kind, string? Argument = null)
{
    public static StdioSetting Inherit => new(StdioKind.Inherit);
    public static StdioSetting Null => new(StdioKind.Null);
    public static StdioSetting Journal => new(StdioKind.Journal);
}

/// <summary>ProtectSystem=.</summary>
public enum ProtectSystem { No, Yes, Full, Strict }

/// <summary>ProtectHome=.</summary>
public enum ProtectHome { No, Yes, ReadOnly, Tmpfs }

/// <summary>RuntimeDirectoryPreserve=: whether RuntimeDirectory= outlives the unit's stop (restart: only a restart).</summary>
public enum RuntimeDirectoryPreserve { No, Yes, Restart }

/// <summary>The RLIMIT_* resources of Limit*= (values are Linux's resource numbers).</summary>
public enum ResourceLimit
{
    CPU = 0, FSIZE = 1, DATA = 2, STACK = 3, CORE = 4, RSS = 5, NPROC = 6, NOFILE = 7, MEMLOCK = 8, AS = 9,
    LOCKS = 10, SIGPENDING = 11, MSGQUEUE = 12, NICE = 13, RTPRIO = 14, RTTIME = 15,
}

/// <summary>A soft/hard limit pair; null is "infinity".</summary>
public readonly record struct LimitValue(ulong? Soft, ulong? Hard);

/// <summary>
/// The execution context of systemd.exec(5), as a unit's settings say it: names mirror the unit-file options.
/// The unit-file loader maps its typed settings into this; tests build it directly.
/// </summary>
public sealed record ExecSettings
{
    public string? User { get; init; }
    public string? Group { get; init; }
    public IReadOnlyList<string> SupplementaryGroups { get; init; } = [];
    /// <summary>DynamicUser=: a transient user and group (named by <see cref="User"/>/<see cref="Group"/>) per start.</summary>
    public bool DynamicUser { get; init; }
    /// <summary>WorkingDirectory= as written: "~" for the user's home, "-" prefix ignores a missing directory.</summary>
    public string? WorkingDirectory { get; init; }
    public string? RootDirectory { get; init; }
    /// <summary>Environment= assignments "NAME=VALUE" in order.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];
    /// <summary>EnvironmentFile= paths; a "-" prefix ignores a missing file.</summary>
    public IReadOnlyList<string> EnvironmentFiles { get; init; } = [];
    public IReadOnlyList<string> PassEnvironment { get; init; } = [];
    /// <summary>UnsetEnvironment= entries: a name, or an exact "NAME=VALUE" assignment.</summary>
    public IReadOnlyList<string> UnsetEnvironment { get; init; } = [];
    public int? UMask { get; init; }
    public int? Nice { get; init; }
    public int? OOMScoreAdjust { get; init; }
    /// <summary>CPUSchedulingPolicy= as the kernel's SCHED_* number (other=0, fifo=1, rr=2, batch=3, idle=5).</summary>
    public int? CPUSchedulingPolicy { get; init; }
    public int? CPUSchedulingPriority { get; init; }
    public bool CPUSchedulingResetOnFork { get; init; }
    public IReadOnlyDictionary<ResourceLimit, LimitValue> Limits { get; init; } = new Dictionary<ResourceLimit, LimitValue>();
    public StdioSetting StandardInput { get; init; } = StdioSetting.Null;
    public StdioSetting StandardOutput { get; init; } = StdioSetting.Journal;
    public StdioSetting StandardError { get; init; } = StdioSetting.Inherit;
    public string? TTYPath { get; init; }
    public string? SyslogIdentifier { get; init; }
    /// <summary>SyslogFacility= as the syslog facility number (daemon=3 by default).</summary>
    public int SyslogFacility { get; init; } = 3;
    /// <summary>SyslogLevel=: the priority of lines without a "&lt;N&gt;" prefix (info=6 by default).</summary>
    public int SyslogLevel { get; init; } = 6;
    public bool SyslogLevelPrefix { get; init; } = true;
    /// <summary>LogLevelMax=: lines (and the manager's messages about the unit) less important are dropped; null keeps all.</summary>
    public int? LogLevelMax { get; init; }
    /// <summary>LogExtraFields= "FIELD=VALUE" assignments, in order.</summary>
    public IReadOnlyList<string> LogExtraFields { get; init; } = [];
    /// <summary>LogRateLimitIntervalSec= in µs and LogRateLimitBurst=; null: the journal's defaults.</summary>
    public ulong? LogRateLimitIntervalUSec { get; init; }
    public uint? LogRateLimitBurst { get; init; }
    public IReadOnlyList<string> RuntimeDirectory { get; init; } = [];
    public int RuntimeDirectoryMode { get; init; } = 0x1ED; // 0755
    /// <summary>RuntimeDirectoryPreserve=: No removes the runtime directories when the unit stops.</summary>
    public RuntimeDirectoryPreserve RuntimeDirectoryPreserve { get; init; }
    public IReadOnlyList<string> StateDirectory { get; init; } = [];
    public int StateDirectoryMode { get; init; } = 0x1ED;
    public IReadOnlyList<string> CacheDirectory { get; init; } = [];
    public int CacheDirectoryMode { get; init; } = 0x1ED;
    public IReadOnlyList<string> LogsDirectory { get; init; } = [];
    public int LogsDirectoryMode { get; init; } = 0x1ED;
    public IReadOnlyList<string> ConfigurationDirectory { get; init; } = [];
    public int ConfigurationDirectoryMode { get; init; } = 0x1ED;
    /// <summary>TimeoutCleanSec=: how long removing the directories (Clean) may take; infinity by default.</summary>
    public ulong TimeoutCleanUsec { get; init; } = ulong.MaxValue;
    public bool NoNewPrivileges { get; init; }

    /// <summary>RemoveIPC=: the IPC objects the unit's user and group leave are removed once none of its units runs.</summary>
    public bool RemoveIPC { get; init; }
    /// <summary>CapabilityBoundingSet= as a mask (bit n = capability n); null leaves the set unchanged.</summary>
    public ulong? CapabilityBoundingSet { get; init; }
    public ulong AmbientCapabilities { get; init; }
    public bool PrivateTmp { get; init; }
    public ProtectSystem ProtectSystem { get; init; }
    public ProtectHome ProtectHome { get; init; }
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];
    public IReadOnlyList<string> ReadWritePaths { get; init; } = [];
    public IReadOnlyList<string> InaccessiblePaths { get; init; } = [];
    /// <summary>ExecPaths=/NoExecPaths=: where programs may (not) be executed from.</summary>
    public IReadOnlyList<string> ExecPaths { get; init; } = [];
    public IReadOnlyList<string> NoExecPaths { get; init; } = [];
    /// <summary>ProtectProc= ("default", "noaccess", "invisible", "ptraceable") and ProcSubset= ("all", "pid"): /proc
    /// mounted anew with hidepid= and subset= when not the defaults.</summary>
    public string ProtectProc { get; init; } = "default";
    public string ProcSubset { get; init; } = "all";
    public bool PrivateDevices { get; init; }
    public bool PrivateNetwork { get; init; }
    public bool ProtectKernelTunables { get; init; }
    public bool ProtectKernelModules { get; init; }
    public bool ProtectKernelLogs { get; init; }
    public bool ProtectClock { get; init; }
    /// <summary>ProtectHostname=: a UTS namespace of its own, and no sethostname()/setdomainname().</summary>
    public bool ProtectHostname { get; init; }
    /// <summary>ProtectControlGroups=: /sys/fs/cgroup read-only.</summary>
    public bool ProtectControlGroups { get; init; }
    /// <summary>RestrictNamespaces=: the CLONE_NEW* flags still allowed; null is unrestricted.</summary>
    public ulong? RestrictNamespaces { get; init; }
    /// <summary>SystemCallFilter=; null when unset.</summary>
    public SyscallFilter? SystemCallFilter { get; init; }
    /// <summary>SystemCallErrorNumber=: an errno, or <see cref="SyscallFilter.Kill"/>.</summary>
    public int SystemCallErrorNumber { get; init; } = SyscallFilter.Kill;
    /// <summary>SystemCallArchitectures=: systemd's architecture names ("native", "x86-64", ...).</summary>
    public IReadOnlyList<string> SystemCallArchitectures { get; init; } = [];
    /// <summary>RestrictAddressFamilies=; null when unset.</summary>
    public AddressFamilyRestriction? RestrictAddressFamilies { get; init; }
    public bool MemoryDenyWriteExecute { get; init; }
    public bool RestrictRealtime { get; init; }
    public bool RestrictSUIDSGID { get; init; }
    public bool LockPersonality { get; init; }
    /// <summary>PermissionsStartOnly= (older systemd): only ExecStart= gets credentials and sandboxing.</summary>
    public bool PermissionsStartOnly { get; init; }
    /// <summary>RootDirectoryStartOnly=: only ExecStart= runs in RootDirectory=.</summary>
    public bool RootDirectoryStartOnly { get; init; }

    public static ExecSettings Default { get; } = new();
}

/// <summary>Settings the execution layer does not carry out as systemd does: reported when the unit loads and in its
/// status.</summary>
public static class ExecSettingsCheck
{
    public static IReadOnlyList<string> Unsupported(ExecSettings settings)
    {
        var missing = new List<string>();
        // Filters are built for the native system call numbers only, so calls of another ABI always end the process.
        var foreign = settings.SystemCallArchitectures.Where(a => a != "native" && a != Architectures.Names.Native).ToList();
        if (foreign.Count > 0)
            missing.Add($"SystemCallArchitectures={string.Join(' ', foreign)} is not applied: only the native architecture's system calls are allowed.");
        return missing;
    }
}
