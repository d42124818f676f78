using Units.DBus;

namespace Units.Api.Tests;

public sealed class BusAccessTests
{
    [Theory]
    [InlineData("org.freedesktop.DBus.Properties", "Get", true)]
    [InlineData("org.freedesktop.DBus.Properties", "GetAll", true)]
    [InlineData("org.freedesktop.DBus.Properties", "Set", false)]
    [InlineData("org.freedesktop.DBus.Introspectable", "Introspect", true)]
    [InlineData("org.freedesktop.systemd1.Manager", "ListUnits", true)]
    [InlineData("org.freedesktop.systemd1.Manager", "Subscribe", true)]
    [InlineData("org.freedesktop.systemd1.Manager", "GetUnitFileState", true)]
    [InlineData("org.freedesktop.systemd1.Manager", "StartUnit", false)]
    [InlineData("org.freedesktop.systemd1.Manager", "Reload", false)]
    [InlineData("org.freedesktop.systemd1.Manager", "SetUnitProperties", false)]
    [InlineData("org.freedesktop.systemd1.Manager", "EnableUnitFiles", false)]
    [InlineData("org.freedesktop.systemd1.Unit", "Start", false)]
    [InlineData("org.freedesktop.systemd1.Service", "GetProcesses", true)]
    [InlineData("org.freedesktop.systemd1.Job", "Cancel", false)]
    [InlineData(null, "GetUnit", true)]
    [InlineData(null, "StopUnit", false)]
    public void Reads_are_open_and_everything_else_changes_state(string? iface, string member, bool read)
        => Assert.Equal(read, BusAccess.IsRead(iface, member));

    [Theory]
    [InlineData(0u, null, true)]
    [InlineData(1000u, null, true)]
    [InlineData(1001u, null, false)]
    [InlineData(1001u, new uint[] { 50, 27 }, true)]
    [InlineData(1001u, new uint[] { 50 }, false)]
    public void Root_the_managers_user_and_the_admin_group_are_privileged(uint uid, uint[]? groups, bool privileged)
        => Assert.Equal(privileged, new BusAccess(ownUserId: 1000, adminGroupId: 27).IsPrivileged(new BusCredentials(uid, groups, 1)));

    [Fact]
    public void Without_an_admin_group_only_root_and_the_managers_user_are_privileged()
    {
        var access = new BusAccess(ownUserId: 0, adminGroupId: null);
        Assert.False(access.IsPrivileged(new BusCredentials(1001, [0, 27], 1)));
        Assert.False(access.IsPrivileged(new BusCredentials(null, null, null)));
        Assert.True(access.IsPrivileged(new BusCredentials(0, null, null)));
    }
}
