using Units.UnitFiles.Loading;
using Units.UnitFiles.Settings;

namespace Units.UnitFiles.Tests;

/// <summary>
/// Every unit file Debian's systemd 252 ships (system and user), and those of nginx, redis-server, postgresql,
/// openssh-server and cron, loads without error. Templates load as "NAME@i" instances, as systemd-analyze
/// verify does; masks that Debian ships (links to /dev/null) are expected to load as masked.
/// </summary>
public sealed class HostUnitsTests
{
    private static readonly string[] PackageUnits =
        ["nginx.service", "redis-server.service", "postgresql.service", "postgresql@.service", "ssh.service", "ssh.socket", "cron.service"];

    [Theory]
    [InlineData("/lib/systemd/system", UnitScope.System)]
    [InlineData("/usr/lib/systemd/user", UnitScope.User)]
    public void Every_shipped_unit_loads_without_error(string directory, UnitScope scope)
    {
        Assert.True(Directory.Exists(directory), $"{directory} is missing: these tests need Debian's systemd 252 installed");
        // A user manager always runs with $XDG_RUNTIME_DIR (user units use %t); fix it and the other host facts.
        var loader = new UnitLoader(new UnitLoaderOptions { Scope = scope, SearchPath = [directory], Binder = SettingsBinder.Instance, Host = new FixedHostFacts() });
        IReadOnlyList<LoadedUnit> units = loader.LoadAll(templateInstance: "i");

        Assert.True(units.Count > 20, $"only {units.Count} units found in {directory}");
        var broken = units
            .Where(u => u.LoadState is not (LoadState.Loaded or LoadState.Masked)
                        || u.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            .Select(u => $"{u.Name}: {u.LoadState.ToName()} {u.LoadError?.Message}\n  " + string.Join("\n  ", u.Diagnostics))
            .ToList();
        Assert.True(broken.Count == 0, $"{broken.Count} of {units.Count} units did not load:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void The_units_of_nginx_redis_postgresql_openssh_and_cron_load()
    {
        string[] missing = PackageUnits.Where(u => !File.Exists(Path.Combine("/lib/systemd/system", u))).ToArray();
        Assert.True(missing.Length == 0,
            $"missing {string.Join(", ", missing)}: install the Debian packages nginx redis-server postgresql openssh-server cron (with a policy-rc.d that exits 101 so they do not start)");

        var loader = new UnitLoader(new UnitLoaderOptions { SearchPath = ["/lib/systemd/system"], Binder = SettingsBinder.Instance });
        foreach (string name in PackageUnits)
        {
            LoadedUnit u = loader.Load(name.Replace("@.", "@main.", StringComparison.Ordinal));
            Assert.True(u.LoadState == LoadState.Loaded, $"{u.Name}: {u.LoadError?.Message}\n" + string.Join('\n', u.Diagnostics));
            Assert.NotNull(u.Settings);
        }
    }
}
