namespace Units.UnitFiles.Names;

/// <summary>The unit types of systemd.unit(5), named by their file suffix.</summary>
public enum UnitType
{
    Service,
    Socket,
    Target,
    Device,
    Mount,
    Automount,
    Swap,
    Timer,
    Path,
    Slice,
    Scope,
}
