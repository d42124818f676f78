using Units.UnitFiles.Install;

namespace Units.UnitFiles.Tests.Install;

/// <summary>
/// One differential case: a tree, an operation run by our installer on one copy and by systemctl 252
/// (--root=DIR, offline) on the other, and the units whose state is compared afterwards.
/// </summary>
internal sealed record InstallCase(
    string Name,
    Action<InstallTree> Setup,
    string[] SystemctlArgs,
    Func<UnitFileInstaller, InstallResult>? Ours,
    string Verb,
    string[] Query,
    InstallScope Scope = InstallScope.System)
{
    public override string ToString() => Name;
}

/// <summary>Runs an <see cref="InstallCase"/> both ways and compares the trees, the printed changes, the states and the listings.</summary>
internal static class InstallDifferential
{
    private const string NoInstallConfig = "<notice: the unit files have no installation config>";

    public static void Check(InstallCase c)
    {
        using var tree = new InstallTree();
        c.Setup(tree);
        tree.Build();
        var failures = new List<string>();
        if (c.Ours is not null)
            failures.AddRange(CompareOperation(tree, c.Scope, c.SystemctlArgs, c.Ours, c.Verb));
        failures.AddRange(CompareTrees(tree));
        failures.AddRange(CompareStates(tree, c.Scope, c.Query));
        if (c.Query.Length > 0)
            failures.AddRange(CompareListing(tree, c.Scope));
        Assert.True(failures.Count == 0, $"{c.Name}:\n" + string.Join("\n", failures));
    }

    private static UnitFileInstaller OurInstaller(InstallTree tree, InstallScope scope)
    {
        var env = Environment(scope, tree.Ours);
        return new UnitFileInstaller(scope, scope == InstallScope.User ? null : tree.Ours, name => env.GetValueOrDefault(name));
    }

    /// <summary>Runs one operation both ways; compares printed changes and warnings (as sorted lines) and success.</summary>
    public static List<string> CompareOperation(InstallTree tree, InstallScope scope, string[] systemctlArgs, Func<UnitFileInstaller, InstallResult> ourOperation, string verb)
    {
        var failures = new List<string>();
        Systemctl.Output theirs = Systemctl.Run(ScopeArgs(scope, tree.Theirs).Concat(systemctlArgs), Environment(scope, tree.Theirs));
        // systemctl's SysV compatibility check runs before install.c and gives up when a name cannot be resolved;
        // the manager's D-Bus path has no such check, so there is nothing of install.c to compare then.
        if (theirs.Stderr.Any(l => l.StartsWith("Failed to look up unit file state: ", StringComparison.Ordinal)))
            return failures;
        InstallResult ours = ourOperation(OurInstaller(tree, scope));

        var ourLines = ours.Describe(verb).Concat(ours.Warnings.Select(w => w.ToString())).Select(l => l.Replace(tree.Ours, "ROOT", StringComparison.Ordinal)).ToList();
        if (ours.Result == 0 && verb is "enable" or "reenable")
            ourLines.Add(NoInstallConfig);
        var theirLines = NormalizeStderr(theirs.Stderr, tree.Theirs);
        Compare(failures, "printed changes", Sorted(ourLines), Sorted(theirLines));
        if (ours.Succeeded != (theirs.ExitCode == 0))
            failures.Add($"success differs: ours result {ours.Result}, systemctl exit {theirs.ExitCode}");
        return failures;
    }

    /// <summary>Compares every file, directory and symlink of the two roots.</summary>
    public static List<string> CompareTrees(InstallTree tree)
    {
        var failures = new List<string>();
        Compare(failures, "file tree", InstallTree.Snapshot(tree.Ours, tree.Ours).ToList(), InstallTree.Snapshot(tree.Theirs, tree.Theirs).ToList());
        return failures;
    }

    /// <summary>Compares systemctl is-enabled (stdout, stderr) for each unit with our resolver.</summary>
    public static List<string> CompareStates(InstallTree tree, InstallScope scope, IEnumerable<string> units)
    {
        var failures = new List<string>();
        UnitFileStateResolver resolver = OurInstaller(tree, scope).States;
        foreach (string unit in units)
        {
            Systemctl.Output theirs = Systemctl.Run(ScopeArgs(scope, tree.Theirs).Concat(["is-enabled", unit]), Environment(scope, tree.Theirs));
            var warnings = new DiagnosticBag();
            int r = resolver.TryGetState(unit, out UnitFileState state, warnings);
            var ourOut = r >= 0 ? [state.ToSystemdString()] : new List<string>();
            var ourErr = warnings.Items.Select(w => w.ToString().Replace(tree.Ours, "ROOT", StringComparison.Ordinal)).ToList();
            if (r < 0)
                ourErr.Add($"Failed to get unit file state for {unit}: {UnitFileStateResolver.DescribeError(r)}");
            Compare(failures, $"is-enabled {unit} (stdout)", ourOut, theirs.Stdout.ToList());
            Compare(failures, $"is-enabled {unit} (stderr)", ourErr, NormalizeStderr(theirs.Stderr, tree.Theirs));
        }
        return failures;
    }

    /// <summary>Compares systemctl list-unit-files (name, state, preset) with our listing.</summary>
    public static List<string> CompareListing(InstallTree tree, InstallScope scope)
    {
        var failures = new List<string>();
        UnitFileStateResolver resolver = OurInstaller(tree, scope).States;
        Systemctl.Output list = Systemctl.Run(ScopeArgs(scope, tree.Theirs).Concat(["list-unit-files", "--no-legend", "--no-pager"]), Environment(scope, tree.Theirs));
        var theirRows = list.Stdout.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        PresetRules presets = resolver.LoadPresets();
        var ourRows = resolver.List().Select(e => $"{e.Name} {e.State.ToSystemdString()} {Preset(presets, e)}").ToList();
        Compare(failures, "list-unit-files", ourRows, theirRows);
        return failures;
    }

    private static string Preset(PresetRules presets, UnitFileListEntry e) =>
        e.State is UnitFileState.Alias or UnitFileState.Static or UnitFileState.Generated or UnitFileState.Transient
            ? "-"
            : presets.IsEnabled(e.Name) ? "enabled" : "disabled";

    private static IEnumerable<string> ScopeArgs(InstallScope scope, string root) => scope switch
    {
        InstallScope.User => ["--user"],
        InstallScope.Global => ["--global", "--root=" + root],
        _ => ["--root=" + root],
    };

    private static Dictionary<string, string> Environment(InstallScope scope, string root) =>
        scope == InstallScope.User
            ? new() { ["HOME"] = root + "/home", ["XDG_RUNTIME_DIR"] = root + "/xdgrun" }
            : [];

    /// <summary>systemctl's stderr with the root replaced and the multi-line "no installation config" notice folded to one token.</summary>
    private static List<string> NormalizeStderr(IReadOnlyList<string> stderr, string root)
    {
        var result = new List<string>();
        bool inNotice = false;
        foreach (string line in stderr)
        {
            if (line.StartsWith("The unit files have no installation config", StringComparison.Ordinal))
            {
                result.Add(NoInstallConfig);
                inNotice = true;
                continue;
            }
            if (inNotice)
                continue;
            // systemctl's own name mangling (before install.c is called) is not part of the installer.
            if (line.StartsWith("Invalid unit name \"", StringComparison.Ordinal) && line.Contains("\" escaped as \"", StringComparison.Ordinal))
                continue;
            result.Add(line.Replace(root, "ROOT", StringComparison.Ordinal));
        }
        return result;
    }

    private static List<string> Sorted(IEnumerable<string> lines) => lines.OrderBy(l => l, StringComparer.Ordinal).ToList();

    private static void Compare(List<string> failures, string what, IReadOnlyList<string> ours, IReadOnlyList<string> theirs)
    {
        if (ours.SequenceEqual(theirs))
            return;
        failures.Add($"{what} differs\n  ours:\n    {string.Join("\n    ", ours)}\n  systemctl:\n    {string.Join("\n    ", theirs)}");
    }
}
