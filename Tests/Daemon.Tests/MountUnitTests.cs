using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// Mount and device units from the kernel's mount table, under real systemd 252 and under unitsd in the same kind of
/// namespace (run-systemd.sh): the same units listed, with the same states and the same mount parameters, following
/// mounts made and removed while the manager runs. The table is the namespace's, whatever the host has.
/// </summary>
public sealed class MountUnitTests(ITestOutputHelper output)
{
    /// <summary>What a mount or device unit shows that both managers know alike (not yet: the exec context defaults
    /// of a mount unit, LimitNOFILESoft= and friends).</summary>
    private const string Properties = "Id,Names,Description,LoadState,ActiveState,SubState,CanStart,CanStop,CanReload,Perpetual,"
        + "DefaultDependencies,IgnoreOnIsolate,JobRunningTimeoutUSec,Slice,Where,What,Options,Type,TimeoutUSec,Result,SourcePath,"
        + "RequiresMountsFor,SysFSPath";

    [Fact]
    public void List_units_shows_the_mounts_and_their_devices_as_systemd_does()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        foreach (string[] command in new[]
        {
            ["list-units", "--no-pager"], ["list-units", "--all", "--no-pager"], ["list-units", "--type=mount,device", "--all", "--no-pager"],
            new[] { "status", "--no-pager", "-n", "0", "--", "-.mount" },
        })
        {
            Compare(systemd.Ctl(command), unitsd.Ctl(command), command);
        }
        string[] units = systemd.Ctl("list-units", "--type=mount,device", "--all", "--plain", "--no-legend", "--no-pager").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static line => line.Split(' ')[0]).ToArray();
        Assert.Contains("-.mount", units);
        string[] show = ["show", "-p", Properties, "--", .. units];
        Compare(systemd.Ctl(show), unitsd.Ctl(show), show);
    }

    [Fact]
    public void A_mount_made_while_the_manager_runs_gets_a_unit_that_goes_with_the_umount()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        var shown = new List<CommandResult>();
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            string point = Path.Combine(manager.InstanceDirectory, "point");
            Directory.CreateDirectory(point);
            string unit = Command.Run("systemd-escape", ["--path", "--suffix=mount", point], TimeSpan.FromSeconds(30)).Output.Trim();
            Assert.Equal(0, manager.Enter("mount", "-t", "tmpfs", "-o", "size=1m,mode=700", "scratch", point).ExitCode);
            Wait.Until(() => SubState(manager, unit) == "mounted", manager, $"{unit} to be mounted");
            // The instance directory differs between the managers: compare what does not name it.
            shown.Add(manager.Ctl("show", "-p", "LoadState,ActiveState,SubState,What,Type,Options,CanReload,Slice,SourcePath", unit));
            Assert.Contains(unit, manager.Ctl("list-units", "--no-pager", "--plain", "--no-legend").Output, StringComparison.Ordinal);

            Assert.Equal(0, manager.Enter("umount", point).ExitCode);
            Wait.Until(() => !manager.Ctl("list-units", "--all", "--no-pager", "--plain", "--no-legend").Output.Contains(unit, StringComparison.Ordinal)
                || SubState(manager, unit) == "dead", manager, $"{unit} to be gone");
            Assert.Equal("inactive\n", manager.Ctl("is-active", unit).Output);
        }
        Compare(shown[0], shown[1], ["show", "(the new mount)"]);
    }

    [Fact]
    public void A_mount_unit_mounts_with_mount_8_and_unmounts_with_umount_8_as_systemd_does()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd);
        var seen = new List<string>();
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            string point = Path.Combine(manager.InstanceDirectory, "point"), broken = Path.Combine(manager.InstanceDirectory, "broken");
            string unit = Command.Run("systemd-escape", ["--path", "--suffix=mount", point], TimeSpan.FromSeconds(30)).Output.Trim();
            string brokenUnit = Command.Run("systemd-escape", ["--path", "--suffix=mount", broken], TimeSpan.FromSeconds(30)).Output.Trim();
            File.WriteAllText(Path.Combine(manager.UnitDirectory, unit), $"[Mount]\nWhat=scratch\nWhere={point}\nType=tmpfs\nOptions=size=1m,mode=700\n");
            File.WriteAllText(Path.Combine(manager.UnitDirectory, brokenUnit), $"[Mount]\nWhat=/nonexistent/device\nWhere={broken}\nType=ext4\n");
            Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);
            var log = new List<string>();
            void Record(params string[] command)
            {
                CommandResult result = manager.Ctl(command);
                log.Add($"$ {string.Join(' ', command)} -> {result.ExitCode}\n{result.Output}{result.Error}".Replace(unit, "$UNIT", StringComparison.Ordinal)
                    .Replace(brokenUnit, "$BROKEN", StringComparison.Ordinal));
            }
            Record("start", unit);
            Record("show", "-p", "ActiveState,SubState,Result,What,Type,Options,ControlPID", unit);
            Assert.Contains(" $INSTANCE/point ", manager.Enter("cat", "/proc/self/mountinfo").Output, StringComparison.Ordinal); // the harness writes the instance directory as $INSTANCE
            Record("stop", unit);
            Record("show", "-p", "ActiveState,SubState,Result", unit);
            Assert.DoesNotContain(" $INSTANCE/point ", manager.Enter("cat", "/proc/self/mountinfo").Output, StringComparison.Ordinal);
            Record("start", brokenUnit);
            Record("show", "-p", "ActiveState,SubState,Result", brokenUnit);
            seen.Add(string.Join('\n', log));
        }
        output.WriteLine($"systemd:\n{seen[0]}\nunitsd:\n{seen[1]}");
        Assert.Equal(seen[0], seen[1]);
    }

    private static string SubState(ManagerInstance manager, string unit) =>
        manager.Ctl("show", "-p", "SubState", "--value", unit).Output.Trim();

    private void Compare(CommandResult expected, CommandResult actual, string[] command)
    {
        output.WriteLine($"$ systemctl {string.Join(' ', command)}\nsystemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
        Assert.Equal((expected.ExitCode, expected.Output, expected.Error), (actual.ExitCode, actual.Output, actual.Error));
    }

}
