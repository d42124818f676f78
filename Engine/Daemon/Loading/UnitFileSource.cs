using Units.Api.Objects;
using Units.Core.Manager;
using Units.Core.Model;
using Units.UnitFiles;
using Units.UnitFiles.Install;
using Units.UnitFiles.Loading;
using Units.UnitFiles.Settings;

namespace Units.Daemon.Loading;

/// <summary>
/// The manager's unit source: reads units through the unit-file loader, hands the core its definitions, and
/// answers what the files say beyond them (source path, drop-ins, install state, NeedDaemonReload).
/// Used on the manager loop only.
/// </summary>
internal sealed class UnitFileSource : IUnitLoader, IUnitFileInfoSource
{
    private readonly UnitLoader _loader;
    private readonly UnitFileStateResolver _states;
    private readonly Func<LoadedUnit, object?> _typeSettings;
    private readonly ICoreLog _log;
    private readonly Dictionary<string, Loaded> _loaded = new(StringComparer.Ordinal);

    /// <summary>What was read for a unit, with the modification times of its files at that moment.</summary>
    private sealed record Loaded(LoadedUnit Unit, (string Path, DateTime Modified)[] Files);

    /// <param name="typeSettings">builds the type-specific settings (e.g. the execution layer's service settings).</param>
    public UnitFileSource(UnitLoader loader, UnitFileStateResolver states, Func<LoadedUnit, object?> typeSettings, ICoreLog log)
    {
        _loader = loader;
        _states = states;
        _typeSettings = typeSettings;
        _log = log;
        ReportDiagnostics(_loader.Diagnostics, unit: null);
    }

    public UnitDefinition? Load(string name)
    {
        LoadedUnit unit = _loader.Load(name);
        ReportDiagnostics(unit.Diagnostics, unit.Name);
        // What a service sets that unitsd does not act on yet is said once per load, never silently dropped.
        if (unit.Settings is { Service: not null } settings)
        {
            foreach (SettingAssignment assignment in settings.UnsupportedAssignments)
                _log.Write(LogPriority.Notice, unit.Name, assignment.ToNotSupportedDiagnostic().ToString());
        }
        var files = new List<(string, DateTime)>();
        if (unit.FragmentPath is string fragment)
            files.Add((fragment, ModifiedAt(fragment)));
        foreach (string dropIn in unit.DropInPaths)
            files.Add((dropIn, ModifiedAt(dropIn)));
        var loaded = new Loaded(unit, [.. files]);
        foreach (string alias in unit.Names)
            _loaded[alias] = loaded;
        _loaded[name] = loaded;
        object? typeSettings = unit.LoadState == Units.UnitFiles.Loading.LoadState.Loaded ? _typeSettings(unit) : null;
        return UnitDefinitions.From(unit, typeSettings);
    }

    /// <summary>daemon-reload: forget what was read, so every unit is read from disk again.</summary>
    public void Reload()
    {
        _loaded.Clear();
        _loader.Reload();
        ReportDiagnostics(_loader.Diagnostics, unit: null);
    }

    public UnitFileInfo For(Unit unit)
    {
        if (!_loaded.TryGetValue(unit.Id, out Loaded? loaded))
            return UnitFileInfo.None;
        LoadedUnit file = loaded.Unit;
        string state = _states.TryGetState(unit.Id, out UnitFileState s) >= 0 ? s.ToSystemdString() : "";
        string preset = file.FragmentPath is null ? "" : _states.PresetEnables(unit.Id) ? "enabled" : "disabled";
        return new UnitFileInfo(
            file.SourcePath ?? "",
            file.DropInPaths,
            state,
            preset,
            NeedDaemonReload(loaded));
    }

    public UnitSettings? SettingsOf(Unit unit)
        => _loaded.TryGetValue(unit.Id, out Loaded? loaded) && loaded.Unit.LoadState == Units.UnitFiles.Loading.LoadState.Loaded
            ? loaded.Unit.Settings
            : null;

    /// <summary>True when a file the unit was read from changed or vanished since (systemd also notices new
    /// drop-ins; that needs a directory scan, done here for the unit's own ".d" directories).</summary>
    private bool NeedDaemonReload(Loaded loaded)
    {
        foreach ((string path, DateTime modified) in loaded.Files)
        {
            if (ModifiedAt(path) != modified)
                return true;
        }
        return false;
    }

    private static DateTime ModifiedAt(string path)
    {
        try
        {
            return File.GetLastWriteTimeUtc(path);
        }
        catch (IOException)
        {
            return DateTime.MinValue;
        }
        catch (UnauthorizedAccessException)
        {
            return DateTime.MinValue;
        }
    }

    private void ReportDiagnostics(IReadOnlyList<Diagnostic> diagnostics, string? unit)
    {
        foreach (Diagnostic diagnostic in diagnostics)
        {
            _log.Write(diagnostic.Severity == DiagnosticSeverity.Error ? LogPriority.Error : LogPriority.Warning,
                unit, diagnostic.ToString());
        }
    }
}
