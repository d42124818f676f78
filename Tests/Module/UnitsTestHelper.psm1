# Shared by every *.Tests.ps1: imports the module under test and prepares the live manager the
# suite runs against (UNITS_TEST_ADDRESS, a user-scope manager whose units live in UNITS_TEST_UNIT_DIR).

function Initialize-UnitsTest {
    if (-not $env:UNITS_TEST_ADDRESS -or -not $env:UNITS_TEST_UNIT_DIR) {
        throw 'UNITS_TEST_ADDRESS and UNITS_TEST_UNIT_DIR must name a running manager and its unit directory (Invoke-UnitsPester.ps1 sets them).'
    }
    Import-Module (Join-Path $env:UNITS_TEST_MODULE 'Units.psd1') -Force -Global
    $units = @{
        'x.service'    = "[Unit]`nDescription=X test service`n[Service]`nExecStart=/bin/sleep infinity`nExecReload=/bin/true`n[Install]`nWantedBy=default.target`n"
        'y.service'    = "[Unit]`nDescription=Y oneshot`n[Service]`nType=oneshot`nRemainAfterExit=yes`nExecStart=/bin/true`n"
        'fail.service' = "[Unit]`nDescription=Always fails`n[Service]`nType=oneshot`nExecStart=/bin/false`n"
        'slow.service' = "[Unit]`nDescription=Slow to start`n[Service]`nExecStartPre=/bin/sleep 60`nExecStart=/bin/sleep infinity`n"
        'keep.service' = "[Unit]`nDescription=Remembers its first run`n[Service]`nType=oneshot`nStateDirectory=units-keep`nExecStart=/bin/sh -c 'test ! -e `"`$STATE_DIRECTORY/seen`" && touch `"`$STATE_DIRECTORY/seen`"'`n"
        'pair.target'  = "[Unit]`nDescription=Pair`nWants=x.service y.service`n"
    }
    foreach ($name in $units.Keys) {
        Set-Content -Path (Join-Path $env:UNITS_TEST_UNIT_DIR $name) -Value $units[$name] -NoNewline
    }
    $manager = Get-UnitsTestManager
    Update-UnitManager @manager
}

# The parameters that reach the test manager, for splatting: Get-Unit @Manager.
function Get-UnitsTestManager {
    @{ Address = $env:UNITS_TEST_ADDRESS; User = $true }
}

Export-ModuleMember -Function Initialize-UnitsTest, Get-UnitsTestManager
