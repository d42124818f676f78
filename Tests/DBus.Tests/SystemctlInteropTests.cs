namespace Units.DBus.Tests;

/// <summary>systemctl 252 itself (sd-bus, pipelined authentication, direct connection) against our server
/// on $XDG_RUNTIME_DIR/systemd/private, with just enough of org.freedesktop.systemd1 to answer is-active.</summary>
public sealed class SystemctlInteropTests
{
    private sealed class UnitInterface() : DBusInterface(new InterfaceDescription("org.freedesktop.systemd1.Unit",
        properties: [new PropertyDescription("ActiveState", "s", EmitsChangedSignal: "true")]))
    {
        public override bool TryWriteProperty(string name, ref MessageWriter writer)
        {
            if (name != "ActiveState")
                return false;
            writer.WriteVariantString("active");
            return true;
        }
    }

    [Fact]
    public async Task Systemctl_is_active_reads_a_property_from_our_server()
    {
        using var runtime = new TempDir();
        Directory.CreateDirectory(runtime.File("systemd"));
        var objects = new ObjectTree();
        objects.AddSubtree("/org/freedesktop/systemd1/unit",
            path => path == "/org/freedesktop/systemd1/unit/x_2eservice" ? new DBusObject(path, new UnitInterface()) : null);
        using DBusServer server = DBusServer.Listen("unix:path=" + runtime.File("systemd/private"),
            new DBusServerOptions { Objects = objects, Sender = "org.freedesktop.systemd1" });

        string output = await Tool.OkAsync("/usr/bin/env", "XDG_RUNTIME_DIR=" + runtime.Path, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
            "systemctl", "--user", "is-active", "x.service");
        Assert.Equal("active", output.Trim());
    }
}
