using Units.Client.Connection;

namespace Units.Client;

/// <summary>
/// Everything a cmdlet does with the manager of one host. Calls go out as systemctl 252 sends
/// them (systemctl-dbus-calls.md); a D-Bus error reply surfaces as <see cref="ManagerCallException"/>,
/// which <see cref="UnitError.FromCall"/> turns into error data.
/// </summary>
public sealed partial class ManagerClient : IAsyncDisposable
{
    internal ManagerClient(ManagerTarget target, IManagerConnection connection, IHostShell shell)
    {
        Target = target;
        Connection = connection;
        Shell = shell;
    }

    /// <summary>Which manager this is.</summary>
    public ManagerTarget Target { get; }

    /// <summary>The host name objects from this manager carry.</summary>
    public string ComputerName => Target.ComputerName;

    internal IManagerConnection Connection { get; }

    internal IHostShell Shell { get; }

    /// <summary>Selects units with *-Service semantics (see <see cref="UnitSelection"/>).</summary>
    public async Task<SelectionResult> SelectAsync(UnitSelection selection, CancellationToken cancellation)
    {
        var names = (selection.Names ?? []).Where(name => name.Length > 0).Select(SystemdNames.Mangle).ToList();
        var states = selection.States ?? [];
        var found = new Dictionary<string, Unit>(StringComparer.Ordinal);
        var errors = new List<UnitError>();

        var patterns = names.Where(WildcardMatcher.HasWildcards).Select(pattern => new WildcardMatcher(pattern)).ToList();
        if (names.Count == 0 || patterns.Count > 0)
        {
            var listed = await ListUnitsAsync(states, cancellation).ConfigureAwait(false);
            var hideInactive = names.Count == 0 && states.Count == 0 && !selection.All;
            foreach (var unit in listed)
            {
                var wanted = names.Count == 0
                    ? !hideInactive || IsShownByDefault(unit)
                    : patterns.Any(pattern => pattern.IsMatch(unit.Name));
                if (wanted)
                {
                    found.TryAdd(unit.Name, unit);
                }
            }
        }

        // Literal names are looked up one by one: reading a unit's properties loads it, so a unit
        // that exists on disk but is not loaded is found, as systemctl status finds it.
        foreach (var name in names.Where(name => !WildcardMatcher.HasWildcards(name)).Select(WildcardMatcher.Unescape).Distinct(StringComparer.Ordinal))
        {
            var unit = await FindUnitAsync(name, cancellation).ConfigureAwait(false);
            if (unit is null)
            {
                errors.Add(UnitError.NoSuchUnit(name, ComputerName));
            }
            else if (states.Count == 0 || HasAnyState(unit, states))
            {
                found.TryAdd(unit.Name, unit);
            }
        }

        var include = (selection.Include ?? []).Select(pattern => new WildcardMatcher(pattern)).ToList();
        var exclude = (selection.Exclude ?? []).Select(pattern => new WildcardMatcher(pattern)).ToList();
        var types = selection.Types ?? [];
        var selected = found.Values
            .Where(unit => include.Count == 0 || include.Any(pattern => pattern.IsMatch(unit.Name)))
            .Where(unit => !exclude.Any(pattern => pattern.IsMatch(unit.Name)))
            .Where(unit => types.Count == 0 || types.Contains(unit.Type))
            .OrderBy(unit => unit.Name, StringComparer.Ordinal)
            .ToList();
        return new SelectionResult(selected, errors);
    }

    /// <summary>ListUnitsByPatterns(states, []): every loaded unit, as light objects.</summary>
    public async Task<IReadOnlyList<Unit>> ListUnitsAsync(IReadOnlyList<string> states, CancellationToken cancellation)
    {
        var entries = await Connection.ListUnitsByPatternsAsync(states, [], cancellation).ConfigureAwait(false);
        var units = new Unit[entries.Count];
        for (var i = 0; i < units.Length; i++)
        {
            units[i] = new Unit(entries[i], ComputerName, this);
        }
        return units;
    }

    /// <summary>
    /// Reads a unit by name (GetAll on its path, which loads it); null when the manager has no
    /// such unit (not-found and inactive, as systemctl status reports "could not be found").
    /// </summary>
    public async Task<Unit?> FindUnitAsync(string name, CancellationToken cancellation)
    {
        IReadOnlyDictionary<string, object> properties;
        try
        {
            properties = await Connection.GetAllAsync(SystemdNames.UnitPath(name), "", cancellation).ConfigureAwait(false);
        }
        // systemd answers an unknown unit's path with a not-found unit; a manager that serves no
        // object there (UnknownObject) or refuses to load it says the same.
        catch (ManagerCallException exception) when (exception.ErrorName is DBusErrorNames.NoSuchUnit or DBusErrorNames.UnknownObject or DBusErrorNames.LoadFailed)
        {
            return null;
        }
        var unit = new Unit(name, properties, ComputerName, this);
        return unit.LoadState == UnitLoadState.NotFound && unit.ActiveState is UnitActiveState.Inactive or UnitActiveState.Unknown && unit.JobId == 0
            ? null
            : unit;
    }

    /// <summary>Reads a unit afresh (after a state change).</summary>
    public async Task<Unit> RefreshAsync(Unit unit, CancellationToken cancellation)
    {
        var properties = await Connection.GetAllAsync(unit.ObjectPath, "", cancellation).ConfigureAwait(false);
        return new Unit(unit.Name, properties, ComputerName, this);
    }

    /// <summary>KillUnit(name, whom, signal).</summary>
    public Task KillAsync(Unit unit, KillWhom whom, int signal, CancellationToken cancellation) =>
        Connection.KillUnitAsync(unit.Name, SystemdNames.ToSystemdName(whom), signal, cancellation);

    private static readonly UnitResources[] s_resourceTypes =
        [UnitResources.Runtime, UnitResources.State, UnitResources.Cache, UnitResources.Logs, UnitResources.Configuration];

    private static readonly IReadOnlySet<UnitActiveState> s_notMaintenance = Enum.GetValues<UnitActiveState>()
        .Where(static state => state != UnitActiveState.Maintenance).ToHashSet();

    /// <summary>
    /// CleanUnit (systemctl clean): removes what the unit keeps between runs. As systemctl does, it holds a reference on
    /// the unit meanwhile where the manager allows (so the unit is not collected), waits until the cleaning control process is done (the unit
    /// leaves "maintenance"), and fails with the unit's CleanResult when that is not "success".
    /// </summary>
    public async Task CleanAsync(Unit unit, UnitResources what, CancellationToken cancellation)
    {
        var names = what == UnitResources.All ? ["all"]
            : s_resourceTypes.Where(type => what.HasFlag(type)).Select(static type => SystemdNames.ToSystemdName(type)).ToList();
        bool referenced = await TryRefUnitAsync(unit, cancellation).ConfigureAwait(false);
        try
        {
            await Connection.CleanUnitAsync(unit.Name, names, cancellation).ConfigureAwait(false);
            await WaitForStateAsync([unit], s_notMaintenance, any: false, cancellation).ConfigureAwait(false);
            if (unit.Type is UnitType.Service or UnitType.Socket or UnitType.Mount or UnitType.Swap
                && await Connection.GetAsync(unit.ObjectPath, "org.freedesktop.systemd1." + unit.Type, "CleanResult", cancellation).ConfigureAwait(false) is string result
                && result != "success")
            {
                throw new UnitOperationException(new UnitError("CleanFailed", UnitErrorCategory.InvalidResult,
                    $"Cleaning {unit.Name} on {ComputerName} failed (result: {result}). See 'Get-UnitLog {unit.Name}' for details.", unit.Name));
            }
        }
        finally
        {
            if (referenced)
            {
                await Connection.UnrefUnitAsync(unit.Name, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>RefUnit; false where the manager cannot hold references for this connection (systemd answers
    /// InvalidArgs on its private socket, where a client has no bus name to track).</summary>
    private async Task<bool> TryRefUnitAsync(Unit unit, CancellationToken cancellation)
    {
        try
        {
            await Connection.RefUnitAsync(unit.Name, cancellation).ConfigureAwait(false);
            return true;
        }
        catch (ManagerCallException e) when (e.ErrorName == DBusErrorNames.InvalidArgs)
        {
            return false;
        }
    }

    /// <summary>ResetFailedUnit(name), or ResetFailed() for every unit when <paramref name="unit"/> is null.</summary>
    public Task ResetFailedAsync(Unit? unit, CancellationToken cancellation) => Connection.ResetFailedAsync(unit?.Name, cancellation);

    /// <summary>Reload(): daemon-reload; returns once the manager finished reloading.</summary>
    public Task ReloadAsync(CancellationToken cancellation) => Connection.ReloadAsync(cancellation);

    /// <summary>ListJobs().</summary>
    public async Task<IReadOnlyList<UnitJob>> ListJobsAsync(CancellationToken cancellation)
    {
        var entries = await Connection.ListJobsAsync(cancellation).ConfigureAwait(false);
        return entries
            .Select(entry => new UnitJob(entry.Id, entry.Unit, SystemdNames.Parse<JobType>(entry.JobType), SystemdNames.Parse<JobState>(entry.State), entry.JobPath, ComputerName))
            .OrderBy(job => job.Id)
            .ToList();
    }

    /// <summary>CancelJob(id).</summary>
    public Task CancelJobAsync(UnitJob job, CancellationToken cancellation) => Connection.CancelJobAsync(job.Id, cancellation);

    /// <summary>ListUnitFilesByPatterns(states, patterns), filtered by PowerShell wildcards on the file name.</summary>
    public async Task<IReadOnlyList<UnitFile>> ListUnitFilesAsync(IReadOnlyList<string>? names, IReadOnlyList<string>? states, CancellationToken cancellation)
    {
        var entries = await Connection.ListUnitFilesByPatternsAsync(states ?? [], [], cancellation).ConfigureAwait(false);
        var patterns = (names ?? []).Select(name => new WildcardMatcher(SystemdNames.Mangle(name))).ToList();
        return entries
            .Select(entry => new UnitFile(System.IO.Path.GetFileName(entry.Path), entry.Path, SystemdNames.Parse<UnitFileState>(entry.State), ComputerName))
            .Where(file => patterns.Count == 0 || patterns.Any(pattern => pattern.IsMatch(file.Name)))
            .DistinctBy(file => file.Name, StringComparer.Ordinal)
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Enable/disable/mask/unmask unit files, then Reload() as systemctl does so the manager sees
    /// the change.
    /// </summary>
    public async Task<IReadOnlyList<UnitFileChange>> ChangeUnitFilesAsync(UnitFileOperation operation, IReadOnlyList<string> names, bool runtime, bool force, CancellationToken cancellation)
    {
        var files = names.Select(SystemdNames.Mangle).ToList();
        var reply = operation switch
        {
            UnitFileOperation.Enable => await Connection.EnableUnitFilesAsync(files, runtime, force, cancellation).ConfigureAwait(false),
            UnitFileOperation.Disable => await Connection.DisableUnitFilesAsync(files, runtime, cancellation).ConfigureAwait(false),
            UnitFileOperation.Mask => await Connection.MaskUnitFilesAsync(files, runtime, force, cancellation).ConfigureAwait(false),
            _ => await Connection.UnmaskUnitFilesAsync(files, runtime, cancellation).ConfigureAwait(false),
        };
        await Connection.ReloadAsync(cancellation).ConfigureAwait(false);
        return reply.Changes
            .Select(change => new UnitFileChange(SystemdNames.Parse<UnitFileChangeType>(change.Type), change.Path, change.Source, ComputerName))
            .ToList();
    }

    /// <summary>GetAll on the manager object plus GetDefaultTarget().</summary>
    public async Task<UnitManagerInfo> GetManagerInfoAsync(CancellationToken cancellation)
    {
        var properties = await Connection.GetAllAsync(SystemdNames.ManagerPath, "", cancellation).ConfigureAwait(false);
        string defaultTarget;
        try
        {
            defaultTarget = await Connection.GetDefaultTargetAsync(cancellation).ConfigureAwait(false);
        }
        catch (ManagerCallException)
        {
            // No default.target link (a bare user instance) is not an error of the manager.
            defaultTarget = "";
        }
        return new UnitManagerInfo(properties, defaultTarget, Target.Scope, ComputerName);
    }

    /// <summary>GetUnitProcesses(name).</summary>
    public async Task<IReadOnlyList<UnitProcess>> GetProcessesAsync(Unit unit, CancellationToken cancellation)
    {
        var entries = await Connection.GetUnitProcessesAsync(unit.Name, cancellation).ConfigureAwait(false);
        return entries.Select(entry => new UnitProcess(unit.Name, entry.ControlGroup, entry.Pid, entry.CommandLine, ComputerName)).ToList();
    }

    /// <summary>The unit's properties whose names match any pattern (all when none), sorted by name.</summary>
    public static IReadOnlyList<UnitProperty> SelectProperties(Unit unit, IReadOnlyList<string>? patterns)
    {
        var matchers = (patterns ?? []).Select(pattern => new WildcardMatcher(pattern)).ToList();
        return unit.Properties
            .Where(property => matchers.Count == 0 || matchers.Any(matcher => matcher.IsMatch(property.Key)))
            .OrderBy(property => property.Key, StringComparer.Ordinal)
            .Select(property => new UnitProperty(unit.Name, property.Key, property.Value, unit.ComputerName))
            .ToList();
    }

    /// <summary>SetUnitProperties(name, runtime, properties).</summary>
    public Task SetPropertiesAsync(Unit unit, IReadOnlyList<TypedProperty> properties, bool runtime, CancellationToken cancellation) =>
        Connection.SetUnitPropertiesAsync(unit.Name, runtime, properties, cancellation);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    // systemctl list-units without --all (output_show_unit): hide units that follow others, and
    // inactive units without a job.
    private static bool IsShownByDefault(Unit unit) =>
        unit.Following.Length == 0 && (unit.JobId != 0 || unit.ActiveState != UnitActiveState.Inactive);

    private static bool HasAnyState(Unit unit, IReadOnlyList<string> states) =>
        states.Contains(SystemdNames.ToSystemdName(unit.LoadState), StringComparer.Ordinal)
        || states.Contains(SystemdNames.ToSystemdName(unit.ActiveState), StringComparer.Ordinal)
        || states.Contains(SystemdNames.ToSystemdName(unit.SubState), StringComparer.Ordinal);
}

/// <summary>The unit-file operations of Enable-Unit, Disable-Unit, Lock-Unit and Unlock-Unit.</summary>
public enum UnitFileOperation { Enable, Disable, Mask, Unmask }
