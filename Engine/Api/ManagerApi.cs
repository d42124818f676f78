using Units.Api.Interfaces;
using Units.Api.Objects;
using Units.Api.Paths;
using Units.Api.Properties;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.DBus;
using Units.UnitFiles.Install;

namespace Units.Api;

/// <summary>Facts about the manager that the API reports but does not decide.</summary>
public sealed class ApiOptions
{
    /// <summary>Manager.Version. systemctl shows it; tools that compare versions read the leading number.</summary>
    public string Version { get; init; } = "252 (unitsd)";

    public string Features { get; init; } = "";

    /// <summary>When the manager started (UserspaceTimestamp).</summary>
    public DualTimestamp StartedAt { get; init; }

    /// <summary>LogTarget: "auto" (journal when there is one, else the console) unless SYSTEMD_LOG_TARGET= says otherwise.</summary>
    public string LogTarget { get; init; } = "auto";

    public IReadOnlyList<string> UnitPath { get; init; } = [];

    public string DefaultStandardOutput { get; init; } = "journal";

    public string DefaultStandardError { get; init; } = "inherit";

    /// <summary>The manager's own control group, relative to the hierarchy root ("" when not known).</summary>
    public string ControlGroup { get; init; } = "";

    public ulong DefaultTimeoutStartUSec { get; init; } = 90_000_000;

    public ulong DefaultTimeoutStopUSec { get; init; } = 90_000_000;

    /// <summary>Where RuntimeDirectory= and the other exec directories live (they imply RequiresMountsFor=).</summary>
    public Execution.Spawning.ExecDirectoryRoots Directories { get; init; } = Execution.Spawning.ExecDirectoryRoots.System;

    /// <summary>The sender name set on every signal and reply of a peer-to-peer connection, as systemd does.</summary>
    public string Sender { get; init; } = "org.freedesktop.systemd1";
}

/// <summary>
/// org.freedesktop.systemd1 served on an <see cref="ObjectTree"/> over a <see cref="UnitManager"/>: the manager
/// object, one object per unit and per job, and the manager's signals. Method handlers run on the manager loop;
/// signals are sent through <see cref="Broadcast"/> to every private connection, and on the bus (see
/// <see cref="AttachBus"/>) while at least one client there is subscribed, as systemd does.
/// </summary>
public sealed class ManagerApi : IManagerObserver
{
    private readonly Dictionary<string, PropertyTable<UnitView>> _typeTables = TypeProperties.BuildAll();
    private readonly HashSet<string> _busSubscribers = new(StringComparer.Ordinal);
    // Jobs queued by a client on the bus: it hears of its own job without subscribing (systemd's job bus_track).
    private readonly Dictionary<uint, string> _jobRequesters = [];
    // Units referenced by clients (Ref, RefUnit, a transient unit's AddRef), by holder: a client's unique name on the
    // bus, or the private connection itself. A holder's references go when it leaves.
    private readonly Dictionary<object, List<Unit>> _references = [];
    private readonly ManagerInterface _managerInterface;
    private DBusConnection? _bus;

    public ManagerApi(UnitManager manager, UnitFileInstaller installer, ManagerEnvironment environment,
        IUnitFileInfoSource files, IUnitFileWriter writer, ApiOptions options, Action<MessageBuffer> broadcast)
    {
        Manager = manager;
        Installer = installer;
        Environment = environment;
        Files = files;
        Writer = writer;
        Options = options;
        Broadcast = broadcast;
        _managerInterface = new ManagerInterface(this);
        manager.AddObserver(this);
    }

    public UnitManager Manager { get; }

    public UnitFileInstaller Installer { get; }

    public ManagerEnvironment Environment { get; }

    public IUnitFileInfoSource Files { get; }

    public IUnitFileWriter Writer { get; }

    public ApiOptions Options { get; }

    /// <summary>Sends a signal to every connection that should see it.</summary>
    public Action<MessageBuffer> Broadcast { get; }

    /// <summary>Runs before daemon-reload re-reads units (e.g. to forget cached unit files).</summary>
    public Action? BeforeReload { get; set; }

    internal DualTimestamp FinishedAt { get; private set; }

    internal uint InstalledJobs { get; private set; }

    internal string SystemState => Manager.Objective != ManagerObjective.Ok ? "stopping"
        : FinishedAt.MonotonicUSec == 0 ? "starting"
        : Manager.FailedUnitCount > 0 ? "degraded"
        : "running";

    /// <summary>Registers the manager object and the unit and job subtrees on <paramref name="tree"/>.</summary>
    public void Register(ObjectTree tree)
    {
        tree.Add(new DBusObject(BusPaths.Manager, _managerInterface));
        tree.AddSubtree(BusPaths.UnitPrefix.TrimEnd('/'), ResolveUnit, () => Manager.Units.Select(u => BusPaths.ForUnit(u.Id)));
        tree.AddSubtree(BusPaths.JobPrefix.TrimEnd('/'), ResolveJob, () => Manager.Jobs.Select(j => BusPaths.ForJob(j.Id)));
    }

    private DBusObject? ResolveUnit(string path, MethodCall? call)
    {
        string? name = BusPaths.UnitNameFromPath(path);
        if (name is null)
            return null;
        // ".../unit/self" is the caller's own unit (systemd-run --scope reads its InvocationID there). Over a bus the
        // peer is the bus daemon, so only a private connection tells who the caller is.
        if (name == "self")
            return call is { Connection.IsBus: false, Peer: { ProcessId: > 0 and var pid } } && _managerInterface.UnitOfProcess((uint)pid) is { } own
                ? new DBusObject(path, UnitInterfaces(own))
                : null;
        // As systemd does, a path may name a unit by its invocation ID (what GetUnitByInvocationID returns).
        if (InvocationId.TryParse(name, out InvocationId invocation))
            return Manager.GetUnitByInvocationId(invocation) is { } invoked ? new DBusObject(path, UnitInterfaces(invoked)) : null;
        if (StateNames.TypeOfName(name) is null)
            return null;
        // As systemd does, addressing a unit that is not loaded loads it (a missing one loads as not-found).
        Unit unit = Manager.GetUnit(name) ?? Manager.LoadUnit(name);
        return new DBusObject(path, UnitInterfaces(unit));
    }

    private DBusInterface[] UnitInterfaces(Unit unit)
    {
        var view = new UnitView(unit, this);
        // systemd's GetAll("") lists the type's interface before org.freedesktop.systemd1.Unit; systemctl show keeps that order.
        DBusInterface type = unit.Type == UnitType.Scope ? new ScopeInterface(TypeTable(unit), view) : new TableInterface<UnitView>(TypeTable(unit), view);
        return [type, new UnitInterface(view, _managerInterface)];
    }

    private PropertyTable<UnitView> TypeTable(Unit unit)
    {
        string suffix = unit.Type.ToSuffix();
        if (!_typeTables.TryGetValue(suffix, out PropertyTable<UnitView>? table))
        {
            table = new PropertyTable<UnitView>(InterfaceCatalog.ForUnitType(suffix));
            _typeTables.Add(suffix, table);
        }
        return table;
    }

    private DBusObject? ResolveJob(string path)
        => BusPaths.JobIdFromPath(path) is uint id && Manager.GetJob(id) is Job job
            ? new DBusObject(path, new JobInterface(job, Manager))
            : null;

    /// <summary>Serves the API on <paramref name="bus"/> too (on the manager loop; the connection serves the same
    /// object tree and owns org.freedesktop.systemd1). Call <see cref="BusNameGone"/> for each NameOwnerChanged
    /// that loses a name's owner, so that subscribers that disconnect stop counting.</summary>
    public void AttachBus(DBusConnection bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _bus = bus;
        _busSubscribers.Clear();
    }

    /// <summary>The bus connection closed: its subscribers are gone with it.</summary>
    public void DetachBus(DBusConnection bus)
    {
        if (_bus != bus)
            return;
        _bus = null;
        _busSubscribers.Clear();
        foreach (string client in _references.Keys.OfType<string>().ToList())
            BusNameGone(client);
    }

    /// <summary>A bus client left (NameOwnerChanged with no new owner): it is no longer subscribed, and the units
    /// it referenced (AddRef) lose its references.</summary>
    public void BusNameGone(string name)
    {
        _busSubscribers.Remove(name);
        DropReferences(name);
    }

    /// <summary>
    /// The caller holds a reference on <paramref name="unit"/> for as long as it is connected (Ref, RefUnit, a
    /// transient unit's AddRef: systemd's bus_unit_track_add_sender, counting): the unit is not collected before the
    /// caller has seen how it ended.
    /// </summary>
    internal void TrackReference(MethodCall call, Unit unit)
    {
        object holder = ReferenceHolder(call);
        if (!_references.TryGetValue(holder, out List<Unit>? units))
        {
            _references[holder] = units = [];
            if (holder is DBusConnection connection)
                _ = connection.Closed.ContinueWith(_ => Manager.Post(() => DropReferences(connection)), TaskScheduler.Default);
        }
        units.Add(unit);
        unit.Pin();
    }

    /// <summary>Unref, UnrefUnit: drops one of the caller's references (systemd's bus_unit_track_remove_sender).</summary>
    internal void UntrackReference(MethodCall call, Unit unit)
    {
        if (!_references.TryGetValue(ReferenceHolder(call), out List<Unit>? units) || !units.Remove(unit))
            throw new DBusException(BusErrors.NotReferenced, "Unit has not been referenced yet.");
        unit.Unpin();
    }

    private object ReferenceHolder(MethodCall call) =>
        call.Connection == _bus && call.Sender is string sender ? sender : call.Connection;

    private void DropReferences(object holder)
    {
        if (_references.Remove(holder, out List<Unit>? units))
        {
            foreach (Unit unit in units)
                unit.Unpin();
        }
    }

    /// <summary>Clients on the bus that called Subscribe and are still there.</summary>
    public int BusSubscriberCount => _busSubscribers.Count;

    /// <summary>As systemd: a private connection gets every signal anyway, so Subscribe and Unsubscribe do nothing
    /// there; on the bus they count the sender in or out.</summary>
    internal void Subscribe(MethodCall call)
    {
        if (call.Connection != _bus || call.Sender is not string sender)
            return;
        if (!_busSubscribers.Add(sender))
            throw new DBusException(BusErrors.AlreadySubscribed, "Client is already subscribed.");
    }

    internal void Unsubscribe(MethodCall call)
    {
        if (call.Connection != _bus || call.Sender is not string sender)
            return;
        if (!_busSubscribers.Remove(sender))
            throw new DBusException(BusErrors.NotSubscribed, "Client is not subscribed.");
    }

    /// <summary>The client on the bus that asked for <paramref name="job"/> hears of it until it is removed.</summary>
    internal void TrackJobRequester(MethodCall call, Job job)
    {
        if (call.Connection == _bus && call.Sender is string sender)
            _jobRequesters[job.Id] = sender;
    }

    /// <summary>Sends a signal to every private connection, and on the bus when someone there is subscribed or,
    /// for a job's signals, its requester is there, for a unit's, a client holding a reference on it (systemd's
    /// bus_track of each; a bus signal is broadcast: the bus daemon delivers it to the clients whose match rules
    /// take it).</summary>
    private void Emit(MessageBuffer signal, Job? job = null, Unit? unit = null)
    {
        bool wanted = _busSubscribers.Count > 0 || job is not null && _jobRequesters.ContainsKey(job.Id)
            || unit is not null && _references.Any(held => held.Key is string && held.Value.Contains(unit));
        if (_bus is { IsConnected: true } bus && wanted)
        {
            signal.AddReference();
            bus.Send(signal);
        }
        Broadcast(signal);
    }

    internal void DaemonReload()
    {
        BeforeReload?.Invoke();
        Manager.DaemonReload();
    }

    internal void UnitFilesChanged() => Signal("UnitFilesChanged", null, static (ref MessageWriter _) => { });

    internal void ManagerPropertiesChanged(params string[] names)
        => Emit(_managerInterface.CreatePropertiesChangedSignal(BusPaths.Manager, names, sender: Options.Sender));

    // ---- IManagerObserver: state changes become signals ----

    void IManagerObserver.UnitNew(Unit unit) => Signal("UnitNew", "so", (ref MessageWriter w) =>
    {
        w.WriteString(unit.Id);
        w.WriteObjectPath(BusPaths.ForUnit(unit.Id));
    });

    void IManagerObserver.UnitRemoved(Unit unit)
    {
        Signal("UnitRemoved", "so", (ref MessageWriter w) =>
        {
            w.WriteString(unit.Id);
            w.WriteObjectPath(BusPaths.ForUnit(unit.Id));
        });
        Writer.UnitCollected(unit);
    }

    void IManagerObserver.UnitChanged(Unit unit)
    {
        string path = BusPaths.ForUnit(unit.Id);
        foreach (DBusInterface itf in UnitInterfaces(unit))
            SendPropertiesChanged(itf, path, unit: unit);
    }

    void IManagerObserver.JobNew(Job job)
    {
        InstalledJobs++;
        Signal("JobNew", "uos", (ref MessageWriter w) =>
        {
            w.WriteUInt32(job.Id);
            w.WriteObjectPath(BusPaths.ForJob(job.Id));
            w.WriteString(job.Unit.Id);
        }, job);
    }

    void IManagerObserver.JobChanged(Job job)
        => SendPropertiesChanged(new JobInterface(job, Manager), BusPaths.ForJob(job.Id), job);

    void IManagerObserver.JobRemoved(Job job, JobResult result)
    {
        Signal("JobRemoved", "uoss", (ref MessageWriter w) =>
        {
            w.WriteUInt32(job.Id);
            w.WriteObjectPath(BusPaths.ForJob(job.Id));
            w.WriteString(job.Unit.Id);
            w.WriteString(result.ToSystemdString());
        }, job);
        _jobRequesters.Remove(job.Id);
    }

    void IManagerObserver.Reloading(bool active) => Signal("Reloading", "b", (ref MessageWriter w) => w.WriteBoolean(active));

    void IManagerObserver.StartupFinished(ulong durationUSec)
    {
        FinishedAt = new DualTimestamp(Manager.Clock.RealtimeUSec, Manager.Clock.MonotonicUSec);
        // (firmware, loader, kernel, initrd, userspace, total): a user manager has only the userspace part.
        Signal("StartupFinished", "tttttt", (ref MessageWriter w) =>
        {
            w.WriteUInt64(0);
            w.WriteUInt64(0);
            w.WriteUInt64(0);
            w.WriteUInt64(0);
            w.WriteUInt64(durationUSec);
            w.WriteUInt64(durationUSec);
        });
        ManagerPropertiesChanged("FinishTimestamp", "FinishTimestampMonotonic", "SystemState");
    }

    private delegate void BodyWriter(ref MessageWriter writer);

    private void Signal(string member, string? signature, BodyWriter body, Job? job = null)
    {
        MessageWriter writer = MessageWriter.CreateSignal(BusPaths.Manager, InterfaceCatalog.Manager, member, signature, sender: Options.Sender);
        body(ref writer);
        Emit(writer.Finish(), job);
    }

    /// <summary>PropertiesChanged as systemd sends it: values of properties that emit "true", names of those
    /// that emit "invalidates"; "const" and "false" ones are left out.</summary>
    private void SendPropertiesChanged(DBusInterface itf, string path, Job? job = null, Unit? unit = null)
    {
        var changed = new List<string>();
        var invalidated = new List<string>();
        foreach (PropertyDescription property in itf.Description.Properties)
        {
            switch (property.EmitsChangedSignal)
            {
                case null or "true":
                    changed.Add(property.Name);
                    break;
                case "invalidates":
                    invalidated.Add(property.Name);
                    break;
            }
        }
        if (changed.Count == 0 && invalidated.Count == 0)
            return;
        Emit(itf.CreatePropertiesChangedSignal(path, changed, invalidated, Options.Sender), job, unit);
    }
}
