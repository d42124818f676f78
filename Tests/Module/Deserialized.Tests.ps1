BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manager = Get-UnitsTestManager
    Start-Unit x @Manager
    Start-Unit fail @Manager -ErrorAction SilentlyContinue
    $live = Get-Unit x, fail @Manager
    # What remoting hands back: the objects serialized to CLIXML (depth 1) and read again.
    $script:Remote = [System.Management.Automation.PSSerializer]::Deserialize(
        [System.Management.Automation.PSSerializer]::Serialize($live, 1))
    # What Export-Clixml and Import-Clixml hand back (depth 2: the state enums are objects there).
    $file = Join-Path $TestDrive 'units.clixml'
    $live | Export-Clixml $file
    $script:Imported = Import-Clixml $file
}

AfterAll {
    Stop-Unit x @Manager -ErrorAction SilentlyContinue
    Reset-UnitFailure @Manager
}

Describe 'Deserialized units (<Kind>)' -ForEach @(
    @{ Kind = 'remoting'; Source = { $Remote } }
    @{ Kind = 'Import-Clixml'; Source = { $Imported } }
) {
    BeforeAll {
        $script:Objects = & $Source
        $script:X = $Objects | Where-Object Name -eq 'x.service'
    }

    It 'carry the Deserialized type name and the properties' {
        $X.PSTypeNames | Should -Contain 'Deserialized.Units.Client.Unit'
        $X.Name | Should -Be 'x.service'
        "$($X.ActiveState)" | Should -Be 'Active'
        "$($X.Active)" | Should -Be 'Active'
        $X.MainPid | Should -BeGreaterThan 0
    }

    It 'filter as live units do: Where Active -eq failed' {
        ($Objects | Where Active -eq failed).Name | Should -Be 'fail.service'
        ($Objects | Where-Object SubState -eq 'running').Name | Should -Be 'x.service'
    }

    It 'format with the same table and status views' {
        $X | Out-String | Should -Match 'x\.service\s+loaded\s+active\s+running\s+X test service'
        $status = $X | Format-Custom -View Status | Out-String
        $status | Should -Match 'Loaded: loaded \(.*x\.service; (disabled|enabled|static)\)'
        $status | Should -Match 'Active: .*active.* \(running\)'
    }

    It 'go back to their manager through the pipeline by name' {
        $X | Restart-Unit @Manager
        $X | Get-Unit @Manager | Select-Object -ExpandProperty ActiveState | Should -Be 'Active'
    }
}
