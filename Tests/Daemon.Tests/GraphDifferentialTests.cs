using System.Text.RegularExpressions;
using Units.Daemon.Tests.Graphs;
using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>Generated dependency graphs (Wants/Requires/Requisite/BindsTo/PartOf/Conflicts/After/Before over
/// services that succeed, fail or keep running, and targets) under real systemd 252 and under unitsd:
/// after the real <c>systemctl --user start</c> of the same unit, systemctl's exit status and message, the
/// state of every generated unit, and the JobRemoved results (a multiset of unit and result, watched on
/// each manager's private socket) must be the same.</summary>
public sealed partial class GraphDifferentialTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_settleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Seeds whose graphs systemd 252 itself ends differently from run to run, so its outcome is no
    /// oracle for them. Found by starting seeds 1–60 six times each under run-systemd.sh: only seed 17 varied
    /// (a cycle seed: which job breaks the ordering cycle follows hashmap order, whose key is random per process).</summary>
    private static readonly int[] s_undecidedBySystemd = [17];

    /// <summary>Seeds 1–45 but the undecided; one in six closes an ordering cycle (<see cref="GraphGenerator.IsCycleSeed"/>).</summary>
    private static readonly int[] s_seeds = [.. Enumerable.Range(1, 45).Except(s_undecidedBySystemd)];

    public static TheoryData<int> Seeds => new(s_seeds);

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Starting_a_generated_graph_ends_the_same_on_both_managers(int seed)
    {
        DependencyGraph graph = GraphGenerator.Generate(seed);
        IReadOnlyDictionary<string, string> units = graph.UnitFiles();
        Task<ManagerInstance> startingSystemd = Task.Run(() => ManagerInstance.Start("sd", binary: null, units));
        Task<ManagerInstance> startingUnitsd = Task.Run(() => ManagerInstance.Start("us", Paths.Unitsd, units));
        ManagerInstance[] managers;
        try
        {
            managers = await Task.WhenAll(startingSystemd, startingUnitsd);
        }
        catch
        {
            // One failed to start: stop the other, which would otherwise outlive the test.
            foreach (Task<ManagerInstance> starting in new[] { startingSystemd, startingUnitsd }.Where(t => t.IsCompletedSuccessfully))
                (await starting).Dispose();
            throw;
        }
        using ManagerInstance systemd = managers[0];
        using ManagerInstance unitsd = managers[1];

        Task<Observation> expectedRun = Task.Run(() => ObserveStartAsync(systemd, graph));
        Task<Observation> actualRun = Task.Run(() => ObserveStartAsync(unitsd, graph));
        Observation expected = await expectedRun;
        Observation actual = await actualRun;

        output.WriteLine(graph.ToString());
        output.WriteLine($"===== systemd 252\n{expected}\n===== unitsd\n{actual}");

        var mismatches = new List<string>();
        Compare(mismatches, "systemctl start exit status", expected.StartExitCode.ToString(), actual.StartExitCode.ToString());
        Compare(mismatches, "systemctl start stderr", WithoutConflictingUnit(expected.StartError), WithoutConflictingUnit(actual.StartError));
        Compare(mismatches, "list-units (UNIT LOAD ACTIVE SUB)", expected.Listed, actual.Listed);
        Compare(mismatches, "JobRemoved (unit result)", string.Join('\n', expected.RemovedJobs), string.Join('\n', actual.RemovedJobs));
        Compare(mismatches, "show -p Id,ActiveState,SubState,Result (each unit's lines sorted)", expected.Shown, actual.Shown);
        Assert.True(mismatches.Count == 0, $"seed {seed}: unitsd differs from systemd 252 in\n{string.Join('\n', mismatches)}\n\n{graph}");
    }

    [Fact]
    public void The_generator_is_deterministic_and_covers_every_edge_kind_and_cycles()
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (int seed in s_seeds)
        {
            DependencyGraph graph = GraphGenerator.Generate(seed);
            Assert.Equal(graph.ToString(), GraphGenerator.Generate(seed).ToString());
            Assert.InRange(graph.Kinds.Count, 4, 8);
            kinds.UnionWith(graph.Edges.Select(edge => edge.Kind));
        }
        Assert.Equal(["After", "Before", "BindsTo", "Conflicts", "PartOf", "Requires", "Requisite", "Wants"], kinds.Order(StringComparer.Ordinal));
        Assert.True(s_seeds.Count(GraphGenerator.IsCycleSeed) >= 5);
        Assert.Contains(s_seeds.Select(GraphGenerator.Generate), graph => graph.Kinds.Contains(GraphUnitKind.FailingOneshot));
    }

    /// <summary>Which unit and which two job types systemd names here is not an oracle: it merges the jobs of
    /// each unit in the order its jobs hashmap yields them, and the jobs of one unit in the order the unit
    /// dependencies (hashmaps too) were followed, and those hashmaps' hash key is random per process. Run
    /// five times on the same units, systemd 252 named g5u0.target 'stop' and 'start' four times and
    /// g5u4.service 'stop' and 'verify-active' once. That the transaction is refused as conflicting is the oracle.</summary>
    private static string WithoutConflictingUnit(string error) =>
        ConflictingJobs().Replace(error, "$1'<job>' and '<job>' for <unit>.");

    /// <summary>Each unit's properties sorted: which interface's properties come first is the D-Bus API's
    /// business (checked by <see cref="DifferentialTests"/>), not the engine's.</summary>
    private static string PropertiesPerUnit(string shown) =>
        string.Join("\n\n", shown.Split("\n\n").Select(block => string.Join('\n',
            block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))));

    [GeneratedRegex(@"(Transaction contains conflicting jobs )'[a-z-]+' and '[a-z-]+' for \S+\.")]
    private static partial Regex ConflictingJobs();

    private static void Compare(List<string> mismatches, string what, string expected, string actual)
    {
        if (expected != actual)
            mismatches.Add($"- {what}:\n  systemd: {Indent(expected)}\n  unitsd:  {Indent(actual)}");
    }

    private static string Indent(string text) => text.Replace("\n", "\n           ", StringComparison.Ordinal);

    /// <summary>What one manager shows after the anchor's start.</summary>
    private sealed record Observation(int StartExitCode, string StartError, string Listed, IReadOnlyList<string> RemovedJobs,
        string Shown, string Signals, string CycleLog)
    {
        public override string ToString() =>
            $"systemctl start: exit {StartExitCode}\n{StartError}\nlist-units:\n{Listed}\nJobRemoved:\n{string.Join('\n', RemovedJobs)}\n" +
            $"show:\n{Shown}\nsignals:\n{Signals}\nmanager log about cycles:\n{CycleLog}";
    }

    private static async Task<Observation> ObserveStartAsync(ManagerInstance manager, DependencyGraph graph)
    {
        using JobWatcher watcher = await JobWatcher.ConnectAsync(Path.Combine(manager.InstanceDirectory, "xdg"));
        // Whatever the manager still did after daemon-reload (nothing, normally) is not part of the comparison.
        await watcher.WaitUntilIdleAsync(s_settleTimeout);
        int before = watcher.Removed.Count;

        CommandResult start = manager.Ctl("start", graph.Anchor);
        // systemctl returns once the anchor's job is removed; jobs ordered after it may still run.
        await watcher.WaitUntilIdleAsync(s_settleTimeout);

        CommandResult listed = manager.Ctl("list-units", "--all", "--plain", "--no-legend", "--no-pager");
        string rows = string.Join('\n', listed.Output.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length >= 4 && columns[0].StartsWith(graph.Prefix, StringComparison.Ordinal))
            .Select(columns => string.Join(' ', columns.Take(4)))
            .Order(StringComparer.Ordinal));
        CommandResult shown = manager.Ctl(["show", "-p", "Id,ActiveState,SubState,Result", .. graph.UnitNames]);

        string cycleLog = string.Join('\n', manager.ManagerLog().Split('\n').Where(line => line.Contains("cycle", StringComparison.OrdinalIgnoreCase)));
        return new Observation(start.ExitCode, start.Error.TrimEnd(), rows,
            watcher.Removed.Skip(before).Select(job => job.ToString()).Order(StringComparer.Ordinal).ToList(),
            $"{PropertiesPerUnit(shown.Output.TrimEnd())}{(shown.Error.Length > 0 ? "\nstderr: " + shown.Error.TrimEnd() : "")}",
            watcher.Log, cycleLog);
    }
}
