using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>Each context item is applied by unitsd-executor; asserted from inside the child.</summary>
public sealed class ExecutorTests
{
    public ExecutorTests() => Root.Require();

    [Fact]
    public void Until_it_executes_the_command_the_executor_goes_by_the_commands_name_as_systemds_child_does()
    {
        Assert.Equal("(sleep)", PreparedExec.ProcessNameOf("/bin/sleep"));
        Assert.Equal("(-journal)", PreparedExec.ProcessNameOf("/lib/systemd/systemd-journal"));

        // Opening a FIFO as standard input holds the executor before execve until a writer opens it.
        string fifo = Path.Combine(TestDirectory.Create(), "stdin");
        Assert.Equal(0, Mkfifo(fifo, 0x180));
        var prepared = ExecContextBuilder.Build(
            new ExecSettings { StandardInput = new StdioSetting(StdioKind.File, fifo) },
            ExecCommand.FromWords(["/bin/cat"]), new ExecParameters { ParentDeathSignal = 9 });
        int pid = Processes.Instance.Supervisor.Spawn(prepared);
        string proc = $"/proc/{pid}";
        // posix_spawn returns while the kernel still sets up the executor's image; it renames itself first thing.
        var renaming = System.Diagnostics.Stopwatch.StartNew();
        while (File.ReadAllText(proc + "/comm") != "(cat)\n" && renaming.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(10); // Poll interval of a bounded wait on /proc, not a synchronisation by time.
        Assert.Equal("(cat)\n", File.ReadAllText(proc + "/comm"));
        Assert.Equal("(cat)", File.ReadAllText(proc + "/cmdline").TrimEnd('\0'));
        using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
            writer.Write("done\n"u8);
        Assert.True(Processes.Instance.WaitForExit(pid).Succeeded);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(string path, uint mode);

    [Fact]
    public void Environment_assignments_reach_the_child_with_unset_applied()
    {
        var (exit, output) = Processes.Shell("echo \"$A|$B|${C-unset}\"", new ExecSettings
        {
            Environment = ["A=one", "B=two words", "C=gone"],
            UnsetEnvironment = ["C"],
        });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("one|two words|unset\n", output);
    }

    [Fact]
    public void Environment_file_values_override_Environment_and_missing_optional_files_are_ignored()
    {
        string dir = TestDirectory.Create();
        File.WriteAllText(Path.Combine(dir, "env"), "# comment\nA=\"from file\"\nexport D='single'\n");
        var (exit, output) = Processes.Shell("echo \"$A|$D\"", new ExecSettings
        {
            Environment = ["A=inline"],
            EnvironmentFiles = [Path.Combine(dir, "env"), "-/nonexistent/env"],
        });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("from file|single\n", output);
    }

    [Fact]
    public void Working_directory_umask_nice_and_oom_score_are_applied()
    {
        string dir = TestDirectory.Create();
        var (exit, output) = Processes.Shell("pwd; umask; cut -d' ' -f19 /proc/self/stat; cat /proc/self/oom_score_adj", new ExecSettings
        {
            WorkingDirectory = dir,
            UMask = Convert.ToInt32("027", 8),
            Nice = 7,
            OOMScoreAdjust = 333,
        });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal($"{dir}\n0027\n7\n333\n", output);
    }

    [Fact]
    public void An_oom_score_the_manager_may_not_set_is_skipped_as_systemd_does()
    {
        // Lowering the score needs CAP_SYS_RESOURCE; without it (this machine, containers) systemd skips the setting
        // ("assuming containerized execution") instead of failing the service with 206/OOM_ADJUST.
        int before = int.Parse(File.ReadAllText("/proc/self/oom_score_adj").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var (exit, output) = Processes.Shell("cat /proc/self/oom_score_adj", new ExecSettings { OOMScoreAdjust = -900 });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Contains(output.Trim(), new[] { "-900", before.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    [Fact]
    public void Working_directory_tilde_is_the_users_home_and_dash_ignores_a_missing_one()
    {
        var (exit, output) = Processes.Shell("pwd", new ExecSettings { User = "root", WorkingDirectory = "~" });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("/root\n", output);
        var (optional, _) = Processes.Shell("true", new ExecSettings { WorkingDirectory = "-/nonexistent/dir" });
        Assert.True(optional.Succeeded, optional.ToString());
    }

    [Fact]
    public void A_missing_working_directory_fails_with_200_CHDIR()
    {
        var exit = Processes.Run(new ExecSettings { WorkingDirectory = "/nonexistent/dir" }, ExecCommand.Of("/bin/true"));
        Assert.Equal("code=exited, status=200/CHDIR", exit.ToString());
        Assert.Equal(2, exit.Failure?.Errno);
    }

    [Fact]
    public void Resource_limits_are_set()
    {
        var (exit, output) = Processes.Shell("ulimit -Sn; ulimit -Hn; ulimit -Sc", new ExecSettings
        {
            Limits = new Dictionary<ResourceLimit, LimitValue>
            {
                [ResourceLimit.NOFILE] = new(123, 456),
                [ResourceLimit.CORE] = new(null, null),
            },
        });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("123\n456\nunlimited\n", output);
    }

    [Fact]
    public void A_missing_executable_fails_with_203_EXEC_like_systemd()
    {
        var exit = Processes.Run(new ExecSettings(), ExecCommand.Of("/nonexistent/binary"));
        Assert.Equal(ExitCode.Exited, exit.Code);
        Assert.Equal(203, exit.Status);
        Assert.Equal("code=exited, status=203/EXEC", exit.ToString());
        Assert.Equal("/nonexistent/binary", exit.Failure?.Detail);
        Assert.Equal(2, exit.Failure?.Errno);
    }

    [Fact]
    public void An_unknown_user_fails_with_217_USER_like_systemd()
    {
        var exit = Processes.Run(new ExecSettings { User = "no-such-user-units" }, ExecCommand.Of("/bin/true"));
        Assert.Equal("code=exited, status=217/USER", exit.ToString());
        Assert.Equal("no-such-user-units", exit.Failure?.Detail);
    }

    [Fact]
    public void An_unknown_group_fails_with_216_GROUP()
    {
        var exit = Processes.Run(new ExecSettings { Group = "no-such-group-units" }, ExecCommand.Of("/bin/true"));
        Assert.Equal("code=exited, status=216/GROUP", exit.ToString());
    }

    [Fact]
    public void A_bare_name_is_searched_in_PATH_and_at_sign_sets_argv0()
    {
        string dir = TestDirectory.Create();
        string output = Path.Combine(dir, "out");
        var settings = new ExecSettings { StandardOutput = new StdioSetting(StdioKind.Truncate, output) };
        var exit = Processes.Run(settings, ExecCommand.FromWords(["@sh", "renamed", "-c", "echo $0"]));
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("renamed\n", File.ReadAllText(output));
    }

    [Fact]
    public void Variables_are_expanded_in_arguments_unless_the_colon_prefix_is_given()
    {
        string dir = TestDirectory.Create();
        string output = Path.Combine(dir, "out");
        var settings = new ExecSettings
        {
            Environment = ["WORDS=a b  c", "ONE=x y"],
            StandardOutput = new StdioSetting(StdioKind.Append, output),
        };
        var script = "for w in \"$@\"; do printf '[%s]' \"$w\"; done; echo";
        Assert.True(Processes.Run(settings, ExecCommand.Of("/bin/sh", "-c", script, "sh", "$WORDS", "${ONE}", "p${ONE}s", "$$")).Succeeded);
        Assert.True(Processes.Run(settings, ExecCommand.FromWords([":/bin/sh", "-c", script, "sh", "$WORDS"])).Succeeded);
        Assert.Equal("[a][b][c][x y][px ys][$]\n[$WORDS]\n", File.ReadAllText(output));
    }

    [Fact]
    public void Braced_variables_support_default_and_alternative_values()
    {
        var command = ExecCommand.Of("/bin/echo", "${UNSET:-fallback}", "${SET:-unused}", "${SET:+alternative}", "${UNSET:+none}");
        var expanded = command.ExpandArgv(new Dictionary<string, string> { ["SET"] = "value" });
        Assert.Equal(["/bin/echo", "fallback", "value", "alternative", ""], expanded);
    }

    [Fact]
    public void Append_and_truncate_outputs_behave_as_named()
    {
        string file = Path.Combine(TestDirectory.Create(), "log");
        File.WriteAllText(file, "old\n");
        Assert.True(Processes.Run(new ExecSettings { StandardOutput = new(StdioKind.Append, file) }, ExecCommand.Of("/bin/echo", "appended")).Succeeded);
        Assert.Equal("old\nappended\n", File.ReadAllText(file));
        Assert.True(Processes.Run(new ExecSettings { StandardOutput = new(StdioKind.Truncate, file) }, ExecCommand.Of("/bin/echo", "fresh")).Succeeded);
        Assert.Equal("fresh\n", File.ReadAllText(file));
    }

    [Fact]
    public void Standard_error_inherits_standard_output_and_input_reads_a_file()
    {
        string dir = TestDirectory.Create();
        File.WriteAllText(Path.Combine(dir, "in"), "from stdin\n");
        string output = Path.Combine(dir, "out");
        var settings = new ExecSettings
        {
            StandardInput = new(StdioKind.File, Path.Combine(dir, "in")),
            StandardOutput = new(StdioKind.Truncate, output),
        };
        Assert.True(Processes.Run(settings, ExecCommand.Of("/bin/sh", "-c", "cat; echo to-stderr >&2")).Succeeded);
        Assert.Equal("from stdin\nto-stderr\n", File.ReadAllText(output));
    }

    [Fact]
    public void Journal_output_goes_to_the_stream_the_manager_passes()
    {
        string file = Path.Combine(TestDirectory.Create(), "journal");
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        var parameters = new ExecParameters { JournalFd = (int)stream.SafeFileHandle.DangerousGetHandle(), ParentDeathSignal = 9 };
        var settings = new ExecSettings { StandardOutput = StdioSetting.Journal };
        Assert.True(Processes.Run(settings, ExecCommand.Of("/bin/sh", "-c", "echo out; echo err >&2"), parameters).Succeeded);
        Assert.Equal("out\nerr\n", File.ReadAllText(file));
    }

    [Fact]
    public void Socket_activation_descriptors_arrive_at_3_with_LISTEN_variables()
    {
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen();
        var parameters = new ExecParameters { ListenFds = [((int)listener.Handle, "web")], ParentDeathSignal = 9 };
        var (exit, output) = Processes.Shell("echo \"$LISTEN_FDS $LISTEN_FDNAMES $([ \"$LISTEN_PID\" = $$ ] && echo pid-ok)\"; readlink /proc/self/fd/3 | cut -d: -f1; ls /proc/self/fd | sort -n | tr '\\n' ' '", parameters: parameters);
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.StartsWith("1 web pid-ok\nsocket\n0 1 2 3 ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" 5 ", output, StringComparison.Ordinal);
    }
}
