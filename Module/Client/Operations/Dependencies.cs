using Units.Client.Connection;

namespace Units.Client;

public sealed partial class ManagerClient
{
    // The dependency properties systemctl 252 list-dependencies follows in each direction.
    private static readonly string[] ForwardProperties = ["Requires", "Requisite", "Wants", "ConsistsOf", "BindsTo", "Upholds"];
    private static readonly string[] ReverseProperties = ["RequiredBy", "RequisiteOf", "WantedBy", "PartOf", "BoundBy", "UpheldBy"];

    /// <summary>
    /// The dependency tree of a unit in pre-order (the root first, at depth 0). As systemctl
    /// list-dependencies: targets are expanded, other units only with <paramref name="recurse"/>
    /// (its --all); children are sorted with targets last; a unit expanded once is shown again
    /// elsewhere but not expanded again, which also ends cycles.
    /// </summary>
    public async Task<IReadOnlyList<UnitDependency>> GetDependenciesAsync(Unit root, DependencyDirection direction, bool recurse, CancellationToken cancellation)
    {
        var properties = direction == DependencyDirection.Forward ? ForwardProperties : ReverseProperties;
        var nodes = new List<UnitDependency>();
        var expanded = new HashSet<string>(StringComparer.Ordinal);

        async Task Visit(string name, string kind, IReadOnlyDictionary<string, object>? bag, UnitDependency? parent, int depth)
        {
            var activeState = bag is not null
                ? SystemdNames.Parse<UnitActiveState>(PropertyBag.String(bag, "ActiveState"))
                : SystemdNames.Parse<UnitActiveState>(await Connection.GetAsync(SystemdNames.UnitPath(name), ManagerSignal.UnitInterface, "ActiveState", cancellation).ConfigureAwait(false) as string);
            var expand = depth == 0 || recurse || SystemdNames.TypeOf(name) == UnitType.Target;
            var repeated = expand && !expanded.Add(name);
            var node = new UnitDependency(name, kind, activeState, depth, parent, repeated, ComputerName);
            nodes.Add(node);
            if (!expand || repeated)
            {
                return;
            }
            bag ??= await Connection.GetAllAsync(SystemdNames.UnitPath(name), "", cancellation).ConfigureAwait(false);
            var children = properties
                .SelectMany(property => PropertyBag.Strings(bag, property).Select(child => (Name: child, Kind: property)))
                .DistinctBy(child => child.Name, StringComparer.Ordinal)
                .OrderBy(child => SystemdNames.TypeOf(child.Name) == UnitType.Target)
                .ThenBy(child => child.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var child in children)
            {
                await Visit(child.Name, child.Kind, null, node, depth + 1).ConfigureAwait(false);
            }
        }

        await Visit(root.Name, "", root.Properties, null, 0).ConfigureAwait(false);
        return nodes;
    }
}
