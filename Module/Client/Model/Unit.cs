using Units.Client.Connection;

namespace Units.Client;

/// <summary>
/// A unit as the manager reports it. The list fields (name, states, job) come with every unit;
/// the rest (unit-file state, main PID, resources...) is read with one GetAll the first time any
/// of it is asked for, so listing thousands of units costs one call.
/// </summary>
public sealed class Unit
{
    private readonly Func<CancellationToken, Task<IReadOnlyDictionary<string, object>>>? _loadDetails;
    private readonly object _gate = new();
    private IReadOnlyDictionary<string, object>? _details;

    internal Unit(UnitListEntry entry, string computerName, ManagerClient? source)
    {
        Name = entry.Name;
        Description = entry.Description;
        LoadState = SystemdNames.Parse<UnitLoadState>(entry.LoadState);
        ActiveState = SystemdNames.Parse<UnitActiveState>(entry.ActiveState);
        SubState = SystemdNames.Parse<UnitSubState>(entry.SubState);
        Following = entry.Following;
        ObjectPath = entry.UnitPath;
        JobId = entry.JobId;
        Job = entry.JobId == 0 ? null : SystemdNames.Parse<JobType>(entry.JobType);
        ComputerName = computerName;
        Source = source;
        if (source is not null)
        {
            _loadDetails = cancellation => source.Connection.GetAllAsync(ObjectPath, "", cancellation);
        }
    }

    internal Unit(string name, IReadOnlyDictionary<string, object> properties, string computerName, ManagerClient? source)
        : this(ListEntryFrom(name, properties), computerName, source) => _details = properties;

    /// <summary>The unit's primary name (Id), e.g. sshd.service.</summary>
    public string Name { get; }

    /// <summary>The unit's Description=.</summary>
    public string Description { get; }

    /// <summary>LoadState: whether the unit's configuration loaded.</summary>
    public UnitLoadState LoadState { get; }

    /// <summary>ActiveState: the generic activation state.</summary>
    public UnitActiveState ActiveState { get; }

    /// <summary>SubState: the type-specific state.</summary>
    public UnitSubState SubState { get; }

    /// <summary>The type of the queued job, or null when none is queued.</summary>
    public JobType? Job { get; }

    /// <summary>The id of the queued job, 0 when none.</summary>
    public uint JobId { get; }

    /// <summary>The unit this one follows (device units), or empty.</summary>
    public string Following { get; }

    /// <summary>The unit's D-Bus object path.</summary>
    public string ObjectPath { get; }

    /// <summary>The unit type, from the name's suffix.</summary>
    public UnitType Type => SystemdNames.TypeOf(Name);

    /// <summary>The host this unit lives on.</summary>
    public string ComputerName { get; }

    /// <summary>UnitFileState: enabled, disabled, static, masked...</summary>
    public UnitFileState UnitFileState => SystemdNames.Parse<UnitFileState>(Detail(PropertyBag.String, "UnitFileState"));

    /// <summary>The main process of a service (MainPID), 0 when there is none.</summary>
    public uint MainPid => Detail(PropertyBag.UInt32, "MainPID");

    /// <summary>When the unit last entered the active state (ActiveEnterTimestamp), null if never.</summary>
    public DateTime? ActiveSince => Detail(PropertyBag.Timestamp, "ActiveEnterTimestamp");

    /// <summary>When the unit last left the active state (InactiveEnterTimestamp), null if never.</summary>
    public DateTime? InactiveSince => Detail(PropertyBag.Timestamp, "InactiveEnterTimestamp");

    /// <summary>Memory in use by the unit's cgroup in bytes (MemoryCurrent), null when not accounted.</summary>
    public ulong? Memory => Detail(PropertyBag.UInt64, "MemoryCurrent");

    /// <summary>Tasks in the unit's cgroup (TasksCurrent), null when not accounted.</summary>
    public ulong? Tasks => Detail(PropertyBag.UInt64, "TasksCurrent");

    /// <summary>CPU time consumed (CPUUsageNSec), null when not accounted.</summary>
    public TimeSpan? CpuTime => Detail(PropertyBag.UInt64, "CPUUsageNSec") is { } nanoseconds ? TimeSpan.FromTicks((long)(nanoseconds / 100)) : null;

    /// <summary>The unit file (FragmentPath), empty for units without one.</summary>
    public string FragmentPath => Detail(PropertyBag.String, "FragmentPath");

    /// <summary>Drop-in files applied to the unit (DropInPaths).</summary>
    public IReadOnlyList<string> DropInPaths => Detail(PropertyBag.Strings, "DropInPaths");

    /// <summary>The unit's cgroup (ControlGroup), empty when it has none.</summary>
    public string ControlGroup => Detail(PropertyBag.String, "ControlGroup");

    /// <summary>The service/socket/... Result (success, exit-code, timeout...), empty for types without one.</summary>
    public string Result => Detail(PropertyBag.String, "Result");

    /// <summary>Whether the unit file changed on disk since it was loaded (NeedDaemonReload).</summary>
    public bool NeedDaemonReload => Detail(PropertyBag.Boolean, "NeedDaemonReload");

    /// <summary>Every property the manager reports for the unit, by D-Bus name.</summary>
    public IReadOnlyDictionary<string, object> Properties => Details();

    /// <summary>The host's manager this unit came from; null for units built without one.</summary>
    internal ManagerClient? Source { get; }

    /// <summary>The processes in the unit's cgroup (GetUnitProcesses).</summary>
    public IReadOnlyList<UnitProcess> GetProcesses() =>
        Source is null || ControlGroup.Length == 0 ? [] : Source.GetProcessesAsync(this, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The unit's last <paramref name="lines"/> log entries from the host's journal.</summary>
    public IReadOnlyList<UnitLogEntry> GetRecentLog(int lines) =>
        Source is null ? [] : Source.ReadLogAsync(new LogQuery { Units = [Name], Last = lines }, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override string ToString() => Name;

    private T Detail<T>(Func<IReadOnlyDictionary<string, object>, string, T> read, string name) => read(Details(), name);

    private IReadOnlyDictionary<string, object> Details()
    {
        lock (_gate)
        {
            if (_details is null)
            {
                _details = _loadDetails is null
                    ? new Dictionary<string, object>()
                    : _loadDetails(CancellationToken.None).GetAwaiter().GetResult();
            }
            return _details;
        }
    }

    private static UnitListEntry ListEntryFrom(string name, IReadOnlyDictionary<string, object> properties)
    {
        var id = PropertyBag.String(properties, "Id");
        return new UnitListEntry(
            id.Length > 0 ? id : name,
            PropertyBag.String(properties, "Description"),
            PropertyBag.String(properties, "LoadState"),
            PropertyBag.String(properties, "ActiveState"),
            PropertyBag.String(properties, "SubState"),
            PropertyBag.String(properties, "Following"),
            SystemdNames.UnitPath(id.Length > 0 ? id : name),
            JobIdOf(properties),
            "",
            "/");
    }

    // Unit.Job is (uo): the job id and path, (0, "/") when none; its type is not part of it.
    private static uint JobIdOf(IReadOnlyDictionary<string, object> properties) =>
        properties.TryGetValue("Job", out var job) && job is object[] { Length: 2 } pair && pair[0] is uint id ? id : 0;
}
