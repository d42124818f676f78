using Units.Api.Interfaces;
using Units.Api.Paths;
using Units.Api.Properties;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.DBus;
using ExecDirectoryType = Units.UnitFiles.Settings.ExecDirectoryType;
using UnitSettings = Units.UnitFiles.Settings.UnitSettings;

namespace Units.Api.Objects;

/// <summary>A unit as seen through org.freedesktop.systemd1.Unit, plus what the API needs around it. One view serves
/// one call (or one change signal), so what the unit's files say is looked up once per call, not once per property:
/// the lookup reads install state and presets from disk.</summary>
internal sealed class UnitView(Unit unit, ManagerApi api)
{
    private UnitFileInfo? _files;
    private bool _settingsRead;
    private UnitSettings? _settings;

    public Unit Unit { get; } = unit;

    public ManagerApi Api { get; } = api;

    public UnitFileInfo Files => _files ??= Api.Files.For(Unit);

    /// <summary>What the unit's files set; null for a unit that did not load from a file.</summary>
    public UnitSettings? Settings
    {
        get
        {
            if (!_settingsRead)
            {
                _settings = Api.Files.SettingsOf(Unit);
                _settingsRead = true;
            }
            return _settings;
        }
    }
}

/// <summary>org.freedesktop.systemd1.Unit: the generic properties and methods of every unit.</summary>
internal sealed class UnitInterface : CoreInterface<UnitView>
{
    private static readonly PropertyTable<UnitView> s_table = BuildTable();
    private readonly ManagerInterface _manager;

    public UnitInterface(UnitView unit, ManagerInterface manager) : base(s_table, unit) => _manager = manager;

    internal static PropertyTable<UnitView> Table => s_table;

    protected override ValueTask Handle(MethodCall call)
    {
        Unit unit = Source.Unit;
        Reader args = call.Request.GetBodyReader();
        switch (call.Member)
        {
            case "Start": return _manager.EnqueueJob(call, unit.Id, JobType.Start, args.ReadString());
            case "Stop": return _manager.EnqueueJob(call, unit.Id, JobType.Stop, args.ReadString());
            case "Reload": return _manager.EnqueueJob(call, unit.Id, JobType.Reload, args.ReadString());
            case "Restart": return _manager.EnqueueJob(call, unit.Id, JobType.Restart, args.ReadString());
            case "TryRestart": return _manager.EnqueueJob(call, unit.Id, JobType.TryRestart, args.ReadString());
            case "ReloadOrRestart": return _manager.EnqueueJob(call, unit.Id, JobType.ReloadOrStart, args.ReadString(), reloadIfPossible: true);
            case "ReloadOrTryRestart": return _manager.EnqueueJob(call, unit.Id, JobType.TryRestart, args.ReadString(), reloadIfPossible: true);
            case "Kill":
                string whom = args.ReadString();
                _manager.Kill(call, unit.Id, whom, args.ReadInt32());
                return ValueTask.CompletedTask;
            case "ResetFailed":
                _manager.ResetFailed(call, unit.Id);
                return ValueTask.CompletedTask;
            case "Clean":
                _manager.Clean(call, unit, ref args);
                return ValueTask.CompletedTask;
            case "Ref":
                _manager.Api.TrackReference(call, unit);
                call.ReplyEmpty();
                return ValueTask.CompletedTask;
            case "Unref":
                _manager.Api.UntrackReference(call, unit);
                call.ReplyEmpty();
                return ValueTask.CompletedTask;
            default:
                throw new DBusException(DBusErrors.NotSupported, $"{InterfaceCatalog.Unit}.{call.Member} is not supported by unitsd yet");
        }
    }

    private static PropertyTable<UnitView> BuildTable()
    {
        var table = new PropertyTable<UnitView>(InterfaceCatalog.Get(InterfaceCatalog.Unit));
        table.Add("Id", static (v, ref w) => Variant.String(ref w, v.Unit.Id))
            .Add("Names", static (v, ref w) => Variant.Strings(ref w, v.Unit.Names))
            .Add("Following", static (v, ref w) => Variant.String(ref w, v.Unit.Following?.Id))
            .Add("Description", static (v, ref w) => Variant.String(ref w, v.Unit.Description))
            .Add("LoadState", static (v, ref w) => Variant.String(ref w, v.Unit.LoadState.ToSystemdString()))
            .Add("ActiveState", static (v, ref w) => Variant.String(ref w, v.Unit.ActiveState.ToSystemdString()))
            .Add("FreezerState", static (_, ref w) => Variant.String(ref w, "running"))
            .Add("SubState", static (v, ref w) => Variant.String(ref w, v.Unit.SubState))
            .Add("FragmentPath", static (v, ref w) => Variant.String(ref w, v.Unit.Definition.FragmentPath))
            .Add("Documentation", static (v, ref w) => Variant.Strings(ref w, v.Unit.Definition.Documentation))
            .Add("SourcePath", static (v, ref w) => Variant.String(ref w,
                MadeFromMountTable(v.Unit) ? "/proc/self/mountinfo" : v.Files.SourcePath))
            .Add("DropInPaths", static (v, ref w) => Variant.Strings(ref w, v.Files.DropInPaths))
            .Add("UnitFileState", static (v, ref w) => Variant.String(ref w, v.Files.UnitFileState))
            .Add("UnitFilePreset", static (v, ref w) => Variant.String(ref w, v.Files.UnitFilePreset))
            .Add("NeedDaemonReload", static (v, ref w) => Variant.Boolean(ref w, v.Files.NeedDaemonReload))
            .Add("CanStart", static (v, ref w) => Variant.Boolean(ref w, CanStart(v.Unit)))
            .Add("CanStop", static (v, ref w) => Variant.Boolean(ref w, CanStop(v.Unit)))
            .Add("CanReload", static (v, ref w) => Variant.Boolean(ref w, v.Unit.LoadState == LoadState.Loaded && v.Unit.Kind.CanReload))
            .Add("CanClean", static (v, ref w) => Variant.Strings(ref w, ManagerInterface.CleanNames(v.Unit)))
            .Add("CanIsolate", static (v, ref w) => Variant.Boolean(ref w, v.Unit.LoadState == LoadState.Loaded && v.Unit.Definition.AllowIsolate))
            .Add("Job", static (v, ref w) => WriteJobReference(ref w, v.Unit.Job))
            .Add("StopWhenUnneeded", static (v, ref w) => Variant.Boolean(ref w, v.Unit.Definition.StopWhenUnneeded))
            .Add("RefuseManualStart", static (v, ref w) => Variant.Boolean(ref w, v.Unit.Definition.RefuseManualStart))
            .Add("RefuseManualStop", static (v, ref w) => Variant.Boolean(ref w, v.Unit.Definition.RefuseManualStop))
            .Add("AllowIsolate", static (v, ref w) => Variant.Boolean(ref w, v.Unit.Definition.AllowIsolate))
            .Add("DefaultDependencies", static (v, ref w) => Variant.Boolean(ref w, v.Unit.Definition.DefaultDependencies))
            .Add("IgnoreOnIsolate", static (v, ref w) => Variant.Boolean(ref w, v.Unit.IgnoreOnIsolate))
            .Add("OnSuccessJobMode", static (v, ref w) => Variant.String(ref w, v.Unit.Definition.OnSuccessJobMode.ToSystemdString()))
            .Add("OnFailureJobMode", static (v, ref w) => Variant.String(ref w, v.Unit.Definition.OnFailureJobMode.ToSystemdString()))
            .Add("JobTimeoutUSec", static (v, ref w) => Variant.USec(ref w, v.Unit.Definition.JobTimeoutUSec))
            .Add("JobRunningTimeoutUSec", static (v, ref w) => Variant.USec(ref w, v.Unit.Definition.JobRunningTimeoutUSec))
            .Add("JobTimeoutAction", static (v, ref w) => Variant.String(ref w, ActionName(v.Unit.Definition.JobTimeoutAction)))
            .Add("SuccessAction", static (v, ref w) => Variant.String(ref w, ActionName(v.Unit.Definition.SuccessAction)))
            .Add("FailureAction", static (v, ref w) => Variant.String(ref w, ActionName(v.Unit.Definition.FailureAction)))
            .Add("CollectMode", static (v, ref w) => Variant.String(ref w, v.Unit.Definition.CollectMode == CollectMode.InactiveOrFailed ? "inactive-or-failed" : "inactive"))
            .Add("ConditionResult", static (v, ref w) => Variant.Boolean(ref w, v.Unit.ConditionResult?.Result ?? false))
            .Add("AssertResult", static (v, ref w) => Variant.Boolean(ref w, v.Unit.AssertResult?.Result ?? false))
            .Add("ConditionTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.ConditionResult?.RealtimeUSec ?? 0))
            .Add("ConditionTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.ConditionResult?.MonotonicUSec ?? 0))
            .Add("AssertTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.AssertResult?.RealtimeUSec ?? 0))
            .Add("AssertTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.AssertResult?.MonotonicUSec ?? 0))
            .Add("Conditions", static (v, ref w) => WriteConditions(ref w, v.Unit.Definition.Conditions))
            .Add("Asserts", static (v, ref w) => WriteConditions(ref w, v.Unit.Definition.Asserts))
            .Add("LoadError", static (v, ref w) => WriteLoadError(ref w, v.Unit.Definition))
            .Add("StateChangeTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.StateChangeTimestamp.RealtimeUSec))
            .Add("StateChangeTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.StateChangeTimestamp.MonotonicUSec))
            .Add("InactiveExitTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.InactiveExitTimestamp.RealtimeUSec))
            .Add("InactiveExitTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.InactiveExitTimestamp.MonotonicUSec))
            .Add("ActiveEnterTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.ActiveEnterTimestamp.RealtimeUSec))
            .Add("ActiveEnterTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.ActiveEnterTimestamp.MonotonicUSec))
            .Add("ActiveExitTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.ActiveExitTimestamp.RealtimeUSec))
            .Add("ActiveExitTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.ActiveExitTimestamp.MonotonicUSec))
            .Add("InactiveEnterTimestamp", static (v, ref w) => Variant.UInt64(ref w, v.Unit.InactiveEnterTimestamp.RealtimeUSec))
            .Add("InactiveEnterTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, v.Unit.InactiveEnterTimestamp.MonotonicUSec))
            .Add("StartLimitIntervalUSec", static (v, ref w) => Variant.UInt64(ref w, v.Unit.Definition.StartLimitIntervalUSec))
            .Add("StartLimitBurst", static (v, ref w) => Variant.UInt32(ref w, v.Unit.Definition.StartLimitBurst))
            .Add("StartLimitAction", static (v, ref w) => Variant.String(ref w, ActionName(v.Unit.Definition.StartLimitAction)))
            .Add("RequiresMountsFor", static (v, ref w) => Variant.Strings(ref w, RequiresMountsFor(v)))
            .Add("Transient", static (v, ref w) => Variant.Boolean(ref w, v.Unit.Definition.Transient))
            .Add("Perpetual", static (v, ref w) => Variant.Boolean(ref w, v.Unit.IsPerpetual))
            .Add("InvocationID", static (v, ref w) => Variant.Bytes(ref w, v.Unit.InvocationId.ToBytes()));
        foreach (UnitDependency dependency in Enum.GetValues<UnitDependency>())
        {
            string name = dependency.ToString();
            if (table.Description.FindProperty(name) is null)
                continue;
            table.Add(name, (v, ref w) => Variant.Strings(ref w, DependencyNames(v.Unit, dependency)));
        }
        return table;
    }

    /// <summary>systemd's unit_can_start_refuse_manual(): only loaded units, and only if their type can start.</summary>
    private static bool CanStart(Unit unit) =>
        unit.LoadState == LoadState.Loaded && unit.Kind.CanStart && !unit.Definition.RefuseManualStart;

    /// <summary>systemd's unit_can_stop_refuse_manual(): any unit but a perpetual one, whatever its load state
    /// (a stop of a unit that is not loaded is a no-op that succeeds); loaded units only if their type can stop.</summary>
    private static bool CanStop(Unit unit) =>
        !unit.IsPerpetual && (unit.LoadState != LoadState.Loaded || unit.Kind.CanStop) && !unit.Definition.RefuseManualStop;

    /// <summary>RequiresMountsFor= as systemd reports it: the unit's own paths, then those its settings imply (a
    /// working directory that must exist, the exec directories, the paths a path unit watches).</summary>
    /// <summary>A mount unit set up from /proc/self/mountinfo, not a file (the root mount is perpetual: not one of them).</summary>
    private static bool MadeFromMountTable(Unit unit) =>
        unit.Kind is Execution.Mounts.MountKind { Mounted: not null } && unit.Definition.FragmentPath is null && !unit.IsPerpetual;

    private static List<string> RequiresMountsFor(UnitView view)
    {
        var paths = new List<string>();
        void Add(string path)
        {
            if (!paths.Contains(path))
                paths.Add(path);
        }
        // A mount needs the mounts of the directory it is mounted on (mount_add_mount_dependencies).
        if (view.Unit.Kind is Execution.Mounts.MountKind mount && Execution.Mounts.MountKind.ParentOf(mount.Where) is { } parent)
            Add(parent);
        UnitSettings? settings = view.Settings;
        Execution.Spawning.ExecDirectoryRoots roots = view.Api.Options.Directories;
        if (settings is null)
            return paths;
        foreach (string path in settings.RequiresMountsFor)
            Add(path);
        if (settings.Exec is { WorkingDirectory: string directory, WorkingDirectoryMissingOk: false, WorkingDirectoryHome: false })
            Add(directory);
        if (settings.Exec?.RootDirectory is string root)
            Add(root);
        if (settings.Exec is { } exec)
        {
            foreach (var (type, prefix) in (ReadOnlySpan<(ExecDirectoryType, string)>)[(ExecDirectoryType.Runtime, roots.Runtime),
                         (ExecDirectoryType.State, roots.State), (ExecDirectoryType.Cache, roots.Cache), (ExecDirectoryType.Logs, roots.Logs),
                         (ExecDirectoryType.Configuration, roots.Configuration)])
                foreach (string name in exec.Directories(type))
                    Add(Path.Join(prefix, name));
        }
        foreach (Units.UnitFiles.Settings.PathSpec spec in settings.Path?.Specs ?? [])
            Add(spec.Path);
        foreach (Units.UnitFiles.Settings.SocketListen listen in settings.Socket?.Listen ?? [])
        {
            // A socket in the file system needs the mounts of its path.
            if (listen.Address.StartsWith('/'))
                Add(listen.Address);
        }
        return paths;
    }

    private static List<string> DependencyNames(Unit unit, UnitDependency dependency)
    {
        var names = new List<string>();
        foreach (Unit other in unit.DependenciesOf(dependency))
            names.Add(other.Id);
        return names;
    }

    private static void WriteJobReference(ref MessageWriter writer, Job? job)
    {
        writer.BeginVariant("(uo)");
        writer.WriteStructStart();
        writer.WriteUInt32(job?.Id ?? 0);
        writer.WriteObjectPath(job is null ? "/" : BusPaths.ForJob(job.Id));
    }

    private static void WriteLoadError(ref MessageWriter writer, UnitDefinition definition)
    {
        writer.BeginVariant("(ss)");
        writer.WriteStructStart();
        writer.WriteString(definition.LoadErrorName ?? "");
        writer.WriteString(definition.LoadError ?? "");
    }

    /// <summary>a(sbbsi): type, trigger, negate, parameter, state (0 untested, &gt;0 passed, &lt;0 failed).</summary>
    private static void WriteConditions(ref MessageWriter writer, IReadOnlyList<UnitCondition> conditions)
    {
        writer.BeginVariant("a(sbbsi)");
        ArrayStart array = writer.WriteArrayStart('(');
        foreach (UnitCondition condition in conditions)
        {
            writer.WriteStructStart();
            writer.WriteString(condition.Type);
            writer.WriteBoolean(condition.Trigger);
            writer.WriteBoolean(condition.Negate);
            writer.WriteString(condition.Parameter);
            writer.WriteInt32(condition.State switch
            {
                ConditionState.Succeeded => 1,
                ConditionState.Failed => -1,
                _ => 0,
            });
        }
        writer.WriteArrayEnd(array);
    }

    /// <summary>systemd's spelling: ExitForce → "exit-force".</summary>
    internal static string ActionName(EmergencyAction action) => action switch
    {
        EmergencyAction.None => "none",
        EmergencyAction.Exit => "exit",
        EmergencyAction.ExitForce => "exit-force",
        EmergencyAction.Reboot => "reboot",
        EmergencyAction.RebootForce => "reboot-force",
        EmergencyAction.RebootImmediate => "reboot-immediate",
        EmergencyAction.Poweroff => "poweroff",
        EmergencyAction.PoweroffForce => "poweroff-force",
        EmergencyAction.PoweroffImmediate => "poweroff-immediate",
        EmergencyAction.SoftReboot => "soft-reboot",
        EmergencyAction.Kexec => "kexec",
        EmergencyAction.KexecForce => "kexec-force",
        EmergencyAction.Halt => "halt",
        EmergencyAction.HaltForce => "halt-force",
        EmergencyAction.HaltImmediate => "halt-immediate",
        _ => "none",
    };
}
