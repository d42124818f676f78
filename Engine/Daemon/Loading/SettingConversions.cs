namespace Units.Daemon.Loading;

/// <summary>Conversions shared by the mappings from unit-file settings into the core's and the execution
/// layer's models.</summary>
internal static class SettingConversions
{
    /// <summary>The member of <typeparamref name="TTo"/> named as <paramref name="value"/>: the settings model and
    /// the core/execution layer each define enums such as JobMode and ServiceRestart with systemd's member names.
    /// A value the other side lacks is a programming error, not bad input.</summary>
    public static TTo Same<TTo>(Enum value) where TTo : struct, Enum => Enum.Parse<TTo>(value.ToString());

    /// <summary>A usec_t or rlim_t value, with systemd's "infinity" (all bits set) as null.</summary>
    public static ulong? FiniteOrNull(ulong value) => value == ulong.MaxValue ? null : value;
}
