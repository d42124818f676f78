using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Specifiers;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Tests.Settings;

/// <summary>
/// Each case is a small unit whose settings exercise one parser; systemd-analyze verify (252) reads the same file and
/// the file:line diagnostics (and the unit's "Refusing." verdicts) must be the same, word for word and in order.
/// </summary>
public sealed class BinderDifferentialTests
{
    private const string Start = "[Service]\nExecStart=/bin/true\n";

    public static TheoryData<string, string> Cases() => new()
    {
        { "bools.service", Start + "RemainAfterExit=maybe\nGuessMainPID=\nNonBlocking=yes\nPermissionsStartOnly=on\n[Unit]\nStopWhenUnneeded=2\nDefaultDependencies=no\n" },
        { "times.service", Start + "RestartSec=abc\nTimeoutSec=5x\nTimeoutStopSec=-1\nTimeoutAbortSec=foo\nRuntimeMaxSec=1h 5min\nWatchdogSec=\n[Unit]\nJobTimeoutSec=nope\nJobRunningTimeoutSec=-5\nStartLimitIntervalSec=1.2.3\n" },
        { "enums.service", Start + "Type=weird\nRestart=sometimes\nNotifyAccess=everyone\nExitType=x\nTimeoutStartFailureMode=explode\nOOMPolicy=panic\nKillMode=gently\nKillMode=none\n[Unit]\nCollectMode=never\nOnFailureJobMode=whatever\nOnFailureIsolate=perhaps\n" },
        { "actions.service", Start + "[Unit]\nFailureAction=explode\nSuccessAction=reboot-force\nSuccessActionExitStatus=300\nFailureActionExitStatus=abc\nStartLimitAction=poweroff\nJobTimeoutAction=none\n" },
        { "numbers.service", Start + "Nice=-30\nNice=abc\nOOMScoreAdjust=2000\nOOMScoreAdjust=x\nUMask=0999\nUMask=-022\nCPUSchedulingPriority=120\nCPUSchedulingPriority=x\nIOSchedulingPriority=9\nIOSchedulingClass=fast\nFileDescriptorStoreMax=-1\n" },
        { "signals.service", Start + "KillSignal=SIGFOO\nRestartKillSignal=0\nFinalKillSignal=RTMIN+40\nWatchdogSignal=SIGABRT\nSendSIGKILL=kinda\n" },
        { "status.service", Start + "SuccessExitStatus=1 2 FOO SIGHUP 300 TERM\nRestartPreventExitStatus=\nRestartForceExitStatus=bar\n" },
        { "environment.service", Start + "Environment=\"A=b c\" D=e 1bad 'F=g'\nEnvironment=unterminated\"\nEnvironmentFile=relative/path\nEnvironmentFile=-/etc/default/x\nPassEnvironment=GOOD bad-name\nUnsetEnvironment=X=1 -bad\n" },
        { "exec.service", Start + "ExecStartPre=-foo/bar\nExecStartPre=/bin/echo \\q\nExecStartPost=@/bin/echo\nExecStop=/bin/a ; /bin/b \\; c\nExecReload=-\nExecStopPost=/bin/dir/\n" },
        { "exec-fatal.service", Start + "ExecStartPre=/bin/echo \"unbalanced\nNice=5\nBogus=1\n" },
        { "exec-special.service", Start + "ExecStartPost=/bin/ec\\\"ho hi\n" },
        { "paths.service", Start + "PIDFile=/var/run/foo.pid\nPIDFile=relative.pid\nWorkingDirectory=-relative\nRootDirectory=\nTTYPath=tty1\n[Unit]\nRequiresMountsFor=/var relative /a/../b\nSourcePath=nope\nConditionPathExists=relative\nAssertPathIsDirectory=|!/tmp\nConditionPathExists=!/a//b/\n" },
        { "working-directory.service", Start + "WorkingDirectory=relative\nUser=root\n" },
        { "user.service", Start + "User=bad:user\nGroup=root\n" },
        { "groups.service", Start + "SupplementaryGroups=adm 'bad group'\n" },
        { "deps.service", Start + "[Unit]\nRequires=foo.service bar\nWants=\nAfter=a.target 'b c.service'\nRequiresOverridable=x.service\nBindTo=y.service\nDocumentation=man:foo(1) http://example.com bogus file:/x info:\nDocumentation=\n" },
        { "stdio.service", Start + "StandardOutput=syslog\nStandardError=file:relative\nStandardInput=bogus\nStandardOutput=fd:bad:name\nStandardError=syslog+console\nStandardInputText=hello\\x\nStandardInputData=!!!notbase64\n" },
        { "limits.service", Start + "LimitNOFILE=4096:1024\nLimitNOFILE=1:2:3\nLimitCORE=infinity\nLimitCPU=abc\nLimitNICE=50\n" },
        { "cgroup.service", Start + "MemoryMax=10%\nMemoryMax=abc\nMemoryHigh=0\nMemoryLimit=1G\nCPUShares=5\nCPUWeight=0\nCPUWeight=idle\nCPUQuota=0%\nCPUQuota=foo\nTasksMax=0\nTasksMax=abc\nIOWeight=20000\nBlockIOWeight=10\nDelegate=cpu bogus\nSlice=foo.service\nSlice=bad name\n" },
        { "directories.service", Start + "RuntimeDirectory=/abs foo private bar:baz\nConfigurationDirectory=a:b\nStateDirectoryMode=999\n" },
        { "removed.service", Start + "Capabilities=cap_net_raw\nBusPolicy=x\n[Unit]\nIgnoreOnSnapshot=yes\n" },
        { "sockets.service", Start + "Sockets=foo.socket bar.service\nBusName=not valid\nBusName=org.example.Good\n" },
        { "verify-nostart.service", "[Service]\nType=simple\n" },
        { "verify-oneshot.service", "[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\nRestart=always\n" },
        { "verify-multi.service", "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n" },
        { "verify-dbus.service", "[Service]\nType=dbus\nExecStart=/bin/a\n" },
        { "verify-runtime.service", "[Service]\nType=oneshot\nExecStart=/bin/a\nRuntimeMaxSec=5\n" },
        { "verify-success.service", "[Unit]\nSuccessAction=none\n[Service]\nRemainAfterExit=yes\nExecStop=/bin/a\n" },
        { "timer.timer", "[Timer]\nOnCalendar=Mon..Fri 10:00\nOnCalendar=bogus\nOnBootSec=5x\nOnActiveSec=\nAccuracySec=1q\nUnit=foo.bar\nUnit=timer.timer\nPersistent=maybe\n" },
        { "empty.timer", "[Timer]\nPersistent=yes\n" },
        { "path.path", "[Path]\nPathExists=relative\nPathChanged=/tmp/x\nUnit=x.service\nUnit=y.service\nMakeDirectory=sure\nDirectoryMode=1777\n" },
        { "nopath.path", "[Path]\nMakeDirectory=yes\n" },
        { "sock.socket", "[Socket]\nListenStream=/run/x.sock\nListenFIFO=relative\nAccept=perhaps\nBacklog=-1\nSocketMode=888\nService=foo.socket\nFileDescriptorName=a:b\nReceiveBuffer=1Q\nIPTOS=fast\nTimestamping=ms\nBindIPv6Only=sometimes\nKeepAliveTimeSec=x\n" },
        { "nolisten.socket", "[Socket]\nAccept=yes\n" },
        { "accept.socket", "[Socket]\nListenDatagram=/run/y.sock\nAccept=yes\n" },
        { "swap.swap", "[Swap]\nWhat=/dev/sda9\nPriority=-5\nPriority=40000\nPriority=x\nTimeoutSec=q\n" },
        { "slice.slice", "[Slice]\nMemoryMax=1G\nCPUWeight=100000\nExecStart=/bin/true\n" },
        { "sections.service", Start + "[Install]\nWantedBy=multi-user.target\nUpheldBy=x.target\n[X-Vendor]\nFoo=1\n[Bogus]\nBar=2\n[Unit]\nX-Custom=1\nFoo=bar\n" },
        { "sandbox.service", Start + "ProtectSystem=strict\nProtectSystem=bogus\nProtectHome=read-only\nProtectHome=maybe\nPrivateTmp=yes\nProtectProc=hidden\nProcSubset=pid\nKeyringMode=none\nMountFlags=shared\nMountFlags=weird\nUtmpMode=x\nCPUSchedulingPolicy=rr\nCPUSchedulingPolicy=slow\nNUMAPolicy=bind\nNUMAPolicy=x\nRuntimeDirectoryPreserve=restart\nRuntimeDirectoryPreserve=x\nSyslogLevel=warning\nSyslogLevel=loud\nSyslogFacility=local7\nSyslogFacility=x\nLogLevelMax=7\nTTYRows=x\nTimerSlackNSec=1x\nCPUAffinity=0-3 5\nCPUAffinity=x\nDevicePolicy=closed\nDevicePolicy=x\n" },
        { "unchecked-valid.service", Start + "SystemCallFilter=@system-service\nSystemCallArchitectures=native\nRestrictAddressFamilies=AF_UNIX AF_INET\nRestrictNamespaces=yes\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nBindPaths=/tmp:/mnt\nTemporaryFileSystem=/var\nReadWritePaths=/var/lib/x -/opt\nReadOnlyPaths=relative\nLoadCredential=foo:/etc/foo\nSetCredential=bar:baz\nIPAddressDeny=any\nDeviceAllow=/dev/null rw\nIOReadBandwidthMax=/dev/sda 1M\nLogExtraFields=FOO=bar\nSecureBits=keep-caps\nPersonality=x86-64\nCoredumpFilter=default\nExecSearchPath=/usr/bin:/bin\n" },
        { "seccomp.service", Start + "SystemCallFilter=write\nSystemCallFilter=~@clock fork:ENOENT\nSystemCallFilter=foo @bar\nSystemCallFilter=write:EIO\nSystemCallFilter=~read:EBOGUS :EIO\n"
            + "SystemCallErrorNumber=0\nSystemCallErrorNumber=EFOO\nSystemCallErrorNumber=kill\nSystemCallArchitectures=native vax\nRestrictAddressFamilies=AF_INET AF_BOGUS\n"
            + "RestrictAddressFamilies=~AF_UNIX\nMemoryDenyWriteExecute=maybe\nLockPersonality=1\nRestrictRealtime=x\nRestrictSUIDSGID=yes\n" },
        { "mount.mount", "[Mount]\nWhat=/dev/sdb1\nWhere=relative\nType=ext4\nTimeoutSec=0\nDirectoryMode=x\nLazyUnmount=perhaps\n" },
        { "auto.automount", "[Automount]\nWhere=/mnt\nTimeoutIdleSec=x\nDirectoryMode=0755\n" },
        { "mnt.automount", "[Automount]\nTimeoutIdleSec=5\n" },
        { "mnt-data.mount", "[Mount]\nWhat=/dev/sdc1\nWhere=/mnt/data\n" },
        { "conditions.service", Start + "[Unit]\nConditionHost=| !foo\nConditionKernelCommandLine=\nConditionVirtualization=!container\nAssertUser=root\nConditionFirmware=uefi\nAssertFirmware=uefi\nConditionPathIsMountPoint=/a/./b\nConditionDirectoryNotEmpty=a/../b\nConditionNeedsUpdate=/etc\nConditionFileIsExecutable=!relative\n" },
        { "unit-misc.service", Start + "[Unit]\nPropagateReloadTo=a.service\nPropagatesStopTo=b.service\nStopPropagatedFrom=c.service\nJoinsNamespaceOf=d.service\nUpholds=e.service\nOnSuccess=f.service\nOnSuccessJobMode=isolate\nOnFailureJobMode=bogus\nRefuseManualStart=x\nIgnoreOnIsolate=sure\nRebootArgument=\x01\nJobTimeoutRebootArgument=ok\nStartLimitBurst=-1\nStartLimitInterval=10\n" },
        { "service-misc.service", Start + "TimeoutStartSec=infinity\nTimeoutStopSec=0\nTimeoutAbortSec=\nRuntimeRandomizedExtraSec=5\nStartLimitBurst=x\nFailureAction=poweroff-immediate\nUSBFunctionDescriptors=/x\nOOMPolicy=stop\nExitType=cgroup\nGuessMainPID=no\nTTYPath=/dev/tty1\nTTYReset=1\nDynamicUser=maybe\n" },
        { "self.service", Start + "[Unit]\nAfter=self.service\nRequires=%n\nBefore=foo@.service\nConflicts=self.service\n" },
        { "names.service", Start + "User=a b\nGroup=-bad\nSupplementaryGroups=ok 1000 65535\n" },
        { "name-specifiers@inst.service", Start + "[Unit]\nRequires=foo-%i.service\nWants=foo-%I.service bar-%t.service\nAfter=%p-x.service %H.target\nBefore=%u.service\n" },
        { "checked.service", Start + "RestrictNamespaces=~net ipc\nRestrictNamespaces=net bogus\nRestrictNamespaces=no\nPersonality=x86\nPersonality=sparc\nExecSearchPath=/usr/bin:relative\nExecSearchPath=/usr/local/bin:/bin\n" },
        { "families.service", Start + "RestrictAddressFamilies=AF_UNIX AF_INET AF_BOGUS AF_LOCAL\nRestrictAddressFamilies=~AF_PACKET inet\nRestrictAddressFamilies=none\n" },
        { "target.target", "[Unit]\nDescription=t\n[Target]\nFoo=1\n" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Binder_reports_what_systemd_analyze_verify_reports(string name, string content)
    {
        var systemdAnalyze = TestPaths.RequireTool("systemd-analyze");
        using var temp = TestPaths.NewTemp();
        var path = Path.Combine(temp.Path, name);
        File.WriteAllText(path, content);

        var (_, stdout, stderr) = TestPaths.Run(systemdAnalyze, ["verify", "--man=no", "--generators=no", path],
            new Dictionary<string, string?> { ["SYSTEMD_LOG_COLOR"] = "0", ["SYSTEMD_UNIT_PATH"] = temp.Path, ["SYSTEMD_LOG_LEVEL"] = null }, temp.Path);
        var expected = Relevant(stdout + stderr, path, name);

        var diagnostics = new DiagnosticBag();
        var unit = UnitName.Parse(name);
        // Sections are left to the binder, which reports unknown ones in file order with the keys.
        var parsed = UnitFileParser.Parse(path, File.ReadAllBytes(path), diagnostics, null);
        var settings = new UnitSettings(unit.Type) { UnitId = name };
        var specifiers = new SpecifierContext(unit, UnitScope.System, HostFacts.Instance);
        var fatal = false;
        foreach (var section in parsed.Sections)
        {
            if (SettingsBinder.ApplySection(settings, section, path, diagnostics, specifiers) != 0)
            {
                fatal = true;
                break;
            }
        }

        if (!fatal)
        {
            UnitSettingsValidator.Validate(settings, diagnostics);
        }

        var actual = Relevant(string.Join('\n', diagnostics.Items.Select(d => d.ToString())), path, name);
        Assert.Equal(expected, actual);
    }

    /// <summary>Lines about the file's settings ("path:line: …") and the unit's verdicts ("name: … Refusing.").</summary>
    private static List<string> Relevant(string output, string path, string name) =>
        output.Split('\n')
            .Select(l => l.TrimEnd())
            .Where(l => (l.StartsWith(path + ":", StringComparison.Ordinal) && l.Length > path.Length + 1 && char.IsAsciiDigit(l[path.Length + 1]))
                || (l.StartsWith(name + ": ", StringComparison.Ordinal) && (l.EndsWith("Refusing.", StringComparison.Ordinal) || l.EndsWith("Ignoring.", StringComparison.Ordinal) || l.EndsWith("is dropped.", StringComparison.Ordinal)))
                || l.StartsWith("Accepting user/group name", StringComparison.Ordinal))
            .ToList();
}
