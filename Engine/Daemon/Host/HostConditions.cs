using Units.Core.Model;
using Units.UnitFiles.Specifiers;

namespace Units.Daemon.Host;

/// <summary>Condition*=/Assert*= tests against this host (systemd.unit(5) "Conditions and Asserts"). Returns
/// the test's raw result (the core applies "!" and "|"), or null for a test unitsd cannot evaluate, which the
/// core records as an error.</summary>
internal sealed class HostConditions : IConditionEvaluator
{
    public bool? Test(UnitCondition condition)
    {
        string kind = condition.Type.StartsWith("Condition", StringComparison.Ordinal) ? condition.Type["Condition".Length..]
            : condition.Type.StartsWith("Assert", StringComparison.Ordinal) ? condition.Type["Assert".Length..]
            : condition.Type;
        string p = condition.Parameter;
        try
        {
            return kind switch
            {
                "PathExists" => Path.Exists(p),
                "PathExistsGlob" => GlobExists(p),
                "PathIsDirectory" => Directory.Exists(p),
                "PathIsSymbolicLink" => new FileInfo(p).LinkTarget is not null,
                "PathIsReadWrite" => Path.Exists(p) && Native.access(p, Native.W_OK) == 0,
                "DirectoryNotEmpty" => Directory.Exists(p) && Directory.EnumerateFileSystemEntries(p).Any(),
                "FileNotEmpty" => File.Exists(p) && new FileInfo(p).Length > 0,
                "FileIsExecutable" => File.Exists(p) && Native.access(p, Native.X_OK) == 0,
                "Host" => string.Equals(p, Environment.MachineName, StringComparison.OrdinalIgnoreCase) || p == MachineId(),
                "User" => MatchesUser(p),
                "Environment" => MatchesEnvironment(p),
                "Architecture" => p == HostFacts.Instance.Architecture || p == "native",
                "Virtualization" => MatchesVirtualization(p),
                "FirstBoot" => File.Exists("/run/systemd/first-boot") == IsYes(p),
                "NeedsUpdate" => NeedsUpdate(p),
                "ACPower" => OnACPower() == IsYes(p),
                "KernelCommandLine" => KernelCommandLineHas(p),
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    private static readonly Lazy<string> s_virtualization = new(DetectVirtualization);

    private static bool IsYes(string p) => p is "yes" or "true" or "on" or "1" or "y" or "t";

    /// <summary>ConditionVirtualization=: yes/no, "vm", "container", or a technology name, as
    /// systemd-detect-virt names it.</summary>
    private static bool MatchesVirtualization(string p)
    {
        string virt = s_virtualization.Value;
        bool container = virt is "docker" or "podman" or "lxc" or "lxc-libvirt" or "systemd-nspawn" or "openvz" or "rkt" or "wsl" or "proot" or "pouch";
        return p switch
        {
            "yes" or "true" or "1" => virt != "none",
            "no" or "false" or "0" => virt == "none",
            "vm" => virt != "none" && !container,
            "container" => container,
            _ => p == virt,
        };
    }

    private static string DetectVirtualization()
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("systemd-detect-virt")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (process is null)
                return "none";
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return output.Length == 0 ? "none" : output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "none";
        }
    }

    /// <summary>ConditionNeedsUpdate=DIR: /usr was updated after DIR/.updated was last touched.</summary>
    private static bool NeedsUpdate(string directory)
    {
        string stamp = Path.Combine(directory, ".updated");
        return !File.Exists(stamp) || Directory.GetLastWriteTimeUtc("/usr") > File.GetLastWriteTimeUtc(stamp);
    }

    /// <summary>True unless a battery-backed system has no mains supply online (systemd's on_ac_power).</summary>
    private static bool OnACPower()
    {
        const string supplies = "/sys/class/power_supply";
        if (!Directory.Exists(supplies))
            return true;
        bool foundMains = false;
        foreach (string supply in Directory.EnumerateDirectories(supplies))
        {
            string type = ReadOrEmpty(Path.Combine(supply, "type"));
            if (type != "Mains")
                continue;
            foundMains = true;
            if (ReadOrEmpty(Path.Combine(supply, "online")) == "1")
                return true;
        }
        return !foundMains;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static bool GlobExists(string pattern)
    {
        string? dir = Path.GetDirectoryName(pattern);
        return dir is not null && Directory.Exists(dir)
               && Directory.EnumerateFileSystemEntries(dir, Path.GetFileName(pattern)).Any();
    }

    private static bool MatchesUser(string p)
    {
        uint uid = Native.geteuid();
        if (p == "@system")
            return uid < 1000;
        return uint.TryParse(p, out uint wanted) ? wanted == uid : p == Environment.UserName;
    }

    private static bool MatchesEnvironment(string p)
        => p.Contains('=', StringComparison.Ordinal)
            ? Environment.GetEnvironmentVariable(p[..p.IndexOf('=', StringComparison.Ordinal)]) == p[(p.IndexOf('=', StringComparison.Ordinal) + 1)..]
            : Environment.GetEnvironmentVariable(p) is not null;

    private static bool KernelCommandLineHas(string p)
    {
        string[] words = File.ReadAllText("/proc/cmdline").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return p.Contains('=', StringComparison.Ordinal)
            ? words.Contains(p)
            : words.Any(w => w == p || w.StartsWith(p + "=", StringComparison.Ordinal));
    }

    private static string? MachineId()
    {
        try
        {
            return File.ReadAllText("/etc/machine-id").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
