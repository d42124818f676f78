using Units.Api.Objects;
using Units.Core.Model;
using Units.DBus;
using Units.UnitFiles.Settings;

namespace Units.Api.Tests;

/// <summary>What SetUnitProperties and StartTransientUnit write for a property array: systemd 252's lines, sections
/// and drop-in names, and its refusals.</summary>
public class UnitPropertyWriterTests
{
    private static DBusValue Strings(params string[] values) => DBusValue.Array("s", [.. values.Select(DBusValue.String)]);

    private static DBusValue Command(string path, bool ignoreFailure, params string[] argv) =>
        DBusValue.Struct(DBusValue.String(path), Strings(argv), DBusValue.Boolean(ignoreFailure));

    [Fact]
    public void Resource_control_properties_become_systemds_lines_in_the_types_section()
    {
        UnitPropertyChanges changes = UnitPropertyWriter.Convert(
        [
            ("CPUWeight", DBusValue.UInt64(200)),
            ("CPUWeight", DBusValue.UInt64(ulong.MaxValue)),
            ("MemoryMax", DBusValue.UInt64(ulong.MaxValue)),
            ("CPUQuotaPerSecUSec", DBusValue.UInt64(205_000)),
            ("MemoryHighScale", DBusValue.UInt32(uint.MaxValue / 2)),
            ("TasksMaxScale", DBusValue.UInt32(858_993_459)),
            ("Description", DBusValue.String("100% mine")),
        ], UnitType.Slice, creating: false);
        WrittenSetting[] expected =
        [
            new("CPUWeight", true, "CPUWeight=200"),
            new("CPUWeight", true, "CPUWeight="),
            new("MemoryMax", true, "MemoryMax=infinity"),
            new("CPUQuota", true, "CPUQuota=20%"),
            new("MemoryHighScale", true, "MemoryHigh=50.00%"),
            new("TasksMaxScale", true, "TasksMax=2.0%"),
            new("Description", false, "Description=100%% mine"),
        ];
        Assert.Equal(expected, changes.Settings);
        Assert.Equal("[Slice]\nCPUWeight=200\n", UnitPropertyWriter.DropInSection(UnitType.Slice, changes.Settings[0]));
        Assert.Equal("[Unit]\nDescription=100%% mine\n", UnitPropertyWriter.DropInSection(UnitType.Slice, changes.Settings[^1]));
    }

    [Theory]
    [InlineData("Nice", UnitType.Service)]
    [InlineData("ExecStart", UnitType.Service)]
    [InlineData("Restart", UnitType.Service)]
    [InlineData("CPUWeight", UnitType.Target)]
    [InlineData("NoSuchThing", UnitType.Service)]
    public void A_loaded_unit_refuses_what_only_a_new_transient_unit_or_another_type_takes(string name, UnitType type)
    {
        var e = Assert.Throws<DBusException>(() => UnitPropertyWriter.Convert([(name, DBusValue.UInt64(1))], type, creating: false));
        Assert.Equal("org.freedesktop.DBus.Error.PropertyReadOnly", e.ErrorName);
        Assert.Equal($"Cannot set property {name}, or unknown property.", e.Message);
    }

    [Fact]
    public void Bad_values_and_types_are_refused_with_systemds_errors()
    {
        var range = Assert.Throws<DBusException>(() => UnitPropertyWriter.Convert([("CPUWeight", DBusValue.UInt64(10001))], UnitType.Service, false));
        Assert.Equal("Value specified in CPUWeight is out of range", range.Message);
        var type = Assert.Throws<DBusException>(() => UnitPropertyWriter.Convert([("CPUWeight", DBusValue.String("1"))], UnitType.Service, false));
        Assert.Equal("System.Error.ENXIO", type.ErrorName);
        var restart = Assert.Throws<DBusException>(() => UnitPropertyWriter.Convert([("Restart", DBusValue.String("sometimes"))], UnitType.Service, true));
        Assert.Equal("Invalid Restart setting: sometimes", restart.Message);
        var environment = Assert.Throws<DBusException>(() => UnitPropertyWriter.Convert([("Environment", Strings("no equals"))], UnitType.Service, true));
        Assert.Equal("Invalid environment block.", environment.Message);
    }

    [Fact]
    public void A_transient_service_file_has_systemds_sections_escapes_and_commands()
    {
        UnitPropertyChanges changes = UnitPropertyWriter.Convert(
        [
            ("Description", DBusValue.String("run %n")),
            ("AddRef", DBusValue.Boolean(true)),
            ("Environment", Strings("A=1 \"q\"", "B=%h")),
            ("After", Strings("x.service")),
            ("RemainAfterExit", DBusValue.Boolean(true)),
            ("LimitNOFILE", DBusValue.UInt64(1000)),
            ("LimitNOFILESoft", DBusValue.UInt64(500)),
            ("ExecStart", DBusValue.Array("(sasb)", Command("/bin/sh", false, "sh", "-c", "a; echo $X"))),
            ("ExecStart", DBusValue.Array("(sasb)", Command("/bin//true", true, "/bin/true"))),
            ("TimeoutStopUSec", DBusValue.UInt64(90_500_000)),
        ], UnitType.Service, creating: true);
        Assert.True(changes.AddRef);
        Assert.Equal(
            "# This is a transient unit file, created programmatically via the systemd API. Do not edit.\n"
            + "[Unit]\nDescription=run %%n\n\n"
            + "[Service]\nEnvironment=\"A=1 \\\"q\\\"\" \"B=%%h\"\n\n"
            + "[Unit]\nAfter=x.service\n\n"
            + "[Service]\nRemainAfterExit=yes\nLimitNOFILE=1000\nLimitNOFILE=500:1000\n"
            + "ExecStart=\nExecStart=@/bin/sh \"sh\" \"-c\" \"a\\; echo \\$X\"\n"
            + "ExecStart=\nExecStart=@/bin/sh \"sh\" \"-c\" \"a\\; echo \\$X\"\nExecStart=-\"/bin/true\"\n"
            + "TimeoutStopSec=1min 30.500s\n",
            UnitPropertyWriter.TransientFile(UnitType.Service, changes.Settings));
        // What runs is what was sent, not what the escaped file reads back as.
        Assert.Equal(["sh", "-c", "a; echo $X"], changes.Commands[ServiceCommand.Start][0].Arguments);
        Assert.Equal("/bin/true", changes.Commands[ServiceCommand.Start][1].Path);
        Assert.Equal("After-x.service", changes.Settings[2].Name);
    }
}
