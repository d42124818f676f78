using System.Diagnostics;
using System.Globalization;

namespace Units.Daemon.Tests.Harness;

/// <summary>
/// unitsd running as the system manager (<c>unitsd --system</c>) under system-instance.sh: its own mount, cgroup
/// and network namespaces, a private /run, and the real systemctl talking to /run/systemd/private as root.
/// Disposing kills whatever is left of the instance and removes its cgroup and files, also after a failed test.
/// </summary>
public sealed class SystemInstance : IDisposable
{
    private static int s_counter;
    private readonly FileStream _hostLock;

    private SystemInstance(string name, FileStream hostLock)
    {
        Name = name;
        _hostLock = hostLock;
    }

    public string Name { get; }

    public static string Script { get; } = Path.Combine(Paths.RepositoryRoot, "Tests", "Daemon.Tests", "Harness", "system-instance.sh");

    /// <summary>Starts unitsd --system with <paramref name="units"/> (file name → content) as its only units, beside
    /// the empty targets the script provides.</summary>
    public static SystemInstance Start(string prefix, IReadOnlyDictionary<string, string> units)
    {
        // Real daemons share host state beyond what the namespaces separate (a data directory, a dump file): one
        // system instance at a time on this machine, also across test runs of other checkouts.
        FileStream hostLock = HostLock();
        var instance = new SystemInstance($"{prefix}{Environment.ProcessId}x{Interlocked.Increment(ref s_counter)}", hostLock);
        try
        {
            string unitDirectory = instance.Run("dir").Output.Trim();
            Directory.CreateDirectory(unitDirectory);
            foreach ((string file, string content) in units)
                File.WriteAllText(Path.Combine(unitDirectory, file), content);
            CommandResult started = instance.Run("start", Paths.Unitsd);
            if (started.ExitCode != 0)
                throw new InvalidOperationException($"system-instance.sh start {instance.Name} failed ({started.ExitCode}): {started.Output}{started.Error}");
        }
        catch
        {
            instance.Dispose();
            throw;
        }
        return instance;
    }

    /// <summary>systemctl ARGS inside the instance, as root.</summary>
    public CommandResult Ctl(params string[] args) => Run(["ctl", .. args]);

    /// <summary>A command inside the instance's namespaces (its /run, its loopback).</summary>
    public CommandResult Exec(params string[] args) => Run(["exec", .. args]);

    /// <summary>One property of a unit, as systemctl show prints it.</summary>
    public string Property(string unit, string property) =>
        Ctl("show", "-p", property, "--value", unit).Output.Trim();

    /// <summary>The processes of the whole instance (every cgroup below its root) whose name is <paramref name="comm"/>.</summary>
    public List<int> ProcessesNamed(string comm)
    {
        string cgroup = Run("cgroup").Output.Trim();
        var pids = new List<int>();
        foreach (string procs in Directory.EnumerateFiles(cgroup, "cgroup.procs", SearchOption.AllDirectories))
        {
            foreach (string line in ReadOrEmpty(procs).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int pid = int.Parse(line, CultureInfo.InvariantCulture);
                if (ReadOrEmpty($"/proc/{pid}/comm").Trim() == comm)
                    pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>The manager's own log and the last journal lines, for failure messages.</summary>
    public string Diagnostics() =>
        Exec("journalctl", "--no-pager", "-n", "60", "-o", "short-monotonic").Output;

    public void Dispose()
    {
        try
        {
            Run("stop");
        }
        finally
        {
            _hostLock.Dispose();
        }
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return ""; // the process or cgroup went away while we looked
        }
    }

    private static FileStream HostLock()
    {
        string path = Path.Combine(Path.GetTempPath(), "units-system-instance.lock");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Linux; it is released with the stream.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromMinutes(5))
            {
                Thread.Sleep(200);
            }
        }
    }

    private CommandResult Run(params string[] args) =>
        Command.Run(Script, [args[0], Name, .. args.Skip(1)], TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["UNITS_SYSTEM_ROOT"] = Paths.ReferenceRoot });
}
