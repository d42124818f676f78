using Units.Client.Connection;

namespace Units.Client.Tests;

public sealed class OperationTests
{
    private static T Run<T>(Task<T> task) => task.GetAwaiter().GetResult();

    [Fact]
    public void Enabling_calls_EnableUnitFiles_then_Reload_and_reports_the_changes()
    {
        var manager = new FakeManager();
        var changes = Run(manager.Client().ChangeUnitFilesAsync(UnitFileOperation.Enable, ["x", "y.socket"], runtime: false, force: true, CancellationToken.None));
        Assert.Equal(["EnableUnitFiles([x.service,y.socket],False,True)", "Reload()"], manager.Calls);
        Assert.Equal(UnitFileChangeType.Symlink, changes[0].Type);
        Assert.Equal("/etc/systemd/system/multi-user.target.wants/x.service", changes[0].Path);
    }

    [Theory]
    [InlineData(UnitFileOperation.Disable, "DisableUnitFiles([x.service],True)")]
    [InlineData(UnitFileOperation.Mask, "MaskUnitFiles([x.service],True,False)")]
    [InlineData(UnitFileOperation.Unmask, "UnmaskUnitFiles([x.service],True)")]
    public void The_other_unit_file_operations_call_their_method_then_Reload(UnitFileOperation operation, string call)
    {
        var manager = new FakeManager();
        Run(manager.Client().ChangeUnitFilesAsync(operation, ["x"], runtime: true, force: false, CancellationToken.None));
        Assert.Equal([call, "Reload()"], manager.Calls);
    }

    [Fact]
    public void Unit_files_are_filtered_by_wildcard_and_state_and_sorted()
    {
        var manager = new FakeManager();
        manager.UnitFiles.AddRange([new("/lib/systemd/system/b.service", "enabled"), new("/lib/systemd/system/a.service", "disabled"), new("/lib/systemd/system/a.socket", "static")]);
        var files = Run(manager.Client().ListUnitFilesAsync(["a*"], null, CancellationToken.None));
        Assert.Equal(["a.service", "a.socket"], files.Select(file => file.Name));
        Assert.Equal(UnitFileState.Static, files[1].State);
        var enabled = Run(manager.Client().ListUnitFilesAsync(null, ["enabled"], CancellationToken.None));
        Assert.Equal("b.service", Assert.Single(enabled).Name);
    }

    [Fact]
    public void Kill_and_reset_failed_send_systemctls_arguments()
    {
        var manager = new FakeManager().AddUnit("x.service");
        var client = manager.Client();
        var unit = Run(client.FindUnitAsync("x.service", CancellationToken.None))!;
        manager.Calls.Clear();
        client.KillAsync(unit, KillWhom.Main, 1, CancellationToken.None).GetAwaiter().GetResult();
        client.ResetFailedAsync(unit, CancellationToken.None).GetAwaiter().GetResult();
        client.ResetFailedAsync(null, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(["KillUnit(x.service,main,1)", "ResetFailedUnit(x.service)", "ResetFailed()"], manager.Calls);
    }

    [Fact]
    public void Clean_holds_a_reference_while_the_unit_is_cleaning_and_asks_for_the_resources_by_name()
    {
        var manager = new FakeManager().AddUnit("x.service", active: "inactive", sub: "dead", configure: bag => bag["CleanResult"] = "success");
        manager.OnClean = name => manager.SetActiveState(name, "maintenance", "cleaning");
        var client = manager.Client();
        var unit = Run(client.FindUnitAsync("x.service", CancellationToken.None))!;
        manager.Calls.Clear();

        var cleaning = client.CleanAsync(unit, UnitResources.Cache | UnitResources.Runtime, CancellationToken.None);
        Assert.False(cleaning.IsCompleted); // the unit is in maintenance until its control process is done
        manager.SetActiveState("x.service", "inactive", "dead");
        cleaning.GetAwaiter().GetResult();
        Assert.Equal(["RefUnit(x.service)", "CleanUnit(x.service,runtime+cache)", "UnrefUnit(x.service)"],
            manager.Calls.Where(static call => call.Contains("efUnit(", StringComparison.Ordinal) || call.StartsWith("Clean", StringComparison.Ordinal)));

        // A unit that cleans at once (a timer's stamp file) does not enter maintenance.
        manager.OnClean = null;
        manager.Calls.Clear();
        client.CleanAsync(unit, UnitResources.All, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Contains("CleanUnit(x.service,all)", manager.Calls);
    }

    [Fact]
    public void Clean_fails_with_the_units_CleanResult_or_the_managers_refusal_and_still_drops_its_reference()
    {
        var manager = new FakeManager().AddUnit("x.service", active: "inactive", sub: "dead", configure: bag => bag["CleanResult"] = "exit-code");
        var client = manager.Client();
        var unit = Run(client.FindUnitAsync("x.service", CancellationToken.None))!;
        var failed = Assert.Throws<UnitOperationException>(() => client.CleanAsync(unit, UnitResources.State, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(("CleanFailed", UnitErrorCategory.InvalidResult), (failed.Error.ErrorId, failed.Error.Category));
        Assert.Contains("(result: exit-code)", failed.Message, StringComparison.Ordinal);
        Assert.Equal("UnrefUnit(x.service)", manager.Calls.Last());

        // systemd cannot hold a reference for a client on its private socket: cleaning goes on without one.
        manager.Calls.Clear();
        manager.Failures["RefUnit(x.service)"] = new ManagerCallException(DBusErrorNames.InvalidArgs, "Invalid argument");
        Assert.Throws<UnitOperationException>(() => client.CleanAsync(unit, UnitResources.State, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Contains("CleanUnit(x.service,state)", manager.Calls);
        Assert.DoesNotContain("UnrefUnit(x.service)", manager.Calls);
        manager.Failures.Remove("RefUnit(x.service)");

        manager.Calls.Clear();
        manager.Failures["CleanUnit(x.service,logs)"] = new ManagerCallException(DBusErrorNames.NothingToClean, "No matching resources found.");
        var refused = Assert.Throws<ManagerCallException>(() => client.CleanAsync(unit, UnitResources.Logs, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(("NothingToClean", "No matching resources found."), (UnitError.FromCall(refused, "x.service").ErrorId, refused.Message));
        Assert.Equal("UnrefUnit(x.service)", manager.Calls.Last());
    }

    [Fact]
    public void Jobs_are_listed_in_id_order_and_cancelled_by_id()
    {
        var manager = new FakeManager()
            .AddUnit("b.service", configure: bag => bag["Job"] = new object[] { 9u, "/org/freedesktop/systemd1/job/9" })
            .AddUnit("a.service", configure: bag => bag["Job"] = new object[] { 5u, "/org/freedesktop/systemd1/job/5" });
        var client = manager.Client();
        var jobs = Run(client.ListJobsAsync(CancellationToken.None));
        Assert.Equal([5u, 9u], jobs.Select(job => job.Id));
        Assert.Equal((JobType.Start, JobState.Waiting, "a.service"), (jobs[0].JobType, jobs[0].State, jobs[0].Unit));
        client.CancelJobAsync(jobs[0], CancellationToken.None).GetAwaiter().GetResult();
        Assert.Contains("CancelJob(5)", manager.Calls);
    }

    [Theory]
    [InlineData("TERM", 15)]
    [InlineData("sighup", 1)]
    [InlineData("9", 9)]
    [InlineData("RTMIN+2", 36)]
    [InlineData("RTMAX", 64)]
    public void Signals_parse_by_name_or_number(string text, int expected)
    {
        Assert.True(SignalNames.TryParse(text, out var signal));
        Assert.Equal(expected, signal);
    }

    [Theory]
    [InlineData("NOPE")]
    [InlineData("0")]
    [InlineData("65")]
    public void Bad_signals_are_refused(string text) => Assert.False(SignalNames.TryParse(text, out _));
}

public sealed class PropertyAssignmentTests
{
    [Theory]
    [InlineData("MemoryMax", "512M", "MemoryMax", "t", 536870912UL)]
    [InlineData("MemoryHigh", "infinity", "MemoryHigh", "t", ulong.MaxValue)]
    [InlineData("MemoryLow", "1.5K", "MemoryLow", "t", 1536UL)]
    [InlineData("CPUWeight", "200", "CPUWeight", "t", 200UL)]
    [InlineData("CPUQuota", "20%", "CPUQuotaPerSecUSec", "t", 200000UL)]
    [InlineData("TasksMax", "100", "TasksMax", "t", 100UL)]
    public void Sizes_numbers_and_quotas_become_typed_properties(string name, string value, string property, string signature, ulong expected)
    {
        var typed = PropertyAssignments.Convert(name, value);
        Assert.Equal((property, signature, (object)expected), (typed.Name, typed.Signature, typed.Value));
    }

    [Fact]
    public void Percentages_of_limits_become_scale_properties()
    {
        var typed = PropertyAssignments.Convert("MemoryMax", "50%");
        Assert.Equal(("MemoryMaxScale", "u"), (typed.Name, typed.Signature));
        Assert.Equal(uint.MaxValue / 2 + 1, (uint)typed.Value);
    }

    [Fact]
    public void Booleans_and_text_keep_their_types()
    {
        Assert.Equal(true, PropertyAssignments.Convert("CPUAccounting", "yes").Value);
        Assert.Equal(false, PropertyAssignments.Convert("MemoryAccounting", false).Value);
        Assert.Equal(("s", "New text"), (PropertyAssignments.Convert("Description", "New text").Signature, PropertyAssignments.Convert("Description", "New text").Value));
    }

    [Theory]
    [InlineData("NoSuchSetting", "1")]
    [InlineData("MemoryMax", "lots")]
    [InlineData("CPUQuota", "fast")]
    [InlineData("CPUAccounting", "maybe")]
    public void Bad_settings_are_InvalidArgument_errors_naming_the_setting(string name, string value)
    {
        var exception = Assert.Throws<UnitOperationException>(() => PropertyAssignments.Convert(name, value));
        Assert.Equal(("InvalidUnitProperty", UnitErrorCategory.InvalidArgument, (object)name), (exception.Error.ErrorId, exception.Error.Category, exception.Error.Target));
    }

    [Fact]
    public void Setting_properties_calls_SetUnitProperties_with_the_runtime_flag()
    {
        var manager = new FakeManager().AddUnit("x.service");
        var client = manager.Client();
        var unit = client.FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        client.SetPropertiesAsync(unit, [PropertyAssignments.Convert("MemoryMax", "1G")], runtime: true, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Contains("SetUnitProperties(x.service,True,[MemoryMax:t=1073741824])", manager.Calls);
    }
}

public sealed class JournalTests
{
    [Fact]
    public void Queries_become_journalctl_arguments()
    {
        var query = new LogQuery
        {
            Units = ["x"], Since = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), Priority = LogPriority.Warning,
            Boot = -1, Last = 20, Directory = "/var/log/units",
        };
        Assert.Equal(
            ["journalctl", "--output=json", "--no-pager", "--quiet", "--unit=x.service", "--since=2026-01-02 03:04:05 UTC", "--priority=4", "--boot=-1", "--lines=20", "--directory=/var/log/units"],
            ManagerClient.JournalCommand(query, ManagerScope.System, follow: false));
        Assert.Equal(["journalctl", "--output=json", "--no-pager", "--quiet", "--user-unit=x.service", "--follow"],
            ManagerClient.JournalCommand(new LogQuery { Units = ["x"] }, ManagerScope.User, follow: true));
    }

    [Fact]
    public void A_json_line_becomes_an_entry_with_every_field()
    {
        const string line = """{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1700000000123456","PRIORITY":"3","_PID":"42","SYSLOG_IDENTIFIER":"x","MESSAGE":"boom","_SYSTEMD_UNIT":"x.service","_HOSTNAME":"web1","_BOOT_ID":"b1","BIN":[104,105]}""";
        var entry = ManagerClient.ParseJournalLine(line, "localhost")!;
        Assert.Equal(DateTime.UnixEpoch.AddTicks(17000000001234560), entry.Time.ToUniversalTime());
        Assert.Equal((LogPriority.Error, 42u, "x", "boom", "x.service", "web1", "b1", "s=1"),
            (entry.Priority, entry.ProcessId!.Value, entry.Identifier, entry.Message, entry.Unit, entry.ComputerName, entry.BootId, entry.Cursor));
        Assert.Equal("hi", entry.Fields["BIN"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void Malformed_lines_are_skipped(string line) => Assert.Null(ManagerClient.ParseJournalLine(line, "localhost"));

    [Fact]
    public void Reading_runs_journalctl_on_the_host_and_filters_by_regex()
    {
        var manager = new FakeManager();
        manager.Shell.Result = new ShellResult(0, """
            {"MESSAGE":"Started x","PRIORITY":"6","__REALTIME_TIMESTAMP":"1"}
            {"MESSAGE":"Stopped x","PRIORITY":"6","__REALTIME_TIMESTAMP":"2"}
            """, "");
        var entries = manager.Client().ReadLogAsync(new LogQuery { Units = ["x"], Match = "^Start" }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("Started x", Assert.Single(entries).Message);
        Assert.Equal("journalctl", manager.Shell.Commands.Single()[0]);
    }

    [Fact]
    public void Against_a_journal_api_the_pages_are_read_until_the_last_N_entries_are_in()
    {
        var manager = new FakeManager();
        static Dictionary<string, string> Entry(string message) => new() { ["MESSAGE"] = message, ["__REALTIME_TIMESTAMP"] = "1", ["_SYSTEMD_UNIT"] = "x.service" };
        manager.JournalPages = new([new([Entry("one"), Entry("two")], "cursor-two", More: true), new([Entry("three")], "cursor-three", More: true)]);
        var entries = manager.Client().ReadLogAsync(new LogQuery { Units = ["x"], Last = 3, Match = "^t", Priority = LogPriority.Warning, Boot = -1 }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(["one", "two", "three"], entries.Select(entry => entry.Message));
        Assert.Equal("x.service", entries[0].Unit);
        Assert.Empty(manager.Shell.Commands);
        var first = manager.JournalRequests[0];
        Assert.Equal(["x.service"], first.Units);
        Assert.Equal((3, "^t", true, 4, -1, (string?)null), (first.Lines, first.Grep, first.CaseSensitive, first.Priority, first.BootOffset, first.AfterCursor));
        var second = manager.JournalRequests[1];
        Assert.Equal(((int?)null, "cursor-two", 1), (second.Lines, second.AfterCursor, second.Limit));
    }

    [Fact]
    public void A_manager_without_a_journal_api_is_read_with_journalctl_and_not_asked_again()
    {
        var manager = new FakeManager();
        manager.Shell.Result = new ShellResult(0, """{"MESSAGE":"Started x","__REALTIME_TIMESTAMP":"1"}""", "");
        var client = manager.Client();
        Assert.Equal("Started x", Assert.Single(client.ReadLogAsync(new LogQuery(), CancellationToken.None).GetAwaiter().GetResult()).Message);
        client.ReadLogAsync(new LogQuery(), CancellationToken.None).GetAwaiter().GetResult();
        Assert.Single(manager.JournalRequests);
        Assert.Equal(2, manager.Shell.Commands.Count);
    }

    [Fact]
    public void A_failing_journalctl_is_a_read_error()
    {
        var manager = new FakeManager();
        manager.Shell.Result = new ShellResult(1, "", "Failed to open journal: permission denied");
        var exception = Assert.Throws<UnitOperationException>(() => manager.Client().ReadLogAsync(new LogQuery(), CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(("JournalReadFailed", UnitErrorCategory.ReadError), (exception.Error.ErrorId, exception.Error.Category));
    }

    [Fact]
    public async Task Following_yields_entries_as_lines_arrive()
    {
        var manager = new FakeManager();
        manager.Shell.Lines.AddRange(["""{"MESSAGE":"one"}""", "garbage", """{"MESSAGE":"two"}"""]);
        var messages = new List<string>();
        await foreach (var entry in manager.Client().FollowLogAsync(new LogQuery(), CancellationToken.None))
        {
            messages.Add(entry.Message);
        }
        Assert.Equal(["one", "two"], messages);
        Assert.Contains("--follow", manager.Shell.Commands.Single());
    }
}

public sealed class UnitFileTests
{
    [Fact]
    public void A_spec_renders_as_a_unit_file()
    {
        var text = ManagerClient.RenderUnitFile(new UnitFileSpec
        {
            Name = "web", Description = "Web server", After = ["network.target"], ServiceType = "notify",
            ExecStart = ["/usr/bin/web --port 80"], Restart = "on-failure", User = "www",
            Environment = new Dictionary<string, string> { ["B"] = "two words", ["A"] = "1" }, WantedBy = ["multi-user.target"],
        });
        Assert.Equal("""
            [Unit]
            Description=Web server
            After=network.target

            [Service]
            Type=notify
            ExecStart=/usr/bin/web --port 80
            Restart=on-failure
            User=www
            Environment=A=1
            Environment="B=two words"

            [Install]
            WantedBy=multi-user.target

            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void Line_breaks_in_values_and_services_without_commands_are_refused()
    {
        var broken = Assert.Throws<UnitOperationException>(() => ManagerClient.RenderUnitFile(new UnitFileSpec { Name = "x", Description = "a\nb", ExecStart = ["/bin/true"] }));
        Assert.Equal(("InvalidUnitSetting", UnitErrorCategory.InvalidArgument), (broken.Error.ErrorId, broken.Error.Category));
        var empty = Assert.Throws<UnitOperationException>(() => ManagerClient.RenderUnitFile(new UnitFileSpec { Name = "x" }));
        Assert.Equal("ExecStartMissing", empty.Error.ErrorId);
        Assert.DoesNotContain("[Service]", ManagerClient.RenderUnitFile(new UnitFileSpec { Name = "web.target", Description = "t" }), StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_a_file_refuses_to_clobber_without_force_then_reloads()
    {
        var manager = new FakeManager();
        var file = manager.Client().WriteUnitFileAsync(new UnitFileSpec { Name = "web", ExecStart = ["/bin/true"] }, "/etc/systemd/system", force: false, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(("web.service", "/etc/systemd/system/web.service", UnitFileState.Disabled), (file.Name, file.Path, file.State));
        var command = manager.Shell.Commands.Single();
        Assert.Equal(["sh", "-c"], command.Take(2));
        Assert.StartsWith("set -C;", command[2], StringComparison.Ordinal);
        Assert.Equal("/etc/systemd/system/web.service", command[^1]);
        Assert.Contains("ExecStart=/bin/true", manager.Shell.Inputs.Single(), StringComparison.Ordinal);
        Assert.Equal(["Reload()", "GetUnitFileState(web.service)"], manager.Calls);

        manager.Shell.Result = new ShellResult(2, "", "sh: 1: cannot create /etc/systemd/system/web.service: File exists");
        var exists = Assert.Throws<UnitOperationException>(() => manager.Client().WriteUnitFileAsync(new UnitFileSpec { Name = "web", ExecStart = ["/bin/true"] }, "/etc/systemd/system", force: false, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(("UnitFileExists", UnitErrorCategory.ResourceExists), (exists.Error.ErrorId, exists.Error.Category));
    }

    [Fact]
    public void User_unit_files_go_to_the_users_configuration_directory()
    {
        Assert.Equal("/etc/systemd/system", new FakeManager().Client().DefaultUnitDirectory(_ => null));
        Assert.Equal("/home/u/.config/systemd/user", new FakeManager().Client(ManagerScope.User).DefaultUnitDirectory(name => name == "HOME" ? "/home/u" : null));
        Assert.Equal("/xdg/systemd/user", new FakeManager().Client(ManagerScope.User).DefaultUnitDirectory(name => name == "XDG_CONFIG_HOME" ? "/xdg" : null));
    }

    [Fact]
    public void Verify_reports_each_diagnostic_with_path_and_line()
    {
        var manager = new FakeManager();
        manager.Shell.Result = new ShellResult(1, "", "/etc/systemd/system/x.service:3: Unknown key name 'Foo' in section 'Service', ignoring.\nx.service: Command /nope is not executable: No such file or directory\n");
        var verifier = new ManagerSession(manager).VerifierFor(new ManagerTarget(ManagerScope.User));
        var (isValid, diagnostics) = verifier.VerifyAsync("/etc/systemd/system/x.service", CancellationToken.None).GetAwaiter().GetResult();
        Assert.False(isValid);
        Assert.Equal(["systemd-analyze", "verify", "--user", "/etc/systemd/system/x.service"], manager.Shell.Commands.Single());
        Assert.Equal(("/etc/systemd/system/x.service", (int?)3, "Unknown key name 'Foo' in section 'Service', ignoring."), (diagnostics[0].Path, diagnostics[0].Line, diagnostics[0].Message));
        Assert.Equal(("/etc/systemd/system/x.service", (int?)null), (diagnostics[1].Path, diagnostics[1].Line));
    }
}

public sealed class VerifyTests
{
    [Fact]
    public void Systemd_analyze_verify_findings_become_diagnostics()
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
        {
            throw new InvalidOperationException("This test needs systemd-analyze (Debian package systemd).");
        }
        var directory = Directory.CreateTempSubdirectory("units-verify-");
        try
        {
            var path = Path.Combine(directory.FullName, "bad.service");
            File.WriteAllText(path, "[Service]\nExecStart=/bin/true\nNoSuchKey=1\n");
            var verifier = new UnitFileVerifier(ManagerTarget.LocalSystem, new LocalShell());
            var (isValid, diagnostics) = verifier.VerifyAsync(path, CancellationToken.None).GetAwaiter().GetResult();
            Assert.False(isValid);
            Assert.Contains(diagnostics, diagnostic => diagnostic.Path == path && diagnostic.Line == 3 && diagnostic.Message.Contains("NoSuchKey", StringComparison.Ordinal));

            File.WriteAllText(path, "[Unit]\nDescription=Fine\n[Service]\nType=oneshot\nExecStart=/bin/true\n");
            Assert.True(verifier.VerifyAsync(path, CancellationToken.None).GetAwaiter().GetResult().IsValid);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

public sealed class DependencyTests
{
    private static FakeManager Graph() => new FakeManager()
        .AddUnit("root.target", configure: bag => bag["Wants"] = new[] { "web.service", "basic.target" })
        .AddUnit("basic.target", configure: bag => bag["Requires"] = new[] { "sockets.target", "root.target" })
        .AddUnit("sockets.target", active: "inactive", sub: "dead")
        .AddUnit("web.service", configure: bag => bag["Requires"] = new[] { "db.service" })
        .AddUnit("db.service", configure: bag => bag["WantedBy"] = new[] { "root.target" });

    private static IReadOnlyList<UnitDependency> Tree(FakeManager manager, string root, DependencyDirection direction, bool recurse)
    {
        var client = manager.Client();
        var unit = client.FindUnitAsync(root, CancellationToken.None).GetAwaiter().GetResult()!;
        return client.GetDependenciesAsync(unit, direction, recurse, CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void Targets_are_expanded_non_targets_are_not_and_targets_sort_last()
    {
        var nodes = Tree(Graph(), "root.target", DependencyDirection.Forward, recurse: false);
        Assert.Equal(["root.target:0", "web.service:1", "basic.target:1", "root.target:2", "sockets.target:2"], nodes.Select(node => $"{node.Unit}:{node.Depth}"));
        Assert.True(nodes[3].IsRepeated);
        Assert.Empty(nodes[3].Children);
        Assert.Equal(UnitActiveState.Inactive, nodes[4].ActiveState);
        Assert.Equal(("Requires", "basic.target"), (nodes[4].Kind, nodes[4].Parent));
        Assert.Equal(["web.service", "basic.target"], nodes[0].Children.Select(child => child.Unit));
    }

    [Fact]
    public void Recurse_expands_every_unit()
    {
        var nodes = Tree(Graph(), "root.target", DependencyDirection.Forward, recurse: true);
        Assert.Contains(nodes, node => node.Unit == "db.service" && node.Depth == 2 && node.Parent == "web.service");
    }

    [Fact]
    public void Reverse_follows_the_inverse_properties()
    {
        var nodes = Tree(Graph(), "db.service", DependencyDirection.Reverse, recurse: false);
        Assert.Equal(["db.service", "root.target"], nodes.Select(node => node.Unit));
        Assert.Equal("WantedBy", nodes[1].Kind);
    }
}

public sealed class StateWaitTests
{
    [Fact]
    public void Waiting_ends_when_a_PropertiesChanged_signal_brings_the_state()
    {
        var manager = new FakeManager().AddUnit("x.service", active: "activating", sub: "start");
        var client = manager.Client();
        var unit = client.FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        var wait = client.WaitForStateAsync([unit], new HashSet<UnitActiveState> { UnitActiveState.Active }, any: false, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        manager.SetActiveState("x.service", "active", "running");
        var reached = wait.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        Assert.Equal(UnitActiveState.Active, Assert.Single(reached).ActiveState);
        Assert.Contains("Subscribe()", manager.Calls);
    }

    [Fact]
    public void Units_already_in_the_state_end_the_wait_at_once_and_any_needs_only_one()
    {
        var manager = new FakeManager().AddUnit("a.service").AddUnit("b.service", active: "inactive", sub: "dead");
        var client = manager.Client();
        var units = new[] { "a.service", "b.service" }.Select(name => client.FindUnitAsync(name, CancellationToken.None).GetAwaiter().GetResult()!).ToList();
        var any = client.WaitForStateAsync(units, new HashSet<UnitActiveState> { UnitActiveState.Active }, any: true, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("a.service", Assert.Single(any).Name);
    }

    [Fact]
    public void Cancelling_ends_the_wait_for_a_unit_that_never_gets_there()
    {
        var manager = new FakeManager().AddUnit("x.service", active: "inactive", sub: "dead");
        var client = manager.Client();
        var unit = client.FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        using var timeout = new CancellationTokenSource();
        var wait = client.WaitForStateAsync([unit], new HashSet<UnitActiveState> { UnitActiveState.Active }, any: false, timeout.Token);
        manager.SetActiveState("x.service", "failed", "failed");
        Assert.False(wait.IsCompleted);
        timeout.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => wait.GetAwaiter().GetResult());
        Assert.Equal(0, manager.WatcherCount);
    }

    [Fact]
    public void A_lost_connection_ends_the_wait_with_an_error()
    {
        var manager = new FakeManager().AddUnit("x.service", active: "inactive", sub: "dead");
        var client = manager.Client();
        var unit = client.FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        var wait = client.WaitForStateAsync([unit], new HashSet<UnitActiveState> { UnitActiveState.Active }, any: false, CancellationToken.None);
        manager.Disconnect();
        var exception = Assert.Throws<ManagerCallException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult());
        Assert.Equal(DBusErrorNames.Disconnected, exception.ErrorName);
    }
}
