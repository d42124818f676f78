namespace Units.UnitFiles.Loading;

/// <summary>
/// The unit search path of systemd 252 (path-lookup.c, systemd.unit(5) "UNIT FILE LOAD PATH"), highest
/// priority first. $SYSTEMD_UNIT_PATH replaces it; ending it with ':' appends the defaults. The user scope
/// follows the XDG base directories ($XDG_CONFIG_HOME, $XDG_CONFIG_DIRS, $XDG_RUNTIME_DIR, $XDG_DATA_HOME,
/// $XDG_DATA_DIRS). Duplicates keep their first (highest-priority) place.
/// </summary>
public static class UnitSearchPaths
{
    /// <summary>Builds the search path from an environment (a lookup returning null for unset variables).</summary>
    public static IReadOnlyList<string> Build(UnitScope scope, Func<string, string?> environment, string home)
    {
        var paths = new List<string>();
        string? overridePath = environment("SYSTEMD_UNIT_PATH");
        bool appendDefaults = overridePath is null;
        if (overridePath is not null)
        {
            if (overridePath.EndsWith(':'))
            {
                appendDefaults = true;
                overridePath = overridePath[..^1];
            }
            foreach (string p in overridePath.Split(':', StringSplitOptions.RemoveEmptyEntries))
                paths.Add(Path.GetFullPath(p));
        }
        if (appendDefaults)
            paths.AddRange(scope == UnitScope.System ? SystemDefaults() : UserDefaults(environment, home));
        return Deduplicate(paths);
    }

    /// <summary>The search path for the current process environment.</summary>
    public static IReadOnlyList<string> FromEnvironment(UnitScope scope) =>
        Build(scope, Environment.GetEnvironmentVariable, Environment.GetEnvironmentVariable("HOME") ?? "/root");

    private static string[] SystemDefaults() =>
    [
        "/etc/systemd/system.control",
        "/run/systemd/system.control",
        "/run/systemd/transient",
        "/run/systemd/generator.early",
        "/etc/systemd/system",
        "/etc/systemd/system.attached",
        "/run/systemd/system",
        "/run/systemd/system.attached",
        "/run/systemd/generator",
        "/usr/local/lib/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/run/systemd/generator.late",
    ];

    private static List<string> UserDefaults(Func<string, string?> environment, string home)
    {
        string configHome = Absolute(environment("XDG_CONFIG_HOME")) ?? home + "/.config";
        string dataHome = Absolute(environment("XDG_DATA_HOME")) ?? home + "/.local/share";
        string? runtime = Absolute(environment("XDG_RUNTIME_DIR"));
        string[] configDirs = SplitAbsolute(environment("XDG_CONFIG_DIRS")) ?? ["/etc/xdg"];
        string[] dataDirs = SplitAbsolute(environment("XDG_DATA_DIRS")) ?? ["/usr/local/share", "/usr/share"];

        var paths = new List<string> { configHome + "/systemd/user.control" };
        if (runtime is not null)
        {
            paths.Add(runtime + "/systemd/user.control");
            paths.Add(runtime + "/systemd/transient");
            paths.Add(runtime + "/systemd/generator.early");
        }
        paths.Add(configHome + "/systemd/user");
        paths.AddRange(configDirs.Select(d => d + "/systemd/user"));
        paths.Add("/etc/systemd/user");
        if (runtime is not null)
            paths.Add(runtime + "/systemd/user");
        paths.Add("/run/systemd/user");
        if (runtime is not null)
            paths.Add(runtime + "/systemd/generator");
        paths.Add(dataHome + "/systemd/user");
        paths.AddRange(dataDirs.Select(d => d + "/systemd/user"));
        paths.AddRange(["/usr/local/lib/systemd/user", "/usr/local/share/systemd/user", "/usr/lib/systemd/user", "/usr/share/systemd/user"]);
        if (runtime is not null)
            paths.Add(runtime + "/systemd/generator.late");
        return paths;
    }

    /// <summary>
    /// The directories the manager itself writes units into (lookup_paths' persistent_control, runtime_control and
    /// transient): set-property drop-ins and transient units. They are what they are whether or not
    /// $SYSTEMD_UNIT_PATH puts them in the search path; a user manager without $XDG_RUNTIME_DIR has no runtime ones.
    /// </summary>
    public static ManagerWrittenDirectories WrittenDirectories(UnitScope scope, Func<string, string?> environment, string home)
    {
        if (scope == UnitScope.System)
            return new("/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient");
        string configHome = Absolute(environment("XDG_CONFIG_HOME")) ?? home + "/.config";
        string? runtime = Absolute(environment("XDG_RUNTIME_DIR"));
        return new(configHome + "/systemd/user.control",
            runtime is null ? null : runtime + "/systemd/user.control",
            runtime is null ? null : runtime + "/systemd/transient");
    }

    private static string? Absolute(string? value) => value is { Length: > 0 } && value[0] == '/' ? value.TrimEnd('/') : null;

    private static string[]? SplitAbsolute(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        string[] parts = value.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(p => p[0] == '/').Select(p => p.TrimEnd('/')).ToArray();
        return parts.Length == 0 ? null : parts;
    }

    private static List<string> Deduplicate(List<string> paths)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return paths.Where(p => seen.Add(p)).ToList();
    }
}

/// <summary>Where the manager writes drop-ins of "systemctl set-property" (persistent or --runtime) and transient units.</summary>
public sealed record ManagerWrittenDirectories(string PersistentControl, string? RuntimeControl, string? Transient);
