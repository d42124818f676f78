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

        var ourEnv = Environment(c.Scope, tree.Ours);
        var theirEnv = Environment(c.Scope, tree.Theirs);
        string? ourRoot = c.Scope == InstallScope.User ? null : tree.Ours;
        var installer = new UnitFileInstaller(c.Scope, ourRoot, name => ourEnv.GetValueOrDefault(name));

        var failures = new List<string>();
        if (c.Ours is not null)
        {
            InstallResult ours = c.Ours(installer);
            Systemctl.Output theirs = Systemctl.Run(ScopeArgs(c.Scope, tree.Theirs).Concat(c.SystemctlArgs), theirEnv);

            var ourLines = ours.Describe(c.Verb).Concat(ours.Warnings.Select(w => w.ToString())).Select(l => l.Replace(tree.Ours, "ROOT", StringComparison.Ordinal)).ToList();
            if (ours.Result == 0 && c.Verb is "enable" or "reenable")
                ourLines.Add(NoInstallConfig);
            var theirLines = NormalizeStderr(theirs.Stderr, tree.Theirs);
            Compare(failures, "printed changes", Sorted(ourLines), Sorted(theirLines));
            if (ours.Succeeded != (theirs.ExitCode == 0))
                failures.Add($"success differs: ours result {ours.Result}, systemctl exit {theirs.ExitCode}");
        }

        Compare(failures, "file tree", InstallTree.Snapshot(tree.Ours, tree.Ours).ToList(), InstallTree.Snapshot(tree.Theirs, tree.Theirs).ToList());

        var resolver = new UnitFileStateResolver(c.Scope, ourRoot, name => ourEnv.GetValueOrDefault(name));
        foreach (string unit in c.Query)
        {
            Systemctl.Output theirs = Systemctl.Run(ScopeArgs(c.Scope, tree.Theirs).Concat(["is-enabled", unit]), theirEnv);
            var warnings = new DiagnosticBag();
            int r = resolver.TryGetState(unit, out UnitFileState state, warnings);
            var ourOut = r >= 0 ? [state.ToSystemdString()] : new List<string>();
            var ourErr = warnings.Items.Select(w => w.ToString().Replace(tree.Ours, "ROOT", StringComparison.Ordinal)).ToList();
            if (r < 0)
                ourErr.Add($"Failed to get unit file state for {unit}: {UnitFileStateResolver.DescribeError(r)}");
            Compare(failures, $"is-enabled {unit} (stdout)", ourOut, theirs.Stdout.ToList());
            Compare(failures, $"is-enabled {unit} (stderr)", ourErr, NormalizeStderr(theirs.Stderr, tree.Theirs));
        }

        if (c.Query.Length > 0)
        {
            Systemctl.Output list = Systemctl.Run(ScopeArgs(c.Scope, tree.Theirs).Concat(["list-unit-files", "--no-legend", "--no-pager"]), theirEnv);
            var theirRows = list.Stdout.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
            var ourRows = resolver.List().Select(e => $"{e.Name} {e.State.ToSystemdString()} {Preset(resolver, e)}").ToList();
            Compare(failures, "list-unit-files", ourRows, theirRows);
        }

        Assert.True(failures.Count == 0, $"{c.Name}:\n" + string.Join("\n", failures));
    }

    private static string Preset(UnitFileStateResolver resolver, UnitFileListEntry e) =>
        e.State is UnitFileState.Alias or UnitFileState.Static or UnitFileState.Generated or UnitFileState.Transient
            ? "-"
            : resolver.PresetEnables(e.Name) ? "enabled" : "disabled";

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
