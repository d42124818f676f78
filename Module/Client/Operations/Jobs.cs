using System.Globalization;
using Units.Client.Connection;

namespace Units.Client;

/// <summary>
/// Watches a connection's JobRemoved signals and matches them to queued jobs by job object path,
/// as systemctl's bus_wait_for_jobs does. It must exist before the first job is queued: the
/// signal can arrive before the reply that names the job, so removals seen before a job is
/// expected are kept.
/// </summary>
public sealed class JobTracker : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, JobResult> _removed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource<JobResult>> _waiting = new(StringComparer.Ordinal);
    private readonly IDisposable _watch;
    private ManagerCallException? _lost;

    internal JobTracker(IManagerConnection connection) => _watch = connection.WatchSignals(OnSignal);

    /// <summary>The result of the job at <paramref name="jobPath"/>, once JobRemoved names it.</summary>
    public Task<JobResult> Expect(string jobPath)
    {
        lock (_gate)
        {
            if (_removed.Remove(jobPath, out var result))
            {
                return Task.FromResult(result);
            }
            if (_lost is not null)
            {
                return Task.FromException<JobResult>(_lost);
            }
            var completion = new TaskCompletionSource<JobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[jobPath] = completion;
            return completion.Task;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _watch.Dispose();

    private void OnSignal(ManagerSignal signal)
    {
        if (signal.IsJobRemoved && signal.Arguments[1] is string path)
        {
            var result = SystemdNames.Parse<JobResult>(signal.Arguments[3] as string);
            TaskCompletionSource<JobResult>? completion;
            lock (_gate)
            {
                if (!_waiting.Remove(path, out completion))
                {
                    _removed[path] = result;
                }
            }
            completion?.TrySetResult(result);
        }
        else if (signal.IsDisconnected)
        {
            List<TaskCompletionSource<JobResult>> orphaned;
            lock (_gate)
            {
                _lost = new ManagerCallException(DBusErrorNames.Disconnected, "The connection to the manager was lost while waiting for jobs.");
                orphaned = [.. _waiting.Values];
                _waiting.Clear();
            }
            foreach (var completion in orphaned)
            {
                completion.TrySetException(_lost);
            }
        }
    }
}

/// <summary>A job queued for a unit, and the task that completes when it is removed.</summary>
public sealed record PendingJob(Unit Unit, UnitJob Job, Task<JobResult>? Completion, ManagerClient Client);

/// <summary>How a waited-for job ended: <see cref="Error"/> is null for done and skipped.</summary>
public sealed record JobOutcome(PendingJob Pending, JobResult? Result, UnitError? Error);

public sealed partial class ManagerClient
{
    /// <summary>Starts watching JobRemoved; call before queueing the jobs to wait for.</summary>
    public async Task<JobTracker> TrackJobsAsync(CancellationToken cancellation)
    {
        var tracker = new JobTracker(Connection);
        try
        {
            await Connection.SubscribeAsync(cancellation).ConfigureAwait(false);
        }
        catch
        {
            tracker.Dispose();
            throw;
        }
        return tracker;
    }

    /// <summary>
    /// Queues a job (StartUnit, StopUnit, RestartUnit... with a job mode). With a tracker, the
    /// returned job's Completion ends when the job is removed.
    /// </summary>
    public async Task<PendingJob> QueueJobAsync(JobTracker? tracker, Unit unit, UnitJobMethod method, JobMode mode, CancellationToken cancellation)
    {
        var path = await Connection.QueueUnitJobAsync(method, unit.Name, SystemdNames.ToSystemdName(mode), cancellation).ConfigureAwait(false);
        var job = new UnitJob(JobIdOf(path), unit.Name, JobTypeOf(method), JobState.Waiting, path, ComputerName);
        return new PendingJob(unit, job, tracker?.Expect(path), this);
    }

    /// <summary>
    /// Whether the unit's file changed on disk since the manager loaded it (NeedDaemonReload), read
    /// after queueing a job as systemctl does to warn about it.
    /// </summary>
    public async Task<bool> NeedsDaemonReloadAsync(Unit unit, CancellationToken cancellation) =>
        await Connection.GetAsync(unit.ObjectPath, ManagerSignal.UnitInterface, "NeedDaemonReload", cancellation).ConfigureAwait(false) is true;

    /// <summary>
    /// What a removed job means: done and skipped succeed; anything else becomes error data
    /// whose message carries the unit's Result (as systemctl reads Service.Result to explain).
    /// </summary>
    public async Task<JobOutcome> OutcomeAsync(PendingJob pending, CancellationToken cancellation)
    {
        if (pending.Completion is not { IsCompleted: true } completion)
        {
            return new JobOutcome(pending, null, new UnitError(
                "JobWaitTimedOut", UnitErrorCategory.OperationTimeout,
                $"Timed out waiting for the {SystemdNames.ToSystemdName(pending.Job.JobType)} job of {pending.Unit.Name} on {ComputerName}; the job stays queued (see Get-UnitJob, Stop-UnitJob).",
                pending.Unit.Name));
        }
        if (completion.IsFaulted)
        {
            var failure = completion.Exception!.InnerException as ManagerCallException
                ?? new ManagerCallException(DBusErrorNames.Failed, completion.Exception.Message);
            return new JobOutcome(pending, null, UnitError.FromCall(failure, pending.Unit.Name));
        }
        var result = completion.Result;
        if (result is JobResult.Done or JobResult.Skipped)
        {
            return new JobOutcome(pending, result, null);
        }
        var unitResult = await ReadResultAsync(pending.Unit, cancellation).ConfigureAwait(false);
        return new JobOutcome(pending, result, UnitError.FromJobResult(pending.Unit.Name, pending.Job.JobType, result, unitResult, ComputerName));
    }

    /// <summary>The transaction a job would start, described from the unit's dependency properties (there is no dry-run call).</summary>
    public static string DescribeTransaction(Unit unit, UnitJobMethod method, JobMode mode)
    {
        var type = SystemdNames.ToSystemdName(JobTypeOf(method));
        var lines = new List<string> { $"Queue a {type} job for {unit.Name} on {unit.ComputerName} (job mode {SystemdNames.ToSystemdName(mode)})." };
        if (mode is JobMode.IgnoreDependencies)
        {
            return lines[0];
        }
        var jobType = JobTypeOf(method);
        if (jobType is JobType.Start or JobType.Restart or JobType.TryRestart)
        {
            AddLine(lines, unit, "Pulls in start jobs for", "Requires", "Requisite", "Wants", "BindsTo", "Upholds");
            AddLine(lines, unit, "Queues stop jobs for conflicting", "Conflicts", "ConflictedBy");
        }
        if (jobType is JobType.Stop or JobType.Restart or JobType.TryRestart)
        {
            AddLine(lines, unit, jobType == JobType.Stop ? "Propagates stop to" : "Propagates restart to", "RequiredBy", "BoundBy", "ConsistsOf");
        }
        if (jobType == JobType.Reload)
        {
            AddLine(lines, unit, "Propagates reload to", "PropagatesReloadTo");
        }
        if (mode == JobMode.Isolate)
        {
            lines.Add("Stops every other unit that is not pulled in and does not have IgnoreOnIsolate=yes.");
        }
        return string.Join(Environment.NewLine, lines);
    }

    internal static JobType JobTypeOf(UnitJobMethod method) => method switch
    {
        UnitJobMethod.StartUnit => JobType.Start,
        UnitJobMethod.StopUnit => JobType.Stop,
        UnitJobMethod.ReloadUnit => JobType.Reload,
        UnitJobMethod.RestartUnit => JobType.Restart,
        UnitJobMethod.TryRestartUnit => JobType.TryRestart,
        UnitJobMethod.ReloadOrRestartUnit => JobType.Restart,
        _ => JobType.TryRestart,
    };

    private static void AddLine(List<string> lines, Unit unit, string text, params string[] properties)
    {
        var names = properties.SelectMany(property => PropertyBag.Strings(unit.Properties, property)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (names.Count > 0)
        {
            lines.Add($"{text}: {string.Join(", ", names)}.");
        }
    }

    private async Task<string?> ReadResultAsync(Unit unit, CancellationToken cancellation)
    {
        var type = unit.Type;
        if (type is UnitType.Unknown or UnitType.Target or UnitType.Device or UnitType.Slice or UnitType.Scope)
        {
            return null;
        }
        try
        {
            var typeName = type.ToString();
            return await Connection.GetAsync(unit.ObjectPath, "org.freedesktop.systemd1." + typeName, "Result", cancellation).ConfigureAwait(false) as string;
        }
        catch (ManagerCallException)
        {
            return null;
        }
    }

    private static uint JobIdOf(string jobPath) =>
        uint.TryParse(jobPath.AsSpan(jobPath.LastIndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
}
