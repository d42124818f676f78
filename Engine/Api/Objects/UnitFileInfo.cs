using Units.Core.Model;
using UnitSettings = Units.UnitFiles.Settings.UnitSettings;

namespace Units.Api.Objects;

/// <summary>What the unit's files say beyond the core's definition: paths and installation state. The daemon
/// answers from its unit-file loader and installer.</summary>
public sealed record UnitFileInfo(
    string SourcePath,
    IReadOnlyList<string> DropInPaths,
    string UnitFileState,
    string UnitFilePreset,
    bool NeedDaemonReload)
{
    public static readonly UnitFileInfo None = new("", [], "", "", false);
}

/// <summary>Looks up <see cref="UnitFileInfo"/> for a unit; called on the manager loop.</summary>
public interface IUnitFileInfoSource
{
    UnitFileInfo For(Unit unit);

    /// <summary>The settings read from the unit's files (null when none were read: not found, masked, or
    /// a unit with no file); kept from the last load, so this reads no disk.</summary>
    UnitSettings? SettingsOf(Unit unit);
}
