using System.Runtime.InteropServices;
using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>
/// install_name_printf(): the specifiers allowed in [Install] values (WantedBy=, RequiredBy=, Alias=, Also=,
/// DefaultInstance=). The unit-name ones follow the name being installed and its DefaultInstance=; the
/// system ones read the root directory's files (machine-id, os-release) as systemd does offline.
/// </summary>
internal static class InstallSpecifiers
{
    /// <summary>UNIT_NAME_MAX: specifier_printf() refuses longer results.</summary>
    private const int UnitNameMax = 256;

    /// <summary>Expands <paramref name="format"/>; returns 0 and the text, or a negative errno (EBADSLT for an unknown specifier).</summary>
    public static int Expand(InstallScope scope, InstallInfo info, string format, out string result)
    {
        result = "";
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= format.Length)
                return -InstallErrno.EBADSLT;
            int r = Resolve(scope, info, format[i], out string? value);
            if (r < 0)
                return r;
            sb.Append(value);
        }
        if (sb.Length > UnitNameMax)
            return -InstallErrno.ENAMETOOLONG;
        result = sb.ToString();
        return 0;
    }

    private static int Resolve(InstallScope scope, InstallInfo info, char specifier, out string? value)
    {
        value = null;
        switch (specifier)
        {
            case '%':
                value = "%";
                return 0;
            case 'n':
                value = UnitName.IsValid(info.Name, UnitNameKinds.Template) && info.DefaultInstance is not null
                    ? NameRules.WithInstance(info.Name, info.DefaultInstance)
                    : info.Name;
                return value is null ? -InstallErrno.EINVAL : 0;
            case 'N':
            {
                string prefixAndInstance = info.Name[..info.Name.LastIndexOf('.')];
                value = prefixAndInstance.EndsWith('@') && info.DefaultInstance is not null
                    ? prefixAndInstance + info.DefaultInstance
                    : prefixAndInstance;
                return 0;
            }
            case 'p':
                value = NameRules.PrefixOf(info.Name);
                return 0;
            case 'i':
            {
                string instance = NameRules.InstanceOf(info.Name) ?? "";
                value = instance.Length == 0 ? info.DefaultInstance ?? "" : instance;
                return 0;
            }
            case 'j':
            {
                string prefix = NameRules.PrefixOf(info.Name);
                int dash = prefix.LastIndexOf('-');
                value = dash >= 0 ? prefix[(dash + 1)..] : prefix;
                return 0;
            }
            case 'a':
                value = RuntimeInformation.OSArchitecture switch
                {
                    Architecture.X64 => "x86-64",
                    Architecture.Arm64 => "arm64",
                    Architecture.X86 => "x86",
                    Architecture.Arm => "arm",
                    _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
                };
                return 0;
            case 'H':
                value = ReadTrimmed("/proc/sys/kernel/hostname") ?? Environment.MachineName;
                return 0;
            case 'l':
            {
                string host = ReadTrimmed("/proc/sys/kernel/hostname") ?? Environment.MachineName;
                int dot = host.IndexOf('.');
                value = dot > 0 ? host[..dot] : host;
                return 0;
            }
            case 'v':
                value = ReadTrimmed("/proc/sys/kernel/osrelease") ?? "";
                return 0;
            case 'b':
                value = ReadTrimmed("/proc/sys/kernel/random/boot_id")?.Replace("-", "", StringComparison.Ordinal) ?? "";
                return value.Length == 0 ? -InstallErrno.EUNATCH : 0;
            case 'm':
                value = ReadTrimmed(InstallFileSystem.Join(info.Root, "/etc/machine-id"));
                return value is null || value.Length == 0 ? -InstallErrno.EUNATCH : 0;
            case 'o':
                value = OsRelease(info.Root, "ID");
                return 0;
            case 'w':
                value = OsRelease(info.Root, "VERSION_ID");
                return 0;
            case 'B':
                value = OsRelease(info.Root, "BUILD_ID");
                return 0;
            case 'W':
                value = OsRelease(info.Root, "VARIANT_ID");
                return 0;
            case 'A':
                value = OsRelease(info.Root, "IMAGE_VERSION");
                return 0;
            case 'M':
                value = OsRelease(info.Root, "IMAGE_ID");
                return 0;
            case 'u':
                value = scope == InstallScope.User ? Environment.UserName : "root";
                return 0;
            case 'U':
                value = scope == InstallScope.User ? CurrentIds.Uid : "0";
                return 0;
            case 'g':
                value = scope == InstallScope.User ? CurrentIds.GroupName : "root";
                return 0;
            case 'G':
                value = scope == InstallScope.User ? CurrentIds.Gid : "0";
                return 0;
            default:
                return -InstallErrno.EBADSLT;
        }
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
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

    /// <summary>A field of /etc/os-release (or /usr/lib/os-release) under the root, "" when absent.</summary>
    private static string OsRelease(string? root, string key)
    {
        string? text = ReadTrimmed(InstallFileSystem.Join(root, "/etc/os-release")) ?? ReadTrimmed(InstallFileSystem.Join(root, "/usr/lib/os-release"));
        if (text is null)
            return "";
        foreach (string line in text.Split('\n'))
        {
            string l = line.Trim();
            if (!l.StartsWith(key + "=", StringComparison.Ordinal))
                continue;
            return l[(key.Length + 1)..].Trim('"', '\'');
        }
        return "";
    }

    /// <summary>The calling process's ids, read from /proc/self/status (no libc call needed).</summary>
    private static class CurrentIds
    {
        public static string Uid => Field("Uid:");
        public static string Gid => Field("Gid:");
        public static string GroupName
        {
            get
            {
                string gid = Gid;
                try
                {
                    foreach (string line in File.ReadLines("/etc/group"))
                    {
                        string[] parts = line.Split(':');
                        if (parts.Length > 2 && parts[2] == gid)
                            return parts[0];
                    }
                }
                catch (IOException)
                {
                }
                return gid;
            }
        }

        private static string Field(string name)
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith(name, StringComparison.Ordinal))
                        return line[name.Length..].Trim().Split('\t', ' ')[0];
            }
            catch (IOException)
            {
            }
            return "0";
        }
    }
}
