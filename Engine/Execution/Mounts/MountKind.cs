using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Notify;
using Units.Execution.Service;
using Units.Execution.Spawning;
using UnitNameEscaping = Units.UnitFiles.Names.UnitNameEscaping;

namespace Units.Execution.Mounts;

/// <summary>A mount unit's state (systemd's MountState, without remounting and cleaning).</summary>
public enum MountState
{
    Dead,
    Mounting,
    MountingDone,
    Mounted,
    Unmounting,
    UnmountingSigterm,
    UnmountingSigkill,
    Failed,
}

/// <summary>Why a mount unit last failed (systemd's MountResult).</summary>
public enum MountResult
{
    Success,
    Resources,
    Timeout,
    ExitCode,
    Signal,
    CoreDump,
}

/// <summary>What a mount unit file says ([Mount] and the exec, kill and cgroup settings of its control processes).</summary>
public sealed record MountSettings
{
    public string? What { get; init; }
    public string? Type { get; init; }
    public string? Options { get; init; }
    public ulong TimeoutUsec { get; init; } = 90_000_000;
    public int DirectoryMode { get; init; } = 0x1ED;
    public bool SloppyOptions { get; init; }
    public bool LazyUnmount { get; init; }
    public bool ForceUnmount { get; init; }
    public bool ReadWriteOnly { get; init; }
    public ServiceSettings Processes { get; init; } = new();
}

/// <summary>
/// The mount unit type (systemd 252's mount.c): a mount unit is "mounted" while its mount point is in the kernel's mount
/// table (<see cref="MountTable"/>), whoever mounted it; its What=, Options= and Type= are the table's then. Started,
/// it runs mount(8) with the unit file's What=, Type= and Options= as its control process (in its cgroup, with its exec
/// settings) and is mounted once the table shows the mount; stopped, umount(8). Remounting (reload) is not done yet.
/// </summary>
public sealed class MountKind : UnitKind, IProcessOwner
{
    private readonly MountTable _table;
    private readonly ExecutionRuntime _runtime;
    private MountSettings _settings = new();
    private UnitProcesses? _processes;
    private LoopTimer? _timer;

    private MountKind(MountTable table, ExecutionRuntime runtime)
    {
        _table = table;
        _runtime = runtime;
    }

    public static void Register(UnitKinds kinds, MountTable table, ExecutionRuntime runtime)
    {
        kinds.Register(UnitType.Mount, () => new MountKind(table, runtime));
        kinds.Register(UnitType.Device, () => new DeviceKind(table));
    }

    public MountState State { get; private set; }

    public MountResult Result { get; private set; }

    /// <summary>The PID of mount(8) or umount(8) while one runs; 0 otherwise.</summary>
    public int ControlPid { get; private set; }

    /// <summary>The mount as the kernel has it now; null when not mounted.</summary>
    public MountEntry? Mounted => _table.Mount(Unit.Id);

    /// <summary>The unit file's settings (What=, Type=, Options=...), for the D-Bus Mount properties.</summary>
    public MountSettings Settings => _settings;

    public override ActiveState ActiveState => State switch
    {
        MountState.Mounting or MountState.MountingDone => ActiveState.Activating,
        MountState.Mounted => ActiveState.Active,
        MountState.Unmounting or MountState.UnmountingSigterm or MountState.UnmountingSigkill => ActiveState.Deactivating,
        MountState.Failed => ActiveState.Failed,
        _ => ActiveState.Inactive,
    };

    public override string SubState => State switch
    {
        MountState.Mounting => "mounting",
        MountState.MountingDone => "mounting-done",
        MountState.Mounted => "mounted",
        MountState.Unmounting => "unmounting",
        MountState.UnmountingSigterm => "unmounting-sigterm",
        MountState.UnmountingSigkill => "unmounting-sigkill",
        MountState.Failed => "failed",
        _ => "dead",
    };

    public static string ToSystemdString(MountResult result) => result switch
    {
        MountResult.Resources => "resources",
        MountResult.Timeout => "timeout",
        MountResult.ExitCode => "exit-code",
        MountResult.Signal => "signal",
        MountResult.CoreDump => "core-dump",
        _ => "success",
    };

    public override bool UsesSlice => true;

    /// <summary>mount_is_extrinsic(): a user manager manages no mounts.</summary>
    public override bool IsExtrinsic => Host.Scope == ManagerScope.User;

    public override bool IgnoresIsolateByDefault => true;

    /// <summary>mount_can_reload(): a remount.</summary>
    public override bool CanReload => true;

    public string InvocationId => Unit.InvocationId.ToString();

    /// <summary>The mount point of the unit: the table's, else the one its name stands for.</summary>
    public string Where => Mounted?.Where ?? (UnitNameEscaping.TryUnescapePath(Unit.Id[..^".mount".Length], out string path) ? path : "/");

    public override void Load(UnitDefinition definition)
    {
        _settings = definition.TypeSettings as MountSettings ?? new MountSettings();
        if (_processes is null)
        {
            _processes = _runtime.CreateUnit(Unit.Id, Unit.SliceName, _settings.Processes);
            _processes.Owner = this;
        }
        else
        {
            _processes.Reconfigure(_settings.Processes);
        }
    }

    /// <summary>mount_add_mount_dependencies(): after the mounts its mount point lies on (those mounted now; the
    /// root mount always), as their RequiresMountsFor= adds.</summary>
    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        string? where = UnitNameEscaping.TryUnescapePath(definition.Name[..^".mount".Length], out string path) ? path : null;
        for (string? parent = ParentOf(where); parent is not null; parent = ParentOf(parent))
        {
            string name = UnitNameEscaping.TryEscapePath(parent, out string escaped) ? escaped + ".mount" : "";
            if (_table.Mount(name) is not null)
                sink.Add(UnitDependency.After, name);
        }
    }

    /// <summary>The directory a path lies in; null for the root.</summary>
    public static string? ParentOf(string? path) =>
        path is null or "/" ? null : Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : "/";

    public override UnitOperationResult Reload()
    {
        Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Remounting through mount units is not supported by unitsd yet; use mount -o remount.");
        return UnitOperationResult.Unsupported;
    }

    /// <summary>mount_enter_mounting(): creates the mount point and runs mount(8).</summary>
    public override UnitOperationResult Start()
    {
        switch (State)
        {
            case MountState.Unmounting or MountState.UnmountingSigterm or MountState.UnmountingSigkill:
                return UnitOperationResult.Again;
            case MountState.Mounting or MountState.MountingDone:
                return UnitOperationResult.InProgress;
            case MountState.Mounted:
                return UnitOperationResult.AlreadyDone;
        }
        if (_settings.What is not { Length: > 0 } what)
        {
            Host.Log.Write(LogPriority.Error, Unit.Id, $"{Unit.Id}: What= setting is missing. Refusing.");
            return UnitOperationResult.Invalid;
        }
        if (!Unit.TestStartLimit())
            return UnitOperationResult.Failed;
        Unit.AcquireInvocationId();
        Result = MountResult.Success;
        try
        {
            if (!Directory.Exists(Where))
            {
                Directory.CreateDirectory(Where);
                Native.Libc.chmod(Where, _settings.DirectoryMode);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Failed to make path {Where}: {e.Message}");
        }
        var argv = new List<string> { "mount", what, Where };
        if (_settings.SloppyOptions)
            argv.Add("-s");
        if (_settings.ReadWriteOnly)
            argv.Add("-w");
        if (_settings.Type is { Length: > 0 } type)
            argv.AddRange(["-t", type]);
        if (_settings.Options is { Length: > 0 } options)
            argv.AddRange(["-o", options]);
        if (!RunControl(new ExecCommand("/bin/mount", argv), "mount"))
        {
            EnterDeadOrFailed(MountResult.Resources);
            return UnitOperationResult.Failed;
        }
        SetState(MountState.Mounting);
        return UnitOperationResult.InProgress;
    }

    /// <summary>mount_enter_unmounting(): runs umount(8) on the mount point.</summary>
    public override UnitOperationResult Stop()
    {
        switch (State)
        {
            case MountState.Unmounting or MountState.UnmountingSigterm or MountState.UnmountingSigkill:
                return UnitOperationResult.InProgress;
            case MountState.Mounting or MountState.MountingDone:
                KillControl(MountState.UnmountingSigterm, MountResult.Success);
                return UnitOperationResult.InProgress;
            case MountState.Dead or MountState.Failed:
                return UnitOperationResult.AlreadyDone;
        }
        if (Unit.IsPerpetual)
            return UnitOperationResult.AlreadyDone;
        var argv = new List<string> { "umount", Where, "-c" };
        if (_settings.LazyUnmount)
            argv.Add("-l");
        if (_settings.ForceUnmount)
            argv.Add("-f");
        if (!RunControl(new ExecCommand("/bin/umount", argv), "umount"))
        {
            SetState(MountState.Mounted);
            return UnitOperationResult.Failed;
        }
        SetState(MountState.Unmounting);
        return UnitOperationResult.InProgress;
    }

    private bool RunControl(ExecCommand command, string name)
    {
        try
        {
            _processes!.Prepare();
            ControlPid = _processes.Spawn(command, ServiceCommand.StartPre, ["INVOCATION_ID=" + Unit.InvocationId], watchExec: false);
            ArmTimer();
            return true;
        }
        catch (Exception e) when (e is ExecSetupException or IOException or UnauthorizedAccessException)
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Failed to run '{name}' task: {e.Message}");
            ControlPid = 0;
            return false;
        }
    }

    void IProcessOwner.OnProcessExit(ProcessExit exit)
    {
        if (exit.Pid != ControlPid || ControlPid == 0)
            return;
        ControlPid = 0;
        _timer?.Cancel();
        _timer = null;
        MountResult f = exit.Code == ExitCode.Exited && exit.Status == 0 ? MountResult.Success
            : exit.Code switch { ExitCode.Exited => MountResult.ExitCode, ExitCode.Killed => MountResult.Signal, _ => MountResult.CoreDump };
        Host.Log.Write(f == MountResult.Success ? LogPriority.Debug : LogPriority.Notice, Unit.Id, $"{Unit.Id}: {(State == MountState.Mounting ? "Mount" : "Unmount")} process exited, {exit}");
        switch (State)
        {
            case MountState.Mounting when f == MountResult.Success:
                // The kernel's table says when it is mounted; mount(8) has returned, so it usually says so already.
                if (InTable())
                    SetState(MountState.Mounted);
                else
                    SetState(MountState.MountingDone);
                break;
            case MountState.Mounting:
                EnterDeadOrFailed(f);
                break;
            case MountState.Unmounting when f == MountResult.Success:
                if (InTable())
                    SetState(MountState.Unmounting); // the table's change ends it
                else
                    EnterDeadOrFailed(MountResult.Success);
                break;
            case MountState.Unmounting:
                // systemd's mount_enter_mounted with the failure: still mounted, the stop job fails.
                if (Result == MountResult.Success)
                    Result = f;
                SetState(InTable() ? MountState.Mounted : MountState.Failed);
                break;
            case MountState.UnmountingSigterm or MountState.UnmountingSigkill:
                EnterDeadOrFailed(f == MountResult.Success ? MountResult.Success : f);
                break;
        }
    }

    /// <summary>The table right now (the control process's change may not have been dispatched yet).</summary>
    private bool InTable() => _table.Contains(Where);

    /// <summary>The mount table changed for this unit: mounted, unmounted or remounted with other parameters.</summary>
    internal void TableChanged()
    {
        bool mounted = Mounted is not null;
        switch (State)
        {
            case MountState.Dead or MountState.Failed or MountState.Mounting or MountState.MountingDone when mounted:
                SetState(MountState.Mounted);
                break;
            case MountState.Mounted or MountState.MountingDone when !mounted:
                EnterDeadOrFailed(MountResult.Success);
                break;
            case MountState.Unmounting when !mounted && ControlPid == 0:
                EnterDeadOrFailed(MountResult.Success);
                break;
            default:
                Unit.NotifyPropertiesChanged();
                break;
        }
    }

    private void KillControl(MountState state, MountResult result)
    {
        if (Result == MountResult.Success)
            Result = result;
        if (ControlPid > 0 && _processes!.KillGroup(state == MountState.UnmountingSigkill ? Signals.SIGKILL : Signals.SIGTERM, []) > 0)
        {
            ArmTimer();
            SetState(state);
            return;
        }
        EnterDeadOrFailed(MountResult.Success);
    }

    private void OnTimeout()
    {
        _timer = null;
        switch (State)
        {
            case MountState.Mounting or MountState.MountingDone or MountState.Unmounting:
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: {(State == MountState.Unmounting ? "Unmounting" : "Mounting")} timed out. Terminating.");
                KillControl(MountState.UnmountingSigterm, MountResult.Timeout);
                break;
            case MountState.UnmountingSigterm:
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Mount process timed out. Killing.");
                KillControl(MountState.UnmountingSigkill, MountResult.Timeout);
                break;
            case MountState.UnmountingSigkill:
                Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Mount process still around after SIGKILL. Ignoring.");
                EnterDeadOrFailed(MountResult.Timeout);
                break;
        }
    }

    private void ArmTimer()
    {
        _timer?.Cancel();
        ulong now = Host.Clock.MonotonicUSec;
        _timer = _settings.TimeoutUsec is 0 or ulong.MaxValue ? null : Host.AddTimer(now + _settings.TimeoutUsec, OnTimeout);
    }

    /// <summary>mount_enter_dead(): dead, or failed with the first failure's result.</summary>
    private void EnterDeadOrFailed(MountResult result)
    {
        if (Result == MountResult.Success)
            Result = result;
        _timer?.Cancel();
        _timer = null;
        if (Result != MountResult.Success)
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"{Unit.Id}: Failed with result '{ToSystemdString(Result)}'.");
        if (InTable())
            SetState(MountState.Mounted);
        else
            SetState(Result == MountResult.Success ? MountState.Dead : MountState.Failed);
        if (_processes is { IsGroupEmpty: true })
            _processes.Release();
    }

    public override void ResetFailed()
    {
        if (State == MountState.Failed)
            SetState(MountState.Dead);
        Result = MountResult.Success;
    }

    private void SetState(MountState state)
    {
        ActiveState old = ActiveState;
        State = state;
        Unit.NotifyStateChanged(old, ActiveState);
    }

    void IProcessOwner.OnExecSucceeded(int pid)
    {
    }

    void IProcessOwner.OnGroupEmpty()
    {
    }

    void IProcessOwner.OnNotify(NotifyMessage message)
    {
    }
}

/// <summary>
/// The device unit type (systemd 252's device.c) without udev: a device node that a mount was made from is "tentative"
/// (activating), as systemd shows a device it saw in /proc/self/mountinfo but udev has not announced; otherwise dead.
/// A start job waits for the device, as in systemd.
/// </summary>
public sealed class DeviceKind(MountTable table) : UnitKind
{
    private bool _wasFound;

    /// <summary>The device node ("/dev/vda") while a mount uses it; null otherwise.</summary>
    public string? Node => table.Devices.GetValueOrDefault(Unit.Id);

    /// <summary>The kernel's device path (/sys/devices/...) of the node, through /sys/dev/block/MAJ:MIN.</summary>
    public string? SysFSPath => Node is { } node ? DevicePaths.SysfsPathOf(node) : null;

    public override ActiveState ActiveState => Node is null ? ActiveState.Inactive : ActiveState.Activating;

    public override string SubState => Node is null ? "dead" : "tentative";

    public override bool CanStart => false;

    public override bool CanStop => false;

    public override bool IgnoresIsolateByDefault => true;

    /// <summary>device.c has no start: the job waits until the device appears (or its timeout).</summary>
    public override UnitOperationResult Start() => UnitOperationResult.InProgress;

    public override UnitOperationResult Stop() => Node is null ? UnitOperationResult.AlreadyDone : UnitOperationResult.InProgress;

    internal void TableChanged()
    {
        bool found = Node is not null;
        if (found != _wasFound)
            Unit.NotifyStateChanged(_wasFound ? ActiveState.Activating : ActiveState.Inactive, ActiveState);
        _wasFound = found;
    }
}

/// <summary>Where the kernel keeps a device node's device.</summary>
internal static class DevicePaths
{
    public static string? SysfsPathOf(string node)
    {
        try
        {
            if (Native.Libc.DeviceNumber(node) is not var (major, minor))
                return null;
            string link = $"/sys/dev/block/{major}:{minor}";
            return Directory.Exists(link) ? Directory.ResolveLinkTarget(link, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(link) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
