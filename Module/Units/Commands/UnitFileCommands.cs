using System.Management.Automation;
using Units.Client;

namespace Units.PowerShell.Commands;

/// <summary>
/// Enable-Unit, Disable-Unit, Lock-Unit and Unlock-Unit: the unit-file operations. Names from
/// the whole pipeline go to one call per host, followed by Reload, as systemctl enable a b c does.
/// </summary>
public abstract class UnitFileCmdletBase : UnitCmdletBase
{
    private readonly List<(IReadOnlyList<Client.Connection.ManagerTarget> Targets, string Name)> _names = [];

    /// <summary>Unit file names (no wildcards: unit files are named exactly); Unit and UnitFile objects bind by Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Unit")]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Change /run only, until the next reboot, instead of /etc.</summary>
    [Parameter]
    public SwitchParameter Runtime { get; set; }

    /// <summary>Output the changes made (UnitFileChange objects).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The operation.</summary>
    protected abstract UnitFileOperation Operation { get; }

    /// <summary>Whether to replace conflicting links (Enable, Lock).</summary>
    protected virtual bool ForceLinks => false;

    /// <summary>The job to queue afterwards with -Now: StartUnit (Enable) or StopUnit (Disable, Lock); null for none.</summary>
    protected virtual Client.Connection.UnitJobMethod? NowMethod => null;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            if (ShouldProcess(string.Join(", ", Targets.Select(target => $"{SystemdNames.Mangle(name)} on {target.ComputerName}")), Operation.ToString()))
            {
                _names.Add((Targets, name));
            }
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        foreach (var group in _names.SelectMany(entry => entry.Targets.Select(target => (Target: target, entry.Name))).GroupBy(entry => entry.Target))
        {
            var names = group.Select(entry => entry.Name).Distinct(StringComparer.Ordinal).ToList();
            TryRun(group.Key.ComputerName, () =>
            {
                var client = ClientFor(group.Key);
                var changes = Await(client.ChangeUnitFilesAsync(Operation, names, Runtime, ForceLinks, Cancellation));
                foreach (var change in changes)
                {
                    WriteVerbose(change.Type == UnitFileChangeType.Symlink ? $"Created symlink {change.Path} → {change.Source}." : $"{change.Type}: {change.Path}");
                }
                if (PassThru)
                {
                    WriteObject(changes, enumerateCollection: true);
                }
                if (NowMethod is { } method)
                {
                    QueueAndWait(client, names, method);
                }
            });
        }
    }

    // -Now: the start or stop jobs, waited for as systemctl enable --now does.
    private void QueueAndWait(ManagerClient client, IReadOnlyList<string> names, Client.Connection.UnitJobMethod method)
    {
        using var tracker = Await(client.TrackJobsAsync(Cancellation));
        var pending = new List<PendingJob>();
        foreach (var name in names)
        {
            TryRun(name, () =>
            {
                var unit = Await(client.FindUnitAsync(SystemdNames.Mangle(name), Cancellation)) ?? throw UnitError.NoSuchUnit(name, client.ComputerName).ToException();
                pending.Add(Await(client.QueueJobAsync(tracker, unit, method, JobMode.Replace, Cancellation)));
            });
        }
        Await(Task.WhenAll(pending.Select(job => job.Completion!)));
        foreach (var job in pending)
        {
            if (Await(client.OutcomeAsync(job, Cancellation)).Error is { } error)
            {
                WriteUnitError(error);
            }
        }
    }
}

/// <summary>Enable-Unit: EnableUnitFiles then Reload (systemctl enable [--now]).</summary>
[Cmdlet(VerbsLifecycle.Enable, "Unit", SupportsShouldProcess = true)]
[OutputType(typeof(UnitFileChange))]
public sealed class EnableUnitCommand : UnitFileCmdletBase
{
    /// <summary>Also start the units.</summary>
    [Parameter]
    public SwitchParameter Now { get; set; }

    /// <summary>Replace symlinks that conflict.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override UnitFileOperation Operation => UnitFileOperation.Enable;

    /// <inheritdoc/>
    protected override bool ForceLinks => Force;

    /// <inheritdoc/>
    protected override Client.Connection.UnitJobMethod? NowMethod => Now ? Client.Connection.UnitJobMethod.StartUnit : null;
}

/// <summary>Disable-Unit: DisableUnitFiles then Reload (systemctl disable [--now]).</summary>
[Cmdlet(VerbsLifecycle.Disable, "Unit", SupportsShouldProcess = true)]
[OutputType(typeof(UnitFileChange))]
public sealed class DisableUnitCommand : UnitFileCmdletBase
{
    /// <summary>Also stop the units.</summary>
    [Parameter]
    public SwitchParameter Now { get; set; }

    /// <inheritdoc/>
    protected override UnitFileOperation Operation => UnitFileOperation.Disable;

    /// <inheritdoc/>
    protected override Client.Connection.UnitJobMethod? NowMethod => Now ? Client.Connection.UnitJobMethod.StopUnit : null;
}

/// <summary>Lock-Unit: MaskUnitFiles then Reload; a masked unit cannot be started at all (systemctl mask).</summary>
[Cmdlet(VerbsCommon.Lock, "Unit", SupportsShouldProcess = true)]
[OutputType(typeof(UnitFileChange))]
public sealed class LockUnitCommand : UnitFileCmdletBase
{
    /// <summary>Also stop the units.</summary>
    [Parameter]
    public SwitchParameter Now { get; set; }

    /// <summary>Replace an existing unit file link.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override UnitFileOperation Operation => UnitFileOperation.Mask;

    /// <inheritdoc/>
    protected override bool ForceLinks => Force;

    /// <inheritdoc/>
    protected override Client.Connection.UnitJobMethod? NowMethod => Now ? Client.Connection.UnitJobMethod.StopUnit : null;
}

/// <summary>Unlock-Unit: UnmaskUnitFiles then Reload (systemctl unmask).</summary>
[Cmdlet(VerbsCommon.Unlock, "Unit", SupportsShouldProcess = true)]
[OutputType(typeof(UnitFileChange))]
public sealed class UnlockUnitCommand : UnitFileCmdletBase
{
    /// <inheritdoc/>
    protected override UnitFileOperation Operation => UnitFileOperation.Unmask;
}

/// <summary>Get-UnitFile: installed unit files and their state (systemctl list-unit-files).</summary>
[Cmdlet(VerbsCommon.Get, "UnitFile")]
[OutputType(typeof(UnitFile))]
public sealed class GetUnitFileCommand : UnitCmdletBase
{
    /// <summary>Unit file names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only files in one of these states.</summary>
    [Parameter]
    public UnitFileState[]? State { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var states = State?.Select(SystemdNames.ToSystemdName).ToList();
        foreach (var (client, files) in ForEachHost(client => client.ListUnitFilesAsync(Name, states, Cancellation)))
        {
            WriteObject(files, enumerateCollection: true);
            foreach (var literal in (Name ?? []).Where(name => !WildcardMatcher.HasWildcards(name)).Select(SystemdNames.Mangle))
            {
                if (!files.Any(file => file.Name == literal))
                {
                    WriteUnitError(new UnitError("NoSuchUnitFile", UnitErrorCategory.ObjectNotFound, $"Cannot find a unit file named '{literal}' on {client.ComputerName}.", literal));
                }
            }
        }
    }
}

/// <summary>New-Unit: writes a unit file from parameters and reloads the manager.</summary>
[Cmdlet(VerbsCommon.New, "Unit", SupportsShouldProcess = true)]
[OutputType(typeof(UnitFile))]
public sealed class NewUnitCommand : UnitCmdletBase
{
    /// <summary>The unit's name; without a suffix it is a .service.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Description=.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>ExecStart= command lines (services need at least one).</summary>
    [Parameter(Position = 1)]
    public string[] ExecStart { get; set; } = [];

    /// <summary>ExecReload=.</summary>
    [Parameter]
    public string? ExecReload { get; set; }

    /// <summary>The service Type=.</summary>
    [Parameter]
    [ValidateSet("simple", "exec", "forking", "oneshot", "notify", "dbus", "idle")]
    public string? ServiceType { get; set; }

    /// <summary>Restart=.</summary>
    [Parameter]
    [ValidateSet("no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")]
    public string? Restart { get; set; }

    /// <summary>User= the service runs as.</summary>
    [Parameter]
    public string? RunAs { get; set; }

    /// <summary>WorkingDirectory=.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment= variables.</summary>
    [Parameter]
    public System.Collections.Hashtable? Environment { get; set; }

    /// <summary>Documentation= URIs.</summary>
    [Parameter]
    public string[] Documentation { get; set; } = [];

    /// <summary>After= units.</summary>
    [Parameter]
    public string[] After { get; set; } = [];

    /// <summary>Wants= units.</summary>
    [Parameter]
    public string[] Wants { get; set; } = [];

    /// <summary>Requires= units.</summary>
    [Parameter]
    public string[] Requires { get; set; } = [];

    /// <summary>[Install] WantedBy= targets (used by Enable-Unit).</summary>
    [Parameter]
    public string[] WantedBy { get; set; } = [];

    /// <summary>The directory to write to; /etc/systemd/system, or ~/.config/systemd/user with -User, by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replace an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        UnitFileSpec spec;
        string text;
        try
        {
            spec = new UnitFileSpec
            {
                Name = Name, Description = Description, ExecStart = ExecStart, ExecReload = ExecReload,
                ServiceType = ServiceType, Restart = Restart, User = RunAs, WorkingDirectory = WorkingDirectory,
                Environment = (Environment ?? []).Keys.Cast<object>().ToDictionary(key => key.ToString() ?? "", key => Environment![key]?.ToString() ?? "", StringComparer.Ordinal),
                Documentation = Documentation, After = After, Wants = Wants, Requires = Requires, WantedBy = WantedBy,
            };
            text = ManagerClient.RenderUnitFile(spec);
        }
        catch (UnitOperationException exception)
        {
            ThrowTerminatingError(ToErrorRecord(exception.Error));
            return;
        }
        foreach (var target in Targets)
        {
            TryRun(target.ComputerName, () =>
            {
                var client = ClientFor(target);
                var directory = Path is null ? client.DefaultUnitDirectory(System.Environment.GetEnvironmentVariable)
                    : target.HostName is null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path) : Path;
                var file = $"{directory.TrimEnd('/')}/{SystemdNames.Mangle(Name)}";
                if (ShouldProcess($"Write {file} on {target.ComputerName}:{System.Environment.NewLine}{text}", $"Create {file} on {target.ComputerName}?", "New-Unit"))
                {
                    WriteObject(Await(client.WriteUnitFileAsync(spec, directory, Force, Cancellation)));
                }
            });
        }
    }
}

/// <summary>Test-UnitFile: systemd-analyze verify on the manager's host.</summary>
[Cmdlet(VerbsDiagnostic.Test, "UnitFile")]
[OutputType(typeof(bool), typeof(UnitFileDiagnostic))]
public sealed class TestUnitFileCommand : UnitCmdletBase
{
    /// <summary>Paths of unit files on the host; UnitFile and Unit objects bind by Path or FragmentPath.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "FragmentPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Output each problem found instead of one Boolean per file.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            // A local path is relative to PowerShell's current location, not to the process's.
            var hostPath = HostName is null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(path) : path;
            var verdicts = Await(Task.WhenAll(Targets.Select(target => ModuleSession.Shared.VerifierFor(target).VerifyAsync(hostPath, Cancellation))));
            foreach (var (isValid, diagnostics) in verdicts)
            {
                if (Detailed)
                {
                    WriteObject(diagnostics, enumerateCollection: true);
                    continue;
                }
                foreach (var diagnostic in diagnostics)
                {
                    WriteWarning(diagnostic.Line is { } line ? $"{diagnostic.Path}:{line}: {diagnostic.Message}" : $"{diagnostic.Path}: {diagnostic.Message}");
                }
                WriteObject(isValid);
            }
        }
    }
}
