using System.Globalization;
using Units.Api.Properties;
using Units.DBus;
using Units.Execution;
using ExecSettings = Units.UnitFiles.Settings.ExecSettings;
using KillSettings = Units.UnitFiles.Settings.KillSettings;
using KillMode = Units.UnitFiles.Settings.KillMode;
using ResourceControlSettings = Units.UnitFiles.Settings.ResourceControlSettings;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Settings.Values;
using ExecResourceLimit = Units.Execution.ResourceLimit;

namespace Units.Api.Objects;

/// <summary>The properties of systemd's shared unit contexts (systemd.exec(5), systemd.kill(5),
/// systemd.resource-control(5)), computed from the unit's settings for every type that has the context. A unit
/// that did not load (not found, masked) reports systemd's values for a context that was never patched with the
/// manager's defaults: the manager's own limits, "inherit" output, no working directory.</summary>
internal static class ContextProperties
{
    /// <summary>RLIMIT_* names as the Limit…= properties spell them, in the kernel's order.</summary>
    private static readonly string[] s_limitNames = Enum.GetNames<ExecResourceLimit>();

    /// <summary>NAMESPACE_FLAGS_ALL: what RestrictNamespaces= reports when unset ("no").</summary>
    private const ulong AllNamespaceFlags = 0x7E020000;

    /// <summary>LOG_DAEMON|LOG_INFO, systemd's default SyslogFacility=/SyslogLevel=.</summary>
    private const int DaemonFacility = 3, InfoLevel = 6;

    public static void AddExec(PropertyTable<UnitView> table)
    {
        foreach (string name in s_limitNames)
        {
            var resource = Enum.Parse<ExecResourceLimit>(name);
            table.Add("Limit" + name, (v, ref w) => Variant.UInt64(ref w, Limit(v, resource).Hard ?? ulong.MaxValue));
            table.Add("Limit" + name + "Soft", (v, ref w) => Variant.UInt64(ref w, Limit(v, resource).Soft ?? ulong.MaxValue));
        }
        table.Add("User", static (v, ref w) => Variant.String(ref w, Exec(v)?.User))
            .Add("Group", static (v, ref w) => Variant.String(ref w, Exec(v)?.Group))
            .Add("SupplementaryGroups", static (v, ref w) => Variant.Strings(ref w, Exec(v)?.SupplementaryGroups ?? []))
            .Add("DynamicUser", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.DynamicUser ?? false))
            .Add("WorkingDirectory", static (v, ref w) => Variant.String(ref w, WorkingDirectory(v)))
            .Add("RootDirectory", static (v, ref w) => Variant.String(ref w, Exec(v)?.RootDirectory))
            .Add("Environment", static (v, ref w) => Variant.Strings(ref w, Exec(v)?.Environment ?? []))
            .Add("EnvironmentFiles", static (v, ref w) => WriteEnvironmentFiles(ref w, Exec(v)?.EnvironmentFiles ?? []))
            .Add("PassEnvironment", static (v, ref w) => Variant.Strings(ref w, Exec(v)?.PassEnvironment ?? []))
            .Add("UnsetEnvironment", static (v, ref w) => Variant.Strings(ref w, Exec(v)?.UnsetEnvironment ?? []))
            .Add("UMask", static (v, ref w) => Variant.UInt32(ref w, Exec(v)?.UMask ?? 0x12))
            .Add("Nice", static (v, ref w) => Variant.Int32(ref w, Exec(v)?.Nice ?? 0))
            .Add("OOMScoreAdjust", static (v, ref w) => Variant.Int32(ref w, Exec(v)?.OOMScoreAdjust ?? 0))
            // Unset, systemd reports the effective values its children inherit: best-effort class, priority from nice 0.
            .Add("IOSchedulingClass", static (_, ref w) => Variant.Int32(ref w, 2))
            .Add("IOSchedulingPriority", static (_, ref w) => Variant.Int32(ref w, 4))
            .Add("CoredumpFilter", static (_, ref w) => Variant.UInt64(ref w, ManagerProcess.CoredumpFilter))
            .Add("TimerSlackNSec", static (_, ref w) => Variant.UInt64(ref w, ManagerProcess.TimerSlackNSec))
            .Add("NUMAPolicy", static (_, ref w) => Variant.Int32(ref w, -1))
            .Add("StandardInput", static (v, ref w) => Variant.String(ref w, InputName(v)))
            .Add("StandardOutput", static (v, ref w) => Variant.String(ref w, OutputName(v, Exec(v)?.StandardOutput, v.Api.Options.DefaultStandardOutput)))
            .Add("StandardError", static (v, ref w) => Variant.String(ref w, OutputName(v, Exec(v)?.StandardError, v.Api.Options.DefaultStandardError)))
            .Add("TTYPath", static (v, ref w) => Variant.String(ref w, Exec(v)?.TTYPath))
            .Add("SyslogIdentifier", static (v, ref w) => Variant.String(ref w, Exec(v)?.SyslogIdentifier))
            .Add("SyslogPriority", static (v, ref w) => Variant.Int32(ref w, (Exec(v)?.SyslogFacility ?? DaemonFacility) << 3 | (Exec(v)?.SyslogLevel ?? InfoLevel)))
            .Add("SyslogLevel", static (v, ref w) => Variant.Int32(ref w, Exec(v)?.SyslogLevel ?? InfoLevel))
            .Add("SyslogFacility", static (v, ref w) => Variant.Int32(ref w, Exec(v)?.SyslogFacility ?? DaemonFacility))
            .Add("SyslogLevelPrefix", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.SyslogLevelPrefix ?? true))
            .Add("LogLevelMax", static (v, ref w) => Variant.Int32(ref w, Exec(v)?.LogLevelMax ?? -1))
            .Add("LogRateLimitIntervalUSec", static (v, ref w) => Variant.UInt64(ref w, Exec(v)?.LogRateLimitIntervalUsec ?? 0))
            .Add("LogRateLimitBurst", static (v, ref w) => Variant.UInt32(ref w, Exec(v)?.LogRateLimitBurst ?? 0))
            .Add("CapabilityBoundingSet", static (v, ref w) => Variant.UInt64(ref w, (Exec(v)?.CapabilityBoundingSet ?? Capabilities.All)
                & ~Capabilities.DroppedBySandboxing(Flag(v, "PrivateDevices"), Flag(v, "ProtectKernelModules"), Flag(v, "ProtectKernelLogs"), Flag(v, "ProtectClock"))))
            .Add("AmbientCapabilities", static (v, ref w) => Variant.UInt64(ref w, Exec(v)?.AmbientCapabilities ?? 0))
            .Add("NoNewPrivileges", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.NoNewPrivileges ?? false))
            .Add("PrivateTmp", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.PrivateTmp ?? false))
            .Add("IgnoreSIGPIPE", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.IgnoreSIGPIPE ?? true))
            .Add("PAMName", static (v, ref w) => Variant.String(ref w, Exec(v)?.PAMName))
            .Add("TimeoutCleanUSec", static (v, ref w) => Variant.UInt64(ref w, Exec(v)?.TimeoutCleanUsec ?? ulong.MaxValue))
            .Add("ProtectHome", static (v, ref w) => Variant.String(ref w, Exec(v)?.ProtectHome ?? "no"))
            .Add("ProtectSystem", static (v, ref w) => Variant.String(ref w, Exec(v)?.ProtectSystem ?? "no"))
            .Add("RemoveIPC", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.RemoveIPC ?? false))
            .Add("RestrictSUIDSGID", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.RestrictSUIDSGID ?? false))
            .Add("RuntimeDirectoryPreserve", static (v, ref w) => Variant.String(ref w, Word(v, "RuntimeDirectoryPreserve")))
            .Add("UtmpMode", static (_, ref w) => Variant.String(ref w, "init"))
            .Add("KeyringMode", static (_, ref w) => Variant.String(ref w, "inherit"))
            .Add("ProtectProc", static (v, ref w) => Variant.String(ref w, WordOr(v, "ProtectProc", "default")))
            .Add("ProcSubset", static (v, ref w) => Variant.String(ref w, WordOr(v, "ProcSubset", "all")))
            .Add("ReadWritePaths", static (v, ref w) => Variant.Strings(ref w, PathList(v, "ReadWritePaths", "ReadWriteDirectories")))
            .Add("ReadOnlyPaths", static (v, ref w) => Variant.Strings(ref w, PathList(v, "ReadOnlyPaths", "ReadOnlyDirectories")))
            .Add("InaccessiblePaths", static (v, ref w) => Variant.Strings(ref w, PathList(v, "InaccessiblePaths", "InaccessibleDirectories")))
            .Add("ExecPaths", static (v, ref w) => Variant.Strings(ref w, PathList(v, "ExecPaths", null)))
            .Add("NoExecPaths", static (v, ref w) => Variant.Strings(ref w, PathList(v, "NoExecPaths", null)))
            .Add("SystemCallFilter", static (v, ref w) => WriteSyscallFilter(ref w, Exec(v)?.SystemCallFilter))
            .Add("SystemCallArchitectures", static (v, ref w) => Variant.Strings(ref w, Exec(v)?.SystemCallArchitectures ?? []))
            .Add("SystemCallErrorNumber", static (v, ref w) => Variant.Int32(ref w, Exec(v)?.SystemCallErrorNumber ?? SyscallFilter.Kill))
            .Add("RestrictAddressFamilies", static (v, ref w) => WriteAddressFamilies(ref w, Exec(v)?.RestrictAddressFamilies))
            .Add("MemoryDenyWriteExecute", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.MemoryDenyWriteExecute ?? false))
            .Add("RestrictRealtime", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.RestrictRealtime ?? false))
            .Add("LockPersonality", static (v, ref w) => Variant.Boolean(ref w, Exec(v)?.LockPersonality ?? false))
            .Add("RestrictNamespaces", static (v, ref w) => Variant.UInt64(ref w, Exec(v)?.RestrictNamespaces ?? AllNamespaceFlags));
        foreach (string name in s_flags)
            table.Add(name, (v, ref w) => Variant.Boolean(ref w, Flag(v, name)));
        foreach (ExecDirectoryType type in Enum.GetValues<ExecDirectoryType>())
        {
            table.Add(type + "Directory", (v, ref w) => Variant.Strings(ref w, Exec(v)?.Directories(type) ?? []));
            table.Add(type + "DirectoryMode", (v, ref w) => Variant.UInt32(ref w, Exec(v)?.DirectoryMode(type) ?? 0x1ED));
        }
    }

    public static void AddKill(PropertyTable<UnitView> table)
    {
        table.Add("KillMode", static (v, ref w) => Variant.String(ref w, KillModeName(Kill(v)?.KillMode ?? KillMode.ControlGroup)))
            .Add("KillSignal", static (v, ref w) => Variant.Int32(ref w, Kill(v)?.KillSignal ?? 15))
            .Add("RestartKillSignal", static (v, ref w) => Variant.Int32(ref w, Kill(v) is { } k ? k.RestartKillSignal ?? k.KillSignal : 15))
            .Add("FinalKillSignal", static (v, ref w) => Variant.Int32(ref w, Kill(v)?.FinalKillSignal ?? 9))
            .Add("WatchdogSignal", static (v, ref w) => Variant.Int32(ref w, Kill(v)?.WatchdogSignal ?? 6))
            .Add("SendSIGKILL", static (v, ref w) => Variant.Boolean(ref w, Kill(v)?.SendSIGKILL ?? true))
            .Add("SendSIGHUP", static (v, ref w) => Variant.Boolean(ref w, Kill(v)?.SendSIGHUP ?? false));
    }

    /// <summary>The cgroup context; <paramref name="defaultTasksMax"/> is false for slices, which systemd leaves
    /// without the manager's DefaultTasksMax=.</summary>
    public static void AddCGroup(PropertyTable<UnitView> table, bool defaultTasksMax)
    {
        table.Add("Slice", static (v, ref w) => Variant.String(ref w, SliceOf(v)))
            .Add("Delegate", static (v, ref w) => Variant.Boolean(ref w, Resources(v)?.Delegate ?? false))
            .Add("CPUAccounting", static (v, ref w) => Variant.Boolean(ref w, Accounting(v, "CPUAccounting", r => r.CPUAccounting)))
            .Add("MemoryAccounting", static (v, ref w) => Variant.Boolean(ref w, Accounting(v, "MemoryAccounting", r => r.MemoryAccounting)))
            .Add("TasksAccounting", static (v, ref w) => Variant.Boolean(ref w, Accounting(v, "TasksAccounting", r => r.TasksAccounting)))
            .Add("IOAccounting", static (v, ref w) => Variant.Boolean(ref w, Resources(v)?.IOAccounting ?? false))
            .Add("IPAccounting", static (v, ref w) => Variant.Boolean(ref w, Resources(v)?.IPAccounting ?? false))
            .Add("CPUWeight", static (v, ref w) => Variant.UInt64(ref w, Resources(v)?.CPUWeight ?? ulong.MaxValue))
            .Add("StartupCPUWeight", static (v, ref w) => Variant.UInt64(ref w, Resources(v)?.StartupCPUWeight ?? ulong.MaxValue))
            .Add("CPUQuotaPerSecUSec", static (v, ref w) => Variant.UInt64(ref w, Resources(v)?.CPUQuotaPerSecUsec ?? ulong.MaxValue))
            .Add("CPUQuotaPeriodUSec", static (v, ref w) => Variant.UInt64(ref w, Resources(v)?.CPUQuotaPeriodUsec ?? ulong.MaxValue))
            .Add("IOWeight", static (v, ref w) => Variant.UInt64(ref w, Resources(v)?.IOWeight ?? ulong.MaxValue))
            .Add("MemoryMin", static (v, ref w) => Variant.UInt64(ref w, Bytes(Resources(v)?.MemoryMin, 0)))
            .Add("MemoryLow", static (v, ref w) => Variant.UInt64(ref w, Bytes(Resources(v)?.MemoryLow, 0)))
            .Add("MemoryHigh", static (v, ref w) => Variant.UInt64(ref w, Bytes(Resources(v)?.MemoryHigh, ulong.MaxValue)))
            .Add("MemoryMax", static (v, ref w) => Variant.UInt64(ref w, Bytes(Resources(v)?.MemoryMax, ulong.MaxValue)))
            .Add("MemorySwapMax", static (v, ref w) => Variant.UInt64(ref w, Bytes(Resources(v)?.MemorySwapMax, ulong.MaxValue)))
            .Add("DevicePolicy", static (v, ref w) => Variant.String(ref w, DevicePolicy(v)))
            .Add("DeviceAllow", static (v, ref w) => WriteDeviceAllow(ref w, v))
            .Add("ManagedOOMSwap", static (_, ref w) => Variant.String(ref w, "auto"))
            .Add("ManagedOOMMemoryPressure", static (_, ref w) => Variant.String(ref w, "auto"))
            .Add("ManagedOOMPreference", static (_, ref w) => Variant.String(ref w, "none"));
        if (defaultTasksMax)
            table.Add("TasksMax", static (v, ref w) => Variant.UInt64(ref w, TasksMax(Resources(v)?.TasksMax) ?? ManagerProcess.DefaultTasksMax));
        else
            table.Add("TasksMax", static (v, ref w) => Variant.UInt64(ref w, TasksMax(Resources(v)?.TasksMax) ?? ulong.MaxValue));
    }

    private static ExecSettings? Exec(UnitView v) => v.Settings?.Exec;

    private static KillSettings? Kill(UnitView v) => v.Settings?.Kill;

    private static ResourceControlSettings? Resources(UnitView v) => v.Settings?.ResourceControl;

    /// <summary>A unit's Limit…=, else DefaultLimit…= for a loaded unit, else the manager's own limit.</summary>
    private static LimitValue Limit(UnitView v, ExecResourceLimit resource)
    {
        if (Exec(v) is not { } exec)
            return ManagerLimits.Own.GetValueOrDefault(resource);
        if (exec.Limits.TryGetValue(resource.ToString(), out UnitFiles.Settings.ResourceLimit set))
            return new LimitValue(Finite(set.Soft), Finite(set.Hard));
        return ManagerLimits.Defaults.GetValueOrDefault(resource);
    }

    private static ulong? Finite(ulong value) => value == UnitFiles.Settings.ResourceLimit.Infinity ? null : value;

    /// <summary>"!" marks a directory that may be missing; a user manager runs units in the home directory by default.</summary>
    private static string WorkingDirectory(UnitView v)
    {
        if (Exec(v) is not { } exec)
            return "";
        if (exec.WorkingDirectoryHome)
            return "~";
        if (exec.WorkingDirectory is string directory)
            return (exec.WorkingDirectoryMissingOk ? "!" : "") + directory;
        return v.Unit.Manager.Scope == Core.Model.ManagerScope.User && System.Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home
            ? "!" + home
            : "";
    }

    /// <summary>(bas): whether it is an allow list, and its calls sorted, each "name:errno" where it has its own error
    /// (an allow list's calls that answer with an error are not listed), as systemd's property_get_syscall_filter.</summary>
    private static void WriteSyscallFilter(ref MessageWriter writer, SyscallFilter? filter)
    {
        var calls = new List<string>();
        foreach (var (call, errorNumber) in filter?.Calls ?? new Dictionary<string, int>())
        {
            if (errorNumber == SyscallFilter.DefaultAction)
                calls.Add(call);
            else if (!filter!.AllowList)
                calls.Add(call + ":" + (errorNumber == SyscallFilter.Kill ? "kill"
                    : ErrnoNames.NameOf(errorNumber) ?? errorNumber.ToString(CultureInfo.InvariantCulture)));
        }
        calls.Sort(StringComparer.Ordinal);
        WriteFlaggedList(ref writer, filter?.AllowList ?? false, calls);
    }

    /// <summary>(bas): whether it is an allow list, and the families by name, sorted.</summary>
    private static void WriteAddressFamilies(ref MessageWriter writer, AddressFamilyRestriction? restriction)
    {
        var names = (restriction?.Families ?? []).Select(AddressFamilies.NameOf).Order(StringComparer.Ordinal).ToList();
        WriteFlaggedList(ref writer, restriction?.AllowList ?? false, names);
    }

    private static void WriteFlaggedList(ref MessageWriter writer, bool flag, IReadOnlyList<string> values)
    {
        writer.BeginVariant("(bas)");
        writer.WriteStructStart();
        writer.WriteBoolean(flag);
        writer.WriteStringArray(values);
    }

    private static void WriteEnvironmentFiles(ref MessageWriter writer, IReadOnlyList<string> files)
    {
        writer.BeginVariant("a(sb)");
        ArrayStart array = writer.WriteArrayStart('(');
        foreach (string file in files)
        {
            writer.WriteStructStart();
            bool optional = file.StartsWith('-');
            writer.WriteString(optional ? file[1..] : file);
            writer.WriteBoolean(optional);
        }
        writer.WriteArrayEnd(array);
    }

    /// <summary>DevicePolicy= as written; PrivateDevices= makes an unset ("auto") one "closed", as unit_patch_contexts.</summary>
    private static string DevicePolicy(UnitView v) =>
        v.Settings?.LastValue(SectionOf(v), "DevicePolicy") is { Length: > 0 } policy ? policy
        : HasExecContext(v) && Flag(v, "PrivateDevices") ? "closed" : "auto";

    /// <summary>a(ss): DeviceAllow='s devices and their rights ("rwm" when none are given); under a device policy
    /// or any DeviceAllow=, ProtectClock= adds the real-time clock's read access, as unit_patch_contexts.</summary>
    private static void WriteDeviceAllow(ref MessageWriter writer, UnitView v)
    {
        var devices = new List<(string Path, string Rights)>();
        foreach (var assignment in v.Settings?.Assignments ?? [])
        {
            if (assignment.Key != "DeviceAllow" || assignment.Section != SectionOf(v))
                continue;
            if (assignment.Value.Length == 0)
            {
                devices.Clear();
                continue;
            }
            string[] parts = assignment.Value.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            devices.Add((parts[0], parts.Length > 1 ? parts[1] : "rwm"));
        }
        if (HasExecContext(v) && Flag(v, "ProtectClock") && (devices.Count > 0 || DevicePolicy(v) != "auto"))
            devices.Add(("char-rtc", "r"));
        writer.BeginVariant("a(ss)");
        ArrayStart array = writer.WriteArrayStart('(');
        foreach (var (path, rights) in devices)
        {
            writer.WriteStructStart();
            writer.WriteString(path);
            writer.WriteString(rights);
        }
        writer.WriteArrayEnd(array);
    }

    private static bool HasExecContext(UnitView v) => v.Settings?.Exec is not null;

    /// <summary>Exec options that are plain booleans, off unless the unit turns them on.</summary>
    private static readonly string[] s_flags =
    [
        "PrivateDevices", "PrivateNetwork", "PrivateUsers", "PrivateMounts", "PrivateIPC", "ProtectClock", "ProtectKernelTunables",
        "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectHostname", "TTYReset", "TTYVHangup",
        "TTYVTDisallocate", "CPUSchedulingResetOnFork",
    ];

    /// <summary>A boolean option as its last assignment says; false when unset, empty or not a boolean.</summary>
    internal static bool Flag(UnitView v, string key) =>
        v.Settings?.LastValue(SectionOf(v), key) is { } value && UnitFiles.Settings.Values.Numbers.TryParseBoolean(value, out bool on) && on;

    private static string WordOr(UnitView v, string key, string unset) =>
        v.Settings?.LastValue(SectionOf(v), key) is { Length: > 0 } value ? value : unset;

    private static IReadOnlyList<string> PathList(UnitView v, string key, string? alias) =>
        v.Settings?.PathList(SectionOf(v), key, alias) ?? [];

    /// <summary>The last value of a word-valued option as written, "no" when unset (ProtectHome=, ProtectSystem=...).</summary>
    private static string Word(UnitView v, string key)
    {
        string? value = v.Settings?.LastValue(SectionOf(v), key);
        if (value is null || value.Length == 0)
            return "no";
        return UnitFiles.Settings.Values.Numbers.TryParseBoolean(value, out bool b) ? (b ? "yes" : "no") : value;
    }

    private static string SectionOf(UnitView v) => v.Settings!.Type switch
    {
        UnitFiles.Names.UnitType.Socket => "Socket",
        UnitFiles.Names.UnitType.Mount => "Mount",
        UnitFiles.Names.UnitType.Swap => "Swap",
        UnitFiles.Names.UnitType.Slice => "Slice",
        UnitFiles.Names.UnitType.Scope => "Scope",
        _ => "Service",
    };

    private static string InputName(UnitView v) => Exec(v)?.StandardInput?.Kind switch
    {
        ExecInput.Tty => "tty",
        ExecInput.TtyForce => "tty-force",
        ExecInput.TtyFail => "tty-fail",
        ExecInput.Socket => "socket",
        ExecInput.NamedFd => "fd",
        ExecInput.Data => "data",
        ExecInput.File => "file",
        _ => "null",
    };

    /// <summary>StandardOutput=/StandardError=: the unit's, else the manager's default for a loaded unit, else "inherit".</summary>
    private static string OutputName(UnitView v, StandardStream<ExecOutput>? stream, string managerDefault)
    {
        if (Exec(v) is null)
            return "inherit";
        if (stream is not { } s)
            return Exec(v)!.OutputInheritsInput ? "inherit" : managerDefault;
        return s.Kind switch
        {
            ExecOutput.Inherit => "inherit",
            ExecOutput.Null => "null",
            ExecOutput.Tty => "tty",
            ExecOutput.Kmsg => "kmsg",
            ExecOutput.KmsgAndConsole => "kmsg+console",
            ExecOutput.Journal => "journal",
            ExecOutput.JournalAndConsole => "journal+console",
            ExecOutput.Socket => "socket",
            ExecOutput.NamedFd => "fd",
            // systemd 252's D-Bus API names only the kind; the file's path is not a property.
            ExecOutput.File => "file",
            ExecOutput.Append => "append",
            ExecOutput.Truncate => "truncate",
            _ => "inherit",
        };
    }

    /// <summary>CPUAccounting= and friends: the unit's value when written, else the manager's default (on, as a
    /// systemd 252 user manager on the unified hierarchy has them).</summary>
    private static bool Accounting(UnitView v, string key, Func<ResourceControlSettings, bool> value)
        => Resources(v) is not { } resources || v.Settings!.LastValue(SectionOf(v), key) is null || value(resources);

    private static ulong Bytes(MemoryLimit? limit, ulong unset) => limit switch
    {
        null => unset,
        { IsRelative: true, Permyriad: var p } => (ulong)(ManagerProcess.PhysicalMemory / 10_000.0 * p),
        { Bytes: var bytes } => bytes,
    };

    private static ulong? TasksMax(UnitFiles.Settings.TasksMax? limit) => limit switch
    {
        null => null,
        { Scale: 0, Value: var value } => value,
        { Value: var value, Scale: var scale } => ManagerProcess.SystemTasksMax * value / scale,
    };

    private static string SliceOf(UnitView v)
    {
        foreach (Core.Model.Unit slice in v.Unit.DependenciesOf(Core.Model.UnitDependency.InSlice))
            return slice.Id;
        return "";
    }

    private static string KillModeName(KillMode mode) => mode switch
    {
        KillMode.ControlGroup => "control-group",
        KillMode.Process => "process",
        KillMode.Mixed => "mixed",
        _ => "none",
    };
}

/// <summary>Facts of the manager's own process and host that systemd reports for settings a unit leaves unset.</summary>
internal static class ManagerProcess
{
    private static readonly Lazy<ulong> s_coredumpFilter = new(() => ReadNumber("/proc/self/coredump_filter", NumberStyles.HexNumber) ?? 0x33);
    private static readonly Lazy<ulong> s_timerSlack = new(() => ReadNumber("/proc/self/timerslack_ns", NumberStyles.None) ?? 50_000);
    private static readonly Lazy<ulong> s_systemTasksMax = new(SystemTasks);

    public static ulong CoredumpFilter => s_coredumpFilter.Value;

    /// <summary>The manager's own cgroup on the unified hierarchy ("/init.scope"), read now: the manager moves into
    /// init.scope once it has set up its hierarchy.</summary>
    public static string ControlGroup
    {
        get
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/self/cgroup"))
                {
                    if (line.StartsWith("0::", StringComparison.Ordinal))
                        return line[3..];
                }
            }
            catch (IOException)
            {
            }
            return "";
        }
    }

    public static ulong TimerSlackNSec => s_timerSlack.Value;

    /// <summary>The most tasks the kernel allows (pid_max less the idle task, and threads-max), as systemd's system_tasks_max.</summary>
    public static ulong SystemTasksMax => s_systemTasksMax.Value;

    /// <summary>DefaultTasksMax=15%.</summary>
    public static ulong DefaultTasksMax => SystemTasksMax * 15 / 100;

    public static ulong PhysicalMemory => (ulong)GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static ulong SystemTasks()
    {
        ulong pidMax = ReadNumber("/proc/sys/kernel/pid_max", NumberStyles.None) is { } p and > 0 ? p - 1 : 4_194_303;
        ulong threadsMax = ReadNumber("/proc/sys/kernel/threads-max", NumberStyles.None) ?? ulong.MaxValue;
        return Math.Min(pidMax, threadsMax);
    }

    private static ulong? ReadNumber(string path, NumberStyles style)
    {
        try
        {
            return ulong.TryParse(File.ReadAllText(path).Trim(), style, CultureInfo.InvariantCulture, out ulong value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
