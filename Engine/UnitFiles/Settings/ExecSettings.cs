using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>StandardInput=/StandardOutput=/StandardError=: a kind and, for fd:/file:/append:/truncate:, its argument.</summary>
public readonly record struct StandardStream<TKind>(TKind Kind, string? Argument)
    where TKind : struct, Enum;

/// <summary>One Limit…= value: soft and hard limits, <see cref="ResourceLimit.Infinity"/> for "infinity".</summary>
public readonly record struct ResourceLimit(ulong Soft, ulong Hard)
{
    public const ulong Infinity = ulong.MaxValue;
}

/// <summary>The execution environment of systemd.exec(5) shared by services, sockets, mounts and swaps.</summary>
public sealed class ExecSettings
{
    private List<string>? environment;
    private Dictionary<string, ResourceLimit>? limits;
    private List<string>? environmentFiles;
    private List<string>? passEnvironment;
    private List<string>? unsetEnvironment;
    private List<string>? supplementaryGroups;
    private List<string>? logExtraFields;
    private List<string>?[]? directories;

    /// <summary>WorkingDirectory=; null when unset or "~" (see <see cref="WorkingDirectoryHome"/>).</summary>
    public string? WorkingDirectory { get; internal set; }

    /// <summary>WorkingDirectory=~: the user's home directory.</summary>
    public bool WorkingDirectoryHome { get; internal set; }

    /// <summary>WorkingDirectory=-…: a missing directory is not an error.</summary>
    public bool WorkingDirectoryMissingOk { get; internal set; }

    public string? RootDirectory { get; internal set; }

    public string? User { get; internal set; }

    public string? Group { get; internal set; }

    public IReadOnlyList<string> SupplementaryGroups => supplementaryGroups ?? (IReadOnlyList<string>)[];

    public bool DynamicUser { get; internal set; }

    /// <summary>Nice=; null when unset.</summary>
    public int? Nice { get; internal set; }

    public int? OOMScoreAdjust { get; internal set; }

    /// <summary>UMask= (default 0022).</summary>
    public uint UMask { get; internal set; } = 0x12;

    /// <summary>Environment= as "NAME=value" (later assignments of a name replace earlier ones); $VAR not expanded.</summary>
    public IReadOnlyList<string> Environment => environment ?? (IReadOnlyList<string>)[];

    /// <summary>EnvironmentFile= paths; a leading "-" means the file may be missing.</summary>
    public IReadOnlyList<string> EnvironmentFiles => environmentFiles ?? (IReadOnlyList<string>)[];

    public IReadOnlyList<string> PassEnvironment => passEnvironment ?? (IReadOnlyList<string>)[];

    public IReadOnlyList<string> UnsetEnvironment => unsetEnvironment ?? (IReadOnlyList<string>)[];

    /// <summary>StandardInput=; null when unset (null input, or socket for Accept=yes instances — decided at load).</summary>
    public StandardStream<ExecInput>? StandardInput { get; internal set; }

    /// <summary>
    /// Whether an unset StandardOutput=/StandardError= stays "inherit" (a copy of standard input) instead of the
    /// manager's default: when the input is a terminal, a socket or a named descriptor, streams that go both ways
    /// (systemd's service_fix_stdio).
    /// </summary>
    public bool OutputInheritsInput => StandardInput?.Kind is ExecInput.Tty or ExecInput.TtyForce or ExecInput.TtyFail
        or ExecInput.Socket or ExecInput.NamedFd;

    public StandardStream<ExecOutput>? StandardOutput { get; internal set; }

    public StandardStream<ExecOutput>? StandardError { get; internal set; }

    /// <summary>StandardInputText=/StandardInputData= concatenated, as bytes.</summary>
    public byte[]? StandardInputData { get; internal set; }

    public string? TTYPath { get; internal set; }

    public string? SyslogIdentifier { get; internal set; }

    /// <summary>SyslogFacility= as the facility number; null when unset (daemon).</summary>
    public int? SyslogFacility { get; internal set; }

    /// <summary>SyslogLevel= (0…7); null when unset (info).</summary>
    public int? SyslogLevel { get; internal set; }

    public bool SyslogLevelPrefix { get; internal set; } = true;

    /// <summary>LogLevelMax= (0…7); null when unset (no filter).</summary>
    public int? LogLevelMax { get; internal set; }

    /// <summary>LogRateLimitIntervalSec= in µs; null when unset (the journal's default).</summary>
    public ulong? LogRateLimitIntervalUsec { get; internal set; }

    public uint? LogRateLimitBurst { get; internal set; }

    /// <summary>LogExtraFields= "FIELD=VALUE" assignments, in order.</summary>
    public IReadOnlyList<string> LogExtraFields => logExtraFields ?? (IReadOnlyList<string>)[];

    public bool NoNewPrivileges { get; internal set; }

    /// <summary>CapabilityBoundingSet= (bit n = capability n); <see cref="Capabilities.All"/> when unset.</summary>
    public ulong CapabilityBoundingSet { get; internal set; } = Capabilities.All;

    /// <summary>AmbientCapabilities= (bit n = capability n).</summary>
    public ulong AmbientCapabilities { get; internal set; }

    /// <summary>RestrictNamespaces=: the CLONE_NEW* flags still allowed; null when unrestricted.</summary>
    public ulong? RestrictNamespaces { get; internal set; }

    public bool PrivateTmp { get; internal set; }

    /// <summary>ProtectSystem= as systemd reports it: "no", "yes", "full" or "strict".</summary>
    public string ProtectSystem { get; internal set; } = "no";

    /// <summary>ProtectHome= as systemd reports it: "no", "yes", "read-only" or "tmpfs".</summary>
    public string ProtectHome { get; internal set; } = "no";

    public bool RemoveIPC { get; internal set; }

    public bool RestrictSUIDSGID { get; internal set; }

    /// <summary>SystemCallFilter=; null when unset.</summary>
    public SyscallFilter? SystemCallFilter { get; internal set; }

    /// <summary>SystemCallErrorNumber=: an errno, or <see cref="SyscallFilter.Kill"/> (the default).</summary>
    public int SystemCallErrorNumber { get; internal set; } = SyscallFilter.Kill;

    /// <summary>SystemCallArchitectures= as written ("native", "x86-64", ...), in order, without repeats.</summary>
    public IReadOnlyList<string> SystemCallArchitectures { get; internal set; } = [];

    /// <summary>RestrictAddressFamilies=; null when unset.</summary>
    public AddressFamilyRestriction? RestrictAddressFamilies { get; internal set; }

    public bool MemoryDenyWriteExecute { get; internal set; }

    public bool RestrictRealtime { get; internal set; }

    public bool LockPersonality { get; internal set; }

    /// <summary>
    /// DynamicUser=yes as systemd's unit_patch_contexts completes it: the user (and group) named after the unit
    /// unless set, and a sandbox that keeps the transient UID from leaving anything behind (PrivateTmp=,
    /// RemoveIPC=, ProtectSystem=strict, ProtectHome=read-only unless set, NoNewPrivileges=, RestrictSUIDSGID=).
    /// </summary>
    internal void ApplyDynamicUser(string unitId)
    {
        if (!DynamicUser)
            return;
        User ??= DynamicUserNames.FromUnitName(unitId);
        Group ??= User;
        PrivateTmp = true;
        RemoveIPC = true;
        ProtectSystem = "strict";
        if (ProtectHome == "no")
            ProtectHome = "read-only";
        NoNewPrivileges = true;
        RestrictSUIDSGID = true;
    }

    public bool IgnoreSIGPIPE { get; internal set; } = true;

    public string? PAMName { get; internal set; }

    /// <summary>TimeoutCleanSec= in µs.</summary>
    public ulong TimeoutCleanUsec { get; internal set; } = TimeSpans.Infinity;

    /// <summary>Limit…= by resource name as systemd spells it after "Limit" ("NOFILE", "CORE", ...).</summary>
    public IReadOnlyDictionary<string, ResourceLimit> Limits => limits ?? (IReadOnlyDictionary<string, ResourceLimit>)EmptyLimits;

    private static readonly Dictionary<string, ResourceLimit> EmptyLimits = [];

    /// <summary>RuntimeDirectory= (and State/Cache/Logs/ConfigurationDirectory=) relative paths, by kind.</summary>
    public IReadOnlyList<string> Directories(ExecDirectoryType type) => directories?[(int)type] ?? (IReadOnlyList<string>)[];

    /// <summary>RuntimeDirectoryMode= and friends (default 0755).</summary>
    public uint DirectoryMode(ExecDirectoryType type) => directoryModes?[(int)type] ?? DefaultDirectoryMode;

    private const uint DefaultDirectoryMode = 0x1ED;

    private uint[]? directoryModes;


    internal List<string> EnvironmentList => environment ??= [];

    internal List<string> LogExtraFieldsList => logExtraFields ??= [];

    internal List<string> EnvironmentFileList => environmentFiles ??= [];

    internal List<string> PassEnvironmentList => passEnvironment ??= [];

    internal List<string> UnsetEnvironmentList => unsetEnvironment ??= [];

    internal List<string> SupplementaryGroupList => supplementaryGroups ??= [];

    internal void ResetEnvironmentFiles() => environmentFiles = null;

    internal void ResetPassEnvironment() => passEnvironment = null;

    internal void ResetUnsetEnvironment() => unsetEnvironment = null;

    internal void ResetSupplementaryGroups() => supplementaryGroups = null;

    internal void SetLimit(string resource, ResourceLimit limit) => (limits ??= new(StringComparer.Ordinal))[resource] = limit;

    internal List<string> DirectoryList(ExecDirectoryType type) => (directories ??= new List<string>?[5])[(int)type] ??= [];

    internal void ResetDirectories(ExecDirectoryType type)
    {
        if (directories is not null)
        {
            directories[(int)type] = null;
        }
    }

    internal void SetDirectoryMode(ExecDirectoryType type, uint mode) =>
        (directoryModes ??= [DefaultDirectoryMode, DefaultDirectoryMode, DefaultDirectoryMode, DefaultDirectoryMode, DefaultDirectoryMode])[(int)type] = mode;
}

/// <summary>The directory kinds of systemd.exec(5) that systemd creates for a unit.</summary>
public enum ExecDirectoryType
{
    Runtime,
    State,
    Cache,
    Logs,
    Configuration,
}
