using Units.Client.Connection;

namespace Units.Client.Tests;

public sealed class ObjectTests
{
    [Fact]
    public void A_unit_read_by_name_maps_properties_to_typed_values()
    {
        var since = new DateTime(2026, 11, 22, 1, 2, 3, DateTimeKind.Utc);
        var manager = new FakeManager().AddUnit("x.service", description: "X test", configure: bag =>
        {
            bag["MainPID"] = 4242u;
            bag["ActiveEnterTimestamp"] = (ulong)(since - DateTime.UnixEpoch).Ticks / 10;
            bag["MemoryCurrent"] = 1_048_576UL;
            bag["TasksCurrent"] = 3UL;
            bag["CPUUsageNSec"] = 1_500_000_000UL;
            bag["UnitFileState"] = "enabled-runtime";
        });
        var unit = manager.Client().FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;

        Assert.Equal("x.service", unit.Name);
        Assert.Equal("X test", unit.Description);
        Assert.Equal(UnitLoadState.Loaded, unit.LoadState);
        Assert.Equal(UnitActiveState.Active, unit.ActiveState);
        Assert.Equal(UnitSubState.Running, unit.SubState);
        Assert.Equal(UnitFileState.EnabledRuntime, unit.UnitFileState);
        Assert.Equal(4242u, unit.MainPid);
        Assert.Equal(since, unit.ActiveSince!.Value.ToUniversalTime());
        Assert.Equal(1_048_576UL, unit.Memory);
        Assert.Equal(3UL, unit.Tasks);
        Assert.Equal(TimeSpan.FromSeconds(1.5), unit.CpuTime);
        Assert.Equal(UnitType.Service, unit.Type);
        Assert.Equal("localhost", unit.ComputerName);
        Assert.Equal(4242u, unit.Properties["MainPID"]);
    }

    [Fact]
    public void Unset_sentinels_become_null()
    {
        var manager = new FakeManager().AddUnit("x.service");
        var unit = manager.Client().FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        Assert.Null(unit.Memory);
        Assert.Null(unit.Tasks);
        Assert.Null(unit.CpuTime);
        Assert.Null(unit.ActiveSince);
    }

    [Fact]
    public void Listed_units_read_their_details_once_and_only_when_asked()
    {
        var manager = new FakeManager().AddUnit("x.service", configure: bag => bag["MainPID"] = 7u);
        var unit = Assert.Single(manager.Client().ListUnitsAsync([], CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(UnitActiveState.Active, unit.ActiveState);
        Assert.DoesNotContain(manager.Calls, call => call.StartsWith("GetAll", StringComparison.Ordinal));

        Assert.Equal(7u, unit.MainPid);
        Assert.Equal(UnitFileState.Enabled, unit.UnitFileState);
        Assert.Single(manager.Calls, call => call.StartsWith("GetAll", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not-found", UnitLoadState.NotFound)]
    [InlineData("bad-setting", UnitLoadState.BadSetting)]
    [InlineData("masked", UnitLoadState.Masked)]
    [InlineData("something-new", UnitLoadState.Unknown)]
    public void Load_states_parse_from_systemd_spelling(string text, UnitLoadState expected) =>
        Assert.Equal(expected, SystemdNames.Parse<UnitLoadState>(text));

    [Theory]
    [InlineData("start-pre", UnitSubState.StartPre)]
    [InlineData("stop-sigterm", UnitSubState.StopSigterm)]
    [InlineData("auto-restart", UnitSubState.AutoRestart)]
    [InlineData("listening", UnitSubState.Listening)]
    public void Sub_states_parse_from_systemd_spelling(string text, UnitSubState expected)
    {
        Assert.Equal(expected, SystemdNames.Parse<UnitSubState>(text));
        Assert.Equal(text, SystemdNames.ToSystemdName(expected));
    }

    [Theory]
    [InlineData("x.service", "/org/freedesktop/systemd1/unit/x_2eservice")]
    [InlineData("-.slice", "/org/freedesktop/systemd1/unit/_2d_2eslice")]
    [InlineData("getty@tty1.service", "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice")]
    public void Unit_paths_escape_as_bus_label_escape(string name, string path) => Assert.Equal(path, SystemdNames.UnitPath(name));

    [Theory]
    [InlineData("sshd", "sshd.service")]
    [InlineData("sshd.socket", "sshd.socket")]
    [InlineData("ssh*", "ssh*")]
    public void Names_without_a_type_suffix_become_services(string name, string mangled) => Assert.Equal(mangled, SystemdNames.Mangle(name));

    [Fact]
    public void Manager_info_exposes_version_state_default_target_and_environment()
    {
        var manager = new FakeManager();
        manager.ManagerProperties["Version"] = "252.38-1~deb12u1";
        manager.ManagerProperties["SystemState"] = "degraded";
        manager.ManagerProperties["Environment"] = new[] { "PATH=/usr/bin", "LANG=C.UTF-8" };
        manager.ManagerProperties["NFailedUnits"] = 2u;
        var info = manager.Client().GetManagerInfoAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("252.38-1~deb12u1", info.Version);
        Assert.Equal("degraded", info.SystemState);
        Assert.Equal("default.target", info.DefaultTarget);
        Assert.Equal("/usr/bin", info.Environment["PATH"]);
        Assert.Equal(2u, info.FailedUnitCount);
        Assert.Equal(ManagerScope.System, info.Scope);
    }

    [Fact]
    public void Processes_carry_the_unit_and_host()
    {
        var manager = new FakeManager("web1").AddUnit("x.service");
        manager.Processes.Add(new UnitProcessEntry("/system.slice/x.service", 30260, "/bin/sleep infinity"));
        var client = manager.Client();
        var unit = client.FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        var process = Assert.Single(client.GetProcessesAsync(unit, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(new UnitProcess("x.service", "/system.slice/x.service", 30260, "/bin/sleep infinity", "web1"), process);
        Assert.Equal("web1", unit.ComputerName);
    }

    [Fact]
    public void Unit_properties_are_selected_by_wildcard_and_sorted()
    {
        var manager = new FakeManager().AddUnit("x.service", configure: bag => bag["MemoryMax"] = 10UL);
        var unit = manager.Client().FindUnitAsync("x.service", CancellationToken.None).GetAwaiter().GetResult()!;
        var properties = ManagerClient.SelectProperties(unit, ["Memory*", "MainPID"]);
        Assert.Equal(["MainPID", "MemoryCurrent", "MemoryMax"], properties.Select(property => property.Name));
        Assert.All(properties, property => Assert.Equal("x.service", property.Unit));
    }
}
