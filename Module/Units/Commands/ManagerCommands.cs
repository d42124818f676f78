using System.Management.Automation;
using Units.Client;

namespace Units.PowerShell.Commands;

/// <summary>Get-UnitJob: jobs queued in the manager (systemctl list-jobs).</summary>
[Cmdlet(VerbsCommon.Get, "UnitJob")]
[OutputType(typeof(UnitJob))]
public sealed class GetUnitJobCommand : UnitCmdletBase
{
    /// <summary>Only jobs with these ids.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public uint[]? Id { get; set; }

    /// <summary>Only jobs of units whose names match; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Unit { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var patterns = (Unit ?? []).Select(name => new WildcardMatcher(SystemdNames.Mangle(name))).ToList();
        foreach (var (client, jobs) in ForEachHost(client => client.ListJobsAsync(Cancellation)))
        {
            var selected = jobs
                .Where(job => Id is null || Id.Contains(job.Id))
                .Where(job => patterns.Count == 0 || patterns.Any(pattern => pattern.IsMatch(job.Unit)))
                .ToList();
            WriteObject(selected, enumerateCollection: true);
            foreach (var missing in (Id ?? []).Where(id => !jobs.Any(job => job.Id == id)))
            {
                WriteUnitError(new UnitError("NoSuchJob", UnitErrorCategory.ObjectNotFound, $"There is no job {missing} on {client.ComputerName}.", missing));
            }
        }
    }
}

/// <summary>Stop-UnitJob: CancelJob (systemctl cancel).</summary>
[Cmdlet(VerbsLifecycle.Stop, "UnitJob", DefaultParameterSetName = "InputObject", SupportsShouldProcess = true)]
public sealed class StopUnitJobCommand : UnitCmdletBase
{
    /// <summary>Job ids.</summary>
    [Parameter(ParameterSetName = "Id", Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public uint[] Id { get; set; } = [];

    /// <summary>Job objects, e.g. from Get-UnitJob.</summary>
    [Parameter(ParameterSetName = "InputObject", Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public UnitJob[] InputObject { get; set; } = [];

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var jobs = ParameterSetName == "Id"
            ? Targets.SelectMany(target => Id.Select(id => (Target: target, Job: new UnitJob(id, "", JobType.Unknown, Client.JobState.Unknown, SystemdNames.JobPath(id), target.ComputerName))))
            : InputObject.Select(job => (Target: Targets.FirstOrDefault(target => target.ComputerName == job.ComputerName) ?? ManagerSession.TargetsFor(User ? ManagerScope.User : ManagerScope.System, [job.ComputerName], Address)[0], Job: job));
        foreach (var (target, job) in jobs)
        {
            var text = job.Unit.Length > 0 ? $"{SystemdNames.ToSystemdName(job.JobType)} job {job.Id} of {job.Unit} on {job.ComputerName}" : $"job {job.Id} on {job.ComputerName}";
            if (ShouldProcess(text, "Cancel"))
            {
                TryRun(job.Id, () => Await(ClientFor(target).CancelJobAsync(job, Cancellation)));
            }
        }
    }
}

/// <summary>Get-UnitManager: version, state, default target and environment of managers.</summary>
[Cmdlet(VerbsCommon.Get, "UnitManager")]
[OutputType(typeof(UnitManagerInfo))]
public sealed class GetUnitManagerCommand : UnitCmdletBase
{
    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var (_, info) in ForEachHost(client => client.GetManagerInfoAsync(Cancellation)))
        {
            WriteObject(info);
        }
    }
}

/// <summary>Update-UnitManager: Reload, the manager re-reads every unit file (systemctl daemon-reload).</summary>
[Cmdlet(VerbsData.Update, "UnitManager", SupportsShouldProcess = true)]
[OutputType(typeof(UnitManagerInfo))]
public sealed class UpdateUnitManagerCommand : UnitCmdletBase
{
    /// <summary>Output the managers afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!ShouldProcess(string.Join(", ", Targets.Select(target => $"{target.Scope.ToString().ToLowerInvariant()} manager on {target.ComputerName}")), "Reload unit files"))
        {
            return;
        }
        foreach (var (_, info) in ForEachHost(async client =>
        {
            await client.ReloadAsync(Cancellation).ConfigureAwait(false);
            return PassThru ? await client.GetManagerInfoAsync(Cancellation).ConfigureAwait(false) : null;
        }))
        {
            if (info is not null)
            {
                WriteObject(info);
            }
        }
    }
}

/// <summary>Get-UnitLog: journal entries of units on the manager's host (journalctl -u).</summary>
[Cmdlet(VerbsCommon.Get, "UnitLog")]
[OutputType(typeof(UnitLogEntry))]
public sealed class GetUnitLogCommand : UnitCmdletBase
{
    /// <summary>Units whose entries to read; the whole journal when omitted. Unit objects bind by Name.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Unit")]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Entries at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Entries at or before this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Entries of this priority or more important.</summary>
    [Parameter]
    public LogPriority? Priority { get; set; }

    /// <summary>Entries of one boot: 0 the current one, -1 the one before, ...</summary>
    [Parameter]
    public int? Boot { get; set; }

    /// <summary>Only the last N entries.</summary>
    [Parameter]
    [Alias("Tail")]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>Keep reading new entries as they are written, until Ctrl-C.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>A regular expression the message must match.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    /// <summary>A journal directory to read instead of the host's journal.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Directory { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var query = new LogQuery
        {
            Units = Name ?? [], Since = Since, Until = Until, Priority = Priority, Boot = Boot, Last = Last,
            Match = Match, Directory = Directory,
        };
        if (!Follow)
        {
            foreach (var (_, entries) in ForEachHost(client => client.ReadLogAsync(query, Cancellation)))
            {
                WriteObject(entries, enumerateCollection: true);
            }
            return;
        }
        // Following reads one host (the first): entries of several hosts interleaved live would need a merge by time.
        var client = ClientFor(Targets[0]);
        var enumerator = client.FollowLogAsync(query, Cancellation).GetAsyncEnumerator(Cancellation);
        try
        {
            while (Await(enumerator.MoveNextAsync().AsTask()))
            {
                WriteObject(enumerator.Current);
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(2));
        }
    }
}
