using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>Service types whose start depends on the manager around them, under real systemd 252 and under unitsd
/// alike: Type=idle waits for the manager's jobs to finish.</summary>
public sealed class ServiceTypeEndToEndTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idle_runs_its_command_once_the_other_jobs_of_its_transaction_are_done(bool unitsd)
    {
        using ManagerInstance manager = ManagerInstance.Start("idle", unitsd ? Paths.Unitsd : null);
        string dir = manager.InstanceDirectory;
        // The oneshot's job lasts a second; the idle service's start job is done at once, but its command must wait
        // for the oneshot's job to finish, so it finds the oneshot's mark.
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "slow.service"),
            $"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 1; touch {dir}/slow-done'\n");
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "late.service"),
            $"[Service]\nType=idle\nExecStart=/bin/sh -c 'if [ -e {dir}/slow-done ]; then echo after; else echo before; fi > {dir}/late.tmp; mv {dir}/late.tmp {dir}/late.out'\n");
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "both.target"), "[Unit]\nWants=slow.service late.service\n");
        Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);

        Assert.Equal(0, manager.Ctl("start", "--no-block", "both.target").ExitCode);

        string marker = Path.Combine(dir, "late.out");
        Assert.True(Wait.ForFile(marker), "the idle service's command never ran");
        Assert.Equal("after\n", File.ReadAllText(marker));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StartLimitAction_runs_when_a_service_hits_its_start_limit(bool unitsd)
    {
        using ManagerInstance manager = ManagerInstance.Start("slim", unitsd ? Paths.Unitsd : null);
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "loop.service"),
            "[Unit]\nStartLimitBurst=3\nStartLimitIntervalSec=1h\nStartLimitAction=exit-force\n[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=0\n");
        Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);
        using var process = System.Diagnostics.Process.GetProcessById(manager.ManagerPid());

        // Restarted until the limit is hit; exit-force: then the manager exits at once.
        manager.Ctl("start", "--no-block", "loop.service");

        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the manager did not exit");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(manager.ManagerLog(), "Start request repeated too quickly"));
    }
}
