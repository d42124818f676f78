namespace Units.UnitFiles.Settings.Values;

/// <summary>Linux capability names and numbers, as systemd's capability_from_name reads them.</summary>
public static class Capabilities
{
    /// <summary>Every capability bit set: CapabilityBoundingSet='s "unchanged".</summary>
    public const ulong All = ulong.MaxValue;

    /// <summary>Names by number (linux/capability.h, through CAP_CHECKPOINT_RESTORE).</summary>
    private static readonly string[] Names =
    [
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill", "cap_setgid",
        "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin",
        "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
        "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
        "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write", "cap_audit_control",
        "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend",
        "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
    ];

    /// <summary>What unit_patch_contexts takes out of the bounding set for the sandboxing options that imply it:
    /// PrivateDevices= (CAP_MKNOD, CAP_SYS_RAWIO), ProtectKernelModules= (CAP_SYS_MODULE), ProtectKernelLogs=
    /// (CAP_SYSLOG), ProtectClock= (CAP_SYS_TIME, CAP_WAKE_ALARM).</summary>
    public static ulong DroppedBySandboxing(bool privateDevices, bool protectKernelModules, bool protectKernelLogs, bool protectClock)
    {
        const int CAP_SYS_MODULE = 16, CAP_SYS_RAWIO = 17, CAP_SYS_TIME = 25, CAP_MKNOD = 27, CAP_SYSLOG = 34, CAP_WAKE_ALARM = 35;
        ulong dropped = 0;
        if (privateDevices)
            dropped |= 1UL << CAP_MKNOD | 1UL << CAP_SYS_RAWIO;
        if (protectKernelModules)
            dropped |= 1UL << CAP_SYS_MODULE;
        if (protectKernelLogs)
            dropped |= 1UL << CAP_SYSLOG;
        if (protectClock)
            dropped |= 1UL << CAP_SYS_TIME | 1UL << CAP_WAKE_ALARM;
        return dropped;
    }

    /// <summary>systemd's CAP_LIMIT: numbers from here on are refused (two bits stay free for its own use).</summary>
    private const int Limit = 62;

    /// <summary>A capability by name (any case) or number below <see cref="Limit"/>; -1 when neither.</summary>
    public static int FromName(string name)
    {
        if (Numbers.ParseInt32(name, out int number) == ValueError.None)
        {
            return number is >= 0 and < Limit ? number : -1;
        }

        for (int i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>capability_set_from_string: the set named by a whitespace-separated list. Like systemd it never
    /// fails: unknown names are skipped and quoting is read relaxed.</summary>
    public static ulong ParseSet(string list)
    {
        ulong set = 0;
        int position = 0;
        while (Words.ExtractFirst(list, ref position, out string word, null, ExtractFlags.Unquote | ExtractFlags.Relax) == ExtractResult.Word)
        {
            int capability = FromName(word);
            if (capability >= 0)
            {
                set |= 1UL << capability;
            }
        }

        return set;
    }
}
