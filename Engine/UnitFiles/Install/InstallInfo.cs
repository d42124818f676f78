using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>How a name was found in the search path (InstallMode in install.c).</summary>
internal enum InstallMode
{
    /// <summary>Not looked up yet.</summary>
    Unknown,

    /// <summary>A regular unit file.</summary>
    Regular,

    /// <summary>A symlink to a file outside the search path ("systemctl link").</summary>
    Linked,

    /// <summary>A symlink to another name inside the search path.</summary>
    Alias,

    /// <summary>An empty file or a symlink to /dev/null.</summary>
    Masked,
}

[Flags]
internal enum SearchFlags
{
    None = 0,

    /// <summary>Read the [Install] section, not only what kind of file the name is.</summary>
    Load = 1,

    /// <summary>Follow aliases found in the configuration directories too.</summary>
    FollowConfigSymlinks = 2,

    /// <summary>The file is a drop-in of the unit being loaded.</summary>
    Dropin = 4,
}

/// <summary>What installation knows about one name: where its file is and the [Install] section it carries.</summary>
internal sealed class InstallInfo(string name)
{
    public string Name { get; set; } = name;
    public string? Path { get; set; }
    public string? Root { get; set; }
    public List<string> Aliases { get; } = [];
    public List<string> WantedBy { get; } = [];
    public List<string> RequiredBy { get; } = [];
    public List<string> Also { get; } = [];
    public string? DefaultInstance { get; set; }

    /// <summary>For an alias or linked name: the resolved destination (with root prefix).</summary>
    public string? SymlinkTarget { get; set; }

    public InstallMode Mode { get; set; }

    /// <summary>Named only through Also=: failing to process it is not an error of the operation.</summary>
    public bool Auxiliary { get; set; }

    public bool HasRules => Aliases.Count > 0 || WantedBy.Count > 0 || RequiredBy.Count > 0;

    public int RuleCount => Aliases.Count + WantedBy.Count + RequiredBy.Count;
}

/// <summary>
/// The names an operation works through, in the order they were added (an ordered hash map in systemd):
/// those still to process and those done; Also= adds to it while files are read.
/// </summary>
internal sealed class InstallContext(InstallScope scope)
{
    private readonly List<InstallInfo> willProcess = [];
    private readonly Dictionary<string, InstallInfo> byName = new(StringComparer.Ordinal);

    public InstallScope Scope { get; } = scope;

    public bool HasPending => willProcess.Count > 0;

    public InstallInfo? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>install_info_add(): returns the existing entry (1 = new) or -EINVAL for an invalid name.</summary>
    public int Add(string? name, string? path, string? root, bool auxiliary, out InstallInfo? info)
    {
        info = null;
        name ??= InstallFileSystem.Basename(path!);
        if (!UnitName.IsValid(name, UnitNameKinds.Any))
            return -InstallErrno.EINVAL;
        if (byName.TryGetValue(name, out InstallInfo? existing))
        {
            existing.Auxiliary = existing.Auxiliary && auxiliary;
            info = existing;
            return 0;
        }
        info = new InstallInfo(name) { Path = path, Root = root, Auxiliary = auxiliary };
        byName[name] = info;
        willProcess.Add(info);
        return 1;
    }

    /// <summary>Moves the first pending entry to the processed ones and returns it.</summary>
    public InstallInfo TakeFirst()
    {
        InstallInfo first = willProcess[0];
        willProcess.RemoveAt(0);
        return first;
    }
}
