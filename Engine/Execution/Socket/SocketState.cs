using Units.Core.Model;

namespace Units.Execution.Socket;

/// <summary>The socket states of systemd 252 (SubState), in its order.</summary>
public enum SocketState
{
    Dead,
    StartPre,
    StartChown,
    StartPost,
    Listening,
    Running,
    StopPre,
    StopPreSigterm,
    StopPreSigkill,
    StopPost,
    FinalSigterm,
    FinalSigkill,
    Failed,
    Cleaning,
}

/// <summary>Result= of a socket.</summary>
public enum SocketResult
{
    Success,
    Resources,
    Timeout,
    ExitCode,
    Signal,
    CoreDump,
    StartLimitHit,
    TriggerLimitHit,
    ServiceStartLimitHit,
}

public static class SocketStates
{
    /// <summary>systemd's state_translation_table of socket.c.</summary>
    public static ActiveState ToActiveState(this SocketState state) => state switch
    {
        SocketState.Dead => ActiveState.Inactive,
        SocketState.StartPre or SocketState.StartChown or SocketState.StartPost => ActiveState.Activating,
        SocketState.Listening or SocketState.Running => ActiveState.Active,
        SocketState.Failed => ActiveState.Failed,
        SocketState.Cleaning => ActiveState.Maintenance,
        _ => ActiveState.Deactivating,
    };

    public static string ToSystemdString(this SocketState state) => state switch
    {
        SocketState.Dead => "dead",
        SocketState.StartPre => "start-pre",
        SocketState.StartChown => "start-chown",
        SocketState.StartPost => "start-post",
        SocketState.Listening => "listening",
        SocketState.Running => "running",
        SocketState.StopPre => "stop-pre",
        SocketState.StopPreSigterm => "stop-pre-sigterm",
        SocketState.StopPreSigkill => "stop-pre-sigkill",
        SocketState.StopPost => "stop-post",
        SocketState.FinalSigterm => "final-sigterm",
        SocketState.FinalSigkill => "final-sigkill",
        SocketState.Failed => "failed",
        _ => "cleaning",
    };

    public static string ToSystemdString(this SocketResult result) => result switch
    {
        SocketResult.Success => "success",
        SocketResult.Resources => "resources",
        SocketResult.Timeout => "timeout",
        SocketResult.ExitCode => "exit-code",
        SocketResult.Signal => "signal",
        SocketResult.CoreDump => "core-dump",
        SocketResult.StartLimitHit => "start-limit-hit",
        SocketResult.TriggerLimitHit => "trigger-limit-hit",
        _ => "service-start-limit-hit",
    };
}
