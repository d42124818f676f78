using System.Net.Sockets;
using System.Runtime.InteropServices;
using Units.Api;
using Units.Api.Objects;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Daemon.Host;
using Units.Execution.Service;
using Units.Execution.Triggers;
using Units.Execution.Socket;
using Units.Execution;
using Units.Execution.Spawning;
using Units.Execution.Mounts;
using Units.Daemon.Loading;
using Units.Daemon.Logging;
using Units.DBus;
using Units.UnitFiles;
using Units.UnitFiles.Install;
using Units.UnitFiles.Loading;
using Units.UnitFiles.Settings;

namespace Units.Daemon;

/// <summary>
/// One running service manager: wires the unit-file loader, the core, execution and the D-Bus API together
/// with the real clock, processes and sockets, then runs the manager loop on the calling thread.
/// </summary>
internal sealed class ManagerHost : IManagerObserver, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IDisposable> _owned = [];
    private readonly ICoreLog _log;
    private readonly UnitManager _manager;
    private readonly string _privateSocket;
    private readonly ManagerJournal _journal;
    private readonly ApiBus _bus;
    private readonly ExecutionRuntime _execution;
    private readonly MountTable _mounts;
    private const string DBusService = "dbus.service";

    private ManagerHost(CommandLine command, ICoreLog log)
    {
        bool user = !command.System;
        string runtimeDirectory = RuntimeDirectory(user);
        string systemdRuntime = Path.Combine(runtimeDirectory, "systemd");
        _privateSocket = Path.Combine(systemdRuntime, "private");
        // Before anything is opened or created: a second manager must not touch the first one's journal or sockets.
        RefuseIfAnotherManagerListens(_privateSocket);
        Directory.CreateDirectory(systemdRuntime);
        // The journal (Logging/) takes the manager's messages from here on, and services' output.
        _journal = ManagerJournal.Open(user, log, command.Debug ? LogPriority.Debug : LogPriority.Info);
        _log = log = _journal.Log;
        ManagerScope scope = user ? ManagerScope.User : ManagerScope.System;

        ManagerConfiguration configuration = ManagerConfiguration.Read(
            ManagerConfiguration.Files(user, Environment.GetEnvironmentVariable), log);
        var unitScope = user ? UnitScope.User : UnitScope.System;
        var loader = new UnitLoader(new UnitLoaderOptions
        {
            Scope = unitScope,
            SearchPath = command.UnitPath.Count > 0 ? command.UnitPath : null,
            Binder = SettingsBinder.Instance,
        });
        // --unit-path replaces the search path for installation state too, through the variable systemd reads.
        Func<string, string?> installEnvironment = command.UnitPath.Count > 0
            ? name => name == "SYSTEMD_UNIT_PATH" ? string.Join(':', command.UnitPath) : Environment.GetEnvironmentVariable(name)
            : Environment.GetEnvironmentVariable;
        var installer = new UnitFileInstaller(user ? InstallScope.User : InstallScope.System, environment: installEnvironment);
        var mounts = _mounts = MountTable.OfThisProcess();
        var source = new UnitFileSource(loader, installer.States, unit => TypeSettings(unit, configuration), log,
            UnitSearchPaths.WrittenDirectories(unitScope, Environment.GetEnvironmentVariable, Environment.GetEnvironmentVariable("HOME") ?? "/root"),
            definition => MountUnits.Complete(mounts, definition, configuration.DefaultTimeoutStartUSec));
        var environment = new ManagerEnvironment(ManagerEnvironmentBlock(user, configuration));

        ExecDirectoryRoots directories = user ? UserDirectories(runtimeDirectory) : ExecDirectoryRoots.System;
        UnitManager? manager = null;
        var busNames = new BusNameWatcher(work => manager!.Post(work), log);
        var execution = new ExecutionRuntime(new ExecutionOptions
        {
            Post = work => manager!.Post(work),
            MoveSelfToInitScope = true,
            NotifySocketPath = Path.Combine(systemdRuntime, "notify"),
            ExecutorPath = Path.Combine(AppContext.BaseDirectory, "unitsd-executor"),
            Directories = directories,
            ManagerEnvironment = environment.Variables,
            JournalStreams = _journal.ServiceStreams,
            BusNames = busNames,
            JobsQueued = () => manager!.Jobs.Count > 0,
            Log = (priority, message) => log.Write((LogPriority)priority, null, message),
        });
        _owned.Add(execution);
        _execution = execution;
        UnitKinds kinds = UnitKinds.WithCoreKinds();
        ServiceKind.Register(kinds, execution);
        var startedAt = new DualTimestamp(SystemClock.Instance.RealtimeUSec, SystemClock.Instance.MonotonicUSec);
        TimerKind.Register(kinds, TimerEnvironment(user, startedAt));
        PathKind.Register(kinds, execution);
        SocketKind.Register(kinds, execution);
        Execution.Scope.ScopeKind.Register(kinds, execution);
        Execution.Slice.CgroupSliceKind.Register(kinds, execution);
        MountKind.Register(kinds, mounts, execution);

        _manager = manager = new UnitManager(new ManagerOptions
        {
            Scope = scope,
            Loader = source,
            Kinds = kinds,
            Clock = SystemClock.Instance,
            Log = log,
            Conditions = new HostConditions(),
            DefaultTarget = command.DefaultTarget ?? SpecialUnits.DefaultTarget,
            Debug = command.Debug,
        });
        _manager.AddObserver(this);
        _owned.Add(new TimeChangeWatcher(_manager.Post, execution, _manager.DispatchTimeChange, _manager.DispatchTimezoneChange,
            message => log.Write(LogPriority.Warning, null, message)));
        _journal.Attach(_manager);

        var access = new BusAccess(Native.geteuid(), AdminGroupId(command.BusAdminGroup));
        var tree = new ObjectTree { Dispatcher = _manager.Post, Authorize = access.AuthorizeAsync };
        tree.UnhandledException = (call, e) => log.Write(LogPriority.Error, null, $"Failed to handle {call.Member}: {e}");
        uint ownUid = Native.geteuid();
        DBusServer server = DBusServer.Listen("unix:path=" + DBusAddress.Escape(_privateSocket), new DBusServerOptions
        {
            Objects = tree,
            Sender = "org.freedesktop.systemd1",
            // systemd's CONNECTIONS_MAX. Beyond 256 connections still authenticating (a burst of real clients
            // fits, each needs one round trip) the oldest is dropped: clients that say nothing cannot keep others out.
            MaxConnections = 4096,
            MaxPendingAuthentications = 256,
            // What a client that does not read may have queued before it is dropped: far more than any reply or
            // burst of signals, far less than 4096 such clients could otherwise pin.
            ConnectionOptions = new DBusConnectionOptions { MaxSendQueueBytes = 16 * 1024 * 1024, MaxSendQueueMessages = 16_384 },
            // systemd's bus_on_connection: only root and the manager's own user may use the private socket.
            AcceptPeer = peer =>
            {
                bool allowed = peer is { UserId: var uid } && (uid == 0 || uid == ownUid);
                if (!allowed)
                    log.Write(LogPriority.Warning, null, "Incoming private connection from unprivileged client, refusing.");
                return allowed;
            },
        });
        _owned.Add(server);
        var api = new ManagerApi(_manager, installer, environment, source, source, new ApiOptions
        {
            StartedAt = startedAt,
            UnitPath = loader.SearchPath,
            DefaultStandardOutput = configuration.DefaultStandardOutput,
            DefaultStandardError = configuration.DefaultStandardError,
            DefaultTimeoutStartUSec = configuration.DefaultTimeoutStartUSec,
            DefaultTimeoutStopUSec = configuration.DefaultTimeoutStopUSec,
            Directories = directories,
        }, server.Broadcast)
        {
            BeforeReload = source.Reload,
        };
        api.Register(tree);
        _journal.ServeQueries(tree);
        _bus = new ApiBus(ApiBus.Address(user, runtimeDirectory, Environment.GetEnvironmentVariable), tree, api, busNames, _manager, log);
        _owned.Add(_bus);
        _owned.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate));
        _owned.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnTerminate));
    }

    /// <summary>Builds a manager for <paramref name="command"/>; throws <see cref="StartupException"/> with a
    /// message for the admin when it cannot run.</summary>
    public static ManagerHost Create(CommandLine command, ICoreLog log) => new(command, log);

    /// <summary>Starts the default target and runs the loop until the manager exits.</summary>
    public void Run()
    {
        // As systemd's coldplug: the units of what is mounted exist before the default target's transaction.
        _manager.Post(() => MountUnits.Dispatch(_mounts, _manager));
        MountTable.Watch(_manager.Post, () => MountUnits.Dispatch(_mounts, _manager),
            message => _log.Write(LogPriority.Warning, null, message));
        _manager.Post(() => _manager.Startup());
        _manager.Post(_bus.Connect);
        _manager.Run(_stop.Token);
    }

    /// <summary>systemd rechecks the API bus when dbus.service changes state: once it is up, connect.</summary>
    void IManagerObserver.UnitChanged(Unit unit)
    {
        if (unit.Id == DBusService && unit.ActiveState == ActiveState.Active)
            _bus.Connect();
    }

    /// <summary>The last job is gone: Type=idle commands waiting for that go on (systemd's manager_close_idle_pipe).</summary>
    void IManagerObserver.JobRemoved(Job job, JobResult result)
    {
        if (_manager.Jobs.Count == 0)
            _execution.JobsFinished();
    }

    void IManagerObserver.ObjectiveChanged(ManagerObjective objective)
    {
        if (objective != ManagerObjective.Ok)
            _stop.Cancel();
    }

    /// <summary>SIGTERM/SIGINT: a user manager exits (systemd starts exit.target; units are stopped as part of it).</summary>
    private void OnTerminate(PosixSignalContext context)
    {
        context.Cancel = true;
        _manager.Post(() =>
        {
            try
            {
                _manager.QueueJob(SpecialUnits.ExitTarget, JobType.Start, Core.Jobs.JobMode.ReplaceIrreversibly);
            }
            catch (BusErrorException e)
            {
                _log.Write(LogPriority.Warning, null, $"Failed to start {SpecialUnits.ExitTarget}, exiting at once: {e.Message}");
                _manager.Exit();
            }
        });
    }

    public void Dispose()
    {
        foreach (IDisposable owned in _owned)
            owned.Dispose();
        try
        {
            File.Delete(_privateSocket);
        }
        catch (IOException)
        {
            // Best effort: a stale socket is detected and replaced by the next manager.
        }
        _stop.Dispose();
        _journal.Dispose();
    }

    private static string RuntimeDirectory(bool user)
    {
        if (!user)
            return "/run";
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (string.IsNullOrEmpty(runtime) || !Path.IsPathRooted(runtime))
            throw new StartupException("XDG_RUNTIME_DIR is not set (or not absolute): a user manager keeps its sockets there.");
        return runtime;
    }

    private static unsafe uint? AdminGroupId(string? name)
    {
        if (name is null)
            return null;
        Native.Group* group = Native.getgrnam(name);
        if (group is null)
            throw new StartupException($"--bus-admin-group={name}: no such group.");
        return group->Id;
    }

    /// <summary>systemd refuses to run two managers on one private socket; so do we, instead of stealing it.</summary>
    private static void RefuseIfAnotherManagerListens(string socketPath)
    {
        if (!File.Exists(socketPath))
            return;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException)
        {
            return;
        }
        throw new StartupException($"Another service manager is already listening on {socketPath}, refusing to start.");
    }

    /// <summary>The environment every unit starts from: for a user manager its own environment (less what
    /// describes the manager's own invocation), for the system manager a fixed PATH; then DefaultEnvironment=.</summary>
    private static List<string> ManagerEnvironmentBlock(bool user, ManagerConfiguration configuration)
    {
        var block = new List<string>();
        if (user)
        {
            string[] invocation = ["NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_PID", "WATCHDOG_USEC", "INVOCATION_ID", "JOURNAL_STREAM", "MANAGERPID"];
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                string name = (string)entry.Key;
                if (!invocation.Contains(name))
                    block.Add($"{name}={entry.Value}");
            }
        }
        else
        {
            block.Add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        block.AddRange(configuration.DefaultEnvironment);
        block.Sort(StringComparer.Ordinal);
        return block;
    }

    /// <summary>What a unit's type needs beyond the core's model: a service's or a socket's execution settings, what
    /// a timer or path unit waits for.</summary>
    private static object? TypeSettings(LoadedUnit unit, ManagerConfiguration configuration) => unit.Settings switch
    {
        { Service: not null } settings => ServiceDefinitions.From(settings, configuration),
        { Timer: not null } settings => TriggerDefinitions.Timer(unit.Name, settings),
        { Path: not null } settings => TriggerDefinitions.Path(unit.Name, settings),
        { Socket: not null } settings => SocketDefinitions.From(settings, configuration),
        { Mount: not null } settings => new Execution.Mounts.MountSettings
        {
            What = settings.Mount.What,
            Type = settings.Mount.Type,
            Options = settings.Mount.Options,
            TimeoutUsec = settings.Mount.TimeoutUsec ?? configuration.DefaultTimeoutStartUSec,
            DirectoryMode = (int)settings.Mount.DirectoryMode,
            SloppyOptions = settings.Mount.SloppyOptions,
            LazyUnmount = settings.Mount.LazyUnmount,
            ForceUnmount = settings.Mount.ForceUnmount,
            ReadWriteOnly = settings.Mount.ReadWriteOnly,
            Processes = new Execution.Service.ServiceSettings
            {
                Exec = ServiceDefinitions.Exec(settings, "Mount", service: null, configuration),
                Kill = settings.Kill is { } kill ? ServiceDefinitions.Kill(kill) : new(),
                Resources = ServiceDefinitions.Resources(settings.ResourceControl, cpuAccountingSet: settings.LastValue("Mount", "CPUAccounting") is not null),
            },
        },
        { Type: UnitFiles.Names.UnitType.Slice, ResourceControl: { } resources } settings =>
            ServiceDefinitions.Resources(resources, cpuAccountingSet: settings.LastValue("Slice", "CPUAccounting") is not null),
        { Scope: not null } settings => new Execution.Scope.ScopeSettings
        {
            Kill = settings.Kill is { } kill ? ServiceDefinitions.Kill(kill) : new(),
            Resources = ServiceDefinitions.Resources(settings.ResourceControl, cpuAccountingSet: settings.LastValue("Scope", "CPUAccounting") is not null),
            RuntimeMaxUsec = settings.Scope.RuntimeMaxUsec,
            TimeoutStopUsec = settings.Scope.TimeoutStopUsec ?? configuration.DefaultTimeoutStopUSec,
        },
        _ => null,
    };

    /// <summary>systemd 252's places for timers: stamp files of Persistent= timers, the container check of OnBootSec=,
    /// the machine ID that FixedRandomDelay= derives from.</summary>
    private static TimerEnvironment TimerEnvironment(bool user, DualTimestamp startedAt)
    {
        string stamps = "/var/lib/systemd/timers";
        if (user)
        {
            string home = Environment.GetEnvironmentVariable("HOME") ?? "/";
            string data = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".local/share");
            stamps = Path.Combine(data, "systemd/timers");
        }
        string machineId = "";
        try
        {
            machineId = File.ReadAllText("/etc/machine-id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No machine ID: FixedRandomDelay= is then fixed per manager, user and unit only, as systemd's is.
        }
        return new TimerEnvironment
        {
            ManagerStarted = startedAt,
            StampDirectory = stamps,
            InContainer = Environment.GetEnvironmentVariable("container") is { Length: > 0 } || File.Exists("/run/systemd/container"),
            MachineId = machineId,
            UserId = Native.geteuid(),
        };
    }

    /// <summary>systemd 252's user-manager directories for RuntimeDirectory= and friends.</summary>
    private static ExecDirectoryRoots UserDirectories(string runtimeDirectory)
    {
        string home = Environment.GetEnvironmentVariable("HOME") ?? "/";
        string Xdg(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : Path.Combine(home, fallback);
        return ExecDirectoryRoots.ForUser(runtimeDirectory, Xdg("XDG_CONFIG_HOME", ".config"), Xdg("XDG_CACHE_HOME", ".cache"));
    }
}

/// <summary>unitsd cannot start; the message says why, for the admin.</summary>
internal sealed class StartupException(string message) : Exception(message);
