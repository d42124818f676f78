using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>Credentials and sandboxing applied by the executor, observed from inside the child.</summary>
public sealed class SandboxTests
{
    private const string User = ProcessTrackingTests.UnitsTestUser;

    public SandboxTests()
    {
        Root.Require();
        ProcessTrackingTests.EnsureUser();
    }

    [Fact]
    public void User_and_Group_switch_credentials_and_set_the_login_environment()
    {
        var (exit, output) = Processes.Shell("id -un; id -gn; echo \"$USER $LOGNAME $HOME\"; grep -E '^(Uid|Gid):' /proc/self/status | awk '{print $2,$3,$4,$5}'",
            new ExecSettings { User = User, SupplementaryGroups = ["adm"] });
        Assert.True(exit.Succeeded, exit.ToString());
        var lines = output.Split('\n');
        Assert.Equal(User, lines[0]);
        Assert.Equal(User, lines[1]);
        Assert.Equal($"{User} {User} /nonexistent", lines[2]);
        Assert.Single(lines[3].Split(' ').Distinct()); // real, effective, saved, fs uid all switched
        var (_, groups) = Processes.Shell("id -Gn", new ExecSettings { User = User, SupplementaryGroups = ["adm"] });
        Assert.Contains("adm", groups.Split(' ', '\n'));
    }

    [Fact]
    public void Group_alone_changes_only_the_group()
    {
        var (exit, output) = Processes.Shell("id -un; id -gn", new ExecSettings { Group = "adm" });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("root\nadm\n", output);
    }

    [Fact]
    public void Plus_and_bang_prefixes_keep_the_managers_credentials()
    {
        string file = Path.Combine(TestDirectory.Create(), "out");
        var settings = new ExecSettings { User = User, StandardOutput = new(StdioKind.Append, file), NoNewPrivileges = true };
        Assert.True(Processes.Run(settings, ExecCommand.FromWords(["+/usr/bin/id", "-un"])).Succeeded);
        Assert.True(Processes.Run(settings, ExecCommand.FromWords(["!/usr/bin/id", "-un"])).Succeeded);
        Assert.True(Processes.Run(settings, ExecCommand.FromWords(["/usr/bin/id", "-un"])).Succeeded);
        Assert.Equal($"root\nroot\n{User}\n", File.ReadAllText(file));
    }

    [Fact]
    public void Runtime_and_state_directories_are_created_with_mode_and_owner()
    {
        string root = TestDirectory.Create();
        var parameters = new ExecParameters { Directories = new ExecDirectoryRoots(root + "/run", root + "/lib", root + "/cache", root + "/log", root + "/etc"), ParentDeathSignal = 9 };
        var (exit, output) = Processes.Shell("echo \"$RUNTIME_DIRECTORY $STATE_DIRECTORY\"; stat -c '%U %a' \"$RUNTIME_DIRECTORY\" \"$STATE_DIRECTORY\"",
            new ExecSettings { User = User, RuntimeDirectory = ["svc"], RuntimeDirectoryMode = Convert.ToInt32("750", 8), StateDirectory = ["svc/data"] },
            parameters);
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal($"{root}/run/svc {root}/lib/svc/data\n{User} 750\n{User} 755\n", output);
    }

    [Fact]
    public void A_dynamic_user_owns_its_private_state_directory_reached_through_a_link()
    {
        string root = TestDirectory.Create();
        var parameters = new ExecParameters
        {
            Directories = new ExecDirectoryRoots(root + "/run", root + "/lib", root + "/cache", root + "/log", root + "/etc"),
            ParentDeathSignal = 9,
            DynamicUser = new DynamicCredentials("unitsdyn", "unitsdyn", 61234, 61235),
        };
        // Left by an earlier start under another ID: chowned over, not lost.
        Directory.CreateDirectory(root + "/lib/private/dyn/old");
        File.WriteAllText(root + "/lib/private/dyn/old/data", "kept\n");
        var (exit, output) = Processes.Shell(
            "id -u; id -g; echo \"$USER $LOGNAME ${HOME-nohome}\"; echo \"$STATE_DIRECTORY\"; touch \"$STATE_DIRECTORY/new\"; " +
            "stat -c '%u:%g' \"$STATE_DIRECTORY/old/data\" \"$STATE_DIRECTORY/new\"; cat \"$STATE_DIRECTORY/old/data\"; ls \"$(dirname \"$STATE_DIRECTORY\")/private\"",
            new ExecSettings { DynamicUser = true, User = "unitsdyn", Group = "unitsdyn", StateDirectory = ["dyn"], ProtectSystem = ProtectSystem.Strict },
            parameters);
        Assert.True(exit.Succeeded, exit.ToString());
        // Inside, ROOT/private holds only this unit's directories (a tmpfs over the real one).
        Assert.Equal($"61234\n61235\nunitsdyn unitsdyn nohome\n{root}/lib/dyn\n61234:61235\n61234:61235\nkept\ndyn\n", output);
        Assert.Equal("private/dyn", new FileInfo(root + "/lib/dyn").LinkTarget);
        var (_, mode) = Processes.Shell($"stat -c %a {root}/lib/private");
        Assert.Equal("700\n", mode);
    }

    [Fact]
    public void NoNewPrivileges_capabilities_and_ambient_capabilities_are_set()
    {
        const int CAP_NET_BIND_SERVICE = 10;
        var (exit, output) = Processes.Shell("grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status | awk '{print $2}'", new ExecSettings
        {
            User = User,
            NoNewPrivileges = true,
            CapabilityBoundingSet = 1UL << CAP_NET_BIND_SERVICE,
            AmbientCapabilities = 1UL << CAP_NET_BIND_SERVICE,
        });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("0000000000000400\n0000000000000400\n0000000000000400\n1\n", output);
    }

    [Fact]
    public void PrivateTmp_gives_the_process_its_own_tmp_directories()
    {
        string dir = TestDirectory.Create();
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        Directory.CreateDirectory(Path.Combine(dir, "var-tmp"));
        File.WriteAllText(Path.Combine(dir, "tmp", "private-marker"), "");
        var parameters = new ExecParameters { PrivateTmp = (Path.Combine(dir, "tmp"), Path.Combine(dir, "var-tmp")), ParentDeathSignal = 9 };
        var (exit, output) = Processes.Shell($"ls /tmp; touch /var/tmp/written; [ -e {dir} ] && echo host-tmp-visible || echo host-tmp-hidden",
            new ExecSettings { PrivateTmp = true }, parameters);
        Assert.True(exit.Succeeded, exit.ToString());
        // The output file itself lives in the host's /tmp, opened before the namespace was set up.
        Assert.StartsWith("private-marker\n", output, StringComparison.Ordinal);
        Assert.EndsWith("host-tmp-hidden\n", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "var-tmp", "written")));
    }

    [Fact]
    public void ProtectSystem_strict_makes_the_tree_read_only_except_ReadWritePaths()
    {
        string writable = TestDirectory.Create();
        var (exit, output) = Processes.Shell($"touch /usr/units-test 2>/dev/null && echo usr-writable || echo usr-ro; touch /etc/units-test 2>/dev/null && echo etc-writable || echo etc-ro; touch {writable}/ok && echo rw-ok",
            new ExecSettings { ProtectSystem = ProtectSystem.Strict, ReadWritePaths = [writable] });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("usr-ro\netc-ro\nrw-ok\n", output);
    }

    [Fact]
    public void ProtectSystem_full_ProtectHome_and_InaccessiblePaths_hide_and_protect()
    {
        string hidden = TestDirectory.Create();
        File.WriteAllText(Path.Combine(hidden, "secret"), "x");
        var (exit, output) = Processes.Shell($"touch /etc/units-test 2>/dev/null && echo etc-writable || echo etc-ro; [ -z \"$(ls -A /root 2>/dev/null)\" ] && echo root-hidden || echo root-visible; cat {hidden}/secret 2>/dev/null || echo secret-hidden",
            new ExecSettings { ProtectSystem = ProtectSystem.Full, ProtectHome = ProtectHome.Yes, InaccessiblePaths = [hidden, "-/nonexistent/path"] });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("etc-ro\nroot-hidden\nsecret-hidden\n", output);
    }

    [Fact]
    public void ReadOnlyPaths_make_a_path_read_only()
    {
        string dir = TestDirectory.Create();
        var (exit, output) = Processes.Shell($"touch {dir}/x 2>/dev/null && echo writable || echo read-only", new ExecSettings { ReadOnlyPaths = [dir] });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("read-only\n", output);
    }

    [Fact]
    public void PrivateNetwork_leaves_only_loopback_up()
    {
        // /proc/net/dev lists the interfaces of the reader's network namespace.
        var (exit, output) = Processes.Shell("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", new ExecSettings { PrivateNetwork = true });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("lo\n", output);
    }

    [Fact]
    public void PrivateDevices_shows_only_pseudo_devices()
    {
        var (exit, output) = Processes.Shell("ls /dev | tr '\\n' ' '; echo; grep CapBnd /proc/self/status", new ExecSettings { PrivateDevices = true });
        Assert.True(exit.Succeeded, exit.ToString());
        var devices = output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("null", devices);
        Assert.Contains("urandom", devices);
        Assert.DoesNotContain(devices, d => d.StartsWith("sd", StringComparison.Ordinal) || d.StartsWith("vd", StringComparison.Ordinal) || d == "mem");
    }

    [Fact]
    public void ProtectKernelTunables_makes_proc_sys_read_only_and_kernel_logs_are_hidden()
    {
        var (exit, output) = Processes.Shell("{ echo 1 > /proc/sys/kernel/sysrq; } 2>/dev/null && echo sysctl-writable || echo sysctl-ro; grep -q ' /proc/kmsg ' /proc/self/mountinfo && echo kmsg-hidden || echo kmsg-readable; grep CapBnd /proc/self/status | cut -f2",
            new ExecSettings { ProtectKernelTunables = true, ProtectKernelLogs = true });
        Assert.True(exit.Succeeded, exit.ToString());
        var lines = output.Split('\n');
        Assert.Equal(["sysctl-ro", "kmsg-hidden"], lines[..2]);
        const int CAP_SYSLOG = 34;
        Assert.Equal(0UL, ulong.Parse(lines[2], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & (1UL << CAP_SYSLOG));
    }

    [Fact]
    public void RestrictNamespaces_refuses_namespaces_that_are_not_allowed()
    {
        const ulong CLONE_NEWUTS = 0x04000000;
        var (exit, output) = Processes.Shell("unshare -u true 2>/dev/null && echo uts-ok || echo uts-refused; unshare -n true 2>/dev/null && echo net-ok || echo net-refused",
            new ExecSettings { RestrictNamespaces = CLONE_NEWUTS });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("uts-ok\nnet-refused\n", output);
    }

    [Fact]
    public void RootDirectory_changes_the_root_and_a_failure_reports_210_CHROOT()
    {
        var exit = Processes.Run(new ExecSettings { RootDirectory = "/nonexistent/root" }, ExecCommand.Of("/bin/true"));
        Assert.Equal("code=exited, status=210/CHROOT", exit.ToString());
    }

    [Fact]
    public void Cpu_scheduling_policy_and_priority_are_applied()
    {
        var (exit, output) = Processes.Shell("cut -d' ' -f41 /proc/self/stat; cut -d' ' -f40 /proc/self/stat",
            new ExecSettings { CPUSchedulingPolicy = 2, CPUSchedulingPriority = 10 });
        Assert.True(exit.Succeeded, exit.ToString());
        Assert.Equal("2\n10\n", output);
    }
}
