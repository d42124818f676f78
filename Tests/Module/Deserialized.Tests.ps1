BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UnitsTestHelper.psm1') -Force
    Initialize-UnitsTest
    $script:Manager = Get-UnitsTestManager
    Start-Unit x @Manager
    # What remoting hands back: the object serialized to CLIXML and read again.
    $script:Remote = [System.Management.Automation.PSSerializer]::Deserialize(
        [System.Management.Automation.PSSerializer]::Serialize((Get-Unit x @Manager), 1))
}

AfterAll {
    Stop-Unit x @Manager -ErrorAction SilentlyContinue
}

Describe 'Deserialized units' {
    It 'carry the Deserialized type name and the properties' {
        $Remote.PSTypeNames | Should -Contain 'Deserialized.Units.Client.Unit'
        $Remote.Name | Should -Be 'x.service'
        "$($Remote.ActiveState)" | Should -Be 'Active'
        "$($Remote.Active)" | Should -Be 'Active'
    }

    It 'format with the same table and status views' {
        $Remote | Out-String | Should -Match 'x\.service\s+loaded\s+active\s+running\s+X test service'
        $Remote | Format-Custom -View Status | Out-String | Should -Match 'Loaded: loaded'
    }

    It 'go back to their manager through the pipeline by name' {
        $Remote | Restart-Unit @Manager
        $Remote | Get-Unit @Manager | Select-Object -ExpandProperty ActiveState | Should -Be 'Active'
    }
}
