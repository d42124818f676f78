namespace Units.Daemon.Tests.Harness;

/// <summary>Where the repository, the shared reference tools and the unitsd binary under test are.</summary>
public static class Paths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>shared/reference-systemd/run-systemd.sh, beside the checkout as in CI.</summary>
    public static string RunSystemd { get; } = Path.Combine(Path.GetDirectoryName(RepositoryRoot)!, "shared", "reference-systemd", "run-systemd.sh");

    /// <summary>A private root for this test run's instances, so runs never collide with each other.</summary>
    public static string ReferenceRoot { get; } = Path.Combine(Path.GetTempPath(), "units-e2e");

    /// <summary>The unitsd built with these tests (same configuration).</summary>
    public static string Unitsd { get; } = Path.Combine(RepositoryRoot, "Engine", "Daemon", "bin",
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        "net9.0", "unitsd");

    private static string FindRepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Units.slnx")))
                return dir;
        }
        throw new InvalidOperationException($"no Units.slnx above {AppContext.BaseDirectory}");
    }
}
