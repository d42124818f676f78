namespace Units.Execution.Service;

/// <summary>The service states of systemd 252 (SubState), in its order.</summary>
public enum ServiceState
{
    Dead,
    Condition,
    StartPre,
    Start,
    StartPost,
    Running,
    Exited,
    Reload,
    Stop,
    StopWatchdog,
    StopSigterm,
    StopSigkill,
    StopPost,
    FinalWatchdog,
    FinalSigterm,
    FinalSigkill,
    Failed,
    AutoRestart,
    Cleaning,
}

/// <summary>Result= of a service.</summary>
public enum ServiceResult
{
    Success,
    Resources,
    Protocol,
    Timeout,
    ExitCode,
    Signal,
    CoreDump,
    Watchdog,
    StartLimitHit,
    OomKill,
    SkipCondition,
}

/// <summary>The type-independent states (systemd's UnitActiveState), as the service maps to them.</summary>
public enum ServiceActiveState
{
    Active,
    Reloading,
    Inactive,
    Failed,
    Activating,
    Deactivating,
    Maintenance,
}

public static class ServiceStates
{
    /// <summary>systemd's state_translation_table (and the Type=idle variant where starting counts as active).</summary>
    public static ServiceActiveState ToActiveState(this ServiceState state, bool idle = false) => state switch
    {
        ServiceState.Dead => ServiceActiveState.Inactive,
        ServiceState.Condition or ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost =>
            idle ? ServiceActiveState.Active : ServiceActiveState.Activating,
        ServiceState.Running or ServiceState.Exited => ServiceActiveState.Active,
        ServiceState.Reload => ServiceActiveState.Reloading,
        ServiceState.Stop or ServiceState.StopWatchdog or ServiceState.StopSigterm or ServiceState.StopSigkill or
            ServiceState.StopPost or ServiceState.FinalWatchdog or ServiceState.FinalSigterm or
            ServiceState.FinalSigkill => ServiceActiveState.Deactivating,
        ServiceState.Failed => ServiceActiveState.Failed,
        ServiceState.AutoRestart => ServiceActiveState.Activating,
        _ => ServiceActiveState.Maintenance,
    };

    /// <summary>The SubState string ("start-pre", "stop-sigterm", "auto-restart"...).</summary>
    public static string ToSystemdString(this ServiceState state) => state switch
    {
        ServiceState.Dead => "dead",
        ServiceState.Condition => "condition",
        ServiceState.StartPre => "start-pre",
        ServiceState.Start => "start",
        ServiceState.StartPost => "start-post",
        ServiceState.Running => "running",
        ServiceState.Exited => "exited",
        ServiceState.Reload => "reload",
        ServiceState.Stop => "stop",
        ServiceState.StopWatchdog => "stop-watchdog",
        ServiceState.StopSigterm => "stop-sigterm",
        ServiceState.StopSigkill => "stop-sigkill",
        ServiceState.StopPost => "stop-post",
        ServiceState.FinalWatchdog => "final-watchdog",
        ServiceState.FinalSigterm => "final-sigterm",
        ServiceState.FinalSigkill => "final-sigkill",
        ServiceState.Failed => "failed",
        ServiceState.AutoRestart => "auto-restart",
        _ => "cleaning",
    };

    public static string ToSystemdString(this ServiceResult result) => result switch
    {
        ServiceResult.Success => "success",
        ServiceResult.Resources => "resources",
        ServiceResult.Protocol => "protocol",
        ServiceResult.Timeout => "timeout",
        ServiceResult.ExitCode => "exit-code",
        ServiceResult.Signal => "signal",
        ServiceResult.CoreDump => "core-dump",
        ServiceResult.Watchdog => "watchdog",
        ServiceResult.StartLimitHit => "start-limit-hit",
        ServiceResult.OomKill => "oom-kill",
        _ => "exec-condition",
    };

    internal static bool IsStopping(this ServiceState s) => s is ServiceState.Stop or ServiceState.StopWatchdog or
        ServiceState.StopSigterm or ServiceState.StopSigkill or ServiceState.StopPost or ServiceState.FinalWatchdog or
        ServiceState.FinalSigterm or ServiceState.FinalSigkill;

    internal static bool IsStarting(this ServiceState s) =>
        s is ServiceState.Condition or ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost;
}
