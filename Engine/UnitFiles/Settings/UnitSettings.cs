using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>One assignment that was accepted, in the order read (fragment first, then drop-ins).</summary>
/// <remarks>A struct: a unit keeps a few dozen of them for as long as it is loaded, so they live inline in its list.</remarks>
/// <param name="IsSupported">False when the engine does not act on this option yet (see <see cref="UnitSettings.UnsupportedAssignments"/>).</param>
public readonly record struct SettingAssignment(string Section, string Key, string Value, string Path, int Line, bool IsSupported)
{
    /// <summary>What the engine says about an option it does not act on yet, at load time and in status.</summary>
    public Diagnostic ToNotSupportedDiagnostic() =>
        new(Path, Line, DiagnosticSeverity.Warning, $"{Key}= in section [{Section}] is not supported by Units yet; the setting is kept but has no effect.");
}

/// <summary>A Condition…= (or Assert…=) check: "|" makes it a triggering condition, "!" negates it.</summary>
public sealed record UnitCondition(ConditionType Type, string Parameter, bool Trigger, bool Negate);

/// <summary>
/// The typed settings of one unit, built by <see cref="SettingsBinder"/> from its fragment and drop-ins.
/// Typed properties hold what the engine acts on; <see cref="Assignments"/> keeps every accepted assignment
/// in order, so nothing read is lost and D-Bus can report any option.
/// </summary>
public sealed class UnitSettings
{
    private readonly List<string>?[] dependencies = new List<string>?[(int)DependencySetting.JoinsNamespaceOf + 1];
    private readonly List<SettingAssignment> assignments = [];
    private List<string>? documentation;
    private List<string>? requiresMountsFor;
    private List<UnitCondition>? conditions;
    private List<UnitCondition>? asserts;
    private List<string>? alias;
    private List<string>? wantedBy;
    private List<string>? requiredBy;
    private List<string>? also;

    public UnitSettings(UnitType type)
    {
        Type = type;
        Service = type == UnitType.Service ? new ServiceSettings() : null;
        Socket = type == UnitType.Socket ? new SocketSettings() : null;
        Timer = type == UnitType.Timer ? new TimerSettings() : null;
        Path = type == UnitType.Path ? new PathSettings() : null;
        Mount = type == UnitType.Mount ? new MountSettings() : null;
        Automount = type == UnitType.Automount ? new AutomountSettings() : null;
        Swap = type == UnitType.Swap ? new SwapSettings() : null;
        Scope = type == UnitType.Scope ? new ScopeSettings() : null;
        Exec = SettingsTable.HasExecContext(type) ? new ExecSettings() : null;
        Kill = SettingsTable.HasKillContext(type) ? new KillSettings() : null;
        ResourceControl = SettingsTable.HasCGroupContext(type) ? new ResourceControlSettings() : null;
    }

    public UnitType Type { get; }

    /// <summary>The unit's name ("foo.service") for messages about the unit as a whole, when known.</summary>
    public string? UnitId { get; init; }

    // [Unit]

    public string? Description { get; internal set; }

    public IReadOnlyList<string> Documentation => documentation ?? (IReadOnlyList<string>)[];

    public string? SourcePath { get; internal set; }

    /// <summary>RequiresMountsFor= paths (absolute, simplified).</summary>
    public IReadOnlyList<string> RequiresMountsFor => requiresMountsFor ?? (IReadOnlyList<string>)[];

    public bool StopWhenUnneeded { get; internal set; }

    public bool RefuseManualStart { get; internal set; }

    public bool RefuseManualStop { get; internal set; }

    public bool AllowIsolate { get; internal set; }

    public bool DefaultDependencies { get; internal set; } = true;

    /// <summary>Null when not set: the default depends on the unit type (slices and scopes ignore isolate).</summary>
    public bool? IgnoreOnIsolate { get; internal set; }

    public JobMode OnSuccessJobMode { get; internal set; } = JobMode.Fail;

    public JobMode OnFailureJobMode { get; internal set; } = JobMode.Replace;

    /// <summary>JobTimeoutSec= in µs; <see cref="TimeSpans.Infinity"/> when disabled (the default).</summary>
    public ulong JobTimeoutUsec { get; internal set; } = TimeSpans.Infinity;

    public ulong JobRunningTimeoutUsec { get; internal set; } = TimeSpans.Infinity;

    /// <summary>Whether JobRunningTimeoutSec= was given (then JobTimeoutSec= no longer sets it).</summary>
    internal bool JobRunningTimeoutSet { get; set; }

    public EmergencyAction JobTimeoutAction { get; internal set; }

    public string? JobTimeoutRebootArgument { get; internal set; }

    /// <summary>StartLimitIntervalSec= in µs; null means the manager's DefaultStartLimitIntervalSec=.</summary>
    public ulong? StartLimitIntervalUsec { get; internal set; }

    /// <summary>StartLimitBurst=; null means the manager's DefaultStartLimitBurst=.</summary>
    public uint? StartLimitBurst { get; internal set; }

    public EmergencyAction StartLimitAction { get; internal set; }

    public EmergencyAction FailureAction { get; internal set; }

    public EmergencyAction SuccessAction { get; internal set; }

    /// <summary>FailureActionExitStatus=; null when unset (-1 in systemd).</summary>
    public byte? FailureActionExitStatus { get; internal set; }

    public byte? SuccessActionExitStatus { get; internal set; }

    public string? RebootArgument { get; internal set; }

    public CollectMode CollectMode { get; internal set; }

    /// <summary>Condition…= in file order (systemd reports them newest first on D-Bus).</summary>
    public IReadOnlyList<UnitCondition> Conditions => conditions ?? (IReadOnlyList<UnitCondition>)[];

    public IReadOnlyList<UnitCondition> Asserts => asserts ?? (IReadOnlyList<UnitCondition>)[];

    // [Install]

    public IReadOnlyList<string> Alias => alias ?? (IReadOnlyList<string>)[];

    public IReadOnlyList<string> WantedBy => wantedBy ?? (IReadOnlyList<string>)[];

    public IReadOnlyList<string> RequiredBy => requiredBy ?? (IReadOnlyList<string>)[];

    public IReadOnlyList<string> Also => also ?? (IReadOnlyList<string>)[];

    public string? DefaultInstance { get; internal set; }

    // Per-type sections and shared contexts; null where the unit type has none.

    public ServiceSettings? Service { get; }

    public SocketSettings? Socket { get; }

    public TimerSettings? Timer { get; }

    public PathSettings? Path { get; }

    public MountSettings? Mount { get; }

    public AutomountSettings? Automount { get; }

    public SwapSettings? Swap { get; }

    public ScopeSettings? Scope { get; }

    /// <summary>systemd.exec(5): services, sockets, mounts and swaps.</summary>
    public ExecSettings? Exec { get; }

    /// <summary>systemd.kill(5): services, sockets, mounts, swaps and scopes.</summary>
    public KillSettings? Kill { get; }

    /// <summary>systemd.resource-control(5): services, sockets, mounts, swaps, slices and scopes.</summary>
    public ResourceControlSettings? ResourceControl { get; }

    /// <summary>Every accepted assignment, in the order applied (resets included).</summary>
    public IReadOnlyList<SettingAssignment> Assignments => assignments;

    /// <summary>Accepted assignments of options the engine does not act on yet; surfaced at load time and in status.</summary>
    public IEnumerable<SettingAssignment> UnsupportedAssignments
    {
        get
        {
            foreach (var assignment in assignments)
            {
                if (!assignment.IsSupported)
                {
                    yield return assignment;
                }
            }
        }
    }

    /// <summary>The units named by one dependency setting, in order, duplicates kept as written.</summary>
    public IReadOnlyList<string> Dependencies(DependencySetting kind) => dependencies[(int)kind] ?? (IReadOnlyList<string>)[];

    /// <summary>The last accepted raw value of an option, or null (for D-Bus properties without a typed model).</summary>
    /// <summary>A path list option (ReadWritePaths=, ExecPaths=, ...) as its assignments build it: each adds its
    /// space-separated paths (with their "-"/"+" prefixes), an empty one clears the list. <paramref name="alias"/> is
    /// an older name of the same list (ReadWriteDirectories=).</summary>
    public IReadOnlyList<string> PathList(string section, string key, string? alias = null)
    {
        var paths = new List<string>();
        foreach (var a in assignments)
        {
            if (a.Section != section || (a.Key != key && a.Key != alias))
            {
                continue;
            }

            if (a.Value.Length == 0)
            {
                paths.Clear();
            }
            else
            {
                paths.AddRange(a.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return paths;
    }

    public string? LastValue(string section, string key)
    {
        for (var i = assignments.Count - 1; i >= 0; i--)
        {
            var a = assignments[i];
            if (a.Key == key && a.Section == section)
            {
                return a.Value;
            }
        }

        return null;
    }

    internal void Record(SettingAssignment assignment) => assignments.Add(assignment);

    /// <summary>Gives back the spare capacity of the assignment list once every file is applied (the unit keeps it while loaded).</summary>
    internal void TrimExcess() => assignments.TrimExcess();

    internal void AddDependency(DependencySetting kind, string unit) => (dependencies[(int)kind] ??= []).Add(unit);

    internal List<string> DocumentationList => documentation ??= [];

    internal void ClearDocumentation() => documentation = null;

    internal void AddRequiresMountsFor(string path) => (requiresMountsFor ??= []).Add(path);

    internal void AddCondition(UnitCondition condition, bool isAssert)
    {
        if (isAssert)
        {
            (asserts ??= []).Add(condition);
        }
        else
        {
            (conditions ??= []).Add(condition);
        }
    }

    /// <summary>An empty Condition…= resets every condition (and Assert…= every assert), as in systemd.</summary>
    internal void ClearConditions(bool isAssert)
    {
        if (isAssert)
        {
            asserts = null;
        }
        else
        {
            conditions = null;
        }
    }

    internal List<string> InstallList(string key) => key switch
    {
        "Alias" => alias ??= [],
        "WantedBy" => wantedBy ??= [],
        "RequiredBy" => requiredBy ??= [],
        _ => also ??= [],
    };
}
