using System.Collections;
using System.Management.Automation;
using Units.Client;

namespace Units.PowerShell.Commands;

/// <summary>Send-UnitSignal: KillUnit, a signal to a unit's processes (systemctl kill).</summary>
[Cmdlet(VerbsCommunications.Send, "UnitSignal", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit))]
public sealed class SendUnitSignalCommand : UnitSelectionCmdletBase
{
    /// <summary>The signal: a name (TERM, SIGHUP, RTMIN+1) or a number; TERM by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SignalCompleter))]
    [ValidateNotNullOrEmpty]
    public string Signal { get; set; } = "TERM";

    /// <summary>Which processes: all of the unit's, its main process, or its control process.</summary>
    [Parameter]
    public KillWhom Whom { get; set; } = KillWhom.All;

    /// <summary>Output the units signalled.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        if (!SignalNames.TryParse(Signal, out _))
        {
            ThrowTerminatingError(ToErrorRecord(new UnitError("InvalidSignal", UnitErrorCategory.InvalidArgument, $"'{Signal}' is not a signal name or number (e.g. TERM, HUP, KILL, 9).", Signal)));
        }
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        SignalNames.TryParse(Signal, out var number);
        foreach (var unit in SelectedUnits())
        {
            if (ShouldProcess(TargetText(unit), $"Send signal {Signal} to {Whom.ToString().ToLowerInvariant()} processes"))
            {
                if (TryRun(unit.Name, () => Await(ClientFor(unit).KillAsync(unit, Whom, number, Cancellation))) && PassThru)
                {
                    WriteObject(unit);
                }
            }
        }
    }
}

/// <summary>Reset-UnitFailure: ResetFailedUnit, or ResetFailed for every unit when none is named (systemctl reset-failed).</summary>
[Cmdlet(VerbsCommon.Reset, "UnitFailure", DefaultParameterSetName = "Name", SupportsShouldProcess = true)]
[OutputType(typeof(Unit))]
public sealed class ResetUnitFailureCommand : UnitSelectionCmdletBase
{
    /// <summary>Output the units reset.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!HasUnits)
        {
            foreach (var target in Targets)
            {
                if (ShouldProcess($"all units on {target.ComputerName}", "Reset failed state"))
                {
                    TryRun(target.ComputerName, () => Await(ClientFor(target).ResetFailedAsync(null, Cancellation)));
                }
            }
            return;
        }
        foreach (var unit in SelectedUnits())
        {
            if (ShouldProcess(TargetText(unit), "Reset failed state")
                && TryRun(unit.Name, () => Await(ClientFor(unit).ResetFailedAsync(unit, Cancellation))) && PassThru)
            {
                WriteObject(unit);
            }
        }
    }
}

/// <summary>Clear-Unit: CleanUnit, removing what units keep between runs, and waiting until it is gone (systemctl clean).</summary>
[Cmdlet(VerbsCommon.Clear, "Unit", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit))]
public sealed class ClearUnitCommand : UnitSelectionCmdletBase
{
    /// <summary>What to remove: runtime, state, cache, logs and configuration directories (a timer's state is its
    /// Persistent= stamp), or All; the cache and runtime directories by default, as systemctl clean.</summary>
    [Parameter]
    public UnitResources What { get; set; } = UnitResources.Cache | UnitResources.Runtime;

    /// <summary>Output the units cleaned.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var unit in SelectedUnits())
        {
            if (ShouldProcess(TargetText(unit), $"Remove {What} resources")
                && TryRun(unit.Name, () => Await(ClientFor(unit).CleanAsync(unit, What, Cancellation))) && PassThru)
            {
                WriteObject(unit);
            }
        }
    }
}

/// <summary>Get-UnitDependency: the dependency tree of units (systemctl list-dependencies).</summary>
[Cmdlet(VerbsCommon.Get, "UnitDependency", DefaultParameterSetName = "Name")]
[OutputType(typeof(UnitDependency))]
public sealed class GetUnitDependencyCommand : UnitSelectionCmdletBase
{
    /// <summary>The units that depend on the unit instead (systemctl --reverse).</summary>
    [Parameter]
    public SwitchParameter Reverse { get; set; }

    /// <summary>Expand every unit, not only targets (systemctl list-dependencies --all).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var unit in SelectedUnits())
        {
            TryRun(unit.Name, () => WriteObject(
                Await(ClientFor(unit).GetDependenciesAsync(unit, Reverse ? DependencyDirection.Reverse : DependencyDirection.Forward, Recurse, Cancellation)),
                enumerateCollection: true));
        }
    }
}

/// <summary>Get-UnitProcess: the processes in units' cgroups (GetUnitProcesses).</summary>
[Cmdlet(VerbsCommon.Get, "UnitProcess", DefaultParameterSetName = "Name")]
[OutputType(typeof(UnitProcess))]
public sealed class GetUnitProcessCommand : UnitSelectionCmdletBase
{
    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var unit in SelectedUnits())
        {
            TryRun(unit.Name, () => WriteObject(Await(ClientFor(unit).GetProcessesAsync(unit, Cancellation)), enumerateCollection: true));
        }
    }
}

/// <summary>Get-UnitProperty: any D-Bus property of units (systemctl show -p).</summary>
[Cmdlet(VerbsCommon.Get, "UnitProperty", DefaultParameterSetName = "Name")]
[OutputType(typeof(UnitProperty))]
public sealed class GetUnitPropertyCommand : UnitSelectionCmdletBase
{
    /// <summary>Property names; wildcards allowed; every property when omitted.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Property { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var unit in SelectedUnits())
        {
            TryRun(unit.Name, () => WriteObject(ManagerClient.SelectProperties(unit, Property), enumerateCollection: true));
        }
    }
}

/// <summary>Set-UnitProperty: SetUnitProperties, at runtime or persistently in a drop-in (systemctl set-property).</summary>
[Cmdlet(VerbsCommon.Set, "UnitProperty", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
[OutputType(typeof(Unit))]
public sealed class SetUnitPropertyCommand : UnitSelectionCmdletBase
{
    /// <summary>Settings to apply, e.g. @{ MemoryMax = '512M'; CPUQuota = '20%' }.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public Hashtable? Property { get; set; }

    /// <summary>Apply until the next reboot only (a drop-in under /run) instead of persistently.</summary>
    [Parameter]
    public SwitchParameter Runtime { get; set; }

    /// <summary>Output the units afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private List<Client.Connection.TypedProperty> _properties = [];

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        try
        {
            _properties = Property!.Keys.Cast<object>()
                .Select(key => PropertyAssignments.Convert(key.ToString() ?? "", Property[key] is PSObject wrapped ? wrapped.BaseObject : Property[key]))
                .ToList();
        }
        catch (UnitOperationException exception)
        {
            ThrowTerminatingError(ToErrorRecord(exception.Error));
        }
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var settings = string.Join(", ", Property!.Keys.Cast<object>().Select(key => $"{key}={Property[key]}"));
        foreach (var unit in SelectedUnits())
        {
            if (ShouldProcess(TargetText(unit), $"Set {settings} ({(Runtime ? "runtime" : "persistent")})")
                && TryRun(unit.Name, () => Await(ClientFor(unit).SetPropertiesAsync(unit, _properties, Runtime, Cancellation))) && PassThru)
            {
                TryRun(unit.Name, () => WriteObject(Await(ClientFor(unit).RefreshAsync(unit, Cancellation))));
            }
        }
    }
}

/// <summary>Wait-Unit: waits until units reach an ActiveState.</summary>
[Cmdlet(VerbsLifecycle.Wait, "Unit", DefaultParameterSetName = "Name")]
[OutputType(typeof(Unit))]
public sealed class WaitUnitCommand : UnitSelectionCmdletBase
{
    private readonly List<Unit> _units = [];

    /// <summary>The active states to wait for; Active by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public UnitActiveState[] State { get; set; } = [UnitActiveState.Active];

    /// <summary>Seconds to wait; units not in a wanted state by then are OperationTimeout errors.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; }

    /// <summary>Return when any one unit reached a wanted state.</summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    /// <summary>Output the units that reached a wanted state.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord() => _units.AddRange(SelectedUnits());

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (_units.Count == 0)
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        if (Timeout > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(Timeout));
        }
        var wanted = State.ToHashSet();
        var waits = _units.GroupBy(ClientFor).Select(group => group.Key.WaitForStateAsync(group.ToList(), wanted, Any, timeout.Token)).ToList();
        try
        {
            Await(Any ? (Task)Task.WhenAny(waits) : Task.WhenAll(waits));
        }
        catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
        {
            // The timeout: what was reached is collected below, the rest reported.
        }
        catch (Client.Connection.ManagerCallException)
        {
            // Reported per host below.
        }
        timeout.Cancel();
        var reached = waits.Where(wait => wait.IsCompletedSuccessfully).SelectMany(wait => wait.Result).ToList();
        foreach (var failure in waits.Where(wait => wait.IsFaulted).Select(wait => wait.Exception!.InnerException))
        {
            if (failure is Client.Connection.ManagerCallException call)
            {
                WriteUnitError(UnitError.FromCall(call, null));
            }
        }
        if (!(Any && reached.Count > 0))
        {
            foreach (var unit in _units.Where(unit => !reached.Any(done => done.Name == unit.Name && done.ComputerName == unit.ComputerName)))
            {
                WriteUnitError(new UnitError("WaitUnitTimedOut", UnitErrorCategory.OperationTimeout,
                    $"{unit.Name} on {unit.ComputerName} did not reach {string.Join(" or ", State)} within {Timeout} s.", unit.Name));
            }
        }
        if (PassThru)
        {
            WriteObject(reached, enumerateCollection: true);
        }
    }
}
