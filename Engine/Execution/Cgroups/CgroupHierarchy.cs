using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Units.Execution.Native;

namespace Units.Execution.Cgroups;

/// <summary>Readings of a unit's cgroup; null where the controller is not available.</summary>
public readonly record struct CgroupUsage(ulong? MemoryCurrent, ulong? TasksCurrent, ulong? CpuUsageNSec);

/// <summary>A process of a unit, for GetUnitProcesses.</summary>
public readonly record struct UnitProcess(string CgroupPath, int Pid, string CommandLine);

/// <summary>
/// The cgroup v2 subtree this manager owns, laid out as systemd does: slices nest by their dashed prefixes
/// ("foo-bar.slice" lives in "foo.slice/foo-bar.slice"), "-.slice" is the root itself, every unit has its own
/// directory, and the manager runs in "init.scope". Paths given to and returned by members are absolute.
/// </summary>
public sealed class CgroupHierarchy
{
    private readonly HashSet<string> _enabledFor = new(StringComparer.Ordinal);

    private CgroupHierarchy(string mountPoint, string root, IReadOnlySet<string> controllers)
    {
        MountPoint = mountPoint;
        Root = root;
        AvailableControllers = controllers;
    }

    /// <summary>The cgroup2 mount: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid).</summary>
    public string MountPoint { get; }

    /// <summary>The directory the instance owns (the "-.slice" of its units).</summary>
    public string Root { get; }

    /// <summary>Controllers the parent delegates to <see cref="Root"/> (cgroup.controllers).</summary>
    public IReadOnlySet<string> AvailableControllers { get; }

    public bool HasKill => File.Exists(Path.Combine(Root, "cgroup.kill"));

    /// <summary>Finds the writable cgroup v2 mount, or null (the caller then tracks processes without cgroups).</summary>
    public static string? FindMount()
    {
        foreach (var candidate in new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" })
            if (File.Exists(Path.Combine(candidate, "cgroup.controllers")) || IsCgroup2(candidate))
                return candidate;
        return null;
    }

    private static bool IsCgroup2(string path) =>
        File.Exists("/proc/self/mounts") &&
        File.ReadLines("/proc/self/mounts").Any(l => l.Split(' ') is [_, var mountPoint, "cgroup2", ..] && mountPoint == path);

    /// <summary>
    /// Opens the hierarchy with <paramref name="root"/> as the owned subtree; by default the cgroup this process
    /// was started in (for a user instance in its own cgroup namespace: the namespace's root). Null when there is no
    /// writable cgroup v2.
    /// </summary>
    public static CgroupHierarchy? Open(string? root = null)
    {
        var mount = FindMount();
        if (mount is null)
            return null;
        root ??= Path.Join(mount, OwnCgroup());
        try
        {
            Directory.CreateDirectory(root);
            if (!IsWritable(root))
                return null;
            var controllers = File.ReadAllText(Path.Combine(root, "cgroup.controllers"))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return new CgroupHierarchy(mount, root.TrimEnd('/'), controllers);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsWritable(string directory) => Libc.access(directory, 2) == 0;

    /// <summary>This process's cgroup v2 path ("0::/path" of /proc/self/cgroup).</summary>
    public static string OwnCgroup() => CgroupOfProcess("self") ?? "/";

    private static string? CgroupOfProcess(string pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/cgroup"))
                if (line.StartsWith("0::", StringComparison.Ordinal))
                    return line[3..];
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static readonly Lazy<string?> Mount = new(FindMount);

    /// <summary>The absolute cgroup v2 directory of any process (no hierarchy object needed), or null.</summary>
    public static string? CgroupOfAnyProcess(int pid) =>
        Mount.Value is { } mount && CgroupOfProcess(pid.ToString(CultureInfo.InvariantCulture)) is { } relative
            ? Path.Join(mount, relative).TrimEnd('/')
            : null;

    /// <summary>The absolute cgroup directory of a process, or null when it is gone.</summary>
    public string? CgroupOf(int pid) =>
        CgroupOfProcess(pid.ToString(CultureInfo.InvariantCulture)) is { } relative ? Path.Join(MountPoint, relative).TrimEnd('/') : null;

    /// <summary>"foo-bar.slice" → "foo.slice/foo-bar.slice"; "-.slice" → "" (systemd's slice nesting).</summary>
    public static string SliceRelativePath(string slice)
    {
        if (slice == "-.slice")
            return "";
        if (!slice.EndsWith(".slice", StringComparison.Ordinal))
            throw new ArgumentException($"'{slice}' is not a slice name.", nameof(slice));
        string stem = slice[..^".slice".Length];
        var parts = new List<string>();
        for (int dash = stem.IndexOf('-', StringComparison.Ordinal); dash >= 0; dash = stem.IndexOf('-', dash + 1))
            parts.Add(stem[..dash] + ".slice");
        parts.Add(slice);
        return string.Join('/', parts);
    }

    /// <summary>The directory of a unit: its slice's directory plus its own name (slices are their own directory).</summary>
    public string PathOf(string unitName, string? slice)
    {
        if (unitName.EndsWith(".slice", StringComparison.Ordinal))
            return Path.Join(Root, SliceRelativePath(unitName)).TrimEnd('/');
        string sliceDir = slice is null ? "" : SliceRelativePath(slice);
        return Path.Join(Root, sliceDir, Escape(unitName));
    }

    /// <summary>As systemd's cg_escape: names that clash with kernel files get a leading underscore.</summary>
    private static string Escape(string name) =>
        name.StartsWith('_') || name.StartsWith('.') || name is "notify_on_release" or "release_agent" or "tasks" ||
        name.StartsWith("cgroup.", StringComparison.Ordinal)
            ? "_" + name
            : name;

    /// <summary>Creates a unit's directory (and its slices), enabling the controllers its settings need on the way;
    /// <paramref name="created"/> says whether the directory is new (so it has counted nothing yet).</summary>
    public IReadOnlyList<string> Realize(string path, ResourceControlSettings? resources, out bool created)
    {
        // One mkdir in the common case (the slice exists); the parents are made only when it says ENOENT.
        created = Libc.mkdir(path, 0x1ED) == 0;
        if (!created && Marshal.GetLastPInvokeError() == Libc.ENOENT)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            created = Libc.mkdir(path, 0x1ED) == 0;
        }
        if (!created && !Directory.Exists(path))
            Directory.CreateDirectory(path); // reports why it cannot be made
        var problems = new List<string>();
        var wanted = (resources ?? ResourceControlSettings.None).Controllers().ToList();
        if (wanted.Count > 0)
        {
            var missing = wanted.Where(c => !AvailableControllers.Contains(c)).ToList();
            if (missing.Count > 0)
                problems.Add($"cgroup controllers not delegated to {Root}: {string.Join(' ', missing)}; their settings are not applied.");
            var usable = wanted.Where(AvailableControllers.Contains).ToList();
            // Each ancestor from the root down must pass the controller to its children.
            for (var dir = Path.GetDirectoryName(path); dir is not null && dir.Length >= Root.Length; dir = Path.GetDirectoryName(dir))
                foreach (var controller in usable)
                    EnableController(dir, controller, problems);
            if (resources is not null)
                Apply(path, resources, problems);
        }
        return problems;
    }

    private void EnableController(string dir, string controller, List<string> problems)
    {
        if (!_enabledFor.Add(dir + "\0" + controller))
            return;
        try
        {
            File.WriteAllText(Path.Combine(dir, "cgroup.subtree_control"), "+" + controller);
        }
        catch (IOException e)
        {
            _enabledFor.Remove(dir + "\0" + controller);
            problems.Add($"Cannot enable the {controller} controller in {dir}: {e.Message}");
        }
    }

    private static void Apply(string path, ResourceControlSettings r, List<string> problems)
    {
        static string Max(ulong value) => value == ulong.MaxValue ? "max" : value.ToString(CultureInfo.InvariantCulture);
        void Write(string file, string value)
        {
            string target = Path.Combine(path, file);
            if (!File.Exists(target))
                return; // controller missing: reported by Realize
            try
            {
                File.WriteAllText(target, value);
            }
            catch (IOException e)
            {
                problems.Add($"Cannot set {file}={value}: {e.Message}");
            }
        }
        if (r.MemoryMax is { } memoryMax)
            Write("memory.max", Max(memoryMax));
        if (r.MemoryHigh is { } memoryHigh)
            Write("memory.high", Max(memoryHigh));
        if (r.TasksMax is { } tasks)
            Write("pids.max", Max(tasks));
        if (r.CPUQuotaPerSecUSec is { } quota)
            Write("cpu.max", $"{quota / 10} 100000"); // per 100 ms period, as systemd's default
        if (r.CPUWeight is { } cpuWeight)
            Write("cpu.weight", cpuWeight.ToString(CultureInfo.InvariantCulture));
        if (r.IOWeight is { } ioWeight)
            Write("io.weight", "default " + ioWeight.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Moves a process (the manager itself) into <see cref="Root"/>/init.scope.</summary>
    public string MoveToInitScope(int pid)
    {
        string scope = Path.Combine(Root, "init.scope");
        Directory.CreateDirectory(scope);
        File.WriteAllText(Path.Combine(scope, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
        return scope;
    }

    /// <summary>Moves a process into a cgroup; false when it is gone.</summary>
    public static bool Attach(string path, int pid)
    {
        try
        {
            File.WriteAllText(Path.Combine(path, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>"populated 1" of cgroup.events: some process lives in the directory or below.</summary>
    public static bool IsPopulated(string path) =>
        Field(ReadSmallFile(Path.Combine(path, "cgroup.events")), "populated ") is { } populated && populated.StartsWith('1');

    /// <summary>The pids in <paramref name="path"/> and every directory below.</summary>
    public static List<int> Pids(string path)
    {
        var pids = new List<int>();
        foreach (var (_, pid) in Members(path))
            pids.Add(pid);
        return pids;
    }

    private static IEnumerable<(string Dir, int Pid)> Members(string path)
    {
        if (!Directory.Exists(path))
            yield break;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(path, "cgroup.procs"));
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var line in lines)
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                yield return (path, pid);
        string[] children;
        try
        {
            children = Directory.GetDirectories(path);
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var child in children)
            foreach (var member in Members(child))
                yield return member;
    }

    /// <summary>The processes of a unit with their command lines (for GetUnitProcesses and status).</summary>
    public static List<UnitProcess> Processes(string path) =>
        Members(path).Select(m => new UnitProcess(m.Dir, m.Pid, CommandLine(m.Pid))).ToList();

    /// <summary>/proc/PID/cmdline with NULs as spaces, or "(comm)" for kernel-side names and zombies.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
            if (bytes.Length > 0)
                return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Replace('\0', ' ');
            return "(" + File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n') + ")";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to every process of the unit; SIGKILL goes through cgroup.kill where the
    /// kernel has it (atomic against forks). Other signals are sent pid by pid, repeating until a pass finds no new
    /// process, so that children forked meanwhile are reached too. Returns how many processes were signalled.
    /// </summary>
    public int Kill(string path, int signal, bool sendSigCont = true)
    {
        if (signal == 9 && File.Exists(Path.Combine(path, "cgroup.kill")))
        {
            int count = Pids(path).Count;
            try
            {
                File.WriteAllText(Path.Combine(path, "cgroup.kill"), "1");
                return count;
            }
            catch (IOException)
            {
                // fall through to the per-process loop
            }
        }
        var done = new HashSet<int>();
        int own = Libc.getpid();
        for (bool found = true; found;)
        {
            found = false;
            foreach (var pid in Pids(path))
            {
                if (pid == own || !done.Add(pid))
                    continue;
                found = true;
                Libc.kill(pid, signal);
                if (sendSigCont && signal is not (9 or 18))
                    Libc.kill(pid, 18); // a stopped process would not act on the signal otherwise
            }
        }
        return done.Count;
    }

    /// <summary>Removes a unit's directory and its children (they must be empty of processes).</summary>
    public static bool Remove(string path)
    {
        if (!Directory.Exists(path))
            return true;
        try
        {
            foreach (var child in Directory.GetDirectories(path))
                Remove(child);
            Directory.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static CgroupUsage Usage(string path) => new(
        ReadNumber(Path.Combine(path, "memory.current")),
        ReadNumber(Path.Combine(path, "pids.current")),
        CpuUsage(path));

    /// <summary>usage_usec of cpu.stat, in nanoseconds; null when the cgroup is gone.</summary>
    public static ulong? CpuUsage(string path) =>
        Field(ReadSmallFile(Path.Combine(path, "cpu.stat")), "usage_usec ") is { } text &&
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) ? usec * 1000 : null;

    private static ulong? ReadNumber(string file) =>
        ReadSmallFile(file) is { } text && ulong.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : null;

    /// <summary>The value after "key " on its line of a flat keyed file (cgroup.events, cpu.stat).</summary>
    private static string? Field(string? text, string key)
    {
        if (text is null)
            return null;
        foreach (var line in text.AsSpan().EnumerateLines())
            if (line.StartsWith(key, StringComparison.Ordinal))
                return line[key.Length..].Trim().ToString();
        return null;
    }

    /// <summary>
    /// A cgroup interface file (a few lines at most), or null when it does not exist or cannot be read. Units are
    /// started and stopped by the thousand and their cgroups read at each step: one open and read, with no stream and
    /// no exception (costly under Native AOT) for the files a controller the host does not delegate leaves out.
    /// </summary>
    private static unsafe string? ReadSmallFile(string file)
    {
        int fd = Libc.open(file, Libc.O_CLOEXEC);
        if (fd < 0)
            return null;
        try
        {
            const int Size = 4096;
            byte* buffer = stackalloc byte[Size];
            nint total = 0;
            while (total < Size)
            {
                nint n = Libc.read(fd, buffer + total, Size - total);
                if (n < 0)
                    return null;
                if (n == 0)
                    break;
                total += n;
            }
            return System.Text.Encoding.ASCII.GetString(buffer, (int)total);
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
