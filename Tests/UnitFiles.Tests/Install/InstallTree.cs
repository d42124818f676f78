using System.Diagnostics;
using System.Text;

namespace Units.UnitFiles.Tests.Install;

/// <summary>
/// A pair of identical temporary root directories built by the same steps in the same order: one for our
/// installer, one for the real systemctl 252 (--root=DIR, offline). Snapshots describe every file, directory
/// and symlink below a root, relative to it, so the two trees can be compared after an operation.
/// </summary>
internal sealed class InstallTree : IDisposable
{
    private readonly List<Action<string>> steps = [];

    public InstallTree()
    {
        string baseDir = Path.Combine(Path.GetTempPath(), "units-install-" + Guid.NewGuid().ToString("N")[..12]);
        Ours = Path.Combine(baseDir, "ours");
        Theirs = Path.Combine(baseDir, "theirs");
        Base = baseDir;
    }

    public string Base { get; }

    /// <summary>Rewrites every path and symlink target given to the builder (e.g. system paths to user ones); identity by default.</summary>
    public Func<string, string> MapPath { get; set; } = p => p;

    /// <summary>The root our installer works on.</summary>
    public string Ours { get; }

    /// <summary>The root systemctl works on.</summary>
    public string Theirs { get; }

    /// <summary>Writes a file (parents created) below both roots.</summary>
    public InstallTree File(string relativePath, string content)
    {
        steps.Add(root =>
        {
            string full = Path.Combine(root, MapPath(relativePath));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            System.IO.File.WriteAllText(full, content);
        });
        return this;
    }

    /// <summary>A unit in the vendor directory /usr/lib/systemd/system (or another directory given as a path).</summary>
    public InstallTree Unit(string nameOrPath, string content = "[Unit]\nDescription=test\n") =>
        File(nameOrPath.Contains('/') ? nameOrPath : "usr/lib/systemd/system/" + nameOrPath, content);

    /// <summary>A unit with an [Install] section made of <paramref name="installLines"/>.</summary>
    public InstallTree Installable(string nameOrPath, params string[] installLines) =>
        Unit(nameOrPath, "[Unit]\nDescription=test\n\n[Service]\nExecStart=/bin/true\n\n[Install]\n" + string.Join("\n", installLines) + "\n");

    public InstallTree Symlink(string relativePath, string target)
    {
        steps.Add(root =>
        {
            string full = Path.Combine(root, MapPath(relativePath));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            System.IO.File.Delete(full);
            System.IO.File.CreateSymbolicLink(full, MapPath(target));
        });
        return this;
    }

    public InstallTree Dir(string relativePath)
    {
        steps.Add(root => Directory.CreateDirectory(Path.Combine(root, MapPath(relativePath))));
        return this;
    }

    /// <summary>Creates both roots (the standard directories first, then the steps in order).</summary>
    public void Build()
    {
        foreach (string root in new[] { Ours, Theirs })
        {
            foreach (string d in new[] { "etc/systemd/system", "usr/lib/systemd/system", "run/systemd/system", "etc/systemd/user", "usr/lib/systemd/user" })
                Directory.CreateDirectory(Path.Combine(root, d));
            foreach (Action<string> step in steps)
                step(root);
        }
    }

    /// <summary>
    /// Every entry below <paramref name="root"/>: "path -> target" for symlinks, "path [dir]", "path [file N]";
    /// occurrences of <paramref name="replace"/> in link targets read "ROOT" (user-scope links are absolute host paths).
    /// </summary>
    public static SortedSet<string> Snapshot(string root, string replace)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        Walk(root, root, replace, result);
        return result;
    }

    private static void Walk(string root, string dir, string replace, SortedSet<string> result)
    {
        foreach (FileSystemInfo info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            string rel = Path.GetRelativePath(root, info.FullName);
            if (info.LinkTarget is { } target)
                result.Add($"{rel} -> {target.Replace(replace, "ROOT", StringComparison.Ordinal)}");
            else if (info is DirectoryInfo)
            {
                result.Add($"{rel} [dir]");
                Walk(root, info.FullName, replace, result);
            }
            else
                result.Add($"{rel} [file {((FileInfo)info).Length}]");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Runs the real systemctl 252 offline.</summary>
internal static class Systemctl
{
    public sealed record Output(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr);

    private static readonly string[] Noise =
    [
        "Cannot stat /proc/1/root",
        "Failed to check if we're running in chroot",
    ];

    public static string Path { get; } = FindSystemctl();

    private static string FindSystemctl()
    {
        foreach (string candidate in new[] { "/usr/bin/systemctl", "/bin/systemctl" })
            if (System.IO.File.Exists(candidate))
                return candidate;
        throw new InvalidOperationException("systemctl (systemd 252) is required for the differential install tests: apt-get install systemd");
    }

    public static Output Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        foreach (string variable in new[] { "SYSTEMD_UNIT_PATH", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS", "XDG_RUNTIME_DIR" })
            psi.Environment.Remove(variable);
        psi.Environment["SYSTEMD_LOG_LEVEL"] = "info";
        psi.Environment["SYSTEMD_COLORS"] = "0";
        psi.Environment["SYSTEMD_PAGER"] = "cat";
        psi.Environment["LANG"] = "C.UTF-8";
        if (environment is not null)
            foreach (var (k, v) in environment)
                psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new Output(process.ExitCode, Lines(stdout.Result), Lines(stderr.Result).Where(l => !Noise.Any(l.StartsWith)).ToList());
    }

    private static List<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
}
