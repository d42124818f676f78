using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Units.Client;

/// <summary>
/// Converts between systemd's spellings ("not-found", "enabled-runtime") and the enums, and
/// between unit names and D-Bus object paths.
/// </summary>
public static class SystemdNames
{
    /// <summary>The manager's object path.</summary>
    public const string ManagerPath = "/org/freedesktop/systemd1";

    /// <summary>Parses systemd's spelling of an enum value; unknown values become the enum's default (Unknown).</summary>
    public static T Parse<T>(string? value) where T : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return default;
        }
        var table = EnumTable<T>.BySystemdName;
        return table.TryGetValue(value, out var parsed) ? parsed : default;
    }

    /// <summary>Tries to parse systemd's spelling of an enum value.</summary>
    public static bool TryParse<T>(string? value, out T parsed) where T : struct, Enum
    {
        parsed = default;
        return value is not null && EnumTable<T>.BySystemdName.TryGetValue(value, out parsed);
    }

    /// <summary>
    /// systemd's spelling of a state for display: an enum value, or the name a deserialized enum
    /// carries as text ("NotFound" -> "not-found"); empty for null.
    /// </summary>
    public static string Spell(object? value) => value switch
    {
        null => "",
        Enum state => Kebab(state.ToString()),
        _ => Kebab(value.ToString() ?? ""),
    };

    /// <summary>systemd's spelling of an enum value: StartPre -> "start-pre", EnabledRuntime -> "enabled-runtime".</summary>
    public static string ToSystemdName<T>(T value) where T : struct, Enum => EnumTable<T>.ToName(value);

    /// <summary>The unit type a name's suffix stands for.</summary>
    public static UnitType TypeOf(string unitName)
    {
        var dot = unitName.LastIndexOf('.');
        return dot < 0 ? UnitType.Unknown : Parse<UnitType>(unitName[(dot + 1)..]);
    }

    /// <summary>
    /// Completes a name typed by a user as systemctl does: a literal name without a unit-type suffix
    /// gets ".service"; names with glob characters are left for matching.
    /// </summary>
    public static string Mangle(string name)
    {
        if (WildcardMatcher.HasWildcards(name) || TypeOf(name) != UnitType.Unknown)
        {
            return name;
        }
        return name + ".service";
    }

    /// <summary>The object path of a unit: every byte outside [A-Za-z0-9] becomes _xx (bus_label_escape).</summary>
    public static string UnitPath(string unitName) => ManagerPath + "/unit/" + EscapeLabel(unitName);

    /// <summary>The object path of a job.</summary>
    public static string JobPath(uint jobId) => ManagerPath + "/job/" + jobId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes a string into one object-path element as systemd's bus_label_escape does.</summary>
    public static string EscapeLabel(string label)
    {
        if (label.Length == 0)
        {
            return "_";
        }
        var builder = new StringBuilder(label.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(label))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9'))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('_').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static string Kebab(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                builder.Append('-');
            }
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    private static class EnumTable<T> where T : struct, Enum
    {
        public static readonly Dictionary<string, T> BySystemdName = Build();
        private static readonly ConcurrentDictionary<T, string> Names = new();

        public static string ToName(T value) => Names.GetOrAdd(value, static v => Kebab(v.ToString()));


        private static Dictionary<string, T> Build()
        {
            var table = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var value in Enum.GetValues<T>())
            {
                table[Kebab(value.ToString())] = value;
            }
            return table;
        }
    }
}
