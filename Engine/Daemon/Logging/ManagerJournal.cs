using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution;
using Units.Execution.Service;
using Units.Journal;
using Units.DBus;
using Units.Journal.Bus;
using Units.Journal.Capture;
using Units.Journal.Format;
using Units.Journal.Writing;

namespace Units.Daemon.Logging;

/// <summary>
/// The instance's journal (see README.md in this folder): where its files are, the manager's messages
/// (<see cref="Log"/>) and its services' output (<see cref="ServiceStreams"/>). When no journal can be
/// opened the manager keeps logging to standard error, and services keep the manager's own streams.
/// </summary>
internal sealed class ManagerJournal : IManagerObserver, IDisposable
{
    private readonly JournalService? _journal;
    private readonly FileStream? _writerLock;
    // The unit of each main and control process the manager started, kept for a while after it exits (filled on the
    // manager loop, read by the journal's socket threads): a client of the journal's sockets already gone when its
    // message is read is still filed under its unit.
    private readonly ConcurrentDictionary<int, string> _unitOfProcess;
    private readonly bool _user;
    private UnitManager? _manager;
    private JournalBusInterface? _queries;

    private ManagerJournal(ICoreLog fallback, JournalService? journal, ConcurrentDictionary<int, string> unitOfProcess,
        FileStream? writerLock, bool user, LogPriority maxPriority)
    {
        _journal = journal;
        _unitOfProcess = unitOfProcess;
        _writerLock = writerLock;
        _user = user;
        ServiceStreams = journal is null ? null : new ServiceLogStreams(journal, user);
        // SYSTEMD_LOG_TARGET= as systemd reads it: "console" keeps the manager's messages on standard error
        // (services' output still goes to the journal), "null" drops them. By default they go to the journal,
        // and to standard error too when that is a terminal (systemd's "auto" logs to a console it runs on).
        Log = Environment.GetEnvironmentVariable("SYSTEMD_LOG_TARGET") switch
        {
            _ when journal is null => fallback,
            "console" or "kmsg" => fallback,
            "null" => NullLog.Instance,
            _ => new JournalLog(journal, user, maxPriority, Facts, Native.isatty(2) == 1 ? fallback : null),
        };
    }

    /// <summary>Where the manager's messages go: the journal, or <c>fallback</c> without one.</summary>
    public ICoreLog Log { get; }

    /// <summary>The active journal file; null without a journal.</summary>
    public string? ActivePath => _journal?.Store.ActivePath;

    /// <summary>StandardOutput=/StandardError=journal's streams (ExecutionOptions.JournalStreams); null without a journal.</summary>
    public IJournalStreams? ServiceStreams { get; }

    /// <summary>Opens the journal of a system (<paramref name="user"/> false) or user instance; says on
    /// <paramref name="fallback"/> why when it cannot, and then logs there.</summary>
    public static ManagerJournal Open(bool user, ICoreLog fallback, LogPriority maxPriority)
    {
        JournalService? journal = null;
        FileStream? writerLock = null;
        try
        {
            Id128 machineId = Id128.ReadFile("/etc/machine-id")
                ?? throw new IOException("/etc/machine-id is missing or malformed");
            Id128 bootId = Id128.ReadFile("/proc/sys/kernel/random/boot_id")
                ?? throw new IOException("/proc/sys/kernel/random/boot_id is unreadable");
            (string directory, string baseName) = Place(user, machineId);
            Directory.CreateDirectory(directory);
            // One writer per file: a second instance of the same user (or a second system manager) must not
            // append to it too. FileShare.None is an exclusive flock(2) on Linux; the lock file is hidden
            // from journal readers, which take *.journal only.
            string lockPath = Path.Combine(directory, "." + baseName + ".journal.lock");
            try
            {
                writerLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                throw new IOException($"another manager writes {Path.Combine(directory, baseName)}.journal");
            }
            var unitOfProcess = new ConcurrentDictionary<int, string>();
            journal = JournalService.Start(new JournalServiceOptions
            {
                ResolveContext = (pid, uid, gid) => SocketClient(pid, uid, gid, unitOfProcess),
                Store = new JournalStoreOptions { Directory = directory, FileBaseName = baseName, MachineId = machineId, BootId = bootId },
                UserInstance = user,
                StdoutSocketPath = UnservedSocket("stdout", SocketType.Stream),
                NativeSocketPath = UnservedSocket("socket", SocketType.Dgram),
                SyslogSocketPath = UnservedSocket("dev-log", SocketType.Dgram),
                Identifier = "unitsd-journal",
                ReportProblem = message => fallback.Write(LogPriority.Warning, null, "Journal: " + message),
            });
            return new ManagerJournal(fallback, journal, unitOfProcess, writerLock, user, maxPriority);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException or SocketException)
        {
            journal?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            writerLock?.Dispose();
            fallback.Write(LogPriority.Warning, null, $"Failed to open the journal, logging to standard error: {e.Message}");
            return new ManagerJournal(fallback, null, [], null, user, maxPriority);
        }
    }

    /// <summary>
    /// The journal directory. A system instance: journald's (/var/log/journal/MACHINE-ID when
    /// /var/log/journal exists, as Storage=auto, else /run/log/journal/MACHINE-ID), files system*.journal.
    /// A user instance: /run/log/journal/MACHINE-ID, files user-UID*.journal, where sd-journal (journalctl,
    /// systemctl status) looks, when the instance may write there; else its own directory
    /// (<see cref="JournalDirectories.ForUser"/>).
    /// </summary>
    private static (string Directory, string BaseName) Place(bool user, Id128 machineId)
    {
        if (!user)
            return JournalDirectories.ForSystem(machineId, persistent: Directory.Exists("/var/log/journal"));
        uint uid = Native.geteuid();
        string shared = Path.Combine("/run/log/journal", machineId.ToString());
        if (CanWriteBelow(shared))
            return (shared, "user-" + uid.ToString(CultureInfo.InvariantCulture));
        return JournalDirectories.ForUser(machineId, uid, persistent: true);
    }

    /// <summary>A client of the journal's sockets: what /proc says, else (gone already) what the manager
    /// recorded of the PID.</summary>
    private static ClientContext SocketClient(int pid, int uid, int gid, ConcurrentDictionary<int, string> unitOfProcess)
    {
        ClientContext context = ClientContext.Read(pid, uid, gid);
        return context is { Unit: null, UserUnit: null } && unitOfProcess.TryGetValue(pid, out string? unit)
            ? context with { Unit = unit }
            : context;
    }

    /// <summary>
    /// journald's socket <paramref name="name"/> under /run/systemd/journal, for clients that log as they do
    /// under systemd (sd_journal_print, systemd-cat, syslog through /run/systemd/journal/dev-log), when this
    /// instance may serve it: the directory is writable for it and nothing listens there (a journald, or
    /// another manager, keeps its sockets). A user instance as root in its own /run (run-systemd.sh) serves them.
    /// </summary>
    private static string? UnservedSocket(string name, SocketType type)
    {
        const string Directory = "/run/systemd/journal";
        string path = Path.Combine(Directory, name);
        if (!CanWriteBelow(Directory))
            return null;
        if (!File.Exists(path))
            return path;
        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return null;
        }
        catch (SocketException)
        {
            return path; // Left behind by a journal that is gone.
        }
    }

    /// <summary>Whether <paramref name="directory"/> exists writable, or could be created.</summary>
    private static bool CanWriteBelow(string directory)
    {
        for (string? at = directory; at is not null; at = Path.GetDirectoryName(at))
            if (Directory.Exists(at))
                return Native.access(at, Native.W_OK) == 0;
        return false;
    }

    /// <summary>Lets the journal word messages with what the manager knows: call once the manager exists (and has
    /// moved into its own cgroup, so that its trusted fields are read once from then on).</summary>
    public void Attach(UnitManager manager)
    {
        _manager = manager;
        (Log as JournalLog)?.Settled();
        if (_journal is not null)
            manager.AddObserver(this);
    }

    /// <summary>Read on the manager loop, where the core logs about units.</summary>
    private UnitLogFacts? Facts(string unit) =>
        _manager?.GetUnit(unit) is { } known
            ? new UnitLogFacts(known.Description, known.Job?.Id ?? 0, known.InvocationId.IsEmpty ? null : known.InvocationId.ToString(),
                known.Kind is ServiceKind { Machine: { } machine } ? machine.Settings.Exec.LogLevelMax : null,
                (known.Kind as ServiceKind)?.Processes?.LastCpuUsageNSec)
            : null;

    /// <summary>Records which unit a service's main and control processes belong to, so that a message a client of
    /// the journal's sockets sent before it was gone is still attributed to its unit.</summary>
    void IManagerObserver.UnitChanged(Unit unit)
    {
        if (unit.Kind is not ServiceKind { Machine: { } machine })
            return;
        if (machine.MainPid > 0)
            _unitOfProcess[machine.MainPid] = unit.Id;
        if (machine.ControlPid > 0)
            _unitOfProcess[machine.ControlPid] = unit.Id;
        if (_unitOfProcess.Count > 4096)
            _unitOfProcess.Clear(); // Old entries only matter for messages still unread.
    }

    /// <summary>Serves the query API (org.units1.Journal at /org/units1/journal, Journal/Bus) over this journal's files
    /// on <paramref name="tree"/>; nothing without a journal.</summary>
    public void ServeQueries(ObjectTree tree)
    {
        if (_journal?.Store.ActivePath is not { } active)
            return;
        _queries = new JournalBusInterface(Path.GetDirectoryName(active)!, Path.GetFileNameWithoutExtension(active), _user);
        tree.Add(new DBusObject(JournalBusInterface.ObjectPath, _queries));
    }

    /// <summary>Writes what is queued (streams of services still running end within the journal's drain time)
    /// and closes the files.</summary>
    public void Dispose()
    {
        _queries?.Dispose();
        _journal?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _writerLock?.Dispose();
    }

    private sealed class NullLog : ICoreLog
    {
        public static readonly NullLog Instance = new();

        public void Write(LogPriority priority, string? unit, string message)
        {
        }
    }
}
