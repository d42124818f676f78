using Units.Execution.Service;
using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>RuntimeDirectory= lives as long as the service (systemd's unit_destroy_runtime_data), unless
/// RuntimeDirectoryPreserve= keeps it. The rig's runtime root is /run: names stay below this test process's own
/// /run/units-exec-test-PID directory.</summary>
public sealed class RuntimeDirectoryTests
{
    [Theory]
    [InlineData(RuntimeDirectoryPreserve.No, false)]
    [InlineData(RuntimeDirectoryPreserve.Yes, true)]
    [InlineData(RuntimeDirectoryPreserve.Restart, false)]
    public void Runtime_directory_goes_when_the_service_stops_unless_preserved(RuntimeDirectoryPreserve preserve, bool kept)
    {
        string name = $"units-exec-test-{Environment.ProcessId}/stop-{preserve}";
        string path = Path.Combine(ExecDirectoryRoots.System.Runtime, name);
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Exec, // running once execve succeeded: the directory exists by then
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
            Exec = new ExecSettings { RuntimeDirectory = [name], RuntimeDirectoryPreserve = preserve },
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        Assert.True(Directory.Exists(path));
        File.WriteAllText(Path.Combine(path, "pid"), "1");

        svc.StopAndWait();
        Assert.Equal(kept, Directory.Exists(path));
        if (kept)
            Directory.Delete(path, recursive: true);
    }

    [Theory]
    [InlineData(RuntimeDirectoryPreserve.No, false)]
    [InlineData(RuntimeDirectoryPreserve.Restart, true)]
    public void Runtime_directory_survives_an_automatic_restart_only_with_preserve_restart(RuntimeDirectoryPreserve preserve, bool kept)
    {
        string name = $"units-exec-test-{Environment.ProcessId}/restart-{preserve}";
        string path = Path.Combine(ExecDirectoryRoots.System.Runtime, name);
        var svc = Rig.Service(new ServiceSettings
        {
            Restart = ServiceRestart.Always,
            RestartUsec = 3_600_000_000, // stays in auto-restart while the test looks
            Type = ServiceType.Exec, // running once execve succeeded: the directory exists by then
            ExecStart = [ExecCommand.Of("/bin/sleep", "infinity")],
            Exec = new ExecSettings { RuntimeDirectory = [name], RuntimeDirectoryPreserve = preserve },
        });
        svc.Start();
        svc.RunUntil(ServiceState.Running);
        Assert.True(ProcessSupervisor.Kill(svc.Machine.MainPid, Signals.SIGKILL));
        svc.RunUntil(ServiceState.AutoRestart);
        Assert.Equal(kept, Directory.Exists(path));

        // systemd stops a unit waiting to restart without destroying its runtime data: clean up after it here.
        svc.StopAndWait();
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
    }
}
