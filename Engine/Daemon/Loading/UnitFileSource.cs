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
internal sealed class UnitFileSource : IUnitLoader, IUnitFileInfoSource, IUnitFileWriter
{
    private readonly UnitLoader _loader;
    private readonly ManagerWrittenDirectories _written;
    // Drop-ins the manager wrote for a unit (set-property) since the last daemon-reload: read with it even where
    // their directory is not in the search path, as systemd keeps them on the unit's drop-in list.
    private readonly Dictionary<string, List<string>> _writtenDropIns = new(StringComparer.Ordinal);
    // The commands of transient services as they were sent, which they run until the next daemon-reload.
    private readonly Dictionary<string, IReadOnlyDictionary<ServiceCommand, List<ExecCommand>>> _sentCommands = new(StringComparer.Ordinal);
    private readonly UnitFileStateResolver _states;
    private readonly Func<LoadedUnit, object?> _typeSettings;
    private readonly Func<UnitDefinition, UnitDefinition> _complete;
    private readonly ICoreLog _log;
    private readonly Dictionary<string, Loaded> _loaded = new(StringComparer.Ordinal);

    /// <summary>What was read for a unit, with the modification times of its files at that moment.</summary>
    private sealed record Loaded(LoadedUnit Unit, (string Path, DateTime Modified)[] Files);

    /// <param name="typeSettings">builds the type-specific settings (e.g. the execution layer's service settings).</param>
    /// <param name="written">where set-property drop-ins and transient units are written.</param>
    /// <param name="complete">completes what files do not define (mount and device units from the mount table).</param>
    public UnitFileSource(UnitLoader loader, UnitFileStateResolver states, Func<LoadedUnit, object?> typeSettings, ICoreLog log,
        ManagerWrittenDirectories written, Func<UnitDefinition, UnitDefinition> complete)
    {
        _complete = complete;
        _loader = loader;
        _written = written;
        _states = states;
        _typeSettings = typeSettings;
        _log = log;
        ReportDiagnostics(_loader.Diagnostics, unit: null);
    }

    public bool SearchPathChanged() => _loader.SearchPathChanged();

    public UnitDefinition? Load(string name)
    {
        LoadedUnit unit = _loader.Load(name, _writtenDropIns.GetValueOrDefault(name) ?? (IReadOnlyList<string>)[]);
        ReportDiagnostics(unit.Diagnostics, unit.Name);
        // What a service sets that unitsd does not act on yet is said once per load, never silently dropped.
        if (unit.Settings is { Service: not null } settings)
        {
            foreach (SettingAssignment assignment in settings.UnsupportedAssignments)
                _log.Write(LogPriority.Notice, unit.Name, assignment.ToNotSupportedDiagnostic().ToString());
        }
        if (_sentCommands.TryGetValue(name, out var sent) && unit.Settings?.Service is { } service)
        {
            foreach ((ServiceCommand which, List<ExecCommand> commands) in sent)
                service.ReplaceCommands(which, commands);
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
        UnitDefinition definition = _complete(UnitDefinitions.From(unit, typeSettings));
        return IsTransient(unit.FragmentPath) ? definition with { Transient = true } : definition;
    }

    /// <summary>A unit whose file is in the transient directory was made by the manager (StartTransientUnit).</summary>
    private bool IsTransient(string? fragmentPath) =>
        fragmentPath is not null && _written.Transient is string transient && fragmentPath == transient + "/" + Path.GetFileName(fragmentPath);

    /// <summary>daemon-reload: forget what was read, so every unit is read from disk again.</summary>
    public void Reload()
    {
        _loaded.Clear();
        _writtenDropIns.Clear();
        _sentCommands.Clear();
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
            NeedDaemonReload(unit.Id, loaded));
    }

    public UnitSettings? SettingsOf(Unit unit)
        => _loaded.TryGetValue(unit.Id, out Loaded? loaded) && loaded.Unit.LoadState == Units.UnitFiles.Loading.LoadState.Loaded
            ? loaded.Unit.Settings
            : null;

    /// <summary>True when a file the unit was read from changed or vanished since (systemd also notices new
    /// drop-ins; that needs a directory scan, done here for the unit's own ".d" directories).</summary>
    private bool NeedDaemonReload(string name, Loaded loaded)
    {
        // unit_need_daemon_reload(): the drop-ins a fresh search finds are not the unit's list, as after set-property
        // appended its own (only then can they differ without a file changing).
        if (_writtenDropIns.ContainsKey(name) && !_loader.Load(name).DropInPaths.SequenceEqual(loaded.Unit.DropInPaths))
            return true;
        foreach ((string path, DateTime modified) in loaded.Files)
        {
            if (ModifiedAt(path) != modified)
                return true;
        }
        return false;
    }

    public void WriteDropIn(Unit unit, bool runtime, string setting, string content)
    {
        // unit_drop_in_dir(): a transient unit's drop-ins always go to the transient directory.
        string directory = (unit.Definition.Transient ? _written.Transient : runtime ? _written.RuntimeControl : _written.PersistentControl)
            ?? throw new BusErrorException(BusErrors.InvalidArgs, "There is no runtime directory ($XDG_RUNTIME_DIR) to write to.");
        string path = $"{directory}/{unit.Id}.d/50-{EscapeDropInName(setting)}.conf";
        WriteAtomically(path, "# This is a drop-in unit file extension, created via \"systemctl set-property\"\n"
            + "# or an equivalent operation. Do not edit.\n" + content);
        if (!_writtenDropIns.TryGetValue(unit.Id, out List<string>? paths))
            _writtenDropIns[unit.Id] = paths = [];
        if (!paths.Contains(path))
            paths.Add(path);
        _loader.NoteWritten(path);
    }

    public void WriteTransientUnit(string name, string content, IReadOnlyDictionary<ServiceCommand, List<ExecCommand>> commands)
    {
        _sentCommands[name] = commands;
        string directory = _written.Transient
            ?? throw new BusErrorException(BusErrors.InvalidArgs, "There is no runtime directory ($XDG_RUNTIME_DIR) for transient units.");
        string path = directory + "/" + name;
        WriteAtomically(path, content);
        _loader.NoteWritten(path);
    }

    public void UnitCollected(Unit unit)
    {
        // systemd keeps set-property drop-ins on the unit object only: collected, it is read from the search path again.
        _writtenDropIns.Remove(unit.Id);
        _sentCommands.Remove(unit.Id);
        if (!unit.Definition.Transient || !_loaded.TryGetValue(unit.Id, out Loaded? loaded))
            return;
        // As systemd's unit_remove_transient(): a transient unit lives only as long as it is loaded.
        foreach (string alias in loaded.Unit.Names)
            _loaded.Remove(alias);
        if (loaded.Unit.FragmentPath is string fragment && IsTransient(fragment))
        {
            TryDelete(fragment);
            _loader.NoteRemoved(fragment);
        }
        // Only the drop-ins in the transient directory are the unit's own (unit_remove_transient()).
        foreach (string dropIn in loaded.Unit.DropInPaths)
        {
            string? directory = Path.GetDirectoryName(dropIn);
            if (directory is null || Path.GetDirectoryName(directory) != _written.Transient)
                continue;
            TryDelete(dropIn);
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                // Not empty: something else lives there.
            }
        }
    }

    /// <summary>drop_in_file(): '/' and '.' in the setting's name would make another path; systemd escapes them.</summary>
    private static string EscapeDropInName(string name) =>
        name.Replace("/", "\\x2f", StringComparison.Ordinal).Replace(".", "\\x2e", StringComparison.Ordinal);

    /// <summary>write_string_file_atomic_label(): a temporary file renamed over the target, so a reader never sees
    /// half a file; directories made as needed.</summary>
    private static void WriteAtomically(string path, string content)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8]);
            File.WriteAllText(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BusErrorException(BusErrors.Failed, $"Failed to write {path}: {e.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
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
