namespace Units.UnitFiles.Names;

/// <summary>Suffixes and sections of each <see cref="UnitType"/>, as systemd's unit vtables name them.</summary>
public static class UnitTypes
{
    private static readonly string[] Suffixes =
        ["service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope"];

    private static readonly string[][] SectionsByType =
    [
        ["Unit", "Service", "Install"], ["Unit", "Socket", "Install"], ["Unit", "Target", "Install"],
        ["Unit", "Device", "Install"], ["Unit", "Mount", "Install"], ["Unit", "Automount", "Install"],
        ["Unit", "Swap", "Install"], ["Unit", "Timer", "Install"], ["Unit", "Path", "Install"],
        ["Unit", "Slice", "Install"], ["Unit", "Scope", "Install"],
    ];

    /// <summary>The file suffix without the dot, e.g. "service".</summary>
    public static string Suffix(this UnitType type) => Suffixes[(int)type];

    /// <summary>The sections a file of this type may hold ("Unit", the type's own, "Install").</summary>
    public static IReadOnlyList<string> Sections(this UnitType type) => SectionsByType[(int)type];

    /// <summary>unit_type_from_string(): the type named by a suffix without dot.</summary>
    public static bool TryParse(ReadOnlySpan<char> suffix, out UnitType type)
    {
        for (int i = 0; i < Suffixes.Length; i++)
        {
            if (suffix.SequenceEqual(Suffixes[i]))
            {
                type = (UnitType)i;
                return true;
            }
        }
        type = default;
        return false;
    }
}
