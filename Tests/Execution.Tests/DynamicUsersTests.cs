using System.Globalization;
using Units.Execution.Spawning;

namespace Units.Execution.Tests;

/// <summary>DynamicUser='s allocation: IDs in systemd's range, recorded and locked as systemd records them, shared by
/// name, given back by the last user; static users are used as they are.</summary>
public sealed class DynamicUsersTests
{
    [Fact]
    public void A_new_name_gets_a_locked_id_in_the_dynamic_range_shared_until_the_last_release()
    {
        string directory = Path.Combine(TestDirectory.Create(), "dynamic-uid");
        var users = new DynamicUsers(directory);

        DynamicCredentials first = users.Acquire("unitsdyntest", "unitsdyntest", []);
        Assert.InRange(first.Uid, DynamicUsers.First, DynamicUsers.Last);
        Assert.Equal(first.Uid, first.Gid);
        string id = first.Uid.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("unitsdyntest\n", Processes.Shell($"cat {directory}/{id}").Output);
        Assert.Equal("unitsdyntest", new FileInfo(Path.Combine(directory, "direct:" + id)).LinkTarget);
        Assert.Equal(id, new FileInfo(Path.Combine(directory, "direct:unitsdyntest")).LinkTarget);

        DynamicCredentials second = users.Acquire("unitsdyntest", "unitsdyntest", []);
        Assert.Equal(first, second);
        // Another manager's allocator sees the ID locked and picks another.
        var other = new DynamicUsers(directory);
        DynamicCredentials elsewhere = other.Acquire("unitsdyntest", "unitsdyntest", []);
        Assert.NotEqual(first.Uid, elsewhere.Uid);
        other.Release(elsewhere);

        users.Release(first);
        Assert.True(File.Exists(Path.Combine(directory, id)));
        users.Release(second);
        Assert.False(File.Exists(Path.Combine(directory, id)));
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    public void The_owner_of_an_existing_state_directory_is_reused()
    {
        string root = TestDirectory.Create();
        string state = Path.Combine(root, "state");
        Directory.CreateDirectory(state);
        var (exit, _) = Processes.Shell($"chown 61999:61999 {state}");
        Assert.True(exit.Succeeded);
        var users = new DynamicUsers(Path.Combine(root, "dynamic-uid"));
        DynamicCredentials credentials = users.Acquire("unitsdynreuse", "unitsdynreuse", [state]);
        Assert.Equal(61999u, credentials.Uid);
        users.Release(credentials);
    }

    [Fact]
    public void A_static_user_is_used_as_it_is()
    {
        string directory = Path.Combine(TestDirectory.Create(), "dynamic-uid");
        var users = new DynamicUsers(directory);
        DynamicCredentials root = users.Acquire("root", "root", []);
        Assert.Equal(new DynamicCredentials("root", "root", 0, 0), root);
        Assert.False(Directory.Exists(directory));
        users.Release(root);
    }
}
