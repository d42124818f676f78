using Units.UnitFiles.Names;

namespace Units.UnitFiles.Settings;

/// <summary>Every option systemd 252 knows, by section: its parser and whether the engine acts on it.</summary>
internal static partial class SettingsTable
{
    /// <summary>Unit types with an exec context (systemd.exec(5)).</summary>
    public static bool HasExecContext(UnitType type) => type is UnitType.Service or UnitType.Socket or UnitType.Mount or UnitType.Swap;

    /// <summary>Unit types with a kill context (systemd.kill(5)).</summary>
    public static bool HasKillContext(UnitType type) => HasExecContext(type) || type == UnitType.Scope;

    /// <summary>Unit types with a cgroup context (systemd.resource-control(5)).</summary>
    public static bool HasCGroupContext(UnitType type) => HasKillContext(type) || type == UnitType.Slice;
}
