using Units.Core.Manager;
using Units.Core.Model;
using UnitNameEscaping = Units.UnitFiles.Names.UnitNameEscaping;

namespace Units.Execution.Mounts;

/// <summary>
/// The mount unit type (systemd 252's mount.c) as far as unitsd goes: a mount unit is "mounted" while its mount point
/// is in the kernel's mount table (<see cref="MountTable"/>), whoever mounted it, and "dead" otherwise; its What=,
/// Options= and Type= are the table's. Mounting and unmounting through the unit (mount(8) and umount(8) as control
/// processes) is not done yet: start and stop jobs on a mount unit end "unsupported", said in the log.
/// </summary>
public sealed class MountKind : UnitKind
{
    private readonly MountTable _table;
    private bool _wasMounted;

    private MountKind(MountTable table) => _table = table;

    public static void Register(UnitKinds kinds, MountTable table)
    {
        kinds.Register(UnitType.Mount, () => new MountKind(table));
        kinds.Register(UnitType.Device, () => new DeviceKind(table));
    }

    /// <summary>The mount as the kernel has it now; null when not mounted.</summary>
    public MountEntry? Mounted => _table.Mount(Unit.Id);

    public override ActiveState ActiveState => Mounted is null ? ActiveState.Inactive : ActiveState.Active;

    public override string SubState => Mounted is null ? "dead" : "mounted";

    public override bool UsesSlice => true;

    /// <summary>mount_is_extrinsic(): a user manager manages no mounts.</summary>
    public override bool IsExtrinsic => Host.Scope == ManagerScope.User;

    public override bool IgnoresIsolateByDefault => true;

    /// <summary>mount_can_reload(): a remount.</summary>
    public override bool CanReload => true;

    /// <summary>The mount point of the unit: the table's, else the one its name stands for.</summary>
    public string Where => Mounted?.Where ?? (UnitNameEscaping.TryUnescapePath(Unit.Id[..^".mount".Length], out string path) ? path : "/");

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

    public override UnitOperationResult Reload() => Refuse("remounting");

    public override UnitOperationResult Start() => Refuse("mounting");

    public override UnitOperationResult Stop() => Mounted is null ? UnitOperationResult.AlreadyDone : Refuse("unmounting");

    private UnitOperationResult Refuse(string what)
    {
        Host.Log.Write(LogPriority.Warning, Unit.Id, $"{what} through mount units is not supported by unitsd yet; use mount(8) and umount(8).");
        return UnitOperationResult.Unsupported;
    }

    /// <summary>The mount table changed for this unit: mounted, unmounted or remounted with other parameters.</summary>
    internal void TableChanged()
    {
        bool mounted = Mounted is not null;
        if (mounted != _wasMounted)
            Unit.NotifyStateChanged(_wasMounted ? ActiveState.Active : ActiveState.Inactive, ActiveState);
        else
            Unit.NotifyPropertiesChanged();
        _wasMounted = mounted;
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
