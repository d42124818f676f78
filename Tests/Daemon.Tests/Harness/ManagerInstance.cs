using System.Text.RegularExpressions;

namespace Units.Daemon.Tests.Harness;

/// <summary>The result of one command: exit status and output, with what differs by nature between two
/// managers (instance paths, PIDs, times, job ids) normalised away.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error);

/// <summary>A service manager (real systemd 252, or unitsd) running as a user instance under
/// run-systemd.sh, isolated in its own mount and cgroup namespaces and driven by the real systemctl.</summary>
public sealed partial class ManagerInstance : IDisposable
{
    private static int s_counter;

    private ManagerInstance(string name, string? binary)
    {
        Name = name;
        Binary = binary;
    }

    public string Name { get; }

    /// <summary>The manager binary; null for Debian's systemd.</summary>
    public string? Binary { get; }

    public bool IsUnitsd => Binary is not null;

    /// <summary>Where run-systemd.sh keeps this instance (its unit directory is "units" below it).</summary>
    public string InstanceDirectory => Path.Combine(Paths.ReferenceRoot, Name);

    public string UnitDirectory => Path.Combine(InstanceDirectory, "units");

    /// <summary>Starts an instance with <paramref name="units"/> (file name → content) in its unit directory.</summary>
    public static ManagerInstance Start(string prefix, string? binary, IReadOnlyDictionary<string, string>? units = null)
    {
        var instance = new ManagerInstance($"{prefix}{Environment.ProcessId}x{Interlocked.Increment(ref s_counter)}", binary);
        try
        {
            CommandResult started = instance.Script("start");
            if (started.ExitCode != 0)
                throw new InvalidOperationException($"run-systemd.sh start {instance.Name} failed ({started.ExitCode}): {started.Output}{started.Error}\n{instance.ManagerLog()}");
            // The unit directory exists once the instance runs; units written then are read by daemon-reload.
            if (units is { Count: > 0 })
            {
                foreach ((string file, string content) in units)
                    File.WriteAllText(Path.Combine(instance.UnitDirectory, file), content);
                CommandResult reload = instance.Ctl("daemon-reload");
                if (reload.ExitCode != 0)
                    throw new InvalidOperationException($"daemon-reload failed on {instance.Name}: {reload.Error}");
            }
        }
        catch
        {
            instance.Dispose();
            throw;
        }
        return instance;
    }

    /// <summary>systemctl --user ARGS against this instance (inside its namespaces, as run-systemd.sh ctl does).</summary>
    public CommandResult Ctl(params string[] args) => Script(["ctl", .. args]);

    /// <summary>Runs ARGS inside this instance's namespaces as its user, with its XDG_RUNTIME_DIR (run-systemd.sh as).</summary>
    public CommandResult As(params string[] args) => Script(["as", .. args]);

    /// <summary>The manager's process id on the host: the process in its cgroup's init.scope, where both managers
    /// move themselves (run-systemd.sh pid's answer, which the output normaliser would hide).</summary>
    public int ManagerPid()
    {
        string hierarchy = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
        return int.Parse(File.ReadAllLines(Path.Combine(hierarchy, "sdref-" + Name, "init.scope", "cgroup.procs"))[0],
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs ARGS inside this instance's namespaces as root, in the test's environment (run-systemd.sh nsenter).</summary>
    public CommandResult Enter(params string[] args) => Script(["nsenter", .. args]);

    public string ManagerLog()
    {
        string log = Path.Combine(InstanceDirectory, "manager.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    public void Dispose() => Script("stop");

    /// <summary>Starts CMD as the instance's user (as <see cref="As"/> does) without waiting for it: the caller
    /// waits for it or kills it.</summary>
    public System.Diagnostics.Process Launch(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Paths.RunSystemd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["as", Name, .. args])
            start.ArgumentList.Add(argument);
        start.Environment["SDREF_ROOT"] = Paths.ReferenceRoot;
        if (Binary is not null)
            start.Environment["SYSTEMD"] = Binary;
        return System.Diagnostics.Process.Start(start)!;
    }

    private CommandResult Script(params string[] args)
    {
        var environment = new Dictionary<string, string> { ["SDREF_ROOT"] = Paths.ReferenceRoot };
        if (Binary is not null)
            environment["SYSTEMD"] = Binary;
        CommandResult result = Command.Run(Paths.RunSystemd, [args[0], Name, .. args.Skip(1)], TimeSpan.FromSeconds(60), environment);
        return result with { Output = Normalise(result.Output), Error = Normalise(result.Error) };
    }

    /// <summary>Removes what differs by nature: the instance's own paths and name, PIDs, timestamps and
    /// durations, job ids, memory and CPU figures.</summary>
    private string Normalise(string text)
    {
        text = text.Replace(InstanceDirectory, "$INSTANCE", StringComparison.Ordinal);
        text = Timestamp().Replace(text, "$TIME");
        text = Ago().Replace(text, "$AGO");
        text = Pid().Replace(text, "$1$PID");
        text = ProcessLine().Replace(text, "Process: $$PID ");
        text = CgroupTreePid().Replace(text, "$1$$PID ");
        text = CpuLine().Replace(text, "CPU: $$CPU");
        text = JobId().Replace(text, "job/$$ID");
        return text;
    }

    [GeneratedRegex(@"\w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \w+")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"\d+(\.\d+)?(us|ms|s|min|h|d|w|month|y)( \d+(\.\d+)?(us|ms|s|min|h|d|w|month|y))* ago")]
    private static partial Regex Ago();

    [GeneratedRegex(@"(PID: |PID=|Main PID: |\b)\d{2,7}(?= \(|$|\n)", RegexOptions.Multiline)]
    private static partial Regex Pid();

    /// <summary>A process in status's CGroup: tree ("└─1234 /bin/sleep infinity").</summary>
    [GeneratedRegex(@"([└├]─)\d+ ")]
    private static partial Regex CgroupTreePid();

    [GeneratedRegex(@"CPU: [0-9.]+\w+")]
    private static partial Regex CpuLine();

    [GeneratedRegex(@"Process: \d+ ")]
    private static partial Regex ProcessLine();

    [GeneratedRegex(@"job/\d+")]
    private static partial Regex JobId();
}
