using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Settings.Values;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Tests.Settings;

/// <summary>What the binder puts in the typed model, and what it keeps as raw assignments.</summary>
public sealed class UnitSettingsTests
{
    private static (UnitSettings Settings, DiagnosticBag Diagnostics) Bind(string name, params string[] files)
    {
        var unit = UnitName.Parse(name);
        var settings = new UnitSettings(unit.Type) { UnitId = name };
        var diagnostics = new DiagnosticBag();
        for (var i = 0; i < files.Length; i++)
        {
            var path = i == 0 ? "/test/" + name : $"/test/{name}.d/{i}.conf";
            foreach (var section in UnitFileParser.Parse(path, files[i], diagnostics).Sections)
            {
                if (SettingsBinder.ApplySection(settings, section, path, diagnostics) != 0)
                {
                    break;
                }
            }
        }

        return (settings, diagnostics);
    }

    [Fact]
    public void Exec_lines_become_commands_with_prefixes_and_argv()
    {
        var (s, d) = Bind("a.service", """
            [Service]
            ExecStart=-@/usr/bin/foo foo-argv0 "a b" 'c' d\x41 $VAR ${OTHER}
            ExecStartPre=+/bin/a ; !/bin/b \; ; !!/bin/c ; :/bin/d x
            ExecStop=/bin/x%%y
            """);
        Assert.Empty(d.Items);
        var start = Assert.Single(s.Service!.ExecStart);
        Assert.Equal("/usr/bin/foo", start.Path);
        Assert.Equal(["foo-argv0", "a b", "c", "dA", "$VAR", "${OTHER}"], start.Arguments);
        Assert.Equal(ExecCommandFlags.IgnoreFailure, start.Flags);
        Assert.True(start.IgnoreFailure);

        var pre = s.Service.ExecStartPre;
        Assert.Equal(4, pre.Count);
        Assert.Equal(ExecCommandFlags.FullyPrivileged, pre[0].Flags);
        Assert.Equal(ExecCommandFlags.NoSetuid, pre[1].Flags);
        Assert.Equal(["/bin/b", ";"], pre[1].Arguments);
        Assert.Equal(ExecCommandFlags.AmbientMagic, pre[2].Flags);
        Assert.Equal(ExecCommandFlags.NoEnvironmentExpansion, pre[3].Flags);
        Assert.Equal(["/bin/d", "x"], pre[3].Arguments);

        // Without a specifier context the text stays as written.
        Assert.Equal("/bin/x%%y", Assert.Single(s.Service.ExecStop).Path);
    }

    [Fact]
    public void An_empty_assignment_resets_lists_where_systemd_does()
    {
        var (s, _) = Bind("b.service", """
            [Unit]
            Requires=x.service
            Requires=
            Documentation=man:a(1)
            ConditionPathExists=/a
            [Service]
            ExecStart=/bin/one
            Environment=A=1 B=2
            SuccessExitStatus=3 TERM
            """, """
            [Unit]
            Documentation=
            ConditionPathExists=
            AssertPathExists=/b
            [Service]
            ExecStart=
            ExecStart=/bin/two
            Environment=A=3
            SuccessExitStatus=
            SuccessExitStatus=4
            """);
        Assert.Equal(["x.service"], s.Dependencies(DependencySetting.Requires));
        Assert.Empty(s.Documentation);
        Assert.Empty(s.Conditions);
        Assert.Equal(new UnitCondition(ConditionType.PathExists, "/b", false, false), Assert.Single(s.Asserts));
        Assert.Equal("/bin/two", Assert.Single(s.Service!.ExecStart).Path);
        Assert.Equal(["A=3", "B=2"], s.Exec!.Environment);
        Assert.Equal([4], s.Service.SuccessExitStatus.Statuses);
        Assert.Empty(s.Service.SuccessExitStatus.SignalNumbers);
    }

    [Fact]
    public void Typed_values_land_in_their_groups()
    {
        var (s, d) = Bind("c.service", """
            [Unit]
            Description=Demo
            After=network.target
            Wants=a.service b.service
            OnFailure=rescue.service
            StartLimitIntervalSec=30
            StartLimitBurst=3
            JobTimeoutSec=5min
            SuccessAction=exit
            SuccessActionExitStatus=7
            CollectMode=inactive-or-failed
            ConditionPathExists=|!/etc/x
            ConditionVirtualization=!container
            [Service]
            Type=notify
            Restart=on-failure
            RestartSec=2.5
            TimeoutSec=0
            WatchdogSec=10s
            PIDFile=/var/run/c.pid
            BusName=org.example.C
            ValidNoProcess=yes
            SysVStartPriority=20
            User=nobody
            WorkingDirectory=-~
            Nice=-5
            UMask=0077
            LimitNOFILE=1024:4096
            StandardOutput=append:/var/log/c.log
            StandardInputText=hello
            KillMode=mixed
            KillSignal=SIGINT
            MemoryMax=50%
            TasksMax=20%
            CPUQuota=150%
            RuntimeDirectory=c c/sub:link
            [Install]
            WantedBy=multi-user.target graphical.target
            Alias=cee.service
            """);
        Assert.Empty(d.Items);
        Assert.Equal("Demo", s.Description);
        Assert.Equal(["network.target"], s.Dependencies(DependencySetting.After));
        Assert.Equal(["a.service", "b.service"], s.Dependencies(DependencySetting.Wants));
        Assert.Equal(["rescue.service"], s.Dependencies(DependencySetting.OnFailure));
        Assert.Equal((30_000_000UL, 3U), (s.StartLimitIntervalUsec, s.StartLimitBurst));
        Assert.Equal((300_000_000UL, 300_000_000UL), (s.JobTimeoutUsec, s.JobRunningTimeoutUsec));
        Assert.Equal((EmergencyAction.Exit, (byte?)7), (s.SuccessAction, s.SuccessActionExitStatus));
        Assert.Equal(CollectMode.InactiveOrFailed, s.CollectMode);
        Assert.Equal(
            [new UnitCondition(ConditionType.PathExists, "/etc/x", true, true), new UnitCondition(ConditionType.Virtualization, "container", false, true)],
            s.Conditions);

        var svc = s.Service!;
        Assert.Equal((ServiceType.Notify, ServiceRestart.OnFailure, 2_500_000UL), (svc.Type, svc.Restart, svc.RestartUsec));
        Assert.Equal((TimeSpans.Infinity, TimeSpans.Infinity), (svc.TimeoutStartUsec, svc.TimeoutStopUsec));
        Assert.Equal(10_000_000UL, svc.WatchdogUsec);
        Assert.Equal("/run/c.pid", svc.PIDFile);
        Assert.Equal("org.example.C", svc.BusName);
        Assert.True(svc.RemainAfterExit);
        Assert.Equal(20, svc.SysVStartPriority);

        var exec = s.Exec!;
        Assert.Equal("nobody", exec.User);
        Assert.True(exec.WorkingDirectoryHome && exec.WorkingDirectoryMissingOk);
        Assert.Equal((-5, 0x3FU), (exec.Nice, exec.UMask));
        Assert.Equal(new ResourceLimit(1024, 4096), exec.Limits["NOFILE"]);
        Assert.Equal(new StandardStream<ExecOutput>(ExecOutput.Append, "/var/log/c.log"), exec.StandardOutput);
        Assert.Equal("hello\n"u8.ToArray(), exec.StandardInputData);
        Assert.Equal(["c", "c/sub:link"], exec.Directories(ExecDirectoryType.Runtime));

        Assert.Equal((KillMode.Mixed, Signals.SIGINT), (s.Kill!.KillMode, s.Kill.KillSignal));
        Assert.Equal(new MemoryLimit(0, 5000), s.ResourceControl!.MemoryMax);
        Assert.Equal(new TasksMax(2000, 10000), s.ResourceControl.TasksMax);
        Assert.Equal(1_500_000UL, s.ResourceControl.CPUQuotaPerSecUsec);

        Assert.Equal(["multi-user.target", "graphical.target"], s.WantedBy);
        Assert.Equal(["cee.service"], s.Alias);
    }

    [Fact]
    public void Syslog_and_log_settings_are_kept_and_bad_values_reported_as_systemd_does()
    {
        var (s, d) = Bind("l.service", """
            [Service]
            ExecStart=/bin/true
            SyslogFacility=local3
            SyslogLevel=notice
            SyslogLevelPrefix=no
            LogLevelMax=4
            LogRateLimitIntervalSec=2s
            LogRateLimitBurst=7
            LogExtraFields=COLOUR=blue "SHAPE=round box" lower=x NOEQUALS
            SyslogFacility=ntp
            LogLevelMax=loud
            """);
        var exec = s.Exec!;
        Assert.Equal((19, 5, false, 4), (exec.SyslogFacility, exec.SyslogLevel, exec.SyslogLevelPrefix, exec.LogLevelMax));
        Assert.Equal((2_000_000UL, 7U), (exec.LogRateLimitIntervalUsec, exec.LogRateLimitBurst));
        Assert.Equal(["COLOUR=blue", "SHAPE=round box"], exec.LogExtraFields);
        Assert.Equal(
            [
                "Log field name is invalid, ignoring: lower=x",
                "Log field lacks '=' character, ignoring: NOEQUALS",
                "Failed to parse log facility, ignoring: ntp",
                "Failed to parse log level, ignoring: loud",
            ],
            d.Items.Select(i => i.Message));
        Assert.True(SettingsBinder.IsSupportedOption("Service", "LogExtraFields"));
    }

    [Fact]
    public void Every_accepted_assignment_is_kept_in_order_and_unsupported_ones_are_reported()
    {
        var (s, d) = Bind("d.service", """
            [Service]
            ExecStart=/bin/true
            Nice=99
            PrivateUsers=yes
            SystemCallFilter=@system-service
            SystemCallLog=@basic-io
            X-Custom=kept-out
            """);
        Assert.Single(d.Items); // Nice=99
        Assert.Equal(["ExecStart", "PrivateUsers", "SystemCallFilter", "SystemCallLog"], s.Assignments.Select(a => a.Key));
        Assert.Equal(["PrivateUsers", "SystemCallLog"], s.UnsupportedAssignments.Select(a => a.Key));
        var first = s.Assignments[0];
        Assert.Equal(("Service", "/bin/true", "/test/d.service", 2, true), (first.Section, first.Value, first.Path, first.Line, first.IsSupported));
        Assert.Equal("yes", s.LastValue("Service", "PrivateUsers"));
        Assert.False(SettingsBinder.IsSupportedOption("Service", "PrivateUsers"));
        Assert.Equal(
            "/test/d.service:4: PrivateUsers= in section [Service] is not supported by Units yet; the setting is kept but has no effect.",
            s.UnsupportedAssignments.First().ToNotSupportedDiagnostic().ToString());
        Assert.True(SettingsBinder.IsSupportedOption("Service", "ExecStart"));
    }

    [Fact]
    public void A_fatal_setting_stops_the_file_at_its_line()
    {
        var diagnostics = new DiagnosticBag();
        var settings = new UnitSettings(UnitType.Service);
        var file = UnitFileParser.Parse("/test/e.service", "[Service]\nExecStart=/bin/true\nUser=bad:name\nNice=5\n", diagnostics);
        Assert.Equal(3, SettingsBinder.ApplySection(settings, file.Sections[0], file.Path, diagnostics));
        Assert.Null(settings.Exec!.Nice);
        Assert.True(diagnostics.HasErrors);
        Assert.Equal("/test/e.service:3: Invalid user/group name or numeric ID: bad:name", diagnostics.Items.Single().ToString());
    }

    [Theory]
    [InlineData("[Service]\nExecStart=/bin/a\n", true, ServiceType.Simple)]
    [InlineData("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n", true, ServiceType.Oneshot)]
    [InlineData("[Service]\nRemainAfterExit=yes\nExecStop=/bin/a\n", true, ServiceType.Oneshot)]
    [InlineData("[Service]\nBusName=org.example.X\nExecStart=/bin/a\n", true, ServiceType.Dbus)]
    [InlineData("[Service]\nType=simple\n", false, ServiceType.Simple)]
    [InlineData("[Service]\nExecStop=/bin/a\n", false, ServiceType.Oneshot)]
    public void The_validator_derives_the_service_type_and_refuses_what_systemd_refuses(string text, bool valid, ServiceType type)
    {
        var (s, d) = Bind("f.service", text);
        Assert.Equal(valid, UnitSettingsValidator.Validate(s, d));
        Assert.Equal(type, s.Service!.Type);
        Assert.Equal(!valid, d.HasErrors);
    }

    [Fact]
    public void Oneshot_services_without_a_start_timeout_have_none_and_notify_services_get_main_access()
    {
        var (oneshot, d1) = Bind("g.service", "[Service]\nType=oneshot\nExecStart=/bin/a\n");
        Assert.True(UnitSettingsValidator.Validate(oneshot, d1));
        Assert.Equal(TimeSpans.Infinity, oneshot.Service!.TimeoutStartUsec);

        var (notify, d2) = Bind("h.service", "[Service]\nType=notify\nExecStart=/bin/a\n");
        Assert.True(UnitSettingsValidator.Validate(notify, d2));
        Assert.Equal(NotifyAccess.Main, notify.Service!.NotifyAccess);
        Assert.Null(notify.Service.TimeoutStartUsec);
    }

    [Fact]
    public void Timers_paths_and_sockets_get_their_typed_sections()
    {
        var (timer, _) = Bind("t.timer", "[Timer]\nOnCalendar=daily\nOnBootSec=15min\nUnit=x.service\nPersistent=yes\n");
        Assert.Equal(2, timer.Timer!.Timers.Count);
        Assert.Equal("*-*-* 00:00:00", timer.Timer.Timers[0].Calendar!.ToString());
        Assert.Equal(new TimerValue(TimerBase.Boot, 900_000_000, null), timer.Timer.Timers[1]);
        Assert.Equal(("x.service", true), (timer.Timer.Unit, timer.Timer.Persistent));

        var (path, _) = Bind("p.path", "[Path]\nPathChanged=/etc/x\nDirectoryNotEmpty=/var/spool/y\n");
        Assert.Equal([new PathSpec(PathType.Changed, "/etc/x"), new PathSpec(PathType.DirectoryNotEmpty, "/var/spool/y")], path.Path!.Specs);

        var (socket, _) = Bind("s.socket", "[Socket]\nListenStream=/run/s.sock\nListenStream=127.0.0.1:80\nAccept=yes\nSocketMode=0600\n");
        Assert.Equal([new SocketListen(SocketListenType.Stream, "/run/s.sock"), new SocketListen(SocketListenType.Stream, "127.0.0.1:80")], socket.Socket!.Listen);
        Assert.Equal((true, 0x180U), (socket.Socket.Accept, socket.Socket.SocketMode));
    }

    [Fact]
    public void The_public_exec_line_parser_reports_a_relative_path_as_fatal()
    {
        var diagnostics = new DiagnosticBag();
        var commands = new List<ExecCommand>();
        Assert.False(ExecCommandLine.Parse("foo/bar --x", "ExecStart", "/test/x.service", 7, diagnostics, commands));
        Assert.Equal("/test/x.service:7: Neither a valid executable name nor an absolute path: foo/bar", diagnostics.Items.Single().ToString());
        Assert.True(ExecCommandLine.Parse("true --x", "ExecStart", "/test/x.service", 8, diagnostics, commands));
        Assert.Equal("true", commands[0].Path);
        Assert.Equal(["true", "--x"], commands[0].Arguments);
    }

    [Fact]
    public void Capability_sets_replace_an_unset_or_empty_value_and_merge_into_an_earlier_list()
    {
        const ulong chown = 1UL << 0, setgid = 1UL << 6, setuid = 1UL << 7, sysResource = 1UL << 24;
        var (unset, _) = Bind("u.service", "[Service]\nExecStart=/bin/true\n");
        Assert.Equal((Capabilities.All, 0UL), (unset.Exec!.CapabilityBoundingSet, unset.Exec.AmbientCapabilities));

        // memcached.service's line: names, one of them lower case in any spelling systemd accepts.
        var (memcached, _) = Bind("m.service", "[Service]\nCapabilityBoundingSet=CAP_SETGID cap_setuid CAP_SYS_RESOURCE bogus\n");
        Assert.Equal(setgid | setuid | sysResource, memcached.Exec!.CapabilityBoundingSet);

        // redis-server.service's empty assignment: no capability at all.
        var (none, _) = Bind("r.service", "[Service]\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=\n");
        Assert.Equal(0UL, none.Exec!.CapabilityBoundingSet);

        var (merged, _) = Bind("g.service", "[Service]\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_SETUID 7\nCapabilityBoundingSet=~CAP_CHOWN\n"
            + "AmbientCapabilities=~CAP_SETUID\n");
        Assert.Equal(setuid, merged.Exec!.CapabilityBoundingSet);
        Assert.Equal(~setuid, merged.Exec.AmbientCapabilities);

        var (inverted, _) = Bind("i.service", "[Service]\nCapabilityBoundingSet=~CAP_CHOWN\n");
        Assert.Equal(~chown, inverted.Exec!.CapabilityBoundingSet);
    }

    [Fact]
    public void RestrictNamespaces_takes_a_boolean_or_a_list_that_later_lists_extend_or_invert()
    {
        const ulong net = 0x40000000, ipc = 0x08000000, mnt = 0x00020000;
        Assert.Null(Bind("a.service", "[Service]\nRestrictNamespaces=yes\nRestrictNamespaces=\n").Settings.Exec!.RestrictNamespaces);
        Assert.Equal(0UL, Bind("b.service", "[Service]\nRestrictNamespaces=true\n").Settings.Exec!.RestrictNamespaces);
        Assert.Equal(NamespaceFlags.All, Bind("c.service", "[Service]\nRestrictNamespaces=no\nRestrictNamespaces=net\n").Settings.Exec!.RestrictNamespaces);
        Assert.Equal(net | ipc, Bind("d.service", "[Service]\nRestrictNamespaces=net\nRestrictNamespaces=ipc\n").Settings.Exec!.RestrictNamespaces);
        Assert.Equal(NamespaceFlags.All & ~(net | mnt), Bind("e.service", "[Service]\nRestrictNamespaces=~net mnt\n").Settings.Exec!.RestrictNamespaces);
        var (bad, diagnostics) = Bind("f.service", "[Service]\nRestrictNamespaces=net\nRestrictNamespaces=net bogus\n");
        Assert.Equal(net, bad.Exec!.RestrictNamespaces);
        Assert.Contains(diagnostics.Items, d => d.Message.Contains("Failed to parse namespace type string, ignoring: net bogus", StringComparison.Ordinal));
    }
}
