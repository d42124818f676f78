namespace Units.UnitFiles.Settings;

/// <summary>The prefixes of an Exec…= command line (systemd.service(5), "Table 1. Special executable prefixes").</summary>
[Flags]
public enum ExecCommandFlags
{
    None = 0,

    /// <summary>"-": a failure exit status is recorded but does not fail the unit.</summary>
    IgnoreFailure = 1 << 0,

    /// <summary>"+": run with full privileges, no sandboxing or credential changes.</summary>
    FullyPrivileged = 1 << 1,

    /// <summary>"!": sandboxing applies but User=/Group= credentials are not changed.</summary>
    NoSetuid = 1 << 2,

    /// <summary>"!!": like "!" only on systems without ambient capabilities.</summary>
    AmbientMagic = 1 << 3,

    /// <summary>":": $VAR and ${VAR} are not expanded in the arguments.</summary>
    NoEnvironmentExpansion = 1 << 4,
}

/// <summary>
/// One command of an Exec…= setting: <see cref="Path"/> is what is executed (absolute, or a bare file name
/// looked up at exec time), <see cref="Arguments"/> is argv including argv[0] (which "@" lets differ from the path).
/// $VAR expansion and the search for bare names happen at exec time, not here.
/// </summary>
public sealed record ExecCommand(string Path, IReadOnlyList<string> Arguments, ExecCommandFlags Flags)
{
    public bool IgnoreFailure => (Flags & ExecCommandFlags.IgnoreFailure) != 0;
}
