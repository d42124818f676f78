using Units.Api.Interfaces;
using Units.Api.Properties;
using Units.Core.Model;
using Units.DBus;
using Units.Execution.Triggers;
using Units.Execution.Socket;
using Units.UnitFiles.Settings;
using PathSpec = Units.UnitFiles.Settings.PathSpec;
using PathType = Units.UnitFiles.Settings.PathType;
using TimerBase = Units.UnitFiles.Settings.TimerBase;
using TimerValue = Units.UnitFiles.Settings.TimerValue;

namespace Units.Api.Objects;

/// <summary>The type interfaces of the unit types other than services: what their files set, the runtime state of
/// the types that run (sockets, timers, paths), and for the types that do not run under unitsd yet systemd's values of a unit
/// that never ran.</summary>
internal static class TypeProperties
{
    /// <summary>The table of every unit type, by suffix ("service", "socket", ...).</summary>
    public static Dictionary<string, PropertyTable<UnitView>> BuildAll() => new(StringComparer.Ordinal)
    {
        ["service"] = ServiceProperties.Build(),
        ["socket"] = Socket(),
        ["timer"] = Timer(),
        ["path"] = PathUnit(),
        ["slice"] = Slice(),
        ["scope"] = Scope(),
        ["mount"] = Mount(),
        ["automount"] = Automount(),
        ["swap"] = Swap(),
        ["target"] = Table("target"),
        ["device"] = Device(),
    };

    private static PropertyTable<UnitView> Table(string type) => new(InterfaceCatalog.ForUnitType(type));

    private static PropertyTable<UnitView> Socket()
    {
        PropertyTable<UnitView> table = Table("socket");
        table.Add("Listen", static (v, ref w) => WriteListen(ref w, v))
            .Add("Accept", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Socket?.Accept ?? false))
            .Add("BindIPv6Only", static (v, ref w) => Variant.String(ref w, Last(v, "Socket", "BindIPv6Only") ?? "default"))
            .Add("Backlog", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Socket?.Backlog is { } b && b != 4096 ? b : int.MaxValue))
            .Add("TimeoutUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Socket?.TimeoutUsec ?? v.Api.Options.DefaultTimeoutStartUSec))
            .Add("SocketMode", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Socket?.SocketMode ?? 0x1B6))
            .Add("DirectoryMode", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Socket?.DirectoryMode ?? 0x1ED))
            .Add("SocketUser", static (v, ref w) => Variant.String(ref w, v.Settings?.Socket?.SocketUser))
            .Add("SocketGroup", static (v, ref w) => Variant.String(ref w, v.Settings?.Socket?.SocketGroup))
            .Add("Symlinks", static (v, ref w) => Variant.Strings(ref w, v.Settings?.Socket?.Symlinks ?? []))
            .Add("MaxConnections", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Socket?.MaxConnections ?? 64))
            .Add("MaxConnectionsPerSource", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Socket?.MaxConnectionsPerSource ?? 0))
            .Add("PassCredentials", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Socket?.PassCredentials ?? false))
            .Add("RemoveOnStop", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Socket?.RemoveOnStop ?? false))
            // systemd names a socket's file descriptors after the socket unit unless FileDescriptorName= says otherwise.
            .Add("FileDescriptorName", static (v, ref w) => Variant.String(ref w, v.Settings?.Socket?.FileDescriptorName ?? v.Unit.Id))
            .Add("Priority", static (_, ref w) => Variant.Int32(ref w, -1))
            .Add("IPTOS", static (_, ref w) => Variant.Int32(ref w, -1))
            .Add("IPTTL", static (_, ref w) => Variant.Int32(ref w, -1))
            .Add("Mark", static (_, ref w) => Variant.Int32(ref w, -1))
            .Add("Timestamping", static (_, ref w) => Variant.String(ref w, "off"))
            .Add("Result", static (v, ref w) => Variant.String(ref w, (SocketOf(v)?.Result ?? SocketResult.Success).ToSystemdString()))
            .Add("NConnections", static (v, ref w) => Variant.UInt32(ref w, SocketOf(v)?.NConnections ?? 0))
            .Add("NAccepted", static (v, ref w) => Variant.UInt32(ref w, SocketOf(v)?.NAccepted ?? 0))
            .Add("NRefused", static (v, ref w) => Variant.UInt32(ref w, SocketOf(v)?.NRefused ?? 0))
            .Add("ControlPID", static (v, ref w) => Variant.UInt32(ref w, (uint)(SocketOf(v)?.ControlPid ?? 0)))
            .Add("ControlGroup", static (v, ref w) => Variant.String(ref w, SocketOf(v)?.ControlGroupPath is { } path
                ? ServiceProperties.RelativeControlGroup(path) : ""))
            .Add("TriggerLimitIntervalUSec", static (v, ref w) => Variant.UInt64(ref w, SocketOf(v)?.Settings.EffectiveTriggerLimitIntervalUsec ?? 2_000_000))
            .Add("TriggerLimitBurst", static (v, ref w) => Variant.UInt32(ref w, SocketOf(v)?.Settings.EffectiveTriggerLimitBurst
                ?? (v.Settings?.Socket?.Accept == true ? 200u : 20u)));
        foreach ((string property, SocketCommand command) in new[]
        {
            ("ExecStartPre", SocketCommand.StartPre), ("ExecStartPost", SocketCommand.StartPost),
            ("ExecStopPre", SocketCommand.StopPre), ("ExecStopPost", SocketCommand.StopPost),
        })
        {
            table.Add(property, (v, ref w) => WriteCommands(ref w, v.Settings?.Socket?.Commands(command)));
        }
        AddContexts(table, defaultTasksMax: true);
        return table;
    }

    private static PropertyTable<UnitView> Timer()
    {
        PropertyTable<UnitView> table = Table("timer");
        table.Add("Unit", static (v, ref w) => Variant.String(ref w, Triggered(v)))
            .Add("TimersMonotonic", static (v, ref w) => WriteMonotonicTimers(ref w, v.Settings?.Timer?.Timers ?? [], v.Unit.Kind as TimerKind))
            .Add("TimersCalendar", static (v, ref w) => WriteCalendarTimers(ref w, v.Settings?.Timer?.Timers ?? [], v.Unit.Kind as TimerKind))
            .Add("OnClockChange", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Timer?.OnClockChange ?? false))
            .Add("OnTimezoneChange", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Timer?.OnTimezoneChange ?? false))
            .Add("NextElapseUSecRealtime", static (v, ref w) => Variant.UInt64(ref w, (v.Unit.Kind as TimerKind)?.NextElapseRealtimeUSec ?? ulong.MaxValue))
            .Add("NextElapseUSecMonotonic", static (v, ref w) => Variant.UInt64(ref w, (v.Unit.Kind as TimerKind)?.NextElapseMonotonicUSec ?? ulong.MaxValue))
            .Add("LastTriggerUSec", static (v, ref w) => Variant.UInt64(ref w, (v.Unit.Kind as TimerKind)?.LastTrigger.RealtimeUSec ?? 0))
            .Add("LastTriggerUSecMonotonic", static (v, ref w) => Variant.UInt64(ref w, (v.Unit.Kind as TimerKind)?.LastTrigger.MonotonicUSec ?? 0))
            .Add("Result", static (v, ref w) => Variant.String(ref w, TimerKind.ToSystemdString((v.Unit.Kind as TimerKind)?.Result ?? TimerResult.Success)))
            .Add("AccuracyUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Timer?.AccuracyUsec ?? 60_000_000))
            .Add("RandomizedDelayUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Timer?.RandomizedDelayUsec ?? 0))
            .Add("FixedRandomDelay", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Timer?.FixedRandomDelay ?? false))
            .Add("Persistent", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Timer?.Persistent ?? false))
            .Add("WakeSystem", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Timer?.WakeSystem ?? false))
            .Add("RemainAfterElapse", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Timer?.RemainAfterElapse ?? true));
        return table;
    }

    private static PropertyTable<UnitView> PathUnit()
    {
        PropertyTable<UnitView> table = Table("path");
        table.Add("Unit", static (v, ref w) => Variant.String(ref w, Triggered(v)))
            .Add("Paths", static (v, ref w) => WritePaths(ref w, v.Settings?.Path?.Specs ?? []))
            .Add("MakeDirectory", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Path?.MakeDirectory ?? false))
            .Add("DirectoryMode", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Path?.DirectoryMode ?? 0x1ED))
            .Add("Result", static (v, ref w) => Variant.String(ref w, PathKind.ToSystemdString((v.Unit.Kind as PathKind)?.Result ?? PathResult.Success)))
            .Add("TriggerLimitIntervalUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Path?.TriggerLimitIntervalUsec ?? 2_000_000))
            .Add("TriggerLimitBurst", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Path?.TriggerLimitBurst ?? 200));
        return table;
    }

    private static PropertyTable<UnitView> Slice()
    {
        PropertyTable<UnitView> table = Table("slice");
        table.Add("ControlGroup", static (v, ref w) => Variant.String(ref w, SliceControlGroup(v.Unit)));
        ServiceProperties.AddUsage(table);
        ContextProperties.AddCGroup(table, defaultTasksMax: false);
        return table;
    }

    private static PropertyTable<UnitView> Scope()
    {
        PropertyTable<UnitView> table = Table("scope");
        table.Add("Result", static (v, ref w) => Variant.String(ref w,
                Execution.Scope.ScopeKind.ToSystemdString((v.Unit.Kind as Execution.Scope.ScopeKind)?.Result ?? Execution.Scope.ScopeResult.Success)))
            .Add("ControlGroup", static (v, ref w) => Variant.String(ref w, ScopeControlGroup(v.Unit)))
            .Add("RuntimeMaxUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Scope?.RuntimeMaxUsec ?? ulong.MaxValue))
            .Add("RuntimeRandomizedExtraUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Scope?.RuntimeRandomizedExtraUsec ?? 0))
            .Add("TimeoutStopUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Scope?.TimeoutStopUsec ?? v.Api.Options.DefaultTimeoutStopUSec))
            .Add("OOMPolicy", static (v, ref w) => Variant.String(ref w, v.Settings?.Scope?.OomPolicy is { } policy ? policy.ToString().ToLowerInvariant() : "stop"));
        ServiceProperties.AddUsage(table);
        ContextProperties.AddKill(table);
        ContextProperties.AddCGroup(table, defaultTasksMax: true);
        return table;
    }

    private static PropertyTable<UnitView> Mount()
    {
        PropertyTable<UnitView> table = Table("mount");
        // While mounted, what the mount table says (systemd prefers its parameters_proc_self_mountinfo).
        table.Add("Where", static (v, ref w) => Variant.String(ref w, Mounted(v)?.Where ?? v.Settings?.Mount?.Where))
            .Add("What", static (v, ref w) => Variant.String(ref w, Mounted(v)?.What ?? v.Settings?.Mount?.What))
            .Add("Options", static (v, ref w) => Variant.String(ref w, Mounted(v)?.Options ?? v.Settings?.Mount?.Options))
            .Add("Type", static (v, ref w) => Variant.String(ref w, Mounted(v)?.FsType ?? v.Settings?.Mount?.Type))
            .Add("TimeoutUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Mount?.TimeoutUsec ?? v.Api.Options.DefaultTimeoutStartUSec))
            .Add("DirectoryMode", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Mount?.DirectoryMode ?? 0x1ED))
            .Add("SloppyOptions", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Mount?.SloppyOptions ?? false))
            .Add("LazyUnmount", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Mount?.LazyUnmount ?? false))
            .Add("ForceUnmount", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Mount?.ForceUnmount ?? false))
            .Add("ReadWriteOnly", static (v, ref w) => Variant.Boolean(ref w, v.Settings?.Mount?.ReadWriteOnly ?? false))
            .Add("ControlPID", static (v, ref w) => Variant.UInt32(ref w, (uint)((v.Unit.Kind as Execution.Mounts.MountKind)?.ControlPid ?? 0)))
            .Add("Result", static (v, ref w) => Variant.String(ref w,
                Execution.Mounts.MountKind.ToSystemdString((v.Unit.Kind as Execution.Mounts.MountKind)?.Result ?? Execution.Mounts.MountResult.Success)));
        AddContexts(table, defaultTasksMax: true);
        return table;
    }

    private static Execution.Mounts.MountEntry? Mounted(UnitView view) => (view.Unit.Kind as Execution.Mounts.MountKind)?.Mounted;

    private static PropertyTable<UnitView> Device()
    {
        PropertyTable<UnitView> table = Table("device");
        table.Add("SysFSPath", static (v, ref w) => Variant.String(ref w, (v.Unit.Kind as Execution.Mounts.DeviceKind)?.SysFSPath));
        return table;
    }

    private static PropertyTable<UnitView> Automount()
    {
        PropertyTable<UnitView> table = Table("automount");
        table.Add("Where", static (v, ref w) => Variant.String(ref w, v.Settings?.Automount?.Where))
            .Add("ExtraOptions", static (v, ref w) => Variant.String(ref w, v.Settings?.Automount?.ExtraOptions))
            .Add("DirectoryMode", static (v, ref w) => Variant.UInt32(ref w, v.Settings?.Automount?.DirectoryMode ?? 0x1ED))
            .Add("Result", static (_, ref w) => Variant.String(ref w, "success"))
            .Add("TimeoutIdleUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Automount?.TimeoutIdleUsec ?? 0));
        return table;
    }

    private static PropertyTable<UnitView> Swap()
    {
        PropertyTable<UnitView> table = Table("swap");
        table.Add("What", static (v, ref w) => Variant.String(ref w, v.Settings?.Swap?.What))
            .Add("Priority", static (v, ref w) => Variant.Int32(ref w, v.Settings?.Swap?.Priority ?? -1))
            .Add("Options", static (v, ref w) => Variant.String(ref w, v.Settings?.Swap?.Options))
            .Add("TimeoutUSec", static (v, ref w) => Variant.UInt64(ref w, v.Settings?.Swap?.TimeoutUsec ?? v.Api.Options.DefaultTimeoutStartUSec))
            .Add("Result", static (_, ref w) => Variant.String(ref w, "success"));
        AddContexts(table, defaultTasksMax: true);
        return table;
    }

    private static void AddContexts(PropertyTable<UnitView> table, bool defaultTasksMax)
    {
        ContextProperties.AddExec(table);
        ContextProperties.AddKill(table);
        ContextProperties.AddCGroup(table, defaultTasksMax);
    }

    private static string? Last(UnitView v, string section, string key) => v.Settings?.LastValue(section, key);

    /// <summary>Unit= of a timer or path unit, else the service of the same name.</summary>
    private static string Triggered(UnitView v)
    {
        if (v.Settings is null)
            return "";
        string? unit = v.Settings.Timer?.Unit ?? v.Settings.Path?.Unit;
        return unit ?? Path.ChangeExtension(v.Unit.Id, ".service");
    }

    /// <summary>The cgroup a unit's processes live in, relative to the hierarchy's root, as its ControlGroup property
    /// says ("" when it has none now).</summary>
    internal static string ControlGroupOf(Unit unit) => unit.Type.ToSuffix() switch
    {
        "service" => ServiceProperties.ControlGroup(unit),
        "slice" => SliceControlGroup(unit),
        "scope" => ScopeControlGroup(unit),
        _ => "",
    };

    /// <summary>init.scope is the manager's own cgroup; another scope's is where its processes were moved.</summary>
    private static string ScopeControlGroup(Unit unit)
        => unit.Id == SpecialUnits.InitScope ? (unit.ActiveState == ActiveState.Active ? ManagerProcess.ControlGroup : "")
            : ServiceProperties.ControlGroup(unit);

    /// <summary>A slice's cgroup, as systemd names it ("/a.slice/a-b.slice"; "/" for the root slice), while active.</summary>
    private static string SliceControlGroup(Unit unit)
    {
        if (unit.ActiveState is not (ActiveState.Active or ActiveState.Reloading or ActiveState.Deactivating))
            return "";
        if (unit.Id == SpecialUnits.RootSlice)
            return "/";
        string prefix = unit.Id[..^".slice".Length];
        var path = new System.Text.StringBuilder();
        for (int dash = prefix.IndexOf('-'); dash >= 0; dash = prefix.IndexOf('-', dash + 1))
            path.Append('/').Append(prefix, 0, dash).Append(".slice");
        return path.Append('/').Append(unit.Id).ToString();
    }

    private static SocketKind? SocketOf(UnitView v) => v.Unit.Kind as SocketKind;

    /// <summary>a(ss): kind and address of each Listen…=; a loaded socket shows its parsed addresses ("[::]:80" for
    /// "80"), as systemd does.</summary>
    private static void WriteListen(ref MessageWriter writer, UnitView v)
    {
        writer.BeginVariant("a(ss)");
        ArrayStart array = writer.WriteArrayStart('(');
        if (SocketOf(v) is { Ports.Count: > 0 } socket)
        {
            foreach (SocketPort port in socket.Ports)
            {
                writer.WriteStructStart();
                writer.WriteString(port.Spec.TypeName);
                writer.WriteString(port.DisplayAddress);
            }
            writer.WriteArrayEnd(array);
            return;
        }
        foreach (SocketListen listen in v.Settings?.Socket?.Listen ?? [])
        {
            writer.WriteStructStart();
            writer.WriteString(listen.Type switch
            {
                SocketListenType.Datagram => "Datagram",
                SocketListenType.SequentialPacket => "SequentialPacket",
                SocketListenType.Fifo => "FIFO",
                SocketListenType.Netlink => "Netlink",
                SocketListenType.Special => "Special",
                SocketListenType.MessageQueue => "MessageQueue",
                SocketListenType.UsbFunction => "USBFunction",
                _ => "Stream",
            });
            writer.WriteString(listen.Address);
        }
        writer.WriteArrayEnd(array);
    }

    /// <summary>a(stt): base ("OnActiveUSec"...), value, next elapse (0: not computed, e.g. the timer never ran).</summary>
    private static void WriteMonotonicTimers(ref MessageWriter writer, IReadOnlyList<TimerValue> timers, TimerKind? kind)
    {
        writer.BeginVariant("a(stt)");
        ArrayStart array = writer.WriteArrayStart('(');
        // systemd keeps a timer's values newest first, as the kind does.
        for (int i = 0; i < timers.Count; i++)
        {
            TimerValue timer = timers[timers.Count - 1 - i];
            if (timer.Base == TimerBase.Calendar)
                continue;
            writer.WriteStructStart();
            writer.WriteString(timer.Base switch
            {
                TimerBase.Boot => "OnBootUSec",
                TimerBase.Startup => "OnStartupUSec",
                TimerBase.UnitActive => "OnUnitActiveUSec",
                TimerBase.UnitInactive => "OnUnitInactiveUSec",
                _ => "OnActiveUSec",
            });
            writer.WriteUInt64(timer.Usec);
            writer.WriteUInt64(NextElapse(kind, i));
        }
        writer.WriteArrayEnd(array);
    }

    /// <summary>a(sst): "OnCalendar", the normalised calendar spec, next elapse (CLOCK_REALTIME; 0 as above).</summary>
    private static void WriteCalendarTimers(ref MessageWriter writer, IReadOnlyList<TimerValue> timers, TimerKind? kind)
    {
        writer.BeginVariant("a(sst)");
        ArrayStart array = writer.WriteArrayStart('(');
        for (int i = 0; i < timers.Count; i++)
        {
            TimerValue timer = timers[timers.Count - 1 - i];
            if (timer.Base != TimerBase.Calendar || timer.Calendar is null)
                continue;
            writer.WriteStructStart();
            writer.WriteString("OnCalendar");
            writer.WriteString(timer.Calendar.ToString());
            writer.WriteUInt64(NextElapse(kind, i));
        }
        writer.WriteArrayEnd(array);
    }

    /// <summary>The next elapse the timer computed for its <paramref name="index"/>th value (newest first).</summary>
    private static ulong NextElapse(TimerKind? kind, int index) =>
        kind is not null && index < kind.Values.Count ? kind.Values[index].NextElapseUSec : 0;

    /// <summary>a(sasbttttuii) of commands that have not run: path, argv, ignore failure, zero times, pid and status.</summary>
    private static void WriteCommands(ref MessageWriter writer, IReadOnlyList<ExecCommand>? commands)
    {
        writer.BeginVariant("a(sasbttttuii)");
        ArrayStart array = writer.WriteArrayStart('(');
        foreach (ExecCommand command in commands ?? [])
        {
            writer.WriteStructStart();
            writer.WriteString(command.Path);
            writer.WriteStringArray(command.Arguments);
            writer.WriteBoolean((command.Flags & ExecCommandFlags.IgnoreFailure) != 0);
            for (int i = 0; i < 4; i++)
                writer.WriteUInt64(0);
            writer.WriteUInt32(0);
            writer.WriteInt32(0);
            writer.WriteInt32(0);
        }
        writer.WriteArrayEnd(array);
    }

    private static void WritePaths(ref MessageWriter writer, IReadOnlyList<PathSpec> specs)
    {
        writer.BeginVariant("a(ss)");
        ArrayStart array = writer.WriteArrayStart('(');
        // systemd keeps a path unit's watches newest first.
        for (int i = specs.Count - 1; i >= 0; i--)
        {
            writer.WriteStructStart();
            writer.WriteString(specs[i].Type == PathType.DirectoryNotEmpty ? "DirectoryNotEmpty" : "Path" + specs[i].Type);
            writer.WriteString(specs[i].Path);
        }
        writer.WriteArrayEnd(array);
    }
}

/// <summary>org.freedesktop.systemd1.Scope of a scope unit: its properties, and Abandon().</summary>
internal sealed class ScopeInterface(PropertyTable<UnitView> table, UnitView scope) : CoreInterface<UnitView>(table, scope)
{
    protected override ValueTask Handle(MethodCall call)
    {
        switch (call.Member)
        {
            case "Abandon":
                Abandon(Source.Unit);
                call.ReplyEmpty();
                return ValueTask.CompletedTask;
            default:
                throw new DBusException(DBusErrors.NotSupported, $"{InterfaceCatalog.ForUnitType("scope").Name}.{call.Member} is not supported by unitsd yet");
        }
    }

    /// <summary>scope_abandon(): only a running scope can be left to its processes.</summary>
    internal static void Abandon(Unit unit)
    {
        if (unit.Kind is not Execution.Scope.ScopeKind scope || !scope.Abandon())
            throw new DBusException("org.freedesktop.systemd1.ScopeNotRunning", $"Scope {unit.Id} is not running, cannot abandon.");
    }
}
