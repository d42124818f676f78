using System.Globalization;
using System.Text;
using Units.Core.Manager;
using Units.Core.Model;
using Units.DBus;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Settings.Values;

namespace Units.Api.Objects;

/// <summary>One setting as systemd 252 writes it (unit_write_settingf): <see cref="Text"/> goes into the [Unit]
/// section or, when <see cref="Private"/>, the type's own ([Service], [Slice], [Scope]); a set-property drop-in
/// is named "50-<see cref="Name"/>.conf".</summary>
internal readonly record struct WrittenSetting(string Name, bool Private, string Text);

/// <summary>What a SetUnitProperties or StartTransientUnit property array asks for: the settings to write, in
/// order, and the two that are not settings (AddRef: the caller holds a reference; PIDs: processes a scope
/// takes in).</summary>
internal sealed class UnitPropertyChanges
{
    public List<WrittenSetting> Settings { get; } = [];

    public bool AddRef { get; set; }

    public List<uint> Pids { get; } = [];

    /// <summary>The commands of each Exec…= property exactly as sent (systemd runs these, not what the file it writes
    /// reads back as: its escaping does not survive a reread).</summary>
    public Dictionary<ServiceCommand, List<ExecCommand>> Commands { get; } = [];

    /// <summary>The resource limits set so far (soft, hard), by resource: a later LimitFOOSoft changes one half.</summary>
    public Dictionary<string, (ulong Soft, ulong Hard)> Limits { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Turns the a(sv) of SetUnitProperties and StartTransientUnit into unit-file settings, as systemd 252's
/// bus_unit_set_properties() does (dbus-unit.c, dbus-cgroup.c, dbus-service.c, dbus-execute.c, dbus-kill.c,
/// dbus-scope.c): any unit takes Description; units with a control group take the resource-control properties at
/// any time; the rest only while a transient unit is being created. Everything is checked before anything is
/// written, so a bad property leaves the unit as it was. The settings are written in systemd's words, so the files
/// (and "systemctl cat") match systemd's.
/// </summary>
internal static class UnitPropertyWriter
{
    private const string ErrorPropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";

    /// <summary>Reads the a(sv) at <paramref name="args"/> for a unit of <paramref name="type"/>;
    /// <paramref name="creating"/> when it is a transient unit being made.</summary>
    /// <exception cref="DBusException">systemd's error for the first property it would refuse.</exception>
    public static UnitPropertyChanges Read(ref Reader args, UnitType type, bool creating)
    {
        var properties = new List<(string, DBusValue)>();
        ArrayEnd end = args.ReadArrayStart('(');
        while (args.HasNext(end))
        {
            args.ReadStructStart();
            string name = args.ReadString();
            properties.Add((name, args.ReadVariant()));
        }
        return Convert(properties, type, creating);
    }

    /// <summary>The properties, in the order sent, as settings for a unit of <paramref name="type"/>.</summary>
    /// <exception cref="DBusException">systemd's error for the first property it would refuse.</exception>
    public static UnitPropertyChanges Convert(IEnumerable<(string Name, DBusValue Value)> properties, UnitType type, bool creating)
    {
        var changes = new UnitPropertyChanges();
        foreach ((string name, DBusValue value) in properties)
        {
            if (!Convert(name, new Value(value), type, creating, changes))
                throw new DBusException(ErrorPropertyReadOnly, $"Cannot set property {name}, or unknown property.");
        }
        return changes;
    }

    private static bool Convert(string name, Value value, UnitType type, bool creating, UnitPropertyChanges changes)
    {
        if (name == "Description")
        {
            changes.Settings.Add(new(name, false, "Description=" + EscapeSpecifiers(value.String())));
            return true;
        }
        if (HasControlGroup(type) && ResourceControl(name, value, changes.Settings))
            return true;
        if (!creating)
            return false;
        return type switch
        {
            UnitType.Service => Service(name, value, changes) || Exec(name, value, changes) || Kill(name, value, changes.Settings),
            UnitType.Scope => Scope(name, value, changes) || Kill(name, value, changes.Settings),
            _ => false,
        } || TransientUnit(name, value, type, changes);
    }

    /// <summary>The transient unit file as systemd writes it: its header, then each setting in the order given,
    /// with a section header wherever the section changes.</summary>
    public static string TransientFile(UnitType type, List<WrittenSetting> settings)
    {
        var text = new System.Text.StringBuilder("# This is a transient unit file, created programmatically via the systemd API. Do not edit.\n");
        bool? lastPrivate = null;
        foreach (WrittenSetting setting in settings)
        {
            if (lastPrivate != setting.Private)
            {
                text.Append(lastPrivate is null ? "" : "\n").Append('[').Append(setting.Private ? type.PrivateSection() : "Unit").Append("]\n");
                lastPrivate = setting.Private;
            }
            text.Append(setting.Text);
            if (!setting.Text.EndsWith('\n'))
                text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A set-property drop-in's settings: the section, then the setting (the manager adds the header).</summary>
    public static string DropInSection(UnitType type, WrittenSetting setting)
    {
        string text = "[" + (setting.Private ? type.PrivateSection() : "Unit") + "]\n" + setting.Text;
        return text.EndsWith('\n') ? text : text + "\n";
    }

    private static bool HasControlGroup(UnitType type) =>
        type is UnitType.Service or UnitType.Scope or UnitType.Slice or UnitType.Socket or UnitType.Mount or UnitType.Swap;

    // ---- any unit with a control group (bus_cgroup_set_property) ----

    private static bool ResourceControl(string name, Value value, List<WrittenSetting> settings)
    {
        switch (name)
        {
            case "CPUAccounting" or "IOAccounting" or "BlockIOAccounting" or "MemoryAccounting" or "TasksAccounting" or "IPAccounting":
                settings.Add(Private(name, YesNo(value.Boolean())));
                return true;
            case "CPUWeight" or "StartupCPUWeight":
                {
                    ulong v = value.UInt64();
                    if (!(v is >= 1 and <= 10000 || v is 0 or ulong.MaxValue))
                        throw OutOfRange(name);
                    settings.Add(Private(name, v == ulong.MaxValue ? "" : v == 0 ? "idle" : Number(v)));
                    return true;
                }
            case "IOWeight" or "StartupIOWeight":
                settings.Add(Private(name, Weight(name, value.UInt64(), 1, 10000)));
                return true;
            case "CPUShares" or "StartupCPUShares":
                settings.Add(Private(name, Weight(name, value.UInt64(), 2, 262144)));
                return true;
            case "BlockIOWeight" or "StartupBlockIOWeight":
                settings.Add(Private(name, Weight(name, value.UInt64(), 10, 1000)));
                return true;
            case "MemoryHigh" or "MemoryMax" or "MemoryLimit":
                settings.Add(Private(name, Limit(name, value.UInt64(), minimum: 1)));
                return true;
            case "MemoryMin" or "MemoryLow" or "MemorySwapMax" or "DefaultMemoryMin" or "DefaultMemoryLow":
                settings.Add(Private(name, Limit(name, value.UInt64(), minimum: 0)));
                return true;
            case "TasksMax":
                settings.Add(Private(name, Limit(name, value.UInt64(), minimum: 1)));
                return true;
            case "MemoryHighScale" or "MemoryMaxScale" or "MemoryLimitScale" or "MemoryMinScale" or "MemoryLowScale" or "MemorySwapMaxScale":
                settings.Add(new(name, true, name[..^"Scale".Length] + "=" + Percent(name, value.UInt32())));
                return true;
            case "TasksMaxScale":
                {
                    uint v = value.UInt32();
                    if (v is < 1 or uint.MaxValue)
                        throw OutOfRange(name);
                    // As systemd 252 writes it: whole percents printed as if tenths ("20%" becomes "2.0%").
                    ulong percent = ((ulong)v * 100 + uint.MaxValue - 1) / uint.MaxValue;
                    settings.Add(new(name, true, $"TasksMax={percent / 10}.{percent % 10}%"));
                    return true;
                }
            case "CPUQuotaPerSecUSec":
                {
                    ulong v = value.UInt64();
                    if (v == 0)
                        throw new DBusException(BusErrors.InvalidArgs, "CPUQuotaPerSecUSec= value out of range");
                    // config_parse_cpu_quota() takes whole percents: systemd truncates on purpose.
                    settings.Add(new("CPUQuota", true, v == ulong.MaxValue ? "CPUQuota=" : $"CPUQuota={v / 10000}%"));
                    return true;
                }
            case "CPUQuotaPeriodUSec":
                {
                    ulong v = value.UInt64();
                    settings.Add(new("CPUQuotaPeriodSec", true, "CPUQuotaPeriodSec=" + (v == ulong.MaxValue ? "" : TimeSpans.Format(v, 1))));
                    return true;
                }
            case "DevicePolicy":
                {
                    string policy = value.String();
                    if (policy is not ("auto" or "closed" or "strict"))
                        throw new DBusException(BusErrors.InvalidArgs, $"Invalid {name} setting: {policy}");
                    settings.Add(Private(name, policy));
                    return true;
                }
            default:
                return false;
        }
    }

    private static string Weight(string name, ulong v, ulong min, ulong max)
    {
        if (v != ulong.MaxValue && (v < min || v > max))
            throw OutOfRange(name);
        return v == ulong.MaxValue ? "" : Number(v);
    }

    private static string Limit(string name, ulong v, ulong minimum)
    {
        if (v < minimum)
            throw OutOfRange(name);
        return v == ulong.MaxValue ? "infinity" : Number(v);
    }

    /// <summary>A fraction of UINT32_MAX as systemd prints it, in permyriads: "50.00%".</summary>
    private static string Percent(string name, uint raw)
    {
        if (raw == 0 && name is "MemoryHighScale" or "MemoryMaxScale" or "MemoryLimitScale")
            throw OutOfRange(name);
        ulong permyriad = ((ulong)raw * 10000 + uint.MaxValue / 2) / uint.MaxValue;
        return $"{permyriad / 100}.{permyriad % 100:D2}%";
    }

    private static DBusException OutOfRange(string name) =>
        new(BusErrors.InvalidArgs, $"Value specified in {name} is out of range");

    // ---- transient units being made (bus_unit_set_transient_property) ----

    private static readonly HashSet<string> s_transientDependencies = new(StringComparer.Ordinal)
    {
        "Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds", "Conflicts", "Before", "After", "OnSuccess",
        "OnFailure", "PropagatesReloadTo", "ReloadPropagatedFrom", "PropagatesStopTo", "StopPropagatedFrom", "JoinsNamespaceOf",
    };

    private static bool TransientUnit(string name, Value value, UnitType type, UnitPropertyChanges changes)
    {
        List<WrittenSetting> settings = changes.Settings;
        switch (name)
        {
            case "StopWhenUnneeded" or "RefuseManualStart" or "RefuseManualStop" or "AllowIsolate" or "DefaultDependencies" or "IgnoreOnIsolate":
                settings.Add(new(name, false, name + "=" + YesNo(value.Boolean())));
                return true;
            case "OnSuccessJobMode" or "OnFailureJobMode":
                settings.Add(new(name, false, name + "=" + Checked(name, value.String(), "fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements")));
                return true;
            case "CollectMode":
                settings.Add(new(name, false, name + "=" + Checked(name, value.String(), "inactive", "inactive-or-failed")));
                return true;
            case "JobTimeoutAction" or "StartLimitAction" or "FailureAction" or "SuccessAction":
                settings.Add(new(name, false, name + "=" + Checked(name, value.String(), "none", "exit", "exit-force")));
                return true;
            case "JobTimeoutUSec" or "JobRunningTimeoutUSec" or "StartLimitIntervalUSec":
                settings.Add(new(name, false, Seconds(name, value.UInt64())));
                return true;
            case "StartLimitBurst":
                settings.Add(new(name, false, name + "=" + Number(value.UInt32())));
                return true;
            case "Documentation":
                {
                    IReadOnlyList<string> urls = value.Strings();
                    foreach (string url in urls)
                    {
                        if (!url.Contains(':', StringComparison.Ordinal))
                            throw new DBusException(BusErrors.InvalidArgs, $"Invalid URL in {name}: {url}");
                    }
                    if (urls.Count == 0)
                        settings.Add(new(name, false, name + "="));
                    foreach (string url in urls)
                        settings.Add(new(name, false, name + "=" + url));
                    return true;
                }
            case "Slice":
                {
                    if (!HasControlGroup(type))
                        throw new DBusException(BusErrors.InvalidArgs, "The slice property is only available for units with control groups.");
                    if (type == UnitType.Slice)
                        throw new DBusException(BusErrors.InvalidArgs, "Slice may not be set for slice units.");
                    string slice = value.String();
                    if (!UnitManager.IsValidUnitName(slice) || slice.Contains('@', StringComparison.Ordinal))
                        throw new DBusException(BusErrors.InvalidArgs, $"Invalid unit name '{slice}'");
                    if (!slice.EndsWith(".slice", StringComparison.Ordinal))
                        throw new DBusException(BusErrors.InvalidArgs, $"Unit name '{slice}' is not a slice");
                    settings.Add(new(name, true, "Slice=" + slice));
                    return true;
                }
            case "AddRef":
                changes.AddRef = value.Boolean();
                return true;
            case "Delegate" when HasControlGroup(type):
                settings.Add(Private(name, YesNo(value.Boolean())));
                return true;
        }
        if (!s_transientDependencies.Contains(name))
            return false;
        foreach (string other in value.Strings())
        {
            if (!UnitManager.IsValidUnitName(other) || other.Contains("@.", StringComparison.Ordinal))
                throw new DBusException(BusErrors.InvalidArgs, $"Invalid unit name {other}");
            settings.Add(new(name + "-" + other, false, name + "=" + other));
        }
        return true;
    }

    // ---- services being made (bus_service_set_transient_property) ----

    private static readonly Dictionary<string, ServiceCommand> s_execCommands = new(StringComparer.Ordinal)
    {
        ["ExecCondition"] = ServiceCommand.Condition, ["ExecStartPre"] = ServiceCommand.StartPre, ["ExecStart"] = ServiceCommand.Start,
        ["ExecStartPost"] = ServiceCommand.StartPost, ["ExecReload"] = ServiceCommand.Reload, ["ExecStop"] = ServiceCommand.Stop,
        ["ExecStopPost"] = ServiceCommand.StopPost,
    };

    private static bool Service(string name, Value value, UnitPropertyChanges changes)
    {
        List<WrittenSetting> settings = changes.Settings;
        switch (name)
        {
            case "PermissionsStartOnly" or "RootDirectoryStartOnly" or "RemainAfterExit" or "GuessMainPID":
                settings.Add(Private(name, YesNo(value.Boolean())));
                return true;
            case "Type":
                settings.Add(Private(name, Checked(name, value.String(), "simple", "exec", "forking", "oneshot", "dbus", "notify", "idle")));
                return true;
            case "ExitType":
                settings.Add(Private(name, Checked(name, value.String(), "main", "cgroup")));
                return true;
            case "OOMPolicy":
                settings.Add(Private(name, Checked(name, value.String(), "continue", "stop", "kill")));
                return true;
            case "Restart":
                settings.Add(Private(name, Checked(name, value.String(), "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")));
                return true;
            case "NotifyAccess":
                settings.Add(Private(name, Checked(name, value.String(), "none", "main", "exec", "all")));
                return true;
            case "TimeoutStartFailureMode" or "TimeoutStopFailureMode":
                settings.Add(Private(name, Checked(name, value.String(), "terminate", "abort", "kill")));
                return true;
            case "RestartUSec" or "TimeoutStartUSec" or "TimeoutStopUSec" or "TimeoutAbortUSec" or "RuntimeMaxUSec" or "RuntimeRandomizedExtraUSec" or "WatchdogUSec":
                settings.Add(new(name, true, Seconds(name, value.UInt64())));
                return true;
            case "FileDescriptorStoreMax":
                settings.Add(Private(name, Number(value.UInt32())));
                return true;
            case "BusName":
                settings.Add(Private(name, EscapeSpecifiers(value.String())));
                return true;
        }
        if (!s_execCommands.TryGetValue(name, out ServiceCommand which))
            return false;
        settings.Add(new(name, true, ExecCommands(name, value, which, changes.Commands)));
        return true;
    }

    /// <summary>bus_set_transient_exec_command(): the commands are added to those sent before for the same
    /// property (none: the list is emptied); written as "ExecStart=" to reset, then one line per command so far,
    /// each argument quoted with specifiers, '\', '$', ';' and quotes escaped; "@path" when argv[0] is not the
    /// path.</summary>
    private static string ExecCommands(string name, Value value, ServiceCommand which, Dictionary<ServiceCommand, List<ExecCommand>> all)
    {
        IReadOnlyList<DBusValue> sent = value.Of("a(sasb)").Items;
        if (!all.TryGetValue(which, out List<ExecCommand>? commands) || sent.Count == 0)
            all[which] = commands = [];
        foreach (DBusValue command in sent)
        {
            string path = command.Items[0].AsString();
            var argv = command.Items[1].Items.Select(a => a.AsString()).ToList();
            bool ignoreFailure = command.Items[2].AsBoolean();
            if (!path.StartsWith('/') && (path.Length == 0 || path.Contains('/', StringComparison.Ordinal) || path is "." or ".."))
                throw new DBusException(BusErrors.InvalidArgs, $"\"{path}\" is neither a valid executable name nor an absolute path");
            if (argv.Count == 0)
                throw new DBusException(BusErrors.InvalidArgs, $"\"{name}\" argv cannot be empty");
            commands.Add(new ExecCommand(SimplifyPath(path), argv, ignoreFailure ? ExecCommandFlags.IgnoreFailure : ExecCommandFlags.None));
        }
        var text = new StringBuilder(name).Append("=\n");
        foreach (ExecCommand command in commands)
        {
            text.Append(name).Append('=').Append(command.IgnoreFailure ? "-" : "");
            if (command.Path != command.Arguments[0])
                text.Append('@').Append(EscapeExec(command.Path)).Append(' ');
            text.AppendJoin(' ', command.Arguments.Select(a => "\"" + EscapeExec(a) + "\"")).Append('\n');
        }
        return text.ToString();
    }

    private static string SimplifyPath(string path)
    {
        if (!path.StartsWith('/'))
            return path;
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        return "/" + string.Join('/', parts);
    }

    // ---- execution context of units being made (bus_exec_context_set_transient_property) ----

    private static bool Exec(string name, Value value, UnitPropertyChanges changes)
    {
        List<WrittenSetting> settings = changes.Settings;
        switch (name)
        {
            case "User" or "Group":
                {
                    string user = value.String();
                    if (user.Length > 0 && !IsRelaxedUserName(user))
                        throw new DBusException(BusErrors.InvalidArgs, $"Invalid {name} setting: {user}");
                    settings.Add(Private(name, EscapeSpecifiers(user)));
                    return true;
                }
            case "SyslogIdentifier" or "TTYPath" or "RootDirectory" or "PAMName":
                settings.Add(Private(name, EscapeSpecifiers(value.String())));
                return true;
            case "StandardInput":
                settings.Add(Private(name, Checked(name, value.String(), "null", "tty", "tty-force", "tty-fail", "socket", "data")));
                return true;
            case "StandardOutput" or "StandardError":
                settings.Add(Private(name, Checked(name, value.String(), "inherit", "null", "tty", "journal", "kmsg", "journal+console", "kmsg+console", "socket")));
                return true;
            case "PrivateTmp" or "PrivateDevices" or "PrivateNetwork" or "PrivateUsers" or "PrivateMounts" or "NoNewPrivileges"
                or "DynamicUser" or "RemoveIPC" or "ProtectKernelTunables" or "ProtectKernelModules" or "ProtectKernelLogs"
                or "ProtectControlGroups" or "ProtectClock" or "ProtectHostname" or "RestrictRealtime" or "RestrictSUIDSGID"
                or "LockPersonality" or "MemoryDenyWriteExecute" or "IgnoreSIGPIPE" or "TTYReset" or "TTYVHangup" or "TTYVTDisallocate":
                settings.Add(Private(name, YesNo(value.Boolean())));
                return true;
            case "ProtectSystem":
                settings.Add(Private(name, Checked(name, value.String(), "no", "yes", "full", "strict", "true", "false")));
                return true;
            case "ProtectHome":
                settings.Add(Private(name, Checked(name, value.String(), "no", "yes", "read-only", "tmpfs", "true", "false")));
                return true;
            case "Nice":
                {
                    int nice = value.Int32();
                    if (nice is < -20 or > 19)
                        throw new DBusException(BusErrors.InvalidArgs, $"Invalid Nice value: {nice}");
                    settings.Add(Private(name, nice.ToString(CultureInfo.InvariantCulture)));
                    return true;
                }
            case "UMask":
                settings.Add(Private(name, System.Convert.ToString(value.UInt32() & 0xFFF, 8).PadLeft(4, '0')));
                return true;
            case "WorkingDirectory":
                {
                    string directory = value.String();
                    bool missingOk = directory.StartsWith('-');
                    string path = missingOk ? directory[1..] : directory;
                    if (path.Length > 0 && path != "~" && !path.StartsWith('/'))
                        throw new DBusException(BusErrors.InvalidArgs, "WorkingDirectory= expects an absolute path or '~'");
                    settings.Add(Private(name, EscapeSpecifiers((missingOk ? "-" : "") + path)));
                    return true;
                }
            case "Environment":
                {
                    IReadOnlyList<string> assignments = value.Strings();
                    foreach (string assignment in assignments)
                    {
                        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
                        if (eq <= 0 || !IsEnvironmentName(assignment[..eq]))
                            throw new DBusException(BusErrors.InvalidArgs, "Invalid environment block.");
                    }
                    settings.Add(Private(name, string.Join(' ', assignments.Select(a => "\"" + EscapeC(EscapeSpecifiers(a)) + "\""))));
                    return true;
                }
            case "RuntimeDirectory" or "StateDirectory" or "CacheDirectory" or "LogsDirectory" or "ConfigurationDirectory":
                {
                    IReadOnlyList<string> directories = value.Strings();
                    foreach (string directory in directories)
                    {
                        if (directory.StartsWith('/') || directory.Split('/').Any(p => p is "" or "." or ".."))
                            throw new DBusException(BusErrors.InvalidArgs, $"{name}= path is not valid: {directory}");
                    }
                    settings.Add(Private(name, string.Join(' ', directories.Select(EscapeSpecifiers))));
                    return true;
                }
        }
        if (!name.StartsWith("Limit", StringComparison.Ordinal))
            return false;
        bool soft = name.EndsWith("Soft", StringComparison.Ordinal);
        string resource = soft ? name[5..^4] : name[5..];
        if (!s_limits.Contains(resource))
            return false;
        // The first value of a limit sets both halves; "LimitFOOSoft" then changes the soft one, "LimitFOO" the hard one.
        ulong limit = value.UInt64();
        (ulong Soft, ulong Hard) both = changes.Limits.TryGetValue(resource, out var known)
            ? (soft ? (limit, known.Hard) : (known.Soft, limit))
            : (limit, limit);
        changes.Limits[resource] = both;
        settings.Add(Private("Limit" + resource, FormatLimit(both.Soft, both.Hard)));
        return true;
    }

    /// <summary>rlimit_format(): "N", "infinity", or "soft:hard" when they differ.</summary>
    private static string FormatLimit(ulong soft, ulong hard)
    {
        static string One(ulong v) => v == ulong.MaxValue ? "infinity" : Number(v);
        return soft == hard ? One(soft) : One(soft) + ":" + One(hard);
    }

    private static readonly HashSet<string> s_limits = new(StringComparer.Ordinal)
    {
        "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NOFILE", "AS", "NPROC", "MEMLOCK", "LOCKS", "SIGPENDING",
        "MSGQUEUE", "NICE", "RTPRIO", "RTTIME",
    };

    // ---- kill context of units being made (bus_kill_context_set_transient_property) ----

    private static bool Kill(string name, Value value, List<WrittenSetting> settings)
    {
        switch (name)
        {
            case "KillMode":
                settings.Add(Private(name, Checked(name, value.String(), "control-group", "process", "mixed", "none")));
                return true;
            case "SendSIGHUP" or "SendSIGKILL":
                settings.Add(Private(name, YesNo(value.Boolean())));
                return true;
            case "KillSignal" or "RestartKillSignal" or "FinalKillSignal" or "WatchdogSignal":
                {
                    int signal = value.Int32();
                    if (signal is < 1 or > 64)
                        throw new DBusException(BusErrors.InvalidArgs, $"Invalid {name} setting: {signal}");
                    settings.Add(Private(name, signal.ToString(CultureInfo.InvariantCulture)));
                    return true;
                }
            default:
                return false;
        }
    }

    // ---- scopes being made (bus_scope_set_transient_property) ----

    private static bool Scope(string name, Value value, UnitPropertyChanges changes)
    {
        switch (name)
        {
            case "PIDs":
                // 0 is the caller, whose PID the bus connection knows (see ManagerInterface.ScopePids).
                foreach (DBusValue pid in value.Of("au").Items)
                    changes.Pids.Add(pid.AsUInt32());
                return true;
            case "RuntimeMaxUSec" or "RuntimeRandomizedExtraUSec" or "TimeoutStopUSec":
                changes.Settings.Add(new(name, true, Seconds(name, value.UInt64())));
                return true;
            case "User" or "Group":
                {
                    string user = value.String();
                    if (user.Length > 0 && !IsRelaxedUserName(user))
                        throw new DBusException(BusErrors.InvalidArgs, $"Invalid {name} setting: {user}");
                    changes.Settings.Add(Private(name, EscapeSpecifiers(user)));
                    return true;
                }
            default:
                return false;
        }
    }

    // ---- formatting, in systemd's words ----

    private static WrittenSetting Private(string name, string value) => new(name, true, name + "=" + value);

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>bus_set_transient_usec(): "FooUSec" is written as "FooSec=" with format_timespan to the millisecond.</summary>
    private static string Seconds(string name, ulong usec) =>
        name[..^"USec".Length] + "Sec=" + TimeSpans.Format(usec, 1000);

    private static string Checked(string name, string value, params string[] allowed) =>
        Array.IndexOf(allowed, value) >= 0 ? value : throw new DBusException(BusErrors.InvalidArgs, $"Invalid {name} setting: {value}");

    /// <summary>specifier_escape(): "%" is written "%%", so the loader reads back what was sent.</summary>
    private static string EscapeSpecifiers(string text) => text.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>Specifiers escaped, then shell_escape(s, "$;'\""): a backslash before '\' and each of those.</summary>
    private static string EscapeExec(string text)
    {
        var result = new StringBuilder(text.Length + 4);
        foreach (char c in EscapeSpecifiers(text))
        {
            if (c is '\\' or '$' or ';' or '\'' or '"')
                result.Append('\\');
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>cescape(): C escapes for quotes, backslash and control characters, octal for other bytes outside
    /// printable ASCII.</summary>
    private static string EscapeC(string text)
    {
        var result = new StringBuilder(text.Length + 4);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            string? escape = b switch
            {
                (byte)'\a' => "\\a", (byte)'\b' => "\\b", (byte)'\f' => "\\f", (byte)'\n' => "\\n", (byte)'\r' => "\\r",
                (byte)'\t' => "\\t", (byte)'\v' => "\\v", (byte)'\\' => "\\\\", (byte)'"' => "\\\"", (byte)'\'' => "\\'",
                _ => null,
            };
            if (escape is not null)
                result.Append(escape);
            else if (b is < (byte)' ' or >= 127)
                result.Append('\\').Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));
            else
                result.Append((char)b);
        }
        return result.ToString();
    }

    private static bool IsEnvironmentName(string name) =>
        !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>valid_user_group_name_or_id_relaxed(), in short: no empty name, no '/', ':' or white space, no leading
    /// '-' or trailing '.'.</summary>
    private static bool IsRelaxedUserName(string name) =>
        name.Length is > 0 and < 256 && name[0] != '-' && name is not ("." or "..") && !name.EndsWith('.')
        && !name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c));

    /// <summary>A property's value, read as the type systemd reads it; another type is the error sd-bus gives
    /// (ENXIO).</summary>
    private readonly struct Value(DBusValue value)
    {
        public DBusValue Of(string signature) =>
            value.Signature == signature ? value : throw new DBusException("System.Error.ENXIO", "No such device or address");

        public bool Boolean() => Of("b").AsBoolean();

        public int Int32() => Of("i").AsInt32();

        public uint UInt32() => Of("u").AsUInt32();

        public ulong UInt64() => Of("t").AsUInt64();

        public string String() => Of("s").AsString();

        public IReadOnlyList<string> Strings() => [.. Of("as").Items.Select(i => i.AsString())];
    }
}
