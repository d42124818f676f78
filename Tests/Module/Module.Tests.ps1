BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manifest = Test-ModuleManifest (Join-Path $env:UNITS_TEST_MODULE 'Units.psd1')
    $script:Module = Get-Module Units
}

Describe 'The Units module' {
    It 'has a valid manifest for PowerShell 7.4 Core' {
        $Manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'systemd'
        $Manifest.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets of Units.dll' {
        $defined = [System.Reflection.Assembly]::LoadFrom((Join-Path $env:UNITS_TEST_MODULE 'Units.dll')).GetTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" }
        ($Module.ExportedCmdlets.Keys | Sort-Object) | Should -Be ($defined | Sort-Object)
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        foreach ($command in $Module.ExportedCmdlets.Values) { $approved | Should -Contain $command.Verb }
    }

    It 'has help with a synopsis, a description and examples for <_>' -ForEach @(
        'Get-Unit', 'Start-Unit', 'Stop-Unit', 'Restart-Unit', 'Update-Unit', 'Send-UnitSignal', 'Reset-UnitFailure', 'Clear-Unit',
        'Enable-Unit', 'Disable-Unit', 'Lock-Unit', 'Unlock-Unit', 'Get-UnitFile', 'Get-UnitDependency', 'Get-UnitJob',
        'Stop-UnitJob', 'Wait-Unit', 'Get-UnitLog', 'Get-UnitProcess', 'Get-UnitProperty', 'Set-UnitProperty', 'New-Unit',
        'Test-UnitFile', 'Get-UnitManager', 'Update-UnitManager') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeLike "$_*"
        $help.description | Should -Not -BeNullOrEmpty
        $help.examples.example | Should -Not -BeNullOrEmpty
        foreach ($parameter in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }) {
            ($help.parameters.parameter | Where-Object name -eq $parameter).description | Should -Not -BeNullOrEmpty -Because "-$parameter needs help"
        }
    }

    It 'ships the about_Units topic' {
        Get-Help about_Units | Out-String | Should -Match 'Get-Unit \| Where Active -eq failed \| Restart-Unit'
    }

    It 'completes unit names, states and signals' {
        $manager = "-Address '$env:UNITS_TEST_ADDRESS' -User"
        $names = (TabExpansion2 -inputScript "Get-Unit $manager -Name x.s" -cursorColumn ("Get-Unit $manager -Name x.s").Length).CompletionMatches.CompletionText
        $names | Should -Contain 'x.service'
        (TabExpansion2 -inputScript 'Get-Unit -State fai' -cursorColumn 19).CompletionMatches.CompletionText | Should -Contain 'failed'
        (TabExpansion2 -inputScript 'Get-Unit -Type Ser' -cursorColumn 18).CompletionMatches.CompletionText | Should -Contain 'Service'
        (TabExpansion2 -inputScript 'Send-UnitSignal -Signal HU' -cursorColumn 26).CompletionMatches.CompletionText | Should -Contain 'HUP'
    }
}
