using Units.UnitFiles.Install;

namespace Units.UnitFiles.Tests.Install;

/// <summary>
/// Differential tests: each case runs an installation operation with our <see cref="UnitFileInstaller"/> on one
/// copy of a tree and with the real systemctl 252 (--root=DIR, offline) on another, then requires the same
/// symlinks and files, the same printed change lines ("Created symlink …", "Removed …", errors), the same
/// success, the same is-enabled answers and the same list-unit-files output.
/// </summary>
public sealed class InstallDifferentialTests
{
    private const string Vendor = "usr/lib/systemd/system/";
    private const string Etc = "etc/systemd/system/";
    private const string Run = "run/systemd/system/";

    private static InstallCase Case(string name, Action<InstallTree> setup, string[] args, Func<UnitFileInstaller, InstallResult>? ours,
        string verb, params string[] query) => new(name, setup, args, ours, verb, query);

    private static readonly InstallCase[] Cases =
    [
        // ---- enable: [Install] rules -------------------------------------------------------------
        Case("enable WantedBy", t => t.Installable("a.service", "WantedBy=multi-user.target").Unit("multi-user.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "multi-user.target"),
        Case("enable RequiredBy to a missing target", t => t.Installable("a.service", "RequiredBy=b.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable several WantedBy and RequiredBy", t => t.Installable("a.service", "WantedBy=x.target y.target", "RequiredBy=z.target").Unit("x.target").Unit("y.target").Unit("z.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable with UpheldBy only (unknown to 252's [Install])", t => t.Installable("a.service", "UpheldBy=multi-user.target").Unit("multi-user.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable Alias", t => t.Installable("a.service", "Alias=b.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "b.service"),
        Case("enable Alias and WantedBy", t => t.Installable("a.service", "Alias=b.service c.service", "WantedBy=multi-user.target").Unit("multi-user.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "b.service", "c.service"),
        Case("enable Alias of another type is refused", t => t.Installable("a.service", "Alias=b.socket", "WantedBy=multi-user.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable Also chain", t => t.Installable("a.service", "Also=b.service").Installable("b.service", "Also=c.socket").Installable("c.socket", "WantedBy=sockets.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "b.service", "c.socket"),
        Case("enable Also naming a missing unit", t => t.Installable("a.service", "WantedBy=multi-user.target", "Also=gone.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable a static unit prints the notice", t => t.Unit("a.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable a missing unit fails", t => t.Unit("b.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "b.service"),
        Case("enable a masked unit fails", t => t.Installable("a.service", "WantedBy=multi-user.target").Symlink(Etc + "a.service", "/dev/null"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable --runtime", t => t.Installable("a.service", "WantedBy=multi-user.target", "Alias=b.service"),
            ["enable", "--runtime", "a.service"], i => i.Enable(["a.service"], InstallFlags.Runtime), "enable", "a.service", "b.service"),
        Case("enable with specifiers %p %i %n", t => t.Installable("web@.service", "WantedBy=%p.target", "Alias=site@%i.service", "DefaultInstance=main").Unit("web.target"),
            ["enable", "web@.service"], i => i.Enable(["web@.service"]), "enable", "web@.service", "web@main.service", "site@main.service"),
        Case("enable alias conflicting with an existing link fails", t => t.Installable("a.service", "Alias=b.service").Unit("c.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/c.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "b.service"),
        Case("enable --force replaces a conflicting alias", t => t.Installable("a.service", "Alias=b.service").Unit("c.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/c.service"),
            ["enable", "--force", "a.service"], i => i.Enable(["a.service"], InstallFlags.Force), "enable", "a.service", "b.service"),
        Case("enable a unit already enabled changes nothing", t => t.Installable("a.service", "WantedBy=multi-user.target").Symlink(Etc + "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable reads [Install] from drop-ins", t => t.Installable("a.service", "WantedBy=x.target").File(Etc + "a.service.d/extra.conf", "[Install]\nWantedBy=y.target\nAlias=a2.service\n"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "a2.service"),
        Case("enable with an empty WantedBy= resetting the list", t => t.Installable("a.service", "WantedBy=x.target", "WantedBy=", "WantedBy=y.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),

        // ---- templates and instances -------------------------------------------------------------
        Case("enable template with DefaultInstance", t => t.Installable("getty@.service", "WantedBy=getty.target", "DefaultInstance=tty1").Unit("getty.target"),
            ["enable", "getty@.service"], i => i.Enable(["getty@.service"]), "enable", "getty@.service", "getty@tty1.service", "getty@tty2.service"),
        Case("enable explicit instance", t => t.Installable("getty@.service", "WantedBy=getty.target"),
            ["enable", "getty@tty3.service"], i => i.Enable(["getty@tty3.service"]), "enable", "getty@.service", "getty@tty3.service", "getty@tty4.service"),
        Case("enable template without instance fails", t => t.Installable("getty@.service", "WantedBy=getty.target"),
            ["enable", "getty@.service"], i => i.Enable(["getty@.service"]), "enable", "getty@.service"),
        Case("enable instance of a template with DefaultInstance", t => t.Installable("x@.service", "WantedBy=multi-user.target", "DefaultInstance=one"),
            ["enable", "x@two.service"], i => i.Enable(["x@two.service"]), "enable", "x@.service", "x@one.service", "x@two.service"),
        Case("template instance propagation into a template target", t => t.Installable("worker@.service", "WantedBy=pool@.target").Unit("pool@.target"),
            ["enable", "worker@a.service"], i => i.Enable(["worker@a.service"]), "enable", "worker@.service", "worker@a.service"),
        Case("instance statically enabled from the vendor directory", t => t.Installable("x@.service", "WantedBy=multi-user.target").Symlink(Vendor + "multi-user.target.wants/x@v.service", "../x@.service"),
            [], null, "is-enabled", "x@v.service", "x@w.service", "x@.service"),
        Case("disable an instance", t => t.Installable("x@.service", "WantedBy=multi-user.target").Symlink(Etc + "multi-user.target.wants/x@a.service", "/usr/lib/systemd/system/x@.service").Symlink(Etc + "multi-user.target.wants/x@b.service", "/usr/lib/systemd/system/x@.service"),
            ["disable", "x@a.service"], i => i.Disable(["x@a.service"]), "disable", "x@a.service", "x@b.service", "x@.service"),

        // ---- disable and reenable ----------------------------------------------------------------
        Case("disable an enabled unit", t => t.Installable("a.service", "WantedBy=multi-user.target", "Alias=b.service").Symlink(Etc + "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/a.service"),
            ["disable", "a.service"], i => i.Disable(["a.service"]), "disable", "a.service", "b.service"),
        Case("disable by alias name", t => t.Installable("a.service", "WantedBy=multi-user.target", "Alias=b.service").Symlink(Etc + "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/a.service"),
            ["disable", "b.service"], i => i.Disable(["b.service"]), "disable", "a.service", "b.service"),
        Case("disable a missing unit still removes leftovers", t => t.Symlink(Etc + "multi-user.target.wants/gone.service", "/usr/lib/systemd/system/gone.service"),
            ["disable", "gone.service"], i => i.Disable(["gone.service"]), "disable"),
        Case("disable a dangling alias", t => t.Symlink(Etc + "b.service", "/usr/lib/systemd/system/gone.service"),
            ["disable", "b.service"], i => i.Disable(["b.service"]), "disable"),
        Case("disable --runtime leaves /etc alone", t => t.Installable("a.service", "WantedBy=multi-user.target").Symlink(Etc + "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service").Symlink(Run + "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service"),
            ["disable", "--runtime", "a.service"], i => i.Disable(["a.service"], InstallFlags.Runtime), "disable", "a.service"),
        Case("disable with Also", t => t.Installable("a.service", "WantedBy=multi-user.target", "Also=a.socket").Installable("a.socket", "WantedBy=sockets.target").Symlink(Etc + "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service").Symlink(Etc + "sockets.target.wants/a.socket", "/usr/lib/systemd/system/a.socket"),
            ["disable", "a.service"], i => i.Disable(["a.service"]), "disable", "a.service", "a.socket"),
        Case("reenable moves a changed WantedBy", t => t.Installable("a.service", "WantedBy=new.target").Symlink(Etc + "old.target.wants/a.service", "/usr/lib/systemd/system/a.service"),
            ["reenable", "a.service"], i => i.Reenable(["a.service"]), "reenable", "a.service"),

        // ---- mask and unmask ---------------------------------------------------------------------
        Case("mask", t => t.Installable("a.service", "WantedBy=multi-user.target"),
            ["mask", "a.service"], i => i.Mask(["a.service"]), "mask", "a.service"),
        Case("mask a unit that does not exist", t => { },
            ["mask", "nothing.service"], i => i.Mask(["nothing.service"]), "mask", "nothing.service"),
        Case("mask --runtime", t => t.Installable("a.service", "WantedBy=multi-user.target"),
            ["mask", "--runtime", "a.service"], i => i.Mask(["a.service"], InstallFlags.Runtime), "mask", "a.service"),
        Case("mask over a unit file in /etc fails", t => t.Unit(Etc + "a.service"),
            ["mask", "a.service"], i => i.Mask(["a.service"]), "mask", "a.service"),
        Case("mask --force over an alias symlink", t => t.Unit("a.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/a.service"),
            ["mask", "--force", "b.service"], i => i.Mask(["b.service"], InstallFlags.Force), "mask", "a.service", "b.service"),
        Case("unmask", t => t.Installable("a.service", "WantedBy=multi-user.target").Symlink(Etc + "a.service", "/dev/null"),
            ["unmask", "a.service"], i => i.Unmask(["a.service"]), "unmask", "a.service"),
        Case("unmask --runtime", t => t.Installable("a.service", "WantedBy=multi-user.target").Symlink(Run + "a.service", "/dev/null"),
            ["unmask", "--runtime", "a.service"], i => i.Unmask(["a.service"], InstallFlags.Runtime), "unmask", "a.service"),
        Case("unmask removes links to the mask", t => t.Symlink(Etc + "a.service", "/dev/null").Symlink(Etc + "multi-user.target.wants/a.service", "/etc/systemd/system/a.service"),
            ["unmask", "a.service"], i => i.Unmask(["a.service"]), "unmask", "a.service"),
        Case("unmask a unit that is not masked", t => t.Unit("a.service"),
            ["unmask", "a.service"], i => i.Unmask(["a.service"]), "unmask", "a.service"),

        // ---- link --------------------------------------------------------------------------------
        Case("link a file outside the search path", t => t.Installable("opt/app/app.service", "WantedBy=multi-user.target"),
            ["link", "/opt/app/app.service"], i => i.Link(["/opt/app/app.service"]), "link", "app.service"),
        Case("enable by path links and enables", t => t.Installable("opt/app/app.service", "WantedBy=multi-user.target", "Alias=app2.service"),
            ["enable", "/opt/app/app.service"], i => i.Enable(["/opt/app/app.service"]), "enable", "app.service", "app2.service"),
        Case("link a file below the unit hierarchy fails", t => t.Unit("usr/lib/systemd/system/sub/a.service"),
            ["link", "/usr/lib/systemd/system/sub/a.service"], i => i.Link(["/usr/lib/systemd/system/sub/a.service"]), "link"),
        Case("linked and linked-runtime states", t => t.Unit("opt/a.service").Unit("opt/b.service").Symlink(Etc + "a.service", "/opt/a.service").Symlink(Run + "b.service", "/opt/b.service"),
            [], null, "is-enabled", "a.service", "b.service"),

        // ---- presets ------------------------------------------------------------------------------
        Case("preset with enable, disable and glob lines",
            t => t.Installable("a.service", "WantedBy=multi-user.target").Installable("b.service", "WantedBy=multi-user.target").Installable("c.service", "WantedBy=multi-user.target")
                  .Symlink(Etc + "multi-user.target.wants/b.service", "/usr/lib/systemd/system/b.service")
                  .File("usr/lib/systemd/system-preset/90-test.preset", "# test\nenable a.*\ndisable b.service\nignore c.service\nenable c.service\n"),
            ["preset", "a.service", "b.service", "c.service"], i => i.Preset(["a.service", "b.service", "c.service"]), "preset", "a.service", "b.service", "c.service"),
        Case("preset file in /etc overrides the vendor one",
            t => t.Installable("a.service", "WantedBy=multi-user.target")
                  .File("usr/lib/systemd/system-preset/50-x.preset", "enable a.service\n")
                  .File("etc/systemd/system-preset/50-x.preset", "disable *\n"),
            ["preset", "a.service"], i => i.Preset(["a.service"]), "preset", "a.service"),
        Case("preset-all",
            t => t.Installable("a.service", "WantedBy=multi-user.target").Installable("b.service", "WantedBy=multi-user.target").Unit("c.service")
                  .Installable("d@.service", "WantedBy=multi-user.target")
                  .Symlink(Etc + "multi-user.target.wants/b.service", "/usr/lib/systemd/system/b.service")
                  .File("usr/lib/systemd/system-preset/90-default.preset", "enable a.service\nenable d@.service x y\ndisable *\n"),
            ["preset-all"], i => i.PresetAll(), "preset", "a.service", "b.service", "c.service", "d@x.service", "d@z.service"),
        Case("preset-all enable-only",
            t => t.Installable("a.service", "WantedBy=multi-user.target").Installable("b.service", "WantedBy=multi-user.target")
                  .Symlink(Etc + "multi-user.target.wants/b.service", "/usr/lib/systemd/system/b.service")
                  .File("usr/lib/systemd/system-preset/90-default.preset", "enable a.service\ndisable *\n"),
            ["preset-all", "--preset-mode=enable-only"], i => i.PresetAll(PresetMode.EnableOnly), "preset", "a.service", "b.service"),
        Case("preset-all disable-only",
            t => t.Installable("a.service", "WantedBy=multi-user.target").Installable("b.service", "WantedBy=multi-user.target")
                  .Symlink(Etc + "multi-user.target.wants/b.service", "/usr/lib/systemd/system/b.service")
                  .File("usr/lib/systemd/system-preset/90-default.preset", "enable a.service\ndisable *\n"),
            ["preset-all", "--preset-mode=disable-only"], i => i.PresetAll(PresetMode.DisableOnly), "preset", "a.service", "b.service"),
        Case("preset a template with an instance list",
            t => t.Installable("w@.service", "WantedBy=multi-user.target").File("usr/lib/systemd/system-preset/10-w.preset", "enable w@.service one two\n"),
            ["preset", "w@.service"], i => i.Preset(["w@.service"]), "preset", "w@one.service", "w@two.service", "w@three.service"),
        Case("preset --runtime without preset files enables",
            t => t.Installable("a.service", "WantedBy=multi-user.target"),
            ["preset", "--runtime", "a.service"], i => i.Preset(["a.service"], PresetMode.Full, InstallFlags.Runtime), "preset", "a.service"),

        // ---- default target, revert, add-wants -----------------------------------------------------
        Case("set-default", t => t.Unit("multi-user.target").Unit("graphical.target").Symlink(Vendor + "default.target", "graphical.target"),
            ["set-default", "multi-user.target"], i => i.SetDefault("multi-user.target"), "set default", "default.target", "multi-user.target"),
        Case("set-default to a missing target fails", t => t.Unit("multi-user.target"),
            ["set-default", "nothing.target"], i => i.SetDefault("nothing.target"), "set default"),
        Case("revert an override with a vendor version", t => t.Installable("a.service", "WantedBy=multi-user.target").Unit(Etc + "a.service", "[Unit]\nDescription=override\n")
                .File(Etc + "a.service.d/x.conf", "[Unit]\nDescription=drop-in\n").File(Run + "a.service.d/y.conf", "[Unit]\nDescription=runtime\n"),
            ["revert", "a.service"], i => i.Revert(["a.service"]), "revert", "a.service"),
        Case("revert a unit that only exists in /etc keeps it", t => t.Unit(Etc + "a.service").File(Etc + "a.service.d/x.conf", "[Unit]\nDescription=drop-in\n"),
            ["revert", "a.service"], i => i.Revert(["a.service"]), "revert", "a.service"),
        Case("revert a vendor unit masked in /etc", t => t.Unit("a.service").Symlink(Etc + "a.service", "/dev/null"),
            ["revert", "a.service"], i => i.Revert(["a.service"]), "revert", "a.service"),
        Case("add-wants", t => t.Unit("a.service").Unit("multi-user.target"),
            ["add-wants", "multi-user.target", "a.service"], i => i.AddDependency(["a.service"], "multi-user.target", InstallDependency.Wants), "add dependency on", "a.service"),
        Case("add-requires --runtime", t => t.Unit("a.service").Unit("b.service").Unit("x.target"),
            ["add-requires", "--runtime", "x.target", "a.service", "b.service"], i => i.AddDependency(["a.service", "b.service"], "x.target", InstallDependency.Requires, InstallFlags.Runtime), "add dependency on", "a.service", "b.service"),
        Case("add-wants to a missing target fails", t => t.Unit("a.service"),
            ["add-wants", "nothing.target", "a.service"], i => i.AddDependency(["a.service"], "nothing.target", InstallDependency.Wants), "add dependency on", "a.service"),

        // ---- states only -------------------------------------------------------------------------
        Case("static, indirect, alias and disabled states", t => t.Unit("static.service").Installable("indirect.service", "Also=other.service").Installable("other.service", "WantedBy=x.target")
                .Installable("dis.service", "WantedBy=x.target").Symlink(Etc + "al.service", "/usr/lib/systemd/system/static.service"),
            [], null, "is-enabled", "static.service", "indirect.service", "other.service", "dis.service", "al.service", "nothing.service"),
        Case("enabled-runtime and masked-runtime states", t => t.Installable("a.service", "WantedBy=x.target").Installable("b.service", "WantedBy=x.target")
                .Symlink(Run + "x.target.wants/a.service", "/usr/lib/systemd/system/a.service").Symlink(Run + "b.service", "/dev/null").File(Etc + "empty.service", ""),
            [], null, "is-enabled", "a.service", "b.service", "empty.service"),
        Case("generated and transient states", t => t.Installable("run/systemd/generator/g.service", "WantedBy=x.target").Unit("run/systemd/transient/t.service").Unit("run/systemd/generator.late/l.service"),
            [], null, "is-enabled", "g.service", "t.service", "l.service"),
        Case("indirect through an unrelated symlink name", t => t.Installable("a.service", "WantedBy=x.target").Symlink(Etc + "y.target.wants/other.service", "/usr/lib/systemd/system/a.service"),
            [], null, "is-enabled", "a.service", "other.service"),
        Case("alias to a missing unit and a chain of aliases", t => t.Unit("a.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/gone.service").Symlink(Vendor + "c.service", "a.service").Symlink(Vendor + "d.service", "c.service"),
            [], null, "is-enabled", "b.service", "c.service", "d.service"),
    ];

    private static readonly InstallCase[] EdgeCases =
    [
        Case("enable legacy Alias= into a .wants directory", t => t.Installable("a.service", "Alias=multi-user.target.wants/a.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable ignores an Alias= naming the unit itself", t => t.Installable("a.service", "Alias=a.service", "WantedBy=x.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable through an alias name", t => t.Installable("a.service", "WantedBy=x.target").Symlink(Vendor + "b.service", "a.service"),
            ["enable", "b.service"], i => i.Enable(["b.service"]), "enable", "a.service", "b.service"),
        Case("enable a unit that lives in /etc", t => t.Installable(Etc + "a.service", "WantedBy=x.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable a unit that lives in /run", t => t.Installable(Run + "a.service", "WantedBy=x.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable --runtime a unit enabled persistently", t => t.Installable("a.service", "WantedBy=x.target").Symlink(Etc + "x.target.wants/a.service", "/usr/lib/systemd/system/a.service"),
            ["enable", "--runtime", "a.service"], i => i.Enable(["a.service"], InstallFlags.Runtime), "enable", "a.service"),
        Case("enable a template whose DefaultInstance is masked", t => t.Installable("x@.service", "WantedBy=x.target", "DefaultInstance=m").Symlink(Etc + "x@m.service", "/dev/null"),
            ["enable", "x@.service"], i => i.Enable(["x@.service"]), "enable", "x@.service", "x@m.service"),
        Case("enable with quoted and specifier values", t => t.Installable("q.service", "WantedBy=\"x.target\" 'y.target'", "Also=%p.socket").Installable("q.socket", "WantedBy=sockets.target"),
            ["enable", "q.service"], i => i.Enable(["q.service"]), "enable", "q.service", "q.socket"),
        Case("enable with an invalid DefaultInstance", t => t.Installable("x@.service", "WantedBy=x.target", "DefaultInstance=a/b"),
            ["enable", "x@.service"], i => i.Enable(["x@.service"]), "enable", "x@.service"),
        Case("enable with an unknown specifier", t => t.Installable("a.service", "WantedBy=%z.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable a unit with a broken section header", t => t.Unit("a.service", "[Unit\nDescription=x\n[Install]\nWantedBy=x.target\n"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("an empty unit file is masked", t => t.Unit("a.service", ""),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable a plain unit wanted by a template instance", t => t.Installable("a.service", "WantedBy=pool@one.target").Unit("pool@.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("enable a template RequiredBy with DefaultInstance", t => t.Installable("x@.socket", "RequiredBy=sockets.target", "DefaultInstance=d"),
            ["enable", "x@.socket"], i => i.Enable(["x@.socket"]), "enable", "x@.socket", "x@d.socket"),
        Case("enable Also loop", t => t.Installable("a.service", "Also=b.service", "WantedBy=x.target").Installable("b.service", "Also=a.service", "WantedBy=y.target"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "b.service"),
        // systemctl mangles "a!b.service" to "a\\x21b.service" before calling install.c, as the D-Bus API receives it.
        Case("enable a mangled unit name", t => { },
            ["enable", "a!b.service"], i => i.Enable(["a\\x21b.service"]), "enable"),
        Case("mask a mangled unit name", t => { },
            ["mask", "a!b.service"], i => i.Mask(["a\\x21b.service"]), "mask", "a\\x21b.service"),
        Case("link --runtime", t => t.Installable("opt/app/app.service", "WantedBy=multi-user.target"),
            ["link", "--runtime", "/opt/app/app.service"], i => i.Link(["/opt/app/app.service"], InstallFlags.Runtime), "link", "app.service"),
        Case("disable a linked unit", t => t.Installable("opt/app.service", "WantedBy=x.target").Symlink(Etc + "app.service", "/opt/app.service").Symlink(Etc + "x.target.wants/app.service", "/opt/app.service"),
            ["disable", "app.service"], i => i.Disable(["app.service"]), "disable", "app.service"),
        Case("reenable a linked unit", t => t.Installable("opt/app.service", "WantedBy=y.target").Symlink(Etc + "app.service", "/opt/app.service").Symlink(Etc + "x.target.wants/app.service", "/opt/app.service"),
            ["reenable", "app.service"], i => i.Reenable(["app.service"]), "reenable", "app.service"),
        Case("revert removes control drop-ins", t => t.Unit("a.service").File("etc/systemd/system.control/a.service.d/50-x.conf", "[Service]\nCPUWeight=5\n"),
            ["revert", "a.service"], i => i.Revert(["a.service"]), "revert", "a.service"),
        Case("preset skips an alias name", t => t.Installable("a.service", "WantedBy=x.target", "Alias=b.service").Symlink(Etc + "b.service", "/usr/lib/systemd/system/a.service"),
            ["preset", "b.service"], i => i.Preset(["b.service"]), "preset", "a.service", "b.service"),
        Case("preset-all over masked, generated and linked units",
            t => t.Installable("a.service", "WantedBy=x.target").Symlink(Etc + "a.service", "/dev/null").Installable("run/systemd/generator/g.service", "WantedBy=x.target")
                  .Installable("opt/l.service", "WantedBy=x.target").Symlink(Etc + "l.service", "/opt/l.service").Installable("t@.service", "WantedBy=x.target")
                  .File("usr/lib/systemd/system-preset/99-default.preset", "enable *\n"),
            ["preset-all"], i => i.PresetAll(), "preset", "a.service", "g.service", "l.service", "t@.service"),
        Case("get state of a masked default.target alias", t => t.Unit("multi-user.target").Symlink(Etc + "default.target", "/dev/null"),
            [], null, "is-enabled", "default.target", "multi-user.target"),
        Case("add-wants to a template instance target", t => t.Unit("a.service").Unit("pool@.target"),
            ["add-wants", "pool@x.target", "a.service"], i => i.AddDependency(["a.service"], "pool@x.target", InstallDependency.Wants), "add dependency on", "a.service"),
    ];

    private static readonly InstallCase[] BadInputCases =
    [
        Case("alias symlink loop", t => t.Symlink(Etc + "a.service", "b.service").Symlink(Etc + "b.service", "a.service"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service", "b.service"),
        Case("binary garbage in a unit file", t => t.Unit("a.service", "\u0001\u0002\u00ff\u00fe[Install]\nWantedBy=x.target\n\u0000\u0003"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("a line of 1 MiB", t => t.Unit("a.service", "[Install]\nWantedBy=x.target\nDescription=" + new string('x', 1024 * 1024) + "\n"),
            ["enable", "a.service"], i => i.Enable(["a.service"]), "enable", "a.service"),
        Case("a dangling symlink in .wants is ignored by state", t => t.Installable("a.service", "WantedBy=x.target").Symlink(Etc + "x.target.wants/a.service", "/usr/lib/systemd/system/gone.service"),
            [], null, "is-enabled", "a.service"),
        Case("an alias pointing outside the unit's type", t => t.Unit("a.service").Symlink(Etc + "b.socket", "/usr/lib/systemd/system/a.service"),
            [], null, "is-enabled", "b.socket", "a.service"),
    ];

    private static readonly InstallCase[] ScopeCases =
    [
        new("global scope enable", t => t.Installable("usr/lib/systemd/user/agent.service", "WantedBy=default.target", "Alias=agent2.service"),
            ["enable", "agent.service"], i => i.Enable(["agent.service"]), "enable", ["agent.service", "agent2.service"], InstallScope.Global),
        new("global scope mask and is-enabled", t => t.Installable("usr/lib/systemd/user/agent.service", "WantedBy=default.target"),
            ["mask", "agent.service"], i => i.Mask(["agent.service"]), "mask", ["agent.service"], InstallScope.Global),
        new("user scope enable in the home directory", t => t.Installable("home/.config/systemd/user/mine.service", "WantedBy=default.target"),
            ["enable", "mine.service"], i => i.Enable(["mine.service"]), "enable", ["mine.service"], InstallScope.User),
        new("global scope preset-all with user-preset files", t => t.Installable("usr/lib/systemd/user/a.service", "WantedBy=default.target").Installable("usr/lib/systemd/user/b.service", "WantedBy=default.target")
                .File("usr/lib/systemd/user-preset/90-default.preset", "enable a.service\ndisable *\n").Symlink("etc/systemd/user/default.target.wants/b.service", "/usr/lib/systemd/user/b.service"),
            ["preset-all"], i => i.PresetAll(), "preset", ["a.service", "b.service"], InstallScope.Global),
        new("user scope enable --runtime", t => t.Installable("home/.local/share/systemd/user/mine.service", "WantedBy=default.target").Dir("xdgrun"),
            ["enable", "--runtime", "mine.service"], i => i.Enable(["mine.service"], InstallFlags.Runtime), "enable", ["mine.service"], InstallScope.User),
    ];

    public static TheoryData<string> CaseNames() => [.. Cases.Concat(EdgeCases).Concat(BadInputCases).Concat(ScopeCases).Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_systemctl_252(string name) =>
        InstallDifferential.Check(Cases.Concat(EdgeCases).Concat(BadInputCases).Concat(ScopeCases).Single(c => c.Name == name));

    [Fact]
    public void There_are_at_least_forty_differential_cases() =>
        Assert.True(Cases.Length + EdgeCases.Length + BadInputCases.Length + ScopeCases.Length >= 40, "fewer than 40 differential cases");

    [Fact]
    public void Get_default_follows_the_default_target_alias()
    {
        using var tree = new InstallTree();
        tree.Unit("multi-user.target").Unit("graphical.target").Symlink(Vendor + "default.target", "graphical.target")
            .Symlink(Etc + "default.target", "/usr/lib/systemd/system/multi-user.target");
        tree.Build();
        Systemctl.Output theirs = Systemctl.Run(["--root=" + tree.Theirs, "get-default"]);
        int r = new UnitFileStateResolver(InstallScope.System, tree.Ours, _ => null).TryGetDefault(out string name);
        Assert.Equal(0, r);
        Assert.Equal(theirs.Stdout, [name]);
    }

    [Fact]
    public void Get_default_without_a_default_target_fails_like_systemctl()
    {
        using var tree = new InstallTree();
        tree.Build();
        Systemctl.Output theirs = Systemctl.Run(["--root=" + tree.Theirs, "get-default"]);
        int r = new UnitFileStateResolver(InstallScope.System, tree.Ours, _ => null).TryGetDefault(out _);
        Assert.NotEqual(0, theirs.ExitCode);
        Assert.Equal(theirs.Stderr, [$"Failed to get default target: {UnitFileStateResolver.DescribeError(r)}"]);
    }
}
