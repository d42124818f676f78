using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Loading;

/// <summary>systemd's LoadState for a unit read from disk (the "stub" and "merged" states never leave the loader).</summary>
public enum LoadState
{
    Loaded,
    NotFound,
    BadSetting,
    Error,
    Masked,
}

/// <summary>The LoadError D-Bus property: an error name and message, as systemd sets them.</summary>
public sealed record UnitLoadError(string Name, string Message);

/// <summary>
/// One unit as read from the search path: what the engine core maps into its model.
/// <list type="bullet">
/// <item><see cref="Name"/> is the unit's id: the fragment's file name (instance filled in), so loading an alias gives the aliased unit;</item>
/// <item><see cref="Settings"/> holds the typed settings of the fragment and drop-ins, applied in order;</item>
/// <item><see cref="Wants"/>, <see cref="Requires"/>, <see cref="Upholds"/> come from ".wants/", ".requires/", ".upholds/" symlinks only
/// (Wants= and friends in the files are in <see cref="Settings"/>).</item>
/// </list>
/// </summary>
public sealed class LoadedUnit
{
    internal LoadedUnit(string name, UnitType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; internal set; }

    public UnitType Type { get; }

    /// <summary>Every name of the unit (its id first, then aliases by symlink).</summary>
    public IReadOnlyList<string> Names { get; internal set; } = [];

    public LoadState LoadState { get; internal set; }

    /// <summary>Null when loaded.</summary>
    public UnitLoadError? LoadError { get; internal set; }

    /// <summary>The fragment (unit file, link or mask) found for the unit, null when there is none.</summary>
    public string? FragmentPath { get; internal set; }

    public IReadOnlyList<string> DropInPaths { get; internal set; } = [];

    /// <summary>SourcePath= (the file a generator converted), when the unit says so.</summary>
    public string? SourcePath => Settings?.SourcePath;

    /// <summary>The parsed fragment and drop-ins; kept only when no settings binder is configured (the settings then hold every assignment).</summary>
    public IReadOnlyList<ParsedUnitFile> Files { get; internal set; } = [];

    public IReadOnlyList<string> Wants { get; internal set; } = [];

    public IReadOnlyList<string> Requires { get; internal set; } = [];

    public IReadOnlyList<string> Upholds { get; internal set; } = [];

    /// <summary>Typed settings; null until a settings binder is wired, or when the unit is not loaded.</summary>
    public UnitSettings? Settings { get; internal set; }

    /// <summary>What systemd prints while loading this unit, in its words and order.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; internal set; } = [];

    /// <summary>Why something was skipped where systemd stays silent (it logs these at debug level only).</summary>
    public IReadOnlyList<Diagnostic> Notes { get; internal set; } = [];

    public override string ToString() => $"{Name} ({LoadState.ToName()})";
}

public static class LoadStateNames
{
    /// <summary>systemd's spelling: "loaded", "not-found", "bad-setting", "error", "masked".</summary>
    public static string ToName(this LoadState state) => state switch
    {
        LoadState.Loaded => "loaded",
        LoadState.NotFound => "not-found",
        LoadState.BadSetting => "bad-setting",
        LoadState.Error => "error",
        _ => "masked",
    };
}
