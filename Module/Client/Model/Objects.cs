namespace Units.Client;

// The result objects of the cmdlets besides Unit. Every one carries the host it came from.

/// <summary>An installed unit file (ListUnitFilesByPatterns).</summary>
public sealed record UnitFile(string Name, string Path, UnitFileState State, string ComputerName)
{
    /// <summary>The unit type, from the name's suffix.</summary>
    public UnitType Type => SystemdNames.TypeOf(Name);
}

/// <summary>A job queued in the manager (ListJobs, or returned by a state change with -NoWait).</summary>
public sealed record UnitJob(uint Id, string Unit, JobType JobType, JobState State, string ObjectPath, string ComputerName)
{
    /// <summary>The job's result once it was removed; null while it is queued or running.</summary>
    public JobResult? Result { get; init; }
}

/// <summary>A process in a unit's cgroup (GetUnitProcesses).</summary>
public sealed record UnitProcess(string Unit, string ControlGroup, uint Pid, string CommandLine, string ComputerName);

/// <summary>A change a unit-file operation made (enable, disable, mask, unmask).</summary>
public sealed record UnitFileChange(UnitFileChangeType Type, string Path, string Source, string ComputerName);

/// <summary>One value of one unit property (Get-UnitProperty).</summary>
public sealed record UnitProperty(string Unit, string Name, object Value, string ComputerName);

/// <summary>One problem systemd-analyze verify reported about a unit file.</summary>
public sealed record UnitFileDiagnostic(string Path, int? Line, string Message, string ComputerName);

/// <summary>One journal entry of a unit.</summary>
public sealed record UnitLogEntry(
    DateTime Time, string Unit, LogPriority Priority, string Identifier, uint? ProcessId, string Message,
    string ComputerName, string BootId, string Cursor)
{
    /// <summary>Every field of the journal entry, by journal field name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// One node of a dependency tree: <see cref="Depth"/> 0 is the unit asked about. Nodes are
/// emitted in pre-order; <see cref="Children"/> holds the same nodes as a tree.
/// </summary>
public sealed class UnitDependency
{
    private readonly List<UnitDependency> _children = [];

    internal UnitDependency(string unit, string kind, UnitActiveState activeState, int depth, UnitDependency? parent, bool isRepeated, string computerName)
    {
        Unit = unit;
        Kind = kind;
        ActiveState = activeState;
        Depth = depth;
        Parent = parent?.Unit ?? "";
        IsRepeated = isRepeated;
        ComputerName = computerName;
        parent?._children.Add(this);
    }

    /// <summary>The unit at this node.</summary>
    public string Unit { get; }

    /// <summary>The dependency property that led here (Wants, Requires, WantedBy...), empty at the root.</summary>
    public string Kind { get; }

    /// <summary>The unit's ActiveState.</summary>
    public UnitActiveState ActiveState { get; }

    /// <summary>Distance from the root.</summary>
    public int Depth { get; }

    /// <summary>The unit this one is a dependency of, empty at the root.</summary>
    public string Parent { get; }

    /// <summary>Whether the unit was already expanded elsewhere in the tree, so this node has no children.</summary>
    public bool IsRepeated { get; }

    /// <summary>The host.</summary>
    public string ComputerName { get; }

    /// <summary>The nodes below this one.</summary>
    public IReadOnlyList<UnitDependency> Children => _children;

    /// <inheritdoc/>
    public override string ToString() => Unit;
}

/// <summary>The manager of one host (Get-UnitManager).</summary>
public sealed class UnitManagerInfo
{
    internal UnitManagerInfo(IReadOnlyDictionary<string, object> properties, string defaultTarget, ManagerScope scope, string computerName)
    {
        Properties = properties;
        DefaultTarget = defaultTarget;
        Scope = scope;
        ComputerName = computerName;
        Environment = PropertyBag.Strings(properties, "Environment")
            .Select(assignment => assignment.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Last()[1], StringComparer.Ordinal);
    }

    /// <summary>The host.</summary>
    public string ComputerName { get; }

    /// <summary>System or user manager.</summary>
    public ManagerScope Scope { get; }

    /// <summary>The manager's version string (systemd's "252.38-1~deb12u1", or unitsd's).</summary>
    public string Version => PropertyBag.String(Properties, "Version");

    /// <summary>Compile-time features (Features).</summary>
    public string Features => PropertyBag.String(Properties, "Features");

    /// <summary>Architecture.</summary>
    public string Architecture => PropertyBag.String(Properties, "Architecture");

    /// <summary>Virtualization, empty on bare metal.</summary>
    public string Virtualization => PropertyBag.String(Properties, "Virtualization");

    /// <summary>SystemState: initializing, starting, running, degraded, maintenance, stopping...</summary>
    public string SystemState => PropertyBag.String(Properties, "SystemState");

    /// <summary>The default target (GetDefaultTarget).</summary>
    public string DefaultTarget { get; }

    /// <summary>The manager's environment block for units.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Units loaded (NNames).</summary>
    public uint UnitCount => PropertyBag.UInt32(Properties, "NNames");

    /// <summary>Units in the failed state (NFailedUnits).</summary>
    public uint FailedUnitCount => PropertyBag.UInt32(Properties, "NFailedUnits");

    /// <summary>Jobs queued (NJobs).</summary>
    public uint JobCount => PropertyBag.UInt32(Properties, "NJobs");

    /// <summary>When the manager started (UserspaceTimestamp).</summary>
    public DateTime? StartTime => PropertyBag.Timestamp(Properties, "UserspaceTimestamp");

    /// <summary>When start-up finished (FinishTimestamp), null while still starting.</summary>
    public DateTime? FinishTime => PropertyBag.Timestamp(Properties, "FinishTimestamp");

    /// <summary>Every manager property by D-Bus name.</summary>
    public IReadOnlyDictionary<string, object> Properties { get; }
}
