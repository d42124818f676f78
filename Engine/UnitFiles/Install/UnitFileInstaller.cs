using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>
/// Enables, disables, masks, links and presets unit files of one scope, with systemd 252's semantics
/// (src/shared/install.c): the same symlinks in the same directories, the same change lists (what the
/// EnableUnitFiles family of D-Bus methods returns as a(sss)), the same errors. Works on the host ("/")
/// or below a root directory, like systemctl --root. Each call reads the file system afresh; the object
/// holds only the scope, the root and the environment (SYSTEMD_UNIT_PATH, HOME, XDG_*).
/// </summary>
public sealed class UnitFileInstaller
{
    private readonly InstallScope scope;
    private readonly string? root;
    private readonly Func<string, string?> getenv;

    /// <param name="scope">System, user or global (user units for all users).</param>
    /// <param name="rootDirectory">Operate below this directory (systemctl --root); null for the host. Not allowed with <see cref="InstallScope.User"/>.</param>
    /// <param name="environment">Supplies SYSTEMD_UNIT_PATH, HOME and XDG_* variables; the process environment when null.</param>
    public UnitFileInstaller(InstallScope scope, string? rootDirectory = null, Func<string, string?>? environment = null)
    {
        this.scope = scope;
        root = rootDirectory;
        getenv = environment ?? Environment.GetEnvironmentVariable;
    }

    public InstallScope Scope => scope;

    public string? RootDirectory => root;

    /// <summary>The state resolver over the same scope, root and environment.</summary>
    public UnitFileStateResolver States => new(scope, root, getenv);

    private InstallResult Run(Func<InstallEngine, ChangeList, int> operation)
    {
        var changes = new ChangeList();
        var diagnostics = new DiagnosticBag();
        int r = InstallLookupPaths.Create(scope, root, getenv, out InstallLookupPaths lp);
        if (r >= 0)
            r = operation(new InstallEngine(lp, diagnostics), changes);
        return new InstallResult(r, changes.Items, diagnostics.Items);
    }

    /// <summary>systemctl enable: creates the symlinks [Install] asks for (names, or absolute paths of files to link and enable).</summary>
    public InstallResult Enable(IReadOnlyList<string> namesOrPaths, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) => e.Paths.EnableConfigPath(flags) is { } config ? DoEnable(e, flags, config, namesOrPaths, changes) : -InstallErrno.ENXIO);

    /// <summary>systemctl disable: removes every symlink in the configuration directory that leads to the units.</summary>
    public InstallResult Disable(IReadOnlyList<string> names, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) => e.Paths.EnableConfigPath(flags) is { } config ? DoDisable(e, flags, config, names, changes) : -InstallErrno.ENXIO);

    /// <summary>systemctl reenable: disable by name, then enable (linked units by their file).</summary>
    public InstallResult Reenable(IReadOnlyList<string> namesOrPaths, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (e.Paths.EnableConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            var names = new List<string>();
            var files = new List<string>();
            foreach (string a in namesOrPaths)
            {
                string n = InstallFileSystem.Basename(a);
                InstallInfo? info = null;
                if (!a.Contains('/'))
                    e.Discover(new InstallContext(scope), n, SearchFlags.Load | SearchFlags.FollowConfigSymlinks, out info, null);
                names.Add(n);
                string? p = info is { Path: { } path, Root: { } r } && path.StartsWith(r, StringComparison.Ordinal) ? path[r.Length..] : null;
                files.Add(p ?? a);
            }
            int result = DoDisable(e, flags, config, names, changes);
            return result < 0 ? result : DoEnable(e, flags, config, files, changes);
        });

    private int DoEnable(InstallEngine e, InstallFlags flags, string configPath, IReadOnlyList<string> namesOrPaths, ChangeList changes)
    {
        var ctx = new InstallContext(scope);
        foreach (string name in namesOrPaths)
        {
            int r = e.DiscoverAndCheck(ctx, name, SearchFlags.Load | SearchFlags.FollowConfigSymlinks, out _, changes);
            if (r < 0)
                return r;
        }
        return e.ApplyContext(ctx, flags, ignoreAuxiliaryFailure: false, configPath, SearchFlags.Load, changes);
    }

    private int DoDisable(InstallEngine e, InstallFlags flags, string configPath, IReadOnlyList<string> names, ChangeList changes)
    {
        var ctx = new InstallContext(scope);
        foreach (string name in names)
        {
            if (!UnitName.IsValid(name, UnitNameKinds.Any))
                return changes.Add(-InstallErrno.EUCLEAN, name, null);
            int r = ctx.Add(name, null, e.Paths.RootDir, auxiliary: false, out _);
            if (r < 0)
                return r;
        }
        var remove = new HashSet<string>(StringComparer.Ordinal);
        int m = e.MarkForRemoval(ctx, remove, changes);
        if (m < 0)
            return m;
        return e.RemoveMarkedSymlinks(remove, configPath, (flags & InstallFlags.DryRun) != 0, changes);
    }

    /// <summary>
    /// The symlinks disable would remove (GetUnitFileLinks, systemctl is-enabled --full): the paths of the
    /// "unlink" changes of a dry run.
    /// </summary>
    public InstallResult GetLinks(string name, bool runtime = false) =>
        Disable([name], InstallFlags.DryRun | (runtime ? InstallFlags.Runtime : InstallFlags.None));

    /// <summary>systemctl link: symlinks unit files that live outside the search path into the configuration directory.</summary>
    public InstallResult Link(IReadOnlyList<string> files, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (e.Paths.ConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            var todo = new List<string>();
            foreach (string file in files)
            {
                if (!file.StartsWith('/'))
                    return changes.Add(-InstallErrno.EINVAL, file, null);
                if (!UnitName.IsValid(InstallFileSystem.Basename(file), UnitNameKinds.Any))
                    return changes.Add(-InstallErrno.EUCLEAN, file, null);
                string full = InstallFileSystem.Join(e.Paths.RootDir, file);
                switch (InstallFileSystem.Lstat(full))
                {
                    case FileKind.Missing:
                        return changes.Add(-InstallErrno.ENOENT, file, null);
                    case FileKind.Directory:
                        return changes.Add(-InstallErrno.EISDIR, file, null);
                    case FileKind.Symlink:
                        return changes.Add(-InstallErrno.ELOOP, file, null);
                }
                if (e.Paths.InSearchPath(file))
                    continue;
                if (e.Paths.UnderneathSearchPath(file))
                    return changes.Add(-InstallErrno.ETXTBSY, file, null);
                if (!todo.Contains(file))
                    todo.Add(file);
            }
            int r = 0;
            foreach (string file in todo)
            {
                int q = e.CreateSymlink(file, InstallFileSystem.Join(config, InstallFileSystem.Basename(file)), (flags & InstallFlags.Force) != 0, changes);
                if (q < 0 && r >= 0)
                    r = q;
            }
            return r;
        });

    /// <summary>systemctl mask: a symlink to /dev/null per name in the configuration directory.</summary>
    public InstallResult Mask(IReadOnlyList<string> names, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (e.Paths.ConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            int r = 0;
            foreach (string name in names)
            {
                if (!UnitName.IsValid(name, UnitNameKinds.Any))
                {
                    if (r == 0)
                        r = -InstallErrno.EINVAL;
                    continue;
                }
                int q = e.CreateSymlink("/dev/null", InstallEngine.MakeAbsolute(name, config), (flags & InstallFlags.Force) != 0, changes);
                if (q < 0 && r >= 0)
                    r = q;
            }
            return r;
        });

    /// <summary>systemctl unmask: removes the mask symlinks (and symlinks leading to them) from the configuration directory.</summary>
    public InstallResult Unmask(IReadOnlyList<string> names, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (e.Paths.ConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            bool dryRun = (flags & InstallFlags.DryRun) != 0;
            var todo = new List<string>();
            foreach (string name in names)
            {
                if (!UnitName.IsValid(name, UnitNameKinds.Any))
                    return -InstallErrno.EINVAL;
                if (e.Paths.RootDir is null)
                {
                    var info = new InstallInfo(name);
                    if (e.Search(null, info, SearchFlags.None) >= 0 && info.Mode == InstallMode.Masked && e.Paths.IsGenerator(info.Path!))
                        changes.Add(InstallChangeType.IsMaskedGenerator, info.Name, info.Path);
                }
                string path = InstallEngine.MakeAbsolute(name, config);
                if (InstallFileSystem.Stat(path, out long size) != FileKind.Regular || size != 0)
                    continue;
                if (!todo.Contains(name))
                    todo.Add(name);
            }
            int r = 0;
            var remove = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in todo)
            {
                string path = InstallEngine.MakeAbsolute(name, config);
                if (!dryRun)
                {
                    int u = InstallFileSystem.Unlink(path);
                    if (u != 0)
                    {
                        if (u != InstallErrno.ENOENT)
                        {
                            if (r >= 0)
                                r = -u;
                            changes.Add(-u, path, null);
                        }
                        continue;
                    }
                }
                changes.Add(InstallChangeType.Unlink, path, null);
                remove.Add(InstallFileSystem.Simplify(e.Paths.SkipRoot(path) ?? path));
            }
            int q = e.RemoveMarkedSymlinks(remove, config, dryRun, changes);
            return r >= 0 ? q : r;
        });

    /// <summary>
    /// systemctl revert: removes drop-ins in the configuration, control and transient directories and, when a vendor
    /// version of the unit exists, the overriding copies in the configuration directories, plus symlinks leading to them.
    /// </summary>
    public InstallResult Revert(IReadOnlyList<string> names) =>
        Run((e, changes) =>
        {
            InstallLookupPaths lp = e.Paths;
            var todo = new List<string>();
            foreach (string name in names)
            {
                if (!UnitName.IsValid(name, UnitNameKinds.Any))
                    return -InstallErrno.EINVAL;
                bool hasVendor = false;
                foreach (string p in lp.SearchPath)
                {
                    string path = InstallEngine.MakeAbsolute(name, p);
                    if (InstallFileSystem.Lstat(path) == FileKind.Regular && lp.IsVendorOrGenerator(path))
                        hasVendor = true;
                    string dropin = path + ".d";
                    if (InstallFileSystem.Lstat(dropin) == FileKind.Directory
                        && (lp.IsConfig(dropin, checkParent: true) || lp.IsControl(dropin) || lp.IsTransient(dropin)))
                        todo.Add(dropin);
                }
                if (!hasVendor)
                    continue;
                foreach (string p in lp.SearchPath)
                {
                    string path = InstallEngine.MakeAbsolute(name, p);
                    if (InstallFileSystem.Lstat(path) is FileKind.Regular or FileKind.Symlink && lp.IsConfig(path, checkParent: true))
                        todo.Add(path);
                }
            }
            int r = 0;
            var remove = new HashSet<string>(StringComparer.Ordinal);
            foreach (string item in todo.Distinct(StringComparer.Ordinal))
            {
                var files = InstallFileSystem.Lstat(item) == FileKind.Directory
                    ? InstallFileSystem.ReadDirectory(item).Where(d => d.Kind is FileKind.Regular or FileKind.Symlink && !d.Name.StartsWith('.')).Select(d => d.Name).ToList()
                    : [];
                int q = InstallFileSystem.RemoveTree(item);
                if (q != 0 && q != InstallErrno.ENOENT && r >= 0)
                {
                    r = -q;
                    continue;
                }
                foreach (string f in files)
                    changes.Add(InstallChangeType.Unlink, InstallFileSystem.Join(item, f), null);
                changes.Add(InstallChangeType.Unlink, item, null);
                remove.Add(InstallFileSystem.Simplify(lp.SkipRoot(item) ?? item));
            }
            int q1 = e.RemoveMarkedSymlinks(remove, lp.RuntimeConfig, dryRun: false, changes);
            if (r >= 0)
                r = q1;
            int q2 = e.RemoveMarkedSymlinks(remove, lp.PersistentConfig, dryRun: false, changes);
            if (r >= 0)
                r = q2;
            return r;
        });

    /// <summary>systemctl add-wants / add-requires: makes <paramref name="target"/> want or require each unit.</summary>
    public InstallResult AddDependency(IReadOnlyList<string> names, string target, InstallDependency dependency, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (!UnitName.IsValid(target, UnitNameKinds.Any))
                return changes.Add(-InstallErrno.EUCLEAN, target, null);
            if (e.Paths.ConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            var ctx = new InstallContext(scope);
            int r = e.DiscoverAndCheck(ctx, target, SearchFlags.FollowConfigSymlinks, out InstallInfo? targetInfo, changes);
            if (r < 0)
                return r;
            foreach (string name in names)
            {
                r = e.DiscoverAndCheck(ctx, name, SearchFlags.FollowConfigSymlinks, out InstallInfo? info, changes);
                if (r < 0)
                    return r;
                List<string> list = dependency == InstallDependency.Wants ? info!.WantedBy : info!.RequiredBy;
                list.Clear();
                list.Add(targetInfo!.Name);
            }
            return e.ApplyContext(ctx, flags, ignoreAuxiliaryFailure: false, config, SearchFlags.FollowConfigSymlinks, changes);
        });

    /// <summary>systemctl set-default: points default.target in the persistent configuration at <paramref name="name"/> (systemctl always forces).</summary>
    public InstallResult SetDefault(string name, bool force = true) =>
        Run((e, changes) =>
        {
            if (!UnitName.IsValid(name, UnitNameKinds.Any) || NameRules.TypeOf(name) != UnitType.Target || name == "default.target")
                return -InstallErrno.EINVAL;
            var ctx = new InstallContext(scope);
            int r = e.DiscoverAndCheck(ctx, name, SearchFlags.None, out InstallInfo? info, changes);
            if (r < 0)
                return r;
            return e.CreateSymlink(info!.Path!, e.Paths.PersistentConfig + "/default.target", force, changes);
        });

    /// <summary>systemctl preset: enables or disables each unit as the preset files say.</summary>
    public InstallResult Preset(IReadOnlyList<string> names, PresetMode mode = PresetMode.Full, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (e.Paths.ConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            PresetRules presets = PresetRules.Load(scope, e.Paths.RootDir, e.Diagnostics);
            var plus = new InstallContext(scope);
            var minus = new InstallContext(scope);
            foreach (string name in names)
            {
                int r = PreparePreset(e, plus, minus, name, presets, changes);
                if (r < 0)
                    return r;
            }
            return ExecutePreset(e, plus, minus, flags, config, mode, changes);
        });

    /// <summary>systemctl preset-all: applies the preset files to every unit file in the search path.</summary>
    public InstallResult PresetAll(PresetMode mode = PresetMode.Full, InstallFlags flags = InstallFlags.None) =>
        Run((e, changes) =>
        {
            if (e.Paths.ConfigPath(flags) is not { } config)
                return -InstallErrno.ENXIO;
            PresetRules presets = PresetRules.Load(scope, e.Paths.RootDir, e.Diagnostics);
            var plus = new InstallContext(scope);
            var minus = new InstallContext(scope);
            foreach (string dir in e.Paths.SearchPath)
            {
                foreach (DirEntry de in InstallFileSystem.ReadDirectory(dir))
                {
                    if (!UnitName.IsValid(de.Name, UnitNameKinds.Any) || de.Kind is not (FileKind.Regular or FileKind.Symlink))
                        continue;
                    int r = PreparePreset(e, plus, minus, de.Name, presets, changes);
                    if (r < 0 && !IgnoredByPresetAll(-r))
                        return r;
                }
            }
            return ExecutePreset(e, plus, minus, flags, config, mode, changes);
        });

    /// <summary>Failures preset-all skips over: generated, transient, missing, masked or invalid units.</summary>
    private static bool IgnoredByPresetAll(int errno) => errno is InstallErrno.EEXIST or InstallErrno.ERFKILL or InstallErrno.EADDRNOTAVAIL
        or InstallErrno.EBADSLT or InstallErrno.EIDRM or InstallErrno.EUCLEAN or InstallErrno.ELOOP or InstallErrno.ENOENT
        or InstallErrno.EUNATCH or InstallErrno.EXDEV;

    private int PreparePreset(InstallEngine e, InstallContext plus, InstallContext minus, string name, PresetRules presets, ChangeList changes)
    {
        if (plus.Find(name) is not null || minus.Find(name) is not null)
            return 0;
        int r = e.Discover(new InstallContext(scope), name, SearchFlags.FollowConfigSymlinks, out InstallInfo? info, changes);
        if (r < 0)
            return r;
        if (name != info!.Name)
            return 0;
        if (!UnitName.IsValid(name, UnitNameKinds.Any))
            return -InstallErrno.EINVAL;
        if (!presets.IsEnabled(name, out IReadOnlyList<string>? instances))
            return e.Discover(minus, name, SearchFlags.FollowConfigSymlinks, out _, changes);
        foreach (string s in instances is { Count: > 0 } ? instances : [name])
        {
            r = e.DiscoverAndCheck(plus, s, SearchFlags.Load | SearchFlags.FollowConfigSymlinks, out _, changes);
            if (r < 0)
                return r;
        }
        return r;
    }

    private static int ExecutePreset(InstallEngine e, InstallContext plus, InstallContext minus, InstallFlags flags, string config, PresetMode mode, ChangeList changes)
    {
        int r = 0;
        if (mode != PresetMode.EnableOnly)
        {
            var remove = new HashSet<string>(StringComparer.Ordinal);
            r = e.MarkForRemoval(minus, remove, changes);
            if (r < 0)
                return r;
            r = e.RemoveMarkedSymlinks(remove, config, dryRun: false, changes);
        }
        if (mode != PresetMode.DisableOnly)
        {
            int q = e.ApplyContext(plus, flags, ignoreAuxiliaryFailure: true, config, SearchFlags.Load, changes);
            if (r >= 0)
                r = q < 0 ? q : r + q;
        }
        return r;
    }
}
