BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manager = Get-UnitsTestManager
    Start-Unit x @Manager
}

AfterAll {
    Stop-Unit x @Manager -ErrorAction SilentlyContinue
}

Describe 'Get-Unit' {
    It 'lists active units as list-units does, as typed objects' {
        $units = Get-Unit @Manager
        $units.Name | Should -Contain 'x.service'
        $units.Name | Should -Not -Contain 'fail.service'
        $x = $units | Where-Object Name -eq 'x.service'
        $x | Should -BeOfType ([Units.Client.Unit])
        $x.ActiveState | Should -Be ([Units.Client.UnitActiveState]::Active)
        $x.Active | Should -Be 'Active'
        $x.Load | Should -Be 'Loaded'
        $x.Sub | Should -Be 'Running'
        $x.ComputerName | Should -Be 'localhost'
    }

    It 'reads details: main PID, start time, unit file state and the raw properties' {
        $x = Get-Unit x.service @Manager
        $x.MainPid | Should -BeGreaterThan 0
        $x.ActiveSince | Should -BeOfType ([datetime])
        $x.UnitFileState | Should -BeOfType ([Units.Client.UnitFileState])
        $x.Properties['MainPID'] | Should -Be $x.MainPid
        $x.Type | Should -Be 'Service'
    }

    It 'takes names without a suffix as services, positionally and from the pipeline' {
        (Get-Unit x @Manager).Name | Should -Be 'x.service'
        ('x', 'y' | Get-Unit @Manager).Name | Should -Be @('x.service', 'y.service')
    }

    It 'reports a literal name that matches nothing as ObjectNotFound and goes on' {
        $units = Get-Unit nosuch, x @Manager -ErrorVariable failures -ErrorAction SilentlyContinue
        $units.Name | Should -Be 'x.service'
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'NoSuchUnit,Units.PowerShell.Commands.GetUnitCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be 'nosuch.service'
    }

    It 'is silent about a wildcard that matches nothing' {
        Get-Unit 'nothing-here*' @Manager -ErrorVariable failures | Should -BeNullOrEmpty
        $failures | Should -BeNullOrEmpty
    }

    It 'filters with -Include, -Exclude, -Type, -State and shows inactive units with -All' {
        (Get-Unit * @Manager -Include 'x*').Name | Should -Be 'x.service'
        (Get-Unit x, y @Manager -Exclude 'y*').Name | Should -Be 'x.service'
        (Get-Unit @Manager -Type Target).Type | Sort-Object -Unique | Should -Be 'Target'
        (Get-Unit @Manager -State running).Name | Should -Contain 'x.service'
        (Get-Unit @Manager -All).Count | Should -BeGreaterThan (Get-Unit @Manager).Count
    }

    It 'de-duplicates and sorts' {
        (Get-Unit y, x, 'x*' @Manager).Name | Should -Be @('x.service', 'y.service')
    }

    It 'formats as list-units columns, as a list, and as a status view' {
        $table = Get-Unit x @Manager | Out-String
        $table | Should -Match 'UNIT\s+LOAD\s+ACTIVE\s+SUB\s+DESCRIPTION'
        $table | Should -Match 'x\.service\s+loaded\s+active\s+running\s+X test service'
        Get-Unit x @Manager | Format-List | Out-String | Should -Match 'MainPid\s+:\s+\d+'
        $status = Get-Unit x @Manager | Format-Custom -View Status | Out-String
        $status | Should -Match ([regex]::Escape([string][char]0x25CF) + '.* x\.service - X test service')
        $status | Should -Match 'Loaded: loaded'
        $status | Should -Match 'Active: .*active.* \(running\) since'
        $status | Should -Match 'Main PID: \d+'
        $status | Should -Match 'sleep infinity'
        Get-Unit x @Manager | Format-Table -View Host | Out-String | Should -Match 'HOST\s+UNIT'
    }
}
