namespace Units.UnitFiles.Settings.Values;

/// <summary>
/// Why a value did not parse, as the errno systemd's parsers return. systemd prints some of them
/// through "%m"; <see cref="ValueErrors.Describe"/> gives the same strerror text.
/// </summary>
public enum ValueError
{
    None,

    /// <summary>EINVAL: not in the expected syntax.</summary>
    Invalid,

    /// <summary>ERANGE: well-formed but out of range.</summary>
    OutOfRange,

    /// <summary>ENOBUFS: too many components (calendar events).</summary>
    TooLong,
}

public static class ValueErrors
{
    /// <summary>The glibc strerror() text, as systemd's "%m" prints it.</summary>
    public static string Describe(this ValueError error) => error switch
    {
        ValueError.None => "Success",
        ValueError.Invalid => "Invalid argument",
        ValueError.OutOfRange => "Numerical result out of range",
        ValueError.TooLong => "No buffer space available",
        _ => "Unknown error",
    };
}
