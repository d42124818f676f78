namespace Units.Daemon;

/// <summary>What unitsd was asked to do.</summary>
internal sealed record CommandLine
{
    public bool User { get; init; }

    public bool System { get; init; }

    /// <summary>Unit directories replacing the scope's search path (tests, the embedded demo).</summary>
    public IReadOnlyList<string> UnitPath { get; init; } = [];

    public string? DefaultTarget { get; init; }

    public bool Debug { get; init; }

    /// <summary>Members of this group may change state through the API on the bus, besides root and the manager's user.</summary>
    public string? BusAdminGroup { get; init; }

    public const string Usage = """
        unitsd [OPTIONS...]            run a service manager
        unitsd verify FILE...          check unit files, as systemd-analyze verify does

        Options:
          --user                       run a user instance (the default unless --system)
          --system                     run the system instance (needs root)
          --unit-path=DIR[:DIR...]     read units only from these directories
          --unit=NAME                  start NAME instead of default.target
          --log-level=debug            also print debug messages
          --bus-admin-group=GROUP      on the D-Bus bus (the system bus for --system, the session
                                       bus for --user), let members of GROUP call the methods
                                       that change state (start, stop, enable, set-property...);
                                       root and the manager's own user always may, anyone may
                                       read. Private-socket clients must be root or the
                                       manager's user, whatever this says.
          --version                    print the version
          -h, --help                   print this help
        """;

    /// <summary>Parses manager options; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new CommandLine();
        var unitPath = new List<string>();
        foreach (string arg in args)
        {
            if (arg == "--user")
                result = result with { User = true };
            else if (arg == "--system")
                result = result with { System = true };
            else if (arg.StartsWith("--unit-path=", StringComparison.Ordinal))
                unitPath.AddRange(arg["--unit-path=".Length..].Split(':', StringSplitOptions.RemoveEmptyEntries));
            else if (arg.StartsWith("--unit=", StringComparison.Ordinal))
                result = result with { DefaultTarget = arg["--unit=".Length..] };
            else if (arg.StartsWith("--bus-admin-group=", StringComparison.Ordinal) && arg.Length > "--bus-admin-group=".Length)
                result = result with { BusAdminGroup = arg["--bus-admin-group=".Length..] };
            else if (arg == "--log-level=debug")
                result = result with { Debug = true };
            else if (arg.StartsWith("--log-level=", StringComparison.Ordinal))
                result = result with { Debug = false };
            else
                throw new ArgumentException($"unknown argument '{arg}'");
        }
        if (result.User && result.System)
            throw new ArgumentException("--user and --system exclude each other");
        return result with { UnitPath = unitPath };
    }
}
