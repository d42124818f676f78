using System.Collections.Concurrent;
using Units.Client;
using Units.Client.Connection;

namespace Units.Client.Tests;

/// <summary>
/// An in-memory manager behind the client's connection seam: units as property bags, every call
/// recorded as "Member(args)", jobs that end only when the test says so (or at once, when
/// <see cref="FinishJobsImmediately"/>), signals delivered synchronously to watchers.
/// </summary>
internal sealed class FakeManager : IManagerConnection, IManagerConnector
{
    private readonly List<Action<ManagerSignal>> _watchers = [];
    private uint _nextJob = 100;

    public FakeManager(string computerName = "localhost") => ComputerName = computerName;

    public string ComputerName { get; }

    public bool IsConnected { get; set; } = true;

    public ConcurrentQueue<string> Calls { get; } = new();

    public Dictionary<string, Dictionary<string, object>> Units { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ManagerCallException> Failures { get; } = new(StringComparer.Ordinal);

    public List<UnitFileListEntry> UnitFiles { get; } = [];

    public List<UnitProcessEntry> Processes { get; } = [];

    public Dictionary<string, object> ManagerProperties { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, a queued job is removed with this result before StartUnit & co. reply (the race systemctl handles).</summary>
    public JobResult? FinishJobsImmediately { get; set; }

    public FakeShell Shell { get; } = new();

    public FakeManager AddUnit(string name, string load = "loaded", string active = "active", string sub = "running", string description = "", Action<Dictionary<string, object>>? configure = null)
    {
        var bag = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["Id"] = name, ["Description"] = description.Length > 0 ? description : "Unit " + name, ["LoadState"] = load,
            ["ActiveState"] = active, ["SubState"] = sub, ["Following"] = "", ["Job"] = new object[] { 0u, "/" },
            ["UnitFileState"] = "enabled", ["MainPID"] = 0u, ["ActiveEnterTimestamp"] = 0UL,
            ["MemoryCurrent"] = ulong.MaxValue, ["TasksCurrent"] = ulong.MaxValue, ["CPUUsageNSec"] = ulong.MaxValue,
            ["Requires"] = Array.Empty<string>(), ["Wants"] = Array.Empty<string>(), ["WantedBy"] = Array.Empty<string>(),
        };
        configure?.Invoke(bag);
        Units[name] = bag;
        return this;
    }

    public void SetActiveState(string name, string active, string sub)
    {
        Units[name]["ActiveState"] = active;
        Units[name]["SubState"] = sub;
        Emit(new ManagerSignal(SystemdNames.UnitPath(name), ManagerSignal.PropertiesInterface, "PropertiesChanged",
            [ManagerSignal.UnitInterface, new Dictionary<string, object> { ["ActiveState"] = active, ["SubState"] = sub }, Array.Empty<string>()]));
    }

    public void RemoveJob(string jobPath, string unit, JobResult result) =>
        Emit(new ManagerSignal(SystemdNames.ManagerPath, ManagerSignal.ManagerInterface, "JobRemoved",
            [uint.Parse(jobPath[(jobPath.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture), jobPath, unit, SystemdNames.ToSystemdName(result)]));

    public void Disconnect()
    {
        IsConnected = false;
        Emit(new ManagerSignal("/org/freedesktop/DBus/Local", ManagerSignal.LocalInterface, "Disconnected", []));
    }

    public void Emit(ManagerSignal signal)
    {
        Action<ManagerSignal>[] watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
        }
        foreach (var watcher in watchers)
        {
            watcher(signal);
        }
    }

    public Task<IReadOnlyList<UnitListEntry>> ListUnitsByPatternsAsync(IReadOnlyList<string> states, IReadOnlyList<string> patterns, CancellationToken cancellation)
    {
        Record($"ListUnitsByPatterns([{string.Join(",", states)}],[{string.Join(",", patterns)}])");
        IReadOnlyList<UnitListEntry> entries = Units.Values
            .Where(bag => states.Count == 0 || states.Contains((string)bag["LoadState"]) || states.Contains((string)bag["ActiveState"]) || states.Contains((string)bag["SubState"]))
            .Select(bag => new UnitListEntry((string)bag["Id"], (string)bag["Description"], (string)bag["LoadState"], (string)bag["ActiveState"], (string)bag["SubState"],
                (string)bag["Following"], SystemdNames.UnitPath((string)bag["Id"]), JobOf(bag), JobOf(bag) == 0 ? "" : "start", JobOf(bag) == 0 ? "/" : SystemdNames.JobPath(JobOf(bag))))
            .ToList();
        return Task.FromResult(entries);
    }

    public Task<IReadOnlyList<UnitFileListEntry>> ListUnitFilesByPatternsAsync(IReadOnlyList<string> states, IReadOnlyList<string> patterns, CancellationToken cancellation)
    {
        Record($"ListUnitFilesByPatterns([{string.Join(",", states)}],[{string.Join(",", patterns)}])");
        return Task.FromResult<IReadOnlyList<UnitFileListEntry>>(UnitFiles.Where(file => states.Count == 0 || states.Contains(file.State)).ToList());
    }

    public Task<IReadOnlyList<JobListEntry>> ListJobsAsync(CancellationToken cancellation)
    {
        Record("ListJobs()");
        IReadOnlyList<JobListEntry> jobs = Units.Values.Where(bag => JobOf(bag) != 0)
            .Select(bag => new JobListEntry(JobOf(bag), (string)bag["Id"], "start", "waiting", SystemdNames.JobPath(JobOf(bag)), SystemdNames.UnitPath((string)bag["Id"])))
            .ToList();
        return Task.FromResult(jobs);
    }

    public Task<IReadOnlyDictionary<string, object>> GetAllAsync(string objectPath, string interfaceName, CancellationToken cancellation)
    {
        Record($"GetAll({objectPath})");
        if (objectPath == SystemdNames.ManagerPath)
        {
            return Task.FromResult<IReadOnlyDictionary<string, object>>(ManagerProperties);
        }
        if (Failures.TryGetValue(objectPath, out var failure))
        {
            return Task.FromException<IReadOnlyDictionary<string, object>>(failure);
        }
        var bag = Units.Values.FirstOrDefault(unit => SystemdNames.UnitPath((string)unit["Id"]) == objectPath);
        // As systemd: reading an unknown unit loads it as not-found.
        return Task.FromResult<IReadOnlyDictionary<string, object>>(new Dictionary<string, object>(bag ?? new Dictionary<string, object>
        {
            ["Id"] = "", ["LoadState"] = "not-found", ["ActiveState"] = "inactive", ["SubState"] = "dead", ["Job"] = new object[] { 0u, "/" },
        }));
    }

    public Task<object> GetAsync(string objectPath, string interfaceName, string propertyName, CancellationToken cancellation)
    {
        Record($"Get({objectPath},{interfaceName},{propertyName})");
        var bag = Units.Values.FirstOrDefault(unit => SystemdNames.UnitPath((string)unit["Id"]) == objectPath);
        return bag is not null && bag.TryGetValue(propertyName, out var value)
            ? Task.FromResult(value)
            : Task.FromResult<object>(propertyName == "ActiveState" ? "inactive" : "");
    }

    public Task<string> QueueUnitJobAsync(UnitJobMethod method, string unitName, string mode, CancellationToken cancellation)
    {
        Record($"{method}({unitName},{mode})");
        if (Failures.TryGetValue(method + ":" + unitName, out var failure))
        {
            return Task.FromException<string>(failure);
        }
        var path = SystemdNames.JobPath(Interlocked.Increment(ref _nextJob));
        if (FinishJobsImmediately is { } result)
        {
            RemoveJob(path, unitName, result);
        }
        return Task.FromResult(path);
    }

    public Task KillUnitAsync(string unitName, string whom, int signal, CancellationToken cancellation) => Done($"KillUnit({unitName},{whom},{signal})");

    public Task ResetFailedAsync(string? unitName, CancellationToken cancellation) => Done(unitName is null ? "ResetFailed()" : $"ResetFailedUnit({unitName})");

    public Task CancelJobAsync(uint jobId, CancellationToken cancellation) => Done($"CancelJob({jobId})");

    /// <summary>What CleanUnit does to the unit before it replies (a service enters maintenance, as in systemd).</summary>
    public Action<string>? OnClean { get; set; }

    public Task RefUnitAsync(string unitName, CancellationToken cancellation) => Done($"RefUnit({unitName})");

    public Task UnrefUnitAsync(string unitName, CancellationToken cancellation) => Done($"UnrefUnit({unitName})");

    public Task CleanUnitAsync(string unitName, IReadOnlyList<string> what, CancellationToken cancellation)
    {
        var call = $"CleanUnit({unitName},{string.Join('+', what)})";
        Record(call);
        if (Failures.TryGetValue(call, out var failure))
        {
            return Task.FromException(failure);
        }
        OnClean?.Invoke(unitName);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UnitProcessEntry>> GetUnitProcessesAsync(string unitName, CancellationToken cancellation)
    {
        Record($"GetUnitProcesses({unitName})");
        return Task.FromResult<IReadOnlyList<UnitProcessEntry>>(Processes);
    }

    public Task<string> GetUnitFileStateAsync(string unitName, CancellationToken cancellation)
    {
        Record($"GetUnitFileState({unitName})");
        return Task.FromResult("disabled");
    }

    public Task<string> GetDefaultTargetAsync(CancellationToken cancellation)
    {
        Record("GetDefaultTarget()");
        return Task.FromResult("default.target");
    }

    public Task<UnitFileChanges> EnableUnitFilesAsync(IReadOnlyList<string> files, bool runtime, bool force, CancellationToken cancellation) =>
        Changes($"EnableUnitFiles([{string.Join(",", files)}],{runtime},{force})", "symlink", files);

    public Task<UnitFileChanges> DisableUnitFilesAsync(IReadOnlyList<string> files, bool runtime, CancellationToken cancellation) =>
        Changes($"DisableUnitFiles([{string.Join(",", files)}],{runtime})", "unlink", files);

    public Task<UnitFileChanges> MaskUnitFilesAsync(IReadOnlyList<string> files, bool runtime, bool force, CancellationToken cancellation) =>
        Changes($"MaskUnitFiles([{string.Join(",", files)}],{runtime},{force})", "symlink", files);

    public Task<UnitFileChanges> UnmaskUnitFilesAsync(IReadOnlyList<string> files, bool runtime, CancellationToken cancellation) =>
        Changes($"UnmaskUnitFiles([{string.Join(",", files)}],{runtime})", "unlink", files);

    public Task SetUnitPropertiesAsync(string unitName, bool runtime, IReadOnlyList<TypedProperty> properties, CancellationToken cancellation) =>
        Done($"SetUnitProperties({unitName},{runtime},[{string.Join(",", properties.Select(p => $"{p.Name}:{p.Signature}={p.Value}"))}])");

    public Task ReloadAsync(CancellationToken cancellation) => Done("Reload()");

    public Task SubscribeAsync(CancellationToken cancellation) => Done("Subscribe()");

    /// <summary>The journal API's pages, answered in turn; null answers UnknownObject, as real systemd does.</summary>
    public Queue<JournalPage>? JournalPages { get; set; }

    public List<JournalRequest> JournalRequests { get; } = [];

    public Task<JournalPage> ReadJournalAsync(JournalRequest request, CancellationToken cancellation)
    {
        JournalRequests.Add(request);
        return JournalPages is { } pages
            ? Task.FromResult(pages.Dequeue())
            : throw new ManagerCallException(DBusErrorNames.UnknownObject, "Unknown object '/org/units1/journal'.");
    }

    public Task<Stream> FollowJournalAsync(JournalRequest request, CancellationToken cancellation) =>
        throw new ManagerCallException(DBusErrorNames.UnknownObject, "Unknown object '/org/units1/journal'.");

    public IDisposable WatchSignals(Action<ManagerSignal> handler)
    {
        lock (_watchers)
        {
            _watchers.Add(handler);
        }
        return new Unwatch(() =>
        {
            lock (_watchers)
            {
                _watchers.Remove(handler);
            }
        });
    }

    public int WatcherCount
    {
        get
        {
            lock (_watchers)
            {
                return _watchers.Count;
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<IManagerConnection> ConnectAsync(ManagerTarget target, CancellationToken cancellation) => Task.FromResult<IManagerConnection>(this);

    public IHostShell ShellFor(ManagerTarget target) => Shell;

    public ManagerClient Client(ManagerScope scope = ManagerScope.System) =>
        new ManagerSession(this).ClientAsync(new ManagerTarget(scope, ComputerName == "localhost" ? null : ComputerName), CancellationToken.None).GetAwaiter().GetResult();

    private static uint JobOf(Dictionary<string, object> bag) => bag["Job"] is object[] { Length: 2 } job && job[0] is uint id ? id : 0;

    private void Record(string call) => Calls.Enqueue(call);

    private Task Done(string call)
    {
        Record(call);
        return Failures.TryGetValue(call, out var failure) ? Task.FromException(failure) : Task.CompletedTask;
    }

    private Task<UnitFileChanges> Changes(string call, string type, IReadOnlyList<string> files)
    {
        Record(call);
        return Task.FromResult(new UnitFileChanges(type == "symlink", files.Select(file => new UnitFileChangeEntry(type, "/etc/systemd/system/multi-user.target.wants/" + file, type == "symlink" ? "/usr/lib/systemd/system/" + file : "")).ToList()));
    }

    private sealed class Unwatch(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>A host shell that records commands and answers with canned output.</summary>
internal sealed class FakeShell : IHostShell
{
    public List<IReadOnlyList<string>> Commands { get; } = [];

    public List<string?> Inputs { get; } = [];

    public ShellResult Result { get; set; } = new(0, "", "");

    public List<string> Lines { get; } = [];

    public Task<ShellResult> RunAsync(IReadOnlyList<string> command, string? standardInput, CancellationToken cancellation)
    {
        Commands.Add(command);
        Inputs.Add(standardInput);
        return Task.FromResult(Result);
    }

    public async IAsyncEnumerable<string> ReadLinesAsync(IReadOnlyList<string> command, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        Commands.Add(command);
        foreach (var line in Lines)
        {
            await Task.Yield();
            yield return line;
        }
    }
}
