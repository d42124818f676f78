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

    public static PropertyTable<UnitView> Build()
    {
        var table = new PropertyTable<UnitView>(InterfaceCatalog.ForUnitType("service"));
        // A service that did not load has no type or OOM policy yet (systemd fills them in when loading).
        table.Add("Type", static (v, ref w) => Variant.String(ref w, v.Settings is not null && Settings(v.Unit) is { } s ? TypeName(s.Type) : ""))
            .Add("ExitType", static (_, ref w) => Variant.String(ref w, "main"))
            .Add("OOMPolicy", static (v, ref w) => Variant.String(ref w, v.Settings?.Service?.OomPolicy is { } policy ? policy.ToString().ToLowerInvariant() : v.Settings is null ? "" : "stop"))
            .Add("TimeoutStartFailureMode", static (_, ref w) => Variant.String(ref w, "terminate"))
            .Add("TimeoutStopFailureMode", static (_, ref w) => Variant.String(ref w, "terminate"))
            .Add("Restart", static (v, ref w) => Variant.String(ref w, Settings(v.Unit) is { } s ? RestartName(s.Restart) : "no"))
            .Add("PIDFile", static (v, ref w) => Variant.String(ref w, Settings(v.Unit)?.PIDFile))
            .Add("NotifyAccess", static (v, ref w) => Variant.String(ref w, (Settings(v.Unit)?.NotifyAccess?.ToString() ?? "none").ToLowerInvariant()))
            .Add("RestartUSec", static (v, ref w) => Variant.UInt64(ref w, Settings(v.Unit)?.RestartUsec ?? 100_000))
            .Add("TimeoutStartUSec", static (v, ref w) => Variant.UInt64(ref w, Settings(v.Unit)?.TimeoutStartUsec ?? 90_000_000))
            .Add("TimeoutStopUSec", static (v, ref w) => Variant.UInt64(ref w, Settings(v.Unit)?.TimeoutStopUsec ?? 90_000_000))
            .Add("TimeoutAbortUSec", static (v, ref w) => Variant.UInt64(ref w, Settings(v.Unit) is { } s ? s.TimeoutAbortUsec ?? s.TimeoutStopUsec : 90_000_000))
            .Add("RuntimeMaxUSec", static (v, ref w) => Variant.UInt64(ref w, Settings(v.Unit)?.RuntimeMaxUsec ?? ulong.MaxValue))
            // systemd copies WatchdogSec= into the watchdog it reports when the service starts; infinity before that.
            .Add("WatchdogUSec", static (v, ref w) => Variant.UInt64(ref w, v.Unit.InactiveExitTimestamp.MonotonicUSec == 0 ? ulong.MaxValue : Settings(v.Unit)?.WatchdogUsec ?? 0))
            .Add("RemainAfterExit", static (v, ref w) => Variant.Boolean(ref w, Settings(v.Unit)?.RemainAfterExit ?? false))
            .Add("GuessMainPID", static (v, ref w) => Variant.Boolean(ref w, Settings(v.Unit)?.GuessMainPID ?? true))
            .Add("RootDirectoryStartOnly", static (v, ref w) => Variant.Boolean(ref w, ContextProperties.Flag(v, "RootDirectoryStartOnly")))
            .Add("NonBlocking", static (v, ref w) => Variant.Boolean(ref w, ContextProperties.Flag(v, "NonBlocking")))
            .Add("BusName", static (v, ref w) => Variant.String(ref w, Settings(v.Unit)?.BusName))
            .Add("MainPID", static (v, ref w) => Variant.UInt32(ref w, (uint)(Machine(v.Unit)?.MainPid ?? 0)))
            .Add("ControlPID", static (v, ref w) => Variant.UInt32(ref w, (uint)(Machine(v.Unit)?.ControlPid ?? 0)))
            .Add("StatusText", static (v, ref w) => Variant.String(ref w, Machine(v.Unit)?.StatusText))
            .Add("StatusErrno", static (v, ref w) => Variant.Int32(ref w, Machine(v.Unit)?.StatusErrno ?? 0))
            .Add("Result", static (v, ref w) => Variant.String(ref w, (Machine(v.Unit)?.Result ?? ServiceResult.Success).ToSystemdString()))
            .Add("ReloadResult", static (v, ref w) => Variant.String(ref w, (Machine(v.Unit)?.ReloadResult ?? ServiceResult.Success).ToSystemdString()))
            .Add("CleanResult", static (v, ref w) => Variant.String(ref w, (Machine(v.Unit)?.CleanResult ?? ServiceResult.Success).ToSystemdString()))
            .Add("NRestarts", static (v, ref w) => Variant.UInt32(ref w, Machine(v.Unit)?.NRestarts ?? 0))
            .Add("ExecMainPID", static (v, ref w) => Variant.UInt32(ref w, (uint)(Machine(v.Unit)?.ExecMain.Pid ?? 0)))
            .Add("ExecMainCode", static (v, ref w) => Variant.Int32(ref w, Machine(v.Unit)?.ExecMain.Code ?? 0))
            .Add("ExecMainStatus", static (v, ref w) => Variant.Int32(ref w, Machine(v.Unit)?.ExecMain.Status ?? 0))
            .Add("ExecMainStartTimestamp", static (v, ref w) => Variant.UInt64(ref w, Realtime(v.Unit, Machine(v.Unit)?.ExecMain.StartUSec ?? 0)))
            .Add("ExecMainStartTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, Machine(v.Unit)?.ExecMain.StartUSec ?? 0))
            .Add("ExecMainExitTimestamp", static (v, ref w) => Variant.UInt64(ref w, Realtime(v.Unit, Machine(v.Unit)?.ExecMain.ExitUSec ?? 0)))
            .Add("ExecMainExitTimestampMonotonic", static (v, ref w) => Variant.UInt64(ref w, Machine(v.Unit)?.ExecMain.ExitUSec ?? 0))
            .Add("ControlGroup", static (v, ref w) => Variant.String(ref w, ControlGroup(v.Unit)));
        AddUsage(table);
        table
            .Add("ExecCondition", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecCondition, lastRun: null))
            .Add("ExecConditionEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecCondition, lastRun: null, extended: true))
            .Add("ExecStartPre", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStartPre, lastRun: null))
            .Add("ExecStartPreEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStartPre, lastRun: null, extended: true))
            .Add("ExecStart", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStart, MainRun(v.Unit)))
            .Add("ExecStartEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStart, MainRun(v.Unit), extended: true))
            .Add("ExecStartPost", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStartPost, lastRun: null))
            .Add("ExecStartPostEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStartPost, lastRun: null, extended: true))
            .Add("ExecReload", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecReload, lastRun: null))
            .Add("ExecReloadEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecReload, lastRun: null, extended: true))
            .Add("ExecStop", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStop, lastRun: null))
            .Add("ExecStopEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStop, lastRun: null, extended: true))
            .Add("ExecStopPost", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStopPost, lastRun: null))
            .Add("ExecStopPostEx", static (v, ref w) => WriteCommands(ref w, Settings(v.Unit)?.ExecStopPost, lastRun: null, extended: true));
        ContextProperties.AddExec(table);
        ContextProperties.AddKill(table);
        ContextProperties.AddCGroup(table, defaultTasksMax: true);
        return table;
    }

    /// <summary>The processes of a unit's control group (GetUnitProcesses); none for units without one.</summary>
    internal static IReadOnlyList<UnitProcess> Processes(Unit unit) => ProcessesOf(unit)?.Processes() ?? [];

    /// <summary>What a unit's cgroup uses now (services, scopes, slices): memory, tasks, CPU time.</summary>
    internal static void AddUsage(PropertyTable<UnitView> table) =>
        table.Add("MemoryCurrent", static (v, ref w) => Variant.UInt64(ref w, Usage(v.Unit)?.MemoryCurrent ?? ulong.MaxValue))
            .Add("TasksCurrent", static (v, ref w) => Variant.UInt64(ref w, Usage(v.Unit)?.TasksCurrent ?? ulong.MaxValue))
            .Add("CPUUsageNSec", static (v, ref w) => Variant.UInt64(ref w, Usage(v.Unit)?.CpuUsageNSec ?? ulong.MaxValue));

    /// <summary>The cgroup of a unit that has its own: a service's, a scope's or a slice's.</summary>
    private static UnitProcesses? ProcessesOf(Unit unit) => unit.Kind switch
    {
        ServiceKind service => service.Processes,
        Execution.Scope.ScopeKind scope => scope.Processes,
        Execution.Slice.CgroupSliceKind slice => slice.Cgroup,
        _ => null,
    };

    private static ServiceMachine? Machine(Unit unit) => (unit.Kind as ServiceKind)?.Machine;

    private static ServiceSettings? Settings(Unit unit) => Machine(unit)?.Settings;

    private static CgroupUsage? Usage(Unit unit)
        => ProcessesOf(unit)?.CgroupPath is string path && Directory.Exists(path) ? CgroupHierarchy.Usage(path) : null;

    internal static string ControlGroup(Unit unit)
    {
        UnitProcesses? processes = ProcessesOf(unit);
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
    /// monotonic), pid, code and status; the …Ex form (a(sasasttttuii)) has the command's flags as words instead of
    /// the ignore-failure boolean. The state machine keeps the main process's run, which is the first ExecStart=
    /// command's; other commands report zeros until the machine keeps their runs too.</summary>
    private static void WriteCommands(ref MessageWriter writer, IReadOnlyList<ExecCommand>? commands,
        (ExecMainStatus Run, ulong StartRealtime, ulong ExitRealtime)? lastRun, bool extended = false)
    {
        writer.BeginVariant(extended ? "a(sasasttttuii)" : "a(sasbttttuii)");
        ArrayStart array = writer.WriteArrayStart('(');
        bool first = true;
        foreach (ExecCommand command in commands ?? [])
        {
            var run = first ? lastRun : null;
            first = false;
            writer.WriteStructStart();
            writer.WriteString(command.Path);
            writer.WriteStringArray(command.Argv);
            if (extended)
                writer.WriteStringArray(FlagWords(command.Flags));
            else
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

    /// <summary>The prefixes of a command line as systemd's exec_command_flags_to_strv names them.</summary>
    private static List<string> FlagWords(ExecFlags flags)
    {
        var words = new List<string>();
        if ((flags & ExecFlags.IgnoreFailure) != 0)
            words.Add("ignore-failure");
        if ((flags & ExecFlags.FullPrivileges) != 0)
            words.Add("privileged");
        if ((flags & ExecFlags.NoSetUid) != 0)
            words.Add("no-setuid");
        if ((flags & ExecFlags.AmbientFallback) != 0)
            words.Add("ambient");
        if ((flags & ExecFlags.NoEnvironmentExpansion) != 0)
            words.Add("no-env-expand");
        return words;
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
}
