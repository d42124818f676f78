using Units.Execution.Service;

namespace Units.Execution.Tests;

/// <summary>Without a writable cgroup v2: processes are tracked by session, and the limits are stated at start-up.</summary>
public sealed class FallbackTests
{
    public FallbackTests() => Root.Require();

    [Fact]
    public void Without_cgroups_the_limits_are_logged_and_a_service_tree_is_still_stopped()
    {
        var loop = new TestLoop();
        var messages = new List<string>();
        using var runtime = new ExecutionRuntime(new ExecutionOptions
        {
            Post = loop.Post,
            CgroupRoot = "/proc/units-no-cgroup-here", // not creatable: no cgroup hierarchy
            ParentDeathSignal = 9,
            Log = (_, message) => messages.Add(message),
        });
        Assert.Null(runtime.Cgroups);
        Assert.Contains(ExecutionRuntime.FallbackLimits, messages);

        // A main process with a child in the same session: both belong to the unit.
        var svc = new TestService(loop, runtime, "fallback.service", new ServiceSettings { ExecStart = [Rig.Sh("sleep infinity & exec sleep infinity")] });
        svc.Start();
        Assert.Equal(ServiceState.Running, svc.Machine.State);
        loop.RunUntil(() => svc.Processes.GroupPids().Count == 2 || WakeSoon(loop), "both processes to be tracked");
        var pids = svc.Processes.GroupPids();
        Assert.Equal(2, pids.Count);
        Assert.False(svc.Processes.ReportsEmpty);
        svc.StopAndWait();
        Assert.Equal(ServiceState.Dead, svc.Machine.State);
        Assert.All(pids, pid => Assert.False(File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal)));
    }

    /// <summary>The shell forks its child on its own schedule: re-check on a short loop timer.</summary>
    private static bool WakeSoon(TestLoop loop)
    {
        loop.AddTimer(loop.NowUSec + 5_000, static () => { });
        return false;
    }
}
