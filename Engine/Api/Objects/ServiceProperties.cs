using Units.Api.Interfaces;
using Units.Api.Properties;
using Units.Core.Model;
using Units.DBus;
using Units.Execution;
using Units.Execution.Cgroups;
using Units.Execution.Service;

namespace Units.Api.Objects;

/// <summary>org.freedesktop.systemd1.Service over the execution layer's service state machine.</summary>
internal static class ServiceProperties
{
    private static readonly Lazy<string?> s_cgroupMount = new(CgroupHierarchy.FindMount);

    public static PropertyTable<Unit> Build()
    {
        var table = new PropertyTable<Unit>(InterfaceCatalog.ForUnitType("service"));
        table.Add("Type", static (u, ref w) => Variant.String(ref w, Settings(u) is { } s ? TypeName(s.Type) : "simple"))
            .Add("Restart", static (u, ref w) => Variant.String(ref w, Settings(u) is { } s ? RestartName(s.Restart) : "no"))
            .Add("PIDFile", static (u, ref w) => Variant.String(ref w, Settings(u)?.PIDFile))
            .Add("NotifyAccess", static (u, ref w) => Variant.String(ref w, (Settings(u)?.NotifyAccess?.ToString() ?? "none").ToLowerInvariant()))
            .Add("RestartUSec", static (u, ref w) => Variant.UInt64(ref w, Settings(u)?.RestartUsec ?? 100_000))
            .Add("TimeoutStartUSec", static (u, ref w) => Variant.UInt64(ref w, Settings(u)?.TimeoutStartUsec ?? 90_000_000))
            .Add("TimeoutStopUSec", static (u, ref w) => Variant.UInt64(ref w, Settings(u)?.TimeoutStopUsec ?? 90_000_000))
            .Add("TimeoutAbortUSec", static (u, ref w) => Variant.UInt64(ref w, Settings(u) is { } s ? s.TimeoutAbortUsec ?? s.TimeoutStopUsec : 90_000_000))
            .Add("RuntimeMaxUSec", static (u, ref w) => Variant.UInt64(ref w, Settings(u)?.RuntimeMaxUsec ?? ulong.MaxValue))
            .Add("WatchdogUSec", static (u, ref w) => Variant.UInt64(ref w, Settings(u)?.WatchdogUsec ?? 0))
            .Add("RemainAfterExit", static (u, ref w) => Variant.Boolean(ref w, Settings(u)?.RemainAfterExit ?? false))
            .Add("GuessMainPID", static (u, ref w) => Variant.Boolean(ref w, Settings(u)?.GuessMainPID ?? true))
            .Add("BusName", static (u, ref w) => Variant.String(ref w, Settings(u)?.BusName))
            .Add("MainPID", static (u, ref w) => Variant.UInt32(ref w, (uint)(Machine(u)?.MainPid ?? 0)))
            .Add("ControlPID", static (u, ref w) => Variant.UInt32(ref w, (uint)(Machine(u)?.ControlPid ?? 0)))
            .Add("StatusText", static (u, ref w) => Variant.String(ref w, Machine(u)?.StatusText))
            .Add("StatusErrno", static (u, ref w) => Variant.Int32(ref w, Machine(u)?.StatusErrno ?? 0))
            .Add("Result", static (u, ref w) => Variant.String(ref w, (Machine(u)?.Result ?? ServiceResult.Success).ToSystemdString()))
            .Add("ReloadResult", static (u, ref w) => Variant.String(ref w, (Machine(u)?.ReloadResult ?? ServiceResult.Success).ToSystemdString()))
            .Add("NRestarts", static (u, ref w) => Variant.UInt32(ref w, Machine(u)?.NRestarts ?? 0))
            .Add("ExecMainPID", static (u, ref w) => Variant.UInt32(ref w, (uint)(Machine(u)?.ExecMain.Pid ?? 0)))
            .Add("ExecMainCode", static (u, ref w) => Variant.Int32(ref w, Machine(u)?.ExecMain.Code ?? 0))
            .Add("ExecMainStatus", static (u, ref w) => Variant.Int32(ref w, Machine(u)?.ExecMain.Status ?? 0))
            .Add("ExecMainStartTimestamp", static (u, ref w) => Variant.UInt64(ref w, Realtime(u, Machine(u)?.ExecMain.StartUSec ?? 0)))
            .Add("ExecMainStartTimestampMonotonic", static (u, ref w) => Variant.UInt64(ref w, Machine(u)?.ExecMain.StartUSec ?? 0))
            .Add("ExecMainExitTimestamp", static (u, ref w) => Variant.UInt64(ref w, Realtime(u, Machine(u)?.ExecMain.ExitUSec ?? 0)))
            .Add("ExecMainExitTimestampMonotonic", static (u, ref w) => Variant.UInt64(ref w, Machine(u)?.ExecMain.ExitUSec ?? 0))
            .Add("Slice", static (u, ref w) => Variant.String(ref w, u.Definition.Slice ?? SliceOf(u)))
            .Add("ControlGroup", static (u, ref w) => Variant.String(ref w, ControlGroup(u)))
            .Add("MemoryCurrent", static (u, ref w) => Variant.UInt64(ref w, Usage(u)?.MemoryCurrent ?? ulong.MaxValue))
            .Add("TasksCurrent", static (u, ref w) => Variant.UInt64(ref w, Usage(u)?.TasksCurrent ?? ulong.MaxValue))
            .Add("CPUUsageNSec", static (u, ref w) => Variant.UInt64(ref w, Usage(u)?.CpuUsageNSec ?? ulong.MaxValue))
            .Add("KillMode", static (u, ref w) => Variant.String(ref w, KillModeName(Settings(u)?.Kill.KillMode ?? KillMode.ControlGroup)))
            .Add("KillSignal", static (u, ref w) => Variant.Int32(ref w, Settings(u)?.Kill.KillSignal ?? 15))
            .Add("RestartKillSignal", static (u, ref w) => Variant.Int32(ref w, Settings(u) is { } s ? s.Kill.RestartKillSignal ?? s.Kill.KillSignal : 15))
            .Add("FinalKillSignal", static (u, ref w) => Variant.Int32(ref w, Settings(u)?.Kill.FinalKillSignal ?? 9))
            .Add("WatchdogSignal", static (u, ref w) => Variant.Int32(ref w, Settings(u)?.Kill.WatchdogSignal ?? 6))
            .Add("SendSIGKILL", static (u, ref w) => Variant.Boolean(ref w, Settings(u)?.Kill.SendSIGKILL ?? true))
            .Add("SendSIGHUP", static (u, ref w) => Variant.Boolean(ref w, Settings(u)?.Kill.SendSIGHUP ?? false))
            .Add("User", static (u, ref w) => Variant.String(ref w, Settings(u)?.Exec.User))
            .Add("Group", static (u, ref w) => Variant.String(ref w, Settings(u)?.Exec.Group))
            .Add("WorkingDirectory", static (u, ref w) => Variant.String(ref w, Settings(u)?.Exec.WorkingDirectory))
            .Add("RootDirectory", static (u, ref w) => Variant.String(ref w, Settings(u)?.Exec.RootDirectory))
            .Add("Environment", static (u, ref w) => Variant.Strings(ref w, Settings(u)?.Exec.Environment ?? []))
            .Add("UMask", static (u, ref w) => Variant.UInt32(ref w, (uint)(Settings(u)?.Exec.UMask ?? 0x12)))
            .Add("StandardInput", static (u, ref w) => Variant.String(ref w, StdioName(Settings(u)?.Exec.StandardInput ?? StdioSetting.Null)))
            .Add("StandardOutput", static (u, ref w) => Variant.String(ref w, StdioName(Settings(u)?.Exec.StandardOutput ?? StdioSetting.Journal)))
            .Add("StandardError", static (u, ref w) => Variant.String(ref w, StdioName(Settings(u)?.Exec.StandardError ?? StdioSetting.Inherit)))
            .Add("ExecCondition", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecCondition, lastRun: null))
            .Add("ExecStartPre", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecStartPre, lastRun: null))
            .Add("ExecStart", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecStart, MainRun(u)))
            .Add("ExecStartPost", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecStartPost, lastRun: null))
            .Add("ExecReload", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecReload, lastRun: null))
            .Add("ExecStop", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecStop, lastRun: null))
            .Add("ExecStopPost", static (u, ref w) => WriteCommands(ref w, Settings(u)?.ExecStopPost, lastRun: null));
        return table;
    }

    /// <summary>The processes of a unit's control group (GetUnitProcesses); none for units without one.</summary>
    internal static IReadOnlyList<UnitProcess> Processes(Unit unit)
        => (unit.Kind as ServiceKind)?.Processes?.Processes() ?? [];

    private static ServiceMachine? Machine(Unit unit) => (unit.Kind as ServiceKind)?.Machine;

    private static ServiceSettings? Settings(Unit unit) => Machine(unit)?.Settings;

    private static CgroupUsage? Usage(Unit unit)
        => (unit.Kind as ServiceKind)?.Processes?.CgroupPath is string path && Directory.Exists(path) ? CgroupHierarchy.Usage(path) : null;

    private static string ControlGroup(Unit unit)
    {
        UnitProcesses? processes = (unit.Kind as ServiceKind)?.Processes;
        // systemd removes a unit's cgroup once it is empty (an exited oneshot, a failed unit): no ControlGroup then.
        if (processes?.CgroupPath is not string path || processes.IsGroupEmpty)
            return "";
        return RelativeControlGroup(path);
    }

    /// <summary>A cgroup directory relative to the hierarchy's root, as systemd names cgroups ("/app.slice/x.service").</summary>
    internal static string RelativeControlGroup(string path)
    {
        string? mount = s_cgroupMount.Value;
        return mount is not null && path.StartsWith(mount, StringComparison.Ordinal) ? path[mount.Length..] : path;
    }

    private static string SliceOf(Unit unit)
    {
        foreach (Unit slice in unit.DependenciesOf(UnitDependency.InSlice))
            return slice.Id;
        return "";
    }

    /// <summary>A monotonic time of this boot as wall-clock time (0 stays 0: never happened).</summary>
    private static ulong Realtime(Unit unit, ulong monotonic)
    {
        if (monotonic == 0)
            return 0;
        ulong nowMono = unit.Manager.Clock.MonotonicUSec;
        ulong nowReal = unit.Manager.Clock.RealtimeUSec;
        return nowReal - Math.Min(nowReal, nowMono - Math.Min(nowMono, monotonic));
    }

    /// <summary>The main process's run, with its times as wall-clock and monotonic; null before the first run.</summary>
    private static (ExecMainStatus Run, ulong StartRealtime, ulong ExitRealtime)? MainRun(Unit unit)
        => Machine(unit) is { ExecMain: { Pid: > 0 } run } ? (run, Realtime(unit, run.StartUSec), Realtime(unit, run.ExitUSec)) : null;

    /// <summary>a(sasbttttuii): path, argv, ignore failure, then the last run's start/exit times (realtime and
    /// monotonic), pid, code and status. The state machine keeps the main process's run, which is the first
    /// ExecStart= command's; other commands report zeros until the machine keeps their runs too.</summary>
    private static void WriteCommands(ref MessageWriter writer, IReadOnlyList<ExecCommand>? commands,
        (ExecMainStatus Run, ulong StartRealtime, ulong ExitRealtime)? lastRun)
    {
        writer.BeginVariant("a(sasbttttuii)");
        ArrayStart array = writer.WriteArrayStart('(');
        bool first = true;
        foreach (ExecCommand command in commands ?? [])
        {
            var run = first ? lastRun : null;
            first = false;
            writer.WriteStructStart();
            writer.WriteString(command.Path);
            writer.WriteStringArray(command.Argv);
            writer.WriteBoolean((command.Flags & ExecFlags.IgnoreFailure) != 0);
            writer.WriteUInt64(run?.StartRealtime ?? 0);
            writer.WriteUInt64(run?.Run.StartUSec ?? 0);
            writer.WriteUInt64(run?.ExitRealtime ?? 0);
            writer.WriteUInt64(run?.Run.ExitUSec ?? 0);
            writer.WriteUInt32((uint)(run?.Run.Pid ?? 0));
            writer.WriteInt32(run?.Run.Code ?? 0);
            writer.WriteInt32(run?.Run.Status ?? 0);
        }
        writer.WriteArrayEnd(array);
    }

    private static string TypeName(ServiceType type) => type switch
    {
        ServiceType.NotifyReload => "notify-reload",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string RestartName(ServiceRestart restart) => restart switch
    {
        ServiceRestart.OnSuccess => "on-success",
        ServiceRestart.OnFailure => "on-failure",
        ServiceRestart.OnAbnormal => "on-abnormal",
        ServiceRestart.OnWatchdog => "on-watchdog",
        ServiceRestart.OnAbort => "on-abort",
        ServiceRestart.Always => "always",
        _ => "no",
    };

    private static string KillModeName(KillMode mode) => mode switch
    {
        KillMode.ControlGroup => "control-group",
        KillMode.Process => "process",
        KillMode.Mixed => "mixed",
        _ => "none",
    };

    private static string StdioName(StdioSetting setting) => setting.Kind switch
    {
        StdioKind.Inherit => "inherit",
        StdioKind.Null => "null",
        StdioKind.Tty => "tty",
        StdioKind.Journal => "journal",
        StdioKind.Kmsg => "kmsg",
        StdioKind.Socket => "socket",
        StdioKind.NamedFd => "fd",
        StdioKind.File => "file:" + setting.Argument,
        StdioKind.Append => "append:" + setting.Argument,
        StdioKind.Truncate => "truncate:" + setting.Argument,
        _ => "inherit",
    };
}
