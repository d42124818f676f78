using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Execution.Mounts;

/// <summary>
/// Keeps the manager's mount and device units in step with the mount table (systemd's mount_dispatch_io and
/// device_found_node): what appears gets its unit loaded, and every unit whose mount or device changed hears of it.
/// </summary>
public static class MountUnits
{
    /// <summary>Reads the table again and brings the units up to date; on the loop (at start-up, and after every change).</summary>
    public static void Dispatch(MountTable table, UnitManager manager)
    {
        foreach (string name in table.Refresh())
        {
            bool present = table.Mounts.ContainsKey(name) || table.Devices.ContainsKey(name);
            Unit? unit = manager.GetUnit(name);
            if (unit is null && !present)
                continue;
            unit ??= manager.LoadUnit(name);
            // A unit asked for before its mount existed loaded as not found: it is read again, now from the table.
            if (unit.LoadState != LoadState.Loaded && present)
                manager.RereadUnit(unit);
            switch (unit.Kind)
            {
                case MountKind mount:
                    mount.TableChanged();
                    break;
                case DeviceKind device:
                    device.TableChanged();
                    break;
            }
        }
    }

    /// <summary>
    /// Completes the definition of a mount or device unit that has no unit file from the table, as systemd sets up a
    /// unit for what /proc/self/mountinfo shows: loaded, described by its mount point ("Root Mount" for /) or device
    /// node; the root mount is perpetual, without default dependencies (mount_load_root_mount).
    /// </summary>
    /// <param name="defaultTimeoutStartUSec">DefaultTimeoutStartSec=: how long a job waits for a device
    /// (device.c's job_running_timeout).</param>
    public static UnitDefinition Complete(MountTable table, UnitDefinition definition, ulong defaultTimeoutStartUSec)
    {
        if (definition.Type == UnitType.Device && definition.JobRunningTimeoutUSec is null)
            definition = definition with { JobRunningTimeoutUSec = defaultTimeoutStartUSec };
        if (definition.FragmentPath is not null)
            return definition;
        if (definition.Type == UnitType.Mount && table.Mount(definition.Name) is { } mount)
        {
            bool root = definition.Name == "-.mount";
            return definition with
            {
                LoadState = LoadState.Loaded,
                LoadError = null,
                LoadErrorName = null,
                Description = definition.Description.Length > 0 ? definition.Description : root ? "Root Mount" : mount.Where,
                Perpetual = root || definition.Perpetual,
                DefaultDependencies = !root && definition.DefaultDependencies,
            };
        }
        if (definition.Type == UnitType.Device && table.Devices.GetValueOrDefault(definition.Name) is { } node && definition.Description.Length == 0)
            return definition with { Description = node };
        return definition;
    }
}
