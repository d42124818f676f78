using System.Globalization;
using Units.Daemon.Tests.Harness;

namespace Units.Daemon.Tests;

/// <summary>DynamicUser= under real systemd 252 and under unitsd alike (a user instance run by root): a transient
/// ID from 61184–65519, recorded in /run/systemd/dynamic-uid while the unit runs, its state directory in
/// private/ behind a link, all given back when it stops.</summary>
public sealed class DynamicUserTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_dynamic_user_runs_the_service_and_is_given_back_at_stop(bool unitsd)
    {
        using ManagerInstance manager = ManagerInstance.Start("dyn", unitsd ? Paths.Unitsd : null);
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "dyn.service"),
            "[Service]\nDynamicUser=yes\nStateDirectory=dyn\n" +
            "ExecStart=/bin/sh -c 'id -u > $STATE_DIRECTORY/id.tmp; id -g >> $STATE_DIRECTORY/id.tmp; echo $USER >> $STATE_DIRECTORY/id.tmp; " +
            "mv $STATE_DIRECTORY/id.tmp $STATE_DIRECTORY/id; exec sleep infinity'\n");
        Assert.Equal(0, manager.Ctl("daemon-reload").ExitCode);

        CommandResult start = manager.Ctl("start", "dyn.service");
        Assert.True(start.ExitCode == 0, start.Error + manager.ManagerLog());
        Assert.Equal("User=dyn\nGroup=dyn\n", manager.Ctl("show", "-p", "User,Group", "dyn.service").Output);
        string config = Path.Combine(manager.InstanceDirectory, "config");
        Assert.Equal("private/dyn", new FileInfo(Path.Combine(config, "dyn")).LinkTarget);
        string idFile = Path.Combine(config, "private", "dyn", "id");
        Assert.True(Wait.ForFile(idFile), "the service never wrote its IDs");
        string[] ids = File.ReadAllLines(idFile);
        uint uid = uint.Parse(ids[0], CultureInfo.InvariantCulture);
        Assert.InRange(uid, 61184u, 65519u);
        Assert.Equal([ids[0], ids[0], "dyn"], ids);
        string record = Path.Combine("/run/systemd/dynamic-uid", ids[0]);
        Assert.Equal("dyn\n", manager.Enter("cat", record).Output);
        Assert.Equal("dyn\n", manager.Enter("readlink", "/run/systemd/dynamic-uid/direct:" + ids[0]).Output);

        Assert.Equal(0, manager.Ctl("stop", "dyn.service").ExitCode);
        Assert.Equal("", manager.Enter("ls", "/run/systemd/dynamic-uid").Output);
    }
}
