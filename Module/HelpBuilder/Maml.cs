using System.Xml.Linq;

namespace Units.HelpBuilder;

/// <summary>Writes the MAML help file (Units.dll-Help.xml) that Get-Help reads for a binary module.</summary>
internal static class Maml
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Build(IEnumerable<CommandHelp> commands) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", MamlNs),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                commands.Select(CommandElement)));

    private static XElement CommandElement(CommandHelp help)
    {
        var dash = help.Name.IndexOf('-', StringComparison.Ordinal);
        var sets = help.Parameters
            .SelectMany(parameter => SetsOf(parameter).Select(set => (Set: set, Parameter: parameter)))
            .ToList();
        var setNames = sets.Select(entry => entry.Set).Where(set => set != "(All)").Distinct().Order(StringComparer.Ordinal).ToList();
        if (setNames.Count == 0)
        {
            setNames.Add("(All)");
        }
        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", help.Name),
                new XElement(Command + "verb", help.Name[..dash]),
                new XElement(Command + "noun", help.Name[(dash + 1)..]),
                Description(help.Synopsis)),
            Description(help.Description),
            new XElement(Command + "syntax", setNames.Select(set => new XElement(Command + "syntaxItem",
                new XElement(MamlNs + "name", help.Name),
                help.Parameters.Where(parameter => SetsOf(parameter).Contains(set) || SetsOf(parameter).Contains("(All)")).Select(ParameterElement)))),
            new XElement(Command + "parameters", help.Parameters.Select(ParameterElement)),
            new XElement(Command + "inputTypes", help.Inputs.Select(input => new XElement(Command + "inputType", TypeElement(input.Type), Description(input.Description)))),
            new XElement(Command + "returnValues", help.Outputs.Select(output => new XElement(Command + "returnValue", TypeElement(output.Type), Description(output.Description)))),
            new XElement(MamlNs + "alertSet", new XElement(MamlNs + "alert", Paragraphs(help.Notes))),
            new XElement(Command + "examples", help.Examples.Select(example => new XElement(Command + "example",
                new XElement(MamlNs + "title", "--- " + example.Title + " ---"),
                new XElement(Dev + "code", example.Code),
                new XElement(Dev + "remarks", Paragraphs(example.Remarks))))),
            new XElement(Command + "relatedLinks", help.Links.Select(link => new XElement(MamlNs + "navigationLink",
                new XElement(MamlNs + "linkText", link.Text), new XElement(MamlNs + "uri", link.Uri)))));
    }

    private static IEnumerable<string> SetsOf(ParameterHelp parameter) =>
        parameter.Field("Parameter Sets").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static XElement ParameterElement(ParameterHelp parameter)
    {
        var type = parameter.Field("Type");
        var aliases = parameter.Field("Aliases");
        return new XElement(Command + "parameter",
            new XAttribute("required", parameter.Field("Required").Equals("True", StringComparison.OrdinalIgnoreCase) ? "true" : "false"),
            new XAttribute("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", parameter.Field("Accept wildcard characters").Equals("True", StringComparison.OrdinalIgnoreCase) ? "true" : "false"),
            new XAttribute("pipelineInput", parameter.Field("Accept pipeline input") is { Length: > 0 } pipeline ? pipeline : "False"),
            new XAttribute("position", parameter.Field("Position") is { Length: > 0 } position ? position.ToLowerInvariant() : "named"),
            new XAttribute("aliases", aliases.Length > 0 ? aliases : "none"),
            new XElement(MamlNs + "name", parameter.Name),
            Description(parameter.Description),
            type == "SwitchParameter" ? null : new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), type),
            TypeElement(type),
            new XElement(Dev + "defaultValue", parameter.Field("Default value") is { Length: > 0 } value ? value : "None"));
    }

    private static XElement TypeElement(string type) => new(Dev + "type", new XElement(MamlNs + "name", type), new XElement(MamlNs + "uri"));

    private static XElement Description(string text) => new(MamlNs + "description", Paragraphs(text));

    // Paragraphs are separated by blank lines, as in the markdown.
    private static IEnumerable<XElement> Paragraphs(string text) =>
        text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(paragraph => new XElement(MamlNs + "para", paragraph));
}
