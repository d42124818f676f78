namespace Units.Daemon.Tests.Graphs;

/// <summary>Draws small dependency graphs, the same for the same seed on every machine and run (a seeded
/// <see cref="Random"/> is deterministic). Every unit is pulled in by the anchor through a spanning tree of
/// Wants/Requires/BindsTo edges; more requirement edges of every kind are added at random. A unit that
/// Requires=, Requisite= or BindsTo= another is always ordered after it: unordered, whether its job runs
/// before the other fails (result done) or waits and fails with it (result dependency) is a race in both
/// managers, and a race is no oracle. Ordering follows the unit numbers (a unit starts after those with
/// higher numbers), so there is no ordering cycle except on the seeds meant to have one.</summary>
public static class GraphGenerator
{
    private static readonly string[] s_pullingKinds = ["Wants", "Requires", "BindsTo"];

    /// <summary>Edges whose unit must wait for the other's start job to end (see the class summary).</summary>
    private static readonly string[] s_orderedKinds = ["Requires", "Requisite", "BindsTo"];

    /// <summary>Seeds whose graphs close an ordering cycle on purpose (one in six).</summary>
    public static bool IsCycleSeed(int seed) => seed % 6 == 5;

    public static DependencyGraph Generate(int seed)
    {
        var random = new Random(seed);
        int count = random.Next(4, 9);

        var kinds = new GraphUnitKind[count];
        kinds[0] = random.Next(2) == 0 ? GraphUnitKind.Target : DrawServiceKind(random);
        for (int i = 1; i < count; i++)
            kinds[i] = random.Next(5) == 0 ? GraphUnitKind.Target : DrawServiceKind(random);
        bool[] defaultDependencies = Enumerable.Range(0, count).Select(_ => random.Next(4) != 0).ToArray();

        var edges = new List<GraphEdge>();
        void AddOrdering(int first, int then)
        {
            // Written on either side.
            GraphEdge edge = random.Next(2) == 0 ? new GraphEdge(first, "Before", then) : new GraphEdge(then, "After", first);
            if (!edges.Contains(edge))
                edges.Add(edge);
        }
        void AddEdge(int from, string kind, int to)
        {
            if (s_orderedKinds.Contains(kind) && from > to)
                (from, to) = (to, from);
            var edge = new GraphEdge(from, kind, to);
            if (edges.Contains(edge))
                return;
            edges.Add(edge);
            if (s_orderedKinds.Contains(kind) || random.Next(2) == 0)
                AddOrdering(Math.Max(from, to), Math.Min(from, to));
        }

        var tree = new List<(int Parent, int Child)>();
        for (int child = 1; child < count; child++)
        {
            int parent = random.Next(child);
            tree.Add((parent, child));
            AddEdge(parent, s_pullingKinds[random.Next(s_pullingKinds.Length)], child);
        }

        int extra = random.Next(count / 2, count + 1);
        for (int k = 0; k < extra; k++)
        {
            int from = random.Next(count);
            int to = random.Next(count - 1);
            if (to >= from)
                to++;
            AddEdge(from, DependencyGraph.RequirementKinds[random.Next(DependencyGraph.RequirementKinds.Length)], to);
        }

        bool cycle = IsCycleSeed(seed);
        if (cycle)
        {
            // Order a tree edge both ways: both units are in the anchor's transaction, so the cycle is met.
            (int parent, int child) = tree[random.Next(tree.Count)];
            AddOrdering(parent, child);
            AddOrdering(child, parent);
        }

        return new DependencyGraph(seed, kinds, defaultDependencies, edges, cycle);
    }

    private static GraphUnitKind DrawServiceKind(Random random) => random.Next(5) switch
    {
        0 or 1 => GraphUnitKind.SucceedingOneshot,
        2 => GraphUnitKind.FailingOneshot,
        _ => GraphUnitKind.Daemon,
    };
}
