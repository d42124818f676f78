using Units.Core.Model;

namespace Units.Core.Testing;

/// <summary>How a <see cref="FakeServiceKind"/> behaves when started or stopped.</summary>
public sealed record FakeServiceSettings
{
    /// <summary>Become active at once on start; otherwise stay activating until the test calls CompleteStart/FailStart.</summary>
    public bool StartsInstantly { get; init; } = true;

    /// <summary>Become inactive at once on stop; otherwise stay deactivating until the test calls CompleteStop.</summary>
    public bool StopsInstantly { get; init; } = true;

    /// <summary>Fail every start at once (result "failed", unit "failed").</summary>
    public bool FailsToStart { get; init; }

    /// <summary>
    /// Finish each start (success or failure) in a later loop event, as a process exiting would: the unit is
    /// activating meanwhile, and other jobs run first (what a oneshot service does).
    /// </summary>
    public bool CompletesLater { get; init; }

    public bool CanReload { get; init; }

    /// <summary>What the unit reports as CPUWeight= and Nice= (the run queue orders jobs by them).</summary>
    public ulong CpuWeight { get; init; } = 100;

    public int Nice { get; init; }

    /// <summary>Reported as <see cref="UnitKind.CpuUsageNSec"/>.</summary>
    public ulong? CpuUsageNSec { get; init; }
}

/// <summary>
/// A service without processes, driven by tests (and by API tests before execution exists): it moves between
/// systemd's service sub-states only when started, stopped or told to.
/// </summary>
public sealed class FakeServiceKind : UnitKind
{
    private FakeServiceSettings _settings = new();
    private string _subState = "dead";

    public override ActiveState ActiveState => _subState switch
    {
        "running" => ActiveState.Active,
        "reload" => ActiveState.Reloading,
        "start" => ActiveState.Activating,
        "stop" => ActiveState.Deactivating,
        "failed" => ActiveState.Failed,
        _ => ActiveState.Inactive,
    };

    public override string SubState => _subState;

    public override bool UsesSlice => true;

    public override bool CanReload => _settings.CanReload;

    public override ulong CpuWeight => _settings.CpuWeight;

    public override int Nice => _settings.Nice;

    public override ulong? CpuUsageNSec => _settings.CpuUsageNSec;

    /// <summary>How many times the unit was started (each Start call that began an activation).</summary>
    public int StartCount { get; private set; }

    public override void Load(UnitDefinition definition) =>
        _settings = definition.TypeSettings as FakeServiceSettings ?? new FakeServiceSettings();

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        if (defaults)
            StandardDependencies.AddServiceDefaults(sink);
    }

    public override UnitOperationResult Start()
    {
        if (ActiveState == ActiveState.Deactivating)
            return UnitOperationResult.Again;
        if (!Unit.TestStartLimit())
        {
            Enter("failed");
            return UnitOperationResult.Failed;
        }
        if (ActiveState is ActiveState.Inactive or ActiveState.Failed)
            Unit.AcquireInvocationId();
        StartCount++;
        if (_settings.CompletesLater)
        {
            Enter("start");
            string outcome = _settings.FailsToStart ? "failed" : "running";
            Host.Post(() =>
            {
                if (_subState == "start")
                    Enter(outcome);
            });
        }
        else if (_settings.FailsToStart)
        {
            Enter("start");
            Enter("failed");
        }
        else
            Enter(_settings.StartsInstantly ? "running" : "start");
        return UnitOperationResult.InProgress;
    }

    public override UnitOperationResult Stop()
    {
        Enter(_settings.StopsInstantly ? "dead" : "stop");
        return UnitOperationResult.InProgress;
    }

    public override UnitOperationResult Reload()
    {
        Enter("reload");
        Enter("running");
        return UnitOperationResult.InProgress;
    }

    public override void ResetFailed()
    {
        if (_subState == "failed")
            Enter("dead");
    }

    /// <summary>The pending start succeeds.</summary>
    public void CompleteStart() => Enter("running");

    /// <summary>The pending start fails, or the running service dies with an error.</summary>
    public void Fail() => Enter("failed");

    /// <summary>The service exits by itself, successfully (inactive) or not (failed).</summary>
    public void Exit(bool success) => Enter(success ? "dead" : "failed");

    /// <summary>The pending stop finishes.</summary>
    public void CompleteStop() => Enter("dead");

    private void Enter(string subState)
    {
        var old = ActiveState;
        _subState = subState;
        Unit.NotifyStateChanged(old, ActiveState);
    }
}
