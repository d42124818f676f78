using System.Text;

namespace Units.Daemon.Tests.Graphs;

/// <summary>What a generated service does when started.</summary>
public enum GraphUnitKind
{
    /// <summary>Type=oneshot, RemainAfterExit=yes, ExecStart=/bin/true: becomes active (exited).</summary>
    SucceedingOneshot,

    /// <summary>Type=oneshot, RemainAfterExit=yes, ExecStart=/bin/false: its start job fails, the unit fails.</summary>
    FailingOneshot,

    /// <summary>Type=simple, ExecStart=/bin/sleep infinity: active (running) until stopped.</summary>
    Daemon,

    /// <summary>A target: no processes, only dependencies.</summary>
    Target,
}

/// <summary>One dependency edge: <see cref="From"/> gets <c>Kind=To</c> in its [Unit] section.</summary>
public sealed record GraphEdge(int From, string Kind, int To);

/// <summary>A small generated graph of units (g&lt;seed&gt;u&lt;i&gt;.service/.target), the unit files that
/// express it, and the unit whose start both managers are asked for.</summary>
public sealed class DependencyGraph
{
    /// <summary>Requirement-like edges drawn at random; ordering edges are drawn separately.</summary>
    internal static readonly string[] RequirementKinds = ["Wants", "Requires", "Requisite", "BindsTo", "PartOf", "Conflicts"];

    internal DependencyGraph(int seed, IReadOnlyList<GraphUnitKind> kinds, IReadOnlyList<bool> defaultDependencies,
        IReadOnlyList<GraphEdge> edges, bool hasOrderingCycle)
    {
        Seed = seed;
        Kinds = kinds;
        DefaultDependencies = defaultDependencies;
        Edges = edges;
        HasOrderingCycle = hasOrderingCycle;
    }

    public int Seed { get; }

    public IReadOnlyList<GraphUnitKind> Kinds { get; }

    /// <summary>Per unit, whether DefaultDependencies= is left at yes (targets then order themselves
    /// after what they want or require, as systemd.target(5) says).</summary>
    public IReadOnlyList<bool> DefaultDependencies { get; }

    public IReadOnlyList<GraphEdge> Edges { get; }

    /// <summary>Whether the generator closed an ordering cycle on purpose (the managers must break it, or
    /// refuse the transaction when no job in it can be deleted).</summary>
    public bool HasOrderingCycle { get; }

    /// <summary>The unit started by the test: always the first.</summary>
    public string Anchor => UnitName(0);

    public IEnumerable<string> UnitNames => Enumerable.Range(0, Kinds.Count).Select(UnitName);

    /// <summary>Shared by every unit of this graph, so a manager's listing can be filtered to them.</summary>
    public string Prefix => $"g{Seed}u";

    public string UnitName(int index) =>
        $"{Prefix}{index}.{(Kinds[index] == GraphUnitKind.Target ? "target" : "service")}";

    /// <summary>File name → unit file content.</summary>
    public IReadOnlyDictionary<string, string> UnitFiles()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < Kinds.Count; i++)
        {
            var text = new StringBuilder();
            text.Append("[Unit]\nDescription=").Append(Describe(i)).Append('\n');
            if (!DefaultDependencies[i])
                text.Append("DefaultDependencies=no\n");
            foreach (GraphEdge edge in Edges.Where(e => e.From == i))
                text.Append(edge.Kind).Append('=').Append(UnitName(edge.To)).Append('\n');
            switch (Kinds[i])
            {
                case GraphUnitKind.SucceedingOneshot or GraphUnitKind.FailingOneshot:
                    text.Append("[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=")
                        .Append(Kinds[i] == GraphUnitKind.SucceedingOneshot ? "/bin/true" : "/bin/false").Append('\n');
                    break;
                case GraphUnitKind.Daemon:
                    text.Append("[Service]\nType=simple\nExecStart=/bin/sleep infinity\n");
                    break;
            }
            files[UnitName(i)] = text.ToString();
        }
        return files;
    }

    private string Describe(int index) => Kinds[index] switch
    {
        GraphUnitKind.SucceedingOneshot => "oneshot that succeeds",
        GraphUnitKind.FailingOneshot => "oneshot that fails",
        GraphUnitKind.Daemon => "daemon that runs until stopped",
        _ => "target",
    };

    /// <summary>The graph in one readable block, for failure messages.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"graph seed {Seed} (anchor {Anchor}{(HasOrderingCycle ? ", ordering cycle on purpose" : "")}):\n");
        foreach ((string file, string content) in UnitFiles())
            text.Append("--- ").Append(file).Append('\n').Append(content);
        return text.ToString();
    }
}
