using Units.Core.Model;

namespace Units.Execution.Spawning;

/// <summary>Base directories of RuntimeDirectory= and friends: /run, /var/lib... for the system, XDG for a user.</summary>
public sealed record ExecDirectoryRoots(string Runtime, string State, string Cache, string Logs, string Configuration)
{
    public static ExecDirectoryRoots System { get; } = new("/run", "/var/lib", "/var/cache", "/var/log", "/etc");

    /// <summary>The kinds of directories a unit configures (systemd's exec_context_get_clean_mask).</summary>
    public static ExecCleanMask Configured(ExecSettings exec) => Kinds(exec)
        .Where(static k => k.Names.Count > 0)
        .Aggregate(ExecCleanMask.None, static (mask, k) => mask | k.Kind);

    /// <summary>What cleaning <paramref name="mask"/> removes (systemd's exec_context_get_clean_directories): each
    /// directory, and for all but configuration its DynamicUser= twin under "private".</summary>
    public IReadOnlyList<string> CleanPaths(ExecSettings exec, ExecCleanMask mask)
    {
        var paths = new List<string>();
        foreach (var (kind, names) in Kinds(exec))
        {
            if (!mask.HasFlag(kind))
                continue;
            string root = RootOf(kind);
            foreach (string name in names)
            {
                paths.Add(Path.Combine(root, name));
                if (kind != ExecCleanMask.Configuration)
                    paths.Add(Path.Combine(root, "private", name));
            }
        }
        return paths;
    }

    private static (ExecCleanMask Kind, IReadOnlyList<string> Names)[] Kinds(ExecSettings exec) =>
    [
        (ExecCleanMask.Runtime, exec.RuntimeDirectory), (ExecCleanMask.State, exec.StateDirectory),
        (ExecCleanMask.Cache, exec.CacheDirectory), (ExecCleanMask.Logs, exec.LogsDirectory),
        (ExecCleanMask.Configuration, exec.ConfigurationDirectory),
    ];

    private string RootOf(ExecCleanMask kind) => kind switch
    {
        ExecCleanMask.Runtime => Runtime,
        ExecCleanMask.State => State,
        ExecCleanMask.Cache => Cache,
        ExecCleanMask.Logs => Logs,
        _ => Configuration,
    };

    /// <summary>systemd 252's user-manager layout.</summary>
    public static ExecDirectoryRoots ForUser(string runtimeDir, string configHome, string cacheHome) =>
        new(runtimeDir, configHome, cacheHome, Path.Combine(configHome, "log"), configHome);
}

/// <summary>What the manager adds for one process besides the unit's settings (systemd's ExecParameters).</summary>
public sealed class ExecParameters
{
    /// <summary>The cgroup directory the process joins before anything else; null without cgroups.</summary>
    public string? CgroupPath { get; init; }

    /// <summary>The manager's environment for units (PATH, and for a user instance the session's variables).</summary>
    public IReadOnlyDictionary<string, string> ManagerEnvironment { get; init; } = DefaultEnvironment;

    /// <summary>"NAME=VALUE" the manager sets for this process (NOTIFY_SOCKET, MAINPID, SERVICE_RESULT...).</summary>
    public IReadOnlyList<string> ExtraEnvironment { get; init; } = [];

    /// <summary>The manager's own environment, the source of PassEnvironment=.</summary>
    public Func<string, string?> ManagerVariable { get; init; } = Environment.GetEnvironmentVariable;

    public ExecDirectoryRoots Directories { get; init; } = ExecDirectoryRoots.System;

    /// <summary>True for ExecStart= (PermissionsStartOnly=/RootDirectoryStartOnly= apply to the others).</summary>
    public bool IsMainCommand { get; init; } = true;

    /// <summary>The stream StandardOutput/Error=journal writes to (the journal's stream or a per-unit sink).</summary>
    public int? JournalFd { get; init; }

    /// <summary>DynamicUser='s user and group for this start; null without DynamicUser=.</summary>
    public DynamicCredentials? DynamicUser { get; init; }

    /// <summary>The idle pipe's read end (Type=idle while jobs are queued): the command waits for it to close.</summary>
    public int? IdleFd { get; init; }

    /// <summary>The connection socket of Accept=yes socket units (StandardInput=socket).</summary>
    public int? SocketFd { get; init; }

    /// <summary>Socket-activation descriptors, in order, with their FileDescriptorName=.</summary>
    public IReadOnlyList<(int Fd, string Name)> ListenFds { get; init; } = [];

    /// <summary>Directories bound over /tmp and /var/tmp for PrivateTmp= (shared by the unit's processes).</summary>
    public (string Tmp, string VarTmp)? PrivateTmp { get; init; }

    /// <summary>Parent-death signal for the command (tests use SIGKILL so nothing outlives the test host).</summary>
    public int ParentDeathSignal { get; init; }

    /// <summary>Report when execve() succeeded (Type=exec waits for it).</summary>
    public bool WatchExec { get; init; }

    public static IReadOnlyDictionary<string, string> DefaultEnvironment { get; } = new Dictionary<string, string>
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    };
}
