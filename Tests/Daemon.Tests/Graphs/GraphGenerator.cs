namespace Units.Daemon.Tests.Graphs;

/// <summary>Draws small dependency graphs, the same for the same seed on every machine and run (a seeded
/// <see cref="Random"/> is deterministic). Every unit is pulled in by the anchor through a spanning tree of
/// Wants/Requires/BindsTo edges; more requirement edges of every kind are added at random; ordering edges
/// follow a random ranking, so there is no ordering cycle except on the seeds meant to have one.</summary>
public static class GraphGenerator
{
    private static readonly string[] s_pullingKinds = ["Wants", "Requires", "BindsTo"];

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

        // The ranking orders units when an ordering edge is drawn between them: lower rank starts first.
        int[] rank = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();

        var edges = new List<GraphEdge>();
        void AddOrdering(int a, int b)
        {
            // a before b, written on either side.
            GraphEdge edge = random.Next(2) == 0 ? new GraphEdge(a, "Before", b) : new GraphEdge(b, "After", a);
            if (!edges.Contains(edge))
                edges.Add(edge);
        }
        void AddOrderingByRank(int a, int b)
        {
            if (rank[a] < rank[b])
                AddOrdering(a, b);
            else
                AddOrdering(b, a);
        }

        var tree = new List<(int Parent, int Child)>();
        for (int child = 1; child < count; child++)
        {
            int parent = random.Next(child);
            tree.Add((parent, child));
            edges.Add(new GraphEdge(parent, s_pullingKinds[random.Next(s_pullingKinds.Length)], child));
            if (random.Next(2) == 0)
                AddOrderingByRank(parent, child);
        }

        int extra = random.Next(count / 2, count + 1);
        for (int k = 0; k < extra; k++)
        {
            int from = random.Next(count);
            int to = random.Next(count - 1);
            if (to >= from)
                to++;
            var edge = new GraphEdge(from, DependencyGraph.RequirementKinds[random.Next(DependencyGraph.RequirementKinds.Length)], to);
            if (edges.Contains(edge))
                continue;
            edges.Add(edge);
            if (random.Next(2) == 0)
                AddOrderingByRank(from, to);
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
