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

    private Lazy<string?>? resolveFragmentRealPath;
    private string? fragmentRealPath;

    /// <summary>The fragment with symlinks resolved (%y, %Y); null when the unit has no fragment.</summary>
    public string? FragmentRealPath
    {
        get => resolveFragmentRealPath?.Value ?? fragmentRealPath;
        init => fragmentRealPath = value;
    }

    /// <summary>Computes <see cref="FragmentRealPath"/> on first use only (resolving links costs system calls that %y rarely needs).</summary>
    internal Func<string?> FragmentRealPathResolver
    {
        init => resolveFragmentRealPath = new Lazy<string?>(value, LazyThreadSafetyMode.None);
    }

    /// <summary>The slice the unit's cgroup is under, for the deprecated %c and %r ("system.slice" or, for users, "app.slice").</summary>
    public string? Slice { get; init; }
}
