using System.Diagnostics;
using System.Globalization;
using System.Text;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Core.Testing;

namespace Units.Core.Tests;

/// <summary>
/// The core against real systemd 252 (run-systemd.sh) on the same generated dependency graphs: after starting the
/// first unit of each graph, every unit's ActiveState and whether the start succeeded must agree, and again after
/// stopping one of its units. Services have no
/// real work: on systemd they are oneshots running /bin/true or /bin/false, here fake services that succeed or fail
/// one loop event after they start (as a process exits after it was spawned).
/// </summary>
public sealed class DifferentialTests
{
    private const string RunSystemd = "/work/shared/reference-systemd/run-systemd.sh";
    private const int Graphs = 40;

    private sealed record Graph(int Number, int Size, bool[] Fails, List<(int From, UnitDependency Type, int To)> Edges, int StopAfterwards)
    {
        public string Name(int unit) => $"g{Number}-u{unit}.service";
    }

    private static List<Graph> Generate()
    {
        var random = new Random(252);
        UnitDependency[] requirementTypes =
            [UnitDependency.Wants, UnitDependency.Requires, UnitDependency.Requisite, UnitDependency.BindsTo, UnitDependency.PartOf,
             UnitDependency.Conflicts, UnitDependency.Upholds, UnitDependency.PropagatesStopTo];
        var graphs = new List<Graph>();
        for (int n = 0; n < Graphs; n++)
        {
            int size = random.Next(3, 8);
            var fails = Enumerable.Range(0, size).Select(_ => random.Next(5) == 0).ToArray();
            var edges = new List<(int, UnitDependency, int)>();
            int count = random.Next(size, size * 2 + 1);
            for (int e = 0; e < count; e++)
            {
                int from = random.Next(size), to = random.Next(size);
                if (from == to)
                    continue;
                var type = requirementTypes[random.Next(requirementTypes.Length)];
                if (type is UnitDependency.Requires or UnitDependency.Requisite or UnitDependency.BindsTo)
                {
                    // A requirement always points to a higher number and is ordered: unordered, whether the
                    // dependent's start job sees its requirement fail depends on which process exits first, on
                    // systemd too.
                    (from, to) = (Math.Min(from, to), Math.Max(from, to));
                    edges.Add((from, type, to));
                    edges.Add((from, UnitDependency.After, to));
                    continue;
                }
                edges.Add((from, type, to));
                // Lower numbers are only ever ordered after higher ones: no ordering cycles, whose breaking depends
                // on systemd's hash order.
                if (random.Next(2) == 0)
                    edges.Add(from < to ? (from, UnitDependency.After, to) : (from, UnitDependency.Before, to));
            }
            graphs.Add(new Graph(n, size, fails, edges, random.Next(size)));
        }
        return graphs;
    }

    [Fact]
    [Trait("Category", "Differential")]
    public void Generated_graphs_end_in_the_same_states_as_on_systemd_252()
    {
        Assert.True(File.Exists(RunSystemd), $"{RunSystemd} is required for the differential test against systemd 252");
        Assert.True(Environment.UserName == "root", "the differential test runs systemd 252 in namespaces and needs root");
        var graphs = Generate();
        var systemd = RunOnSystemd(graphs);
        var mismatches = new List<string>();
        foreach (var graph in graphs)
        {
            var ours = RunOnCore(graph);
            var theirs = systemd[graph.Number];
            if (ours.Started != theirs.Started || !ours.States.SequenceEqual(theirs.States) || !ours.AfterStop.SequenceEqual(theirs.AfterStop))
                mismatches.Add($"graph {graph.Number} ({Describe(graph)}; then stop {graph.StopAfterwards}):\n"
                    + $"  ours:    started={ours.Started} {string.Join(' ', ours.States)} | {string.Join(' ', ours.AfterStop)}\n"
                    + $"  systemd: started={theirs.Started} {string.Join(' ', theirs.States)} | {string.Join(' ', theirs.AfterStop)}");
        }
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    private static string Describe(Graph g) =>
        string.Join(", ", g.Edges.Select(e => $"{e.From} {e.Type} {e.To}"))
        + "; failing: " + string.Join(' ', Enumerable.Range(0, g.Size).Where(i => g.Fails[i]));

    private static (bool Started, string[] States, string[] AfterStop) RunOnCore(Graph graph)
    {
        var h = new Harness();
        for (int i = 0; i < graph.Size; i++)
        {
            var unit = new UnitBuilder(graph.Name(i)).Fake(new FakeServiceSettings { FailsToStart = graph.Fails[i], CompletesLater = true });
            foreach (var (from, type, to) in graph.Edges)
                if (from == i)
                    unit = type switch
                    {
                        UnitDependency.Wants => unit.Wants(graph.Name(to)),
                        UnitDependency.Requires => unit.Requires(graph.Name(to)),
                        UnitDependency.Requisite => unit.Requisite(graph.Name(to)),
                        UnitDependency.BindsTo => unit.BindsTo(graph.Name(to)),
                        UnitDependency.PartOf => unit.PartOf(graph.Name(to)),
                        UnitDependency.Conflicts => unit.Conflicts(graph.Name(to)),
                        UnitDependency.Upholds => unit.Upholds(graph.Name(to)),
                        UnitDependency.PropagatesStopTo => unit.PropagatesStopTo(graph.Name(to)),
                        UnitDependency.OnFailure => unit.OnFailure(graph.Name(to)),
                        UnitDependency.After => unit.After(graph.Name(to)),
                        _ => unit.Before(graph.Name(to)),
                    };
            h.Define(unit);
        }
        bool started;
        try
        {
            var job = h.Start(graph.Name(0));
            h.Manager.RunPending();
            started = job.Result == JobResult.Done;
        }
        catch (BusErrorException)
        {
            started = false;
        }
        string[] States() => [.. Enumerable.Range(0, graph.Size).Select(i => h.State(graph.Name(i)).ToSystemdString())];
        var states = States();
        try
        {
            h.Stop(graph.Name(graph.StopAfterwards));
        }
        catch (BusErrorException)
        {
        }
        h.Manager.RunPending();
        return (started, states, States());
    }

    private static Dictionary<int, (bool Started, string[] States, string[] AfterStop)> RunOnSystemd(List<Graph> graphs)
    {
        string instance = "coredf" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Run(RunSystemd, "start", instance);
        try
        {
            string dir = Run(RunSystemd, "dir", instance).Output.Trim();
            foreach (var graph in graphs)
                for (int i = 0; i < graph.Size; i++)
                {
                    var text = new StringBuilder("[Unit]\nDefaultDependencies=no\n");
                    foreach (var (from, type, to) in graph.Edges)
                        if (from == i)
                            text.Append(type.ToSystemdString()).Append('=').Append(graph.Name(to)).Append('\n');
                    text.Append("[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=")
                        .Append(graph.Fails[i] ? "/bin/false" : "/bin/true").Append('\n');
                    File.WriteAllText(Path.Combine(dir, graph.Name(i)), text.ToString());
                }
            Run(RunSystemd, "ctl", instance, "daemon-reload");
            var results = new Dictionary<int, (bool, string[], string[])>();
            foreach (var graph in graphs)
            {
                bool started = Run(RunSystemd, "ctl", instance, "start", graph.Name(0)).ExitCode == 0;
                var names = Enumerable.Range(0, graph.Size).Select(graph.Name).ToArray();
                string[] States()
                {
                    // Let follow-up jobs (stops of bound units, OnFailure=...) settle before reading the states.
                    for (int i = 0; i < 100 && Run(RunSystemd, "ctl", instance, "list-jobs", "--no-legend").Output.Trim().Length > 0; i++)
                        Thread.Sleep(50);
                    return Run(RunSystemd, ["ctl", instance, "show", "-p", "ActiveState", "--value", .. names]).Output
                        .Split('\n', StringSplitOptions.RemoveEmptyEntries);
                }
                var states = States();
                Run(RunSystemd, "ctl", instance, "stop", graph.Name(graph.StopAfterwards));
                results[graph.Number] = (started, states, States());
            }
            return results;
        }
        finally
        {
            Run(RunSystemd, "stop", instance);
        }
    }

    private static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot run {file}");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = stderr.Result;
        return (p.ExitCode, stdout);
    }
}
