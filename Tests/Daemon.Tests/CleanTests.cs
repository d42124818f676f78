using Units.Daemon.Tests.Harness;
using Units.DBus;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>
/// Clean (systemctl clean; CleanUnit and Unit.Clean): what a unit keeps between runs is removed while it is inactive,
/// with the same errors, states and results as systemd 252. systemctl clean needs a real bus (and systemd refuses
/// busctl's calls on the private socket), so the test calls CleanUnit itself, as systemctl does.
/// </summary>
public sealed class CleanTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> s_units = new()
    {
        ["keep.service"] = "[Service]\nType=oneshot\nStateDirectory=keep\nLogsDirectory=keep\nRuntimeDirectory=keep\nRuntimeDirectoryPreserve=yes\n"
            + "ExecStart=/bin/sh -c 'echo s > \"$STATE_DIRECTORY/f\"; echo l > \"$LOGS_DIRECTORY/f\"; echo r > \"$RUNTIME_DIRECTORY/f\"'\n",
        ["up.service"] = "[Service]\nStateDirectory=up\nExecStart=/bin/sleep infinity\n",
        ["stamp.timer"] = "[Timer]\nOnCalendar=*-*-* 04:00:00\nPersistent=yes\nUnit=keep.service\n",
        ["plain.timer"] = "[Timer]\nOnCalendar=*-*-* 04:00:00\nUnit=keep.service\n",
    };

    [Fact]
    public void Clean_removes_the_chosen_directories_of_an_inactive_unit_and_refuses_as_systemd_does()
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_units);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_units);
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            Assert.Equal(0, manager.Ctl("start", "keep.service").ExitCode);
            Assert.True(File.Exists(State(manager, "keep/f")));
        }
        Compare(systemd, unitsd, "show", "-p", "CanClean", "keep.service", "up.service", "stamp.timer", "plain.timer", "basic.target");

        // state and logs go (with their DynamicUser= twins under private/), the runtime directory stays.
        Same(systemd, unitsd, "keep.service", "state", "logs");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            // Cleaning runs in a control process: the unit is "maintenance"/"cleaning" until it is done.
            Wait.ForProperty(manager, "keep.service", "SubState", "dead");
            Assert.False(Directory.Exists(State(manager, "keep")));
            Assert.False(Directory.Exists(State(manager, "log/keep")));
            Assert.True(File.Exists(Path.Combine(manager.InstanceDirectory, "xdg", "keep", "f")));
        }
        Compare(systemd, unitsd, "show", "-p", "ActiveState,SubState,Result,CleanResult", "keep.service");
        Same(systemd, unitsd, "keep.service", "all");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
        {
            // Cleaning runs in a control process: the unit is "maintenance"/"cleaning" until it is done.
            Wait.ForProperty(manager, "keep.service", "SubState", "dead");
            Assert.False(Directory.Exists(Path.Combine(manager.InstanceDirectory, "xdg", "keep")));
        }

        // The refusals: nothing of that kind configured, a running unit, a type that cannot clean, a bad name.
        Same(systemd, unitsd, "keep.service", "cache");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            Assert.Equal(0, manager.Ctl("start", "up.service").ExitCode);
        Same(systemd, unitsd, "up.service", "state");
        Same(systemd, unitsd, "basic.target", "all");
        Same(systemd, unitsd, "keep.service", "bogus");
        Same(systemd, unitsd, "missing.service", "all");

        // A Persistent= timer's stamp file is its state: cleaned once the timer is stopped; not while it waits.
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            Assert.Equal(0, manager.Ctl("start", "stamp.timer").ExitCode);
        Same(systemd, unitsd, "stamp.timer", "state");
        foreach (ManagerInstance manager in new[] { systemd, unitsd })
            Assert.Equal(0, manager.Ctl("stop", "stamp.timer").ExitCode);
        Same(systemd, unitsd, "stamp.timer", "state");
        Same(systemd, unitsd, "plain.timer", "state");
    }

    /// <summary>A path under the instance's XDG_CONFIG_HOME, where a user manager keeps StateDirectory= and, below
    /// log/, LogsDirectory=.</summary>
    private static string State(ManagerInstance manager, string relative) => Path.Combine(manager.InstanceDirectory, "config", relative);

    /// <summary>CleanUnit over the private socket: its empty reply, or the error's name and message.</summary>
    private static string CleanUnit(ManagerInstance manager, string unit, string[] types)
    {
        string address = "unix:path=" + DBusAddress.Escape(Path.Combine(manager.InstanceDirectory, "xdg", "systemd", "private"));
        using DBusConnection connection = DBusConnection.ConnectAsync(address).GetAwaiter().GetResult();
        MessageWriter call = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager", "CleanUnit", "sas");
        call.WriteString(unit.AsSpan());
        ArrayStart array = call.WriteArrayStart('s');
        foreach (string type in types)
            call.WriteString(type.AsSpan());
        call.WriteArrayEnd(array);
        try
        {
            connection.CallAsync(call.Finish(), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().Dispose();
            return "ok";
        }
        catch (DBusException e)
        {
            return $"{e.ErrorName}: {e.Message}";
        }
    }

    /// <summary>The same call on both managers answers the same (an empty reply, or the same error).</summary>
    private void Same(ManagerInstance systemd, ManagerInstance unitsd, string unit, params string[] types)
    {
        string expected = CleanUnit(systemd, unit, types), actual = CleanUnit(unitsd, unit, types);
        output.WriteLine($"CleanUnit {unit} [{string.Join(", ", types)}]\nsystemd: {expected}\nunitsd: {actual}");
        Assert.Equal(expected, actual);
    }

    private void Compare(ManagerInstance systemd, ManagerInstance unitsd, params string[] command)
    {
        CommandResult expected = systemd.Ctl(command), actual = unitsd.Ctl(command);
        output.WriteLine($"systemctl {string.Join(' ', command)}\nsystemd:\n{expected.Output}{expected.Error}\nunitsd:\n{actual.Output}{actual.Error}");
        Assert.Equal((expected.ExitCode, expected.Output, expected.Error), (actual.ExitCode, actual.Output, actual.Error));
    }
}
