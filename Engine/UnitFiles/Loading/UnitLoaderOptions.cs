using Units.UnitFiles.Settings;
using Units.UnitFiles.Specifiers;

namespace Units.UnitFiles.Loading;

/// <summary>How a <see cref="UnitLoader"/> finds and reads units.</summary>
public sealed class UnitLoaderOptions
{
    public UnitScope Scope { get; init; } = UnitScope.System;

    /// <summary>The directories to search, highest priority first; null means <see cref="UnitSearchPaths.FromEnvironment"/>.</summary>
    public IReadOnlyList<string>? SearchPath { get; init; }

    public IUnitFileSystem FileSystem { get; init; } = UnitFileSystem.Instance;

    public IHostFacts Host { get; init; } = HostFacts.Instance;

    /// <summary>Applies settings (by default the settings table of Engine/UnitFiles/Settings); null keeps only the parsed files (<see cref="LoadedUnit.Files"/>).</summary>
    public IUnitSettingsBinder? Binder { get; init; } = SettingsBinder.Instance;
}
