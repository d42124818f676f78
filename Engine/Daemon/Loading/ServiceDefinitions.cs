using Units.Daemon.Host;
using Units.Execution;
using Units.Execution.Service;
using Units.Execution.Cgroups;
using Numbers = Units.UnitFiles.Settings.Values.Numbers;
using ExitStatusSet = Units.Execution.Service.ExitStatusSet;
using Files = Units.UnitFiles.Settings;

namespace Units.Daemon.Loading;

/// <summary>Maps a service's unit-file settings into the execution layer's <see cref="ServiceSettings"/>.
/// Manager defaults (DefaultTimeoutStartSec=, DefaultStandardOutput=...) fill what the unit leaves unset.</summary>
internal static class ServiceDefinitions
{
    public static ServiceSettings From(Files.UnitSettings unit, ManagerConfiguration defaults)
    {
        Files.ServiceSettings service = unit.Service!;
        Files.KillSettings kill = unit.Kill!;
        return new ServiceSettings
        {
            Type = service.Type switch
            {
                Files.ServiceType.Forking => ServiceType.Forking,
                Files.ServiceType.Oneshot => ServiceType.Oneshot,
                Files.ServiceType.Dbus => ServiceType.Dbus,
                Files.ServiceType.Notify => ServiceType.Notify,
                Files.ServiceType.Idle => ServiceType.Idle,
                Files.ServiceType.Exec => ServiceType.Exec,
                Files.ServiceType.Simple => ServiceType.Simple,
                // systemd: without Type=, a service with BusName= is dbus, one without ExecStart= is oneshot.
                null when service.BusName is not null => ServiceType.Dbus,
                null when service.ExecStart.Count == 0 => ServiceType.Oneshot,
                _ => ServiceType.Simple,
            },
            Restart = SettingConversions.Same<ServiceRestart>(service.Restart),
            RestartUsec = service.RestartUsec,
            TimeoutStartUsec = service.TimeoutStartUsec ?? defaults.DefaultTimeoutStartUSec,
            TimeoutStopUsec = service.TimeoutStopUsec ?? defaults.DefaultTimeoutStopUSec,
            TimeoutAbortUsec = service.TimeoutAbortUsec,
            RuntimeMaxUsec = service.RuntimeMaxUsec,
            WatchdogUsec = service.WatchdogUsec,
            PIDFile = service.PIDFile,
            BusName = service.BusName,
            NotifyAccess = service.NotifyAccess is Files.NotifyAccess access ? SettingConversions.Same<Execution.Notify.NotifyAccess>(access) : null,
            RemainAfterExit = service.RemainAfterExit,
            GuessMainPID = service.GuessMainPID,
            SuccessExitStatus = ExitStatuses(service.SuccessExitStatus),
            RestartPreventExitStatus = ExitStatuses(service.RestartPreventExitStatus),
            RestartForceExitStatus = ExitStatuses(service.RestartForceExitStatus),
            ExecCondition = Commands(service.ExecCondition),
            ExecStartPre = Commands(service.ExecStartPre),
            ExecStart = Commands(service.ExecStart),
            ExecStartPost = Commands(service.ExecStartPost),
            ExecReload = Commands(service.ExecReload),
            ExecStop = Commands(service.ExecStop),
            ExecStopPost = Commands(service.ExecStopPost),
            Exec = Exec(unit, "Service", service, defaults),
            Kill = Kill(kill),
            Resources = Resources(unit.ResourceControl, cpuAccountingSet: unit.LastValue("Service", "CPUAccounting") is not null),
        };
    }

    internal static KillSettings Kill(Files.KillSettings kill) => new()
    {
        KillMode = SettingConversions.Same<KillMode>(kill.KillMode),
        KillSignal = kill.KillSignal,
        RestartKillSignal = kill.RestartKillSignal,
        FinalKillSignal = kill.FinalKillSignal,
        WatchdogSignal = kill.WatchdogSignal,
        SendSIGKILL = kill.SendSIGKILL,
        SendSIGHUP = kill.SendSIGHUP,
    };

    /// <summary>The exec context of a unit's <paramref name="section"/> ([Service], [Socket]); PermissionsStartOnly=
    /// and RootDirectoryStartOnly= exist for services only.</summary>
    internal static ExecSettings Exec(Files.UnitSettings unit, string section, Files.ServiceSettings? service, ManagerConfiguration defaults)
    {
        Files.ExecSettings exec = unit.Exec!;
        var limits = new Dictionary<ResourceLimit, LimitValue>();
        foreach ((string name, Files.ResourceLimit limit) in exec.Limits)
        {
            if (Enum.TryParse(name, out ResourceLimit resource))
                limits[resource] = new LimitValue(SettingConversions.FiniteOrNull(limit.Soft), SettingConversions.FiniteOrNull(limit.Hard));
        }
        // The one default that differs from what the manager's own processes have (see ManagerLimits).
        if (!limits.ContainsKey(ResourceLimit.NOFILE) && ManagerLimits.Defaults.TryGetValue(ResourceLimit.NOFILE, out LimitValue nofile))
            limits[ResourceLimit.NOFILE] = nofile;
        return new ExecSettings
        {
            User = exec.User,
            Group = exec.Group,
            SupplementaryGroups = exec.SupplementaryGroups,
            DynamicUser = exec.DynamicUser,
            // "~" is the user's home; a leading "-" lets a missing directory pass (the executor honours both).
            WorkingDirectory = exec.WorkingDirectoryHome ? "~" : exec.WorkingDirectory is string dir && exec.WorkingDirectoryMissingOk ? "-" + dir : exec.WorkingDirectory,
            RootDirectory = exec.RootDirectory,
            Environment = exec.Environment,
            EnvironmentFiles = exec.EnvironmentFiles,
            PassEnvironment = exec.PassEnvironment,
            UnsetEnvironment = exec.UnsetEnvironment,
            UMask = (int)exec.UMask,
            Nice = exec.Nice,
            OOMScoreAdjust = exec.OOMScoreAdjust,
            Limits = limits,
            StandardInput = exec.StandardInput is { } input ? Input(input) : StdioSetting.Null,
            StandardOutput = exec.StandardOutput is { } output ? Output(output)
                : exec.OutputInheritsInput ? StdioSetting.Inherit : Output(DefaultStream(defaults.DefaultStandardOutput)),
            StandardError = exec.StandardError is { } error ? Output(error)
                : exec.OutputInheritsInput ? StdioSetting.Inherit : Output(DefaultStream(defaults.DefaultStandardError)),
            TTYPath = exec.TTYPath,
            SyslogIdentifier = exec.SyslogIdentifier,
            SyslogFacility = exec.SyslogFacility ?? ExecSettings.Default.SyslogFacility,
            SyslogLevel = exec.SyslogLevel ?? ExecSettings.Default.SyslogLevel,
            SyslogLevelPrefix = exec.SyslogLevelPrefix,
            LogLevelMax = exec.LogLevelMax,
            LogExtraFields = exec.LogExtraFields,
            LogRateLimitIntervalUSec = exec.LogRateLimitIntervalUsec,
            LogRateLimitBurst = exec.LogRateLimitBurst,
            RuntimeDirectory = exec.Directories(Files.ExecDirectoryType.Runtime),
            RuntimeDirectoryMode = (int)exec.DirectoryMode(Files.ExecDirectoryType.Runtime),
            RuntimeDirectoryPreserve = unit.LastValue(section, "RuntimeDirectoryPreserve") switch
            {
                "restart" => RuntimeDirectoryPreserve.Restart,
                string v when IsTrue(v) => RuntimeDirectoryPreserve.Yes,
                _ => RuntimeDirectoryPreserve.No,
            },
            StateDirectory = exec.Directories(Files.ExecDirectoryType.State),
            StateDirectoryMode = (int)exec.DirectoryMode(Files.ExecDirectoryType.State),
            CacheDirectory = exec.Directories(Files.ExecDirectoryType.Cache),
            CacheDirectoryMode = (int)exec.DirectoryMode(Files.ExecDirectoryType.Cache),
            LogsDirectory = exec.Directories(Files.ExecDirectoryType.Logs),
            LogsDirectoryMode = (int)exec.DirectoryMode(Files.ExecDirectoryType.Logs),
            ConfigurationDirectory = exec.Directories(Files.ExecDirectoryType.Configuration),
            ConfigurationDirectoryMode = (int)exec.DirectoryMode(Files.ExecDirectoryType.Configuration),
            TimeoutCleanUsec = exec.TimeoutCleanUsec,
            NoNewPrivileges = exec.NoNewPrivileges,
            RemoveIPC = exec.RemoveIPC,
            CapabilityBoundingSet = exec.CapabilityBoundingSet == Files.Values.Capabilities.All ? null : exec.CapabilityBoundingSet,
            AmbientCapabilities = exec.AmbientCapabilities,
            RestrictNamespaces = exec.RestrictNamespaces is { } allowed && allowed != Files.Values.NamespaceFlags.All ? allowed : null,
            PrivateTmp = exec.PrivateTmp,
            ProtectSystem = exec.ProtectSystem switch
            {
                "full" => ProtectSystem.Full,
                "strict" => ProtectSystem.Strict,
                "yes" => ProtectSystem.Yes,
                _ => ProtectSystem.No,
            },
            ProtectHome = exec.ProtectHome switch
            {
                "read-only" => ProtectHome.ReadOnly,
                "tmpfs" => ProtectHome.Tmpfs,
                "yes" => ProtectHome.Yes,
                _ => ProtectHome.No,
            },
            // The *Directories= spellings of older systemd are the same lists.
            ReadOnlyPaths = unit.PathList(section, "ReadOnlyPaths", "ReadOnlyDirectories"),
            ReadWritePaths = unit.PathList(section, "ReadWritePaths", "ReadWriteDirectories"),
            InaccessiblePaths = unit.PathList(section, "InaccessiblePaths", "InaccessibleDirectories"),
            ExecPaths = unit.PathList(section, "ExecPaths"),
            NoExecPaths = unit.PathList(section, "NoExecPaths"),
            ProtectProc = unit.LastValue(section, "ProtectProc") is { Length: > 0 } protectProc ? protectProc : "default",
            ProcSubset = unit.LastValue(section, "ProcSubset") is { Length: > 0 } procSubset ? procSubset : "all",
            PrivateDevices = Boolean(unit, section, "PrivateDevices"),
            PrivateNetwork = Boolean(unit, section, "PrivateNetwork"),
            ProtectKernelTunables = Boolean(unit, section, "ProtectKernelTunables"),
            ProtectKernelModules = Boolean(unit, section, "ProtectKernelModules"),
            ProtectKernelLogs = Boolean(unit, section, "ProtectKernelLogs"),
            ProtectClock = Boolean(unit, section, "ProtectClock"),
            ProtectHostname = Boolean(unit, section, "ProtectHostname"),
            ProtectControlGroups = Boolean(unit, section, "ProtectControlGroups"),
            SystemCallFilter = exec.SystemCallFilter,
            SystemCallErrorNumber = exec.SystemCallErrorNumber,
            SystemCallArchitectures = exec.SystemCallArchitectures,
            RestrictAddressFamilies = exec.RestrictAddressFamilies,
            MemoryDenyWriteExecute = exec.MemoryDenyWriteExecute,
            RestrictRealtime = exec.RestrictRealtime,
            RestrictSUIDSGID = exec.RestrictSUIDSGID,
            LockPersonality = exec.LockPersonality,
            PermissionsStartOnly = service?.PermissionsStartOnly ?? false,
            RootDirectoryStartOnly = service?.RootDirectoryStartOnly ?? false,
        };
    }

    internal static ResourceControlSettings Resources(Files.ResourceControlSettings? resources, bool cpuAccountingSet)
    {
        if (resources is null)
            return ResourceControlSettings.None;
        return new ResourceControlSettings
        {
            MemoryMax = Bytes(resources.MemoryMax),
            MemoryHigh = Bytes(resources.MemoryHigh),
            TasksMax = resources.TasksMax is { Scale: 0, Value: var tasks } && tasks != ulong.MaxValue ? tasks : null,
            CPUQuotaPerSecUSec = resources.CPUQuotaPerSecUsec == ulong.MaxValue ? null : resources.CPUQuotaPerSecUsec,
            CPUWeight = resources.CPUWeight,
            IOWeight = resources.IOWeight,
            CPUAccounting = !cpuAccountingSet || resources.CPUAccounting,
        };
    }

    /// <summary>An absolute memory limit; relative ones (percent of RAM) are resolved against this host's memory.</summary>
    private static ulong? Bytes(Files.MemoryLimit? limit) => limit switch
    {
        null => null,
        { Bytes: ulong.MaxValue, IsRelative: false } => null,
        { IsRelative: true, Permyriad: var p } => (ulong)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 10_000.0 * p),
        { Bytes: var bytes } => bytes,
    };

    internal static List<ExecCommand> Commands(IReadOnlyList<Files.ExecCommand> commands)
    {
        var mapped = new List<ExecCommand>(commands.Count);
        foreach (Files.ExecCommand command in commands)
        {
            ExecFlags flags = ExecFlags.None;
            if ((command.Flags & Files.ExecCommandFlags.IgnoreFailure) != 0)
                flags |= ExecFlags.IgnoreFailure;
            if ((command.Flags & Files.ExecCommandFlags.FullyPrivileged) != 0)
                flags |= ExecFlags.FullPrivileges;
            if ((command.Flags & Files.ExecCommandFlags.NoSetuid) != 0)
                flags |= ExecFlags.NoSetUid;
            if ((command.Flags & Files.ExecCommandFlags.AmbientMagic) != 0)
                flags |= ExecFlags.AmbientFallback;
            if ((command.Flags & Files.ExecCommandFlags.NoEnvironmentExpansion) != 0)
                flags |= ExecFlags.NoEnvironmentExpansion;
            // The settings model keeps argv as written (argv[0] included, "@" already applied).
            mapped.Add(new ExecCommand(command.Path, command.Arguments, flags));
        }
        return mapped;
    }

    private static ExitStatusSet ExitStatuses(Files.Values.ExitStatusSet set)
        => new() { Statuses = set.Statuses.ToHashSet(), Signals = set.SignalNumbers.ToHashSet() };

    private static StdioSetting Input(Files.StandardStream<Files.ExecInput> input) => input.Kind switch
    {
        Files.ExecInput.Tty or Files.ExecInput.TtyForce or Files.ExecInput.TtyFail => new StdioSetting(StdioKind.Tty, input.Argument),
        Files.ExecInput.Socket => new StdioSetting(StdioKind.Socket),
        Files.ExecInput.NamedFd => new StdioSetting(StdioKind.NamedFd, input.Argument),
        Files.ExecInput.File => new StdioSetting(StdioKind.File, input.Argument),
        _ => StdioSetting.Null,
    };

    private static StdioSetting Output(Files.StandardStream<Files.ExecOutput> output) => output.Kind switch
    {
        Files.ExecOutput.Inherit => StdioSetting.Inherit,
        Files.ExecOutput.Null => StdioSetting.Null,
        Files.ExecOutput.Tty => new StdioSetting(StdioKind.Tty),
        Files.ExecOutput.Kmsg or Files.ExecOutput.KmsgAndConsole => new StdioSetting(StdioKind.Kmsg),
        Files.ExecOutput.Socket => new StdioSetting(StdioKind.Socket),
        Files.ExecOutput.NamedFd => new StdioSetting(StdioKind.NamedFd, output.Argument),
        Files.ExecOutput.File => new StdioSetting(StdioKind.File, output.Argument),
        Files.ExecOutput.Append => new StdioSetting(StdioKind.Append, output.Argument),
        Files.ExecOutput.Truncate => new StdioSetting(StdioKind.Truncate, output.Argument),
        _ => StdioSetting.Journal,
    };

    /// <summary>DefaultStandardOutput=/DefaultStandardError= values of the manager configuration.</summary>
    private static Files.StandardStream<Files.ExecOutput> DefaultStream(string value) => value switch
    {
        "inherit" => new(Files.ExecOutput.Inherit, null),
        "null" => new(Files.ExecOutput.Null, null),
        "tty" => new(Files.ExecOutput.Tty, null),
        "kmsg" => new(Files.ExecOutput.Kmsg, null),
        _ => new(Files.ExecOutput.Journal, null),
    };

    private static bool Boolean(Files.UnitSettings unit, string section, string key)
        => unit.LastValue(section, key) is string value && IsTrue(value);

    internal static bool IsTrue(string value) => Numbers.TryParseBoolean(value, out bool b) && b;
}
