using System.Management.Automation;
using Units.Client;
using Units.Client.Connection;

namespace Units.PowerShell.Commands;

/// <summary>
/// The cmdlets that queue a job per unit (start, stop, restart, reload): ShouldProcess per unit,
/// every job queued first and then waited for together (as systemctl does for several units),
/// with progress, a timeout and one error per unit whose job did not succeed.
/// </summary>
public abstract class UnitJobCmdletBase : UnitSelectionCmdletBase
{
    private readonly List<PendingJob> _pending = [];
    private readonly Dictionary<ManagerClient, JobTracker> _trackers = [];

    /// <summary>systemd's job mode: how the job treats jobs already queued (replace by default).</summary>
    [Parameter]
    public JobMode Mode { get; set; } = JobMode.Replace;

    /// <summary>Return as soon as the jobs are queued (systemctl --no-block).</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Output the units once their jobs finished (with -NoWait: the queued jobs).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Seconds to wait for the jobs; jobs still running then are reported as timed out and stay queued.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; }

    /// <summary>The Manager method this cmdlet calls.</summary>
    protected abstract UnitJobMethod Method { get; }

    /// <summary>The job mode to use; Start-Unit -Isolate overrides it.</summary>
    protected virtual JobMode EffectiveMode => Mode;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var unit in SelectedUnits())
        {
            var action = MyInvocation.MyCommand.Name;
            var description = IsWhatIf ? ManagerClient.DescribeTransaction(unit, Method, EffectiveMode) : $"{action} {TargetText(unit)}";
            if (!ShouldProcess(description, $"{action} {TargetText(unit)}?", action))
            {
                continue;
            }
            TryRun(unit.Name, () =>
            {
                var client = ClientFor(unit);
                var tracker = NoWait ? null : TrackerFor(client);
                _pending.Add(Await(client.QueueJobAsync(tracker, unit, Method, EffectiveMode, Cancellation)));
                if (Await(client.NeedsDaemonReloadAsync(unit, Cancellation)))
                {
                    WriteWarning($"The unit file, source configuration file or drop-ins of {unit.Name} changed on disk. Run 'Update-UnitManager' to reload units.");
                }
            });
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        try
        {
            if (NoWait)
            {
                if (PassThru)
                {
                    WriteObject(_pending.Select(pending => pending.Job), enumerateCollection: true);
                }
                return;
            }
            WaitWithProgress();
            foreach (var pending in _pending)
            {
                var outcome = Await(pending.Client.OutcomeAsync(pending, Cancellation));
                if (outcome.Error is not null)
                {
                    WriteUnitError(outcome.Error);
                }
                else if (PassThru)
                {
                    TryRun(pending.Unit.Name, () => WriteObject(Await(pending.Client.RefreshAsync(pending.Unit, Cancellation))));
                }
            }
        }
        finally
        {
            foreach (var tracker in _trackers.Values)
            {
                tracker.Dispose();
            }
        }
    }

    private JobTracker TrackerFor(ManagerClient client)
    {
        if (!_trackers.TryGetValue(client, out var tracker))
        {
            tracker = Await(client.TrackJobsAsync(Cancellation));
            _trackers[client] = tracker;
        }
        return tracker;
    }

    // Waits in slices so Ctrl-C stays responsive, with a progress bar when there are several jobs.
    private void WaitWithProgress()
    {
        var completions = _pending.Select(pending => pending.Completion).OfType<Task<JobResult>>().ToArray();
        var deadline = Timeout > 0 ? DateTime.UtcNow.AddSeconds(Timeout) : DateTime.MaxValue;
        var progress = new ProgressRecord(1, $"{MyInvocation.MyCommand.Name}: waiting for {completions.Length} jobs", "Queued");
        // WhenAll, not WaitAll: a job whose connection was lost must not throw here; OutcomeAsync reports it.
        var all = Task.WhenAll(completions);
        while (Task.WaitAny([all], TimeSpan.FromMilliseconds(200)) < 0)
        {
            if (Cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            if (DateTime.UtcNow >= deadline)
            {
                break;
            }
            if (completions.Length > 1)
            {
                var done = completions.Count(completion => completion.IsCompleted);
                progress.StatusDescription = $"{done} of {completions.Length} done";
                progress.PercentComplete = done * 100 / completions.Length;
                WriteProgress(progress);
            }
        }
        if (completions.Length > 1)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}

/// <summary>Start-Unit: StartUnit for each unit, waiting for the jobs (systemctl start, isolate).</summary>
[Cmdlet(VerbsLifecycle.Start, "Unit", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit), typeof(UnitJob))]
public sealed class StartUnitCommand : UnitJobCmdletBase
{
    /// <summary>Start the unit and stop every unit it does not pull in (systemctl isolate; job mode isolate).</summary>
    [Parameter]
    public SwitchParameter Isolate { get; set; }

    /// <inheritdoc/>
    protected override UnitJobMethod Method => UnitJobMethod.StartUnit;

    /// <inheritdoc/>
    protected override JobMode EffectiveMode => Isolate ? JobMode.Isolate : Mode;
}

/// <summary>Stop-Unit: StopUnit for each unit (systemctl stop).</summary>
[Cmdlet(VerbsLifecycle.Stop, "Unit", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit), typeof(UnitJob))]
public sealed class StopUnitCommand : UnitJobCmdletBase
{
    /// <inheritdoc/>
    protected override UnitJobMethod Method => UnitJobMethod.StopUnit;
}

/// <summary>
/// Restart-Unit: the manager's RestartUnit (not stop then start); -IfActive is try-restart,
/// -ReloadIfSupported is reload-or-restart, both together try-reload-or-restart.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "Unit", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit), typeof(UnitJob))]
public sealed class RestartUnitCommand : UnitJobCmdletBase
{
    /// <summary>Restart only units that are running (systemctl try-restart).</summary>
    [Parameter]
    public SwitchParameter IfActive { get; set; }

    /// <summary>Reload units that support reloading, restart the others (systemctl reload-or-restart).</summary>
    [Parameter]
    public SwitchParameter ReloadIfSupported { get; set; }

    /// <inheritdoc/>
    protected override UnitJobMethod Method => (IfActive.IsPresent, ReloadIfSupported.IsPresent) switch
    {
        (true, true) => UnitJobMethod.ReloadOrTryRestartUnit,
        (true, false) => UnitJobMethod.TryRestartUnit,
        (false, true) => UnitJobMethod.ReloadOrRestartUnit,
        _ => UnitJobMethod.RestartUnit,
    };
}

/// <summary>Update-Unit: ReloadUnit, the unit re-reads its own configuration (systemctl reload).</summary>
[Cmdlet(VerbsData.Update, "Unit", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit), typeof(UnitJob))]
public sealed class UpdateUnitCommand : UnitJobCmdletBase
{
    /// <inheritdoc/>
    protected override UnitJobMethod Method => UnitJobMethod.ReloadUnit;
}
