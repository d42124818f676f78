using System.Text;
using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Specifiers;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Tests.Settings;

/// <summary>
/// The settings table knows every option: those the installed units use, and those the man pages of systemd 252
/// list per section (written out here, because load-fragment-gperf.gperf.in is not available at test time).
/// </summary>
public sealed class KnownOptionsTests
{
    private static readonly string[] InstalledUnitDirectories = ["/lib/systemd/system", "/usr/lib/systemd/user"];

    [Fact]
    public void Every_option_of_the_installed_units_is_known_and_parses_cleanly()
    {
        var files = new List<(string Path, UnitType Type)>();
        foreach (var root in InstalledUnitDirectories)
        {
            Assert.True(Directory.Exists(root), $"{root} is missing: these tests need Debian's systemd 252 package installed.");
            foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetFileName(path);
                var unitName = path.EndsWith(".conf", StringComparison.Ordinal) ? Path.GetFileName(Path.GetDirectoryName(path)!)[..^2] : name;
                var dot = unitName.LastIndexOf('.');
                if (dot > 0 && UnitTypes.TryParse(unitName.AsSpan(dot + 1), out var type) && IsRegularFile(path))
                {
                    files.Add((path, type));
                }
            }
        }

        Assert.True(files.Count > 100, $"only {files.Count} unit files found");
        var problems = new StringBuilder();
        foreach (var (path, type) in files)
        {
            var diagnostics = new DiagnosticBag();
            var parsed = UnitFileParser.Parse(path, File.ReadAllBytes(path), diagnostics, type.Sections());
            var settings = new UnitSettings(type);
            var specifiers = SpecifiersFor(path, root: path.StartsWith("/usr/lib/systemd/user", StringComparison.Ordinal) ? UnitScope.User : UnitScope.System);
            foreach (var section in parsed.Sections)
            {
                SettingsBinder.ApplySection(settings, section, path, diagnostics, specifiers);
            }

            foreach (var diagnostic in diagnostics.Items)
            {
                problems.AppendLine(diagnostic.ToString());
            }
        }

        Assert.True(problems.Length == 0, problems.ToString());
    }

    // systemd.unit(5), systemd.service(5), systemd.socket(5), systemd.timer(5), systemd.path(5), systemd.mount(5),
    // systemd.automount(5), systemd.swap(5), systemd.scope(5) of systemd 252, section by section.
    public static TheoryData<string, string> ManPageOptions()
    {
        var data = new TheoryData<string, string>();
        void Add(string section, string keys)
        {
            foreach (var key in keys.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                data.Add(section, key);
            }
        }

        Add("Unit", "Description Documentation Wants Requires Requisite BindsTo PartOf Upholds Conflicts Before After OnFailure OnSuccess "
            + "PropagatesReloadTo ReloadPropagatedFrom PropagatesStopTo StopPropagatedFrom JoinsNamespaceOf RequiresMountsFor OnSuccessJobMode "
            + "OnFailureJobMode IgnoreOnIsolate StopWhenUnneeded RefuseManualStart RefuseManualStop AllowIsolate DefaultDependencies CollectMode "
            + "FailureAction SuccessAction FailureActionExitStatus SuccessActionExitStatus JobTimeoutSec JobRunningTimeoutSec JobTimeoutAction "
            + "JobTimeoutRebootArgument StartLimitIntervalSec StartLimitBurst StartLimitAction RebootArgument SourcePath "
            + "ConditionArchitecture ConditionFirmware ConditionVirtualization ConditionHost ConditionKernelCommandLine ConditionKernelVersion "
            + "ConditionCredential ConditionEnvironment ConditionSecurity ConditionCapability ConditionACPower ConditionNeedsUpdate "
            + "ConditionFirstBoot ConditionPathExists ConditionPathExistsGlob ConditionPathIsDirectory ConditionPathIsSymbolicLink "
            + "ConditionPathIsMountPoint ConditionPathIsReadWrite ConditionPathIsEncrypted ConditionDirectoryNotEmpty ConditionFileNotEmpty "
            + "ConditionFileIsExecutable ConditionUser ConditionGroup ConditionControlGroupController ConditionMemory ConditionCPUs "
            + "ConditionCPUFeature ConditionOSRelease ConditionMemoryPressure ConditionCPUPressure ConditionIOPressure AssertArchitecture "
            + "AssertVirtualization AssertHost AssertKernelCommandLine AssertKernelVersion AssertCredential AssertEnvironment AssertSecurity "
            + "AssertCapability AssertACPower AssertNeedsUpdate AssertFirstBoot AssertPathExists AssertPathExistsGlob AssertPathIsDirectory "
            + "AssertPathIsSymbolicLink AssertPathIsMountPoint AssertPathIsReadWrite AssertPathIsEncrypted AssertDirectoryNotEmpty "
            + "AssertFileNotEmpty AssertFileIsExecutable AssertUser AssertGroup AssertControlGroupController AssertMemory AssertCPUs "
            + "AssertCPUFeature AssertOSRelease AssertMemoryPressure AssertCPUPressure AssertIOPressure");
        Add("Install", "Alias WantedBy RequiredBy Also DefaultInstance");
        Add("Service", "Type ExitType RemainAfterExit GuessMainPID PIDFile BusName ExecStart ExecStartPre ExecStartPost ExecCondition ExecReload "
            + "ExecStop ExecStopPost RestartSec TimeoutStartSec TimeoutStopSec TimeoutAbortSec TimeoutSec TimeoutStartFailureMode "
            + "TimeoutStopFailureMode RuntimeMaxSec RuntimeRandomizedExtraSec WatchdogSec Restart SuccessExitStatus RestartPreventExitStatus "
            + "RestartForceExitStatus RootDirectoryStartOnly NonBlocking NotifyAccess Sockets FileDescriptorStoreMax USBFunctionDescriptors "
            + "USBFunctionStrings OOMPolicy PermissionsStartOnly SysVStartPriority ValidNoProcess");
        Add("Socket", "ListenStream ListenDatagram ListenSequentialPacket ListenFIFO ListenSpecial ListenNetlink ListenMessageQueue "
            + "ListenUSBFunction SocketProtocol BindIPv6Only Backlog BindToDevice SocketUser SocketGroup SocketMode DirectoryMode Accept "
            + "Writable FlushPending MaxConnections MaxConnectionsPerSource KeepAlive KeepAliveTimeSec KeepAliveIntervalSec KeepAliveProbes "
            + "NoDelay Priority DeferAcceptSec ReceiveBuffer SendBuffer IPTOS IPTTL Mark ReusePort SmackLabel SmackLabelIPIn SmackLabelIPOut "
            + "SELinuxContextFromNet PipeSize MessageQueueMaxMessages MessageQueueMessageSize FreeBind Transparent Broadcast PassCredentials "
            + "PassSecurity PassPacketInfo Timestamping TCPCongestion ExecStartPre ExecStartPost ExecStopPre ExecStopPost TimeoutSec Service "
            + "RemoveOnStop Symlinks FileDescriptorName TriggerLimitIntervalSec TriggerLimitBurst");
        Add("Timer", "OnActiveSec OnBootSec OnStartupSec OnUnitActiveSec OnUnitInactiveSec OnCalendar AccuracySec RandomizedDelaySec "
            + "FixedRandomDelay OnClockChange OnTimezoneChange Unit Persistent WakeSystem RemainAfterElapse");
        Add("Path", "PathExists PathExistsGlob PathChanged PathModified DirectoryNotEmpty Unit MakeDirectory DirectoryMode "
            + "TriggerLimitIntervalSec TriggerLimitBurst");
        Add("Mount", "What Where Type Options SloppyOptions LazyUnmount ReadWriteOnly ForceUnmount DirectoryMode TimeoutSec");
        Add("Automount", "Where ExtraOptions DirectoryMode TimeoutIdleSec");
        Add("Swap", "What Priority Options TimeoutSec");
        Add("Scope", "RuntimeMaxSec RuntimeRandomizedExtraSec TimeoutStopSec OOMPolicy");

        // systemd.exec(5), systemd.kill(5) and systemd.resource-control(5), checked in every section that has them.
        const string Exec = "ExecSearchPath WorkingDirectory RootDirectory RootImage RootImageOptions RootHash RootHashSignature RootVerity "
            + "MountAPIVFS ProtectProc ProcSubset BindPaths BindReadOnlyPaths MountImages ExtensionImages ExtensionDirectories User Group "
            + "DynamicUser SupplementaryGroups PAMName CapabilityBoundingSet AmbientCapabilities NoNewPrivileges SecureBits SELinuxContext "
            + "AppArmorProfile SmackProcessLabel LimitCPU LimitFSIZE LimitDATA LimitSTACK LimitCORE LimitRSS LimitNOFILE LimitAS LimitNPROC "
            + "LimitMEMLOCK LimitLOCKS LimitSIGPENDING LimitMSGQUEUE LimitNICE LimitRTPRIO LimitRTTIME UMask CoredumpFilter KeyringMode "
            + "OOMScoreAdjust TimerSlackNSec Personality IgnoreSIGPIPE Nice CPUSchedulingPolicy CPUSchedulingPriority CPUSchedulingResetOnFork "
            + "CPUAffinity NUMAPolicy NUMAMask IOSchedulingClass IOSchedulingPriority ProtectSystem ProtectHome RuntimeDirectory StateDirectory "
            + "CacheDirectory LogsDirectory ConfigurationDirectory RuntimeDirectoryMode StateDirectoryMode CacheDirectoryMode LogsDirectoryMode "
            + "ConfigurationDirectoryMode RuntimeDirectoryPreserve TimeoutCleanSec ReadWritePaths ReadOnlyPaths InaccessiblePaths ExecPaths "
            + "NoExecPaths TemporaryFileSystem PrivateTmp PrivateDevices PrivateNetwork NetworkNamespacePath PrivateIPC IPCNamespacePath "
            + "PrivateUsers ProtectHostname ProtectClock ProtectKernelTunables ProtectKernelModules ProtectKernelLogs ProtectControlGroups "
            + "RestrictAddressFamilies RestrictFileSystems RestrictNamespaces LockPersonality MemoryDenyWriteExecute RestrictRealtime "
            + "RestrictSUIDSGID RemoveIPC PrivateMounts MountFlags SystemCallFilter SystemCallErrorNumber SystemCallArchitectures "
            + "SystemCallLog Environment EnvironmentFile PassEnvironment UnsetEnvironment StandardInput StandardOutput StandardError "
            + "StandardInputText StandardInputData LogLevelMax LogExtraFields LogRateLimitIntervalSec LogRateLimitBurst LogNamespace "
            + "SyslogIdentifier SyslogFacility SyslogLevel SyslogLevelPrefix TTYPath TTYReset TTYVHangup TTYRows TTYColumns TTYVTDisallocate "
            + "LoadCredential LoadCredentialEncrypted SetCredential SetCredentialEncrypted UtmpIdentifier UtmpMode";
        const string Kill = "KillMode KillSignal RestartKillSignal SendSIGHUP SendSIGKILL FinalKillSignal WatchdogSignal";
        const string Cgroup = "Slice CPUAccounting CPUWeight StartupCPUWeight CPUQuota CPUQuotaPeriodSec AllowedCPUs StartupAllowedCPUs "
            + "AllowedMemoryNodes StartupAllowedMemoryNodes MemoryAccounting MemoryMin MemoryLow MemoryHigh MemoryMax MemorySwapMax "
            + "TasksAccounting TasksMax IOAccounting IOWeight StartupIOWeight IODeviceWeight IOReadBandwidthMax IOWriteBandwidthMax "
            + "IOReadIOPSMax IOWriteIOPSMax IODeviceLatencyTargetSec IPAccounting IPAddressAllow IPAddressDeny IPIngressFilterPath "
            + "IPEgressFilterPath BPFProgram SocketBindAllow SocketBindDeny RestrictNetworkInterfaces DeviceAllow DevicePolicy Delegate "
            + "DisableControllers ManagedOOMSwap ManagedOOMMemoryPressure ManagedOOMMemoryPressureLimit ManagedOOMPreference "
            + "DefaultMemoryMin DefaultMemoryLow CPUShares StartupCPUShares MemoryLimit BlockIOAccounting BlockIOWeight StartupBlockIOWeight "
            + "BlockIODeviceWeight BlockIOReadBandwidth BlockIOWriteBandwidth";
        foreach (var section in (string[])["Service", "Socket", "Mount", "Swap"])
        {
            Add(section, Exec);
        }

        foreach (var section in (string[])["Service", "Socket", "Mount", "Swap", "Scope"])
        {
            Add(section, Kill);
        }

        foreach (var section in (string[])["Service", "Socket", "Mount", "Swap", "Slice", "Scope"])
        {
            Add(section, Cgroup);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ManPageOptions))]
    public void Every_option_of_the_man_pages_is_known(string section, string key) =>
        Assert.True(SettingsBinder.IsKnownOption(section, key), $"[{section}] {key}= is not in the settings table");

    [Theory]
    [InlineData("Target", "Description")]
    [InlineData("Slice", "ExecStart")]
    [InlineData("Timer", "User")]
    [InlineData("Install", "UpheldBy")]
    [InlineData("Unit", "AssertFirmware")]
    public void Options_systemd_252_does_not_have_are_unknown(string section, string key) =>
        Assert.False(SettingsBinder.IsKnownOption(section, key));

    /// <summary>Specifiers as for the unit the file belongs to; a template is read as its instance "test".</summary>
    private static SpecifierContext? SpecifiersFor(string path, UnitScope root)
    {
        var name = path.EndsWith(".conf", StringComparison.Ordinal) ? Path.GetFileName(Path.GetDirectoryName(path)!)[..^2] : Path.GetFileName(path);
        name = name.Replace("@.", "@test.", StringComparison.Ordinal);
        return UnitName.TryParse(name, UnitNameKinds.Plain | UnitNameKinds.Instance, out var unit)
            ? new SpecifierContext(unit, root, root == UnitScope.User ? UserSession.Instance : HostFacts.Instance)
            : null;
    }

    /// <summary>The host as a user manager sees it: with a runtime directory, which %t needs.</summary>
    private sealed class UserSession : IHostFacts
    {
        public static UserSession Instance { get; } = new();

        private static IHostFacts Host => HostFacts.Instance;

        public string HostName => Host.HostName;

        public string? PrettyHostName => Host.PrettyHostName;

        public string? MachineId => Host.MachineId;

        public string? BootId => Host.BootId;

        public string KernelRelease => Host.KernelRelease;

        public string Architecture => Host.Architecture;

        public string UserName => Host.UserName;

        public uint UserId => Host.UserId;

        public string GroupName => Host.GroupName;

        public uint GroupId => Host.GroupId;

        public string Home => Host.Home;

        public string Shell => Host.Shell;

        public string? OsRelease(string field) => Host.OsRelease(field);

        public string? Environment(string name) => name == "XDG_RUNTIME_DIR" ? $"/run/user/{Host.UserId}" : Host.Environment(name);
    }

    private static bool IsRegularFile(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null || (info.ResolveLinkTarget(true) is FileInfo target && target.Exists && target.FullName != "/dev/null");
    }
}
