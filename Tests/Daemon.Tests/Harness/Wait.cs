namespace Units.Daemon.Tests.Harness;

/// <summary>Waiting on the file system's events, never on a sleep.</summary>
public static class Wait
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    /// <summary>Waits for a file that a command renames into place (so it is complete once it exists).</summary>
    public static bool ForFile(string path)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { EnableRaisingEvents = true };
        return File.Exists(path) || watcher.WaitForChanged(WatcherChangeTypes.Created | WatcherChangeTypes.Renamed, s_limit) is { TimedOut: false } || File.Exists(path);
    }
}
