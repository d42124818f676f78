using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>Real daemons from Debian packages under unitsd, from their unmodified shipped unit files
/// (installed by .ci/run; their packages are kept from starting them at install).</summary>
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
