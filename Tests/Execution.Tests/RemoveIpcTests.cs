using System.Globalization;
using Units.Execution.Service;

namespace Units.Execution.Tests;

/// <summary>RemoveIPC=: what a unit's user leaves in System V and POSIX IPC is removed when the unit is dead, and
/// only then; without it, it stays.</summary>
public sealed class RemoveIpcTests
{
    private const string User = ProcessTrackingTests.UnitsTestUser;
    private const string Script = "ipcmk -M 4096 && ipcmk -S 1 && ipcmk -Q && touch /dev/shm/units-ipc-test";

    public RemoveIpcTests()
    {
        Root.Require();
        ProcessTrackingTests.EnsureUser();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_users_IPC_objects_go_with_the_unit_only_with_RemoveIPC(bool removeIpc)
    {
        uint uid = uint.Parse(Processes.Shell($"id -u {User}").Output.Trim(), CultureInfo.InvariantCulture);
        RemoveOwnedBy(uid);
        var svc = Rig.Service(new ServiceSettings
        {
            Type = ServiceType.Oneshot,
            RemainAfterExit = true,
            Exec = new ExecSettings { User = User, RemoveIPC = removeIpc },
            ExecStart = [Rig.Sh(Script)],
        });
        svc.Start();
        svc.RunUntil(ServiceState.Exited);
        // Still running (remain-after-exit): what it made is still there.
        Assert.Equal(3, OwnedBy(uid).Count);
        Assert.True(File.Exists("/dev/shm/units-ipc-test"));

        svc.StopAndWait();

        Assert.Equal(removeIpc ? 0 : 3, OwnedBy(uid).Count);
        Assert.Equal(!removeIpc, File.Exists("/dev/shm/units-ipc-test"));
        RemoveOwnedBy(uid);
    }

    /// <summary>The System V objects (shm, sem, msg) whose owner is <paramref name="uid"/>.</summary>
    private static List<string> OwnedBy(uint uid)
    {
        // Column of the owner's uid in /proc/sysvipc/{shm,sem,msg}.
        var owners = new Dictionary<string, int> { ["shm"] = 7, ["sem"] = 4, ["msg"] = 7 };
        var found = new List<string>();
        foreach (var (kind, column) in owners)
            foreach (string line in File.ReadLines("/proc/sysvipc/" + kind).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[column] == uid.ToString(CultureInfo.InvariantCulture))
                    found.Add(kind + " " + fields[1]);
            }
        return found;
    }

    private static void RemoveOwnedBy(uint uid)
    {
        foreach (string entry in OwnedBy(uid))
        {
            string[] parts = entry.Split(' ');
            string flag = parts[0] switch { "shm" => "-m", "sem" => "-s", _ => "-q" };
            Processes.Shell($"ipcrm {flag} {parts[1]}");
        }
        File.Delete("/dev/shm/units-ipc-test");
    }
}
