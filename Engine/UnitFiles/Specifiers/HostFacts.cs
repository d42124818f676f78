using System.Runtime.InteropServices;

namespace Units.UnitFiles.Specifiers;

/// <summary>The real machine and process, read where systemd reads them; each fact is read once.</summary>
public sealed class HostFacts : IHostFacts
{
    private readonly Lazy<Dictionary<string, string>> osRelease = new(() => ReadEnvFile("/etc/os-release") ?? ReadEnvFile("/usr/lib/os-release") ?? []);
    private readonly Lazy<string?> prettyHostName = new(() => ReadEnvFile("/etc/machine-info")?.GetValueOrDefault("PRETTY_HOSTNAME"));
    private readonly Lazy<string?> machineId = new(() => ReadFirstLine("/etc/machine-id"));
    private readonly Lazy<string?> bootId = new(() => ReadFirstLine("/proc/sys/kernel/random/boot_id")?.Replace("-", "", StringComparison.Ordinal));
    private readonly Lazy<(string Name, string Group, uint Gid, string Home, string Shell)> user;

    public static HostFacts Instance { get; } = new();

    private HostFacts()
    {
        user = new(ReadUser);
    }

    public string HostName => ReadFirstLine("/proc/sys/kernel/hostname") ?? System.Environment.MachineName;

    public string? PrettyHostName => prettyHostName.Value;

    public string? MachineId => machineId.Value;

    public string? BootId => bootId.Value;

    public string KernelRelease => ReadFirstLine("/proc/sys/kernel/osrelease") ?? "";

    public string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86-64",
        System.Runtime.InteropServices.Architecture.X86 => "x86",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64-le",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "loongarch64",
        _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
    };

    public string? OsRelease(string field) => osRelease.Value.GetValueOrDefault(field);

    public string UserName => user.Value.Name;

    public uint UserId => geteuid();

    public string GroupName => user.Value.Group;

    public uint GroupId => user.Value.Gid;

    public string Home => user.Value.Home;

    public string Shell => user.Value.Shell;

    public string? Environment(string name) => System.Environment.GetEnvironmentVariable(name);

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = false)]
    private static extern uint getegid();

    /// <summary>From /etc/passwd and /etc/group (no NSS, like systemd does for root in PID 1); $HOME and $SHELL win as in get_home_dir()/get_shell().</summary>
    private static (string, string, uint, string, string) ReadUser()
    {
        uint uid = geteuid(), gid = getegid();
        string name = uid.ToString(System.Globalization.CultureInfo.InvariantCulture), home = uid == 0 ? "/root" : "/", shell = uid == 0 ? "/bin/sh" : "/bin/sh";
        foreach (string[] f in ReadColonFile("/etc/passwd"))
        {
            if (f.Length >= 7 && f[2] == name)
            {
                name = f[0];
                if (uid != 0)
                {
                    home = f[5];
                    shell = f[6];
                }
                break;
            }
        }
        string group = gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string[] f in ReadColonFile("/etc/group"))
        {
            if (f.Length >= 3 && f[2] == group)
            {
                group = f[0];
                break;
            }
        }
        string? envHome = System.Environment.GetEnvironmentVariable("HOME");
        if (envHome is { Length: > 0 } && envHome[0] == '/')
            home = envHome;
        string? envShell = System.Environment.GetEnvironmentVariable("SHELL");
        if (envShell is { Length: > 0 } && envShell[0] == '/')
            shell = envShell;
        return (name, group, gid, home, shell);
    }

    private static IEnumerable<string[]> ReadColonFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (string line in lines)
            yield return line.Split(':');
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>KEY=value lines with optional shell quotes, as os-release(5) and machine-info(5) use.</summary>
    private static Dictionary<string, string>? ReadEnvFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] == '#' || eq <= 0)
                continue;
            string value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
                value = value[1..^1];
            result[line[..eq].Trim()] = value;
        }
        return result;
    }
}
