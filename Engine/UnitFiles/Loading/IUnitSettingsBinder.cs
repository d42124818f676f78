using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Specifiers;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Loading;

/// <summary>
/// Applies a unit's parsed files to typed settings, one file at a time in the order systemd reads them
/// (fragment, then drop-ins), so the loader can stop where systemd stops. The settings area
/// (Engine/UnitFiles/Settings) provides the implementation.
/// </summary>
public interface IUnitSettingsBinder
{
    UnitSettings Create(UnitName unit, SpecifierContext specifiers);

    /// <summary>
    /// Applies every entry of <paramref name="file"/>, reporting in systemd's words. Returns the line of a
    /// fatal setting, where systemd stops reading the file (the unit is bad-setting when it is the fragment),
    /// or 0.
    /// </summary>
    int Apply(UnitSettings settings, ParsedUnitFile file, SpecifierContext specifiers, DiagnosticBag d);

    /// <summary>The unit type's load-time checks (service_verify() and friends); false makes the unit bad-setting.</summary>
    bool Verify(UnitSettings settings, DiagnosticBag d);
}
