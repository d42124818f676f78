using Units.UnitFiles.Loading;

namespace Units.UnitFiles.Tests;

/// <summary>Our search path against <c>systemd-analyze unit-paths</c> (252) under the same environment.</summary>
public sealed class SearchPathTests
{
    public static TheoryData<string, string?, string?, string?> Environments() => new()
    {
        { "system", null, null, null },
        { "system", "/a:/b", null, null },
        { "system", "/a:/b:", null, null },
        { "user", null, null, null },
        { "user", null, "/cfg", "/data" },
        { "user", "/only:", null, null },
    };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Search_path_equals_systemd_analyze_unit_paths(string scope, string? unitPath, string? configHome, string? dataHome)
    {
        string tool = TestPaths.RequireTool("systemd-analyze");
        var env = new Dictionary<string, string?>
        {
            ["SYSTEMD_UNIT_PATH"] = unitPath,
            ["XDG_CONFIG_HOME"] = configHome,
            ["XDG_DATA_HOME"] = dataHome,
            ["XDG_RUNTIME_DIR"] = "/run/user/4242",
            ["XDG_CONFIG_DIRS"] = null,
            ["XDG_DATA_DIRS"] = null,
            ["HOME"] = "/home/someone",
        };
        var (code, stdout, stderr) = TestPaths.Run(tool, scope == "user" ? ["unit-paths", "--user"] : ["unit-paths"], env);
        Assert.True(code == 0, stderr);

        IReadOnlyList<string> ours = UnitSearchPaths.Build(scope == "user" ? UnitScope.User : UnitScope.System, v => env.GetValueOrDefault(v), "/home/someone");
        Assert.Equal(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), ours);
    }
}
