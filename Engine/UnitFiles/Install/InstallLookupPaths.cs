namespace Units.UnitFiles.Install;

/// <summary>
/// The unit search path of one scope with the role of each special directory (lookup_paths_init in
/// path-lookup.c, as Debian's systemd 252 is built: split /usr, so /lib/systemd/system is searched).
/// Installation needs the roles, not only the order: where enable writes (persistent or runtime
/// configuration), which directories are generated, transient, control or attached. Every path carries
/// the root directory prefix when there is one.
/// </summary>
internal sealed class InstallLookupPaths
{
    private const string SystemDataUnitDir = "/lib/systemd/system";
    private const string UserConfigUnitDir = "/etc/systemd/user";
    private const string UserDataUnitDir = "/usr/lib/systemd/user";

    /// <summary>user_config_unit_paths in path-lookup.c, compared without root prefix (global enablement of user units).</summary>
    private static readonly string[] UserConfigUnitPaths = [UserConfigUnitDir, "/etc/systemd/user"];

    private static readonly string[] UserDataUnitPaths =
        ["/usr/local/lib/systemd/user", "/usr/local/share/systemd/user", UserDataUnitDir, "/usr/lib/systemd/user", "/usr/share/systemd/user"];

    public required InstallScope Scope { get; init; }

    /// <summary>The root directory, null when operating on the host's "/".</summary>
    public string? RootDir { get; init; }

    public required IReadOnlyList<string> SearchPath { get; init; }

    public string? PersistentConfig { get; init; }
    public string? RuntimeConfig { get; init; }
    public string? Generator { get; init; }
    public string? GeneratorEarly { get; init; }
    public string? GeneratorLate { get; init; }
    public string? Transient { get; init; }
    public string? PersistentControl { get; init; }
    public string? RuntimeControl { get; init; }
    public string? PersistentAttached { get; init; }
    public string? RuntimeAttached { get; init; }

    /// <summary>
    /// Builds the paths of <paramref name="scope"/>. <paramref name="getenv"/> supplies SYSTEMD_UNIT_PATH, HOME and the
    /// XDG_* variables. Returns a negative errno (EINVAL for a root directory with the user scope, ENOTDIR when the
    /// root is not a directory) or 0.
    /// </summary>
    public static int Create(InstallScope scope, string? rootDir, Func<string, string?> getenv, out InstallLookupPaths paths)
    {
        paths = null!;
        string? root = string.IsNullOrEmpty(rootDir) || InstallFileSystem.Simplify(rootDir) == "/" ? null : InstallFileSystem.Simplify(rootDir);
        if (root is not null)
        {
            if (scope == InstallScope.User)
                return -InstallErrno.EINVAL;
            FileKind kind = InstallFileSystem.Stat(root, out _);
            if (kind == FileKind.Missing)
                return -InstallErrno.ENOENT;
            if (kind != FileKind.Directory)
                return -InstallErrno.ENOTDIR;
        }

        string? runtimeDir = getenv("XDG_RUNTIME_DIR");
        string? persistentConfig, runtimeConfig, generator = null, early = null, late = null, transient = null;
        string? persistentControl = null, runtimeControl = null, persistentAttached = null, runtimeAttached = null;
        switch (scope)
        {
            case InstallScope.System:
                persistentConfig = "/etc/systemd/system";
                runtimeConfig = "/run/systemd/system";
                (generator, early, late) = ("/run/systemd/generator", "/run/systemd/generator.early", "/run/systemd/generator.late");
                transient = "/run/systemd/transient";
                (persistentControl, runtimeControl) = ("/etc/systemd/system.control", "/run/systemd/system.control");
                (persistentAttached, runtimeAttached) = ("/etc/systemd/system.attached", "/run/systemd/system.attached");
                break;
            case InstallScope.Global:
                persistentConfig = UserConfigUnitDir;
                runtimeConfig = "/run/systemd/user";
                break;
            default:
                string? configHome = XdgConfigHome(getenv);
                persistentConfig = configHome is null ? null : configHome + "/systemd/user";
                runtimeConfig = runtimeDir is null ? null : runtimeDir + "/systemd/user";
                if (runtimeDir is not null)
                    (generator, early, late, transient) = (runtimeDir + "/systemd/generator", runtimeDir + "/systemd/generator.early",
                        runtimeDir + "/systemd/generator.late", runtimeDir + "/systemd/transient");
                persistentControl = configHome is null ? null : configHome + "/systemd/user.control";
                runtimeControl = runtimeDir is null ? null : runtimeDir + "/systemd/user.control";
                break;
        }

        var search = new List<string>();
        bool append = false;
        if (getenv("SYSTEMD_UNIT_PATH") is { } fromEnv)
        {
            if (fromEnv.EndsWith(':'))
            {
                append = true;
                fromEnv = fromEnv[..^1];
            }
            search.AddRange(fromEnv.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(p => MakeAbsolute(p)));
        }
        if (search.Count == 0 || append)
            search.AddRange(scope switch
            {
                InstallScope.System => new[]
                {
                    persistentControl, runtimeControl, transient, early, persistentConfig, "/etc/systemd/system", "/etc/systemd/system",
                    persistentAttached, runtimeConfig, "/run/systemd/system", runtimeAttached, generator,
                    "/usr/local/lib/systemd/system", SystemDataUnitDir, "/usr/lib/systemd/system", "/lib/systemd/system", late,
                }.OfType<string>(),
                InstallScope.Global => new[]
                {
                    persistentConfig, UserConfigUnitDir, "/etc/systemd/user", runtimeConfig, "/run/systemd/user",
                    "/usr/local/share/systemd/user", "/usr/share/systemd/user", "/usr/local/lib/systemd/user", UserDataUnitDir,
                    "/usr/lib/systemd/user",
                }.OfType<string>(),
                _ => UserSearchPath(getenv, persistentConfig, runtimeConfig, generator, early, late, transient, persistentControl, runtimeControl),
            });

        string? Prefix(string? p) => p is null ? null : root is null ? p : InstallFileSystem.Join(root, p);
        paths = new InstallLookupPaths
        {
            Scope = scope,
            RootDir = root,
            SearchPath = search.Select(p => Prefix(p)!).Distinct(StringComparer.Ordinal).ToList(),
            PersistentConfig = Prefix(persistentConfig),
            RuntimeConfig = Prefix(runtimeConfig),
            Generator = Prefix(generator),
            GeneratorEarly = Prefix(early),
            GeneratorLate = Prefix(late),
            Transient = Prefix(transient),
            PersistentControl = Prefix(persistentControl),
            RuntimeControl = Prefix(runtimeControl),
            PersistentAttached = Prefix(persistentAttached),
            RuntimeAttached = Prefix(runtimeAttached),
        };
        return 0;
    }

    private static string MakeAbsolute(string p) =>
        p.StartsWith('/') ? p : InstallFileSystem.Join(Environment.CurrentDirectory, p);

    private static string? XdgConfigHome(Func<string, string?> getenv) =>
        getenv("XDG_CONFIG_HOME") ?? (getenv("HOME") is { } home ? home + "/.config" : null);

    private static IEnumerable<string> UserSearchPath(Func<string, string?> getenv, string? persistentConfig, string? runtimeConfig,
        string? generator, string? early, string? late, string? transient, string? persistentControl, string? runtimeControl)
    {
        string[] configDirs = getenv("XDG_CONFIG_DIRS") is { } c ? c.Split(':') : ["/etc/xdg"];
        string[] dataDirs = getenv("XDG_DATA_DIRS") is { } d ? d.Split(':') : ["/usr/local/share", "/usr/share"];
        string? dataHome = getenv("XDG_DATA_HOME") is { } dh ? dh + "/systemd/user"
            : getenv("HOME") is { } home ? home + "/.local/share/systemd/user" : null;
        var result = new List<string?> { persistentControl, runtimeControl, transient, early, persistentConfig };
        result.AddRange(configDirs.Select(x => x + "/systemd/user"));
        result.Add(UserConfigUnitDir);
        result.AddRange(UserConfigUnitPaths);
        result.Add(runtimeConfig);
        result.Add("/run/systemd/user");
        result.Add(generator);
        result.Add(dataHome);
        result.AddRange(dataDirs.Select(x => x + "/systemd/user"));
        result.AddRange(UserDataUnitPaths);
        result.Add(late);
        return result.OfType<string>().Select(MakeAbsolute);
    }

    /// <summary>The directory an operation writes to: runtime or persistent configuration.</summary>
    public string? ConfigPath(InstallFlags flags) => (flags & InstallFlags.Runtime) != 0 ? RuntimeConfig : PersistentConfig;

    /// <summary>config_path_from_flags(): as <see cref="ConfigPath"/>, or the attached directories for portable services (enable, disable, reenable).</summary>
    public string? EnableConfigPath(InstallFlags flags) =>
        (flags & InstallFlags.Portable) == 0 ? ConfigPath(flags)
        : (flags & InstallFlags.Runtime) != 0 ? RuntimeAttached : PersistentAttached;

    /// <summary>path_is_user_config_dir(): one of the global user configuration directories (no root prefix involved).</summary>
    public static bool IsUserConfigDir(string path) => UserConfigUnitPaths.Contains(path);

    /// <summary>Strips the root prefix (skip_root); null when the path is not below the root.</summary>
    public string? SkipRoot(string path)
    {
        if (RootDir is null)
            return path;
        if (!path.StartsWith(RootDir, StringComparison.Ordinal))
            return null;
        string rest = path[RootDir.Length..];
        if (rest.Length == 0)
            return null;
        if (rest[0] != '/')
            return RootDir.EndsWith('/') ? "/" + rest : null;
        return rest;
    }

    public bool InSearchPath(string path) => SearchPath.Any(p => InstallFileSystem.PathEqual(p, InstallFileSystem.Dirname(path)));

    public bool UnderneathSearchPath(string path) => SearchPath.Any(p => InstallFileSystem.StartsWith(path, p) is not null);

    public bool IsGenerator(string path)
    {
        string parent = InstallFileSystem.Dirname(path);
        return InstallFileSystem.PathEqual(parent, Generator) || InstallFileSystem.PathEqual(parent, GeneratorEarly)
            || InstallFileSystem.PathEqual(parent, GeneratorLate);
    }

    public bool IsTransient(string path) => InstallFileSystem.PathEqual(InstallFileSystem.Dirname(path), Transient);

    public bool IsControl(string path)
    {
        string parent = InstallFileSystem.Dirname(path);
        return InstallFileSystem.PathEqual(parent, PersistentControl) || InstallFileSystem.PathEqual(parent, RuntimeControl);
    }

    public bool IsConfig(string path, bool checkParent)
    {
        string p = checkParent ? InstallFileSystem.Dirname(path) : path;
        return InstallFileSystem.PathEqual(p, PersistentConfig) || InstallFileSystem.PathEqual(p, RuntimeConfig);
    }

    /// <summary>path_is_runtime(): anything under /run, plus the runtime special directories.</summary>
    public bool IsRuntime(string path, bool checkParent)
    {
        if (SkipRoot(path) is { } r && InstallFileSystem.StartsWith(r, "/run") is not null)
            return true;
        string p = checkParent ? InstallFileSystem.Dirname(path) : path;
        return InstallFileSystem.PathEqual(p, RuntimeConfig) || InstallFileSystem.PathEqual(p, Generator)
            || InstallFileSystem.PathEqual(p, GeneratorEarly) || InstallFileSystem.PathEqual(p, GeneratorLate)
            || InstallFileSystem.PathEqual(p, Transient) || InstallFileSystem.PathEqual(p, RuntimeControl);
    }

    /// <summary>path_is_vendor_or_generator(): below /usr or /lib (split /usr), in a generator directory, or the system data directory.</summary>
    public bool IsVendorOrGenerator(string path)
    {
        if (SkipRoot(path) is not { } r)
            return false;
        if (InstallFileSystem.StartsWith(r, "/usr") is not null || InstallFileSystem.StartsWith(r, "/lib") is not null)
            return true;
        if (IsGenerator(r))
            return true;
        return InstallFileSystem.PathEqual(r, SystemDataUnitDir);
    }
}
