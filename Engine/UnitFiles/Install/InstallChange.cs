namespace Units.UnitFiles.Install;

/// <summary>
/// One entry of the change list an installation operation returns: what systemd's EnableUnitFiles &amp; co
/// send as an a(sss) triple (type, path, source), or a failure with its errno. Paths carry the root
/// directory prefix; a symlink's <see cref="Source"/> is its target as written in the link.
/// </summary>
public sealed record InstallChange(InstallChangeType Type, string Path, string? Source, int Errno = 0)
{
    public bool IsError => Type == InstallChangeType.Error;

    /// <summary>The type string of the D-Bus triple ("symlink", "unlink", "masked", …); null for an error, which is not sent.</summary>
    public string? DBusType => Type switch
    {
        InstallChangeType.Symlink => "symlink",
        InstallChangeType.Unlink => "unlink",
        InstallChangeType.IsMasked => "masked",
        InstallChangeType.IsMaskedGenerator => "masked by generator",
        InstallChangeType.IsDangling => "dangling",
        InstallChangeType.DestinationNotPresent => "destination not present",
        InstallChangeType.AuxiliaryFailed => "auxiliary unit failed",
        _ => null,
    };

    /// <summary>
    /// The line systemctl prints for this change (install_changes_dump), e.g. "Created symlink A → B." or, for an
    /// error, "Failed to enable unit, unit foo.service does not exist."; <paramref name="verb"/> is the operation
    /// ("enable", "disable", "set default", "add dependency on", "preset", …).
    /// </summary>
    public string Describe(string verb) => Type switch
    {
        InstallChangeType.Symlink => $"Created symlink {Path} \u2192 {Source}.",
        InstallChangeType.Unlink => $"Removed \"{Path}\".",
        InstallChangeType.IsMasked => $"Unit {Path} is masked, ignoring.",
        InstallChangeType.IsMaskedGenerator => $"Unit {Path} is masked via a generator and cannot be unmasked.",
        InstallChangeType.IsDangling => $"Unit {Path} is an alias to a unit that is not present, ignoring.",
        InstallChangeType.DestinationNotPresent => $"Unit {Source} is added as a dependency to a non-existent unit {Path}.",
        InstallChangeType.AuxiliaryFailed => $"Failed to enable auxiliary unit {Path}, ignoring.",
        _ => Errno switch
        {
            InstallErrno.EEXIST when Source is not null => $"Failed to {verb} unit, file \"{Path}\" already exists and is a symlink to \"{Source}\".",
            InstallErrno.EEXIST => $"Failed to {verb} unit, file \"{Path}\" already exists.",
            InstallErrno.ERFKILL => $"Failed to {verb} unit, unit {Path} is masked.",
            InstallErrno.EADDRNOTAVAIL => $"Failed to {verb} unit, unit {Path} is transient or generated.",
            InstallErrno.ETXTBSY => $"Failed to {verb} unit, file {Path} is under the systemd unit hierarchy already.",
            InstallErrno.EBADSLT => $"Failed to {verb} unit, invalid specifier in \"{Path}\".",
            InstallErrno.EIDRM => $"Failed to {verb} {Source}, destination unit {Path} is a non-template unit.",
            InstallErrno.EUCLEAN => $"Failed to {verb} unit, \"{Path}\" is not a valid unit name.",
            InstallErrno.ELOOP => $"Failed to {verb} unit, refusing to operate on linked unit file {Path}.",
            InstallErrno.EXDEV when Source is not null => $"Failed to {verb} unit, cannot alias {Source} as {Path}.",
            InstallErrno.EXDEV => $"Failed to {verb} unit, invalid unit reference \"{Path}\".",
            InstallErrno.ENOENT => $"Failed to {verb} unit, unit {Path} does not exist.",
            InstallErrno.EUNATCH => $"Failed to {verb} unit, cannot resolve specifiers in \"{Path}\".",
            _ => $"Failed to {verb} unit, file \"{Path}\": {InstallErrno.Describe(Errno)}",
        },
    };

    /// <summary>The D-Bus error (name, message) systemd replies with when this failure is the first one (install_error in dbus-manager.c).</summary>
    public (string Name, string Message) ToDBusError() => Errno switch
    {
        InstallErrno.EEXIST when Source is not null => ("org.freedesktop.systemd1.UnitExists", $"File {Path} already exists and is a symlink to {Source}."),
        InstallErrno.EEXIST => ("org.freedesktop.systemd1.UnitExists", $"File {Path} already exists."),
        InstallErrno.ERFKILL => ("org.freedesktop.systemd1.UnitMasked", $"Unit file {Path} is masked."),
        InstallErrno.EADDRNOTAVAIL => ("org.freedesktop.systemd1.UnitGenerated", $"Unit {Path} is transient or generated."),
        InstallErrno.ETXTBSY => ("org.freedesktop.systemd1.UnitBadPath", $"File {Path} is under the systemd unit hierarchy already."),
        InstallErrno.EBADSLT => ("org.freedesktop.systemd1.BadUnitSetting", $"Invalid specifier in {Path}."),
        InstallErrno.EIDRM => ("org.freedesktop.systemd1.BadUnitSetting", $"Destination unit {Path} is a non-template unit."),
        InstallErrno.EUCLEAN => ("org.freedesktop.systemd1.BadUnitSetting", $"\"{Path}\" is not a valid unit name."),
        InstallErrno.ELOOP => ("org.freedesktop.systemd1.UnitLinked", $"Refusing to operate on alias name or linked unit file: {Path}"),
        InstallErrno.EXDEV when Source is not null => ("org.freedesktop.systemd1.BadUnitSetting", $"Cannot alias {Source} as {Path}."),
        InstallErrno.EXDEV => ("org.freedesktop.systemd1.BadUnitSetting", $"Invalid unit reference {Path}."),
        InstallErrno.ENOENT => ("org.freedesktop.systemd1.NoSuchUnit", $"Unit file {Path} does not exist."),
        InstallErrno.EUNATCH => ("org.freedesktop.systemd1.BadUnitSetting", $"Cannot resolve specifiers in {Path}."),
        _ => (InstallResult.ErrnoDBusName(Errno), $"File {Path}: {InstallErrno.Describe(Errno)}"),
    };
}

/// <summary>
/// What an installation operation did: the change list in systemd's order, and systemd's return value
/// (<see cref="Result"/>: negative errno on failure; for enable, reenable and preset the number of
/// [Install] rules the units carry, which is the "carries install info" flag of the D-Bus reply).
/// </summary>
public sealed class InstallResult
{
    internal InstallResult(int result, IReadOnlyList<InstallChange> changes, IReadOnlyList<Diagnostic> warnings)
    {
        Result = result;
        Changes = changes;
        Warnings = warnings;
    }

    /// <summary>What systemd would log while reading unit and preset files on the way ("Unknown key …", "Couldn't parse line …").</summary>
    public IReadOnlyList<Diagnostic> Warnings { get; }

    public int Result { get; }

    public IReadOnlyList<InstallChange> Changes { get; }

    public bool Succeeded => Result >= 0;

    /// <summary>The errno of a failure (positive), 0 on success.</summary>
    public int Errno => Result < 0 ? -Result : 0;

    /// <summary>The D-Bus reply's "carries_install_info" boolean (enable, reenable, preset).</summary>
    public bool CarriesInstallInfo => Result > 0;

    /// <summary>True when any symlink was created or removed (systemd then emits UnitFilesChanged).</summary>
    public bool HasModification => Changes.Any(c => c.Type is InstallChangeType.Symlink or InstallChangeType.Unlink);

    /// <summary>
    /// The lines systemctl prints for this result (install_changes_dump): one per change, then, when the
    /// operation failed and no change described the error, "Failed to VERB: strerror.".
    /// </summary>
    public IReadOnlyList<string> Describe(string verb)
    {
        var lines = Changes.Select(c => c.Describe(verb)).ToList();
        if (Result < 0 && !Changes.Any(c => c.IsError))
            lines.Add($"Failed to {verb}: {InstallErrno.Describe(Errno)}.");
        return lines;
    }

    /// <summary>
    /// The D-Bus error systemd replies with instead of a change list: set when the operation failed, or when
    /// every change is an error (reply_install_changes_and_free); null when the call succeeds.
    /// </summary>
    public (string Name, string Message)? DBusError
    {
        get
        {
            InstallChange? firstError = Changes.FirstOrDefault(c => c.IsError);
            if (Result < 0)
                return firstError?.ToDBusError() ?? (ErrnoDBusName(Errno), InstallErrno.Describe(Errno));
            if (firstError is not null && !Changes.Any(c => !c.IsError))
                return firstError.ToDBusError();
            return null;
        }
    }

    internal static string ErrnoDBusName(int errno) => errno switch
    {
        InstallErrno.ENOENT => "org.freedesktop.DBus.Error.FileNotFound",
        InstallErrno.EEXIST => "org.freedesktop.DBus.Error.FileExists",
        InstallErrno.EACCES or InstallErrno.EPERM => "org.freedesktop.DBus.Error.AccessDenied",
        InstallErrno.EINVAL => "org.freedesktop.DBus.Error.InvalidArgs",
        InstallErrno.EIO => "org.freedesktop.DBus.Error.IOError",
        InstallErrno.ENXIO => "org.freedesktop.DBus.Error.FileNotFound",
        InstallErrno.EBADMSG => "org.freedesktop.DBus.Error.InconsistentMessage",
        InstallErrno.ENOBUFS => "org.freedesktop.DBus.Error.LimitsExceeded",
        _ => "System.Error." + InstallErrno.Name(errno),
    };
}
