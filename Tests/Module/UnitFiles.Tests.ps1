BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manager = Get-UnitsTestManager
}

Describe 'Enable-Unit, Disable-Unit, Lock-Unit, Unlock-Unit, Get-UnitFile' {
    It 'enables and disables, reporting the changes' {
        $changes = Enable-Unit x @Manager -PassThru
        $changes.Type | Should -Contain 'Symlink'
        (Get-UnitFile x @Manager).State | Should -Be 'Enabled'
        Disable-Unit x @Manager
        (Get-UnitFile x @Manager).State | Should -Be 'Disabled'
    }

    It 'enables and starts with -Now, disables and stops with -Now' {
        Enable-Unit x -Now @Manager
        (Get-Unit x @Manager).ActiveState | Should -Be 'Active'
        Disable-Unit x -Now @Manager
        (Get-Unit x @Manager).ActiveState | Should -Be 'Inactive'
    }

    It 'masks so that starting fails, and unmasks' {
        Lock-Unit y -Runtime @Manager
        { Start-Unit y @Manager -ErrorAction Stop } | Should -Throw -ErrorId 'UnitMasked,Units.PowerShell.Commands.StartUnitCommand'
        Unlock-Unit y -Runtime @Manager
        Start-Unit y @Manager
        Stop-Unit y @Manager
    }

    It 'lists unit files with wildcards and reports a literal miss' {
        (Get-UnitFile '*.target' @Manager).Name | Should -Contain 'pair.target'
        Get-UnitFile nosuch @Manager -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'NoSuchUnitFile,Units.PowerShell.Commands.GetUnitFileCommand'
        Get-UnitFile x @Manager | Out-String | Should -Match 'UNIT FILE\s+STATE'
    }
}

Describe 'New-Unit and Test-UnitFile' {
    AfterAll {
        Remove-Item (Join-Path $env:UNITS_TEST_UNIT_DIR 'made.service') -ErrorAction SilentlyContinue
    }

    It 'writes a unit file, reloads, and the unit starts' {
        $file = New-Unit made -Description 'Made by New-Unit' -ExecStart '/bin/sleep infinity' -Path $env:UNITS_TEST_UNIT_DIR @Manager
        $file.Name | Should -Be 'made.service'
        Get-Content $file.Path -Raw | Should -Match 'ExecStart=/bin/sleep infinity'
        Start-Unit made @Manager -PassThru | Select-Object -ExpandProperty Description | Should -Be 'Made by New-Unit'
        Stop-Unit made @Manager
    }

    It 'refuses to replace a file without -Force, and -WhatIf writes nothing' {
        { New-Unit made -ExecStart '/bin/true' -Path $env:UNITS_TEST_UNIT_DIR @Manager -ErrorAction Stop } | Should -Throw -ErrorId 'UnitFileExists,Units.PowerShell.Commands.NewUnitCommand'
        New-Unit other -ExecStart '/bin/true' -Path $env:UNITS_TEST_UNIT_DIR @Manager -WhatIf
        Join-Path $env:UNITS_TEST_UNIT_DIR 'other.service' | Should -Not -Exist
    }

    It 'verifies unit files' {
        $bad = Join-Path $TestDrive 'bad.service'
        Set-Content $bad "[Service]`nExecStart=/bin/true`nNoSuchKey=1`n"
        # Verified with the system manager's search paths: systemd-analyze verify --user needs the
        # calling user's runtime directory, which a test host may not have.
        Test-UnitFile $bad -WarningAction SilentlyContinue | Should -BeFalse
        (Test-UnitFile $bad -Detailed).Message | Should -Match 'NoSuchKey'
        $good = Join-Path $TestDrive 'good.service'
        Set-Content $good "[Unit]`nDescription=Fine`n[Service]`nType=oneshot`nExecStart=/bin/true`n"
        Test-UnitFile $good | Should -BeTrue
    }
}
