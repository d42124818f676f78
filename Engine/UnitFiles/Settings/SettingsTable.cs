using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;
using static Units.UnitFiles.Settings.SettingParsers;
using static Units.UnitFiles.Settings.SpecialParsers;

namespace Units.UnitFiles.Settings;

/// <summary>One option of one section: how its value is parsed and whether the engine acts on it yet.</summary>
/// <param name="Supported">
/// True when the engine acts on the option; false options are still parsed and validated, and reported through
/// <see cref="UnitSettings.UnsupportedAssignments"/>. Flip it here when an option gains an implementation.
/// </param>
internal sealed record SettingDefinition(string Section, string Key, SettingParser Parser, bool Supported);

/// <summary>
/// Every option systemd 252 knows (load-fragment-gperf.gperf.in), by section, plus the seed's older options;
/// the single place that says which options the engine acts on.
/// </summary>
internal static class SettingsTable
{
    private const bool Acts = true;
    private const bool NotYet = false;

    private static readonly Dictionary<(string Section, string Key), SettingDefinition> Definitions = Build();

    /// <summary>Every (section, key) known, for tests and documentation.</summary>
    public static IEnumerable<SettingDefinition> All => Definitions.Values;

    public static SettingDefinition? Find(string section, string key) => Definitions.GetValueOrDefault((section, key));

    /// <summary>Unit types with an exec context (systemd.exec(5)).</summary>
    public static bool HasExecContext(UnitType type) => type is UnitType.Service or UnitType.Socket or UnitType.Mount or UnitType.Swap;

    /// <summary>Unit types with a kill context (systemd.kill(5)).</summary>
    public static bool HasKillContext(UnitType type) => HasExecContext(type) || type == UnitType.Scope;

    /// <summary>Unit types with a cgroup context (systemd.resource-control(5)).</summary>
    public static bool HasCGroupContext(UnitType type) => HasKillContext(type) || type == UnitType.Slice;

    private static Dictionary<(string, string), SettingDefinition> Build()
    {
        var table = new Dictionary<(string, string), SettingDefinition>(900);
        void Add(string section, string key, SettingParser parser, bool supported) =>
            table[(section, key)] = new SettingDefinition(section, key, parser, supported);

        AddUnit(Add);
        AddInstall(Add);
        AddService(Add);
        AddSocket(Add);
        AddMountAutomountSwap(Add);
        AddTimerPath(Add);
        AddScope(Add);
        foreach (var section in (string[])["Service", "Socket", "Mount", "Swap"])
        {
            AddExec(Add, section);
        }

        foreach (var section in (string[])["Service", "Socket", "Mount", "Swap", "Scope"])
        {
            AddKill(Add, section);
        }

        foreach (var section in (string[])["Service", "Socket", "Mount", "Swap", "Slice", "Scope"])
        {
            AddCGroup(Add, section);
        }

        return table;
    }

    private delegate void Adder(string section, string key, SettingParser parser, bool supported);

    private static void AddUnit(Adder add)
    {
        const string U = "Unit";
        add(U, "Description", String(static (s, v) => s.Description = v), Acts);
        add(U, "Documentation", Documentation, Acts);
        add(U, "SourcePath", Path(static (s, v) => s.SourcePath = v), Acts);
        foreach (var kind in Enum.GetValues<DependencySetting>())
        {
            add(U, kind.ToName(), Dependency(kind), Acts);
        }

        // Older spellings systemd still reads.
        add(U, "BindTo", Dependency(DependencySetting.BindsTo), Acts);
        add(U, "PropagateReloadTo", Dependency(DependencySetting.PropagatesReloadTo), Acts);
        add(U, "PropagateReloadFrom", Dependency(DependencySetting.ReloadPropagatedFrom), Acts);
        add(U, "RequiresOverridable", ObsoleteDependency(DependencySetting.Requires), Acts);
        add(U, "RequisiteOverridable", ObsoleteDependency(DependencySetting.Requisite), Acts);
        add(U, "RequiresMountsFor", RequiresMountsFor, Acts);
        add(U, "StopWhenUnneeded", Bool(static (s, v) => s.StopWhenUnneeded = v), Acts);
        add(U, "RefuseManualStart", Bool(static (s, v) => s.RefuseManualStart = v), Acts);
        add(U, "RefuseManualStop", Bool(static (s, v) => s.RefuseManualStop = v), Acts);
        add(U, "AllowIsolate", Bool(static (s, v) => s.AllowIsolate = v), Acts);
        add(U, "DefaultDependencies", Bool(static (s, v) => s.DefaultDependencies = v), Acts);
        add(U, "IgnoreOnIsolate", Bool(static (s, v) => s.IgnoreOnIsolate = v), Acts);
        add(U, "OnSuccessJobMode", OneOf<JobMode>("Failed to parse job mode", static (s, v) => s.OnSuccessJobMode = v), Acts);
        add(U, "OnFailureJobMode", OneOf<JobMode>("Failed to parse job mode", static (s, v) => s.OnFailureJobMode = v), Acts);
        add(U, "OnFailureIsolate", OnFailureIsolate, Acts);
        add(U, "IgnoreOnSnapshot", Removed(), Acts);
        add(U, "JobTimeoutSec", JobTimeout, Acts);
        add(U, "JobRunningTimeoutSec", JobRunningTimeout, Acts);
        add(U, "JobTimeoutAction", EmergencyActionOf(static (s, v) => s.JobTimeoutAction = v), Acts);
        add(U, "JobTimeoutRebootArgument", RebootParameter(static (s, v) => s.JobTimeoutRebootArgument = v), NotYet);
        add(U, "StartLimitIntervalSec", Seconds(static (s, v) => s.StartLimitIntervalUsec = v), Acts);
        add(U, "StartLimitInterval", Seconds(static (s, v) => s.StartLimitIntervalUsec = v), Acts);
        add(U, "StartLimitBurst", Unsigned(static (s, v) => s.StartLimitBurst = v), Acts);
        add(U, "StartLimitAction", EmergencyActionOf(static (s, v) => s.StartLimitAction = v), Acts);
        add(U, "FailureAction", EmergencyActionOf(static (s, v) => s.FailureAction = v), Acts);
        add(U, "SuccessAction", EmergencyActionOf(static (s, v) => s.SuccessAction = v), Acts);
        add(U, "FailureActionExitStatus", ExitStatusOf(static (s, v) => s.FailureActionExitStatus = v), Acts);
        add(U, "SuccessActionExitStatus", ExitStatusOf(static (s, v) => s.SuccessActionExitStatus = v), Acts);
        add(U, "RebootArgument", RebootParameter(static (s, v) => s.RebootArgument = v), NotYet);
        add(U, "CollectMode", OneOf<CollectMode>("Failed to parse garbage collection mode", static (s, v) => s.CollectMode = v), Acts);

        foreach (var type in Enum.GetValues<ConditionType>())
        {
            var isPath = IsPathCondition(type);
            add(U, "Condition" + type.ToName(), Condition(type, isAssert: false, isPath), Acts);

            // systemd 252 has no AssertFirmware=.
            if (type != ConditionType.Firmware)
            {
                add(U, "Assert" + type.ToName(), Condition(type, isAssert: true, isPath), Acts);
            }
        }
    }

    private static bool IsPathCondition(ConditionType type) => type is ConditionType.PathExists or ConditionType.PathExistsGlob
        or ConditionType.PathIsDirectory or ConditionType.PathIsSymbolicLink or ConditionType.PathIsMountPoint or ConditionType.PathIsReadWrite
        or ConditionType.PathIsEncrypted or ConditionType.DirectoryNotEmpty or ConditionType.FileNotEmpty or ConditionType.FileIsExecutable
        or ConditionType.NeedsUpdate;

    /// <summary>[Install] is read by the install operations, not at load time: systemd checks nothing here, neither do we.</summary>
    private static void AddInstall(Adder add)
    {
        foreach (var key in (string[])["Alias", "WantedBy", "RequiredBy", "Also"])
        {
            add("Install", key, InstallList, Acts);
        }

        add("Install", "DefaultInstance", static (in SettingInput i) =>
        {
            i.Settings.DefaultInstance = i.IsEmpty ? null : i.Value;
            return SettingOutcome.Accepted;
        }, Acts);
    }

    private static void AddService(Adder add)
    {
        const string S = "Service";
        add(S, "PIDFile", PidFile, Acts);
        foreach (var which in Enum.GetValues<ServiceCommand>())
        {
            var command = which;
            add(S, "Exec" + command, Commands(s => s.Service![command], (s, l) => s.Service![command] = l), Acts);
        }

        add(S, "RestartSec", Seconds(static (s, v) => s.Service!.RestartUsec = v), Acts);
        add(S, "TimeoutSec", ServiceTimeout, Acts);
        add(S, "TimeoutStartSec", ServiceTimeout, Acts);
        add(S, "TimeoutStopSec", SecondsZeroIsInfinity(static (s, v) => s.Service!.TimeoutStopUsec = v), Acts);
        add(S, "TimeoutAbortSec", TimeoutAbort, Acts);
        add(S, "TimeoutStartFailureMode", OneOf<ServiceTimeoutFailureMode>("Failed to parse timeout failure mode", static (s, v) => s.Service!.TimeoutStartFailureMode = v), Acts);
        add(S, "TimeoutStopFailureMode", OneOf<ServiceTimeoutFailureMode>("Failed to parse timeout failure mode", static (s, v) => s.Service!.TimeoutStopFailureMode = v), Acts);
        add(S, "RuntimeMaxSec", Seconds(static (s, v) => s.Service!.RuntimeMaxUsec = v), Acts);
        add(S, "RuntimeRandomizedExtraSec", Seconds(static (s, v) => s.Service!.RuntimeRandomizedExtraUsec = v), Acts);
        add(S, "WatchdogSec", Seconds(static (s, v) => s.Service!.WatchdogUsec = v), Acts);

        // These moved to [Unit]; systemd still reads them here.
        add(S, "StartLimitInterval", Seconds(static (s, v) => s.StartLimitIntervalUsec = v), Acts);
        add(S, "StartLimitBurst", Unsigned(static (s, v) => s.StartLimitBurst = v), Acts);
        add(S, "StartLimitAction", EmergencyActionOf(static (s, v) => s.StartLimitAction = v), Acts);
        add(S, "FailureAction", EmergencyActionOf(static (s, v) => s.FailureAction = v), Acts);
        add(S, "RebootArgument", RebootParameter(static (s, v) => s.RebootArgument = v), NotYet);

        add(S, "Type", OneOf<ServiceType>("Failed to parse service type", static (s, v) => s.Service!.Type = v), Acts);
        add(S, "ExitType", OneOf<ServiceExitType>("Failed to parse service exit type", static (s, v) => s.Service!.ExitType = v), Acts);
        add(S, "Restart", OneOf<ServiceRestart>("Failed to parse service restart specifier", static (s, v) => s.Service!.Restart = v), Acts);
        add(S, "PermissionsStartOnly", Bool(static (s, v) => s.Service!.PermissionsStartOnly = v), Acts);
        add(S, "RootDirectoryStartOnly", Bool(static (s, v) => s.Service!.RootDirectoryStartOnly = v), Acts);
        add(S, "RemainAfterExit", Bool(static (s, v) => s.Service!.RemainAfterExit = v), Acts);

        // The seed's older spelling of RemainAfterExit= (systemd 252 no longer knows it).
        add(S, "ValidNoProcess", Bool(static (s, v) => s.Service!.RemainAfterExit = v), Acts);
        add(S, "GuessMainPID", Bool(static (s, v) => s.Service!.GuessMainPID = v), Acts);
        add(S, "RestartPreventExitStatus", StatusSet(static s => s.Service!.RestartPreventExitStatus), Acts);
        add(S, "RestartForceExitStatus", StatusSet(static s => s.Service!.RestartForceExitStatus), Acts);
        add(S, "SuccessExitStatus", StatusSet(static s => s.Service!.SuccessExitStatus), Acts);

        // Honoured as the seed documents it, where systemd 252 only logs that it was removed.
        add(S, "SysVStartPriority", SysVStartPriority, Acts);
        add(S, "NonBlocking", Bool(static (s, v) => s.Service!.NonBlocking = v), Acts);
        add(S, "BusName", BusName, Acts);
        add(S, "FileDescriptorStoreMax", Unsigned(static (s, v) => s.Service!.FileDescriptorStoreMax = v), NotYet);
        add(S, "NotifyAccess", OneOf<NotifyAccess>("Failed to parse notify access specifier", static (s, v) => s.Service!.NotifyAccess = v), Acts);
        add(S, "Sockets", ServiceSockets, Acts);
        add(S, "BusPolicy", Removed(), Acts);
        add(S, "USBFunctionDescriptors", Path(), NotYet);
        add(S, "USBFunctionStrings", Path(), NotYet);
        add(S, "OOMPolicy", OneOf<OomPolicy>("Failed to parse OOM policy", static (s, v) => s.Service!.OomPolicy = v), NotYet);
    }

    private static void AddSocket(Adder add)
    {
        const string K = "Socket";
        foreach (var type in Enum.GetValues<SocketListenType>())
        {
            var listenType = type;
            add(K, SettingNames.All<SocketListenType>()[(int)type], (in SettingInput i) => SocketListenOf(i, listenType), Acts);
        }

        add(K, "SocketProtocol", NameIn("Failed to parse socket protocol", ["udplite", "sctp"]), NotYet);
        add(K, "BindIPv6Only", NameIn("Failed to parse bind IPv6 only value", ["default", "both", "ipv6-only"], acceptsBoolean: true), Acts);
        add(K, "Backlog", Unsigned(static (s, v) => s.Socket!.Backlog = v), Acts);
        add(K, "BindToDevice", String(), Acts);
        foreach (var which in Enum.GetValues<SocketCommand>())
        {
            var command = which;
            add(K, "Exec" + command, Commands(s => s.Socket![command], (s, l) => s.Socket![command] = l), Acts);
        }

        add(K, "TimeoutSec", SecondsZeroIsInfinity(static (s, v) => s.Socket!.TimeoutUsec = v), Acts);
        add(K, "SocketUser", UserOrGroup(static (s, v) => s.Socket!.SocketUser = v), Acts);
        add(K, "SocketGroup", UserOrGroup(static (s, v) => s.Socket!.SocketGroup = v), Acts);
        add(K, "SocketMode", Mode(static (s, v) => s.Socket!.SocketMode = v), Acts);
        add(K, "DirectoryMode", Mode(static (s, v) => s.Socket!.DirectoryMode = v), Acts);
        add(K, "Accept", Bool(static (s, v) => s.Socket!.Accept = v), Acts);
        add(K, "FlushPending", Bool(), NotYet);
        add(K, "Writable", Bool(), Acts);
        add(K, "MaxConnections", Unsigned(static (s, v) => s.Socket!.MaxConnections = v), Acts);
        add(K, "MaxConnectionsPerSource", Unsigned(static (s, v) => s.Socket!.MaxConnectionsPerSource = v), Acts);
        add(K, "KeepAlive", Bool(), Acts);
        add(K, "KeepAliveTimeSec", Seconds(), NotYet);
        add(K, "KeepAliveIntervalSec", Seconds(), NotYet);
        add(K, "KeepAliveProbes", Unsigned(), NotYet);
        add(K, "DeferAcceptSec", Seconds(), NotYet);
        add(K, "NoDelay", Bool(), Acts);
        add(K, "Priority", Int(), NotYet);
        add(K, "ReceiveBuffer", IecSize(), Acts);
        add(K, "SendBuffer", IecSize(), Acts);
        add(K, "IPTOS", IpTos, NotYet);
        add(K, "IPTTL", Int(), NotYet);
        add(K, "Mark", Int(), NotYet);
        add(K, "PipeSize", IecSize(), NotYet);
        add(K, "FreeBind", Bool(), Acts);
        add(K, "Transparent", Bool(), Acts);
        add(K, "Broadcast", Bool(), Acts);
        add(K, "PassCredentials", Bool(static (s, v) => s.Socket!.PassCredentials = v), Acts);
        add(K, "PassSecurity", Bool(), Acts);
        add(K, "PassPacketInfo", Bool(), NotYet);
        add(K, "Timestamping", NameIn("Failed to parse timestamping precision", ["off", "us", "ns", "usec", "µs", "nsec"]), NotYet);
        add(K, "TCPCongestion", Literal(), NotYet);
        add(K, "ReusePort", Bool(), Acts);
        add(K, "MessageQueueMaxMessages", Long(), NotYet);
        add(K, "MessageQueueMessageSize", Long(), NotYet);
        add(K, "RemoveOnStop", Bool(static (s, v) => s.Socket!.RemoveOnStop = v), Acts);
        add(K, "Symlinks", PathList(static s => s.Socket!.SymlinkList, static s => s.Socket!.ResetSymlinks()), Acts);
        add(K, "FileDescriptorName", FileDescriptorName, Acts);
        add(K, "Service", SocketService, Acts);
        add(K, "TriggerLimitIntervalSec", Seconds(), Acts);
        add(K, "TriggerLimitBurst", Unsigned(), Acts);
        add(K, "SmackLabel", String(), NotYet);
        add(K, "SmackLabelIPIn", String(), NotYet);
        add(K, "SmackLabelIPOut", String(), NotYet);
        add(K, "SELinuxContextFromNet", Bool(), NotYet);
    }

    private static void AddMountAutomountSwap(Adder add)
    {
        add("Mount", "What", String(static (s, v) => s.Mount!.What = v), NotYet);
        add("Mount", "Where", Path(static (s, v) => s.Mount!.Where = v), NotYet);
        add("Mount", "Options", String(static (s, v) => s.Mount!.Options = v), NotYet);
        add("Mount", "Type", String(static (s, v) => s.Mount!.Type = v), NotYet);
        add("Mount", "TimeoutSec", SecondsZeroIsInfinity(static (s, v) => s.Mount!.TimeoutUsec = v), NotYet);
        add("Mount", "DirectoryMode", Mode(static (s, v) => s.Mount!.DirectoryMode = v), NotYet);
        add("Mount", "SloppyOptions", Bool(static (s, v) => s.Mount!.SloppyOptions = v), NotYet);
        add("Mount", "LazyUnmount", Bool(static (s, v) => s.Mount!.LazyUnmount = v), NotYet);
        add("Mount", "ForceUnmount", Bool(static (s, v) => s.Mount!.ForceUnmount = v), NotYet);
        add("Mount", "ReadWriteOnly", Bool(static (s, v) => s.Mount!.ReadWriteOnly = v), NotYet);

        add("Automount", "Where", Path(static (s, v) => s.Automount!.Where = v), NotYet);
        add("Automount", "ExtraOptions", String(static (s, v) => s.Automount!.ExtraOptions = v), NotYet);
        add("Automount", "DirectoryMode", Mode(static (s, v) => s.Automount!.DirectoryMode = v), NotYet);
        add("Automount", "TimeoutIdleSec", SecondsZeroIsInfinity(static (s, v) => s.Automount!.TimeoutIdleUsec = v), NotYet);

        add("Swap", "What", Path(static (s, v) => s.Swap!.What = v), NotYet);
        add("Swap", "Priority", SwapPriority, NotYet);
        add("Swap", "Options", String(static (s, v) => s.Swap!.Options = v), NotYet);
        add("Swap", "TimeoutSec", SecondsZeroIsInfinity(static (s, v) => s.Swap!.TimeoutUsec = v), NotYet);
    }

    private static void AddTimerPath(Adder add)
    {
        const string T = "Timer";
        foreach (var timerBase in Enum.GetValues<TimerBase>())
        {
            var b = timerBase;
            add(T, b.ToName(), (in SettingInput i) => TimerOf(i, b), Acts);
        }

        add(T, "OnClockChange", Bool(static (s, v) => s.Timer!.OnClockChange = v), Acts);
        add(T, "OnTimezoneChange", Bool(static (s, v) => s.Timer!.OnTimezoneChange = v), Acts);
        add(T, "Persistent", Bool(static (s, v) => s.Timer!.Persistent = v), Acts);
        add(T, "WakeSystem", Bool(static (s, v) => s.Timer!.WakeSystem = v), NotYet);
        add(T, "RemainAfterElapse", Bool(static (s, v) => s.Timer!.RemainAfterElapse = v), Acts);
        add(T, "FixedRandomDelay", Bool(static (s, v) => s.Timer!.FixedRandomDelay = v), Acts);
        add(T, "AccuracySec", Seconds(static (s, v) => s.Timer!.AccuracyUsec = v), Acts);
        add(T, "RandomizedDelaySec", Seconds(static (s, v) => s.Timer!.RandomizedDelayUsec = v), Acts);
        add(T, "Unit", TriggerUnit(static (s, v) => s.Timer!.Unit = v, static s => s.Timer!.Unit), Acts);

        const string P = "Path";
        foreach (var pathType in Enum.GetValues<PathType>())
        {
            var t = pathType;
            add(P, t.ToName(), (in SettingInput i) => PathSpecOf(i, t), Acts);
        }

        add(P, "Unit", TriggerUnit(static (s, v) => s.Path!.Unit = v, static s => s.Path!.Unit), Acts);
        add(P, "MakeDirectory", Bool(static (s, v) => s.Path!.MakeDirectory = v), Acts);
        add(P, "DirectoryMode", Mode(static (s, v) => s.Path!.DirectoryMode = v), Acts);
        add(P, "TriggerLimitIntervalSec", Seconds(static (s, v) => s.Path!.TriggerLimitIntervalUsec = v), Acts);
        add(P, "TriggerLimitBurst", Unsigned(static (s, v) => s.Path!.TriggerLimitBurst = v), Acts);
    }

    private static void AddScope(Adder add)
    {
        add("Scope", "RuntimeMaxSec", Seconds(static (s, v) => s.Scope!.RuntimeMaxUsec = v), Acts);
        add("Scope", "RuntimeRandomizedExtraSec", Seconds(static (s, v) => s.Scope!.RuntimeRandomizedExtraUsec = v), Acts);
        add("Scope", "TimeoutStopSec", Seconds(static (s, v) => s.Scope!.TimeoutStopUsec = v), Acts);
        add("Scope", "OOMPolicy", OneOf<OomPolicy>("Failed to parse OOM policy", static (s, v) => s.Scope!.OomPolicy = v), NotYet);
    }

    private static void AddExec(Adder add, string x)
    {
        add(x, "WorkingDirectory", WorkingDirectory, Acts);
        add(x, "RootDirectory", Path(static (s, v) => s.Exec!.RootDirectory = v, fatal: true), Acts);
        add(x, "RootImage", Path(fatal: true), NotYet);
        add(x, "RootImageOptions", Unchecked(), NotYet);
        add(x, "RootHash", Unchecked(), NotYet);
        add(x, "RootHashSignature", Unchecked(), NotYet);
        add(x, "RootVerity", Path(fatal: true), NotYet);
        add(x, "ExtensionDirectories", NamespacePaths(), NotYet);
        add(x, "ExtensionImages", Unchecked(), NotYet);
        add(x, "MountImages", Unchecked(), NotYet);
        add(x, "User", UserOrGroup(static (s, v) => s.Exec!.User = v), Acts);
        add(x, "Group", UserOrGroup(static (s, v) => s.Exec!.Group = v), Acts);
        add(x, "SupplementaryGroups", SupplementaryGroups, Acts);
        add(x, "Nice", Nice, Acts);
        add(x, "OOMScoreAdjust", OomScoreAdjust, Acts);
        add(x, "CoredumpFilter", Unchecked(), NotYet);
        add(x, "IOSchedulingClass", IoSchedulingClass, NotYet);
        add(x, "IOSchedulingPriority", IoSchedulingPriority, NotYet);
        add(x, "CPUSchedulingPolicy", NameIn("Failed to parse CPU scheduling policy", ["other", "batch", "idle", "fifo", "rr"], emptyResets: true), NotYet);
        add(x, "CPUSchedulingPriority", CpuSchedulingPriority, NotYet);
        add(x, "CPUSchedulingResetOnFork", Bool(), NotYet);
        add(x, "CPUAffinity", CpuSet, NotYet);
        add(x, "NUMAPolicy", NameIn("Invalid NUMA policy type", ["default", "preferred", "bind", "interleave", "local"], emptyResets: true), NotYet);
        add(x, "NUMAMask", CpuSet, NotYet);
        add(x, "UMask", Mode(static (s, v) => s.Exec!.UMask = v), Acts);
        add(x, "Environment", Environment, Acts);
        add(x, "EnvironmentFile", EnvironmentFile, Acts);
        add(x, "PassEnvironment", (in SettingInput i) => EnvironmentNames(i, pass: true), Acts);
        add(x, "UnsetEnvironment", (in SettingInput i) => EnvironmentNames(i, pass: false), Acts);
        add(x, "DynamicUser", FatalBool(static (s, v) => s.Exec!.DynamicUser = v), NotYet);
        add(x, "RemoveIPC", Bool(static (s, v) => s.Exec!.RemoveIPC = v), Acts);
        add(x, "StandardInput", StandardInput, Acts);
        add(x, "StandardOutput", StandardOutputOrError, Acts);
        add(x, "StandardError", StandardOutputOrError, Acts);
        add(x, "StandardInputText", StandardInputText, Acts);
        add(x, "StandardInputData", StandardInputData, Acts);
        add(x, "TTYPath", Path(static (s, v) => s.Exec!.TTYPath = v), Acts);
        add(x, "TTYReset", Bool(), NotYet);
        add(x, "TTYVHangup", Bool(), NotYet);
        add(x, "TTYVTDisallocate", Bool(), NotYet);
        add(x, "TTYRows", TtySize, NotYet);
        add(x, "TTYColumns", TtySize, NotYet);
        add(x, "SyslogIdentifier", String(static (s, v) => s.Exec!.SyslogIdentifier = v), Acts);
        add(x, "SyslogFacility", SyslogFacility, Acts);
        add(x, "SyslogLevel", LogLevel(static (s, v) => s.Exec!.SyslogLevel = v), Acts);
        add(x, "SyslogLevelPrefix", Bool(static (s, v) => s.Exec!.SyslogLevelPrefix = v), Acts);
        add(x, "LogLevelMax", LogLevel(static (s, v) => s.Exec!.LogLevelMax = v), Acts);
        add(x, "LogRateLimitIntervalSec", Seconds(static (s, v) => s.Exec!.LogRateLimitIntervalUsec = v), Acts);
        add(x, "LogRateLimitBurst", Unsigned(static (s, v) => s.Exec!.LogRateLimitBurst = v), Acts);
        add(x, "LogExtraFields", LogExtraFields, Acts);
        add(x, "Capabilities", Removed(), Acts);
        add(x, "SecureBits", Unchecked(), NotYet);
        add(x, "CapabilityBoundingSet", CapabilitySet(boundingSet: true), Acts);
        add(x, "AmbientCapabilities", CapabilitySet(boundingSet: false), Acts);
        add(x, "TimerSlackNSec", Nanoseconds(), NotYet);
        add(x, "NoNewPrivileges", Bool(static (s, v) => s.Exec!.NoNewPrivileges = v), Acts);
        add(x, "KeyringMode", NameIn("Failed to parse keyring mode", ["inherit", "private", "shared"]), NotYet);
        add(x, "ProtectProc", NameIn("Failed to parse /proc/ protection mode", ["default", "noaccess", "invisible", "ptraceable"]), Acts);
        add(x, "ProcSubset", NameIn("Failed to parse /proc/ subset mode", ["all", "pid"]), Acts);
        add(x, "RestrictNamespaces", RestrictNamespaces, Acts);
        add(x, "RestrictAddressFamilies", RestrictAddressFamilies, Acts);
        add(x, "SystemCallFilter", SystemCallFilter, Acts);
        add(x, "SystemCallArchitectures", SystemCallArchitectures, Acts);
        add(x, "SystemCallErrorNumber", SystemCallErrorNumber, Acts);
        add(x, "SystemCallLog", Unchecked(), NotYet);
        add(x, "RestrictFileSystems", Unchecked(), NotYet);
        add(x, "RestrictSUIDSGID", Bool(static (s, v) => s.Exec!.RestrictSUIDSGID = v), Acts);
        add(x, "MemoryDenyWriteExecute", Bool(static (s, v) => s.Exec!.MemoryDenyWriteExecute = v), Acts);
        add(x, "RestrictRealtime", Bool(static (s, v) => s.Exec!.RestrictRealtime = v), Acts);
        add(x, "LockPersonality", Bool(static (s, v) => s.Exec!.LockPersonality = v), Acts);

        foreach (var resource in ResourceLimits.Names)
        {
            var name = resource;
            add(x, "Limit" + name, (in SettingInput i) => Limit(i, name), Acts);
        }

        foreach (var key in (string[])["ReadWriteDirectories", "ReadOnlyDirectories", "InaccessibleDirectories", "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths"])
        {
            add(x, key, NamespacePaths(), Acts);
        }

        foreach (var key in (string[])["ExecPaths", "NoExecPaths"])
        {
            add(x, key, NamespacePaths(), Acts);
        }

        add(x, "ExecSearchPath", ColonSeparatedPaths, NotYet);
        add(x, "BindPaths", Unchecked(), NotYet);
        add(x, "BindReadOnlyPaths", Unchecked(), NotYet);
        add(x, "TemporaryFileSystem", Unchecked(), NotYet);
        add(x, "PrivateTmp", Bool(static (s, v) => s.Exec!.PrivateTmp = v), Acts);
        foreach (var key in (string[])["PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "PrivateNetwork"])
        {
            add(x, key, Bool(), Acts);
        }

        foreach (var key in (string[])["ProtectClock", "ProtectControlGroups", "ProtectHostname"])
        {
            add(x, key, Bool(), Acts);
        }

        foreach (var key in (string[])["PrivateUsers", "PrivateMounts", "PrivateIPC"])
        {
            add(x, key, Bool(), NotYet);
        }

        add(x, "NetworkNamespacePath", Path(), NotYet);
        add(x, "IPCNamespacePath", Path(), NotYet);
        add(x, "LogNamespace", Unchecked(), NotYet);
        add(x, "ProtectSystem", NameIn("Failed to parse protect system value", ["no", "yes", "full", "strict"], acceptsBoolean: true,
            set: static (s, v) => s.Exec!.ProtectSystem = v), Acts);
        add(x, "ProtectHome", NameIn("Failed to parse protect home value", ["no", "yes", "read-only", "tmpfs"], acceptsBoolean: true,
            set: static (s, v) => s.Exec!.ProtectHome = v), Acts);
        add(x, "MountFlags", NameIn("Failed to parse mount flag", ["shared", "slave", "private"]), NotYet);
        add(x, "MountAPIVFS", Bool(), NotYet);
        add(x, "Personality", Personality, NotYet);
        add(x, "RuntimeDirectoryPreserve", NameIn("Failed to parse runtime directory preserve mode", ["no", "yes", "restart"], acceptsBoolean: true), Acts);
        foreach (var type in Enum.GetValues<ExecDirectoryType>())
        {
            var t = type;
            add(x, t + "Directory", (in SettingInput i) => ExecDirectories(i, t), Acts);
            add(x, t + "DirectoryMode", Mode((s, v) => s.Exec!.SetDirectoryMode(t, v)), Acts);
        }

        foreach (var key in (string[])["SetCredential", "SetCredentialEncrypted", "LoadCredential", "LoadCredentialEncrypted"])
        {
            add(x, key, Unchecked(), NotYet);
        }

        add(x, "TimeoutCleanSec", Seconds(static (s, v) => s.Exec!.TimeoutCleanUsec = v), Acts);
        add(x, "PAMName", String(static (s, v) => s.Exec!.PAMName = v), NotYet);
        add(x, "IgnoreSIGPIPE", Bool(static (s, v) => s.Exec!.IgnoreSIGPIPE = v), Acts);
        add(x, "UtmpIdentifier", String(), NotYet);
        add(x, "UtmpMode", NameIn("Failed to parse utmp mode", ["init", "login", "user"]), NotYet);
        add(x, "SELinuxContext", String(), NotYet);
        add(x, "AppArmorProfile", String(), NotYet);
        add(x, "SmackProcessLabel", String(), NotYet);
    }

    private static void AddKill(Adder add, string x)
    {
        add(x, "SendSIGKILL", Bool(static (s, v) => s.Kill!.SendSIGKILL = v), Acts);
        add(x, "SendSIGHUP", Bool(static (s, v) => s.Kill!.SendSIGHUP = v), Acts);
        add(x, "KillMode", KillModeOf, Acts);
        add(x, "KillSignal", Signal(static (s, v) => s.Kill!.KillSignal = v), Acts);
        add(x, "RestartKillSignal", Signal(static (s, v) => s.Kill!.RestartKillSignal = v), Acts);
        add(x, "FinalKillSignal", Signal(static (s, v) => s.Kill!.FinalKillSignal = v), Acts);
        add(x, "WatchdogSignal", Signal(static (s, v) => s.Kill!.WatchdogSignal = v), Acts);
    }

    private static void AddCGroup(Adder add, string x)
    {
        add(x, "Slice", Slice, Acts);
        foreach (var key in (string[])["AllowedCPUs", "StartupAllowedCPUs", "AllowedMemoryNodes", "StartupAllowedMemoryNodes"])
        {
            add(x, key, CpuSet, NotYet);
        }

        add(x, "CPUAccounting", Bool(static (s, v) => s.ResourceControl!.CPUAccounting = v), Acts);
        add(x, "CPUWeight", CpuWeight(static (s, v) => s.ResourceControl!.CPUWeight = v), Acts);
        add(x, "StartupCPUWeight", CpuWeight(static (s, v) => s.ResourceControl!.StartupCPUWeight = v), NotYet);
        add(x, "CPUShares", CpuShares, NotYet);
        add(x, "StartupCPUShares", CpuShares, NotYet);
        add(x, "CPUQuota", CpuQuota, Acts);
        add(x, "CPUQuotaPeriodSec", SecondsEmptyIsInfinity(static (s, v) => s.ResourceControl!.CPUQuotaPeriodUsec = v), NotYet);
        add(x, "MemoryAccounting", Bool(static (s, v) => s.ResourceControl!.MemoryAccounting = v), Acts);
        foreach (var key in (string[])["MemoryMin", "DefaultMemoryMin", "DefaultMemoryLow", "MemoryLow", "MemoryHigh", "MemoryMax", "MemorySwapMax", "MemoryLimit"])
        {
            var supported = key is "MemoryMin" or "MemoryLow" or "MemoryHigh" or "MemoryMax" or "MemorySwapMax";
            add(x, key, MemoryLimitOf, supported);
        }

        add(x, "DeviceAllow", Unchecked(), NotYet);
        add(x, "DevicePolicy", NameIn("Failed to parse device policy", ["auto", "closed", "strict"]), NotYet);
        add(x, "IOAccounting", Bool(static (s, v) => s.ResourceControl!.IOAccounting = v), Acts);
        add(x, "IOWeight", Weight(static (s, v) => s.ResourceControl!.IOWeight = v), Acts);
        add(x, "StartupIOWeight", Weight(null), NotYet);
        foreach (var key in (string[])["IODeviceWeight", "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax", "IODeviceLatencyTargetSec"])
        {
            add(x, key, Unchecked(), NotYet);
        }

        add(x, "BlockIOAccounting", Bool(), NotYet);
        add(x, "BlockIOWeight", BlockIOWeight, NotYet);
        add(x, "StartupBlockIOWeight", BlockIOWeight, NotYet);
        foreach (var key in (string[])["BlockIODeviceWeight", "BlockIOReadBandwidth", "BlockIOWriteBandwidth"])
        {
            add(x, key, BlockIO, NotYet);
        }

        add(x, "TasksAccounting", Bool(static (s, v) => s.ResourceControl!.TasksAccounting = v), Acts);
        add(x, "TasksMax", TasksMaxOf, Acts);
        add(x, "Delegate", Delegate, Acts);
        add(x, "DisableControllers", Unchecked(), NotYet);
        add(x, "IPAccounting", Bool(static (s, v) => s.ResourceControl!.IPAccounting = v), NotYet);
        foreach (var key in (string[])["IPAddressAllow", "IPAddressDeny", "IPIngressFilterPath", "IPEgressFilterPath", "BPFProgram", "SocketBindAllow", "SocketBindDeny", "RestrictNetworkInterfaces", "ManagedOOMMemoryPressureLimit"])
        {
            add(x, key, Unchecked(), NotYet);
        }

        add(x, "ManagedOOMSwap", NameIn("Invalid syntax", ["auto", "kill"], emptyResets: true), NotYet);
        add(x, "ManagedOOMMemoryPressure", NameIn("Invalid syntax", ["auto", "kill"], emptyResets: true), NotYet);
        add(x, "ManagedOOMPreference", NameIn("Failed to parse ManagedOOMPreference=", ["none", "avoid", "omit"]), NotYet);
        add(x, "NetClass", Removed(), Acts);
    }
}
