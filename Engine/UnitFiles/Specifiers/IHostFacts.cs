namespace Units.UnitFiles.Specifiers;

/// <summary>
/// Facts about the machine and the manager's user that specifiers expand to. Behind an interface so
/// tests fix them; <see cref="HostFacts"/> reads the real ones. A fact that is unknown is null.
/// </summary>
public interface IHostFacts
{
    /// <summary>gethostname(): %H (and %l, the part before the first dot).</summary>
    string HostName { get; }

    /// <summary>PRETTY_HOSTNAME= of /etc/machine-info (%q), null when unset.</summary>
    string? PrettyHostName { get; }

    /// <summary>/etc/machine-id (%m), 32 hex digits.</summary>
    string? MachineId { get; }

    /// <summary>/proc/sys/kernel/random/boot_id without dashes (%b).</summary>
    string? BootId { get; }

    /// <summary>uname -r (%v).</summary>
    string KernelRelease { get; }

    /// <summary>systemd's architecture name (%a), e.g. "x86-64", "arm64".</summary>
    string Architecture { get; }

    /// <summary>A field of os-release(5) (ID, VERSION_ID, VARIANT_ID, BUILD_ID, IMAGE_ID, IMAGE_VERSION), null when absent.</summary>
    string? OsRelease(string field);

    /// <summary>The manager's own user: name, uid, primary group name, gid, home and shell (as get_home_dir()/get_shell() find them).</summary>
    string UserName { get; }

    uint UserId { get; }

    string GroupName { get; }

    uint GroupId { get; }

    string Home { get; }

    string Shell { get; }

    /// <summary>The manager's environment (XDG_RUNTIME_DIR, XDG_CONFIG_HOME, TMPDIR...), null when unset.</summary>
    string? Environment(string name);
}
