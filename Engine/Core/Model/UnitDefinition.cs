using Units.Core.Jobs;
using Units.Core.Manager;

namespace Units.Core.Model;

/// <summary>A dependency a unit's configuration declares: "Requires=b.service" is (Requires, "b.service").</summary>
public readonly record struct DeclaredDependency(UnitDependency Type, string Name);

/// <summary>
/// What a loaded unit says, independent of how it was read: the unit-file loader's result is mapped into this,
/// tests build it directly. Immutable; daemon-reload replaces a unit's definition as a whole.
/// </summary>
public sealed record UnitDefinition
{
    public required string Name { get; init; }
    public UnitType Type => StateNames.TypeOfName(Name)
        ?? throw new InvalidOperationException($"'{Name}' has no unit type suffix.");
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public LoadState LoadState { get; init; } = LoadState.Loaded;
    /// <summary>Why loading failed (e.g. "Unit x.service has a bad setting"), for LoadError=.</summary>
    public string? LoadError { get; init; }
    /// <summary>The D-Bus error name of the load failure (e.g. org.freedesktop.systemd1.BadUnitSetting).</summary>
    public string? LoadErrorName { get; init; }
    public string Description { get; init; } = "";
    /// <summary>Documentation= URIs.</summary>
    public IReadOnlyList<string> Documentation { get; init; } = [];
    public string? FragmentPath { get; init; }
    public IReadOnlyList<DeclaredDependency> Dependencies { get; init; } = [];
    public bool DefaultDependencies { get; init; } = true;
    public bool StopWhenUnneeded { get; init; }
    public bool RefuseManualStart { get; init; }
    public bool RefuseManualStop { get; init; }
    public bool AllowIsolate { get; init; }
    /// <summary>IgnoreOnIsolate= as configured; null means the type's default (slices and scopes ignore isolate).</summary>
    public bool? IgnoreOnIsolate { get; init; }
    /// <summary>The unit exists for the manager's whole life (-.slice, init.scope): never stopped or collected.</summary>
    public bool Perpetual { get; init; }
    /// <summary>The unit was created at runtime rather than read from a file (Transient=).</summary>
    public bool Transient { get; init; }
    /// <summary>Slice= as configured; null means the default slice for the type and scope.</summary>
    public string? Slice { get; init; }
    /// <summary>JobTimeoutSec= in microseconds; null is infinity.</summary>
    public ulong? JobTimeoutUSec { get; init; }
    /// <summary>JobRunningTimeoutSec= in microseconds; null is infinity.</summary>
    public ulong? JobRunningTimeoutUSec { get; init; }
    public EmergencyAction JobTimeoutAction { get; init; }
    public CollectMode CollectMode { get; init; }
    /// <summary>StartLimitIntervalSec= in microseconds (DefaultStartLimitIntervalSec=10s); 0 disables the limit.</summary>
    public ulong StartLimitIntervalUSec { get; init; } = 10_000_000;
    /// <summary>StartLimitBurst= (DefaultStartLimitBurst=5).</summary>
    public uint StartLimitBurst { get; init; } = 5;
    public EmergencyAction StartLimitAction { get; init; }
    public EmergencyAction SuccessAction { get; init; }
    public EmergencyAction FailureAction { get; init; }
    public JobMode OnFailureJobMode { get; init; } = JobMode.Replace;
    public JobMode OnSuccessJobMode { get; init; } = JobMode.Fail;
    public IReadOnlyList<UnitCondition> Conditions { get; init; } = [];
    public IReadOnlyList<UnitCondition> Asserts { get; init; } = [];
    /// <summary>Settings only the unit's type understands (ExecStart=, ...), opaque to the core.</summary>
    public object? TypeSettings { get; init; }

    /// <summary>A definition for a unit whose file was not found (LoadState not-found).</summary>
    public static UnitDefinition NotFound(string name) => new()
    {
        Name = name,
        LoadState = LoadState.NotFound,
        LoadError = $"Unit {name} not found.",
        LoadErrorName = BusErrors.NoSuchUnit,
    };

    /// <summary>A definition for a masked unit (its file is a symlink to /dev/null).</summary>
    public static UnitDefinition Masked(string name) => new()
    {
        Name = name,
        LoadState = LoadState.Masked,
        LoadError = $"Unit {name} is masked.",
        LoadErrorName = BusErrors.UnitMasked,
    };
}

/// <summary>Where a unit manager's unit definitions come from.</summary>
public interface IUnitLoader
{
    /// <summary>The definition of <paramref name="name"/>, or null when no unit file exists for it.</summary>
    UnitDefinition? Load(string name);

    /// <summary>Unit files may have been added or removed since the last load (systemd's unit cache went stale): a
    /// unit loaded as not found is worth loading again.</summary>
    bool SearchPathChanged() => false;
}
