using System.Diagnostics;
using Units.Client.Connection;

namespace Units.Client.Tests;

/// <summary>
/// A user manager isolated by reference-systemd/run-systemd.sh, with a few test units; the
/// client talks to it over its private socket through Units.DBus. <see cref="Binary"/> null is
/// the real systemd 252; otherwise the manager run in its place (unitsd).
/// </summary>
public abstract class ManagerFixture : IAsyncLifetime
{
    private const string Script = "/work/shared/reference-systemd/run-systemd.sh";
    private readonly string _name;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "units-client-sdref");

    protected ManagerFixture(string kind) => _name = $"units-client-{kind}-{Environment.ProcessId}";

    /// <summary>The manager executable run instead of systemd, or null for systemd itself.</summary>
    protected abstract string? Binary { get; }

    public ManagerSession Session { get; } = new(new DBusManagerConnector());

    public ManagerTarget Target { get; private set; } = ManagerTarget.LocalSystem;

    public string UnitDirectory { get; private set; } = "";

    public ManagerClient Client => Session.ClientAsync(Target, CancellationToken.None).GetAwaiter().GetResult();

    public async Task InitializeAsync()
    {
        if (!File.Exists(Script))
        {
            throw new InvalidOperationException($"These tests need a manager instance started by {Script}, which is missing.");
        }
        if (Binary is not null && !File.Exists(Binary))
        {
            throw new InvalidOperationException($"These tests need {Binary}: build Engine/Daemon first (dotnet build Engine/Daemon).");
        }
        await Run("start", _name).ConfigureAwait(false);
        UnitDirectory = (await Run("dir", _name).ConfigureAwait(false)).Trim();
        await File.WriteAllTextAsync(Path.Combine(UnitDirectory, "x.service"), "[Unit]\nDescription=X test service\n[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n[Install]\nWantedBy=default.target\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(UnitDirectory, "y.service"), "[Unit]\nDescription=Y oneshot\n[Service]\nType=oneshot\nExecStart=/bin/true\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(UnitDirectory, "fail.service"), "[Unit]\nDescription=Fails\n[Service]\nType=oneshot\nExecStart=/bin/false\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(UnitDirectory, "slow.service"), "[Unit]\nDescription=Slow\n[Service]\nExecStartPre=/bin/sleep 60\nExecStart=/bin/sleep infinity\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(UnitDirectory, "pair.target"), "[Unit]\nDescription=Pair\nWants=x.service y.service\n").ConfigureAwait(false);
        Target = new ManagerTarget(ManagerScope.User, Address: ManagerEndpoints.UnixPath(Path.Combine(_root, _name, "xdg", "systemd", "private")));
        await Client.ReloadAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        await Session.DisposeAsync().ConfigureAwait(false);
        await Run("stop", _name).ConfigureAwait(false);
    }

    private async Task<string> Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(Script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["SDREF_ROOT"] = _root;
        if (Binary is not null)
        {
            info.Environment["SYSTEMD"] = Binary;
        }
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        var error = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"run-systemd.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}{output}");
        }
        return output;
    }
}

/// <summary>Debian's systemd 252.</summary>
public sealed class SystemdFixture() : ManagerFixture("systemd")
{
    protected override string? Binary => null;
}

/// <summary>unitsd from this repository (Engine/Daemon), run where systemd would run.</summary>
public sealed class UnitsdFixture() : ManagerFixture("unitsd")
{
    // The unitsd of the configuration these tests were built in (bin/Debug or bin/Release).
    protected override string? Binary { get; } = Path.Combine(RepositoryRoot(), "Engine", "Daemon", "bin",
        AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net9.0", "unitsd");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Units.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition("real systemd")]
public sealed class SystemdCollection : ICollectionFixture<SystemdFixture>;

[CollectionDefinition("unitsd")]
public sealed class UnitsdCollection : ICollectionFixture<UnitsdFixture>;

/// <summary>The client library against real systemd 252.</summary>
[Collection("real systemd")]
public sealed class RealSystemdTests(SystemdFixture manager) : ManagerContractTests(manager)
{
    [Fact]
    public void A_manager_behind_systemd_stdio_bridge_answers_as_on_its_socket()
    {
        // What -HostName does through ssh, without ssh: a D-Bus connection over a child's stdio.
        var socket = ((string)manager.Target.Address!)["unix:path=".Length..];
        var address = "unixexec:path=/usr/bin/systemd-stdio-bridge,argv1=" + ManagerEndpoints.EscapeValue("--bus-path=unix:path=" + socket);
        var session = new ManagerSession(new DBusManagerConnector());
        try
        {
            var client = session.ClientAsync(new ManagerTarget(ManagerScope.User, Address: address), CancellationToken.None).GetAwaiter().GetResult();
            var units = client.ListUnitsAsync([], CancellationToken.None).GetAwaiter().GetResult();
            Assert.Contains(units, unit => unit.Name == "default.target");
            Assert.StartsWith("252", client.GetManagerInfoAsync(CancellationToken.None).GetAwaiter().GetResult().Version, StringComparison.Ordinal);
        }
        finally
        {
            session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>systemd has no journal API: it answers UnknownObject, and Get-UnitLog's client reads with journalctl on the
    /// host (what the flags do there is JournalFileTests' business, against journal files and the real journalctl).</summary>
    [Fact]
    public async Task Without_a_journal_api_the_log_is_read_and_followed_with_journalctl_on_the_host()
    {
        var shell = new FakeShell { Result = new ShellResult(0, """{"MESSAGE":"Started X","PRIORITY":"6","_SYSTEMD_USER_UNIT":"x.service","__REALTIME_TIMESTAMP":"1700000000000000"}""", "") };
        shell.Lines.Add("""{"MESSAGE":"Stopped X","PRIORITY":"6","__REALTIME_TIMESTAMP":"1700000000000001"}""");
        var client = new ManagerClient(manager.Target, Client.Connection, shell);
        var query = new LogQuery
        {
            Units = ["x"], Since = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), Until = new DateTime(2026, 1, 3, 0, 0, 0, DateTimeKind.Utc),
            Priority = LogPriority.Warning, Boot = 0, Last = 5, Match = "^Started",
        };
        var entry = Assert.Single(await client.ReadLogAsync(query, CancellationToken.None));
        Assert.Equal(("Started X", "x.service"), (entry.Message, entry.Unit));
        Assert.Equal(["journalctl", "--output=json", "--no-pager", "--quiet", "--user-unit=x.service", "--since=2026-01-02 03:04:05 UTC",
            "--until=2026-01-03 00:00:00 UTC", "--priority=4", "--boot=0", "--lines=5"], shell.Commands.Single());

        var followed = new List<string>();
        await foreach (var next in client.FollowLogAsync(query with { Match = null }, CancellationToken.None))
        {
            followed.Add(next.Message);
        }
        Assert.Equal(["Stopped X"], followed);
        Assert.Contains("--follow", shell.Commands[^1]);
    }

    // Not in the shared contract yet: unitsd does not implement SetUnitProperties (its control drop-ins), so the
    // module's Set-UnitProperty -Runtime works against systemd only. Move this back when unitsd does.
    [Fact]
    public void SetUnitProperties_is_accepted_and_an_unsettable_property_is_an_InvalidArgument_error()
    {
        // A user instance without delegated controllers accepts cgroup settings without showing
        // them (systemctl set-property behaves the same there), so only acceptance is checked.
        var unit = Find("y.service");
        Client.SetPropertiesAsync(unit, [PropertyAssignments.Convert("CPUWeight", "200"), PropertyAssignments.Convert("MemoryMax", "64M")], runtime: true, CancellationToken.None).GetAwaiter().GetResult();
        var exception = Assert.Throws<ManagerCallException>(() =>
            Client.SetPropertiesAsync(unit, [new TypedProperty("NoSuchSetting", "s", "x")], runtime: true, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(UnitErrorCategory.InvalidArgument, UnitError.FromCall(exception, null).Category);
        Assert.Contains("NoSuchSetting", exception.Message, StringComparison.Ordinal);
    }
}

/// <summary>The same tests against unitsd: the module must work identically on both.</summary>
[Collection("unitsd")]
public sealed class UnitsdTests(UnitsdFixture manager) : ManagerContractTests(manager)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>unitsd serves its journal over D-Bus (org.units1.Journal): Get-UnitLog's parameters become its query,
    /// the entries come back in pages and, followed, over a passed socket; journalctl is never run.</summary>
    [Fact]
    public async Task The_log_is_read_and_followed_through_unitsds_journal_api_with_every_filter()
    {
        await File.WriteAllTextAsync(Path.Combine(manager.UnitDirectory, "logger.service"),
            "[Service]\nType=oneshot\nStandardOutput=journal\nExecStart=/bin/sh -c 'echo \"<3>logger error\"; echo \"logger info one\"; echo \"logger info two\"'\n");
        await Client.ReloadAsync(CancellationToken.None);
        var shell = new FakeShell();
        var client = new ManagerClient(manager.Target, Client.Connection, shell);
        await StartAsync(client, "logger.service");
        var query = new LogQuery { Units = ["logger"] };
        var all = await WaitForAsync(client, query, entries => entries.Any(e => e.Message == "logger info two"));
        Assert.Equal(["logger error", "logger info one", "logger info two"], all.Where(e => e.Identifier == "sh").Select(e => e.Message));
        Assert.All(all, e => Assert.Equal("logger.service", e.Unit));
        Assert.All(all, e => Assert.Matches("^s=[0-9a-f]{32};i=", e.Cursor));
        var error = all.Single(e => e.Message == "logger error");
        Assert.Equal(LogPriority.Error, error.Priority);
        Assert.NotNull(error.ProcessId);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim().Replace("-", "", StringComparison.Ordinal), error.BootId);

        Assert.Equal(["logger error"], (await client.ReadLogAsync(query with { Priority = LogPriority.Error }, CancellationToken.None)).Select(e => e.Message));
        Assert.Equal(["logger info two"], (await client.ReadLogAsync(query with { Match = "info t" }, CancellationToken.None)).Select(e => e.Message));
        Assert.Empty(await client.ReadLogAsync(query with { Match = "INFO" }, CancellationToken.None)); // case-sensitive, as on journalctl's output
        Assert.Equal([all[^1].Cursor], (await client.ReadLogAsync(query with { Last = 1 }, CancellationToken.None)).Select(e => e.Cursor));
        Assert.Equal(all.Select(e => e.Cursor), (await client.ReadLogAsync(query with { Boot = 0, Since = all[0].Time, Until = all[^1].Time }, CancellationToken.None)).Select(e => e.Cursor));
        Assert.Empty(await client.ReadLogAsync(query with { Since = all[^1].Time.AddSeconds(1) }, CancellationToken.None));
        Assert.Empty(await client.ReadLogAsync(query with { Until = all[0].Time.AddSeconds(-1) }, CancellationToken.None));
        var noBoot = await Assert.ThrowsAsync<UnitOperationException>(() => client.ReadLogAsync(query with { Boot = -1 }, CancellationToken.None));
        Assert.Contains("No boot at offset -1", noBoot.Error.Message, StringComparison.Ordinal);
        Assert.Empty(shell.Commands);

        // Following: the last entry, then what the next run logs, until cancelled.
        using var stop = new CancellationTokenSource(Patience);
        var followed = new List<UnitLogEntry>();
        await foreach (var entry in client.FollowLogAsync(query with { Last = 1, Match = "^logger (error|info)" }, stop.Token))
        {
            followed.Add(entry);
            if (followed.Count == 1)
            {
                await StartAsync(client, "logger.service");
            }
            if (entry.Message == "logger info two" && followed.Count > 1)
            {
                stop.Cancel();
            }
        }
        Assert.Equal(["logger info two", "logger error", "logger info one", "logger info two"], followed.Select(e => e.Message));
        Assert.Empty(shell.Commands);
    }

    private static async Task StartAsync(ManagerClient client, string name)
    {
        using var tracker = await client.TrackJobsAsync(CancellationToken.None);
        var unit = await client.FindUnitAsync(name, CancellationToken.None) ?? throw new InvalidOperationException(name + " not found");
        var pending = await client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None);
        await pending.Completion!.WaitAsync(Patience);
    }

    private static async Task<IReadOnlyList<UnitLogEntry>> WaitForAsync(ManagerClient client, LogQuery query, Func<IReadOnlyList<UnitLogEntry>, bool> complete)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var entries = await client.ReadLogAsync(query, CancellationToken.None);
            if (complete(entries))
            {
                return entries;
            }
            Assert.True(DateTime.UtcNow < deadline, "journal entries did not arrive: " + string.Join(" | ", entries.Select(e => e.Message)));
            await Task.Delay(100);
        }
    }
}

/// <summary>What every cmdlet's client calls do against a live manager.</summary>
public abstract class ManagerContractTests(ManagerFixture systemd)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected ManagerClient Client => systemd.Client;

    protected Unit Find(string name) => Client.FindUnitAsync(name, CancellationToken.None).GetAwaiter().GetResult()
        ?? throw new InvalidOperationException(name + " not found");

    private JobOutcome RunJob(string name, UnitJobMethod method)
    {
        using var tracker = Client.TrackJobsAsync(CancellationToken.None).GetAwaiter().GetResult();
        var pending = Client.QueueJobAsync(tracker, Find(name), method, JobMode.Replace, CancellationToken.None).GetAwaiter().GetResult();
        pending.Completion!.WaitAsync(Patience).GetAwaiter().GetResult();
        return Client.OutcomeAsync(pending, CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void Manager_info_comes_from_systemd_252()
    {
        var info = Client.GetManagerInfoAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.StartsWith("252", info.Version, StringComparison.Ordinal);
        Assert.Contains(info.SystemState, new[] { "running", "degraded" });
        Assert.True(info.UnitCount > 0);
    }

    [Fact]
    public void Starting_waits_for_JobRemoved_and_the_unit_is_running_with_a_main_pid_and_processes()
    {
        Assert.Null(RunJob("x.service", UnitJobMethod.StartUnit).Error);
        var unit = Find("x.service");
        Assert.Equal((UnitActiveState.Active, UnitSubState.Running), (unit.ActiveState, unit.SubState));
        Assert.NotEqual(0u, unit.MainPid);
        Assert.NotNull(unit.ActiveSince);
        Assert.Equal("X test service", unit.Description);
        var process = Assert.Single(Client.GetProcessesAsync(unit, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(unit.MainPid, process.Pid);
        Assert.Contains("sleep", process.CommandLine, StringComparison.Ordinal);

        Assert.Null(RunJob("x.service", UnitJobMethod.RestartUnit).Error);
        Assert.NotEqual(unit.MainPid, Find("x.service").MainPid);
        Assert.Null(RunJob("x.service", UnitJobMethod.ReloadUnit).Error);
        Assert.Null(RunJob("x.service", UnitJobMethod.StopUnit).Error);
        Assert.Equal(UnitActiveState.Inactive, Find("x.service").ActiveState);
    }

    [Fact]
    public void A_failing_unit_is_a_JobFailed_error_with_the_services_result()
    {
        var outcome = RunJob("fail.service", UnitJobMethod.StartUnit);
        Assert.Equal(JobResult.Failed, outcome.Result);
        Assert.Equal("JobFailed", outcome.Error!.ErrorId);
        Assert.Contains("exit-code", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal(UnitActiveState.Failed, Find("fail.service").ActiveState);
        Client.ResetFailedAsync(Find("fail.service"), CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(UnitActiveState.Inactive, Find("fail.service").ActiveState);
    }

    [Fact]
    public void Starting_a_missing_unit_is_NoSuchUnit_and_a_literal_miss_selects_nothing_with_an_error()
    {
        var missing = new Unit("nosuch.service", new Dictionary<string, object> { ["Id"] = "nosuch.service" }, "localhost", Client);
        var exception = Assert.Throws<ManagerCallException>(() => Client.QueueJobAsync(null, missing, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(UnitErrorCategory.ObjectNotFound, UnitError.FromCall(exception, "nosuch.service").Category);

        // Wildcards match loaded units, as systemctl's patterns do; literal names load the unit.
        var selection = Client.SelectAsync(new UnitSelection { Names = ["nosuch", "default*", "y"] }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("NoSuchUnit", Assert.Single(selection.Errors).ErrorId);
        Assert.Equal(["default.target", "y.service"], selection.Units.Select(unit => unit.Name));
    }

    [Fact]
    public void Listing_matches_list_units_all_and_reads_details_lazily()
    {
        var units = Client.ListUnitsAsync([], CancellationToken.None).GetAwaiter().GetResult();
        Assert.Contains(units, unit => unit.Name == "default.target" && unit.ActiveState == UnitActiveState.Active);
        var target = units.First(unit => unit.Name == "default.target");
        Assert.Equal(UnitType.Target, target.Type);
        Assert.True(target.Properties.Count > 50);
    }

    [Fact]
    public void Enabling_and_disabling_change_the_unit_file_state()
    {
        var changes = Client.ChangeUnitFilesAsync(UnitFileOperation.Enable, ["x.service"], false, false, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(UnitFileChangeType.Symlink, Assert.Single(changes).Type);
        Assert.Equal(UnitFileState.Enabled, Find("x.service").UnitFileState);
        var files = Client.ListUnitFilesAsync(["x*"], null, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(UnitFileState.Enabled, Assert.Single(files).State);
        Client.ChangeUnitFilesAsync(UnitFileOperation.Disable, ["x.service"], false, false, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(UnitFileState.Disabled, Find("x.service").UnitFileState);
    }

    [Fact]
    public void Masking_makes_a_start_fail_with_UnitMasked_until_unmasked()
    {
        Client.ChangeUnitFilesAsync(UnitFileOperation.Mask, ["y.service"], runtime: true, false, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            Assert.Equal(UnitLoadState.Masked, Find("y.service").LoadState);
            var exception = Assert.Throws<ManagerCallException>(() => RunJob("y.service", UnitJobMethod.StartUnit));
            Assert.Equal(("UnitMasked", UnitErrorCategory.InvalidOperation), (UnitError.FromCall(exception, null).ErrorId, UnitError.FromCall(exception, null).Category));
        }
        finally
        {
            Client.ChangeUnitFilesAsync(UnitFileOperation.Unmask, ["y.service"], runtime: true, false, CancellationToken.None).GetAwaiter().GetResult();
        }
        Assert.Equal(UnitLoadState.Loaded, Find("y.service").LoadState);
    }

    [Fact]
    public void Dependencies_of_a_target_list_what_it_wants()
    {
        var nodes = Client.GetDependenciesAsync(Find("pair.target"), DependencyDirection.Forward, false, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("pair.target", nodes[0].Unit);
        Assert.Contains(nodes, node => node.Unit == "x.service" && node.Kind == "Wants" && node.Depth == 1);
        Assert.Contains(nodes, node => node.Unit == "y.service" && node.Depth == 1);
    }

    [Fact]
    public void Waiting_for_a_state_follows_PropertiesChanged_signals()
    {
        var unit = Find("x.service");
        using var cancel = new CancellationTokenSource(Patience);
        var wait = Client.WaitForStateAsync([unit], new HashSet<UnitActiveState> { UnitActiveState.Active }, any: false, cancel.Token);
        using (var tracker = Client.TrackJobsAsync(CancellationToken.None).GetAwaiter().GetResult())
        {
            var pending = Client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None).GetAwaiter().GetResult();
            pending.Completion!.WaitAsync(Patience).GetAwaiter().GetResult();
            // A start that did not succeed would leave the wait to time out: say why at once.
            Assert.Null(Client.OutcomeAsync(pending, CancellationToken.None).GetAwaiter().GetResult().Error);
        }
        Assert.Equal(UnitActiveState.Active, Assert.Single(wait.GetAwaiter().GetResult()).ActiveState);
        Assert.Null(RunJob("x.service", UnitJobMethod.StopUnit).Error);
    }

    [Fact]
    public void A_queued_job_is_listed_and_cancelling_it_ends_it_as_canceled()
    {
        using var tracker = Client.TrackJobsAsync(CancellationToken.None).GetAwaiter().GetResult();
        var pending = Client.QueueJobAsync(tracker, Find("slow.service"), UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None).GetAwaiter().GetResult();
        var job = Assert.Single(Client.ListJobsAsync(CancellationToken.None).GetAwaiter().GetResult(), job => job.Unit == "slow.service");
        Assert.Equal((pending.Job.Id, JobType.Start), (job.Id, job.JobType));
        Client.CancelJobAsync(job, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(JobResult.Canceled, pending.Completion!.WaitAsync(Patience).GetAwaiter().GetResult());
        Assert.Equal("JobCanceled", Client.OutcomeAsync(pending, CancellationToken.None).GetAwaiter().GetResult().Error!.ErrorId);
        Assert.Null(RunJob("slow.service", UnitJobMethod.StopUnit).Error);
    }

    [Fact]
    public void Killing_the_main_process_ends_the_unit()
    {
        Assert.Null(RunJob("x.service", UnitJobMethod.StartUnit).Error);
        var unit = Find("x.service");
        using var cancel = new CancellationTokenSource(Patience);
        var wait = Client.WaitForStateAsync([unit], new HashSet<UnitActiveState> { UnitActiveState.Failed, UnitActiveState.Inactive }, any: false, cancel.Token);
        Client.KillAsync(unit, KillWhom.Main, 9, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(UnitActiveState.Failed, Assert.Single(wait.GetAwaiter().GetResult()).ActiveState);
        Client.ResetFailedAsync(unit, CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void A_unit_file_written_by_the_client_is_loaded_and_starts()
    {
        var file = Client.WriteUnitFileAsync(new UnitFileSpec { Name = "made", Description = "Made by the client", ServiceType = "oneshot", ExecStart = ["/bin/true"] }, systemd.UnitDirectory, force: true, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(Path.Combine(systemd.UnitDirectory, "made.service"), file.Path);
        Assert.Equal("Made by the client", Find("made.service").Description);
        Assert.Null(RunJob("made.service", UnitJobMethod.StartUnit).Error);
    }

    [Fact]
    public void The_manager_reports_its_default_target_and_environment()
    {
        var info = Client.GetManagerInfoAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(ManagerScope.User, info.Scope);
        Assert.NotEmpty(info.Environment);
    }
}
