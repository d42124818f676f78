using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>What the manager writes on its console (standard error, run-systemd.sh's manager.log) about units: the same
/// lines on systemd 252 and on unitsd. A unit's info messages ("Started", "Finished") stay in the journal; from notice
/// up they are written with the unit's name in front.</summary>
public sealed class ManagerConsoleTests
{
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["good.service"] = "[Service]\nType=oneshot\nExecStart=/bin/true\n",
        ["bad.service"] = "[Service]\nExecStart=/bin/false\n",
    };

    [Fact]
    public void A_unit_s_console_lines_are_those_systemd_writes()
    {
        var consoles = new List<string>();
        foreach (string? binary in new[] { null, Paths.Unitsd })
        {
            using ManagerInstance manager = ManagerInstance.Start("console", binary, s_units);
            Assert.Equal(0, manager.Ctl("start", "good.service").ExitCode);
            Assert.Equal(0, manager.Ctl("start", "bad.service").ExitCode);
            Wait.ForProperty(manager, "bad.service", "ActiveState", "failed");
            Wait.Until(() => manager.ManagerLog().Contains("bad.service: Failed with result", StringComparison.Ordinal), manager, "the failure on the console");
            consoles.Add(string.Join('\n', manager.ManagerLog().Split('\n')
                .Select(line => line.TrimEnd('\r'))
                .Where(line => line.Contains("good.service", StringComparison.Ordinal) || line.Contains("bad.service", StringComparison.Ordinal))));
        }
        Assert.Equal("bad.service: Main process exited, code=exited, status=1/FAILURE\nbad.service: Failed with result 'exit-code'.", consoles[0]);
        Assert.Equal(consoles[0], consoles[1]);
    }
}
