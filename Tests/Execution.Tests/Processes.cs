using System.Collections.Concurrent;
using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>
/// The test process's one supervisor (it reaps every child of the process) and a way to await a process's exit.
/// Everything the tests run goes through it; System.Diagnostics.Process is not used.
/// </summary>
internal sealed class Processes : IProcessEvents
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<ProcessExit>> _exits = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<bool>> _execs = new();

    public static Processes Instance { get; } = new();

    public ProcessSupervisor Supervisor { get; }

    private Processes()
    {
        Supervisor = ProcessSupervisor.Shared();
        Supervisor.Subscribe(this);
    }

    public void ProcessExited(ProcessExit exit) => Completion(_exits, exit.Pid).TrySetResult(exit);

    public void ExecSucceeded(int pid) => Completion(_execs, pid).TrySetResult(true);

    public ProcessExit WaitForExit(int pid)
    {
        var task = Completion(_exits, pid).Task;
        if (!task.Wait(Patience))
            throw new TimeoutException($"process {pid} did not exit within {Patience}");
        _exits.TryRemove(pid, out _);
        return task.Result;
    }

    public bool WaitForExec(int pid) => Completion(_execs, pid).Task.Wait(Patience);

    /// <summary>Runs a command with default settings (pdeathsig so nothing outlives the test host) and waits.</summary>
    public static ProcessExit Run(ExecSettings settings, ExecCommand command, ExecParameters? parameters = null)
    {
        var prepared = ExecContextBuilder.Build(settings, command, parameters ?? new ExecParameters { ParentDeathSignal = 9 });
        int pid = Instance.Supervisor.Spawn(prepared);
        return Instance.WaitForExit(pid);
    }

    /// <summary>Runs "sh -c script" and returns what it wrote to stdout.</summary>
    public static (ProcessExit Exit, string Output) Shell(string script, ExecSettings? settings = null, ExecParameters? parameters = null)
    {
        string output = Path.Combine(TestDirectory.Create(), "stdout");
        var with = Merge(settings ?? new ExecSettings(), new StdioSetting(StdioKind.Truncate, output));
        // ":" keeps the script away from systemd's $VAR expansion: the shell expands it.
        var exit = Run(with, ExecCommand.FromWords([":/bin/sh", "-c", script]), parameters);
        return (exit, File.Exists(output) ? File.ReadAllText(output) : "");
    }

    private static ExecSettings Merge(ExecSettings s, StdioSetting stdout) =>
        s with { StandardOutput = stdout, StandardError = StdioSetting.Inherit };

    private static TaskCompletionSource<T> Completion<T>(ConcurrentDictionary<int, TaskCompletionSource<T>> map, int pid) =>
        map.GetOrAdd(pid, static _ => new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously));
}

internal static class TestDirectory
{
    public static string Create()
    {
        string path = Path.Combine(Path.GetTempPath(), "units-exec-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

internal static class Root
{
    /// <summary>These tests change credentials and namespaces: they need root and say so instead of passing.</summary>
    public static void Require()
    {
        if (Environment.UserName != "root" && !File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t", StringComparison.Ordinal))
            Assert.Fail("The execution tests must run as root (they switch users and create namespaces and cgroups).");
    }
}
