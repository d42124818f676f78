namespace Units.DBus.Tests;

/// <summary>Our client against the real systemd 252 user manager (sd-bus server side) on its private
/// peer-to-peer socket, run isolated by reference-systemd/run-systemd.sh.</summary>
public sealed class SystemdInteropTests
{
    private const string Script = "/work/shared/reference-systemd/run-systemd.sh";

    [Fact]
    public async Task Our_client_reads_every_manager_property_from_systemd_252()
    {
        Assert.True(File.Exists(Script), $"{Script} is missing: it runs the reference systemd 252");
        string name = "dbus-" + Guid.NewGuid().ToString("N")[..8];
        await Tool.OkAsync(Script, "start", name);
        try
        {
            string root = Environment.GetEnvironmentVariable("SDREF_ROOT") ?? Path.Combine(Environment.GetEnvironmentVariable("TMPDIR") ?? "/tmp", "sdref/inst");
            string socket = Path.Combine(root, name, "xdg/systemd/private");
            // As systemctl does: EXTERNAL without an initial response, fds negotiated.
            using DBusConnection manager = await DBusConnection.ConnectAsync("unix:path=" + DBusAddress.Escape(socket),
                new DBusConnectionOptions { AuthMechanisms = [ClientAuthMechanism.External] });
            Assert.True(manager.UnixFdsEnabled);

            MessageWriter call = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", "/org/freedesktop/systemd1", StandardInterfaces.Properties, "GetAll", "s");
            call.WriteString("");
            using Message reply = await manager.CallAsync(call.Finish());
            Assert.Equal("org.freedesktop.systemd1", reply.Sender);
            Assert.Equal("a{sv}", reply.Signature);
            DBusValue properties = reply.GetBodyReader().ReadValue("a{sv}");
            Assert.True(properties.Items.Count >= 100, $"only {properties.Items.Count} properties");
            Assert.StartsWith("252", properties.GetDictionaryValue("Version")!.VariantValue.AsString());
            Assert.Equal("t", properties.GetDictionaryValue("UserspaceTimestamp")!.VariantValue.Signature);
            Assert.Equal("as", properties.GetDictionaryValue("Environment")!.VariantValue.Signature);

            MessageWriter missing = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetUnit", "s");
            missing.WriteString("nosuch.service");
            MessageBuffer request = missing.Finish();
            DBusException error = await Assert.ThrowsAsync<DBusException>(() => manager.CallAsync(request));
            Assert.Equal("org.freedesktop.systemd1.NoSuchUnit", error.ErrorName);
        }
        finally
        {
            await Tool.RunAsync(Script, "stop", name);
        }
    }
}
