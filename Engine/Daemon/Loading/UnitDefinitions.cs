using Units.Core.Model;
using Units.UnitFiles.Loading;
using Units.UnitFiles.Settings;
using CoreCondition = Units.Core.Model.UnitCondition;
using CoreLoadState = Units.Core.Model.LoadState;
using FileLoadState = Units.UnitFiles.Loading.LoadState;

namespace Units.Daemon.Loading;

/// <summary>Maps what the unit-file loader read into the core's <see cref="UnitDefinition"/>: the one place where
/// the data flow crosses from unit files into the unit model.</summary>
internal static class UnitDefinitions
{
    /// <param name="typeSettings">what the unit's type needs beyond the generic model (e.g. a service's settings
    /// for the execution layer); kept on <see cref="UnitDefinition.TypeSettings"/>.</param>
    public static UnitDefinition From(LoadedUnit loaded, object? typeSettings)
    {
        UnitSettings? settings = loaded.Settings;
        var aliases = new List<string>();
        foreach (string name in loaded.Names)
        {
            if (name != loaded.Name)
                aliases.Add(name);
        }
        CoreLoadState loadState = loaded.LoadState switch
        {
            FileLoadState.Loaded => CoreLoadState.Loaded,
            FileLoadState.NotFound => CoreLoadState.NotFound,
            FileLoadState.BadSetting => CoreLoadState.BadSetting,
            FileLoadState.Masked => CoreLoadState.Masked,
            _ => CoreLoadState.Error,
        };
        if (settings is null || loadState != CoreLoadState.Loaded)
        {
            return new UnitDefinition
            {
                Name = loaded.Name,
                Aliases = aliases,
                LoadState = loadState,
                LoadError = loaded.LoadError?.Message,
                LoadErrorName = loaded.LoadError?.Name,
                FragmentPath = loaded.FragmentPath,
                Description = settings?.Description ?? "",
                Documentation = settings?.Documentation ?? [],
            };
        }
        return new UnitDefinition
        {
            Name = loaded.Name,
            Aliases = aliases,
            LoadState = loadState,
            Description = settings.Description ?? "",
            Documentation = settings.Documentation,
            FragmentPath = loaded.FragmentPath,
            Dependencies = Dependencies(loaded, settings),
            DefaultDependencies = settings.DefaultDependencies,
            StopWhenUnneeded = settings.StopWhenUnneeded,
            RefuseManualStart = settings.RefuseManualStart,
            RefuseManualStop = settings.RefuseManualStop,
            AllowIsolate = settings.AllowIsolate,
            IgnoreOnIsolate = settings.IgnoreOnIsolate,
            Slice = settings.ResourceControl?.Slice,
            JobTimeoutUSec = SettingConversions.FiniteOrNull(settings.JobTimeoutUsec),
            JobRunningTimeoutUSec = SettingConversions.FiniteOrNull(settings.JobRunningTimeoutUsec),
            JobTimeoutAction = SettingConversions.Same<Core.Model.EmergencyAction>(settings.JobTimeoutAction),
            CollectMode = settings.CollectMode == UnitFiles.Settings.CollectMode.InactiveOrFailed
                ? Core.Model.CollectMode.InactiveOrFailed
                : Core.Model.CollectMode.Inactive,
            StartLimitIntervalUSec = settings.StartLimitIntervalUsec ?? 10_000_000,
            StartLimitBurst = settings.StartLimitBurst ?? 5,
            StartLimitAction = SettingConversions.Same<Core.Model.EmergencyAction>(settings.StartLimitAction),
            SuccessAction = SettingConversions.Same<Core.Model.EmergencyAction>(settings.SuccessAction),
            FailureAction = SettingConversions.Same<Core.Model.EmergencyAction>(settings.FailureAction),
            OnFailureJobMode = SettingConversions.Same<Core.Jobs.JobMode>(settings.OnFailureJobMode),
            OnSuccessJobMode = SettingConversions.Same<Core.Jobs.JobMode>(settings.OnSuccessJobMode),
            Conditions = Conditions(settings.Conditions, "Condition"),
            Asserts = Conditions(settings.Asserts, "Assert"),
            TypeSettings = typeSettings,
        };
    }

    private static List<DeclaredDependency> Dependencies(LoadedUnit loaded, UnitSettings settings)
    {
        var dependencies = new List<DeclaredDependency>();
        foreach (DependencySetting kind in Enum.GetValues<DependencySetting>())
        {
            UnitDependency type = SettingConversions.Same<UnitDependency>(kind);
            foreach (string name in settings.Dependencies(kind))
                dependencies.Add(new DeclaredDependency(type, name));
        }
        foreach (string name in loaded.Wants)
            dependencies.Add(new DeclaredDependency(UnitDependency.Wants, name));
        foreach (string name in loaded.Requires)
            dependencies.Add(new DeclaredDependency(UnitDependency.Requires, name));
        foreach (string name in loaded.Upholds)
            dependencies.Add(new DeclaredDependency(UnitDependency.Upholds, name));
        return dependencies;
    }

    private static List<CoreCondition> Conditions(IReadOnlyList<UnitFiles.Settings.UnitCondition> conditions, string prefix)
    {
        var mapped = new List<CoreCondition>(conditions.Count);
        foreach (UnitFiles.Settings.UnitCondition condition in conditions)
            mapped.Add(new CoreCondition(prefix + condition.Type, condition.Parameter, condition.Trigger, condition.Negate));
        return mapped;
    }
}
