using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>
/// String-level views of <see cref="UnitName"/> for install.c's style of working on names as text (an
/// invalid name simply yields null), plus the per-type rules of unit-file.c that installation applies.
/// </summary>
internal static class NameRules
{
    /// <summary>The form of a valid name, null when invalid.</summary>
    public static UnitNameKinds? KindOf(string name) => UnitName.TryParse(name, out UnitName n) ? n.Kind : null;

    public static UnitType? TypeOf(string name) => UnitName.TryParse(name, out UnitName n) ? n.Type : null;

    /// <summary>unit_name_template(): "foo@bar.service" and "foo@.service" give "foo@.service"; null for plain or invalid names.</summary>
    public static string? TemplateOf(string name) => UnitName.TryParse(name, out UnitName n) ? n.Template : null;

    /// <summary>The instance of an instance name; null for templates, plain and invalid names.</summary>
    public static string? InstanceOf(string name) => UnitName.TryParse(name, out UnitName n) ? n.Instance : null;

    public static string PrefixOf(string name) => UnitName.Parse(name).Prefix;

    /// <summary>unit_name_replace_instance(); null when the name has no '@' or the result is invalid.</summary>
    public static string? WithInstance(string name, string instance) =>
        UnitName.TryParse(name, out UnitName n) && n.TryWithInstance(instance, out UnitName result) ? result.Name : null;

    /// <summary>unit_type_may_alias(): only these types accept Alias= and alias symlinks.</summary>
    public static bool MayAlias(UnitType type) =>
        type is UnitType.Service or UnitType.Socket or UnitType.Target or UnitType.Device or UnitType.Timer or UnitType.Path;

    /// <summary>unit_type_may_template().</summary>
    public static bool MayTemplate(UnitType type) =>
        type is UnitType.Service or UnitType.Socket or UnitType.Target or UnitType.Timer or UnitType.Path;
}
