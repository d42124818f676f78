using Units.UnitFiles.Install;

namespace Units.UnitFiles.Tests.Install;

/// <summary>
/// Seeded random scenarios: a tree of units with random [Install] sections, pre-existing symlinks (enabled,
/// masked, aliased, linked) and preset files, then a random sequence of operations applied both by our
/// installer and by systemctl 252 --root. After every operation the printed changes, success, the whole tree
/// and list-unit-files must agree. The seed in the test name reproduces a failure.
/// </summary>
public sealed class RandomizedInstallTests
{
    private static readonly string[] Plain = ["a.service", "b.service", "c.socket", "d.timer", "e.path", "f.service"];
    private static readonly string[] Targets = ["x.target", "y.target", "multi-user.target", "pool@one.target"];
    private static readonly string[] Templates = ["t@.service", "u@.socket"];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 24), 1139, 1342];

    public static TheoryData<int> GlobalSeeds() => [.. Enumerable.Range(501, 8)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_scenario_matches_systemctl_252(int seed) => Run(seed, InstallScope.System);

    /// <summary>The same scenarios with user units for all users (--global): system paths become their user counterparts.</summary>
    [Theory]
    [MemberData(nameof(GlobalSeeds))]
    public void Random_global_scenario_matches_systemctl_252(int seed) => Run(seed, InstallScope.Global);

    private static void Run(int seed, InstallScope scope)
    {
        var random = new Random(seed);
        using var tree = new InstallTree();
        if (scope == InstallScope.Global)
            tree.MapPath = p => p.Replace("systemd/system-preset", "systemd/user-preset", StringComparison.Ordinal)
                .Replace("systemd/system", "systemd/user", StringComparison.Ordinal);
        var units = BuildTree(tree, random);
        tree.Build();

        var log = new List<string>();
        for (int step = 0; step < 6; step++)
        {
            (string[] args, Func<UnitFileInstaller, InstallResult> ours, string verb) = PickOperation(random, units);
            log.Add("systemctl " + string.Join(' ', args));
            var failures = InstallDifferential.CompareOperation(tree, scope, args, ours, verb);
            failures.AddRange(InstallDifferential.CompareTrees(tree));
            failures.AddRange(InstallDifferential.CompareListing(tree, scope));
            Assert.True(failures.Count == 0, $"seed {seed}, after:\n  {string.Join("\n  ", log)}\n" + string.Join("\n", failures));
        }
    }

    private static List<string> BuildTree(InstallTree tree, Random random)
    {
        var names = new List<string>();
        foreach (string name in Plain.Concat(Templates))
        {
            if (random.NextDouble() < 0.15)
                continue;
            names.Add(name);
            string suffix = name[name.LastIndexOf('.')..];
            var lines = new List<string>();
            if (random.NextDouble() < 0.6)
                lines.Add("WantedBy=" + string.Join(' ', Pick(random, Targets, random.Next(1, 3))));
            if (random.NextDouble() < 0.2)
                lines.Add("RequiredBy=" + Pick(random, Targets, 1)[0]);
            if (random.NextDouble() < 0.3)
                lines.Add("Alias=" + (name.Contains('@') ? name.Replace("@", "-alias@", StringComparison.Ordinal) : "alias-" + name) + (random.NextDouble() < 0.2 ? suffix : ""));
            if (random.NextDouble() < 0.25)
                lines.Add("Also=" + Pick(random, Plain, 1)[0]);
            if (name.Contains('@') && random.NextDouble() < 0.5)
                lines.Add("DefaultInstance=" + (random.NextDouble() < 0.5 ? "one" : "two"));
            string dir = random.NextDouble() switch
            {
                < 0.7 => "usr/lib/systemd/system/",
                < 0.85 => "etc/systemd/system/",
                < 0.93 => "run/systemd/system/",
                _ => "opt/units/",
            };
            tree.Unit(dir + name, lines.Count == 0 ? "[Unit]\nDescription=static\n" : "[Unit]\nDescription=r\n[Install]\n" + string.Join("\n", lines) + "\n");
            if (dir == "opt/units/")
                tree.Symlink("etc/systemd/system/" + name, "/opt/units/" + name);

            if (!name.Contains('@') && random.NextDouble() < 0.3)
                tree.Symlink($"etc/systemd/system/{Pick(random, Targets, 1)[0]}.wants/{name}", "/" + dir + name);
            if (random.NextDouble() < 0.1)
                tree.Symlink((random.NextDouble() < 0.5 ? "etc" : "run") + "/systemd/system/" + name, "/dev/null");
        }
        tree.Unit("x.target").Unit("y.target").Unit("multi-user.target").Unit("pool@.target");
        if (random.NextDouble() < 0.3)
            tree.Symlink("etc/systemd/system/alias-" + Pick(random, Plain, 1)[0], "/usr/lib/systemd/system/" + Pick(random, Plain, 1)[0]);
        if (random.NextDouble() < 0.3)
            tree.File("etc/systemd/system/" + Pick(random, Plain, 1)[0] + ".d/50-install.conf", "[Install]\nWantedBy=y.target\nAlias=dropin-alias.service\n");
        if (random.NextDouble() < 0.3)
            tree.Symlink("etc/systemd/system/x.target.wants/t@one.service", "/usr/lib/systemd/system/t@.service");
        if (random.NextDouble() < 0.2)
            tree.Unit("run/systemd/generator/gen.service", "[Install]\nWantedBy=x.target\n");
        if (random.NextDouble() < 0.2)
            tree.Unit("run/systemd/transient/tr.service", "[Install]\nWantedBy=x.target\n");
        if (random.NextDouble() < 0.3)
            tree.Symlink("usr/lib/systemd/system/default.target", "x.target");
        if (random.NextDouble() < 0.7)
        {
            var presetLines = new List<string>();
            for (int i = random.Next(1, 5); i > 0; i--)
                presetLines.Add((random.NextDouble() < 0.5 ? "enable " : "disable ") + random.Next(5) switch
                {
                    0 => "*",
                    1 => "*.service",
                    2 => Pick(random, Plain, 1)[0],
                    3 => "t@.service one two",
                    _ => "[a-c]*",
                });
            tree.File("usr/lib/systemd/system-preset/50-random.preset", string.Join("\n", presetLines) + "\n");
        }
        return names;
    }

    private static (string[] Args, Func<UnitFileInstaller, InstallResult> Ours, string Verb) PickOperation(Random random, List<string> units)
    {
        string unit = units.Count == 0 ? "a.service" : units[random.Next(units.Count)];
        if (unit.Contains('@') && random.NextDouble() < 0.5)
            unit = unit.Replace("@", "@two", StringComparison.Ordinal);
        bool runtime = random.NextDouble() < 0.2;
        bool force = random.NextDouble() < 0.2;
        InstallFlags flags = (runtime ? InstallFlags.Runtime : 0) | (force ? InstallFlags.Force : 0);
        string[] Options(params string[] verbAndArgs) =>
            [verbAndArgs[0], .. runtime ? new[] { "--runtime" } : [], .. force ? new[] { "--force" } : [], .. verbAndArgs[1..]];

        if (random.NextDouble() < 0.15)
            unit = Pick(random, ["alias-a.service", "alias-b.service", "gen.service", "tr.service", "dropin-alias.service", "t@one.service"], 1)[0];
        switch (random.Next(13))
        {
            case 0: return (Options("enable", unit), i => i.Enable([unit], flags), "enable");
            case 1: return (Options("disable", unit), i => i.Disable([unit], flags & InstallFlags.Runtime), "disable");
            case 2: return (Options("reenable", unit), i => i.Reenable([unit], flags), "reenable");
            case 3: return (Options("mask", unit), i => i.Mask([unit], flags), "mask");
            case 4: return (Options("unmask", unit), i => i.Unmask([unit], flags & InstallFlags.Runtime), "unmask");
            case 5: return (Options("preset", unit), i => i.Preset([unit], PresetMode.Full, flags), "preset");
            case 6:
                PresetMode mode = (PresetMode)random.Next(3);
                return (Options("preset-all", "--preset-mode=" + mode.ToSystemdString()), i => i.PresetAll(mode, flags), "preset");
            case 7:
                string target = Pick(random, Targets, 1)[0];
                return (Options("add-wants", target, unit), i => i.AddDependency([unit], target, InstallDependency.Wants, flags), "add dependency on");
            case 8: return (["revert", unit], i => i.Revert([unit]), "revert");
            case 9:
                string t = Pick(random, ["x.target", "y.target", "nothing.target"], 1)[0];
                return (["set-default", t], i => i.SetDefault(t), "set default");
            case 10:
                string file = "/opt/units/" + Pick(random, Plain, 1)[0];
                return (Options("link", file), i => i.Link([file], flags), "link");
            case 11:
                string other = Pick(random, Plain, 1)[0];
                return (Options("disable", unit, other), i => i.Disable([unit, other], flags & InstallFlags.Runtime), "disable");
            default: return (Options("enable", unit, "alias-a.service"), i => i.Enable([unit, "alias-a.service"], flags), "enable");
        }
    }

    private static string[] Pick(Random random, string[] from, int count) =>
        from.OrderBy(_ => random.Next()).Take(count).ToArray();
}
