namespace Units.UnitFiles.Names;

/// <summary>Which shapes of unit name are acceptable (systemd's UnitNameFlags).</summary>
[Flags]
public enum UnitNameKinds
{
    /// <summary>"foo.service"</summary>
    Plain = 1,

    /// <summary>"foo@.service"</summary>
    Template = 2,

    /// <summary>"foo@bar.service"</summary>
    Instance = 4,

    Any = Plain | Template | Instance,
}

/// <summary>
/// A valid unit name split into its parts, following unit-name.c: the prefix (before the first '@',
/// or before the type suffix), the instance (between the first '@' and the last '.'), the type.
/// </summary>
public readonly record struct UnitName
{
    /// <summary>UNIT_NAME_MAX is 256 including the terminating NUL.</summary>
    public const int MaxLength = 255;

    private const string ValidChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\";

    private UnitName(string name, int at, int dot, UnitType type)
    {
        Name = name;
        atIndex = at;
        dotIndex = dot;
        Type = type;
    }

    private readonly int atIndex;
    private readonly int dotIndex;

    /// <summary>The full name, e.g. "getty@tty1.service".</summary>
    public string Name { get; }

    public UnitType Type { get; }

    /// <summary>"getty" in "getty@tty1.service", "foo" in "foo.service".</summary>
    public string Prefix => Name[..(atIndex >= 0 ? atIndex : dotIndex)];

    /// <summary>The instance ("tty1"), or null for plain names and templates.</summary>
    public string? Instance => atIndex >= 0 && dotIndex > atIndex + 1 ? Name[(atIndex + 1)..dotIndex] : null;

    public bool IsTemplate => atIndex >= 0 && dotIndex == atIndex + 1;

    public bool IsInstance => atIndex >= 0 && dotIndex > atIndex + 1;

    public bool IsPlain => atIndex < 0;

    public UnitNameKinds Kind => IsPlain ? UnitNameKinds.Plain : IsTemplate ? UnitNameKinds.Template : UnitNameKinds.Instance;

    /// <summary>The name without its type suffix ("getty@tty1"), systemd's %N.</summary>
    public string PrefixAndInstance => Name[..dotIndex];

    /// <summary>The template an instance (or template) belongs to, e.g. "getty@.service"; null for plain names.</summary>
    public string? Template => atIndex < 0 ? null : string.Concat(Name.AsSpan(0, atIndex + 1), Name.AsSpan(dotIndex));

    /// <summary>The type suffix with its dot, e.g. ".service".</summary>
    public string DotSuffix => Name[dotIndex..];

    public override string ToString() => Name;

    /// <summary>unit_name_is_valid().</summary>
    public static bool IsValid(string? name, UnitNameKinds kinds = UnitNameKinds.Any) => TryParse(name, kinds, out _);

    public static UnitName Parse(string name) =>
        TryParse(name, UnitNameKinds.Any, out UnitName n) ? n : throw new FormatException($"Invalid unit name: {name}");

    public static bool TryParse(string? name, out UnitName result) => TryParse(name, UnitNameKinds.Any, out result);

    public static bool TryParse(string? name, UnitNameKinds kinds, out UnitName result)
    {
        result = default;
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
            return false;
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || !UnitTypes.TryParse(name.AsSpan(dot + 1), out UnitType type))
            return false;
        ReadOnlySpan<char> body = name.AsSpan(0, dot);
        int at = body.IndexOf('@');
        if (at == 0)
            return false;
        foreach (char c in body)
        {
            if (c != '@' && !IsValidChar(c))
                return false;
        }
        var parsed = new UnitName(name, at, dot, type);
        if ((kinds & parsed.Kind) == 0)
            return false;
        result = parsed;
        return true;
    }

    /// <summary>unit_prefix_is_valid(): non-empty, only unit-name characters, no '@'.</summary>
    public static bool IsValidPrefix(ReadOnlySpan<char> prefix)
    {
        if (prefix.IsEmpty)
            return false;
        foreach (char c in prefix)
        {
            if (!IsValidChar(c))
                return false;
        }
        return true;
    }

    /// <summary>unit_instance_is_valid(): non-empty, unit-name characters and '@'.</summary>
    public static bool IsValidInstance(ReadOnlySpan<char> instance)
    {
        if (instance.IsEmpty)
            return false;
        foreach (char c in instance)
        {
            if (c != '@' && !IsValidChar(c))
                return false;
        }
        return true;
    }

    /// <summary>unit_name_replace_instance(): "foo@.service" + "bar" gives "foo@bar.service"; false if the result is invalid.</summary>
    public bool TryWithInstance(string instance, out UnitName result)
    {
        // Built before touching result: callers may pass this very variable as result.
        string? name = atIndex < 0 ? null : string.Concat(Name.AsSpan(0, atIndex + 1), instance, Name.AsSpan(dotIndex));
        result = default;
        return name is not null && TryParse(name, UnitNameKinds.Instance, out result);
    }

    /// <summary>unit_name_build(): prefix, optional instance and type.</summary>
    public static bool TryBuild(string prefix, string? instance, UnitType type, out UnitName result)
    {
        result = default;
        if (!IsValidPrefix(prefix) || (instance is not null && !IsValidInstance(instance)))
            return false;
        string name = instance is null ? $"{prefix}.{type.Suffix()}" : $"{prefix}@{instance}.{type.Suffix()}";
        return TryParse(name, out result);
    }

    internal static bool IsValidChar(char c) => c < 128 && ValidChars.Contains(c, StringComparison.Ordinal);
}
