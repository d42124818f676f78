#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester 5 suite of the Units module and ends with one line:
    "Pester: N passed, N failed, N skipped".
.DESCRIPTION
    The tests drive a live manager. When UNITS_TEST_ADDRESS is set (the D-Bus address of a running
    unitsd or systemd, with UNITS_TEST_UNIT_DIR naming a unit directory it reads), that manager is
    used. Otherwise this script starts one with reference-systemd/run-systemd.sh: the real
    systemd 252 user manager, or unitsd when SYSTEMD names its executable, and stops it afterwards.
    The module is imported from the folder the build lays out (out/Units/<version>).
#>
[CmdletBinding()]
param(
    [string] $ModulePath,
    [string] $RunSystemd = '/work/shared/reference-systemd/run-systemd.sh'
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')

if (-not (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0')) {
    Write-Output 'Pester 5 is not installed: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser'
    Write-Output 'Pester: 0 passed, 1 failed, 0 skipped'
    exit 1
}
Import-Module Pester -MinimumVersion 5.0.0

if (-not $ModulePath) {
    $ModulePath = Get-ChildItem (Join-Path $root 'out/Units') -Directory | Sort-Object { [version]$_.Name } | Select-Object -Last 1 -ExpandProperty FullName
}
if (-not $ModulePath -or -not (Test-Path (Join-Path $ModulePath 'Units.psd1'))) {
    Write-Output "The module folder is missing: build it first (dotnet build Module/Units)."
    Write-Output 'Pester: 0 passed, 1 failed, 0 skipped'
    exit 1
}
$env:UNITS_TEST_MODULE = $ModulePath

$instance = $null
if (-not $env:UNITS_TEST_ADDRESS) {
    if (-not (Test-Path $RunSystemd)) {
        Write-Output "UNITS_TEST_ADDRESS is not set and $RunSystemd is missing: no manager to test against."
        Write-Output 'Pester: 0 passed, 1 failed, 0 skipped'
        exit 1
    }
    $instance = "units-pester-$PID"
    $env:SDREF_ROOT = Join-Path ([IO.Path]::GetTempPath()) 'units-pester'
    & $RunSystemd start $instance | Out-Null
    if ($LASTEXITCODE) { throw "run-systemd.sh start $instance failed" }
    $env:UNITS_TEST_UNIT_DIR = (& $RunSystemd dir $instance).Trim()
    $env:UNITS_TEST_ADDRESS = 'unix:path=' + (Join-Path $env:SDREF_ROOT "$instance/xdg/systemd/private")
}

try {
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = $PSScriptRoot
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $configuration
}
finally {
    if ($instance) { & $RunSystemd stop $instance | Out-Null }
}
Write-Output "Pester: $($result.PassedCount) passed, $($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount) failed, $($result.SkippedCount) skipped"
exit ([int]($result.Result -ne 'Passed'))
