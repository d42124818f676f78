namespace Units.Execution.Triggers;

/// <summary>What a path unit watches for (systemd's PathType; the setting is "Path" + name, or DirectoryNotEmpty).</summary>
public enum PathType
{
    Exists,
    ExistsGlob,
    DirectoryNotEmpty,
    Changed,
    Modified,
}

/// <summary>One Path…= of a path unit.</summary>
public sealed record PathSpec(PathType Type, string Path);

/// <summary>[Path] of systemd.path(5), as the path kind needs it.</summary>
public sealed class PathSettings
{
    /// <summary>The unit to start: Unit=, else the service of the path unit's name.</summary>
    public string? Unit { get; init; }

    /// <summary>In the order of the unit file (systemd lists them newest first, and so does D-Bus).</summary>
    public IReadOnlyList<PathSpec> Specs { get; init; } = [];

    public bool MakeDirectory { get; init; }

    public uint DirectoryMode { get; init; } = 0x1ED;

    public ulong TriggerLimitIntervalUSec { get; init; } = 2_000_000;

    public uint TriggerLimitBurst { get; init; } = 200;
}

/// <summary>Watches files for path units (inotify); events arrive on the manager loop.</summary>
public interface IPathWatcher
{
    /// <summary>Watches <paramref name="path"/> for the inotify events of <paramref name="mask"/>; null with the errno
    /// when it cannot be watched (ENOENT, EACCES: a component does not exist yet or cannot be seen).</summary>
    IDisposable? TryWatch(string path, uint mask, Action<uint> onEvent, out int errno);
}
