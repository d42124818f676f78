using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>The whole of <c>systemctl --user show</c> (every property line) for units of several types and states
/// and for the manager itself, on real systemd 252 and on unitsd: equal, apart from the properties listed in
/// <see cref="s_differByNature"/> and <see cref="s_knownGaps"/>.</summary>
public sealed class ShowDifferentialTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["simple.service"] = "[Unit]\nDescription=Simple with settings\nDocumentation=man:sleep(1)\n[Service]\nExecStartPre=-/bin/true pre\n"
            + "ExecStart=/bin/sleep infinity\nExecReload=/bin/kill -HUP $MAINPID\nExecStop=/bin/true stop\nExecStopPost=/bin/true stoppost\n"
            + "Environment=A=1 B=2\nWorkingDirectory=/tmp\nUMask=0077\nNice=5\nLimitNOFILE=1024\nLimitCORE=infinity\nTimeoutStartSec=20\nTimeoutStopSec=30\n"
            + "Restart=on-failure\nRestartSec=2\nKillMode=mixed\nKillSignal=SIGINT\nSyslogIdentifier=simp\nNoNewPrivileges=yes\nMemoryMax=100M\nTasksMax=50\n"
            + "[Install]\nWantedBy=default.target\n",
        ["once.service"] = "[Unit]\nDescription=Oneshot\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
        ["fork.service"] = "[Unit]\nDescription=Forking\n[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep infinity & exit 0'\n",
        ["note.service"] = "[Unit]\nDescription=Notifies\n[Service]\nType=notify\nNotifyAccess=all\nExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep infinity'\n",
        ["bad.service"] = "[Unit]\nDescription=Fails\n[Service]\nType=oneshot\nExecStart=/bin/false\n",
        ["idle.service"] = "[Unit]\nDescription=Never started\n[Service]\nExecStart=/bin/sleep 1\nStandardOutput=append:/tmp/idle.log\nStandardError=journal\nCPUAccounting=no\n",
        ["tmpl@.service"] = "[Unit]\nDescription=Template %i\n[Service]\nExecStart=/bin/sleep infinity\nEnvironment=INST=%i\n",
        ["bus.service"] = "[Unit]\nDescription=On the bus\n[Service]\nType=dbus\nBusName=org.units.Test\nExecStart=/bin/sleep infinity\n",
        ["dyn.service"] = "[Unit]\nDescription=Dynamic user\n[Service]\nDynamicUser=yes\nProtectHome=tmpfs\nStateDirectory=dyn\nExecStart=/bin/sleep infinity\n",
        ["9lives.service"] = "[Unit]\nDescription=Dynamic user, hashed name\n[Service]\nDynamicUser=yes\nExecStart=/bin/sleep infinity\n",
        ["sandbox.service"] = "[Unit]\nDescription=Seccomp sandbox\n[Service]\nExecStart=/bin/sleep infinity\nSystemCallFilter=@system-service\n"
            + "SystemCallFilter=~@privileged @resources\nSystemCallFilter=~uname:EIO\nSystemCallErrorNumber=EPERM\nSystemCallArchitectures=native\n"
            + "RestrictAddressFamilies=AF_UNIX AF_LOCAL AF_NETLINK AF_INET6\nRestrictAddressFamilies=~AF_INET6\nMemoryDenyWriteExecute=yes\n"
            + "LockPersonality=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\n",
        ["denylist.service"] = "[Unit]\nDescription=Seccomp deny list\n[Service]\nExecStart=/bin/sleep infinity\nSystemCallFilter=~write:EIO read:kill @clock:EWOULDBLOCK\n"
            + "SystemCallFilter=read\nSystemCallErrorNumber=EAGAIN\nSystemCallArchitectures=native x86-64\nRestrictAddressFamilies=none\n",
        ["hardened.service"] = "[Unit]\nDescription=Namespaces and flags\n[Service]\nExecStart=/bin/sleep infinity\nPrivateDevices=yes\nPrivateNetwork=yes\n"
            + "ProtectClock=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\nProtectControlGroups=yes\nProtectHostname=yes\n"
            + "PrivateMounts=yes\nTTYReset=yes\nCPUSchedulingResetOnFork=yes\nNonBlocking=yes\nRootDirectoryStartOnly=yes\n"
            + "ReadWritePaths=-/var/lib/x /tmp\nReadWriteDirectories=/srv\nReadOnlyPaths=/usr\nNoExecPaths=/\nExecPaths=/usr/bin /usr/lib\n"
            + "InaccessiblePaths=-/root\nProtectProc=invisible\nProcSubset=pid\n",
        ["grp.target"] = "[Unit]\nDescription=Group\nWants=once.service\nAfter=once.service\n",
        ["work.slice"] = "[Unit]\nDescription=Work slice\n[Slice]\nMemoryMax=1G\nCPUWeight=50\n",
        ["echo.socket"] = "[Unit]\nDescription=Echo socket\n[Socket]\nListenStream=127.0.0.1:7777\nListenStream=/tmp/echo.sock\nAccept=yes\nMaxConnections=10\n",
        ["echo@.service"] = "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n",
        ["listen.socket"] = "[Unit]\nDescription=Listening\n[Socket]\nListenStream=%t/listen.sock\nListenDatagram=@listen-%t\nSocketMode=0600\nBacklog=16\nFileDescriptorName=ears\n",
        ["listen.service"] = "[Service]\nExecStart=/bin/sleep infinity\n",
        ["tick.timer"] = "[Unit]\nDescription=Tick\n[Timer]\nOnCalendar=daily\nOnActiveSec=1h\nUnit=once.service\nPersistent=yes\nAccuracySec=1s\n",
        ["watch.path"] = "[Unit]\nDescription=Watch\n[Path]\nPathExists=/tmp/nonexistent\nDirectoryNotEmpty=/tmp/nonexistent-dir\nUnit=once.service\nMakeDirectory=yes\n",
    };

    /// <summary>Differ by nature between two managers: process ids, invocation ids, cgroup inode numbers, times,
    /// resource accounting figures and the version.</summary>
    private static readonly HashSet<string> s_differByNature = new(StringComparer.Ordinal)
    {
        "MainPID", "ExecMainPID", "ControlPID", "InvocationID", "ControlGroupId", "CPUUsageNSec", "MemoryCurrent", "TasksCurrent",
        "IOReadBytes", "IOReadOperations", "IOWriteBytes", "IOWriteOperations", "Version", "Features",
        "NextElapseUSecMonotonic", "NextElapseUSecRealtime", "LastTriggerUSec", "LastTriggerUSecMonotonic", "WatchdogLastPingTimestamp", "WatchdogLastPingTimestampMonotonic",
    };

    /// <summary>What unitsd does not do yet, so it reports systemd's value of a unit that has not got there:
    /// freezing (CanFreeze), keeping the runs of commands other than the main process (their times, pid and status),
    /// the After=-.mount edges that RequiresMountsFor= adds to other units, the generator and load-phase timestamps and
    /// the virtualization detection of the manager, and for a forking service the run of the forking parent (unitsd
    /// reports the daemon's).</summary>
    private static readonly HashSet<string> s_knownGaps = new(StringComparer.Ordinal)
    {
        "CanFreeze", "ExecStart", "ExecStartEx", "ExecStartPre", "ExecStartPreEx", "ExecStartPost", "ExecStartPostEx", "Virtualization",
        "GeneratorsStartTimestamp", "GeneratorsStartTimestampMonotonic", "GeneratorsFinishTimestamp", "GeneratorsFinishTimestampMonotonic",
        "UnitsLoadStartTimestamp", "UnitsLoadStartTimestampMonotonic", "UnitsLoadFinishTimestamp", "UnitsLoadFinishTimestampMonotonic",
        "UnitsLoadTimestamp", "UnitsLoadTimestampMonotonic",
    };

    /// <summary>Dependency lists are sets: systemd prints them in its hash table's order.</summary>
    private static readonly HashSet<string> s_unordered = new(StringComparer.Ordinal)
    {
        "Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds", "RequiredBy", "RequisiteOf", "WantedBy", "BoundBy",
        "UpheldBy", "ConsistsOf", "Conflicts", "ConflictedBy", "Before", "After", "OnFailure", "OnFailureOf", "OnSuccess",
        "OnSuccessOf", "Triggers", "TriggeredBy", "PropagatesReloadTo", "ReloadPropagatedFrom", "PropagatesStopTo",
        "StopPropagatedFrom", "JoinsNamespaceOf", "SliceOf", "RequiresMountsFor", "Names",
    };

    private static readonly System.Text.RegularExpressions.Regex s_pid = new(@"pid=\d+");

    /// <summary>A monotonic timer's next elapse is a time on each manager's own clock.</summary>
    private static readonly System.Text.RegularExpressions.Regex s_nextElapse = new(@"next_elapse=[^}]*}");

    /// <summary>Units that run are started first (the timer and path units then wait, listen.socket listens);
    /// echo.socket is compared as loaded but not started.</summary>
    public static TheoryData<string> Units => new()
    {
        "simple.service", "once.service", "fork.service", "note.service", "bad.service", "idle.service", "sandbox.service", "denylist.service", "hardened.service", "bus.service", "dyn.service", "9lives.service", "nosuch.service",
        "masked.service", "tmpl@a1.service", "grp.target", "work.slice", "app.slice", "-.slice", "init.scope", "default.target",
        "echo.socket", "listen.socket", "tick.timer", "watch.path", "",
    };

    [Theory]
    [MemberData(nameof(Units))]
    public void Show_reports_the_same_properties_on_both_managers(string unit)
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        string[] start = ["sandbox.service", "simple.service", "once.service", "fork.service", "note.service", "bad.service", "tmpl@a1.service", "grp.target", "work.slice",
            "tick.timer", "watch.path", "listen.socket"];
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            manager.Ctl("mask", "masked.service");
            if (start.Contains(unit))
                manager.Ctl("start", unit);
        }
        string[] args = unit.Length == 0 ? ["show"] : ["show", "--", unit];
        CommandResult expected = systemd.Ctl(args);
        CommandResult actual = unitsd.Ctl(args);
        output.WriteLine($"systemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(expected.Error, actual.Error);
        Assert.Equal(Comparable(expected.Output), Comparable(actual.Output));
    }

    /// <summary>The lines of show's output, less what may differ, with dependency lists in one order.</summary>
    private static string Comparable(string show)
    {
        var lines = new List<string>();
        foreach (string line in show.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=');
            string name = equals < 0 ? line : line[..equals];
            if (s_differByNature.Contains(name) || s_knownGaps.Contains(name) || name.EndsWith("Timestamp", StringComparison.Ordinal)
                || name.EndsWith("TimestampMonotonic", StringComparison.Ordinal))
                continue;
            string value = s_pid.Replace(line[(equals + 1)..], "pid=$$PID");
            if (name == "TimersMonotonic")
                value = s_nextElapse.Replace(value, "next_elapse=$$TIME }");
            if (s_unordered.Contains(name))
            {
                value = string.Join(' ', value.Split(' ').Where(v => !v.EndsWith(".mount", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
                // A list of mount units only (a path unit's After=-.mount) is one systemd has and unitsd has not.
                if (value.Length == 0)
                    continue;
            }
            lines.Add(name + "=" + value);
        }
        return string.Join('\n', lines);
    }
}
