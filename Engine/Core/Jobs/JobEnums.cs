namespace Units.Core.Jobs;

/// <summary>systemd's JobType. The first five form the merge table; the rest collapse to them per unit state.</summary>
public enum JobType
{
    Start,
    VerifyActive,
    Stop,
    Reload,
    Restart,
    TryRestart,
    TryReload,
    ReloadOrStart,
    VerifyStarted,
    Nop,
}

public enum JobState
{
    Waiting,
    Running,
}

public enum JobResult
{
    Done,
    Canceled,
    Timeout,
    Failed,
    Dependency,
    Skipped,
    Invalid,
    Assert,
    Unsupported,
    Collected,
    Once,
}

/// <summary>systemd's JobMode, as passed to StartUnit() and friends.</summary>
public enum JobMode
{
    Fail,
    Replace,
    ReplaceIrreversibly,
    Isolate,
    Flush,
    IgnoreDependencies,
    IgnoreRequirements,
    Triggering,
    RestartDependencies,
}

public static class JobNames
{
    public static string ToSystemdString(this JobType t) => t switch
    {
        JobType.Start => "start",
        JobType.VerifyActive => "verify-active",
        JobType.Stop => "stop",
        JobType.Reload => "reload",
        JobType.Restart => "restart",
        JobType.TryRestart => "try-restart",
        JobType.TryReload => "try-reload",
        JobType.ReloadOrStart => "reload-or-start",
        JobType.VerifyStarted => "verify-started",
        _ => "nop",
    };

    public static string ToSystemdString(this JobState s) => s == JobState.Waiting ? "waiting" : "running";

    public static string ToSystemdString(this JobResult r) => r switch
    {
        JobResult.Done => "done",
        JobResult.Canceled => "canceled",
        JobResult.Timeout => "timeout",
        JobResult.Failed => "failed",
        JobResult.Dependency => "dependency",
        JobResult.Skipped => "skipped",
        JobResult.Invalid => "invalid",
        JobResult.Assert => "assert",
        JobResult.Unsupported => "unsupported",
        JobResult.Collected => "collected",
        _ => "once",
    };

    public static string ToSystemdString(this JobMode m) => m switch
    {
        JobMode.Fail => "fail",
        JobMode.Replace => "replace",
        JobMode.ReplaceIrreversibly => "replace-irreversibly",
        JobMode.Isolate => "isolate",
        JobMode.Flush => "flush",
        JobMode.IgnoreDependencies => "ignore-dependencies",
        JobMode.IgnoreRequirements => "ignore-requirements",
        JobMode.Triggering => "triggering",
        _ => "restart-dependencies",
    };

    /// <summary>Parses a mode string of StartUnit(); null when unknown.</summary>
    public static JobMode? ParseMode(string s) => s switch
    {
        "fail" => JobMode.Fail,
        "replace" => JobMode.Replace,
        "replace-irreversibly" => JobMode.ReplaceIrreversibly,
        "isolate" => JobMode.Isolate,
        "flush" => JobMode.Flush,
        "ignore-dependencies" => JobMode.IgnoreDependencies,
        "ignore-requirements" => JobMode.IgnoreRequirements,
        "triggering" => JobMode.Triggering,
        "restart-dependencies" => JobMode.RestartDependencies,
        _ => null,
    };
}
