using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>A second manager for the same runtime directory refuses to start, with a message saying why, and
/// leaves the first one (unitsd or systemd 252) undisturbed.</summary>
public sealed class ManagerStartupTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_second_manager_on_the_same_paths_refuses_to_start(bool firstIsUnitsd)
    {
        using ManagerInstance first = ManagerInstance.Start("rf", firstIsUnitsd ? Paths.Unitsd : null);
        CommandResult journalBefore = first.Ctl("show", "-p", "NNames", "--value");

        CommandResult second = first.As(Paths.Unitsd, "--user");

        Assert.Equal(1, second.ExitCode);
        Assert.Equal("unitsd: Another service manager is already listening on $INSTANCE/xdg/systemd/private, refusing to start.\n", second.Error);
        Assert.Equal("running\n", first.Ctl("is-system-running").Output);
        Assert.Equal(journalBefore.Output, first.Ctl("show", "-p", "NNames", "--value").Output);
        Assert.True(File.Exists(Path.Combine(first.InstanceDirectory, "xdg", "systemd", "private")));
    }
}
