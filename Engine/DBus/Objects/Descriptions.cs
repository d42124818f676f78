namespace Units.DBus;

/// <summary>Who may access a property.</summary>
public enum PropertyAccess
{
    Read,
    Write,
    ReadWrite,
}

/// <summary>A method: name and in/out signatures (argument names only for introspection).</summary>
public sealed record MethodDescription(string Name, string InSignature, string OutSignature,
    IReadOnlyList<string>? InNames = null, IReadOnlyList<string>? OutNames = null);

/// <summary>A property: name, type, access, and the EmitsChangedSignal annotation value ("true", "false",
/// "const", "invalidates"; null omits it).</summary>
public sealed record PropertyDescription(string Name, string Signature, PropertyAccess Access = PropertyAccess.Read,
    string? EmitsChangedSignal = null);

/// <summary>A signal: name and signature.</summary>
public sealed record SignalDescription(string Name, string Signature, IReadOnlyList<string>? ArgNames = null);

/// <summary>What an interface offers: the dispatcher checks calls against it, and Introspect and
/// GetAll are generated from it.</summary>
public sealed class InterfaceDescription
{
    private readonly Dictionary<string, MethodDescription> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PropertyDescription> _properties = new(StringComparer.Ordinal);

    public InterfaceDescription(string name, IReadOnlyList<MethodDescription>? methods = null,
        IReadOnlyList<PropertyDescription>? properties = null, IReadOnlyList<SignalDescription>? signals = null)
    {
        if (!Names.IsValidInterfaceName(name))
            throw new ArgumentException($"'{name}' is not a valid interface name", nameof(name));
        Name = name;
        Methods = methods ?? [];
        Properties = properties ?? [];
        Signals = signals ?? [];
        foreach (MethodDescription method in Methods)
        {
            Check(method.Name, method.InSignature, method.OutSignature);
            _methods.Add(method.Name, method);
        }
        foreach (PropertyDescription property in Properties)
        {
            Check(property.Name, property.Signature);
            if (!Signature.IsSingleCompleteType(property.Signature))
                throw new ArgumentException($"property {name}.{property.Name} needs a single complete type");
            _properties.Add(property.Name, property);
        }
        foreach (SignalDescription signal in Signals)
            Check(signal.Name, signal.Signature);
    }

    public string Name { get; }
    public IReadOnlyList<MethodDescription> Methods { get; }
    public IReadOnlyList<PropertyDescription> Properties { get; }
    public IReadOnlyList<SignalDescription> Signals { get; }

    public MethodDescription? FindMethod(string name) => _methods.GetValueOrDefault(name);

    public PropertyDescription? FindProperty(string name) => _properties.GetValueOrDefault(name);

    private static void Check(string member, params string[] signatures)
    {
        if (!Names.IsValidMemberName(member))
            throw new ArgumentException($"'{member}' is not a valid member name");
        foreach (string signature in signatures)
            Signature.EnsureValid(signature);
    }
}
