using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>sd-bus's busctl, pointed at unitsd's private socket, introspects, walks, calls and reads properties.
/// (busctl sends Hello first; systemd's own private socket refuses it, unitsd answers like a bus would.)</summary>
public sealed class BusctlTests
{
    [Fact]
    public void Busctl_introspects_walks_calls_and_reads_properties_on_unitsd()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("bc", Paths.Unitsd);
        string address = "unix:path=" + Path.Combine(unitsd.InstanceDirectory, "xdg", "systemd", "private");

        string introspection = Busctl(address, "introspect", "org.freedesktop.systemd1", "/org/freedesktop/systemd1");
        Assert.Contains(".StartUnit", introspection, StringComparison.Ordinal);
        Assert.Contains(".JobRemoved", introspection, StringComparison.Ordinal);

        string tree = Busctl(address, "tree", "org.freedesktop.systemd1");
        Assert.Contains("/org/freedesktop/systemd1/unit/default_2etarget", tree, StringComparison.Ordinal);
        Assert.Contains("/org/freedesktop/systemd1/job", tree, StringComparison.Ordinal);

        Assert.Equal("o \"/org/freedesktop/systemd1/unit/default_2etarget\"",
            Busctl(address, "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetUnit", "s", "default.target").Trim());
        Assert.Equal("s \"active\"",
            Busctl(address, "get-property", "org.freedesktop.systemd1", "/org/freedesktop/systemd1/unit/default_2etarget", "org.freedesktop.systemd1.Unit", "ActiveState").Trim());
        Assert.Equal("as 0",
            Busctl(address, "get-property", "org.freedesktop.systemd1", "/org/freedesktop/systemd1/unit/default_2etarget", "org.freedesktop.systemd1.Unit", "Requires").Trim());
    }

    /// <summary>A started unit's InvocationID names it through GetUnitByInvocationID, whose path addresses the unit by
    /// that ID (as systemd's does); a restart is a new activation with a new ID.</summary>
    [Fact]
    public void GetUnitByInvocationID_finds_the_unit_of_its_current_activation()
    {
        using ManagerInstance unitsd = ManagerInstance.Start("bc", Paths.Unitsd, new Dictionary<string, string>
        {
            ["idle.service"] = "[Service]\nExecStart=/bin/sleep infinity\n",
        });
        string address = "unix:path=" + Path.Combine(unitsd.InstanceDirectory, "xdg", "systemd", "private");
        Assert.Equal(0, unitsd.Ctl("start", "idle.service").ExitCode);
        string first = unitsd.Ctl("show", "-p", "InvocationID", "--value", "idle.service").Output.Trim();
        Assert.Matches("^[0-9a-f]{32}$", first);

        string[] bytes = [.. Enumerable.Range(0, 16).Select(i => Convert.ToInt32(first.Substring(i * 2, 2), 16).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        // bus_label_escape: a leading digit is escaped.
        string path = "/org/freedesktop/systemd1/unit/" + (char.IsAsciiDigit(first[0]) ? "_3" + first : first);
        string[] call = ["call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
            "GetUnitByInvocationID", "ay", "16", .. bytes];
        Assert.Equal($"o \"{path}\"", Busctl(address, call).Trim());
        Assert.Equal("s \"idle.service\"",
            Busctl(address, "get-property", "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit", "Id").Trim());

        Assert.Equal(0, unitsd.Ctl("restart", "idle.service").ExitCode);
        string second = unitsd.Ctl("show", "-p", "InvocationID", "--value", "idle.service").Output.Trim();
        Assert.Matches("^[0-9a-f]{32}$", second);
        Assert.NotEqual(first, second);
        CommandResult gone = BusctlResult(address, call);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains($"No unit with the specified invocation ID {first} known.", gone.Error, StringComparison.Ordinal);
    }

    private static string Busctl(string address, params string[] args)
    {
        CommandResult result = BusctlResult(address, args);
        Assert.True(result.ExitCode == 0, $"busctl {string.Join(' ', args)} failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }

    private static CommandResult BusctlResult(string address, params string[] args) =>
        Command.Run("busctl", ["--address=" + address, "--no-pager", .. args], TimeSpan.FromSeconds(30));
}
