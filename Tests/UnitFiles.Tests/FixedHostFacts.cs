using Units.UnitFiles.Specifiers;

namespace Units.UnitFiles.Tests;

/// <summary>Host facts fixed by the test, so specifier expansion is deterministic.</summary>
internal sealed class FixedHostFacts : IHostFacts
{
    public Dictionary<string, string> Env { get; } = new(StringComparer.Ordinal) { ["XDG_RUNTIME_DIR"] = "/run/user/1000" };

    public Dictionary<string, string> Os { get; } = new(StringComparer.Ordinal) { ["ID"] = "debian", ["VERSION_ID"] = "12" };

    public string HostName { get; init; } = "box.example.org";

    public string? PrettyHostName { get; init; }

    public string? MachineId { get; init; } = "0123456789abcdef0123456789abcdef";

    public string? BootId { get; init; } = "fedcba9876543210fedcba9876543210";

    public string KernelRelease { get; init; } = "6.1.0-test";

    public string Architecture { get; init; } = "x86-64";

    public string UserName { get; init; } = "alice";

    public uint UserId { get; init; } = 1000;

    public string GroupName { get; init; } = "staff";

    public uint GroupId { get; init; } = 50;

    public string Home { get; init; } = "/home/alice";

    public string Shell { get; init; } = "/bin/zsh";

    public string? OsRelease(string field) => Os.GetValueOrDefault(field);

    public string? Environment(string name) => Env.GetValueOrDefault(name);
}
