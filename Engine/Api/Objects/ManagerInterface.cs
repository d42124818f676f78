using Units.Api.Interfaces;
using Units.Api.Paths;
using Units.Api.Properties;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.DBus;
using Units.UnitFiles.Install;
using Units.UnitFiles.Specifiers;

namespace Units.Api.Objects;

/// <summary>org.freedesktop.systemd1.Manager at /org/freedesktop/systemd1. Every handler runs on the manager
/// loop (the object tree's dispatcher posts to it), so it may read and change manager state directly.</summary>
internal sealed class ManagerInterface : CoreInterface<ManagerApi>
{
    private static readonly PropertyTable<ManagerApi> s_table = BuildTable();

    public ManagerInterface(ManagerApi api) : base(s_table, api)
    {
    }

    internal ManagerApi Api => Source;

    private UnitManager Manager => Source.Manager;

    protected override ValueTask Handle(MethodCall call)
    {
        Reader args = call.Request.GetBodyReader();
        switch (call.Member)
        {
            case "GetUnit":
                ReplyPath(call, BusPaths.ForUnit(LoadedUnit(args.ReadString()).Id));
                break;
            case "GetUnitByInvocationID":
                {
                    Unit unit = UnitByInvocation(call, ref args);
                    // As systemd's unit_dbus_path_invocation_id(): a unit never started is addressed by name.
                    ReplyPath(call, unit.InvocationId.IsEmpty ? BusPaths.ForUnit(unit.Id) : BusPaths.ForInvocation(unit.InvocationId));
                    break;
                }
            case "LoadUnit":
                ReplyPath(call, BusPaths.ForUnit(Manager.LoadUnit(CheckedName(args.ReadString())).Id));
                break;
            case "StartUnit": return EnqueueJob(call, args.ReadString(), JobType.Start, args.ReadString());
            case "StopUnit": return EnqueueJob(call, args.ReadString(), JobType.Stop, args.ReadString());
            case "ReloadUnit": return EnqueueJob(call, args.ReadString(), JobType.Reload, args.ReadString());
            case "RestartUnit": return EnqueueJob(call, args.ReadString(), JobType.Restart, args.ReadString());
            case "TryRestartUnit": return EnqueueJob(call, args.ReadString(), JobType.TryRestart, args.ReadString());
            case "ReloadOrRestartUnit": return EnqueueJob(call, args.ReadString(), JobType.Restart, args.ReadString(), reloadIfPossible: true);
            case "ReloadOrTryRestartUnit": return EnqueueJob(call, args.ReadString(), JobType.TryRestart, args.ReadString(), reloadIfPossible: true);
            case "SetUnitProperties":
                {
                    // As systemd: the unit is loaded to take properties, and must have loaded properly.
                    Unit unit = Manager.LoadUnit(CheckedName(args.ReadString()));
                    SetProperties(call, unit, ref args);
                    break;
                }
            case "StartTransientUnit":
                StartTransientUnit(call, ref args);
                break;
            case "KillUnit":
                {
                    string name = args.ReadString();
                    string whom = args.ReadString();
                    Kill(call, name, whom, args.ReadInt32());
                    break;
                }
            case "ResetFailedUnit":
                ResetFailed(call, args.ReadString());
                break;
            case "ResetFailed":
                Manager.ResetFailed();
                call.ReplyEmpty();
                break;
            case "RefUnit":
                Api.TrackReference(call, LoadedValidUnit(args.ReadString()));
                call.ReplyEmpty();
                break;
            case "UnrefUnit":
                Api.UntrackReference(call, LoadedUnit(args.ReadString()));
                call.ReplyEmpty();
                break;
            case "CleanUnit":
                Clean(call, LoadedValidUnit(args.ReadString()), ref args);
                break;
            case "AbandonScope":
                ScopeInterface.Abandon(LoadedUnit(args.ReadString()));
                call.ReplyEmpty();
                break;
            case "GetUnitProcesses":
                ReplyProcesses(call, LoadedUnit(args.ReadString()));
                break;
            case "GetUnitByPID":
                ReplyPath(call, BusPaths.ForUnit(UnitByPid(call, args.ReadUInt32()).Id));
                break;
            case "GetUnitByControlGroup":
                ReplyPath(call, BusPaths.ForUnit(UnitByControlGroup(args.ReadString()).Id));
                break;
            case "GetJob":
                ReplyPath(call, BusPaths.ForJob(ExistingJob(args.ReadUInt32()).Id));
                break;
            case "CancelJob":
                Manager.CancelJob(args.ReadUInt32());
                call.ReplyEmpty();
                break;
            case "ClearJobs":
                Manager.ClearJobs();
                call.ReplyEmpty();
                break;
            case "ListUnits":
                ReplyUnits(call, states: [], patterns: [], names: null);
                break;
            case "ListUnitsFiltered":
                ReplyUnits(call, states: ReadStrings(ref args), patterns: [], names: null);
                break;
            case "ListUnitsByPatterns":
                {
                    List<string> states = ReadStrings(ref args);
                    ReplyUnits(call, states, ReadStrings(ref args), names: null);
                    break;
                }
            case "ListUnitsByNames":
                ReplyUnits(call, states: [], patterns: [], names: ReadStrings(ref args));
                break;
            case "ListJobs":
                ReplyJobs(call);
                break;
            case "Subscribe":
                Api.Subscribe(call);
                call.ReplyEmpty();
                break;
            case "Unsubscribe":
                Api.Unsubscribe(call);
                call.ReplyEmpty();
                break;
            case "Reload":
                Api.DaemonReload();
                call.ReplyEmpty();
                break;
            case "Exit":
                if (Manager.Scope == ManagerScope.System)
                    throw new DBusException(DBusErrors.NotSupported, "Exit is only supported for user service managers.");
                Manager.Exit();
                call.ReplyEmpty();
                break;
            case "SetEnvironment":
                UpdateEnvironment(call, unset: [], set: ReadStrings(ref args));
                break;
            case "UnsetEnvironment":
                UpdateEnvironment(call, unset: ReadStrings(ref args), set: []);
                break;
            case "UnsetAndSetEnvironment":
                {
                    List<string> unset = ReadStrings(ref args);
                    UpdateEnvironment(call, unset, ReadStrings(ref args));
                    break;
                }
            case "GetUnitFileState":
                GetUnitFileState(call, args.ReadString());
                break;
            case "ListUnitFiles":
                ReplyUnitFiles(call, states: [], patterns: []);
                break;
            case "ListUnitFilesByPatterns":
                {
                    List<string> states = ReadStrings(ref args);
                    ReplyUnitFiles(call, states, ReadStrings(ref args));
                    break;
                }
            case "EnableUnitFiles" or "ReenableUnitFiles" or "LinkUnitFiles" or "PresetUnitFiles" or "MaskUnitFiles":
                {
                    List<string> files = ReadStrings(ref args);
                    InstallFlags flags = ReadRuntimeForce(ref args);
                    ReplyInstall(call, FilesOperation(call.Member, files, flags), withInstallInfo: call.Member is not ("LinkUnitFiles" or "MaskUnitFiles"));
                    break;
                }
            case "EnableUnitFilesWithFlags":
                {
                    List<string> files = ReadStrings(ref args);
                    ReplyInstall(call, Api.Installer.Enable(files, FromFlags(args.ReadUInt64())), withInstallInfo: true);
                    break;
                }
            case "PresetUnitFilesWithMode":
                {
                    List<string> files = ReadStrings(ref args);
                    PresetMode mode = ParsePresetMode(args.ReadString());
                    InstallFlags flags = ReadRuntimeForce(ref args);
                    ReplyInstall(call, Api.Installer.Preset(files, mode, flags), withInstallInfo: true);
                    break;
                }
            case "PresetAllUnitFiles":
                {
                    PresetMode mode = ParsePresetMode(args.ReadString());
                    InstallFlags flags = ReadRuntimeForce(ref args);
                    ReplyInstall(call, Api.Installer.PresetAll(mode, flags), withInstallInfo: false);
                    break;
                }
            case "DisableUnitFiles":
                {
                    List<string> files = ReadStrings(ref args);
                    InstallFlags flags = args.ReadBoolean() ? InstallFlags.Runtime : InstallFlags.None;
                    ReplyInstall(call, Api.Installer.Disable(files, flags), withInstallInfo: false);
                    break;
                }
            case "DisableUnitFilesWithFlags":
                {
                    List<string> files = ReadStrings(ref args);
                    ReplyInstall(call, Api.Installer.Disable(files, FromFlags(args.ReadUInt64())), withInstallInfo: false);
                    break;
                }
            case "UnmaskUnitFiles":
                {
                    List<string> files = ReadStrings(ref args);
                    InstallFlags flags = args.ReadBoolean() ? InstallFlags.Runtime : InstallFlags.None;
                    ReplyInstall(call, Api.Installer.Unmask(files, flags), withInstallInfo: false);
                    break;
                }
            case "RevertUnitFiles":
                ReplyInstall(call, Api.Installer.Revert(ReadStrings(ref args)), withInstallInfo: false);
                break;
            case "AddDependencyUnitFiles":
                {
                    List<string> files = ReadStrings(ref args);
                    string target = args.ReadString();
                    InstallDependency dependency = args.ReadString() switch
                    {
                        "Wants" => InstallDependency.Wants,
                        "Requires" => InstallDependency.Requires,
                        string other => throw new DBusException(DBusErrors.InvalidArgs, $"Invalid dependency type: {other}"),
                    };
                    InstallFlags flags = ReadRuntimeForce(ref args);
                    ReplyInstall(call, Api.Installer.AddDependency(files, target, dependency, flags), withInstallInfo: false);
                    break;
                }
            case "SetDefaultTarget":
                {
                    string name = args.ReadString();
                    ReplyInstall(call, Api.Installer.SetDefault(name, args.ReadBoolean()), withInstallInfo: false);
                    break;
                }
            case "GetDefaultTarget":
                {
                    int r = Api.Installer.States.TryGetDefault(out string name);
                    if (r < 0)
                        throw new DBusException(DBusErrors.Failed, UnitFileStateResolver.DescribeError(r));
                    MessageWriter reply = call.CreateReply("s");
                    reply.WriteString(name);
                    call.Reply(reply.Finish());
                    break;
                }
            default:
                throw new DBusException(DBusErrors.NotSupported, $"{InterfaceCatalog.Manager}.{call.Member} is not supported by unitsd yet");
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>StartUnit and friends: queue the job (systemd's checks happen in the core) and reply with its path.</summary>
    internal ValueTask EnqueueJob(MethodCall call, string name, JobType type, string modeText, bool reloadIfPossible = false)
    {
        JobMode mode = JobNames.ParseMode(modeText)
            ?? throw new DBusException(DBusErrors.InvalidArgs, $"Job mode {modeText} invalid.");
        Job job = Manager.QueueJob(CheckedName(name), type, mode, reloadIfPossible);
        Api.TrackJobRequester(call, job);
        ReplyPath(call, BusPaths.ForJob(job.Id));
        return ValueTask.CompletedTask;
    }

    internal void Kill(MethodCall call, string name, string whomText, int signal)
    {
        KillWhom whom = whomText switch
        {
            "" or "all" or "all-fail" => KillWhom.All,
            "main" or "main-fail" => KillWhom.Main,
            "control" or "control-fail" => KillWhom.Control,
            _ => throw new DBusException(DBusErrors.InvalidArgs, $"Invalid who argument: {whomText}"),
        };
        if (signal is <= 0 or >= 65)
            throw new DBusException(DBusErrors.InvalidArgs, $"Signal number out of range: {signal}");
        Unit unit = LoadedUnit(name);
        UnitOperationResult result = unit.Kind.Kill(whom, signal);
        if (result == UnitOperationResult.NotApplicable)
            throw new DBusException(DBusErrors.NotSupported, $"Unit type {unit.Type.ToSuffix()} does not support killing.");
        if (result == UnitOperationResult.Failed && whomText.EndsWith("-fail", StringComparison.Ordinal))
            throw new DBusException("org.freedesktop.systemd1.NoSuchProcess", $"No matching processes to kill");
        call.ReplyEmpty();
    }

    internal void ResetFailed(MethodCall call, string name)
    {
        Manager.ResetFailed(LoadedUnit(name).Id);
        call.ReplyEmpty();
    }

    /// <summary>
    /// SetUnitProperties (and Unit.SetProperties): systemd's bus_unit_set_properties(). Every property is checked
    /// first; then each becomes a drop-in "50-NAME.conf" in the runtime or persistent control directory (a transient
    /// unit's in the transient directory) and the unit is read again, so the change shows at once and, where the
    /// control directories are in the search path, survives daemon-reload.
    /// </summary>
    /// <summary>The resource types of Clean(), in systemd's ExecDirectoryType order.</summary>
    private static readonly (ExecCleanMask Mask, string Name)[] s_cleanTypes =
    [
        (ExecCleanMask.Runtime, "runtime"), (ExecCleanMask.State, "state"), (ExecCleanMask.Cache, "cache"),
        (ExecCleanMask.Logs, "logs"), (ExecCleanMask.Configuration, "configuration"),
    ];

    /// <summary>CanClean: what Clean() could remove now (none for a unit that is not loaded).</summary>
    internal static IReadOnlyList<string> CleanNames(Unit unit) =>
        unit.LoadState == LoadState.Loaded && unit.Kind.CleanableResources is { } mask
            ? [.. s_cleanTypes.Where(t => mask.HasFlag(t.Mask)).Select(static t => t.Name)]
            : [];

    /// <summary>Clean(as) and CleanUnit(s, as): systemd's bus_unit_method_clean ("all" or resource type names).</summary>
    internal void Clean(MethodCall call, Unit unit, ref Reader args)
    {
        var mask = ExecCleanMask.None;
        ArrayEnd end = args.ReadArrayStart('s');
        while (args.HasNext(end))
        {
            string name = args.ReadString();
            mask |= name == "all" ? ExecCleanMask.All
                : s_cleanTypes.FirstOrDefault(t => t.Name == name) is { Name: not null } type ? type.Mask
                : throw new DBusException(DBusErrors.InvalidArgs, $"Invalid resource type: {name}");
        }
        Manager.Clean(unit, mask);
        call.ReplyEmpty();
    }

    internal void SetProperties(MethodCall call, Unit unit, ref Reader args)
    {
        bool runtime = args.ReadBoolean();
        if (UnitManager.ValidateLoadState(unit) is { } error)
            throw new DBusException(error.Name, error.Message);
        UnitPropertyChanges changes = UnitPropertyWriter.Read(ref args, unit.Type, creating: false);
        if (changes.Settings.Count > 0)
        {
            foreach (WrittenSetting setting in changes.Settings)
                Api.Writer.WriteDropIn(unit, runtime, setting.Name, UnitPropertyWriter.DropInSection(unit.Type, setting));
            Manager.RereadUnit(unit);
        }
        call.ReplyEmpty();
    }

    /// <summary>
    /// StartTransientUnit(name, mode, properties, aux): systemd's method_start_transient_unit(). The unit must be
    /// new (not loaded from a file, no job); its properties are written as its file in the transient directory, it
    /// is loaded from there (Transient=yes) and a start job is queued. It is removed, file and all, when collected.
    /// </summary>
    private void StartTransientUnit(MethodCall call, ref Reader args)
    {
        string name = args.ReadString();
        string modeText = args.ReadString();
        JobMode mode = JobNames.ParseMode(modeText)
            ?? throw new DBusException(DBusErrors.InvalidArgs, $"Job mode {modeText} is invalid.");
        if (StateNames.TypeOfName(name) is not UnitType type || !UnitManager.IsValidUnitName(name))
            throw new DBusException(DBusErrors.InvalidArgs, "Invalid unit name or type.");
        if (type is not (UnitType.Service or UnitType.Scope))
        {
            throw type is UnitType.Target or UnitType.Device
                ? new DBusException(DBusErrors.InvalidArgs, $"Unit type {type.ToSuffix()} does not support transient units.")
                : new DBusException(DBusErrors.NotSupported, $"Transient {type.ToSuffix()} units are not supported by unitsd yet.");
        }
        Unit unit = Manager.LoadUnit(name);
        if (!IsPristine(unit))
            throw new DBusException("org.freedesktop.systemd1.UnitExists", $"Unit {name} was already loaded or has a fragment file.");
        UnitPropertyChanges changes = UnitPropertyWriter.Read(ref args, type, creating: true);
        ArrayEnd aux = args.ReadArrayStart('(');
        if (args.HasNext(aux))
            throw new DBusException(DBusErrors.NotSupported, "Auxiliary transient units are not supported by unitsd yet.");
        List<int> pids = type == UnitType.Scope ? ScopePids(call, changes.Pids) : [];

        Api.Writer.WriteTransientUnit(name, UnitPropertyWriter.TransientFile(type, changes.Settings), changes.Commands);
        Manager.RereadUnit(unit);
        if (unit.Kind is Execution.Scope.ScopeKind scope)
            scope.AttachOnStart(pids);
        if (changes.AddRef)
            Api.TrackReference(call, unit);
        Job job = Manager.QueueJob(unit.Id, JobType.Start, mode);
        Api.TrackJobRequester(call, job);
        ReplyPath(call, BusPaths.ForJob(job.Id));
    }

    /// <summary>PIDs= of a scope being made, checked as systemd's unit_pid_attachable() does; 0 is the caller.</summary>
    private static List<int> ScopePids(MethodCall call, IReadOnlyList<uint> requested)
    {
        var pids = new List<int>();
        foreach (uint value in requested)
        {
            int pid = value == 0 ? call.Peer?.ProcessId ?? 0 : (int)value;
            if (pid <= 0)
                throw new DBusException(DBusErrors.InvalidArgs, $"Process identifier {pid} is not valid.");
            if (pid == 1 || pid == Environment.ProcessId)
                throw new DBusException(DBusErrors.InvalidArgs, $"Process {pid} is a manager process, refusing.");
            if (!Directory.Exists($"/proc/{pid}"))
                throw new DBusException("org.freedesktop.DBus.Error.UnixProcessIdUnknown", $"Process with ID {pid} does not exist.");
            pids.Add(pid);
        }
        return pids.Count > 0 ? pids : throw new DBusException(DBusErrors.InvalidArgs, "Scope has no PIDs. Refusing.");
    }

    /// <summary>unit_is_pristine(): not loaded from a file, no job; a unit that needs no file (a slice) may be loaded.</summary>
    private static bool IsPristine(Unit unit) =>
        unit.LoadState is LoadState.NotFound or LoadState.Loaded && unit.Definition.FragmentPath is null && unit.Job is null;

    /// <summary>GetUnitByInvocationID's argument: 16 bytes naming a current or last activation, or none for the
    /// caller's own unit (found by its PID, as systemd does).</summary>
    private Unit UnitByInvocation(MethodCall call, ref Reader args)
    {
        var bytes = new List<byte>(InvocationId.Size);
        ArrayEnd end = args.ReadArrayStart('y');
        while (args.HasNext(end))
            bytes.Add(args.ReadByte());
        if (bytes.Count == 0)
        {
            uint pid = (uint)(call.Peer?.ProcessId ?? 0);
            return UnitOfProcess(pid) ?? throw new DBusException(BusErrors.NoSuchUnit, $"Client {pid} not member of any unit.");
        }
        InvocationId id = InvocationId.TryFromBytes(bytes.ToArray()) ?? throw new DBusException(DBusErrors.InvalidArgs, "Invalid invocation ID");
        return Manager.GetUnitByInvocationId(id) ?? throw new DBusException(BusErrors.NoUnitForInvocationId,
            $"No unit with the specified invocation ID {id} known.");
    }

    /// <summary>A loaded unit by name (or alias), or NoSuchUnit "Unit X not loaded." as systemd says.</summary>
    private Unit LoadedUnit(string name)
        => Manager.GetUnit(CheckedName(name))
           ?? throw new DBusException(BusErrors.NoSuchUnit, $"Unit {name} not loaded.");

    /// <summary>Loads the unit and requires that it loaded (systemd's GENERIC_UNIT_LOAD|GENERIC_UNIT_VALIDATE_LOADED).</summary>
    private Unit LoadedValidUnit(string name)
    {
        Unit unit = Manager.LoadUnit(CheckedName(name));
        return UnitManager.ValidateLoadState(unit) is { } error ? throw new DBusException(error.Name, error.Message) : unit;
    }

    private Job ExistingJob(uint id)
        => Manager.GetJob(id) ?? throw new DBusException(BusErrors.NoSuchJob, $"Job {id} does not exist.");

    private static string CheckedName(string name)
        => StateNames.TypeOfName(name) is null
            ? throw new DBusException(DBusErrors.InvalidArgs, $"Unit name {name} is not valid.")
            : name;

    private static void ReplyPath(MethodCall call, string path)
    {
        MessageWriter reply = call.CreateReply("o");
        reply.WriteObjectPath(path);
        call.Reply(reply.Finish());
    }

    private static List<string> ReadStrings(ref Reader args)
    {
        var values = new List<string>();
        ArrayEnd end = args.ReadArrayStart('s');
        while (args.HasNext(end))
            values.Add(args.ReadString());
        return values;
    }

    /// <summary>ListUnits*: a(ssssssouso) — name, description, load, active, sub, following, path, job id, job type, job path.</summary>
    private void ReplyUnits(MethodCall call, List<string> states, List<string> patterns, List<string>? names)
    {
        IEnumerable<Unit> units = names is null
            ? Manager.Units
            : names.Select(n => Manager.GetUnit(n) ?? Manager.LoadUnit(CheckedName(n)));
        MessageWriter reply = call.CreateReply("a(ssssssouso)", capacity: 4096);
        ArrayStart array = reply.WriteArrayStart('(');
        var seen = new HashSet<Unit>(ReferenceEqualityComparer.Instance);
        foreach (Unit unit in units)
        {
            if (!seen.Add(unit))
                continue;
            string load = unit.LoadState.ToSystemdString();
            string active = unit.ActiveState.ToSystemdString();
            string sub = unit.SubState;
            if (states.Count > 0 && !states.Contains(load) && !states.Contains(active) && !states.Contains(sub))
                continue;
            if (patterns.Count > 0 && !patterns.Exists(p => Glob.IsMatch(p, unit.Id)))
                continue;
            reply.WriteStructStart();
            reply.WriteString(unit.Id);
            reply.WriteString(unit.Description);
            reply.WriteString(load);
            reply.WriteString(active);
            reply.WriteString(sub);
            reply.WriteString(unit.Following?.Id ?? "");
            reply.WriteObjectPath(BusPaths.ForUnit(unit.Id));
            Job? job = unit.Job;
            reply.WriteUInt32(job?.Id ?? 0);
            reply.WriteString(job?.Type.ToSystemdString() ?? "");
            reply.WriteObjectPath(job is null ? "/" : BusPaths.ForJob(job.Id));
        }
        reply.WriteArrayEnd(array);
        call.Reply(reply.Finish());
    }

    /// <summary>ListJobs: a(usssoo) — id, unit, type, state, job path, unit path.</summary>
    private void ReplyJobs(MethodCall call)
    {
        MessageWriter reply = call.CreateReply("a(usssoo)");
        ArrayStart array = reply.WriteArrayStart('(');
        foreach (Job job in Manager.Jobs.OrderBy(j => j.Id))
        {
            reply.WriteStructStart();
            reply.WriteUInt32(job.Id);
            reply.WriteString(job.Unit.Id);
            reply.WriteString(job.Type.ToSystemdString());
            reply.WriteString(job.State.ToSystemdString());
            reply.WriteObjectPath(BusPaths.ForJob(job.Id));
            reply.WriteObjectPath(BusPaths.ForUnit(job.Unit.Id));
        }
        reply.WriteArrayEnd(array);
        call.Reply(reply.Finish());
    }

    /// <summary>GetUnitProcesses: a(sus) — cgroup path, pid, command line.</summary>
    private void ReplyProcesses(MethodCall call, Unit unit)
    {
        MessageWriter reply = call.CreateReply("a(sus)");
        ArrayStart array = reply.WriteArrayStart('(');
        foreach (Execution.Cgroups.UnitProcess process in ServiceProperties.Processes(unit))
        {
            reply.WriteStructStart();
            reply.WriteString(ServiceProperties.RelativeControlGroup(process.CgroupPath));
            reply.WriteUInt32((uint)process.Pid);
            reply.WriteString(process.CommandLine);
        }
        reply.WriteArrayEnd(array);
        call.Reply(reply.Finish());
    }

    private void UpdateEnvironment(MethodCall call, IReadOnlyList<string> unset, IReadOnlyList<string> set)
    {
        try
        {
            Api.Environment.Update(unset, set);
        }
        catch (ArgumentException e)
        {
            throw new DBusException(DBusErrors.InvalidArgs, e.Message);
        }
        Api.ManagerPropertiesChanged("Environment");
        call.ReplyEmpty();
    }

    private void GetUnitFileState(MethodCall call, string name)
    {
        int r = Api.Installer.States.TryGetState(name, out UnitFileState state);
        // sd-bus maps ENOENT to FileNotFound; systemctl prints the message after "Failed to get unit file state".
        const int ENOENT = 2;
        if (r < 0)
            throw new DBusException(r == -ENOENT ? "org.freedesktop.DBus.Error.FileNotFound" : DBusErrors.Failed,
                UnitFileStateResolver.DescribeError(r));
        MessageWriter reply = call.CreateReply("s");
        reply.WriteString(state.ToSystemdString());
        call.Reply(reply.Finish());
    }

    /// <summary>ListUnitFiles*: a(ss) — path, state.</summary>
    private void ReplyUnitFiles(MethodCall call, List<string> states, List<string> patterns)
    {
        var wanted = new List<UnitFileState>();
        foreach (string state in states)
        {
            if (InstallText.ParseUnitFileState(state) is UnitFileState parsed)
                wanted.Add(parsed);
        }
        IReadOnlyList<UnitFileListEntry> entries = Api.Installer.States.List(patterns.Count > 0 ? patterns : null, wanted.Count > 0 ? wanted : null);
        MessageWriter reply = call.CreateReply("a(ss)", capacity: 4096);
        ArrayStart array = reply.WriteArrayStart('(');
        foreach (UnitFileListEntry entry in entries)
        {
            reply.WriteStructStart();
            reply.WriteString(entry.Path);
            reply.WriteString(entry.State.ToSystemdString());
        }
        reply.WriteArrayEnd(array);
        call.Reply(reply.Finish());
    }

    /// <summary>The reply of the *UnitFiles methods: [b carries install info] a(sss) changes; systemd sends
    /// UnitFilesChanged when anything was modified.</summary>
    private void ReplyInstall(MethodCall call, InstallResult result, bool withInstallInfo)
    {
        if (result.DBusError is (string errorName, string message))
            throw new DBusException(errorName, message);
        MessageWriter reply = call.CreateReply(withInstallInfo ? "ba(sss)" : "a(sss)");
        if (withInstallInfo)
            reply.WriteBoolean(result.CarriesInstallInfo);
        ArrayStart array = reply.WriteArrayStart('(');
        foreach (InstallChange change in result.Changes)
        {
            if (change.DBusType is not string type)
                continue;
            reply.WriteStructStart();
            reply.WriteString(type);
            reply.WriteString(change.Path);
            reply.WriteString(change.Source ?? "");
        }
        reply.WriteArrayEnd(array);
        call.Reply(reply.Finish());
        if (result.HasModification)
            Api.UnitFilesChanged();
    }

    /// <summary>The (files, runtime, force) methods of the installer, by D-Bus member name.</summary>
    private InstallResult FilesOperation(string member, List<string> files, InstallFlags flags) => member switch
    {
        "EnableUnitFiles" => Api.Installer.Enable(files, flags),
        "ReenableUnitFiles" => Api.Installer.Reenable(files, flags),
        "LinkUnitFiles" => Api.Installer.Link(files, flags),
        "PresetUnitFiles" => Api.Installer.Preset(files, PresetMode.Full, flags),
        _ => Api.Installer.Mask(files, flags),
    };

    private static InstallFlags ReadRuntimeForce(ref Reader args)
    {
        InstallFlags flags = args.ReadBoolean() ? InstallFlags.Runtime : InstallFlags.None;
        return args.ReadBoolean() ? flags | InstallFlags.Force : flags;
    }

    /// <summary>The UNIT_FILE_* flags of the *WithFlags methods: 1 runtime, 2 force, 4 portable (ignored).</summary>
    private static InstallFlags FromFlags(ulong flags)
    {
        if ((flags & ~7UL) != 0)
            throw new DBusException(DBusErrors.InvalidArgs, "Invalid 'flags' parameter");
        InstallFlags result = InstallFlags.None;
        if ((flags & 1) != 0)
            result |= InstallFlags.Runtime;
        if ((flags & 2) != 0)
            result |= InstallFlags.Force;
        return result;
    }

    private static PresetMode ParsePresetMode(string text) => text switch
    {
        "" or "full" => PresetMode.Full,
        "enable-only" => PresetMode.EnableOnly,
        "disable-only" => PresetMode.DisableOnly,
        _ => throw new DBusException(DBusErrors.InvalidArgs, $"Unit file preset mode '{text}' invalid."),
    };

    private static PropertyTable<ManagerApi> BuildTable()
    {
        var table = new PropertyTable<ManagerApi>(InterfaceCatalog.Get(InterfaceCatalog.Manager));
        table.Add("Version", static (a, ref w) => Variant.String(ref w, a.Options.Version))
            .Add("Features", static (a, ref w) => Variant.String(ref w, a.Options.Features))
            .Add("Architecture", static (_, ref w) => Variant.String(ref w, HostFacts.Instance.Architecture))
            .Add("UserspaceTimestamp", static (a, ref w) => Variant.UInt64(ref w, a.Options.StartedAt.RealtimeUSec))
            .Add("UserspaceTimestampMonotonic", static (a, ref w) => Variant.UInt64(ref w, a.Options.StartedAt.MonotonicUSec))
            .Add("FinishTimestamp", static (a, ref w) => Variant.UInt64(ref w, a.FinishedAt.RealtimeUSec))
            .Add("FinishTimestampMonotonic", static (a, ref w) => Variant.UInt64(ref w, a.FinishedAt.MonotonicUSec))
            .Add("LogLevel", static (_, ref w) => Variant.String(ref w, "info"))
            .Add("LogTarget", static (a, ref w) => Variant.String(ref w, a.Options.LogTarget))
            .Add("NNames", static (a, ref w) => Variant.UInt32(ref w, (uint)a.Manager.UnitCount))
            .Add("NFailedUnits", static (a, ref w) => Variant.UInt32(ref w, (uint)a.Manager.FailedUnitCount))
            .Add("NJobs", static (a, ref w) => Variant.UInt32(ref w, (uint)a.Manager.Jobs.Count))
            .Add("NInstalledJobs", static (a, ref w) => Variant.UInt32(ref w, a.InstalledJobs))
            .Add("NFailedJobs", static (a, ref w) => Variant.UInt32(ref w, a.Manager.FailedJobCount))
            .Add("Progress", static (a, ref w) => w.WriteVariantDouble(a.FinishedAt.MonotonicUSec != 0 ? 1.0 : 0.0))
            .Add("Environment", static (a, ref w) => Variant.Strings(ref w, a.Environment.Assignments))
            .Add("UnitPath", static (a, ref w) => Variant.Strings(ref w, a.Options.UnitPath))
            .Add("DefaultStandardOutput", static (a, ref w) => Variant.String(ref w, a.Options.DefaultStandardOutput))
            .Add("DefaultStandardError", static (a, ref w) => Variant.String(ref w, a.Options.DefaultStandardError))
            .Add("ServiceWatchdogs", static (_, ref w) => Variant.Boolean(ref w, true))
            .Add("ControlGroup", static (a, ref w) => Variant.String(ref w, a.Options.ControlGroup))
            .Add("SystemState", static (a, ref w) => Variant.String(ref w, a.SystemState))
            .Add("DefaultTimerAccuracyUSec", static (_, ref w) => Variant.UInt64(ref w, 60_000_000))
            .Add("DefaultTimeoutStartUSec", static (a, ref w) => Variant.UInt64(ref w, a.Options.DefaultTimeoutStartUSec))
            .Add("DefaultTimeoutStopUSec", static (a, ref w) => Variant.UInt64(ref w, a.Options.DefaultTimeoutStopUSec))
            .Add("DefaultTimeoutAbortUSec", static (a, ref w) => Variant.UInt64(ref w, a.Options.DefaultTimeoutStopUSec))
            .Add("DefaultDeviceTimeoutUSec", static (_, ref w) => Variant.UInt64(ref w, 90_000_000))
            .Add("DefaultRestartUSec", static (_, ref w) => Variant.UInt64(ref w, 100_000))
            .Add("DefaultStartLimitIntervalUSec", static (_, ref w) => Variant.UInt64(ref w, 10_000_000))
            .Add("DefaultStartLimitBurst", static (_, ref w) => Variant.UInt32(ref w, 5))
            .Add("DefaultTasksAccounting", static (_, ref w) => Variant.Boolean(ref w, true))
            .Add("DefaultMemoryAccounting", static (_, ref w) => Variant.Boolean(ref w, true))
            .Add("DefaultCPUAccounting", static (_, ref w) => Variant.Boolean(ref w, true))
            .Add("DefaultTasksMax", static (_, ref w) => Variant.UInt64(ref w, ManagerProcess.DefaultTasksMax))
            .Add("TimerSlackNSec", static (_, ref w) => Variant.UInt64(ref w, ManagerProcess.TimerSlackNSec))
            // A user manager drives no hardware watchdog: systemd reports its watchdogs as infinity (off).
            .Add("RuntimeWatchdogUSec", static (_, ref w) => Variant.UInt64(ref w, ulong.MaxValue))
            .Add("RuntimeWatchdogPreUSec", static (_, ref w) => Variant.UInt64(ref w, ulong.MaxValue))
            .Add("RebootWatchdogUSec", static (_, ref w) => Variant.UInt64(ref w, ulong.MaxValue))
            .Add("KExecWatchdogUSec", static (_, ref w) => Variant.UInt64(ref w, ulong.MaxValue))
            .Add("DefaultOOMPolicy", static (_, ref w) => Variant.String(ref w, "stop"))
            .Add("CtrlAltDelBurstAction", static (_, ref w) => Variant.String(ref w, "reboot-force"));
        foreach (string name in Enum.GetNames<Execution.ResourceLimit>())
        {
            var resource = Enum.Parse<Execution.ResourceLimit>(name);
            table.Add("DefaultLimit" + name, (_, ref w) => Variant.UInt64(ref w, Execution.ManagerLimits.Defaults.GetValueOrDefault(resource).Hard ?? ulong.MaxValue));
            table.Add("DefaultLimit" + name + "Soft", (_, ref w) => Variant.UInt64(ref w, Execution.ManagerLimits.Defaults.GetValueOrDefault(resource).Soft ?? ulong.MaxValue));
        }
        return table;
    }

    /// <summary>GetUnitByPID: the unit a process belongs to, by its cgroup (0: the caller). The manager's own
    /// process is init.scope's, as systemd's manager_get_unit_by_pid says.</summary>
    private Unit UnitByPid(MethodCall call, uint pid)
    {
        if (pid == 0)
            pid = (uint)(call.Peer?.ProcessId ?? 0);
        return UnitOfProcess(pid) ?? throw new DBusException(BusErrors.NoUnitForPid, $"PID {pid} does not belong to any loaded unit.");
    }

    /// <summary>manager_get_unit_by_pid(): the unit whose cgroup holds the process; the manager is init.scope's.</summary>
    internal Unit? UnitOfProcess(uint pid) => pid == (uint)Environment.ProcessId
        ? Manager.GetUnit(SpecialUnits.InitScope)
        : ControlGroupOfProcess(pid) is string cgroup ? FindByControlGroup(cgroup) : null;

    /// <summary>GetUnitByControlGroup: the unit owning that cgroup or the nearest cgroup above it.</summary>
    private Unit UnitByControlGroup(string cgroup)
    {
        if (!cgroup.StartsWith('/'))
            throw new DBusException(DBusErrors.InvalidArgs, $"Control group path is not absolute: {cgroup}");
        return FindByControlGroup(cgroup)
            ?? throw new DBusException(BusErrors.NoSuchUnit, $"Control group '{cgroup}' is not valid or not managed by this instance");
    }

    /// <summary>Walks up from <paramref name="cgroup"/> to the first cgroup a unit has ("/app.slice/x.service/sub"
    /// is x.service's, "/app.slice/gone.service" app.slice's), as systemd's manager_get_unit_by_cgroup.</summary>
    private Unit? FindByControlGroup(string cgroup)
    {
        var owners = new Dictionary<string, Unit>(StringComparer.Ordinal);
        foreach (Unit unit in Manager.Units)
        {
            if (TypeProperties.ControlGroupOf(unit) is { Length: > 0 } owned)
                owners.TryAdd(owned, unit);
        }
        for (string path = cgroup.Length > 1 ? cgroup.TrimEnd('/') : cgroup; ; path = path[..Math.Max(path.LastIndexOf('/'), 1)])
        {
            if (owners.TryGetValue(path, out Unit? unit))
                return unit;
            if (path == "/")
                return null;
        }
    }

    /// <summary>A process's cgroup on the unified hierarchy, from /proc/PID/cgroup; null when it has gone.</summary>
    private static string? ControlGroupOfProcess(uint pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/cgroup"))
            {
                if (line.StartsWith("0::", StringComparison.Ordinal))
                    return line[3..];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}