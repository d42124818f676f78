using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>A slice unit's life on real systemd 252 and on unitsd alike: started by the unit placed in it, its
/// settings changed while it runs (set-property), its description when its file gives none, its usage, and its cgroup
/// gone once it stops.</summary>
public sealed class SliceTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["work.slice"] = "[Slice]\nMemoryMax=1G\nCPUWeight=50\nTasksMax=77\n",
        ["w.service"] = "[Service]\nSlice=work.slice\nExecStart=/bin/sleep infinity\n",
    };

    [Fact]
    public void A_slice_starts_with_its_unit_takes_new_settings_while_active_and_leaves_no_cgroup_when_stopped()
    {
        var answers = new List<string>();
        foreach (string? binary in new[] { null, Paths.Unitsd })
        {
            using ManagerInstance manager = ManagerInstance.Start("slice", binary, s_units);
            Assert.Equal(0, manager.Ctl("start", "w.service").ExitCode);
            Assert.Equal(0, manager.Ctl("set-property", "--runtime", "work.slice", "MemoryMax=2G", "CPUWeight=70").ExitCode);
            var answer = new System.Text.StringBuilder();
            answer.Append(manager.Ctl("show", "work.slice", "-p", "Description,ActiveState,ControlGroup,MemoryMax,CPUWeight,TasksMax,MemoryCurrent,TasksCurrent").Output);
            // CPU time is counted (a number, not "[not set]"); its value differs between the two.
            answer.Append(manager.Ctl("show", "work.slice", "-p", "CPUUsageNSec", "--value").Output.Trim().All(char.IsAsciiDigit) ? "cpu counted\n" : "cpu not counted\n");
            string status = manager.Ctl("status", "work.slice").Output;
            answer.Append(status.Split('\n')[0]).Append('\n');
            answer.Append(manager.Enter("test", "-d", "/sys/fs/cgroup/work.slice").ExitCode == 0 ? "cgroup there\n" : "cgroup missing\n");
            Assert.Equal(0, manager.Ctl("stop", "w.service", "work.slice").ExitCode);
            answer.Append(manager.Ctl("show", "work.slice", "-p", "ActiveState,ControlGroup").Output);
            answer.Append(manager.Enter("test", "-d", "/sys/fs/cgroup/work.slice").ExitCode == 0 ? "cgroup there\n" : "cgroup missing\n");
            output.WriteLine($"{(binary is null ? "systemd" : "unitsd")}:\n{answer}");
            answers.Add(answer.ToString());
        }
        Assert.Equal(answers[0], answers[1]);
        Assert.Contains("MemoryMax=2147483648\n", answers[0], StringComparison.Ordinal);
        Assert.Contains("● work.slice - Slice /work\n", answers[0], StringComparison.Ordinal);
        Assert.EndsWith("ControlGroup=\nActiveState=inactive\ncgroup missing\n", answers[0], StringComparison.Ordinal);
    }
}
