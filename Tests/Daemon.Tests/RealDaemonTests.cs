using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>Real daemons from Debian packages under unitsd, from their unmodified shipped unit files
/// (installed by .ci/run; their packages are kept from starting them at install): nginx under a user instance,
/// the others (which need /run, User= and sd_notify as a system service has them) under unitsd --system.</summary>
public sealed class RealDaemonTests
{
    [Fact]
    public async Task Nginx_starts_forking_with_its_pid_file_answers_reloads_and_leaves_nothing_behind()
    {
        const string unitFile = "/lib/systemd/system/nginx.service";
        Assert.True(File.Exists(unitFile), $"{unitFile} is missing: install Debian's nginx (.ci/run does)");
        using ManagerInstance unitsd = ManagerInstance.Start("ng", Paths.Unitsd,
            new Dictionary<string, string> { ["nginx.service"] = File.ReadAllText(unitFile) });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal(0, unitsd.Ctl("start", "nginx.service").ExitCode);
        CommandResult shown = unitsd.Ctl("show", "-p", "ActiveState,SubState,Type,MainPID", "nginx.service");
        Assert.Contains("ActiveState=active", shown.Output, StringComparison.Ordinal);
        Assert.Contains("SubState=running", shown.Output, StringComparison.Ordinal);
        Assert.Contains("Type=forking", shown.Output, StringComparison.Ordinal);
        // The harness normalises PIDs: "$PID" is a real main PID read from nginx's PIDFile=, "0" would be none.
        Assert.Contains("MainPID=$PID", shown.Output, StringComparison.Ordinal);
        Assert.NotEmpty(ProcessesNamed("nginx"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("http://127.0.0.1/")).StatusCode);

        Assert.Equal(0, unitsd.Ctl("reload", "nginx.service").ExitCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("http://127.0.0.1/")).StatusCode);

        Assert.Equal(0, unitsd.Ctl("stop", "nginx.service").ExitCode);
        Assert.Contains("ActiveState=inactive", unitsd.Ctl("show", "-p", "ActiveState", "nginx.service").Output, StringComparison.Ordinal);
        Assert.Empty(ProcessesNamed("nginx"));
    }

    [Fact]
    public void Redis_starts_as_a_notify_service_in_its_sandbox_answers_ping_and_leaves_nothing_behind()
    {
        using SystemInstance unitsd = SystemInstance.Start("redis", ShippedUnits("redis-server.service"));

        Started(unitsd, "redis-server.service", "notify");
        Assert.Equal("PONG", unitsd.Exec("redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping").Output.Trim());
        // User=redis, RuntimeDirectory=redis with RuntimeDirectoryMode=2755, CapabilityBoundingSet= (empty: none).
        Assert.Equal("redis 2755", unitsd.Exec("stat", "-c", "%U %a", "/run/redis").Output.Trim());
        string status = unitsd.Exec("cat", $"/proc/{unitsd.Property("redis-server.service", "MainPID")}/status").Output;
        Assert.Contains("CapBnd:\t0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivs:\t1", status, StringComparison.Ordinal);
        // The unit defines no ExecReload=: systemd refuses the job.
        Assert.Equal("no", unitsd.Property("redis-server.service", "CanReload"));
        Assert.NotEqual(0, unitsd.Ctl("reload", "redis-server.service").ExitCode);

        StoppedLeavingNothing(unitsd, "redis-server.service", "redis-server");
        // RuntimeDirectoryPreserve=no (the default): the runtime directory goes with the service.
        Assert.NotEqual(0, unitsd.Exec("test", "-e", "/run/redis").ExitCode);
    }

    [Fact]
    public void Postgresql_cluster_starts_forking_through_pg_ctlcluster_answers_reloads_and_leaves_nothing_behind()
    {
        Assert.True(File.Exists("/etc/postgresql/15/main/postgresql.conf"), "cluster 15/main is missing: .ci/run creates it (pg_createcluster 15 main)");
        using SystemInstance unitsd = SystemInstance.Start("pg", ShippedUnits("postgresql@.service", "postgresql.service"));
        string[] selectOne = ["runuser", "-u", "postgres", "--", "psql", "-XAtc", "select 1"];

        Started(unitsd, "postgresql@15-main.service", "forking");
        Assert.Equal("1", unitsd.Exec(selectOne).Output.Trim());
        Assert.Equal(0, unitsd.Ctl("reload", "postgresql@15-main.service").ExitCode);
        Assert.Equal("1", unitsd.Exec(selectOne).Output.Trim());

        StoppedLeavingNothing(unitsd, "postgresql@15-main.service", "postgres");
    }

    [Fact]
    public void Ssh_starts_as_a_notify_service_after_its_config_test_answers_keyscan_reloads_and_leaves_nothing_behind()
    {
        using SystemInstance unitsd = SystemInstance.Start("ssh", ShippedUnits("ssh.service"));

        Started(unitsd, "ssh.service", "notify");
        Assert.Contains("ssh-ed25519", KeyScan(unitsd), StringComparison.Ordinal);
        string mainPid = unitsd.Property("ssh.service", "MainPID");
        // ExecReload= tests the configuration, then sends SIGHUP: sshd re-executes itself in the same process.
        Assert.Equal(0, unitsd.Ctl("reload", "ssh.service").ExitCode);
        Assert.Equal(mainPid, unitsd.Property("ssh.service", "MainPID"));
        Assert.Contains("ssh-ed25519", KeyScan(unitsd), StringComparison.Ordinal);

        StoppedLeavingNothing(unitsd, "ssh.service", "sshd");
        Assert.NotEqual(0, unitsd.Exec("test", "-e", "/run/sshd").ExitCode);
    }

    [Fact]
    public void Cron_starts_as_a_simple_service_runs_and_leaves_nothing_behind()
    {
        using SystemInstance unitsd = SystemInstance.Start("cron", ShippedUnits("cron.service"));

        Started(unitsd, "cron.service", "simple");
        string mainPid = unitsd.Property("cron.service", "MainPID");
        Assert.Equal("cron", unitsd.Exec("cat", $"/proc/{mainPid}/comm").Output.Trim());
        // cron has no socket to ask; it answers by writing its pid file once it runs (Type=simple: start does not wait).
        Assert.True(Eventually(() => unitsd.Exec("cat", "/run/crond.pid").Output.Trim() == mainPid),
            $"cron did not write /run/crond.pid = {mainPid}\n{unitsd.Diagnostics()}");
        Assert.Equal("no", unitsd.Property("cron.service", "CanReload"));

        StoppedLeavingNothing(unitsd, "cron.service", "cron");
    }

    [Fact]
    public void Memcached_starts_through_its_wrapper_in_its_sandbox_answers_version_and_leaves_nothing_behind()
    {
        using SystemInstance unitsd = SystemInstance.Start("memc", ShippedUnits("memcached.service"));
        string[] version = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/11211 && printf 'version\\r\\n' >&3 && head -n1 <&3"];

        Started(unitsd, "memcached.service", "simple");
        // The Perl wrapper execs memcached in the same process: the main PID becomes memcached.
        Assert.True(Eventually(() => unitsd.Exec(version).Output.StartsWith("VERSION ", StringComparison.Ordinal)),
            $"memcached did not answer on 127.0.0.1:11211\n{unitsd.Diagnostics()}");
        Assert.Equal("memcached", unitsd.Exec("cat", $"/proc/{unitsd.Property("memcached.service", "MainPID")}/comm").Output.Trim());

        StoppedLeavingNothing(unitsd, "memcached.service", "memcached");
    }

    /// <summary>The Debian package's unit files, unmodified.</summary>
    private static Dictionary<string, string> ShippedUnits(params string[] names)
    {
        var units = new Dictionary<string, string>();
        foreach (string name in names)
        {
            string file = Path.Combine("/lib/systemd/system", name);
            Assert.True(File.Exists(file), $"{file} is missing: install its Debian package (.ci/run does)");
            units[name] = File.ReadAllText(file);
        }
        return units;
    }

    private static void Started(SystemInstance unitsd, string unit, string type)
    {
        CommandResult start = unitsd.Ctl("start", unit);
        Assert.True(start.ExitCode == 0, $"systemctl start {unit}: {start.Error}\n{unitsd.Diagnostics()}");
        Assert.Equal(["active", "running", type],
            [unitsd.Property(unit, "ActiveState"), unitsd.Property(unit, "SubState"), unitsd.Property(unit, "Type")]);
        Assert.NotEqual("0", unitsd.Property(unit, "MainPID"));
    }

    private static void StoppedLeavingNothing(SystemInstance unitsd, string unit, string comm)
    {
        Assert.NotEmpty(unitsd.ProcessesNamed(comm));
        CommandResult stop = unitsd.Ctl("stop", unit);
        Assert.True(stop.ExitCode == 0, $"systemctl stop {unit}: {stop.Error}\n{unitsd.Diagnostics()}");
        Assert.Equal("inactive", unitsd.Property(unit, "ActiveState"));
        Assert.Empty(unitsd.ProcessesNamed(comm));
    }

    /// <summary>ssh-keyscan against the instance's loopback; sshd re-binds its socket after a reload, so a refused
    /// connection is asked again.</summary>
    private static string KeyScan(SystemInstance unitsd)
    {
        string keys = "";
        Eventually(() => (keys = unitsd.Exec("ssh-keyscan", "-T", "5", "-t", "ed25519", "127.0.0.1").Output).Length > 0);
        return keys;
    }

    /// <summary>Asks again until <paramref name="condition"/> holds (a daemon that signals no readiness), for up to 30 s.</summary>
    private static bool Eventually(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
                return false;
            Thread.Sleep(100);
        }
        return true;
    }

    private static List<int> ProcessesNamed(string comm)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == comm)
                    pids.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return pids;
    }
}
