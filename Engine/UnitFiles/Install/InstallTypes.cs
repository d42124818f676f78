namespace Units.UnitFiles.Install;

/// <summary>Whose unit files an operation works on (systemctl --system, --user, --global).</summary>
public enum InstallScope
{
    /// <summary>The system manager's units (/etc/systemd/system, /run/systemd/system, /usr/lib/systemd/system, …).</summary>
    System,

    /// <summary>The calling user's units (~/.config/systemd/user, $XDG_RUNTIME_DIR/systemd/user, …); no root directory allowed.</summary>
    User,

    /// <summary>User units for all users (/etc/systemd/user, /run/systemd/user, /usr/lib/systemd/user, …).</summary>
    Global,
}

/// <summary>
/// Options of the writing operations (systemd's UnitFileFlags, with the same values: the D-Bus
/// *WithFlags methods carry Runtime, Force and Portable as a 't').
/// </summary>
[Flags]
public enum InstallFlags
{
    None = 0,

    /// <summary>Work in the runtime configuration directory (/run/…) instead of /etc.</summary>
    Runtime = 1 << 0,

    /// <summary>Replace existing symlinks that point elsewhere.</summary>
    Force = 1 << 1,

    /// <summary>Enable, disable and reenable work in the portable-service directories (/etc or /run/systemd/system.attached).</summary>
    Portable = 1 << 2,

    /// <summary>Compute the changes without touching the file system (disable and unmask only, as in systemd).</summary>
    DryRun = 1 << 3,

    /// <summary>The flags a D-Bus client may pass (_UNIT_FILE_FLAGS_MASK_PUBLIC); others are refused with EINVAL.</summary>
    PublicMask = Runtime | Force | Portable,
}

/// <summary>What preset and preset-all may do (systemctl --preset-mode).</summary>
public enum PresetMode
{
    /// <summary>Enable and disable as the preset rules say ("full").</summary>
    Full,

    /// <summary>Only enable ("enable-only").</summary>
    EnableOnly,

    /// <summary>Only disable ("disable-only").</summary>
    DisableOnly,
}

/// <summary>Whether a unit is wanted or required by the target of add-wants / add-requires.</summary>
public enum InstallDependency
{
    Wants,
    Requires,
}

/// <summary>The installation state of a unit file, as systemd's UnitFileState property names it.</summary>
public enum UnitFileState
{
    Enabled,
    EnabledRuntime,
    Linked,
    LinkedRuntime,
    Alias,
    Masked,
    MaskedRuntime,
    Static,
    Disabled,
    Indirect,
    Generated,
    Transient,
    Bad,
}

/// <summary>The kinds of entries in a change list; <see cref="Error"/> marks a failure (see <see cref="InstallChange.Errno"/>).</summary>
public enum InstallChangeType
{
    Symlink,
    Unlink,
    IsMasked,
    IsMaskedGenerator,
    IsDangling,
    DestinationNotPresent,
    AuxiliaryFailed,
    Error,
}

/// <summary>One line of list-unit-files: the unit file found first in the search path for a name, and its state.</summary>
public sealed record UnitFileListEntry(string Name, string Path, UnitFileState State);

/// <summary>Textual forms systemd uses for the install enums.</summary>
public static class InstallText
{
    /// <summary>"enabled", "enabled-runtime", … as in systemctl is-enabled and the UnitFileState property.</summary>
    public static string ToSystemdString(this UnitFileState state) => state switch
    {
        UnitFileState.Enabled => "enabled",
        UnitFileState.EnabledRuntime => "enabled-runtime",
        UnitFileState.Linked => "linked",
        UnitFileState.LinkedRuntime => "linked-runtime",
        UnitFileState.Alias => "alias",
        UnitFileState.Masked => "masked",
        UnitFileState.MaskedRuntime => "masked-runtime",
        UnitFileState.Static => "static",
        UnitFileState.Disabled => "disabled",
        UnitFileState.Indirect => "indirect",
        UnitFileState.Generated => "generated",
        UnitFileState.Transient => "transient",
        _ => "bad",
    };

    /// <summary>Parses the systemd spelling of a state; null when unknown.</summary>
    public static UnitFileState? ParseUnitFileState(string text)
    {
        foreach (UnitFileState s in Enum.GetValues<UnitFileState>())
            if (s.ToSystemdString() == text)
                return s;
        return null;
    }

    /// <summary>"full", "enable-only", "disable-only".</summary>
    public static string ToSystemdString(this PresetMode mode) => mode switch
    {
        PresetMode.EnableOnly => "enable-only",
        PresetMode.DisableOnly => "disable-only",
        _ => "full",
    };

    /// <summary>Parses a preset mode as PresetUnitFilesWithMode receives it; null when unknown.</summary>
    public static PresetMode? ParsePresetMode(string text) => text switch
    {
        "full" => PresetMode.Full,
        "enable-only" => PresetMode.EnableOnly,
        "disable-only" => PresetMode.DisableOnly,
        _ => null,
    };
}
