using System.Globalization;
using Units.Execution.Native;

namespace Units.Execution.Spawning;

/// <summary>
/// RemoveIPC=: once no unit with it runs under a user (group) any more, the IPC objects that user or group leaves
/// are removed, as systemd's clean_ipc does: System V shared memory segments nobody has attached, semaphore sets,
/// message queues, and POSIX shared memory (/dev/shm) and message queues (/dev/mqueue). root's are never touched.
/// References are counted per UID and per GID across units. Loop thread only.
/// </summary>
internal sealed class IpcCleaner(Action<int, string> log)
{
    private readonly Dictionary<uint, int> _users = [];
    private readonly Dictionary<uint, int> _groups = [];

    /// <summary>A unit with RemoveIPC= starts processes as <paramref name="uid"/>/<paramref name="gid"/>.</summary>
    public void Reference(uint uid, uint gid)
    {
        if (uid != 0)
            _users[uid] = _users.GetValueOrDefault(uid) + 1;
        if (gid != 0)
            _groups[gid] = _groups.GetValueOrDefault(gid) + 1;
    }

    /// <summary>That unit is dead: the last one of a user or group removes what it left.</summary>
    public void Release(uint uid, uint gid)
    {
        bool lastUser = Drop(_users, uid), lastGroup = Drop(_groups, gid);
        if (lastUser || lastGroup)
            RemoveOwnedBy(lastUser ? uid : null, lastGroup ? gid : null);
    }

    private static bool Drop(Dictionary<uint, int> counts, uint id)
    {
        if (id == 0 || !counts.TryGetValue(id, out int n))
            return false;
        if (n > 1)
        {
            counts[id] = n - 1;
            return false;
        }
        counts.Remove(id);
        return true;
    }

    /// <summary>Removes every IPC object owned by the user or the group (null: not that one).</summary>
    public void RemoveOwnedBy(uint? uid, uint? gid)
    {
        bool Owned(uint owner, uint group) => owner == uid || group == gid;
        // /proc/sysvipc/*: "key id perms ..." then, per kind, where the owner's uid and gid are.
        foreach (var (fields, kind) in SysV("shm"))
        {
            // key shmid perms size cpid lpid nattch uid gid ...
            if (fields.Length > 8 && fields[6] == "0" && Owned(Id(fields[7]), Id(fields[8])))
                Remove(Libc.shmctl(Id32(fields[1]), Libc.IPC_RMID, 0), kind, fields[1]);
        }
        foreach (var (fields, kind) in SysV("sem"))
        {
            // key semid perms nsems uid gid ...
            if (fields.Length > 5 && Owned(Id(fields[4]), Id(fields[5])))
                Remove(Libc.semctl(Id32(fields[1]), 0, Libc.IPC_RMID), kind, fields[1]);
        }
        foreach (var (fields, kind) in SysV("msg"))
        {
            // key msqid perms cbytes qnum lspid lrpid uid gid ...
            if (fields.Length > 8 && Owned(Id(fields[7]), Id(fields[8])))
                Remove(Libc.msgctl(Id32(fields[1]), Libc.IPC_RMID, 0), kind, fields[1]);
        }
        RemoveFiles("/dev/shm", uid, gid);
        RemoveFiles("/dev/mqueue", uid, gid);
    }

    private static IEnumerable<(string[] Fields, string Kind)> SysV(string kind)
    {
        string path = "/proc/sysvipc/" + kind;
        if (!File.Exists(path))
            yield break;
        foreach (string line in File.ReadLines(path).Skip(1))
            yield return (line.Split(' ', StringSplitOptions.RemoveEmptyEntries), kind);
    }

    private void Remove(int result, string kind, string id)
    {
        // Already gone (EIDRM, EINVAL) is fine: someone else removed it meanwhile.
        if (result < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() is not (Libc.EIDRM or Libc.EINVAL))
            log(4, $"Failed to remove System V {kind} {id}: {System.Runtime.InteropServices.Marshal.GetLastPInvokeErrorMessage()}");
    }

    private void RemoveFiles(string directory, uint? uid, uint? gid)
    {
        if (!Directory.Exists(directory))
            return;
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (Libc.OwnerIds(entry) is not var (owner, group) || (owner != uid && group != gid))
            {
                if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
                    RemoveFiles(entry, uid, gid);
                continue;
            }
            try
            {
                if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
                    Directory.Delete(entry, recursive: true);
                else
                    File.Delete(entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log(4, $"Failed to remove {entry}: {e.Message}");
            }
        }
    }

    private static uint Id(string text) => uint.Parse(text, CultureInfo.InvariantCulture);

    private static int Id32(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
