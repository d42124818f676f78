BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manager = Get-UnitsTestManager
    Start-Unit x @Manager
}

AfterAll {
    Stop-Unit x @Manager -ErrorAction SilentlyContinue
}

Describe 'Get-UnitDependency' {
    It 'lists what a target wants, as a tree' {
        $tree = Get-UnitDependency pair.target @Manager
        $tree[0].Unit | Should -Be 'pair.target'
        ($tree | Where-Object Depth -eq 1).Unit | Should -Be @('x.service', 'y.service')
        $tree[0].Children.Count | Should -Be 2
        $tree | Out-String | Should -Match 'UNIT\s+ACTIVE\s+VIA'
    }

    It 'lists reverse dependencies' {
        # A manager knows the reverse dependencies of loaded units only: an active target stays loaded.
        Start-Unit pair.target @Manager
        (Get-UnitDependency x -Reverse @Manager).Unit | Should -Contain 'pair.target'
        Stop-Unit pair.target, y @Manager
    }
}

Describe 'Get-UnitProcess, Get-UnitProperty, Set-UnitProperty' {
    It 'lists the processes of a unit' {
        $process = Get-UnitProcess x @Manager
        $process.Pid | Should -Be (Get-Unit x @Manager).MainPid
        $process.CommandLine | Should -Match 'sleep infinity'
    }

    It 'reads properties by wildcard' {
        $properties = Get-UnitProperty x -Property 'Exec*' @Manager
        $properties.Name | Should -Contain 'ExecStart'
        (Get-UnitProperty x -Property Id @Manager).Value | Should -Be 'x.service'
    }

    It 'sets runtime properties and refuses unknown ones' {
        Set-UnitProperty x -Property @{ CPUWeight = 50 } -Runtime @Manager
        { Set-UnitProperty x -Property @{ NoSuch = 1 } @Manager } | Should -Throw -ErrorId 'InvalidUnitProperty,Units.PowerShell.Commands.SetUnitPropertyCommand'
    }
}

Describe 'Get-UnitManager, Update-UnitManager, Get-UnitLog' {
    It 'describes the manager' {
        $info = Get-UnitManager @Manager
        $info.Version | Should -Not -BeNullOrEmpty
        $info.SystemState | Should -BeIn 'running', 'degraded', 'starting'
        $info.Scope | Should -Be 'User'
        $info | Format-List | Out-String | Should -Match 'Version'
    }

    It 'reloads the manager' {
        (Update-UnitManager -PassThru @Manager).Version | Should -Not -BeNullOrEmpty
    }

    It 'reads the journal of a unit without failing' {
        Get-UnitLog x -Last 5 @Manager -ErrorAction Stop | ForEach-Object { $_ | Should -BeOfType ([Units.Client.UnitLogEntry]) }
    }
}
