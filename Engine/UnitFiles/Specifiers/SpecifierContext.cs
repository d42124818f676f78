using Units.UnitFiles.Names;

namespace Units.UnitFiles.Specifiers;

/// <summary>Which specifier table applies: unit settings (unit_full_printf) or [Install] settings (install_name_printf), which knows fewer.</summary>
public enum SpecifierTable
{
    Unit,
    Install,
}

/// <summary>Everything a specifier may expand to for one unit.</summary>
public sealed class SpecifierContext(UnitName unit, UnitScope scope, IHostFacts host)
{
    public UnitName Unit { get; } = unit;

    public UnitScope Scope { get; } = scope;

    public IHostFacts Host { get; } = host;

    public SpecifierTable Table { get; init; } = SpecifierTable.Unit;

    /// <summary>The fragment with symlinks resolved (%y, %Y); null when the unit has no fragment.</summary>
    public string? FragmentRealPath { get; init; }

    /// <summary>The slice the unit's cgroup is under, for the deprecated %c and %r ("system.slice" or, for users, "app.slice").</summary>
    public string? Slice { get; init; }
}
