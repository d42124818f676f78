using System.Diagnostics;
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

    private static string Busctl(string address, params string[] args)
    {
        var start = new ProcessStartInfo("busctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--address=" + address);
        start.ArgumentList.Add("--no-pager");
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), $"busctl {string.Join(' ', args)} did not finish");
        Assert.True(process.ExitCode == 0, $"busctl {string.Join(' ', args)} failed ({process.ExitCode}): {error.Result}");
        return output;
    }
}
