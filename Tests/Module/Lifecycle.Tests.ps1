BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manager = Get-UnitsTestManager
}

Describe 'Start-Unit, Stop-Unit, Restart-Unit, Update-Unit' {
    AfterEach {
        Stop-Unit x, y, slow @Manager -ErrorAction SilentlyContinue
        Reset-UnitFailure @Manager
    }

    It 'starts and stops, waiting for the jobs' {
        Start-Unit x @Manager
        (Get-Unit x @Manager).ActiveState | Should -Be 'Active'
        Stop-Unit x @Manager
        (Get-Unit x @Manager).ActiveState | Should -Be 'Inactive'
    }

    It 'passes the units through with -PassThru, from the pipeline' {
        $started = Get-Unit x, y @Manager | Start-Unit @Manager -PassThru
        $started.Name | Should -Be @('x.service', 'y.service')
        $started.ActiveState | Sort-Object -Unique | Should -Be 'Active'
    }

    It 'restarts with a new main process' {
        $before = (Start-Unit x @Manager -PassThru).MainPid
        (Restart-Unit x @Manager -PassThru).MainPid | Should -Not -Be $before
    }

    It 'restarts only active units with -IfActive' {
        Restart-Unit x @Manager -IfActive
        (Get-Unit x @Manager).ActiveState | Should -Be 'Inactive'
    }

    It 'reloads a unit' {
        $mainPid = (Start-Unit x @Manager -PassThru).MainPid
        Update-Unit x @Manager -PassThru | Select-Object -ExpandProperty MainPid | Should -Be $mainPid
    }

    It 'describes an isolate with -WhatIf' {
        # A real isolate would stop the rest of the test manager; what it would do is checked instead.
        $module = Join-Path $env:UNITS_TEST_MODULE 'Units.psd1'
        $output = pwsh -NoProfile -NonInteractive -Command "Import-Module '$module'; Start-Unit pair.target -Isolate -Address '$env:UNITS_TEST_ADDRESS' -User -WhatIf" | Out-String
        $output | Should -Match 'job mode isolate'
        $output | Should -Match 'Stops every other unit'
    }

    It 'describes the transaction with -WhatIf and changes nothing' {
        # "What if:" goes to the host, not to a stream: run it in a child shell and read its output.
        $module = Join-Path $env:UNITS_TEST_MODULE 'Units.psd1'
        $output = pwsh -NoProfile -NonInteractive -Command "Import-Module '$module'; Start-Unit pair.target -Address '$env:UNITS_TEST_ADDRESS' -User -WhatIf" | Out-String
        $output | Should -Match 'Queue a start job for pair\.target'
        $output | Should -Match 'Pulls in start jobs for: x\.service, y\.service'
        (Get-Unit x @Manager).ActiveState | Should -Be 'Inactive'
    }

    It 'returns the queued jobs with -NoWait -PassThru' {
        $job = Start-Unit slow @Manager -NoWait -PassThru
        $job | Should -BeOfType ([Units.Client.UnitJob])
        $job.JobType | Should -Be 'Start'
        (Get-UnitJob @Manager).Id | Should -Contain $job.Id
        $job | Stop-UnitJob @Manager
        (Get-UnitJob @Manager).Id | Should -Not -Contain $job.Id
    }

    It 'reports a timed-out wait as OperationTimeout and leaves the job queued' {
        Start-Unit slow @Manager -Timeout 1 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'JobWaitTimedOut,Units.PowerShell.Commands.StartUnitCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        (Get-UnitJob -Unit slow @Manager) | Should -Not -BeNullOrEmpty
    }

    It 'reports a failing unit as a non-terminating JobFailed error with its result' {
        Start-Unit fail, y @Manager -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'JobFailed,Units.PowerShell.Commands.StartUnitCommand'
        $failures[0].ErrorDetails.Message | Should -Match 'exit-code'
        Get-Unit fail @Manager | Format-Custom -View Status | Out-String | Should -Match 'Active: .*failed.* \(Result: exit-code\) since'
        (Get-Unit y @Manager).ActiveState | Should -Be 'Active'
    }

    It 'restarts every failed unit: Get-Unit | Where Active -eq failed | Restart-Unit' {
        Start-Unit fail @Manager -ErrorAction SilentlyContinue
        (Get-Unit @Manager | Where Active -eq failed).Name | Should -Contain 'fail.service'
        Get-Unit @Manager | Where Active -eq failed | Restart-Unit @Manager -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.FullyQualifiedErrorId | Should -Be 'JobFailed,Units.PowerShell.Commands.RestartUnitCommand'
    }

    It 'reports a missing unit as ObjectNotFound' {
        { Start-Unit nosuch @Manager -ErrorAction Stop } | Should -Throw -ErrorId 'NoSuchUnit,Units.PowerShell.Commands.StartUnitCommand'
    }
}

Describe 'Clear-Unit' {
    AfterEach {
        Stop-Unit x @Manager -ErrorAction SilentlyContinue
        Reset-UnitFailure @Manager
    }

    It 'removes the state a service keeps between runs' {
        Start-Unit keep @Manager
        Start-Unit keep @Manager -ErrorAction SilentlyContinue
        (Get-Unit keep @Manager).ActiveState | Should -Be 'Failed'
        Reset-UnitFailure keep @Manager
        (Clear-Unit keep -What State @Manager -PassThru).Name | Should -Be 'keep.service'
        Start-Unit keep @Manager
        (Get-Unit keep @Manager).ActiveState | Should -Be 'Inactive'
        Clear-Unit keep -What State @Manager
    }

    It 'refuses a running unit as UnitBusy' {
        Start-Unit x @Manager
        Clear-Unit x @Manager -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'UnitBusy,Units.PowerShell.Commands.ClearUnitCommand'
    }
}

Describe 'Send-UnitSignal, Reset-UnitFailure, Wait-Unit' {
    AfterEach {
        Stop-Unit x, y, slow @Manager -ErrorAction SilentlyContinue
        Reset-UnitFailure @Manager
    }

    It 'kills the main process with a signal' {
        Start-Unit x @Manager
        Send-UnitSignal x -Signal KILL -Whom Main @Manager
        Wait-Unit x -State Inactive, Failed -Timeout 30 @Manager -PassThru | Select-Object -ExpandProperty Name | Should -Be 'x.service'
    }

    It 'refuses an unknown signal' {
        { Send-UnitSignal x -Signal NOPE @Manager } | Should -Throw -ErrorId 'InvalidSignal,Units.PowerShell.Commands.SendUnitSignalCommand'
    }

    It 'resets failed units' {
        Start-Unit fail @Manager -ErrorAction SilentlyContinue
        Reset-UnitFailure fail @Manager
        (Get-Unit fail @Manager).ActiveState | Should -Be 'Inactive'
    }

    It 'waits for a state and times out as OperationTimeout' {
        Wait-Unit x -Timeout 1 @Manager -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'WaitUnitTimedOut,Units.PowerShell.Commands.WaitUnitCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It 'returns when any unit is there with -Any' {
        Start-Unit y @Manager
        (Wait-Unit x, y -Any -Timeout 10 @Manager -PassThru).Name | Should -Be 'y.service'
    }
}
