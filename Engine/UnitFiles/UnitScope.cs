namespace Units.UnitFiles;

/// <summary>Which manager a unit file is read for: the system manager or a per-user manager ("systemd --user").</summary>
public enum UnitScope
{
    System,
    User,
}
