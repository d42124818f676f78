namespace Units.UnitFiles;

/// <summary>
/// The Linux error numbers systemd reports when a unit file cannot be loaded. The loader keeps the
/// errno (not an exception) because systemd turns it into both the LoadError D-Bus name and the
/// strerror text that <c>systemd-analyze verify</c> prints.
/// </summary>
public enum Errno
{
    ENOENT = 2,
    ENXIO = 6,
    EIO = 5,
    ENOEXEC = 8,
    EACCES = 13,
    EISDIR = 21,
    EINVAL = 22,
    ENAMETOOLONG = 36,
    ELOOP = 40,
    EBADMSG = 74,
    EBADSLT = 57,
    ENOBUFS = 105,
}

/// <summary>strerror(3) texts (glibc) and the D-Bus error names sd-bus maps each errno to.</summary>
public static class ErrnoText
{
    /// <summary>What glibc's strerror says, which systemd prints for "%m".</summary>
    public static string Describe(this Errno errno) => errno switch
    {
        Errno.ENOENT => "No such file or directory",
        Errno.EIO => "Input/output error",
        Errno.ENOEXEC => "Exec format error",
        Errno.EACCES => "Permission denied",
        Errno.EISDIR => "Is a directory",
        Errno.EINVAL => "Invalid argument",
        Errno.ENAMETOOLONG => "File name too long",
        Errno.ELOOP => "Too many levels of symbolic links",
        Errno.EBADMSG => "Bad message",
        Errno.ENOBUFS => "No buffer space available",
        Errno.ENXIO => "No such device or address",
        Errno.EBADSLT => "Invalid slot",
        _ => $"Unknown error {(int)errno}",
    };

    /// <summary>The D-Bus error name sd_bus_error_set_errno() picks (sd-bus's errno map, else System.Error.E*).</summary>
    public static string DBusName(this Errno errno) => errno switch
    {
        Errno.ENOENT => "org.freedesktop.DBus.Error.FileNotFound",
        Errno.EIO => "org.freedesktop.DBus.Error.IOError",
        Errno.EACCES => "org.freedesktop.DBus.Error.AccessDenied",
        Errno.EINVAL => "org.freedesktop.DBus.Error.InvalidArgs",
        Errno.EBADMSG => "org.freedesktop.DBus.Error.InconsistentMessage",
        Errno.ENOBUFS => "org.freedesktop.DBus.Error.LimitsExceeded",
        _ => "System.Error." + errno.ToString(),
    };
}
