using System.Runtime.InteropServices;

namespace Units.UnitFiles.Settings.Values;

/// <summary>The names systemd gives this machine's architectures (Personality=, SystemCallArchitectures=).</summary>
public static class Architectures
{
    /// <summary>The native architecture and the 32-bit one it also runs, if any; an empty native name where systemd
    /// has none for it.</summary>
    public static (string Native, string? Secondary) Names { get; } = RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => ("x86-64", "x86"),
        Architecture.Arm64 => ("arm64", "arm"),
        Architecture.X86 => ("x86", null),
        Architecture.Arm => ("arm", null),
        Architecture.S390x => ("s390x", "s390"),
        Architecture.Ppc64le => ("ppc64-le", null),
        _ => (string.Empty, null),
    };
}
