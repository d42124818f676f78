namespace Units.Core.Model;

/// <summary>The dependency types of systemd.unit(5), each with its inverse.</summary>
public enum UnitDependency
{
    Requires,
    Requisite,
    Wants,
    BindsTo,
    PartOf,
    Upholds,
    RequiredBy,
    RequisiteOf,
    WantedBy,
    BoundBy,
    UpheldBy,
    ConsistsOf,
    Conflicts,
    ConflictedBy,
    Before,
    After,
    OnSuccess,
    OnSuccessOf,
    OnFailure,
    OnFailureOf,
    Triggers,
    TriggeredBy,
    PropagatesReloadTo,
    ReloadPropagatedFrom,
    PropagatesStopTo,
    StopPropagatedFrom,
    JoinsNamespaceOf,
    References,
    ReferencedBy,
    InSlice,
    SliceOf,
}

/// <summary>
/// Facets of dependency behaviour. The engine acts on atoms ("pulls in a start", "propagates stop"), never on
/// dependency names; each dependency type is a combination of atoms (systemd's unit-dependency-atom.c).
/// </summary>
[Flags]
public enum UnitDependencyAtom : ulong
{
    None = 0,
    /// <summary>Starting this unit pulls in a start job of the other; its failure fails the transaction.</summary>
    PullInStart = 1UL << 0,
    /// <summary>Starting this unit pulls in a start job of the other that does not matter.</summary>
    PullInStartIgnored = 1UL << 1,
    /// <summary>Starting this unit pulls in a verify-active job of the other.</summary>
    PullInVerify = 1UL << 2,
    /// <summary>Starting this unit pulls in a stop job of the other that matters.</summary>
    PullInStop = 1UL << 3,
    /// <summary>Starting this unit pulls in a stop job of the other that does not matter.</summary>
    PullInStopIgnored = 1UL << 4,
    /// <summary>When this unit becomes active, start the other with mode replace.</summary>
    RetroactiveStartReplace = 1UL << 5,
    /// <summary>When this unit becomes active, start the other with mode fail.</summary>
    RetroactiveStartFail = 1UL << 6,
    /// <summary>When this unit becomes inactive, stop the other.</summary>
    RetroactiveStopOnStop = 1UL << 7,
    /// <summary>When this unit becomes active, stop the other.</summary>
    RetroactiveStopOnStart = 1UL << 8,
    /// <summary>Stopping this unit stops the other too (inside the transaction).</summary>
    PropagateStop = 1UL << 9,
    /// <summary>Restarting this unit try-restarts the other.</summary>
    PropagateRestart = 1UL << 10,
    /// <summary>This unit failing to start fails the other's start job with result "dependency".</summary>
    PropagateStartFailure = 1UL << 11,
    /// <summary>This unit failing to stop fails the other's job with result "dependency".</summary>
    PropagateStopFailure = 1UL << 12,
    /// <summary>This unit found inactive by a verify job counts as a start failure for the other.</summary>
    PropagateInactiveStartAsFailure = 1UL << 13,
    /// <summary>The other may not be active while this unit is inactive (BindsTo=).</summary>
    CannotBeActiveWithout = 1UL << 14,
    /// <summary>While this unit is active, the other (with StopWhenUnneeded=) is still needed.</summary>
    PinsStopWhenUnneeded = 1UL << 15,
    /// <summary>When this unit goes down, check whether the other is now unneeded.</summary>
    AddStopWhenUnneededQueue = 1UL << 16,
    /// <summary>When this unit goes down, check the other's BindsTo= (whose target is now gone).</summary>
    AddCannotBeActiveWithoutQueue = 1UL << 17,
    /// <summary>When this unit goes up, check whether the other (Upholds=) must be started.</summary>
    AddStartWhenUpheldQueue = 1UL << 18,
    /// <summary>While this unit is active, keep the other started (Upholds=, seen from the upheld unit).</summary>
    StartSteadily = 1UL << 19,
    /// <summary>Marks dependencies that get the default target ordering (After= for targets).</summary>
    AddDefaultTargetDependencyQueue = 1UL << 20,
    DefaultTargetDependencies = 1UL << 21,
    Before = 1UL << 22,
    After = 1UL << 23,
    OnSuccess = 1UL << 24,
    OnSuccessOf = 1UL << 25,
    OnFailure = 1UL << 26,
    OnFailureOf = 1UL << 27,
    Triggers = 1UL << 28,
    TriggeredBy = 1UL << 29,
    PropagatesReloadTo = 1UL << 30,
    JoinsNamespaceOf = 1UL << 31,
    References = 1UL << 32,
    ReferencedBy = 1UL << 33,
    InSlice = 1UL << 34,
    SliceOf = 1UL << 35,
}

/// <summary>The tables that give each dependency type its atoms, inverse and name.</summary>
public static class UnitDependencies
{
    public const int Count = (int)UnitDependency.SliceOf + 1;

    private static readonly UnitDependencyAtom[] AtomTable = BuildAtoms();
    private static readonly UnitDependency[] InverseTable = BuildInverses();

    private static UnitDependencyAtom[] BuildAtoms()
    {
        const UnitDependencyAtom pullingIn =
            UnitDependencyAtom.AddStopWhenUnneededQueue | UnitDependencyAtom.AddDefaultTargetDependencyQueue;
        var t = new UnitDependencyAtom[Count];
        t[(int)UnitDependency.Requires] = UnitDependencyAtom.PullInStart | UnitDependencyAtom.RetroactiveStartReplace | pullingIn;
        t[(int)UnitDependency.Requisite] = UnitDependencyAtom.PullInVerify | pullingIn;
        t[(int)UnitDependency.Wants] = UnitDependencyAtom.PullInStartIgnored | UnitDependencyAtom.RetroactiveStartFail | pullingIn;
        t[(int)UnitDependency.BindsTo] = UnitDependencyAtom.PullInStart | UnitDependencyAtom.RetroactiveStartReplace
            | UnitDependencyAtom.CannotBeActiveWithout | pullingIn;
        t[(int)UnitDependency.PartOf] = UnitDependencyAtom.AddDefaultTargetDependencyQueue;
        t[(int)UnitDependency.Upholds] = UnitDependencyAtom.PullInStartIgnored | UnitDependencyAtom.RetroactiveStartReplace
            | UnitDependencyAtom.AddStartWhenUpheldQueue | pullingIn;
        const UnitDependencyAtom requiredBy = UnitDependencyAtom.PropagateStop | UnitDependencyAtom.PropagateRestart
            | UnitDependencyAtom.PropagateStartFailure | UnitDependencyAtom.PinsStopWhenUnneeded
            | UnitDependencyAtom.DefaultTargetDependencies;
        t[(int)UnitDependency.RequiredBy] = requiredBy;
        t[(int)UnitDependency.RequisiteOf] = requiredBy | UnitDependencyAtom.PropagateInactiveStartAsFailure;
        t[(int)UnitDependency.WantedBy] = UnitDependencyAtom.DefaultTargetDependencies | UnitDependencyAtom.PinsStopWhenUnneeded;
        t[(int)UnitDependency.BoundBy] = requiredBy | UnitDependencyAtom.RetroactiveStopOnStop
            | UnitDependencyAtom.AddCannotBeActiveWithoutQueue;
        t[(int)UnitDependency.UpheldBy] = UnitDependencyAtom.StartSteadily | UnitDependencyAtom.DefaultTargetDependencies
            | UnitDependencyAtom.PinsStopWhenUnneeded;
        t[(int)UnitDependency.ConsistsOf] = UnitDependencyAtom.PropagateStop | UnitDependencyAtom.PropagateRestart;
        t[(int)UnitDependency.Conflicts] = UnitDependencyAtom.PullInStop | UnitDependencyAtom.RetroactiveStopOnStart;
        t[(int)UnitDependency.ConflictedBy] = UnitDependencyAtom.PullInStopIgnored | UnitDependencyAtom.RetroactiveStopOnStart
            | UnitDependencyAtom.PropagateStopFailure;
        // systemd 252: PropagatesStopTo= stops the other both inside transactions and retroactively.
        t[(int)UnitDependency.PropagatesStopTo] = UnitDependencyAtom.RetroactiveStopOnStop | UnitDependencyAtom.PropagateStop;
        t[(int)UnitDependency.OnSuccess] = UnitDependencyAtom.OnSuccess;
        t[(int)UnitDependency.OnSuccessOf] = UnitDependencyAtom.OnSuccessOf;
        t[(int)UnitDependency.OnFailure] = UnitDependencyAtom.OnFailure;
        t[(int)UnitDependency.OnFailureOf] = UnitDependencyAtom.OnFailureOf;
        t[(int)UnitDependency.Before] = UnitDependencyAtom.Before;
        t[(int)UnitDependency.After] = UnitDependencyAtom.After;
        t[(int)UnitDependency.Triggers] = UnitDependencyAtom.Triggers;
        t[(int)UnitDependency.TriggeredBy] = UnitDependencyAtom.TriggeredBy;
        t[(int)UnitDependency.PropagatesReloadTo] = UnitDependencyAtom.PropagatesReloadTo;
        t[(int)UnitDependency.JoinsNamespaceOf] = UnitDependencyAtom.JoinsNamespaceOf;
        t[(int)UnitDependency.References] = UnitDependencyAtom.References;
        t[(int)UnitDependency.ReferencedBy] = UnitDependencyAtom.ReferencedBy;
        t[(int)UnitDependency.InSlice] = UnitDependencyAtom.InSlice;
        t[(int)UnitDependency.SliceOf] = UnitDependencyAtom.SliceOf;
        // ReloadPropagatedFrom= and StopPropagatedFrom= only make the inverse discoverable: no atoms.
        return t;
    }

    private static UnitDependency[] BuildInverses()
    {
        var t = new UnitDependency[Count];
        void Pair(UnitDependency a, UnitDependency b)
        {
            t[(int)a] = b;
            t[(int)b] = a;
        }
        Pair(UnitDependency.Requires, UnitDependency.RequiredBy);
        Pair(UnitDependency.Requisite, UnitDependency.RequisiteOf);
        Pair(UnitDependency.Wants, UnitDependency.WantedBy);
        Pair(UnitDependency.BindsTo, UnitDependency.BoundBy);
        Pair(UnitDependency.PartOf, UnitDependency.ConsistsOf);
        Pair(UnitDependency.Upholds, UnitDependency.UpheldBy);
        Pair(UnitDependency.Conflicts, UnitDependency.ConflictedBy);
        Pair(UnitDependency.Before, UnitDependency.After);
        Pair(UnitDependency.OnSuccess, UnitDependency.OnSuccessOf);
        Pair(UnitDependency.OnFailure, UnitDependency.OnFailureOf);
        Pair(UnitDependency.Triggers, UnitDependency.TriggeredBy);
        Pair(UnitDependency.PropagatesReloadTo, UnitDependency.ReloadPropagatedFrom);
        Pair(UnitDependency.PropagatesStopTo, UnitDependency.StopPropagatedFrom);
        Pair(UnitDependency.References, UnitDependency.ReferencedBy);
        Pair(UnitDependency.InSlice, UnitDependency.SliceOf);
        // JoinsNamespaceOf= is symmetric.
        t[(int)UnitDependency.JoinsNamespaceOf] = UnitDependency.JoinsNamespaceOf;
        return t;
    }

    public static UnitDependencyAtom Atoms(this UnitDependency d) => AtomTable[(int)d];

    public static UnitDependency Inverse(this UnitDependency d) => InverseTable[(int)d];

    /// <summary>The atoms of every dependency type in a bit set of types.</summary>
    public static UnitDependencyAtom AtomsOf(ulong typeMask)
    {
        var atoms = UnitDependencyAtom.None;
        while (typeMask != 0)
        {
            int bit = System.Numerics.BitOperations.TrailingZeroCount(typeMask);
            atoms |= AtomTable[bit];
            typeMask &= typeMask - 1;
        }
        return atoms;
    }

    /// <summary>The setting name, as in unit files and D-Bus properties (e.g. "RequiredBy").</summary>
    public static string ToSystemdString(this UnitDependency d) => d switch
    {
        UnitDependency.Requires => "Requires",
        UnitDependency.Requisite => "Requisite",
        UnitDependency.Wants => "Wants",
        UnitDependency.BindsTo => "BindsTo",
        UnitDependency.PartOf => "PartOf",
        UnitDependency.Upholds => "Upholds",
        UnitDependency.RequiredBy => "RequiredBy",
        UnitDependency.RequisiteOf => "RequisiteOf",
        UnitDependency.WantedBy => "WantedBy",
        UnitDependency.BoundBy => "BoundBy",
        UnitDependency.UpheldBy => "UpheldBy",
        UnitDependency.ConsistsOf => "ConsistsOf",
        UnitDependency.Conflicts => "Conflicts",
        UnitDependency.ConflictedBy => "ConflictedBy",
        UnitDependency.Before => "Before",
        UnitDependency.After => "After",
        UnitDependency.OnSuccess => "OnSuccess",
        UnitDependency.OnSuccessOf => "OnSuccessOf",
        UnitDependency.OnFailure => "OnFailure",
        UnitDependency.OnFailureOf => "OnFailureOf",
        UnitDependency.Triggers => "Triggers",
        UnitDependency.TriggeredBy => "TriggeredBy",
        UnitDependency.PropagatesReloadTo => "PropagatesReloadTo",
        UnitDependency.ReloadPropagatedFrom => "ReloadPropagatedFrom",
        UnitDependency.PropagatesStopTo => "PropagatesStopTo",
        UnitDependency.StopPropagatedFrom => "StopPropagatedFrom",
        UnitDependency.JoinsNamespaceOf => "JoinsNamespaceOf",
        UnitDependency.References => "References",
        UnitDependency.ReferencedBy => "ReferencedBy",
        UnitDependency.InSlice => "Slice",
        _ => "SliceOf",
    };
}
