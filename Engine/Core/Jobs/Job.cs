using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Core.Jobs;

/// <summary>
/// An installed job: a state change requested for one unit, waiting for its ordering dependencies or running.
/// Belongs to the manager loop.
/// </summary>
public sealed class Job
{
    private readonly TaskCompletionSource<JobResult> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Job(uint id, Unit unit, JobType type)
    {
        Id = id;
        Unit = unit;
        Type = type;
    }

    public uint Id { get; }

    public Unit Unit { get; }

    public JobType Type { get; internal set; }

    public JobState State { get; internal set; }

    /// <summary>Set when the job finished; a finished job is no longer installed.</summary>
    public JobResult? Result { get; private set; }

    /// <summary>Other transactions may not cancel it (mode replace-irreversibly).</summary>
    public bool Irreversible { get; internal set; }

    /// <summary>Runs without waiting for ordered units (mode ignore-dependencies).</summary>
    public bool IgnoreOrder { get; internal set; }

    public bool Installed { get; internal set; }

    public DualTimestamp BeginTimestamp { get; internal set; }

    public DualTimestamp BeginRunningTimestamp { get; internal set; }

    /// <summary>Completes with the result when the job is removed (what "systemctl start" without --no-block waits for).</summary>
    public Task<JobResult> Completion => _completion.Task;

    internal bool InRunQueue;
    internal LoopTimer? Timer;

    internal void Finish(JobResult result)
    {
        Result = result;
        Installed = false;
        Timer?.Cancel();
        Timer = null;
        _completion.TrySetResult(result);
    }

    public override string ToString() => $"{Unit.Id}/{Type.ToSystemdString()}";
}
