namespace Units.Client.Connection;

/// <summary>
/// One connection to a service manager's org.freedesktop.systemd1 API. Methods are named after
/// the D-Bus members they call (see systemctl-dbus-calls.md); values cross as plain .NET values
/// (string, bool, integers, double, string[], object[] for structs, IReadOnlyList for arrays,
/// IReadOnlyDictionary for a{sv}). A D-Bus error reply surfaces as <see cref="ManagerCallException"/>.
/// </summary>
public interface IManagerConnection : IAsyncDisposable
{
    /// <summary>The host this connection reaches, as the user named it; "localhost" for local connections.</summary>
    string ComputerName { get; }

    /// <summary>False once the connection is lost; a session then connects again.</summary>
    bool IsConnected { get; }

    /// <summary>Manager.ListUnitsByPatterns(asas) -> a(ssssssouso).</summary>
    Task<IReadOnlyList<UnitListEntry>> ListUnitsByPatternsAsync(IReadOnlyList<string> states, IReadOnlyList<string> patterns, CancellationToken cancellation);

    /// <summary>Manager.ListUnitFilesByPatterns(asas) -> a(ss).</summary>
    Task<IReadOnlyList<UnitFileListEntry>> ListUnitFilesByPatternsAsync(IReadOnlyList<string> states, IReadOnlyList<string> patterns, CancellationToken cancellation);

    /// <summary>Manager.ListJobs() -> a(usssoo).</summary>
    Task<IReadOnlyList<JobListEntry>> ListJobsAsync(CancellationToken cancellation);

    /// <summary>org.freedesktop.DBus.Properties.GetAll(s) on an object path; "" reads every interface.</summary>
    Task<IReadOnlyDictionary<string, object>> GetAllAsync(string objectPath, string interfaceName, CancellationToken cancellation);

    /// <summary>org.freedesktop.DBus.Properties.Get(ss) on an object path.</summary>
    Task<object> GetAsync(string objectPath, string interfaceName, string propertyName, CancellationToken cancellation);

    /// <summary>Manager.StartUnit/StopUnit/RestartUnit/... (ss) -> o: queues a job and returns its object path.</summary>
    Task<string> QueueUnitJobAsync(UnitJobMethod method, string unitName, string mode, CancellationToken cancellation);

    /// <summary>Manager.KillUnit(ssi).</summary>
    Task KillUnitAsync(string unitName, string whom, int signal, CancellationToken cancellation);

    /// <summary>Manager.ResetFailed() when <paramref name="unitName"/> is null, else Manager.ResetFailedUnit(s).</summary>
    Task ResetFailedAsync(string? unitName, CancellationToken cancellation);

    /// <summary>Manager.RefUnit(s): holds the unit (it is not collected) while this connection lasts.</summary>
    Task RefUnitAsync(string unitName, CancellationToken cancellation);

    /// <summary>Manager.UnrefUnit(s).</summary>
    Task UnrefUnitAsync(string unitName, CancellationToken cancellation);

    /// <summary>Manager.CleanUnit(sas) with resource type names (runtime, state, cache, logs, configuration, all).</summary>
    Task CleanUnitAsync(string unitName, IReadOnlyList<string> what, CancellationToken cancellation);

    /// <summary>Manager.CancelJob(u).</summary>
    Task CancelJobAsync(uint jobId, CancellationToken cancellation);

    /// <summary>Manager.GetUnitProcesses(s) -> a(sus).</summary>
    Task<IReadOnlyList<UnitProcessEntry>> GetUnitProcessesAsync(string unitName, CancellationToken cancellation);

    /// <summary>Manager.GetUnitFileState(s) -> s.</summary>
    Task<string> GetUnitFileStateAsync(string unitName, CancellationToken cancellation);

    /// <summary>Manager.GetDefaultTarget() -> s.</summary>
    Task<string> GetDefaultTargetAsync(CancellationToken cancellation);

    /// <summary>Manager.EnableUnitFiles(asbb) -> ba(sss).</summary>
    Task<UnitFileChanges> EnableUnitFilesAsync(IReadOnlyList<string> files, bool runtime, bool force, CancellationToken cancellation);

    /// <summary>Manager.DisableUnitFiles(asb) -> a(sss).</summary>
    Task<UnitFileChanges> DisableUnitFilesAsync(IReadOnlyList<string> files, bool runtime, CancellationToken cancellation);

    /// <summary>Manager.MaskUnitFiles(asbb) -> a(sss).</summary>
    Task<UnitFileChanges> MaskUnitFilesAsync(IReadOnlyList<string> files, bool runtime, bool force, CancellationToken cancellation);

    /// <summary>Manager.UnmaskUnitFiles(asb) -> a(sss).</summary>
    Task<UnitFileChanges> UnmaskUnitFilesAsync(IReadOnlyList<string> files, bool runtime, CancellationToken cancellation);

    /// <summary>Manager.SetUnitProperties(sba(sv)).</summary>
    Task SetUnitPropertiesAsync(string unitName, bool runtime, IReadOnlyList<TypedProperty> properties, CancellationToken cancellation);

    /// <summary>Manager.Reload(); the reply arrives once the reload is complete.</summary>
    Task ReloadAsync(CancellationToken cancellation);

    /// <summary>
    /// Manager.Subscribe(): asks a manager reached over a message bus to send its signals; a
    /// private connection receives them unconditionally and may treat this as a no-op.
    /// </summary>
    Task SubscribeAsync(CancellationToken cancellation);

    /// <summary>
    /// Delivers every signal the manager sends from now on (JobRemoved, PropertiesChanged, ...) to
    /// <paramref name="handler"/>, on a connection thread, until the result is disposed. A lost
    /// connection is delivered as the signal org.freedesktop.DBus.Local.Disconnected.
    /// </summary>
    IDisposable WatchSignals(Action<ManagerSignal> handler);

    /// <summary>One page of unitsd's journal query API (org.units1.Journal.Read at /org/units1/journal): real systemd
    /// has none and answers UnknownObject.</summary>
    Task<JournalPage> ReadJournalAsync(JournalRequest request, CancellationToken cancellation);

    /// <summary>unitsd's org.units1.Journal.Follow: a stream of the query's entries in the Journal Export Format, then
    /// of new ones as they are written, until it is disposed; NotSupported on a connection that cannot pass fds.</summary>
    Task<Stream> FollowJournalAsync(JournalRequest request, CancellationToken cancellation);
}

/// <summary>A query of unitsd's journal API, in its keys (Engine/Journal/README.md): unset members are left out.</summary>
public sealed record JournalRequest
{
    /// <summary>"units": the manager's units (user units of a user manager).</summary>
    public IReadOnlyList<string> Units { get; init; } = [];

    /// <summary>"priority": the least important syslog priority wanted.</summary>
    public int? Priority { get; init; }

    /// <summary>"boot": an offset as journalctl -b takes it (0 the current boot, -1 the one before...).</summary>
    public int? BootOffset { get; init; }

    /// <summary>"since" and "until": microseconds since the epoch.</summary>
    public ulong? SinceUSec { get; init; }

    public ulong? UntilUSec { get; init; }

    /// <summary>"grep" and "case_sensitive".</summary>
    public string? Grep { get; init; }

    public bool? CaseSensitive { get; init; }

    /// <summary>"lines": only the last N entries.</summary>
    public int? Lines { get; init; }

    /// <summary>"after_cursor": the page after this entry.</summary>
    public string? AfterCursor { get; init; }

    /// <summary>"limit": entries in a page.</summary>
    public int? Limit { get; init; }
}

/// <summary>A page of journal entries (each entry's fields by name), the cursor the next page starts after, and
/// whether there is one.</summary>
public sealed record JournalPage(IReadOnlyList<IReadOnlyDictionary<string, string>> Entries, string ResumeAfter, bool More);

/// <summary>The Manager methods that queue a job for one unit, named exactly as on D-Bus.</summary>
public enum UnitJobMethod { StartUnit, StopUnit, ReloadUnit, RestartUnit, TryRestartUnit, ReloadOrRestartUnit, ReloadOrTryRestartUnit }

/// <summary>One element of ListUnitsByPatterns' a(ssssssouso).</summary>
public sealed record UnitListEntry(
    string Name, string Description, string LoadState, string ActiveState, string SubState,
    string Following, string UnitPath, uint JobId, string JobType, string JobPath);

/// <summary>One element of ListUnitFilesByPatterns' a(ss).</summary>
public sealed record UnitFileListEntry(string Path, string State);

/// <summary>One element of ListJobs' a(usssoo).</summary>
public sealed record JobListEntry(uint Id, string Unit, string JobType, string State, string JobPath, string UnitPath);

/// <summary>One element of GetUnitProcesses' a(sus).</summary>
public sealed record UnitProcessEntry(string ControlGroup, uint Pid, string CommandLine);

/// <summary>One element of a(sss): change type, file name, destination.</summary>
public sealed record UnitFileChangeEntry(string Type, string Path, string Source);

/// <summary>The reply of the unit-file methods; CarriesInstallInfo only for EnableUnitFiles.</summary>
public sealed record UnitFileChanges(bool CarriesInstallInfo, IReadOnlyList<UnitFileChangeEntry> Changes);

/// <summary>A property for SetUnitProperties, with the D-Bus signature of its variant.</summary>
public sealed record TypedProperty(string Name, string Signature, object Value);

/// <summary>A signal from the manager.</summary>
public sealed record ManagerSignal(string Path, string Interface, string Member, IReadOnlyList<object> Arguments)
{
    /// <summary>org.freedesktop.systemd1.Manager</summary>
    public const string ManagerInterface = "org.freedesktop.systemd1.Manager";

    /// <summary>org.freedesktop.systemd1.Unit</summary>
    public const string UnitInterface = "org.freedesktop.systemd1.Unit";

    /// <summary>org.freedesktop.DBus.Properties</summary>
    public const string PropertiesInterface = "org.freedesktop.DBus.Properties";

    /// <summary>org.freedesktop.DBus.Local, the interface of the synthetic Disconnected signal.</summary>
    public const string LocalInterface = "org.freedesktop.DBus.Local";

    /// <summary>Whether this is Manager.JobRemoved(uoss).</summary>
    public bool IsJobRemoved => Member == "JobRemoved" && Interface == ManagerInterface && Arguments.Count == 4;

    /// <summary>Whether this says the connection is gone.</summary>
    public bool IsDisconnected => Member == "Disconnected" && Interface == LocalInterface;
}

/// <summary>A D-Bus error reply from the manager (or a failure of the connection carrying it).</summary>
public sealed class ManagerCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ManagerCallException(string errorName, string message, Exception? inner = null) : base(message, inner) => ErrorName = errorName;

    /// <summary>Creates the exception without a D-Bus error name.</summary>
    public ManagerCallException() : this(DBusErrorNames.Failed, "The manager call failed.") { }

    /// <summary>Creates the exception without a D-Bus error name.</summary>
    public ManagerCallException(string message) : this(DBusErrorNames.Failed, message) { }

    /// <summary>Creates the exception without a D-Bus error name.</summary>
    public ManagerCallException(string message, Exception inner) : this(DBusErrorNames.Failed, message, inner) { }

    /// <summary>The D-Bus error name, e.g. org.freedesktop.systemd1.NoSuchUnit.</summary>
    public string ErrorName { get; }
}

/// <summary>D-Bus error names the client maps to error categories.</summary>
public static class DBusErrorNames
{
    public const string Failed = "org.freedesktop.DBus.Error.Failed";
    public const string AccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
    public const string InteractiveAuthorizationRequired = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";
    public const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
    public const string PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";
    public const string UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
    public const string NoReply = "org.freedesktop.DBus.Error.NoReply";
    public const string Timeout = "org.freedesktop.DBus.Error.Timeout";
    public const string TimedOut = "org.freedesktop.DBus.Error.TimedOut";
    public const string Disconnected = "org.freedesktop.DBus.Error.Disconnected";
    public const string NoServer = "org.freedesktop.DBus.Error.NoServer";
    public const string FileNotFound = "org.freedesktop.DBus.Error.FileNotFound";
    public const string ServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown";
    public const string UnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";
    public const string UnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
    public const string UnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface";
    public const string NotSupported = "org.freedesktop.DBus.Error.NotSupported";
    public const string NoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";
    public const string NoUnitForPID = "org.freedesktop.systemd1.NoUnitForPID";
    public const string NoUnitForInvocationID = "org.freedesktop.systemd1.NoUnitForInvocationID";
    public const string UnitExists = "org.freedesktop.systemd1.UnitExists";
    public const string LoadFailed = "org.freedesktop.systemd1.LoadFailed";
    public const string BadUnitSetting = "org.freedesktop.systemd1.BadUnitSetting";
    public const string JobFailed = "org.freedesktop.systemd1.JobFailed";
    public const string NoSuchJob = "org.freedesktop.systemd1.NoSuchJob";
    public const string NotSubscribed = "org.freedesktop.systemd1.NotSubscribed";
    public const string AlreadySubscribed = "org.freedesktop.systemd1.AlreadySubscribed";
    public const string OnlyByDependency = "org.freedesktop.systemd1.OnlyByDependency";
    public const string TransactionJobsConflicting = "org.freedesktop.systemd1.TransactionJobsConflicting";
    public const string TransactionOrderIsCyclic = "org.freedesktop.systemd1.TransactionOrderIsCyclic";
    public const string TransactionIsDestructive = "org.freedesktop.systemd1.TransactionIsDestructive";
    public const string UnitMasked = "org.freedesktop.systemd1.UnitMasked";
    public const string UnitGenerated = "org.freedesktop.systemd1.UnitGenerated";
    public const string UnitLinked = "org.freedesktop.systemd1.UnitLinked";
    public const string JobTypeNotApplicable = "org.freedesktop.systemd1.JobTypeNotApplicable";
    public const string NoIsolation = "org.freedesktop.systemd1.NoIsolation";
    public const string ShuttingDown = "org.freedesktop.systemd1.ShuttingDown";
    public const string ScopeNotRunning = "org.freedesktop.systemd1.ScopeNotRunning";
    public const string UnitBusy = "org.freedesktop.systemd1.UnitBusy";
    public const string NothingToClean = "org.freedesktop.systemd1.NothingToClean";
    public const string UnitInactive = "org.freedesktop.systemd1.UnitInactive";
}
