#
# Module manifest of Units: a binary module (Units.dll) that administers systemd-compatible service
# managers (unitsd, systemd) over their D-Bus API. ModuleVersion is stamped by the build
# (Module/Units/Units.csproj, from $(Version)); the module folder is out/Units/<version>/.
#
@{
    RootModule             = 'Units.dll'
    ModuleVersion          = '0.0.0'
    CompatiblePSEditions   = @('Core')
    GUID                   = '6f0b8c3e-2f4a-4d8e-9a57-3c1e5d2b7a90'
    Author                 = 'Units developers'
    CompanyName            = 'Units'
    Copyright              = '(c) Units developers. All rights reserved.'
    Description            = 'Manage systemd units from PowerShell: rich unit objects, job waiting, unit files, logs and dependencies, locally and on remote hosts, against systemd and unitsd alike.'
    PowerShellVersion      = '7.4'
    FormatsToProcess       = @('Formats/Units.format.ps1xml')
    TypesToProcess         = @('Formats/Units.types.ps1xml')
    CmdletsToExport        = @(
        'Clear-Unit'
        'Disable-Unit'
        'Enable-Unit'
        'Get-Unit'
        'Get-UnitDependency'
        'Get-UnitFile'
        'Get-UnitJob'
        'Get-UnitLog'
        'Get-UnitManager'
        'Get-UnitProcess'
        'Get-UnitProperty'
        'Lock-Unit'
        'New-Unit'
        'Reset-UnitFailure'
        'Restart-Unit'
        'Send-UnitSignal'
        'Set-UnitProperty'
        'Start-Unit'
        'Stop-Unit'
        'Stop-UnitJob'
        'Test-UnitFile'
        'Unlock-Unit'
        'Update-Unit'
        'Update-UnitManager'
        'Wait-Unit'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags       = @('systemd', 'Linux', 'services', 'units', 'dbus', 'unitsd', 'PSEdition_Core')
            ProjectUri = 'https://github.com/units-project/units'
            LicenseUri = 'https://github.com/units-project/units/blob/main/LICENSE'
        }
    }
}
