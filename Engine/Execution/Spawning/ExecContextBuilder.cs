using System.Globalization;
using System.Text;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Settings.Values;

namespace Units.Execution.Spawning;

/// <summary>A process ready to spawn: the serialized context and the descriptors it refers to.</summary>
public sealed class PreparedExec
{
    internal PreparedExec(byte[] context, int[] passedFds, IReadOnlyList<string> argv, string path, string? cgroupPath)
    {
        Context = context;
        PassedFds = passedFds;
        Argv = argv;
        ProcessName = ProcessNameOf(path);
        CgroupPath = cgroupPath;
    }

    /// <summary>The cgroup the process is started in (and that the executor joins, where it was not born in it).</summary>
    public string? CgroupPath { get; }

    /// <summary>The records of Engine/Executor/unitsd-executor.c's format.</summary>
    public byte[] Context { get; }

    /// <summary>Descriptors the executor receives at 5, 6, ...</summary>
    public int[] PassedFds { get; }

    /// <summary>argv after expansion, for logs.</summary>
    public IReadOnlyList<string> Argv { get; }

    /// <summary>What the process is called until it executes the command: "(sleep)" for /bin/sleep, so that ps and
    /// the unit's process list name it while the executor prepares it.</summary>
    public string ProcessName { get; }

    /// <summary>systemd's rename_process_from_path(): the basename in parentheses, only its last 8 characters when
    /// longer (the end of a name is the telling part; the start may just be "systemd-").</summary>
    internal static string ProcessNameOf(string path)
    {
        string name = Path.GetFileName(path);
        if (name.Length == 0)
            return "(...)";
        return "(" + (name.Length > 8 ? name[^8..] : name) + ")";
    }
}

/// <summary>
/// Turns a unit's <see cref="ExecSettings"/>, one <see cref="ExecCommand"/> and the manager's
/// <see cref="ExecParameters"/> into the executor's context. The prefixes are folded in here: "+" sends neither
/// credentials nor sandboxing, "!" no credentials; "!!" is ignored because this kernel has ambient capabilities.
/// </summary>
public static class ExecContextBuilder
{
    public static PreparedExec Build(ExecSettings settings, ExecCommand command, ExecParameters parameters,
        IEnumerable<string>? extraEnvironment = null)
    {
        var writer = new RecordWriter();
        writer.Add("unitsd-exec-context", "1");

        var env = ExecEnvironment.Build(settings, parameters, extraEnvironment ?? []);
        bool privileged = (command.Flags & ExecFlags.FullPrivileges) != 0 ||
                          (settings.PermissionsStartOnly && !parameters.IsMainCommand);
        bool credentials = !privileged && (command.Flags & ExecFlags.NoSetUid) == 0;
        bool sandbox = !privileged;

        var passed = new List<int>();
        foreach (var (fd, _) in parameters.ListenFds)
            passed.Add(fd);
        if (parameters.ListenFds.Count > 0)
        {
            writer.Add("listen-fds", parameters.ListenFds.Count);
            env["LISTEN_FDNAMES"] = string.Join(':', parameters.ListenFds.Select(l => l.Name));
        }

        var directories = new List<(string Key, int Mode, string Path)>();
        var privateRoots = new List<string>();
        ExecDirectoryRoots roots = parameters.Directories;
        bool dynamic = parameters.DynamicUser is not null;
        // DynamicUser= keeps state, cache and logs (and runtime directories that outlive a stop) in ROOT/private.
        AddDirectories(directories, privateRoots, "runtime-directory", "RUNTIME_DIRECTORY", settings.RuntimeDirectory, settings.RuntimeDirectoryMode, roots.Runtime,
            dynamic && settings.RuntimeDirectoryPreserve != RuntimeDirectoryPreserve.No, env);
        AddDirectories(directories, privateRoots, "state-directory", "STATE_DIRECTORY", settings.StateDirectory, settings.StateDirectoryMode, roots.State, dynamic, env);
        AddDirectories(directories, privateRoots, "cache-directory", "CACHE_DIRECTORY", settings.CacheDirectory, settings.CacheDirectoryMode, roots.Cache, dynamic, env);
        AddDirectories(directories, privateRoots, "logs-directory", "LOGS_DIRECTORY", settings.LogsDirectory, settings.LogsDirectoryMode, roots.Logs, dynamic, env);
        AddDirectories(directories, privateRoots, "configuration-directory", "CONFIGURATION_DIRECTORY", settings.ConfigurationDirectory, settings.ConfigurationDirectoryMode,
            roots.Configuration, isPrivate: false, env);

        var argv = command.ExpandArgv(env);
        if (argv.Count == 0)
            throw new ExecSetupException($"{command.Path}: the command line expands to nothing");
        writer.Add("path", command.Path);
        foreach (var arg in argv)
            writer.Add("argv", arg);
        foreach (var (name, value) in env)
            writer.Add("env", name + "=" + value);

        writer.Add("stdin", Stdio(settings.StandardInput, isInput: true, parameters, passed, settings));
        writer.Add("stdout", Stdio(settings.StandardOutput, isInput: false, parameters, passed, settings));
        writer.Add("stderr", Stdio(settings.StandardError, isInput: false, parameters, passed, settings));
        if (settings.TTYPath is { } tty)
            writer.Add("tty-path", tty);
        if (parameters.IdleFd is { } idle)
        {
            passed.Add(idle);
            writer.Add("idle", passed.Count - 1);
        }
        writer.Add("passed-fds", passed.Count);

        if (parameters.CgroupPath is { } cgroup)
            writer.Add("cgroup", cgroup);
        if (parameters.ParentDeathSignal != 0)
            writer.Add("pdeathsig", parameters.ParentDeathSignal);
        if (settings.WorkingDirectory is { } cwd)
            writer.Add("working-directory", cwd);
        if (settings.RootDirectory is { } root && (!settings.RootDirectoryStartOnly || parameters.IsMainCommand) && sandbox)
            writer.Add("root-directory", root);
        if (settings.UMask is { } umask)
            writer.Add("umask", Convert.ToString(umask, 8));
        if (settings.Nice is { } nice)
            writer.Add("nice", nice);
        if (settings.OOMScoreAdjust is { } oom)
            writer.Add("oom-score-adjust", oom);
        if (settings.CPUSchedulingPolicy is { } policy)
            writer.Add("cpu-sched-policy", policy);
        if (settings.CPUSchedulingPriority is { } priority)
            writer.Add("cpu-sched-priority", priority);
        writer.AddSwitch("cpu-sched-reset-on-fork", settings.CPUSchedulingResetOnFork);
        foreach (var (resource, limit) in settings.Limits)
            writer.Add("rlimit", $"{(int)resource}:{Limit(limit.Soft)}:{Limit(limit.Hard)}");

        // Directories are owned by the unit's user even for "+" commands, as in systemd.
        if (parameters.DynamicUser is { } dynamicUser && (credentials || directories.Count > 0))
        {
            writer.Add("dynamic-user", FormattableString.Invariant($"{dynamicUser.User}:{dynamicUser.Uid}:{dynamicUser.Gid}"));
        }
        else
        {
            if (settings.User is { } user && (credentials || directories.Count > 0))
                writer.Add("user", user);
            if (settings.Group is { } group && (credentials || directories.Count > 0))
                writer.Add("group", group);
        }
        foreach (var (key, mode, path) in directories)
            writer.Add(key, Convert.ToString(mode, 8) + ":" + path);
        foreach (string privateRoot in privateRoots)
            writer.Add("private-directory-root", privateRoot);
        if (!credentials && (settings.User is not null || settings.Group is not null))
            writer.Add("credentials", 0);
        if (credentials)
        {
            foreach (var supplementary in settings.SupplementaryGroups)
                writer.Add("supplementary-group", supplementary);
            if (settings.AmbientCapabilities != 0)
                writer.Add("ambient-capabilities", settings.AmbientCapabilities.ToString("x", CultureInfo.InvariantCulture));
        }
        if (sandbox)
        {
            AddSandbox(writer, settings, parameters);
            // The unit's own directories are mounts of their own, as systemd binds them: writable under ProtectSystem=,
            // left as they are by NoExecPaths= (the private ones get their own mount).
            if (settings.ProtectSystem != ProtectSystem.No || settings.NoExecPaths.Count > 0)
                foreach (var (_, _, path) in directories)
                    if (!privateRoots.Any(privateRoot => path.StartsWith(privateRoot + "/private/", StringComparison.Ordinal)))
                        writer.Add("read-write-path", path);
        }
        return new PreparedExec(writer.ToArray(), [.. passed], argv, command.Path, parameters.CgroupPath);
    }

    private static void AddSandbox(RecordWriter writer, ExecSettings settings, ExecParameters parameters)
    {
        writer.AddSwitch("no-new-privileges", settings.NoNewPrivileges);
        ulong dropped = Capabilities.DroppedBySandboxing(settings.PrivateDevices, settings.ProtectKernelModules,
            settings.ProtectKernelLogs, settings.ProtectClock);
        ulong? bounding = dropped == 0 ? settings.CapabilityBoundingSet : (settings.CapabilityBoundingSet ?? Capabilities.All) & ~dropped;
        if (bounding is { } mask)
            writer.Add("capability-bounding-set", mask.ToString("x", CultureInfo.InvariantCulture));
        if (settings.PrivateTmp && parameters.PrivateTmp is { } tmp)
            writer.Add("private-tmp", tmp.Tmp + ":" + tmp.VarTmp);
        writer.AddSwitch("private-devices", settings.PrivateDevices);
        writer.AddSwitch("private-network", settings.PrivateNetwork);
        if (settings.ProtectSystem != ProtectSystem.No)
            writer.Add("protect-system", settings.ProtectSystem.ToString().ToLowerInvariant());
        if (settings.ProtectHome != ProtectHome.No)
            writer.Add("protect-home", settings.ProtectHome == ProtectHome.ReadOnly ? "read-only" : settings.ProtectHome.ToString().ToLowerInvariant());
        foreach (var path in settings.ReadOnlyPaths)
            writer.Add("read-only-path", path);
        foreach (var path in settings.ReadWritePaths)
            writer.Add("read-write-path", path);
        foreach (var path in settings.InaccessiblePaths)
            writer.Add("inaccessible-path", path);
        foreach (var path in settings.NoExecPaths)
            writer.Add("no-exec-path", path);
        foreach (var path in settings.ExecPaths)
            writer.Add("exec-path", path);
        if (settings.ProtectProc != "default")
            writer.Add("protect-proc", settings.ProtectProc);
        if (settings.ProcSubset != "all")
            writer.Add("proc-subset", settings.ProcSubset);
        writer.AddSwitch("protect-kernel-tunables", settings.ProtectKernelTunables);
        writer.AddSwitch("protect-kernel-modules", settings.ProtectKernelModules);
        writer.AddSwitch("protect-kernel-logs", settings.ProtectKernelLogs);
        if (settings.ProtectControlGroups)
            writer.Add("read-only-path", "-/sys/fs/cgroup");
        writer.AddSwitch("protect-hostname", settings.ProtectHostname);
        AddSeccomp(writer, settings);
    }

    /// <summary>The seccomp side of the sandbox, as systemd's exec_child applies it: the calls PrivateDevices=,
    /// ProtectKernelModules=, ProtectKernelLogs=, ProtectClock= and ProtectHostname= take away, RestrictNamespaces=, RestrictAddressFamilies=,
    /// MemoryDenyWriteExecute=, RestrictRealtime=, RestrictSUIDSGID=, LockPersonality=, SystemCallArchitectures=, and
    /// SystemCallFilter= with SystemCallErrorNumber=.</summary>
    private static void AddSeccomp(RecordWriter writer, ExecSettings settings)
    {
        var denied = new SortedSet<string>(StringComparer.Ordinal);
        if (settings.PrivateDevices)
            denied.UnionWith(SyscallGroups.Expand("@raw-io"));
        if (settings.ProtectKernelModules)
            denied.UnionWith(SyscallGroups.Expand("@module"));
        if (settings.ProtectKernelLogs)
            denied.Add("syslog");
        if (settings.ProtectClock)
            denied.UnionWith(SyscallGroups.Expand("@clock"));
        if (settings.ProtectHostname)
            denied.UnionWith(["sethostname", "setdomainname"]);
        foreach (string call in denied)
            writer.Add("syscall-deny", call);
        if (settings.RestrictNamespaces is { } allowed)
            writer.Add("restrict-namespaces", allowed.ToString("x", CultureInfo.InvariantCulture));
        if (settings.RestrictAddressFamilies is { } families)
            writer.Add("restrict-address-families", (families.AllowList ? "allow:" : "deny:")
                + string.Join(',', families.Families.Select(f => f.ToString(CultureInfo.InvariantCulture))));
        writer.AddSwitch("memory-deny-write-execute", settings.MemoryDenyWriteExecute);
        writer.AddSwitch("restrict-realtime", settings.RestrictRealtime);
        writer.AddSwitch("restrict-suid-sgid", settings.RestrictSUIDSGID);
        writer.AddSwitch("lock-personality", settings.LockPersonality);
        if (settings.SystemCallArchitectures.Count > 0)
            writer.Add("restrict-architectures", 1);
        if (settings.SystemCallFilter is not { } filter)
            return;
        writer.Add("syscall-filter", filter.AllowList ? "allow" : "deny");
        writer.Add("syscall-error", Action(settings.SystemCallErrorNumber));
        foreach (var (call, errorNumber) in filter.Calls.OrderBy(c => c.Key, StringComparer.Ordinal))
            writer.Add("syscall", errorNumber == SyscallFilter.DefaultAction ? call : call + ":" + Action(errorNumber));

        static string Action(int errorNumber) =>
            errorNumber == SyscallFilter.Kill ? "kill" : errorNumber.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>One kind of exec directory: made in ROOT (in ROOT/private when <paramref name="isPrivate"/>), and
    /// named in the environment by its public path.</summary>
    private static void AddDirectories(List<(string, int, string)> into, List<string> privateRoots, string key, string variable,
        IReadOnlyList<string> names, int mode, string root, bool isPrivate, Dictionary<string, string> env)
    {
        if (names.Count == 0)
            return;
        foreach (string name in names)
            into.Add((key, mode, isPrivate ? Path.Combine(root, "private", name) : Path.Combine(root, name)));
        if (isPrivate && !privateRoots.Contains(root))
            privateRoots.Add(root);
        env[variable] = string.Join(':', names.Select(n => Path.Combine(root, n)));
    }

    private static string Limit(ulong? value) =>
        value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "infinity";

    private static string Stdio(StdioSetting setting, bool isInput, ExecParameters parameters, List<int> passed, ExecSettings settings)
    {
        string Pass(int fd)
        {
            passed.Add(fd);
            return "fd:" + (passed.Count - 1).ToString(CultureInfo.InvariantCulture);
        }
        return setting.Kind switch
        {
            StdioKind.Null => "null",
            StdioKind.Inherit => isInput ? "null" : "inherit",
            StdioKind.Tty => "tty",
            StdioKind.Kmsg => "kmsg",
            // Until the journal is wired a caller without a journal stream keeps the manager's own stream,
            // so no line is lost.
            StdioKind.Journal => parameters.JournalFd is { } journal ? Pass(journal) : isInput ? "null" : "keep",
            StdioKind.Socket => parameters.SocketFd is { } socket ? Pass(socket)
                : throw new ExecSetupException("StandardInput=socket without a connection socket"),
            StdioKind.NamedFd => Pass(parameters.ListenFds.FirstOrDefault(l => l.Name == setting.Argument) is { Name: not null } named
                ? named.Fd : throw new ExecSetupException($"fd:{setting.Argument}: no descriptor of that name")),
            StdioKind.File => "file:" + setting.Argument,
            StdioKind.Append => "append:" + setting.Argument,
            StdioKind.Truncate => "truncate:" + setting.Argument,
            _ => throw new ExecSetupException($"Unknown standard stream setting {setting.Kind} ({settings.SyslogIdentifier})"),
        };
    }

    private sealed class RecordWriter
    {
        private readonly MemoryStream _stream = new(512);

        public void Add(string key, string value)
        {
            if (value.Contains('\0', StringComparison.Ordinal))
                throw new ExecSetupException($"{key}: value contains a NUL byte");
            Span<byte> buffer = stackalloc byte[256];
            int length = Encoding.UTF8.GetByteCount(key) + 1 + Encoding.UTF8.GetByteCount(value) + 1;
            byte[]? rented = length > buffer.Length ? new byte[length] : null;
            var span = rented ?? buffer[..length];
            int at = Encoding.UTF8.GetBytes(key, span);
            span[at++] = (byte)'=';
            at += Encoding.UTF8.GetBytes(value, span[at..]);
            span[at++] = 0;
            _stream.Write(span[..at]);
        }

        public void Add(string key, int value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

        /// <summary>"key=1" for a switch that is on; nothing for one that is off (the executor's default).</summary>
        public void AddSwitch(string key, bool on)
        {
            if (on)
                Add(key, 1);
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
