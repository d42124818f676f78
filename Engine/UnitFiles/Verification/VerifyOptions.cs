using Units.UnitFiles.Loading;
using Units.UnitFiles.Specifiers;

namespace Units.UnitFiles.Verification;

/// <summary>The environment <see cref="VerifyCommand"/> runs in; the defaults are the real process and machine.</summary>
public sealed class VerifyOptions
{
    public UnitScope Scope { get; init; } = UnitScope.System;

    /// <summary>Environment lookup ($SYSTEMD_UNIT_PATH, $PATH, XDG variables); null for unset.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public string CurrentDirectory { get; init; } = System.Environment.CurrentDirectory;

    public IUnitFileSystem FileSystem { get; init; } = UnitFileSystem.Instance;

    public IHostFacts Host { get; init; } = HostFacts.Instance;

    public IUnitSettingsBinder? Binder { get; init; } = VerifyCommand.DefaultBinder;
}
