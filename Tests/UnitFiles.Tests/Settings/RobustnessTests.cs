using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Specifiers;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Tests.Settings;

/// <summary>Bad input gets a diagnostic, never an exception: every option against hostile values.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] HostileValues =
    [
        "", " ", "%", "%%", "%z", "\\", "'", "\"", "\\x00", "\\u0000", "\x01\x02", "-", "@", "+!!", ";", "\\;", "~", ":", "::",
        "0", "-1", "18446744073709551616", "99999999999999999999999", "1e9", "NaN", "infinity", "-infinity", "/", "//", "/..",
        "a b c", "é€😀", new string('x', 70_000), "/" + string.Join('/', Enumerable.Repeat("d", 3000)), "*-*-* *:*:*", "@", "0x", "0b", "0o9",
    ];

    [Fact]
    public void Every_option_survives_hostile_values()
    {
        var failures = new List<string>();
        foreach (var definition in SettingsTable.All)
        {
            var type = definition.Section switch
            {
                "Unit" or "Install" or "Service" => UnitType.Service,
                _ => Enum.Parse<UnitType>(definition.Section),
            };
            var name = UnitName.Parse("x@inst." + type.Suffix());
            foreach (var value in HostileValues)
            {
                var settings = new UnitSettings(type) { UnitId = name.Name };
                var section = new ParsedSection(definition.Section, 1, [new ParsedEntry(definition.Key, value, 2)]);
                try
                {
                    SettingsBinder.Apply(settings, type, section, section.Entries[0], "/x", new DiagnosticBag(), new SpecifierContext(name, UnitScope.System, HostFacts.Instance));
                    UnitSettingsValidator.Validate(settings, new DiagnosticBag());
                }
                catch (Exception e)
                {
                    failures.Add($"[{definition.Section}] {definition.Key}={(value.Length > 40 ? value[..40] + "…" : value)}: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(50)));
    }
}
