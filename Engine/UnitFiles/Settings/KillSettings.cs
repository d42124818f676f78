using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>systemd.kill(5): how the processes of a unit are stopped.</summary>
public sealed class KillSettings
{
    public KillMode KillMode { get; internal set; }

    public int KillSignal { get; internal set; } = Signals.SIGTERM;

    /// <summary>RestartKillSignal=; null means <see cref="KillSignal"/>.</summary>
    public int? RestartKillSignal { get; internal set; }

    public int FinalKillSignal { get; internal set; } = Signals.SIGKILL;

    public int WatchdogSignal { get; internal set; } = Signals.SIGABRT;

    public bool SendSIGKILL { get; internal set; } = true;

    public bool SendSIGHUP { get; internal set; }
}
