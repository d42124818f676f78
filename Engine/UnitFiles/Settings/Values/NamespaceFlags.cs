namespace Units.UnitFiles.Settings.Values;

/// <summary>The CLONE_NEW* flags of RestrictNamespaces=, by systemd's names for them.</summary>
public static class NamespaceFlags
{
    private static readonly (string Name, ulong Flag)[] Table =
    [
        ("cgroup", 0x02000000), ("ipc", 0x08000000), ("net", 0x40000000), ("mnt", 0x00020000),
        ("pid", 0x20000000), ("user", 0x10000000), ("uts", 0x04000000), ("time", 0x00000080),
    ];

    /// <summary>Every namespace flag: RestrictNamespaces=no.</summary>
    public const ulong All = 0x02000000 | 0x08000000 | 0x40000000 | 0x00020000 | 0x20000000 | 0x10000000 | 0x04000000 | 0x00000080;

    /// <summary>The flag of one namespace name; 0 when the name is unknown.</summary>
    public static ulong FromName(string name)
    {
        foreach (var (known, flag) in Table)
        {
            if (known == name)
            {
                return flag;
            }
        }

        return 0;
    }
}
