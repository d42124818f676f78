namespace Units.UnitFiles.Install;

/// <summary>
/// The Linux errno values install.c uses, several of them with a meaning of its own
/// (ERFKILL: masked, EADDRNOTAVAIL: transient or generated, EIDRM: destination not a template, …).
/// Internally the code returns them negated, as systemd does, so that "r &lt; 0" reads like the original.
/// </summary>
internal static class InstallErrno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int ETXTBSY = 26;
    public const int ENAMETOOLONG = 36;
    public const int ELOOP = 40;
    public const int EIDRM = 43;
    public const int ECHRNG = 44;
    public const int EUNATCH = 49;
    public const int EBADSLT = 57;
    public const int ENOLINK = 67;
    public const int EBADMSG = 74;
    public const int EBADFD = 77;
    public const int EADDRNOTAVAIL = 99;
    public const int ENOBUFS = 105;
    public const int EUCLEAN = 117;
    public const int ERFKILL = 132;

    /// <summary>glibc's strerror() text, which systemctl prints for "%m".</summary>
    public static string Describe(int errno) => errno switch
    {
        EPERM => "Operation not permitted",
        ENOENT => "No such file or directory",
        EIO => "Input/output error",
        ENXIO => "No such device or address",
        EACCES => "Permission denied",
        EEXIST => "File exists",
        EXDEV => "Invalid cross-device link",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        EINVAL => "Invalid argument",
        ENOTTY => "Inappropriate ioctl for device",
        ETXTBSY => "Text file busy",
        ENAMETOOLONG => "File name too long",
        ELOOP => "Too many levels of symbolic links",
        EIDRM => "Identifier removed",
        ECHRNG => "Channel number out of range",
        EUNATCH => "Protocol driver not attached",
        EBADSLT => "Invalid slot",
        ENOLINK => "Link has been severed",
        EBADMSG => "Bad message",
        EBADFD => "File descriptor in bad state",
        EADDRNOTAVAIL => "Cannot assign requested address",
        ENOBUFS => "No buffer space available",
        EUCLEAN => "Structure needs cleaning",
        ERFKILL => "Operation not possible due to RF-kill",
        _ => $"Unknown error {errno}",
    };

    /// <summary>The symbolic name ("ELOOP"), as sd-bus uses in System.Error.* names.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EIO => "EIO",
        ENXIO => "ENXIO",
        EACCES => "EACCES",
        EEXIST => "EEXIST",
        EXDEV => "EXDEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        ENOTTY => "ENOTTY",
        ETXTBSY => "ETXTBSY",
        ENAMETOOLONG => "ENAMETOOLONG",
        ELOOP => "ELOOP",
        EIDRM => "EIDRM",
        ECHRNG => "ECHRNG",
        EUNATCH => "EUNATCH",
        EBADSLT => "EBADSLT",
        ENOLINK => "ENOLINK",
        EBADMSG => "EBADMSG",
        EBADFD => "EBADFD",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENOBUFS => "ENOBUFS",
        EUCLEAN => "EUCLEAN",
        ERFKILL => "ERFKILL",
        _ => errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
