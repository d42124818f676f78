namespace Units.UnitFiles.Install;

/// <summary>Which forms of a unit name a check accepts (systemd's UnitNameFlags).</summary>
[Flags]
internal enum NameKinds
{
    None = 0,
    Plain = 1,
    Instance = 2,
    Template = 4,
    Any = Plain | Instance | Template,
}

/// <summary>
/// The unit-name rules installation needs (unit-name.c): validity by form, template and instance parts,
/// and which unit types may be aliased or templated (unit-file.c).
/// </summary>
internal static class InstallNames
{
    /// <summary>systemd's UNIT_NAME_MAX: a name must be shorter than this.</summary>
    public const int MaxLength = 256;

    private static readonly string[] Suffixes =
        ["service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope"];

    private static bool IsValidChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or ':' or '-' or '_' or '.' or '\\';

    public static bool IsValid(string? name, NameKinds kinds) => Classify(name) is var k && k != NameKinds.None && (kinds & k) != 0;

    /// <summary>The form of a valid name (Plain, Instance or Template), None when the name is invalid.</summary>
    public static NameKinds Classify(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length >= MaxLength)
            return NameKinds.None;
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || TypeOf(name) is null)
            return NameKinds.None;
        int at = -1;
        for (int i = 0; i < dot; i++)
        {
            char c = name[i];
            if (c == '@')
            {
                if (at < 0)
                    at = i;
                continue;
            }
            if (!IsValidChar(c))
                return NameKinds.None;
        }
        if (at == 0)
            return NameKinds.None;
        if (at < 0)
            return NameKinds.Plain;
        return dot > at + 1 ? NameKinds.Instance : NameKinds.Template;
    }

    /// <summary>The type named by the suffix, or null when the suffix is no unit type.</summary>
    public static Names.UnitType? TypeOf(string name)
    {
        int dot = name.LastIndexOf('.');
        if (dot < 0)
            return null;
        int index = Array.IndexOf(Suffixes, name[(dot + 1)..]);
        return index < 0 ? null : (Names.UnitType)index;
    }

    /// <summary>"foo@bar.service" and "foo@.service" give "foo@.service"; null for a name without '@'.</summary>
    public static string? Template(string name)
    {
        if (Classify(name) is not (NameKinds.Instance or NameKinds.Template))
            return null;
        int at = name.IndexOf('@');
        int dot = name.LastIndexOf('.');
        return string.Concat(name.AsSpan(0, at + 1), name.AsSpan(dot));
    }

    /// <summary>The instance part ("" for a template), null for a plain or invalid name.</summary>
    public static string? Instance(string name)
    {
        if (Classify(name) is not (NameKinds.Instance or NameKinds.Template))
            return null;
        int at = name.IndexOf('@');
        int dot = name.LastIndexOf('.');
        return name[(at + 1)..dot];
    }

    /// <summary>The prefix: everything before '@', or before the suffix for a plain name.</summary>
    public static string Prefix(string name)
    {
        int at = name.IndexOf('@');
        return at >= 0 ? name[..at] : name[..name.LastIndexOf('.')];
    }

    /// <summary>"foo@.service" or "foo@x.service" with <paramref name="instance"/> put in; null when that is not a valid instance name.</summary>
    public static string? ReplaceInstance(string name, string instance)
    {
        if (Template(name) is not { } template)
            return null;
        int at = template.IndexOf('@');
        string result = string.Concat(template.AsSpan(0, at + 1), instance, template.AsSpan(at + 1));
        return Classify(result) == NameKinds.Instance ? result : null;
    }

    public static bool InstanceIsValid(string? instance) =>
        !string.IsNullOrEmpty(instance) && instance.All(c => c == '@' || IsValidChar(c));

    /// <summary>Types whose units may carry aliases (unit_type_may_alias).</summary>
    public static bool TypeMayAlias(Names.UnitType type) =>
        type is Names.UnitType.Service or Names.UnitType.Socket or Names.UnitType.Target or Names.UnitType.Device
            or Names.UnitType.Timer or Names.UnitType.Path;

    /// <summary>Types that may be templated (unit_type_may_template).</summary>
    public static bool TypeMayTemplate(Names.UnitType type) =>
        type is Names.UnitType.Service or Names.UnitType.Socket or Names.UnitType.Target or Names.UnitType.Timer
            or Names.UnitType.Path;

    public static string TypeName(Names.UnitType type) => Suffixes[(int)type];
}
