using Units.UnitFiles.Loading;
using Units.UnitFiles.Names;
using Units.UnitFiles.Specifiers;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Settings;

/// <summary>
/// Applies parsed unit files to <see cref="UnitSettings"/> the way systemd's config_parse() does with the
/// load-fragment table: unknown sections and keys are warned about ("X-" ones silently skipped), values that do
/// not parse are ignored with systemd's message, and a fatal setting stops reading the file.
/// </summary>
public sealed class SettingsBinder : IUnitSettingsBinder
{
    public static SettingsBinder Instance { get; } = new();

    private SettingsBinder()
    {
    }

    /// <summary>
    /// Applies one assignment of <paramref name="section"/>. Returns false when it is a fatal setting: the unit
    /// cannot be loaded and, like systemd, the caller stops reading this file. Entries of sections the unit type
    /// does not have are skipped here; <see cref="ApplySection"/> reports those sections.
    /// </summary>
    public static bool Apply(
        UnitSettings settings, UnitType type, ParsedSection section, ParsedEntry entry, string path, DiagnosticBag diagnostics, SpecifierContext? specifiers = null)
    {
        if (!IsKnownSection(type, section.Name))
        {
            return true;
        }

        var definition = SettingsTable.Find(section.Name, entry.Key);
        if (definition is null)
        {
            // "X-" keys are extensions for other tools; systemd skips them silently.
            if (!entry.Key.StartsWith("X-", StringComparison.Ordinal))
            {
                diagnostics.Warn(path, entry.Line, $"Unknown key '{entry.Key}' in section [{section.Name}], ignoring.");
            }

            return true;
        }

        var input = new SettingInput(settings, section.Name, entry.Key, entry.Value, path, entry.Line, diagnostics, specifiers);
        var outcome = definition.Parser(input);
        if (outcome == SettingOutcome.Accepted)
        {
            settings.Record(new SettingAssignment(section.Name, entry.Key, entry.Value, path, entry.Line, definition.Supported));
        }

        return outcome != SettingOutcome.Fatal;
    }

    /// <summary>
    /// Applies a whole section, first saying "Unknown section 'X'. Ignoring." when the unit type has no such
    /// section (sections starting with "X-" are skipped silently). Returns the line of a fatal setting, or 0.
    /// </summary>
    public static int ApplySection(UnitSettings settings, ParsedSection section, string path, DiagnosticBag diagnostics, SpecifierContext? specifiers = null)
    {
        if (!IsKnownSection(settings.Type, section.Name))
        {
            if (!section.Name.StartsWith("X-", StringComparison.Ordinal))
            {
                diagnostics.Warn(path, section.Line, $"Unknown section '{section.Name}'. Ignoring.");
            }

            return 0;
        }

        foreach (var entry in section.Entries)
        {
            if (!Apply(settings, settings.Type, section, entry, path, diagnostics, specifiers))
            {
                return entry.Line;
            }
        }

        return 0;
    }

    /// <summary>Whether files of <paramref name="type"/> may hold <paramref name="section"/> ([Unit], [Install] and the type's own).</summary>
    public static bool IsKnownSection(UnitType type, string section)
    {
        foreach (var name in type.Sections())
        {
            if (name == section)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether systemd knows the option (or, for the seed's older options, we honour it).</summary>
    public static bool IsKnownOption(string section, string key) => SettingsTable.Find(section, key) is not null;

    /// <summary>Whether the engine acts on the option; false means it is parsed and reported as not yet supported.</summary>
    public static bool IsSupportedOption(string section, string key) => SettingsTable.Find(section, key)?.Supported == true;

    UnitSettings IUnitSettingsBinder.Create(UnitName unit, SpecifierContext specifiers) => new(unit.Type) { UnitId = unit.Name };

    int IUnitSettingsBinder.Apply(UnitSettings settings, ParsedUnitFile file, SpecifierContext specifiers, DiagnosticBag d)
    {
        foreach (var section in file.Sections)
        {
            var fatalLine = ApplySection(settings, section, file.Path, d, specifiers);
            if (fatalLine != 0)
            {
                return fatalLine;
            }
        }

        return 0;
    }

    bool IUnitSettingsBinder.Verify(UnitSettings settings, DiagnosticBag d) => UnitSettingsValidator.Validate(settings, d);
}
