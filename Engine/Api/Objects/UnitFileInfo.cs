using Units.Core.Model;
using Units.UnitFiles.Settings;
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

/// <summary>
/// Writes what SetUnitProperties and StartTransientUnit make of a unit's properties, where systemd 252 writes it;
/// called on the manager loop. The unit is then read again (<see cref="Units.Core.Manager.UnitManager.RereadUnit"/>)
/// and what was written is part of it.
/// </summary>
public interface IUnitFileWriter
{
    /// <summary>Writes the drop-in "NAME.d/50-<paramref name="setting"/>.conf" of <paramref name="unit"/> in the
    /// runtime or persistent control directory (a transient unit's in the transient directory).</summary>
    void WriteDropIn(Unit unit, bool runtime, string setting, string content);

    /// <summary>Writes the file of the transient unit <paramref name="name"/> in the transient directory.
    /// <paramref name="commands"/>, its Exec…= commands as sent, are what it runs until the next daemon-reload (as
    /// systemd, which runs the commands it was sent, and after a reload what its file reads back as).</summary>
    void WriteTransientUnit(string name, string content, IReadOnlyDictionary<ServiceCommand, List<ExecCommand>> commands);

    /// <summary>The unit was collected: what was written for it is forgotten, and a transient unit's file and its
    /// drop-ins in the transient directory are removed.</summary>
    void UnitCollected(Unit unit);
}
