using System.Diagnostics;

namespace Units.DBus.Tests;

/// <summary>A private dbus-daemon (Debian's) on a socket in a temp dir, for the duration of a test.</summary>
internal sealed class DBusDaemon : IDisposable
{
    private readonly TempDir _dir;
    private readonly Process _process;

    private DBusDaemon(TempDir dir, Process process, string address)
    {
        _dir = dir;
        _process = process;
        Address = address;
    }

    /// <summary>The address the daemon printed (unix:path=…,guid=…).</summary>
    public string Address { get; }

    public static async Task<DBusDaemon> StartAsync()
    {
        Assert.True(File.Exists("/usr/bin/dbus-daemon"), "dbus-daemon is not installed (Debian package dbus-daemon)");
        var dir = new TempDir();
        string config = dir.File("bus.conf");
        await File.WriteAllTextAsync(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path={dir.File("bus")}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
                <allow user="*"/>
              </policy>
            </busconfig>
            """);
        var start = new ProcessStartInfo("/usr/bin/dbus-daemon")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--nofork");
        start.ArgumentList.Add("--print-address");
        start.ArgumentList.Add("--config-file=" + config);
        Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string? address = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.False(string.IsNullOrEmpty(address), "dbus-daemon did not print its address");
        return new DBusDaemon(dir, process, address!);
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _dir.Dispose();
    }
}
