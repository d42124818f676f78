namespace Units.Client;

/// <summary>
/// Which units a cmdlet acts on, with the semantics of PowerShell's *-Service cmdlets:
/// names may be wildcards; a literal name that matches nothing is an ObjectNotFound error, a
/// wildcard that matches nothing is not; Include/Exclude filter by name; the result is
/// de-duplicated and sorted.
/// </summary>
public sealed record UnitSelection
{
    /// <summary>Unit names or wildcard patterns; null or empty selects every unit. Names without a type suffix get ".service".</summary>
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>Wildcard patterns a unit's name must match one of.</summary>
    public IReadOnlyList<string>? Include { get; init; }

    /// <summary>Wildcard patterns that remove units by name.</summary>
    public IReadOnlyList<string>? Exclude { get; init; }

    /// <summary>States (load, active or sub state, systemd spelling) a unit must be in one of, as systemctl --state.</summary>
    public IReadOnlyList<string>? States { get; init; }

    /// <summary>Unit types to keep.</summary>
    public IReadOnlyList<UnitType>? Types { get; init; }

    /// <summary>
    /// Without names or states, keep inactive units without jobs and units that follow others too
    /// (systemctl --all); otherwise those are hidden as list-units hides them.
    /// </summary>
    public bool All { get; init; }
}

/// <summary>Units found and errors for names that found none.</summary>
public sealed record SelectionResult(IReadOnlyList<Unit> Units, IReadOnlyList<UnitError> Errors);
