using Units.UnitFiles.Loading;
using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;

namespace Units.UnitFiles.Verification;

/// <summary>
/// <c>systemd-analyze verify FILE...</c> as systemd 252 does it: the files' directories go first in the
/// search path (then $SYSTEMD_UNIT_PATH, or the defaults), each file is loaded as a unit (a template as
/// "NAME@i"), everything systemd would log is printed in its words to stderr, a unit that is
/// not loaded prints its LoadError, then loaded units get verify's checks (executables exist). Exit status
/// 1 when any unit cannot be loaded or a check fails, else 0.
/// The seed's older options (ValidNoProcess=, PermissionsStartOnly=, SysVStartPriority=) are honoured by
/// the settings table, so they produce no warning here.
/// </summary>
public static class VerifyCommand
{
    /// <summary>The settings binder verify uses unless told otherwise.</summary>
    internal static IUnitSettingsBinder? DefaultBinder => SettingsBinder.Instance;

    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static int Run(string[] files, TextWriter stdout, TextWriter stderr) => Run(files, stdout, stderr, new VerifyOptions());

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, VerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(options);

        UnitScope scope = options.Scope;
        var files = new List<string>();
        foreach (string arg in args)
        {
            if (arg == "--user")
                scope = UnitScope.User;
            else if (arg == "--system")
                scope = UnitScope.System;
            else if (arg.StartsWith("--man", StringComparison.Ordinal) || arg.StartsWith("--generators", StringComparison.Ordinal)
                     || arg.StartsWith("--recursive-errors", StringComparison.Ordinal))
                continue; // man pages and generators are never checked/run here
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                stderr.WriteLine($"unrecognized option '{arg}'");
                return 1;
            }
            else
                files.Add(arg);
        }

        var absolute = files.Select(f => Path.GetFullPath(f, options.CurrentDirectory)).ToList();
        var loader = new UnitLoader(new UnitLoaderOptions
        {
            Scope = scope,
            SearchPath = SearchPath(absolute, scope, options),
            FileSystem = options.FileSystem,
            Host = options.Host,
            Binder = options.Binder,
        });
        foreach (Diagnostic d in loader.Diagnostics)
            stderr.WriteLine(d);

        bool failed = false;
        var loaded = new List<LoadedUnit>();
        var session = new LoadSession(loader, stderr);
        for (int i = 0; i < files.Count; i++)
        {
            string name = Path.GetFileName(absolute[i]);
            if (!UnitName.TryParse(name, out UnitName unitName)
                || (unitName.IsTemplate && !unitName.TryWithInstance("i", out unitName)))
            {
                stderr.WriteLine($"Failed to prepare filename {files[i]}: Invalid argument");
                failed = true;
                continue;
            }
            LoadedUnit unit = session.Load(unitName);
            if (unit.LoadState != LoadState.Loaded)
            {
                stderr.WriteLine(unit.LoadError!.Message);
                failed = true;
                continue;
            }
            loaded.Add(unit);
        }

        string searchPath = options.Environment("PATH") ?? DefaultPath;
        foreach (LoadedUnit unit in loaded)
        {
            failed |= !CheckSocketService(unit, session, stderr);
            failed |= !CheckExecutables(unit, searchPath, stderr);
        }
        stdout?.Flush();
        return failed ? 1 : 0;
    }

    /// <summary>verify_generate_path(): the files' directories, then $SYSTEMD_UNIT_PATH (unset means the defaults, "" nothing).</summary>
    private static IReadOnlyList<string> SearchPath(List<string> files, UnitScope scope, VerifyOptions options)
    {
        var dirs = files.Select(f => Path.GetDirectoryName(f) ?? "/").Distinct(StringComparer.Ordinal).ToList();
        string? old = options.Environment("SYSTEMD_UNIT_PATH");
        string joined = string.Join(':', dirs);
        if (old != "")
            joined += ":" + (old ?? ":");
        string home = options.Host.Home;
        return UnitSearchPaths.Build(scope, v => v == "SYSTEMD_UNIT_PATH" ? joined : options.Environment(v), home);
    }

    /// <summary>verify_socket(): the service a socket activates must load.</summary>
    private static bool CheckSocketService(LoadedUnit unit, LoadSession session, TextWriter stderr)
    {
        if (unit.Type != UnitType.Socket || !UnitName.TryParse(unit.Name, out UnitName socket))
            return true;
        string? serviceName = ServiceOfSocket(socket, unit.Settings);
        if (serviceName is null || !UnitName.TryParse(serviceName, out UnitName service))
            return true;
        LoadedUnit loaded = session.Load(service);
        if (loaded.LoadState == LoadState.Loaded)
            return true;
        stderr.WriteLine($"{unit.Name}: service {loaded.Name} not loaded, socket cannot be started.");
        return false;
    }

    /// <summary>socket_load_service_unit() without a connection: Service=, else the socket's prefix (with instance "internal" for Accept=yes).</summary>
    private static string? ServiceOfSocket(UnitName socket, UnitSettings? settings) =>
        settings?.Socket?.Service ?? (settings?.Socket?.Accept == true ? $"{socket.Prefix}@internal.service" : $"{socket.Prefix}.service");

    /// <summary>
    /// The manager's load queue: loading a unit loads every unit it names (dependencies, .wants/ links, the
    /// unit a socket, timer or path triggers), breadth first, and what systemd logs while loading each is printed.
    /// Default dependencies are not followed: they only name well-known targets and slices.
    /// </summary>
    private sealed class LoadSession(UnitLoader loader, TextWriter stderr)
    {
        private readonly Dictionary<string, LoadedUnit> byName = new(StringComparer.Ordinal);

        public LoadedUnit Load(UnitName name)
        {
            if (byName.TryGetValue(name.Name, out LoadedUnit? known))
                return known;
            var queue = new Queue<UnitName>();
            LoadedUnit first = LoadOne(name, queue);
            while (queue.Count > 0)
            {
                UnitName next = queue.Dequeue();
                if (!byName.ContainsKey(next.Name))
                    LoadOne(next, queue);
            }
            return first;
        }

        private LoadedUnit LoadOne(UnitName name, Queue<UnitName> queue)
        {
            LoadedUnit unit = loader.Load(name);
            byName[name.Name] = unit;
            foreach (string n in unit.Names)
                byName.TryAdd(n, unit);
            foreach (Diagnostic d in unit.Diagnostics)
                stderr.WriteLine(d);
            foreach (string dep in DependenciesOf(unit))
            {
                if (UnitName.TryParse(dep, UnitNameKinds.Plain | UnitNameKinds.Instance, out UnitName depName) && !byName.ContainsKey(dep))
                    queue.Enqueue(depName);
            }
            return unit;
        }

        private static IEnumerable<string> DependenciesOf(LoadedUnit unit)
        {
            UnitSettings? settings = unit.Settings;
            if (settings is not null)
            {
                foreach (DependencySetting kind in Enum.GetValues<DependencySetting>())
                {
                    foreach (string dep in settings.Dependencies(kind))
                        yield return dep;
                }
            }
            foreach (string dep in unit.Wants.Concat(unit.Requires).Concat(unit.Upholds))
                yield return dep;
            if (!UnitName.TryParse(unit.Name, out UnitName self))
                yield break;
            string? triggered = unit.Type switch
            {
                UnitType.Socket => ServiceOfSocket(self, settings),
                UnitType.Timer => settings?.Timer?.Unit ?? self.Prefix + (self.Instance is null ? "" : "@" + self.Instance) + ".service",
                UnitType.Path => settings?.Path?.Unit ?? self.Prefix + (self.Instance is null ? "" : "@" + self.Instance) + ".service",
                _ => null,
            };
            if (triggered is not null)
                yield return triggered;
        }
    }

    /// <summary>verify_executables(): every command of the unit that does not ignore failure must be an executable file.</summary>
    private static bool CheckExecutables(LoadedUnit unit, string searchPath, TextWriter stderr)
    {
        if (unit.Settings?.Service is not ServiceSettings service)
            return true;
        bool ok = true;
        foreach (ServiceCommand which in Enum.GetValues<ServiceCommand>())
        {
            foreach (ExecCommand command in service.Commands(which))
            {
                if (command.IgnoreFailure)
                    continue;
                Errno error = FindExecutable(command.Path, searchPath);
                if (error != 0)
                {
                    stderr.WriteLine($"{unit.Name}: Command {command.Path} is not executable: {error.Describe()}");
                    ok = false;
                }
            }
        }
        return ok;
    }

    /// <summary>find_executable_full(): an absolute path is checked as is, a bare name searched in $PATH.</summary>
    private static Errno FindExecutable(string name, string searchPath)
    {
        if (name.Contains('/', StringComparison.Ordinal))
            return CheckExecutable(name);
        Errno last = Errno.ENOENT;
        foreach (string dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            Errno e = CheckExecutable(Path.Combine(dir, name));
            if (e == 0)
                return 0;
            if (e != Errno.ENOENT)
                last = e;
        }
        return last;
    }

    private static Errno CheckExecutable(string path)
    {
        if (Directory.Exists(path))
            return Errno.EISDIR;
        if (!File.Exists(path))
            return Errno.ENOENT;
        if (OperatingSystem.IsWindows())
            return 0;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0 ? 0 : Errno.EACCES;
    }
}
