using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>The same unit files under real systemd 252 and under unitsd, the same systemctl commands: output and
/// exit status must be equal, apart from what differs by nature (see <see cref="ManagerInstance"/>).</summary>
public sealed class DifferentialTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> s_targets = new()
    {
        ["alpha.target"] = "[Unit]\nDescription=Alpha\nWants=beta.target\nAfter=beta.target\n",
        ["beta.target"] = "[Unit]\nDescription=Beta\n",
        ["gamma.target"] = "[Unit]\nDescription=Gamma needs a missing unit\nRequires=missing.target\n",
        ["delta.target"] = "[Unit]\nDescription=Delta refuses manual start\nRefuseManualStart=yes\n",
        ["iso.target"] = "[Unit]\nDescription=Isolatable\nAllowIsolate=yes\nWants=beta.target\n",
        ["cond.target"] = "[Unit]\nDescription=Conditional\nConditionPathExists=/nonexistent/path\n",
        ["inst.target"] = "[Unit]\nDescription=Installable\n[Install]\nWantedBy=default.target\n",
        ["web.service"] = "[Unit]\nDescription=Long-running\n[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n[Install]\nWantedBy=default.target\n",
        ["once.service"] = "[Unit]\nDescription=Oneshot\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
        ["bad.service"] = "[Unit]\nDescription=Fails\n[Service]\nType=oneshot\nExecStart=/bin/false\n",
        // Failed units stay loaded, so their start limit's history does (an inactive unit is collected, and forgets).
        ["limited.service"] = "[Unit]\nDescription=Start-limited\nStartLimitBurst=2\nStartLimitIntervalSec=1h\n[Service]\nType=oneshot\nExecStart=/bin/false\n",
        ["note.service"] = "[Unit]\nDescription=Notifies\n[Service]\nType=notify\nNotifyAccess=all\nExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep infinity'\n",
    };

    /// <summary>What an "edit NAME" step writes over NAME in both unit directories (before a daemon-reload).</summary>
    private static readonly Dictionary<string, string> s_edits = new()
    {
        ["web.service"] = "[Unit]\nDescription=Long-running, edited\nWants=beta.target\n[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n[Install]\nWantedBy=default.target\n",
        ["beta.target"] = "[Unit]\nDescription=Beta, edited\nAfter=gamma.target\n",
    };

    /// <summary>Scenarios: commands run in order on both managers, each compared, so state carries over; "edit NAME"
    /// rewrites a unit file (see <see cref="s_edits"/>) on both. status runs with -n 0: under run-systemd.sh
    /// systemd has no journald, while unitsd keeps its own journal.</summary>
    public static TheoryData<string> Scenarios => new()
    {
        "is-system-running ; get-default ; show-environment ; list-jobs --no-pager",
        "list-unit-files --no-pager ; is-enabled inst.target alpha.target ; list-unit-files --no-pager --state=static",
        "start alpha.target ; is-active alpha.target beta.target ; list-units --all --no-pager *.target ; status alpha.target --no-pager -n 0",
        "start alpha.target ; stop alpha.target ; is-active alpha.target beta.target ; is-failed alpha.target",
        "start gamma.target ; is-active gamma.target ; show -p LoadState,LoadError,ActiveState gamma.target missing.target",
        "start delta.target ; start nosuch.target ; status nosuch.service --no-pager -n 0 ; is-active delta.target",
        "start cond.target ; show -p ConditionResult,ActiveState cond.target",
        "show -p Id,Names,Description,LoadState,ActiveState,SubState,Wants,After,CanStart,CanIsolate alpha.target",
        "isolate alpha.target ; isolate iso.target ; list-units --all --no-pager *.target ; is-active alpha.target beta.target iso.target",
        "start --no-block alpha.target ; list-units --all --no-pager *.target",
        "enable inst.target ; is-enabled inst.target ; reenable inst.target ; disable inst.target ; is-enabled inst.target",
        "mask beta.target ; is-enabled beta.target ; start beta.target ; unmask beta.target ; is-enabled beta.target ; start beta.target",
        "enable --now inst.target ; is-active inst.target ; disable --now inst.target ; is-active inst.target",
        "start web.service ; is-active web.service ; show -p ActiveState,SubState,Result,NRestarts,Type,Restart web.service ; reload web.service ; restart web.service ; try-restart web.service ; reload-or-restart web.service ; stop web.service ; is-active web.service",
        "start once.service ; show -p ActiveState,SubState,Result,ExecMainCode,ExecMainStatus once.service ; status once.service --no-pager -n 0 ; stop once.service ; status once.service --no-pager -n 0",
        "start bad.service ; is-failed bad.service ; show -p ActiveState,SubState,Result,ExecMainCode,ExecMainStatus bad.service ; reset-failed bad.service ; is-failed bad.service",
        "start limited.service ; start limited.service ; start limited.service ; show -p Result,ActiveState,SubState limited.service ; is-failed limited.service ; reset-failed limited.service ; start limited.service ; show -p Result,ActiveState limited.service",
        "start note.service ; show -p ActiveState,SubState,Type note.service ; kill note.service ; is-active note.service",
        "start web.service ; list-dependencies web.service --no-pager ; list-dependencies --reverse web.service --no-pager ; cat once.service ; list-timers --no-pager ; list-sockets --no-pager",
        "set-environment FOO=bar ; show-environment ; unset-environment FOO ; show-environment",
        "start web.service ; edit web.service ; show -p Description,NeedDaemonReload,Wants web.service ; daemon-reload ; show -p Description,NeedDaemonReload,Wants,ActiveState,SubState web.service ; status web.service --no-pager -n 0",
        "start alpha.target ; edit beta.target ; daemon-reload ; show -p Description,After,ActiveState beta.target ; list-units --all --no-pager *.target ; daemon-reload ; is-active alpha.target beta.target",
        "get-default ; set-default alpha.target ; get-default ; is-enabled alpha.target ; set-default iso.target ; get-default ; set-default nosuch.target ; get-default",
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Systemctl_sees_the_same_on_both_managers(string scenario)
    {
        using ManagerInstance systemd = ManagerInstance.Start("sd", binary: null, s_targets);
        using ManagerInstance unitsd = ManagerInstance.Start("us", Paths.Unitsd, s_targets);
        foreach (string command in scenario.Split(" ; "))
        {
            string[] args = command.Split(' ');
            if (args is ["edit", string file])
            {
                File.WriteAllText(Path.Combine(systemd.UnitDirectory, file), s_edits[file]);
                File.WriteAllText(Path.Combine(unitsd.UnitDirectory, file), s_edits[file]);
                continue;
            }
            CommandResult expected = systemd.Ctl(args);
            CommandResult actual = unitsd.Ctl(args);
            output.WriteLine($"$ systemctl {command}\nsystemd ({expected.ExitCode}):\n{expected.Output}{expected.Error}\nunitsd ({actual.ExitCode}):\n{actual.Output}{actual.Error}");
            Assert.Equal(expected.Output, actual.Output);
            Assert.Equal(expected.Error, actual.Error);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
        }
    }
}
