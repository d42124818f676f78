using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>
/// Answers what systemd 252 answers about installed unit files without changing anything: a unit's
/// UnitFileState (systemctl is-enabled, the UnitFileState property, GetUnitFileState), the list of unit
/// files with their states (list-unit-files, ListUnitFiles[ByPatterns]), the default target and the preset
/// verdict for a unit.
/// </summary>
public sealed class UnitFileStateResolver
{
    private readonly InstallScope scope;
    private readonly string? root;
    private readonly Func<string, string?> getenv;

    /// <param name="scope">System, user or global.</param>
    /// <param name="rootDirectory">Resolve below this directory (systemctl --root); null for the host.</param>
    /// <param name="environment">Supplies SYSTEMD_UNIT_PATH, HOME and XDG_* variables; the process environment when null.</param>
    public UnitFileStateResolver(InstallScope scope, string? rootDirectory = null, Func<string, string?>? environment = null)
    {
        this.scope = scope;
        root = rootDirectory;
        getenv = environment ?? Environment.GetEnvironmentVariable;
    }

    private int Open(DiagnosticBag? diagnostics, out InstallEngine engine)
    {
        int r = InstallLookupPaths.Create(scope, root, getenv, out InstallLookupPaths lp);
        engine = r < 0 ? null! : new InstallEngine(lp, diagnostics ?? new DiagnosticBag());
        return r;
    }

    /// <summary>
    /// The state of <paramref name="name"/>. Returns 0, or a negative errno when the name is invalid (EINVAL),
    /// not found (ENOENT), a dangling alias (ENOLINK) or otherwise unresolvable; systemctl then prints
    /// "Failed to get unit file state for NAME: strerror".
    /// </summary>
    /// <param name="diagnostics">Receives what systemd logs while reading the unit's files (unknown keys, bad values).</param>
    public int TryGetState(string name, out UnitFileState state, DiagnosticBag? diagnostics = null)
    {
        state = UnitFileState.Bad;
        int r = Open(diagnostics, out InstallEngine engine);
        return r < 0 ? r : engine.LookupState(name, out state);
    }

    /// <summary>The state of <paramref name="name"/>, or null when it cannot be determined (see <see cref="TryGetState"/>).</summary>
    public UnitFileState? GetState(string name) => TryGetState(name, out UnitFileState s) >= 0 ? s : null;

    /// <summary>
    /// The unit files in the search path, first occurrence of each name, optionally filtered by glob
    /// <paramref name="patterns"/> over the name and by <paramref name="states"/>; a name whose state cannot be
    /// determined is listed as <see cref="UnitFileState.Bad"/>. Sorted as systemctl list-unit-files shows them: by
    /// type suffix, then by name (both ignoring case).
    /// </summary>
    public IReadOnlyList<UnitFileListEntry> List(IReadOnlyList<string>? patterns = null, IReadOnlyCollection<UnitFileState>? states = null)
    {
        if (Open(null, out InstallEngine engine) < 0)
            return [];
        var seen = new Dictionary<string, UnitFileListEntry>(StringComparer.Ordinal);
        foreach (string dir in engine.Paths.SearchPath)
        {
            foreach (DirEntry de in InstallFileSystem.ReadDirectory(dir))
            {
                if (!UnitName.IsValid(de.Name, UnitNameKinds.Any))
                    continue;
                if (patterns is { Count: > 0 } && !patterns.Any(p => Glob.IsMatch(p, de.Name)))
                    continue;
                if (seen.ContainsKey(de.Name) || de.Kind is not (FileKind.Regular or FileKind.Symlink))
                    continue;
                UnitFileState state = engine.LookupState(de.Name, out UnitFileState s) < 0 ? UnitFileState.Bad : s;
                if (states is { Count: > 0 } && !states.Contains(state))
                    continue;
                seen[de.Name] = new UnitFileListEntry(de.Name, InstallFileSystem.Join(dir, de.Name), state);
            }
        }
        return seen.Values.OrderBy(e => e.Name[e.Name.LastIndexOf('.')..], StringComparer.OrdinalIgnoreCase)
            .ThenBy(e => e.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>systemctl get-default: the unit default.target resolves to; 0, or a negative errno (ENOENT when there is none).</summary>
    public int TryGetDefault(out string name)
    {
        name = "";
        int r = Open(null, out InstallEngine engine);
        if (r < 0)
            return r;
        r = engine.Discover(new InstallContext(scope), "default.target", SearchFlags.FollowConfigSymlinks, out InstallInfo? info, null);
        if (r < 0)
            return r;
        name = info!.Name;
        return 0;
    }

    /// <summary>The preset policy of this scope and root, to query many units without re-reading the files.</summary>
    public PresetRules LoadPresets(DiagnosticBag? diagnostics = null) =>
        PresetRules.Load(scope, root is null || InstallFileSystem.Simplify(root) == "/" ? null : root, diagnostics);

    /// <summary>Whether the preset files enable <paramref name="name"/> (the PRESET column of list-unit-files, UnitFilePreset).</summary>
    public bool PresetEnables(string name) => LoadPresets().IsEnabled(name);

    /// <summary>systemd's errno text for a failure returned by the Try* methods ("No such file or directory", …).</summary>
    public static string DescribeError(int negativeErrno) => InstallErrno.Describe(-negativeErrno);
}
