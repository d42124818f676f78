using System.Globalization;
using System.Text;
using Units.Execution.Native;

namespace Units.Execution.Spawning;

/// <summary>DynamicUser='s credentials for one start: the names and the IDs the processes run with.</summary>
public sealed record DynamicCredentials(string User, string Group, uint Uid, uint Gid);

/// <summary>
/// DynamicUser=: transient users and groups as systemd's dynamic-user.c makes them. A name with a static entry in
/// the user (group) database is used as it is. Otherwise an ID in 61184–65519 is picked: first the owner of the
/// unit's state, cache or logs directory (so that it need not be chowned again), then one hashed from the name,
/// then random ones. The ID is taken while "DIR/ID" (holding the name) is locked; "DIR/direct:ID" and
/// "DIR/direct:NAME" link name and ID both ways, as nss-systemd reads them. Units that name the same user share it;
/// the last one to stop gives it back. Loop thread only.
/// </summary>
internal sealed class DynamicUsers(string directory)
{
    public const uint First = 61184, Last = 65519;
    private const int Tries = 100;

    private readonly Dictionary<string, Allocation> _byName = new(StringComparer.Ordinal);

    private sealed class Allocation(uint id, uint gid, FileStream? lockFile)
    {
        public uint Id { get; } = id;
        public uint Gid { get; } = gid;
        public FileStream? LockFile { get; } = lockFile;
        public int References { get; set; } = 1;
    }

    /// <summary>The user and group for one start; throws <see cref="ExecSetupException"/> when none can be had.</summary>
    public DynamicCredentials Acquire(string user, string group, IEnumerable<string> suggestedPaths)
    {
        var userIds = Take(user, isUser: true, suggestedPaths);
        if (group == user)
            return new DynamicCredentials(user, group, userIds.Id, userIds.Gid);
        try
        {
            return new DynamicCredentials(user, group, userIds.Id, Take(group, isUser: false, []).Id);
        }
        catch
        {
            Give(user);
            throw;
        }
    }

    public void Release(DynamicCredentials credentials)
    {
        Give(credentials.User);
        if (credentials.Group != credentials.User)
            Give(credentials.Group);
    }

    private Allocation Take(string name, bool isUser, IEnumerable<string> suggestedPaths)
    {
        if (_byName.TryGetValue(name, out var known))
        {
            known.References++;
            return known;
        }
        Allocation allocation;
        if (isUser && Libc.UserIds(name) is var (uid, gid))
            allocation = new Allocation(uid, gid, null);
        else if (!isUser && Libc.GroupId(name) is { } staticGid)
            allocation = new Allocation(staticGid, staticGid, null);
        else
            allocation = Allocate(name, suggestedPaths);
        _byName[name] = allocation;
        return allocation;
    }

    private Allocation Allocate(string name, IEnumerable<string> suggestedPaths)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExecSetupException($"Failed to set up dynamic user {name}: {directory}: {e.Message}");
        }
        foreach (uint candidate in Candidates(name, suggestedPaths).Take(Tries))
        {
            if (!IsDynamic(candidate) || _byName.Values.Any(a => a.Id == candidate) || Libc.UserExists(candidate) || Libc.GroupExists(candidate))
                continue;
            string lockPath = Path.Combine(directory, candidate.ToString(CultureInfo.InvariantCulture));
            FileStream lockFile;
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock): held, the ID is someone else's.
                lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException e)
            {
                throw new ExecSetupException($"Failed to set up dynamic user {name}: {lockPath}: {e.Message}");
            }
            Libc.chmod(lockPath, Convert.ToUInt32("600", 8));
            byte[] record = Encoding.UTF8.GetBytes(name + "\n");
            lockFile.SetLength(0);
            lockFile.Write(record);
            lockFile.Flush();
            Link(candidate, name, create: true);
            return new Allocation(candidate, candidate, lockFile);
        }
        throw new ExecSetupException($"Failed to set up dynamic user {name}: no free ID in {First}-{Last} after {Tries} tries");
    }

    private void Give(string name)
    {
        if (!_byName.TryGetValue(name, out var allocation) || --allocation.References > 0)
            return;
        _byName.Remove(name);
        if (allocation.LockFile is not { } lockFile)
            return;
        File.Delete(Path.Combine(directory, allocation.Id.ToString(CultureInfo.InvariantCulture)));
        Link(allocation.Id, name, create: false);
        lockFile.Dispose();
    }

    /// <summary>The "direct:" lookup links: direct:ID → NAME and direct:NAME → ID.</summary>
    private void Link(uint id, string name, bool create)
    {
        string idText = id.ToString(CultureInfo.InvariantCulture);
        foreach (var (link, target) in new[] { ("direct:" + idText, name), ("direct:" + name, idText) })
        {
            string path = Path.Combine(directory, link);
            File.Delete(path);
            if (create)
                File.CreateSymbolicLink(path, target);
        }
    }

    private static IEnumerable<uint> Candidates(string name, IEnumerable<string> suggestedPaths)
    {
        foreach (string path in suggestedPaths)
        {
            if (Libc.OwnerOf(path) is { } owner)
                yield return owner;
        }
        yield return Clamp(Fnv1a(name));
        while (true)
            yield return Clamp((uint)Random.Shared.Next());
    }

    public static bool IsDynamic(uint id) => id is >= First and <= Last;

    private static uint Clamp(uint value) => value % (Last - First + 1) + First;

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 16777619;
        return hash;
    }
}
