using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>
/// The load-time step after all files of a unit are applied: the defaults systemd derives from other settings
/// (service_add_extras()) and the checks that refuse a unit as a whole (service_verify(), socket_verify(), ...).
/// </summary>
public static class UnitSettingsValidator
{
    /// <summary>
    /// Completes and checks <paramref name="settings"/>. Returns false when the unit must be refused (LoadState
    /// bad-setting); the reasons are reported as "unit: message", as systemd-analyze verify prints them.
    /// </summary>
    public static bool Validate(UnitSettings settings, DiagnosticBag diagnostics)
    {
        var id = settings.UnitId ?? settings.Type.Suffix();
        if (settings.UnitId is not null)
            settings.Exec?.ApplyDynamicUser(settings.UnitId);
        return settings.Type switch
        {
            UnitType.Service => ValidateService(settings, settings.Service!, id, diagnostics),
            UnitType.Socket => ValidateSocket(settings, settings.Socket!, id, diagnostics),
            // timer_verify(): a timer that only reacts to clock or time zone changes is valid too.
            UnitType.Timer => Require(settings.Timer!.Timers.Count > 0 || settings.Timer.OnClockChange || settings.Timer.OnTimezoneChange,
                id, diagnostics, "Timer unit lacks value setting. Refusing."),
            UnitType.Path => Require(settings.Path!.Specs.Count > 0, id, diagnostics, "Path unit lacks path setting. Refusing."),
            UnitType.Mount => ValidateMount(settings, settings.Mount!, id, diagnostics),
            UnitType.Automount => ValidateAutomount(settings.Automount!, id, diagnostics),
            _ => true,
        };
    }

    private static bool ValidateService(UnitSettings unit, ServiceSettings service, string id, DiagnosticBag d)
    {
        // Type= when unset: dbus with BusName=, simple with ExecStart=, else oneshot.
        service.Type ??= service.BusName is not null ? ServiceType.Dbus : service.ExecStart.Count > 0 ? ServiceType.Simple : ServiceType.Oneshot;
        if (service.Type == ServiceType.Oneshot && service.TimeoutStartUsec is null)
        {
            // Oneshot services have no start timeout unless one is set.
            service.TimeoutStartUsec = TimeSpans.Infinity;
        }

        if (service.NotifyAccess is null or NotifyAccess.None
            && (service.Type == ServiceType.Notify || service.WatchdogUsec > 0 || service.FileDescriptorStoreMax > 0))
        {
            service.NotifyAccess = NotifyAccess.Main;
        }

        service.NotifyAccess ??= NotifyAccess.None;

        for (var which = ServiceCommand.Condition; which <= ServiceCommand.StopPost; which++)
        {
            foreach (var command in service.Commands(which))
            {
                if (!UnitPaths.IsAbsolute(command.Path) && !UnitPaths.IsValidFileName(command.Path))
                {
                    return Refuse(id, d, $"Service {command.Path}= binary path \"Exec{which}\" is neither a valid executable name nor an absolute path. Refusing.");
                }

                if (command.Arguments.Count == 0)
                {
                    return Refuse(id, d, $"Service has an empty argv in Exec{which}=. Refusing.");
                }
            }
        }

        var hasStart = service.ExecStart.Count > 0;
        var oneshot = service.Type == ServiceType.Oneshot;
        if (!hasStart && service.ExecStop.Count == 0 && unit.SuccessAction == EmergencyAction.None)
        {
            return Refuse(id, d, "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.");
        }

        if (!oneshot && !hasStart)
        {
            return Refuse(id, d, "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.");
        }

        if (!service.RemainAfterExit && !hasStart && unit.SuccessAction == EmergencyAction.None)
        {
            return Refuse(id, d, "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.");
        }

        if (!oneshot && service.ExecStart.Count > 1)
        {
            return Refuse(id, d, "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.");
        }

        if (oneshot && service.Restart is ServiceRestart.Always or ServiceRestart.OnSuccess)
        {
            return Refuse(id, d, "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.");
        }

        if (oneshot && !service.RestartForceExitStatus.IsEmpty)
        {
            return Refuse(id, d, "Service has RestartForceExitStatus= set, which isn't allowed for Type=oneshot services. Refusing.");
        }

        if (oneshot && service.ExitType == ServiceExitType.Cgroup)
        {
            return Refuse(id, d, "Service has ExitType=cgroup set, which isn't allowed for Type=oneshot services. Refusing.");
        }

        if (service.Type == ServiceType.Dbus && service.BusName is null)
        {
            return Refuse(id, d, "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.");
        }

        if (unit.Exec!.PAMName is not null && unit.Kill!.KillMode is not (KillMode.ControlGroup or KillMode.Mixed))
        {
            return Refuse(id, d, "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing.");
        }

        var descriptors = unit.LastValue("Service", "USBFunctionDescriptors") is { Length: > 0 };
        var strings = unit.LastValue("Service", "USBFunctionStrings") is { Length: > 0 };
        if (descriptors && !strings)
        {
            d.Warn(id, 0, "Service has USBFunctionDescriptors= setting, but no USBFunctionStrings=. Ignoring.");
        }

        if (!descriptors && strings)
        {
            d.Warn(id, 0, "Service has USBFunctionStrings= setting, but no USBFunctionDescriptors=. Ignoring.");
        }

        if (service.RuntimeMaxUsec != TimeSpans.Infinity && oneshot)
        {
            d.Warn(id, 0, "RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring.");
        }

        if (service.RuntimeMaxUsec == TimeSpans.Infinity && service.RuntimeRandomizedExtraUsec != 0)
        {
            d.Warn(id, 0, "Service has RuntimeRandomizedExtraSec= setting, but no RuntimeMaxSec=. Ignoring.");
        }

        return true;
    }

    private static bool ValidateSocket(UnitSettings unit, SocketSettings socket, string id, DiagnosticBag d)
    {
        if (socket.Listen.Count == 0)
        {
            return Refuse(id, d, "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.");
        }

        if (socket.Accept && socket.Listen.Any(static l => l.Type is not (SocketListenType.Stream or SocketListenType.SequentialPacket)))
        {
            return Refuse(id, d, "Unit configured for accepting sockets, but sockets are non-accepting. Refusing.");
        }

        if (socket.Accept && socket.MaxConnections == 0)
        {
            return Refuse(id, d, "MaxConnection= setting too small. Refusing.");
        }

        if (socket.Accept && socket.Service is not null)
        {
            return Refuse(id, d, "Explicit service configuration for accepting socket units not supported. Refusing.");
        }

        if (unit.Exec!.PAMName is not null && unit.Kill!.KillMode != KillMode.ControlGroup)
        {
            return Refuse(id, d, "Unit has PAM enabled. Kill mode must be set to 'control-group'. Refusing.");
        }

        return true;
    }

    private static bool ValidateMount(UnitSettings unit, MountSettings mount, string id, DiagnosticBag d)
    {
        // Where= defaults to the path the unit name encodes.
        mount.Where ??= WhereFromName(unit.UnitId, ".mount");
        if (!MatchesName(mount.Where, ".mount", id, out var message))
        {
            return Refuse(id, d, message);
        }

        if (mount.What is null)
        {
            return Refuse(id, d, "What= setting is missing. Refusing.");
        }

        if (unit.Exec!.PAMName is not null && unit.Kill!.KillMode != KillMode.ControlGroup)
        {
            return Refuse(id, d, "Unit has PAM enabled. Kill mode must be set to control-group'. Refusing.");
        }

        return true;
    }

    private static bool ValidateAutomount(AutomountSettings automount, string id, DiagnosticBag d)
    {
        automount.Where ??= WhereFromName(id, ".automount");
        if (automount.Where == "/")
        {
            return Refuse(id, d, "Cannot have an automount unit for the root directory. Refusing.");
        }

        return MatchesName(automount.Where, ".automount", id, out var message) || Refuse(id, d, message);
    }

    private static string? WhereFromName(string? id, string suffix) =>
        id is not null && id.EndsWith(suffix, StringComparison.Ordinal) && UnitNameEscaping.TryUnescapePath(id[..^suffix.Length], out var path) ? path : null;

    /// <summary>unit_name_from_path(Where=) must be the unit's own name.</summary>
    private static bool MatchesName(string? where, string suffix, string id, out string message)
    {
        message = "Where= setting doesn't match unit name. Refusing.";
        if (where is null || !UnitNameEscaping.TryEscapePath(where, out var escaped))
        {
            message = where is null ? message : "Failed to generate unit name from path: Invalid argument";
            return false;
        }

        return escaped + suffix == id;
    }

    private static bool Require(bool condition, string id, DiagnosticBag d, string message) => condition || Refuse(id, d, message);

    private static bool Refuse(string id, DiagnosticBag d, string message)
    {
        d.Error(id, 0, message);
        return false;
    }
}
