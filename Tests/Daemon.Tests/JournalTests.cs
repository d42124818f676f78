using System.Diagnostics;
using System.Text.Json;
using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// unitsd's journal, end to end: a real unitsd user instance under run-systemd.sh (root, private /run)
/// writes /run/log/journal/MACHINE-ID/user-0.journal; Debian's journalctl and systemctl 252 read it
/// inside the instance's mount namespace.
/// </summary>
public sealed class JournalTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_eventTimeout = TimeSpan.FromSeconds(20);
    private static readonly string s_journalDirectory = Path.Combine("/run/log/journal", File.ReadAllText("/etc/machine-id").Trim());

    // run-systemd.sh makes DefaultStandardOutput=null: the units ask for the journal themselves.
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["printer.service"] = """
            [Unit]
            Description=Prints a few lines
            [Service]
            StandardOutput=journal
            StandardError=inherit
            ExecStart=/bin/sh -c 'echo first line; echo "<3>an error"; echo on stderr >&2; printf "no trailing newline"; while :; do sleep 1; done'
            """,
        ["failing.service"] = """
            [Unit]
            Description=Exits with status 3
            [Service]
            Type=oneshot
            StandardOutput=journal
            ExecStart=/bin/sh -c 'echo about to fail; exit 3'
            """,
        // The unit's syslog settings shape its stream's header: identifier, facility and level, no "<N>" prefixes.
        ["tuned.service"] = """
            [Service]
            Type=oneshot
            StandardOutput=journal
            SyslogIdentifier=tuned-id
            SyslogFacility=local3
            SyslogLevel=notice
            SyslogLevelPrefix=no
            LogExtraFields=COLOUR=blue "SHAPE=round box"
            ExecStart=/bin/sh -c 'echo "<7>kept as text"; echo "stream $JOURNAL_STREAM"'
            """,
        // LogLevelMax= drops what is less important; the unit's own rate limit suppresses the rest of a burst.
        ["limited.service"] = """
            [Service]
            Type=oneshot
            StandardOutput=journal
            LogLevelMax=info
            LogRateLimitIntervalSec=1s
            LogRateLimitBurst=3
            ExecStart=/bin/sh -c 'echo "<7>debug is dropped"; i=0; while [ $i -lt 100 ]; do echo "line $i"; i=$((i+1)); done; sleep 1.5; echo after the interval'
            """,
        // Burns at least 1.5 s of CPU (bash's own user time, field 14 of /proc/PID/stat, in 1/100 s), then exits.
        ["burner.service"] = """
            [Unit]
            Description=Burns CPU
            [Service]
            Type=oneshot
            ExecStart=/bin/bash -c 'p=$BASHPID; until [ $(cut -d" " -f14 /proc/$p/stat) -ge 150 ]; do for i in {1..2000}; do :; done; done'
            """,
        // A daemon that logs as under systemd: systemd-cat connects to /run/systemd/journal/stdout itself.
        ["catting.service"] = """
            [Unit]
            Description=Logs through the stdout socket
            [Service]
            Type=oneshot
            StandardOutput=null
            ExecStart=/usr/bin/systemd-cat -t catted -p warning /bin/sh -c 'echo via the socket; sleep 0.5'
            """,
    };

    [Fact]
    public void Service_output_is_in_the_journal_with_the_senders_fields()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "printer.service"));
        WaitForEntries(unitsd, ["--user-unit", "printer.service"], all => all.Any(e => Field(e, "MESSAGE") == "on stderr"));
        string invocation = unitsd.Ctl("show", "-p", "InvocationID", "--value", "printer.service").Output.Trim();
        // The last line has no newline: it is written when its stream ends with the process.
        AssertSucceeded(unitsd.Ctl("stop", "printer.service"));
        // The last line arrives when the stream ends, the manager's "Stopped" when the stop job ends: each is
        // written by its own path, so wait for both.
        List<JsonElement> entries = WaitForEntries(unitsd, ["--user-unit", "printer.service"],
            all => all.Any(e => Field(e, "MESSAGE") == "no trailing newline")
                && all.Any(e => Field(e, "MESSAGE_ID") == "9d1aaa27d60140bd96365438aad20286" && Field(e, "JOB_RESULT") == "done"));
        List<JsonElement> lines = [.. entries.Where(e => Field(e, "_TRANSPORT") == "stdout")];
        Assert.Equal(["first line", "an error", "on stderr", "no trailing newline"], lines.Select(e => Field(e, "MESSAGE")));
        string bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim().Replace("-", "", StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}$", invocation);
        foreach (JsonElement line in lines)
        {
            Assert.Equal("printer.service", Field(line, "_SYSTEMD_USER_UNIT"));
            Assert.Equal(invocation, Field(line, "_SYSTEMD_INVOCATION_ID"));
            Assert.Equal("3", Field(line, "SYSLOG_FACILITY"));
            Assert.Equal(Field(lines[0], "_STREAM_ID"), Field(line, "_STREAM_ID"));
            Assert.Equal("/app.slice/printer.service", Field(line, "_SYSTEMD_CGROUP"));
            Assert.True(int.Parse(Field(line, "_PID")!, System.Globalization.CultureInfo.InvariantCulture) > 1);
            Assert.Equal("0", Field(line, "_UID"));
            Assert.Equal("sh", Field(line, "_COMM"));
            Assert.Equal("sh", Field(line, "SYSLOG_IDENTIFIER"));
            Assert.Equal(bootId, Field(line, "_BOOT_ID"));
            Assert.StartsWith("/bin/sh -c echo first line", Field(line, "_CMDLINE"), StringComparison.Ordinal);
        }
        Assert.Equal(["6", "3", "6", "6"], lines.Select(e => Field(e, "PRIORITY")));
        Assert.Equal("eof", Field(lines[^1], "_LINE_BREAK"));
        Assert.Null(Field(lines[0], "_LINE_BREAK"));

        // The manager's own messages about the unit, as systemd sends them. A Type=simple service is active as soon
        // as it is forked, so its start job is done before "Starting X..." would be logged: systemd 252 logs none.
        Assert.DoesNotContain(entries, e => Field(e, "MESSAGE_ID") == "7d4958e842da4a758f6c1cdc7b36dcc5");
        JsonElement started = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "39f53479d3a045ac8e11786248231fbf");
        Assert.Equal("Started printer.service - Prints a few lines.", Field(started, "MESSAGE"));
        Assert.Equal("printer.service", Field(started, "USER_UNIT"));
        Assert.Equal("systemd", Field(started, "SYSLOG_IDENTIFIER"));
        Assert.Equal("6", Field(started, "PRIORITY"));
        Assert.Equal("start", Field(started, "JOB_TYPE"));
        Assert.Equal("done", Field(started, "JOB_RESULT"));
        Assert.Equal("unitsd", Field(started, "_COMM"));
        Assert.Equal("init.scope", Field(started, "_SYSTEMD_USER_UNIT"));
        Assert.Equal("journal", Field(started, "_TRANSPORT"));
        JsonElement stopping = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "de5b426a63be47a7b6ac3eaac82e2f6f" && Field(e, "JOB_TYPE") == "stop");
        Assert.Equal("Stopping printer.service - Prints a few lines...", Field(stopping, "MESSAGE"));
        Assert.Equal(Field(started, "_PID"), Field(stopping, "_PID"));
        JsonElement stopped = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "9d1aaa27d60140bd96365438aad20286" && Field(e, "JOB_RESULT") == "done");
        // The activation's invocation ID, as the unit's InvocationID property says, on the manager's messages about it.
        Assert.All(new[] { started, stopping, stopped }, e => Assert.Equal(invocation, Field(e, "USER_INVOCATION_ID")));

        AssertVerifies(unitsd);
    }

    [Fact]
    public void A_failed_service_logs_its_exit_and_result_with_message_ids()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        Assert.NotEqual(0, unitsd.Ctl("start", "failing.service").ExitCode);

        List<JsonElement> entries = WaitForEntries(unitsd, ["--user-unit", "failing.service"],
            all => all.Any(e => Field(e, "MESSAGE_ID") == "be02cf6855d2428ba40df7e9d022f03d")
                && all.Any(e => Field(e, "MESSAGE") == "about to fail"));
        // The process may be gone before its line is read (as with journald, /proc's fields are then
        // missing); its stream still says whose it is.
        JsonElement line = Assert.Single(entries, e => Field(e, "MESSAGE") == "about to fail");
        Assert.Equal("failing.service", Field(line, "_SYSTEMD_USER_UNIT"));
        Assert.Equal("sh", Field(line, "SYSLOG_IDENTIFIER"));
        Assert.NotNull(Field(line, "_PID"));
        Assert.Equal("0", Field(line, "_UID"));
        JsonElement exited = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "98e322203f7a4ed290d09fe03c09fe15");
        Assert.Equal("failing.service: Main process exited, code=exited, status=3/NOTIMPLEMENTED", Field(exited, "MESSAGE"));
        Assert.Equal("exited", Field(exited, "EXIT_CODE"));
        Assert.Equal("3", Field(exited, "EXIT_STATUS"));
        Assert.Equal("5", Field(exited, "PRIORITY"));
        JsonElement failed = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "be02cf6855d2428ba40df7e9d022f03d");
        Assert.Equal("Failed to start failing.service - Exits with status 3.", Field(failed, "MESSAGE"));
        Assert.Equal("failed", Field(failed, "JOB_RESULT"));
        Assert.Equal("3", Field(failed, "PRIORITY"));
        Assert.Equal("failing.service", Field(failed, "USER_UNIT"));

        AssertVerifies(unitsd);
    }

    /// <summary>systemd 252's unit_log_resources (src/core/unit.c): "NAME: Consumed 1.234s CPU time." (format_timespan to the
    /// millisecond, the unit's name, not its description), MESSAGE_ID=ae8f7b86..., CPU_USAGE_NSEC=, at info level above
    /// one second of CPU (debug below, so not stored), after the job's own "Finished" message.</summary>
    [Fact]
    public void A_unit_that_burnt_cpu_logs_the_cpu_time_it_consumed_when_it_stops()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "burner.service"));
        List<JsonElement> entries = WaitForEntries(unitsd, ["--user-unit", "burner.service"],
            all => all.Any(e => Field(e, "MESSAGE_ID") == "ae8f7b866b0347b9af31fe1c80b127c0"));
        JsonElement consumed = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "ae8f7b866b0347b9af31fe1c80b127c0");
        ulong nsec = ulong.Parse(Field(consumed, "CPU_USAGE_NSEC")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(nsec, 1_500_000_000UL, 600_000_000_000UL);
        Assert.Equal($"burner.service: Consumed {nsec / 1_000_000_000}.{nsec / 1_000_000 % 1000:D3}s CPU time.", Field(consumed, "MESSAGE"));
        Assert.Equal("6", Field(consumed, "PRIORITY"));
        Assert.Equal("burner.service", Field(consumed, "USER_UNIT"));
        Assert.Equal("systemd", Field(consumed, "SYSLOG_IDENTIFIER"));
        int finished = entries.FindIndex(e => Field(e, "MESSAGE_ID") == "39f53479d3a045ac8e11786248231fbf" && Field(e, "JOB_RESULT") == "done");
        int deactivated = entries.FindIndex(e => Field(e, "MESSAGE_ID") == "7ad2d189f7e94e70a38c781354912448");
        // The activation's invocation ID, as on the manager's other messages about it (the unit itself is collected once
        // inactive, so its InvocationID property is gone by now).
        Assert.Matches("^[0-9a-f]{32}$", Field(consumed, "USER_INVOCATION_ID"));
        Assert.Equal(Field(entries[deactivated], "USER_INVOCATION_ID"), Field(consumed, "USER_INVOCATION_ID"));
        // A oneshot service's start job ends "Finished", not "Started" (service_finished_job).
        Assert.Equal("Finished burner.service - Burns CPU.", Field(entries[finished], "MESSAGE"));
        Assert.True(deactivated >= 0 && deactivated < finished && finished < entries.IndexOf(consumed),
            string.Join("\n", entries.Select(e => Field(e, "MESSAGE"))));
        AssertVerifies(unitsd);
    }

    [Fact]
    public void A_units_syslog_settings_shape_its_stream()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "tuned.service"));
        List<JsonElement> entries = WaitForEntries(unitsd, ["--user-unit", "tuned.service"],
            all => all.Count(e => Field(e, "_TRANSPORT") == "stdout") == 2);
        JsonElement[] lines = [.. entries.Where(e => Field(e, "_TRANSPORT") == "stdout")];
        Assert.Equal("<7>kept as text", Field(lines[0], "MESSAGE"));
        Assert.Matches(@"^stream \d+:\d+$", Field(lines[1], "MESSAGE"));
        foreach (JsonElement line in lines)
        {
            Assert.Equal("tuned-id", Field(line, "SYSLOG_IDENTIFIER"));
            Assert.Equal("5", Field(line, "PRIORITY"));
            Assert.Equal("19", Field(line, "SYSLOG_FACILITY"));
            Assert.Equal("blue", Field(line, "COLOUR"));
            Assert.Equal("round box", Field(line, "SHAPE"));
        }
        AssertVerifies(unitsd);
    }

    [Fact]
    public void LogLevelMax_and_the_units_rate_limit_apply_to_its_output()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "limited.service"));
        List<JsonElement> entries = WaitForEntries(unitsd, [],
            all => all.Any(e => Field(e, "MESSAGE") == "after the interval"));
        Assert.DoesNotContain(entries, e => Field(e, "MESSAGE") == "debug is dropped");
        int kept = entries.Count(e => Field(e, "MESSAGE")?.StartsWith("line ", StringComparison.Ordinal) == true);
        // The burst is scaled with the free disk space as journald scales it, so only the sum is fixed.
        Assert.InRange(kept, 3, 99);
        JsonElement suppressed = Assert.Single(entries, e => Field(e, "MESSAGE_ID") == "a596d6fe7bfa4994828e72309e95d61e");
        Assert.Equal($"Suppressed {100 - kept} messages from limited.service", Field(suppressed, "MESSAGE"));
        Assert.Equal((100 - kept).ToString(System.Globalization.CultureInfo.InvariantCulture), Field(suppressed, "N_DROPPED"));
        Assert.Equal("limited.service", Field(suppressed, "OBJECT_SYSTEMD_USER_UNIT"));
        Assert.True(entries.IndexOf(suppressed) < entries.FindIndex(e => Field(e, "MESSAGE") == "after the interval"));
    }

    /// <summary>kill -9 of unitsd: the visible file is always a complete publication (see Engine/Journal's
    /// sync policy), so it verifies, and everything published before the kill is there.</summary>
    [Fact]
    public void A_killed_manager_leaves_a_journal_that_verifies()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "printer.service"));
        List<JsonElement> before = WaitForEntries(unitsd, ["--user-unit", "printer.service"], all => all.Any(e => Field(e, "MESSAGE") == "on stderr"));
        string servicePid = Field(before.First(e => Field(e, "MESSAGE") == "first line"), "_PID")!;
        int manager = int.Parse(Run(Paths.RunSystemd, ["pid", unitsd.Name]).Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using (Process killed = Process.GetProcessById(manager))
        {
            killed.Kill();
            Assert.True(killed.WaitForExit(TimeSpan.FromSeconds(20)), "unitsd did not die");
        }

        // The service still runs, and keeps the instance's mount namespace (its /run) alive.
        CommandResult verify = Run("nsenter", ["-t", servicePid, "-m", "--", "journalctl", "--verify", "--directory=" + s_journalDirectory]);
        output.WriteLine(verify.Output + verify.Error);
        Assert.True(verify.ExitCode == 0, $"journalctl --verify failed after kill -9: {verify.Output}{verify.Error}");
        CommandResult after = Run("nsenter", ["-t", servicePid, "-m", "--", "journalctl", "--directory=" + s_journalDirectory,
            "--no-pager", "-o", "cat", "--user-unit", "printer.service"]);
        foreach (JsonElement entry in before)
            Assert.Contains(Field(entry, "MESSAGE")!, after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Clients_of_the_stdout_socket_are_logged_under_their_unit()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "catting.service"));
        List<JsonElement> entries = WaitForEntries(unitsd, ["--user-unit", "catting.service"],
            all => all.Any(e => Field(e, "MESSAGE") == "via the socket"));
        JsonElement line = Assert.Single(entries, e => Field(e, "MESSAGE") == "via the socket");
        Assert.Equal("catted", Field(line, "SYSLOG_IDENTIFIER"));
        Assert.Equal("4", Field(line, "PRIORITY"));
        Assert.Equal("stdout", Field(line, "_TRANSPORT"));
        Assert.Equal("catting.service", Field(line, "_SYSTEMD_USER_UNIT"));
        Assert.Equal("/app.slice/catting.service", Field(line, "_SYSTEMD_CGROUP"));
        AssertVerifies(unitsd);
    }

    /// <summary>
    /// systemctl status reads the journal itself (sd-journal over /run/log/journal, matching
    /// _SYSTEMD_USER_UNIT=/USER_UNIT= with _UID=, this boot, since the unit last left "inactive"):
    /// the unit's last lines appear under its status as they do under systemd with a journal.
    /// (Real systemd in this namespace has no journald; with one started beside it, journald files the
    /// output of its services under _SYSTEMD_UNIT, the cgroup having no user@UID.service level, so its
    /// `systemctl --user status` shows no lines there: no like-for-like comparison is possible.)
    /// </summary>
    [Fact]
    public void Systemctl_status_shows_the_last_lines()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("jr", Paths.Unitsd, s_units);
        AssertSucceeded(unitsd.Ctl("start", "printer.service"));
        WaitForEntries(unitsd, ["--user-unit", "printer.service"], all => all.Any(e => Field(e, "MESSAGE") == "on stderr"));

        CommandResult status = unitsd.Ctl("status", "--no-pager", "printer.service");
        output.WriteLine(status.Output + status.Error);
        string[] journalLines = [.. status.Output.Split('\n').SkipWhile(l => l.Length > 0).Skip(1).Where(l => l.Length > 0)];
        // No "Starting...": a Type=simple service's start job is done when its process is forked (systemd 252 logs
        // "Starting" after unit_start only while the job still runs).
        string[] expected =
        [
            "sh[$PID]: first line",
            "sh[$PID]: an error",
            "sh[$PID]: on stderr",
            "systemd[$PID]: Started printer.service - Prints a few lines.",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), journalLines.Select(WithoutTimeAndHost).Order(StringComparer.Ordinal));
    }

    /// <summary>"Nov 22 04:11:16 HOST sh[123]: text" → "sh[$PID]: text".</summary>
    private static string WithoutTimeAndHost(string line)
    {
        string[] parts = line.Split(' ', 5);
        string rest = parts.Length == 5 ? parts[4] : line;
        int open = rest.IndexOf('[', StringComparison.Ordinal), close = rest.IndexOf("]:", StringComparison.Ordinal);
        return open > 0 && close > open ? rest[..(open + 1)] + "$PID" + rest[close..] : rest;
    }

    private static void AssertSucceeded(CommandResult result) =>
        Assert.True(result.ExitCode == 0, $"systemctl failed ({result.ExitCode}): {result.Output}{result.Error}");

    private void AssertVerifies(ManagerInstance instance)
    {
        CommandResult verify = InNamespace(instance, "journalctl", "--verify", "--directory=" + s_journalDirectory);
        output.WriteLine(verify.Output + verify.Error);
        Assert.True(verify.ExitCode == 0, $"journalctl --verify failed: {verify.Output}{verify.Error}");
        Assert.Contains("PASS: " + s_journalDirectory + "/user-0.journal", verify.Output + verify.Error, StringComparison.Ordinal);
    }

    /// <summary>Reads the instance's journal with journalctl -o json until <paramref name="complete"/> holds: the
    /// entries reach the file asynchronously (the writer publishes at most every 100 ms), so this waits for that
    /// event, failing after a bound.</summary>
    private List<JsonElement> WaitForEntries(ManagerInstance instance, string[] filter, Func<List<JsonElement>, bool> complete)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            CommandResult read = InNamespace(instance, ["journalctl", "--directory=" + s_journalDirectory, "--no-pager", "-o", "json", .. filter]);
            List<JsonElement> entries = [.. read.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement.Clone())];
            if (complete(entries))
                return entries;
            if (clock.Elapsed > s_eventTimeout)
            {
                output.WriteLine(instance.ManagerLog());
                Assert.Fail($"journal entries did not appear within {s_eventTimeout.TotalSeconds} s; journalctl ({read.ExitCode}) printed:\n{read.Output}{read.Error}");
            }
            Thread.Sleep(50); // Poll interval of the bounded wait, not a synchronisation.
        }
    }

    private static string? Field(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Runs a command inside the instance's mount namespace (where its /run is), as root.</summary>
    private static CommandResult InNamespace(ManagerInstance instance, params string[] command) =>
        Run(Paths.RunSystemd, ["nsenter", instance.Name, .. command]);

    private static CommandResult Run(string program, string[] arguments) =>
        Command.Run(program, arguments, TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["SDREF_ROOT"] = Paths.ReferenceRoot, ["SYSTEMD_PAGER"] = "" });
}
