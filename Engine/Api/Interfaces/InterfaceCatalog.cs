using System.Collections.Frozen;
using System.Xml;
using Units.DBus;

namespace Units.Api.Interfaces;

/// <summary>The org.freedesktop.systemd1 interfaces exactly as systemd 252 introspects them, read once
/// from the embedded definitions in Interfaces/*.xml.</summary>
public static class InterfaceCatalog
{
    public const string Manager = "org.freedesktop.systemd1.Manager";
    public const string Unit = "org.freedesktop.systemd1.Unit";
    public const string Job = "org.freedesktop.systemd1.Job";

    private static readonly Lazy<FrozenDictionary<string, InterfaceDescription>> s_all = new(LoadAll);

    /// <summary>Every interface, by name.</summary>
    public static FrozenDictionary<string, InterfaceDescription> All => s_all.Value;

    /// <summary>The description of <paramref name="name"/>, e.g. "org.freedesktop.systemd1.Service".</summary>
    public static InterfaceDescription Get(string name)
        => All.TryGetValue(name, out InterfaceDescription? description)
            ? description
            : throw new ArgumentException($"no interface definition for {name}", nameof(name));

    /// <summary>The type-specific interface of a unit type ("service" → org.freedesktop.systemd1.Service).</summary>
    public static InterfaceDescription ForUnitType(string unitTypeSuffix)
        => Get("org.freedesktop.systemd1." + char.ToUpperInvariant(unitTypeSuffix[0]) + unitTypeSuffix[1..]);

    private static FrozenDictionary<string, InterfaceDescription> LoadAll()
    {
        var all = new Dictionary<string, InterfaceDescription>(StringComparer.Ordinal);
        var assembly = typeof(InterfaceCatalog).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("org.freedesktop.systemd1.", StringComparison.Ordinal) || !resource.EndsWith(".xml", StringComparison.Ordinal))
                continue;
            using Stream stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
            InterfaceDescription description = Parse(stream);
            all.Add(description.Name, description);
        }
        return all.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Reads one &lt;interface&gt; element of the introspection format.</summary>
    internal static InterfaceDescription Parse(Stream xml)
    {
        using XmlReader reader = XmlReader.Create(xml, new XmlReaderSettings { IgnoreComments = true, IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit });
        reader.MoveToContent();
        string name = reader.GetAttribute("name") ?? throw new FormatException("interface without a name");
        var methods = new List<MethodDescription>();
        var properties = new List<PropertyDescription>();
        var signals = new List<SignalDescription>();
        if (reader.IsEmptyElement)
            return new InterfaceDescription(name);
        reader.Read();
        while (reader.NodeType == XmlNodeType.Element)
        {
            string member = reader.GetAttribute("name") ?? throw new FormatException($"{name}: a {reader.LocalName} without a name");
            switch (reader.LocalName)
            {
                case "method":
                    ReadArguments(reader, out var inSignature, out var inNames, out var outSignature, out var outNames, out _);
                    methods.Add(new MethodDescription(member, inSignature, outSignature, inNames, outNames));
                    break;
                case "signal":
                    ReadArguments(reader, out var signature, out var argNames, out _, out _, out _);
                    signals.Add(new SignalDescription(member, signature, argNames));
                    break;
                case "property":
                    string type = reader.GetAttribute("type") ?? throw new FormatException($"{name}.{member}: property without a type");
                    PropertyAccess access = reader.GetAttribute("access") switch
                    {
                        "readwrite" => PropertyAccess.ReadWrite,
                        "write" => PropertyAccess.Write,
                        _ => PropertyAccess.Read,
                    };
                    ReadArguments(reader, out _, out _, out _, out _, out string? emits);
                    properties.Add(new PropertyDescription(member, type, access, emits));
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return new InterfaceDescription(name, methods, properties, signals);
    }

    /// <summary>Reads the children of a method, signal or property element (args and annotations) and
    /// leaves the reader on the next sibling.</summary>
    private static void ReadArguments(XmlReader reader, out string inSignature, out List<string> inNames,
        out string outSignature, out List<string> outNames, out string? emitsChangedSignal)
    {
        inSignature = outSignature = "";
        inNames = [];
        outNames = [];
        emitsChangedSignal = null;
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return;
        }
        int depth = reader.Depth;
        reader.Read();
        while (reader.Depth > depth)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "arg")
            {
                string type = reader.GetAttribute("type") ?? "";
                string argName = reader.GetAttribute("name") ?? "";
                if (reader.GetAttribute("direction") == "out")
                {
                    outSignature += type;
                    outNames.Add(argName);
                }
                else
                {
                    inSignature += type;
                    inNames.Add(argName);
                }
            }
            else if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "annotation"
                     && reader.GetAttribute("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal")
            {
                emitsChangedSignal = reader.GetAttribute("value");
            }
            reader.Read();
        }
        if (reader.NodeType == XmlNodeType.EndElement)
            reader.Read();
    }
}
