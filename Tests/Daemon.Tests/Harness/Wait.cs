namespace Units.Daemon.Tests.Harness;

/// <summary>Waiting for what a manager does on its own: on the file system's events where there are any, else by
/// asking the manager again, bounded.</summary>
public static class Wait
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    /// <summary>Waits for a file that a command renames into place (so it is complete once it exists).</summary>
    public static bool ForFile(string path)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { EnableRaisingEvents = true };
        return File.Exists(path) || watcher.WaitForChanged(WatcherChangeTypes.Created | WatcherChangeTypes.Renamed, s_limit) is { TimedOut: false } || File.Exists(path);
    }

    /// <summary>Until <paramref name="happened"/> holds, asked every 50 ms for at most 30 s; fails with the manager's log.</summary>
    public static void Until(Func<bool> happened, ManagerInstance manager, string what)
    {
        var deadline = DateTime.UtcNow + s_limit;
        while (!happened())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{manager.Name}: no {what} within {s_limit.TotalSeconds}s\n{manager.ManagerLog()}");
            Thread.Sleep(50); // Poll interval of the bounded wait, not a synchronisation.
        }
    }

    /// <summary>Until the manager shows <paramref name="value"/> for a property of a unit.</summary>
    public static void ForProperty(ManagerInstance manager, string unit, string property, string value) =>
        Until(() => manager.Ctl("show", "-p", property, "--value", unit).Output.Trim() == value, manager, $"{property}={value} of {unit}");
}
