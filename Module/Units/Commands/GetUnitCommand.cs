using System.Management.Automation;
using Units.Client;

namespace Units.PowerShell.Commands;

/// <summary>Get-Unit: units of one or more managers (systemctl list-units, status, show).</summary>
[Cmdlet(VerbsCommon.Get, "Unit", DefaultParameterSetName = "Name")]
[OutputType(typeof(Unit))]
public sealed class GetUnitCommand : UnitSelectionCmdletBase
{
    /// <summary>Only units in one of these load, active or sub states (systemctl --state).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(UnitStateCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? State { get; set; }

    /// <summary>Only units of these types.</summary>
    [Parameter]
    public UnitType[]? Type { get; set; }

    /// <summary>Include inactive units and units following others when listing without names (systemctl --all).</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <inheritdoc/>
    protected override UnitSelection Refine(UnitSelection selection) =>
        selection with { States = State, Types = Type, All = All };

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var unit in SelectedUnits())
        {
            WriteObject(unit);
        }
    }
}
