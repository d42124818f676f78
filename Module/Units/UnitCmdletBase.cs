using System.Management.Automation;
using Units.Client;
using Units.Client.Connection;

namespace Units.PowerShell.Commands;

/// <summary>
/// What every Units cmdlet shares: which manager(s) to talk to, waiting without blocking Ctrl-C,
/// and turning the client's error data into ErrorRecords.
/// </summary>
public abstract class UnitCmdletBase : PSCmdlet, IDisposable
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(200);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Remote hosts, reached as systemctl -H does (ssh -xT host systemd-stdio-bridge); "localhost" is this machine.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ComputerName", "Cn", "H")]
    [ValidateNotNullOrEmpty]
    public string[]? HostName { get; set; }

    /// <summary>Talk to the calling user's manager instead of the system manager (systemctl --user).</summary>
    [Parameter]
    public SwitchParameter User { get; set; }

    /// <summary>An explicit D-Bus address of a manager (e.g. unix:path=/run/user/1000/systemd/private).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Address { get; set; }

    /// <summary>Cancelled when the user presses Ctrl-C.</summary>
    protected CancellationToken Cancellation => _stopping.Token;

    /// <summary>The managers this invocation names.</summary>
    protected IReadOnlyList<ManagerTarget> Targets =>
        ManagerSession.TargetsFor(User ? ManagerScope.User : ManagerScope.System, HostName, Address);

    /// <summary>The client for the manager a unit came from.</summary>
    protected ManagerClient ClientFor(Unit unit) => ClientFor(unit.Source?.Target ?? Targets[0]);

    /// <summary>The client for a target (connections are pooled for the whole module).</summary>
    protected ManagerClient ClientFor(ManagerTarget target) => Await(ModuleSession.Shared.ClientAsync(target, Cancellation));

    /// <summary>Runs an action on every target in parallel; writes each failing host's error and returns the others' results.</summary>
    protected IEnumerable<(ManagerClient Client, T Value)> ForEachHost<T>(Func<ManagerClient, Task<T>> action)
    {
        var results = Await(ModuleSession.Shared.ForEachHostAsync(Targets, async client => (client, await action(client).ConfigureAwait(false)), Cancellation));
        foreach (var result in results)
        {
            if (result.Error is not null)
            {
                WriteUnitError(result.Error);
            }
            else
            {
                yield return result.Value;
            }
        }
    }

    /// <summary>Waits for a task in short slices, so Ctrl-C (StopProcessing) is honoured at once.</summary>
    protected T Await<T>(Task<T> task)
    {
        Await((Task)task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for a task in short slices, so Ctrl-C (StopProcessing) is honoured at once.</summary>
    protected void Await(Task task)
    {
        while (Task.WaitAny([task], Slice) < 0)
        {
            if (Cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }
        if (task.IsCanceled && Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs one step for one target; a manager error becomes a non-terminating ErrorRecord for
    /// that target, so the rest of the pipeline goes on. Returns false when it failed.
    /// </summary>
    protected bool TryRun(object target, Action step)
    {
        try
        {
            step();
            return true;
        }
        catch (ManagerCallException exception)
        {
            WriteUnitError(UnitError.FromCall(exception, target));
        }
        catch (UnitOperationException exception)
        {
            WriteUnitError(exception.Error with { Target = exception.Error.Target ?? target });
        }
        return false;
    }

    /// <summary>Writes error data as a non-terminating ErrorRecord.</summary>
    protected void WriteUnitError(UnitError error) => WriteError(ToErrorRecord(error));

    /// <summary>Turns error data into an ErrorRecord: the id, the category by name, the target.</summary>
    public static ErrorRecord ToErrorRecord(UnitError error)
    {
        var category = Enum.TryParse<ErrorCategory>(error.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
        var exception = error.Exception is UnitOperationException or null ? new UnitOperationException(error) : error.Exception;
        return new ErrorRecord(exception, error.ErrorId, category, error.Target)
        {
            ErrorDetails = new ErrorDetails(error.Message),
        };
    }

    /// <summary>ShouldProcess's target text for a unit: "Description (name)", as *-Service shows "Display name (name)".</summary>
    protected static string TargetText(Unit unit) =>
        (unit.Description.Length > 0 ? $"{unit.Description} ({unit.Name})" : unit.Name)
        + (unit.ComputerName == "localhost" ? "" : $" on {unit.ComputerName}");

    /// <summary>Whether -WhatIf is in effect (given, or through $WhatIfPreference).</summary>
    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)
            ? value is SwitchParameter { IsPresent: true }
            : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));

    /// <inheritdoc/>
    protected override void StopProcessing() => _stopping.Cancel();

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Cmdlets that act on units chosen by -Name (wildcards), -InputObject, -Include and -Exclude,
/// with the selection semantics of PowerShell's *-Service cmdlets.
/// </summary>
public abstract class UnitSelectionCmdletBase : UnitCmdletBase
{
    /// <summary>Unit names; wildcards allowed; a name without a type suffix means a .service.</summary>
    [Parameter(ParameterSetName = "Name", Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Unit")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public virtual string[]? Name { get; set; }

    /// <summary>Unit objects, e.g. from Get-Unit.</summary>
    [Parameter(ParameterSetName = "InputObject", Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Unit[]? InputObject { get; set; }

    /// <summary>Only units whose names match one of these patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    /// <summary>Leave out units whose names match one of these patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    /// <summary>Whether the invocation names units at all (some cmdlets act on every unit otherwise).</summary>
    protected bool HasUnits => InputObject is { Length: > 0 } || Name is { Length: > 0 };

    /// <summary>Extra selection criteria of a cmdlet (states, types, -All).</summary>
    protected virtual UnitSelection Refine(UnitSelection selection) => selection;

    /// <summary>The units this record names: input objects as they are, or names resolved on every target host.</summary>
    protected IEnumerable<Unit> SelectedUnits()
    {
        if (InputObject is not null)
        {
            var include = (Include ?? []).Select(pattern => new WildcardMatcher(pattern)).ToList();
            var exclude = (Exclude ?? []).Select(pattern => new WildcardMatcher(pattern)).ToList();
            return InputObject
                .Where(unit => include.Count == 0 || include.Any(pattern => pattern.IsMatch(unit.Name)))
                .Where(unit => !exclude.Any(pattern => pattern.IsMatch(unit.Name)));
        }
        var selection = Refine(new UnitSelection { Names = Name, Include = Include, Exclude = Exclude });
        return SelectOnHosts(selection);
    }

    private IEnumerable<Unit> SelectOnHosts(UnitSelection selection)
    {
        foreach (var (_, result) in ForEachHost(client => client.SelectAsync(selection, Cancellation)))
        {
            foreach (var error in result.Errors)
            {
                WriteUnitError(error);
            }
            foreach (var unit in result.Units)
            {
                yield return unit;
            }
        }
    }
}
