using Units.Daemon.Tests.Harness;
using Units.DBus;

namespace Units.Daemon.Tests;

/// <summary>
/// Ref/RefUnit hold a unit for as long as the client holding it is connected (systemd's bus_unit_track_add_sender,
/// counting): a referenced unit is not collected, Unref drops one of the caller's references, and a client that
/// leaves drops all of its own.
/// </summary>
public sealed class UnitReferenceTests
{
    private const string Systemd1 = "org.freedesktop.systemd1";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_referenced_unit_is_kept_until_its_client_unrefs_it_or_leaves()
    {
        var units = new Dictionary<string, string> { ["kept.service"] = "[Service]\nExecStart=/bin/true\n" };
        using ManagerInstance unitsd = ManagerInstance.Start("rf", Paths.Unitsd, units);
        string address = "unix:path=" + DBusAddress.Escape(Path.Combine(unitsd.InstanceDirectory, "xdg", "systemd", "private"));
        using DBusConnection observer = await DBusConnection.ConnectAsync(address);
        Assert.False(await IsLoadedAsync(observer, "kept.service"));

        var notFound = await Assert.ThrowsAsync<DBusException>(() => CallAsync(observer, "RefUnit", "ghost.service"));
        Assert.Equal(("org.freedesktop.systemd1.NoSuchUnit", "Unit ghost.service not found."), (notFound.ErrorName, notFound.Message));

        using (DBusConnection holder = await DBusConnection.ConnectAsync(address))
        {
            await CallAsync(holder, "RefUnit", "kept.service");
            await CallAsync(holder, "RefUnit", "kept.service");
            Assert.True(await IsLoadedAsync(observer, "kept.service"));
            await CallAsync(holder, "UnrefUnit", "kept.service");
            Assert.True(await IsLoadedAsync(observer, "kept.service"));
            // Nobody drops references they do not hold.
            var notHeld = await Assert.ThrowsAsync<DBusException>(() => CallAsync(observer, "UnrefUnit", "kept.service"));
            Assert.Equal(("org.freedesktop.systemd1.NotReferenced", "Unit has not been referenced yet."), (notHeld.ErrorName, notHeld.Message));
            Assert.True(await IsLoadedAsync(observer, "kept.service"));
        }
        // The holder left with one reference: the unit goes (UnitRemoved reaches every private connection).
        TaskCompletionSource removed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using (await observer.AddMatchAsync(new MatchRule { Interface = Systemd1 + ".Manager", Member = "UnitRemoved" }.WithArg(0, "kept.service"),
            _ => removed.TrySetResult()))
        {
            if (await IsLoadedAsync(observer, "kept.service"))
                await removed.Task.WaitAsync(s_wait);
        }
        Assert.False(await IsLoadedAsync(observer, "kept.service"));

        // The last reference dropped by Unref lets the unit go at once.
        await CallAsync(observer, "RefUnit", "kept.service");
        await CallAsync(observer, "UnrefUnit", "kept.service");
        Assert.False(await IsLoadedAsync(observer, "kept.service"));
    }

    private static async Task CallAsync(DBusConnection connection, string member, string unit)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(Systemd1, "/org/freedesktop/systemd1", Systemd1 + ".Manager", member, "s");
        call.WriteString(unit.AsSpan());
        (await connection.CallAsync(call.Finish(), s_wait)).Dispose();
    }

    /// <summary>GetUnit answers for loaded units only (it does not load).</summary>
    private static async Task<bool> IsLoadedAsync(DBusConnection connection, string unit)
    {
        try
        {
            await CallAsync(connection, "GetUnit", unit);
            return true;
        }
        catch (DBusException e) when (e.ErrorName == "org.freedesktop.systemd1.NoSuchUnit")
        {
            return false;
        }
    }
}
