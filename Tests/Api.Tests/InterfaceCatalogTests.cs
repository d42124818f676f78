using Units.Api.Interfaces;
using Units.DBus;

namespace Units.Api.Tests;

public class InterfaceCatalogTests
{
    [Fact]
    public void Holds_every_interface_of_systemd_252()
    {
        string[] expected = ["Automount", "Device", "Job", "Manager", "Mount", "Path", "Scope", "Service", "Slice", "Socket", "Swap", "Target", "Timer", "Unit"];
        Assert.Equal(expected.Select(n => "org.freedesktop.systemd1." + n).Order(StringComparer.Ordinal),
            InterfaceCatalog.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keeps_systemds_exact_types()
    {
        InterfaceDescription unit = InterfaceCatalog.Get(InterfaceCatalog.Unit);
        Assert.Equal("(ss)", unit.FindProperty("LoadError")!.Signature);
        Assert.Equal("a(sbbsi)", unit.FindProperty("Conditions")!.Signature);
        Assert.Equal("invalidates", unit.FindProperty("Conditions")!.EmitsChangedSignal);
        InterfaceDescription service = InterfaceCatalog.ForUnitType("service");
        Assert.Equal("u", service.FindProperty("MainPID")!.Signature);
        Assert.Equal("a(sasbttttuii)", service.FindProperty("ExecStart")!.Signature);
        Assert.Equal("a(sasasttttuii)", service.FindProperty("ExecStartEx")!.Signature);
        Assert.Equal(303, service.Properties.Count);
    }

    [Fact]
    public void Knows_the_manager_methods_and_signals_systemctl_uses()
    {
        InterfaceDescription manager = InterfaceCatalog.Get(InterfaceCatalog.Manager);
        Assert.Equal(("asas", "a(ssssssouso)"), Sig(manager.FindMethod("ListUnitsByPatterns")!));
        Assert.Equal(("ss", "o"), Sig(manager.FindMethod("StartUnit")!));
        Assert.Equal(("asbb", "ba(sss)"), Sig(manager.FindMethod("EnableUnitFiles")!));
        Assert.Equal(("", "a(usssoo)"), Sig(manager.FindMethod("ListJobs")!));
        Assert.Equal("uoss", manager.Signals.Single(s => s.Name == "JobRemoved").Signature);
        Assert.Equal(118, manager.Properties.Count);

        static (string, string) Sig(MethodDescription m) => (m.InSignature, m.OutSignature);
    }
}
