#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the Units PowerShell module.
.DESCRIPTION
    Build    dotnet build of Module/Units: lays out the importable module folder out/Units/<version>/
             (Units.dll, Units.Client.dll, Units.DBus.dll, Units.psd1, Formats/, en-US/ help).
    Test     the xunit suite of the client library and module (Tests/Client.Tests), then the Pester 5
             suite (Tests/Module) when Pester 5 is installed.
    Package  dotnet pack of Module/Units: out/packages/Units.<version>.nupkg, installable from a
             local repository:
                 Register-PSResourceRepository -Name UnitsLocal -Uri ./out/packages -Trusted
                 Install-PSResource Units -Repository UnitsLocal
    Everything here is plain dotnet; the same commands work without this script.
.EXAMPLE
    ./build.ps1 -Task Build, Test, Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build' {
        Invoke-Dotnet build Module/Units -c $Configuration -nologo
        $module = Get-ChildItem out/Units -Directory | Sort-Object { [version]$_.Name } | Select-Object -Last 1
        Write-Host "Module folder: $($module.FullName) (Import-Module $($module.FullName)/Units.psd1)"
    }
    'Test' {
        Invoke-Dotnet build Tests/Client.Tests -c $Configuration -nologo
        Invoke-Dotnet test Tests/Client.Tests -c $Configuration --no-build -nologo
        if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0') {
            pwsh -NoProfile -NonInteractive -File Tests/Module/Invoke-UnitsPester.ps1
            if ($LASTEXITCODE) { throw 'The Pester suite failed.' }
        }
        else {
            Write-Warning 'Pester 5 is not installed: the Pester suite (Tests/Module) did not run. Install-PSResource Pester'
        }
    }
    'Package' {
        Invoke-Dotnet pack Module/Units -c $Configuration -nologo
        Get-ChildItem out/packages/Units.*.nupkg | Sort-Object LastWriteTime | Select-Object -Last 1 |
            ForEach-Object { Write-Host "Package: $($_.FullName)" }
    }
}
