using System.Text;

namespace Units.HelpBuilder;

/// <summary>A cmdlet's help as PlatyPS markdown holds it.</summary>
internal sealed class CommandHelp
{
    public string Name { get; set; } = "";
    public string Synopsis { get; set; } = "";
    public string Description { get; set; } = "";
    public List<(string Title, string Code, string Remarks)> Examples { get; } = [];
    public List<ParameterHelp> Parameters { get; } = [];
    public List<(string Type, string Description)> Inputs { get; } = [];
    public List<(string Type, string Description)> Outputs { get; } = [];
    public string Notes { get; set; } = "";
    public List<(string Text, string Uri)> Links { get; } = [];
}

/// <summary>One parameter: its text and the yaml block PlatyPS writes under it.</summary>
internal sealed class ParameterHelp
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

    public string Field(string name) => Fields.TryGetValue(name, out var value) ? value : "";
}

/// <summary>Reads and writes help/*.md in PlatyPS's schema 2.0.0.</summary>
internal static class MarkdownHelp
{
    private const string Fence = "```";

    public static CommandHelp Parse(string text)
    {
        var help = new CommandHelp();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var i = 0;
        if (lines.Length > 0 && lines[0] == "---")
        {
            i = Array.IndexOf(lines, "---", 1) + 1;
        }
        string section = "";
        string? subsection = null;
        var buffer = new List<string>();
        ParameterHelp? parameter = null;
        string? exampleTitle = null;
        string? exampleCode = null;

        void Flush()
        {
            var content = Trim(buffer);
            buffer.Clear();
            switch (section)
            {
                case "SYNOPSIS": help.Synopsis = content; break;
                case "DESCRIPTION": help.Description = content; break;
                case "NOTES": help.Notes = content; break;
                case "EXAMPLES" when exampleTitle is not null:
                    help.Examples.Add((exampleTitle, exampleCode ?? "", content));
                    exampleTitle = null;
                    exampleCode = null;
                    break;
                case "PARAMETERS" when parameter is not null:
                    parameter.Description = content;
                    parameter = null;
                    break;
                case "INPUTS" when subsection is not null: help.Inputs.Add((subsection, content)); break;
                case "OUTPUTS" when subsection is not null: help.Outputs.Add((subsection, content)); break;
                case "RELATED LINKS":
                    foreach (var link in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var close = link.IndexOf("](", StringComparison.Ordinal);
                        if (link.StartsWith('[') && close > 0 && link.EndsWith(')'))
                        {
                            help.Links.Add((link[1..close], link[(close + 2)..^1]));
                        }
                    }
                    break;
            }
            subsection = null;
        }

        for (; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("# ", StringComparison.Ordinal) && help.Name.Length == 0)
            {
                help.Name = line[2..].Trim();
            }
            else if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line[3..].Trim();
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                var heading = line[4..].Trim();
                subsection = heading;
                if (section == "PARAMETERS" && heading.StartsWith('-'))
                {
                    parameter = new ParameterHelp { Name = heading[1..] };
                    help.Parameters.Add(parameter);
                }
                else if (section == "EXAMPLES")
                {
                    exampleTitle = heading;
                }
            }
            else if (line.StartsWith(Fence, StringComparison.Ordinal))
            {
                var language = line[3..].Trim();
                var block = new List<string>();
                for (i++; i < lines.Length && !lines[i].StartsWith(Fence, StringComparison.Ordinal); i++)
                {
                    block.Add(lines[i]);
                }
                if (section == "PARAMETERS" && language == "yaml" && parameter is not null)
                {
                    foreach (var field in block)
                    {
                        var colon = field.IndexOf(':', StringComparison.Ordinal);
                        if (colon > 0)
                        {
                            parameter.Fields[field[..colon].Trim()] = field[(colon + 1)..].Trim();
                        }
                    }
                }
                else if (section == "EXAMPLES" && exampleTitle is not null && exampleCode is null)
                {
                    exampleCode = string.Join('\n', block);
                }
                else if (section != "SYNTAX")
                {
                    buffer.Add(Fence + language);
                    buffer.AddRange(block);
                    buffer.Add(Fence);
                }
            }
            else
            {
                buffer.Add(line);
            }
        }
        Flush();
        return help;
    }

    /// <summary>The markdown of a cmdlet: structure from the assembly, text from <paramref name="text"/>.</summary>
    public static string Write(CmdletInfo cmdlet, CommandHelp text)
    {
        var output = new StringBuilder();
        output.Append("---\nexternal help file: Units.dll-Help.xml\nModule Name: Units\nonline version:\nschema: 2.0.0\n---\n\n");
        output.Append("# ").Append(cmdlet.Name).Append("\n\n## SYNOPSIS\n").Append(text.Synopsis).Append("\n\n## SYNTAX\n");
        foreach (var set in SetNames(cmdlet))
        {
            output.Append("\n### ").Append(set == "__AllParameterSets" ? "__AllParameterSets" : set)
                .Append(set == cmdlet.DefaultParameterSet ? " (Default)" : "").Append("\n```\n")
                .Append(SyntaxLine(cmdlet, set)).Append("\n```\n");
        }
        output.Append("\n## DESCRIPTION\n").Append(text.Description).Append("\n\n## EXAMPLES\n");
        foreach (var (title, code, remarks) in text.Examples)
        {
            output.Append("\n### ").Append(title).Append("\n```powershell\n").Append(code).Append("\n```\n");
            if (remarks.Length > 0)
            {
                output.Append('\n').Append(remarks).Append('\n');
            }
        }
        output.Append("\n## PARAMETERS\n");
        foreach (var parameter in AllParameters(cmdlet))
        {
            var description = text.Parameters.FirstOrDefault(help => help.Name == parameter.Name)?.Description ?? "";
            output.Append("\n### -").Append(parameter.Name).Append('\n').Append(description).Append("\n\n```yaml\n");
            foreach (var use in parameter.Sets)
            {
                output.Append("Type: ").Append(parameter.TypeName).Append('\n')
                    .Append("Parameter Sets: ").Append(use.SetName ?? "(All)").Append('\n')
                    .Append("Aliases:").Append(parameter.Aliases.Count > 0 ? " " + string.Join(", ", parameter.Aliases) : "").Append("\n\n")
                    .Append("Required: ").Append(use.Mandatory ? "True" : "False").Append('\n')
                    .Append("Position: ").Append(use.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "Named").Append('\n')
                    .Append("Default value: ").Append(DefaultValue(parameter)).Append('\n')
                    .Append("Accept pipeline input: ").Append(Pipeline(use)).Append('\n')
                    .Append("Accept wildcard characters: ").Append(parameter.SupportsWildcards ? "True" : "False").Append('\n');
                if (use != parameter.Sets[^1])
                {
                    output.Append('\n');
                }
            }
            output.Append("```\n");
        }
        output.Append("\n### CommonParameters\nThis cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).\n");
        output.Append("\n## INPUTS\n");
        foreach (var (type, description) in text.Inputs)
        {
            output.Append("\n### ").Append(type).Append('\n').Append(description).Append('\n');
        }
        output.Append("\n## OUTPUTS\n");
        foreach (var (type, description) in text.Outputs)
        {
            output.Append("\n### ").Append(type).Append('\n').Append(description).Append('\n');
        }
        output.Append("\n## NOTES\n").Append(text.Notes).Append("\n\n## RELATED LINKS\n");
        foreach (var (linkText, uri) in text.Links)
        {
            output.Append('\n').Append('[').Append(linkText).Append("](").Append(uri).Append(")\n");
        }
        return output.ToString();
    }

    /// <summary>The parameters of a cmdlet including the ShouldProcess ones PowerShell adds.</summary>
    public static IEnumerable<ParameterInfo> AllParameters(CmdletInfo cmdlet)
    {
        var parameters = cmdlet.Parameters.OrderBy(parameter => parameter.Name, StringComparer.Ordinal).ToList();
        if (cmdlet.SupportsShouldProcess)
        {
            parameters.Add(new ParameterInfo("Confirm", "SwitchParameter", ["cf"], false, [new ParameterSetUse(null, false, null, false, false)]));
            parameters.Add(new ParameterInfo("WhatIf", "SwitchParameter", ["wi"], false, [new ParameterSetUse(null, false, null, false, false)]));
        }
        return parameters;
    }

    public static IReadOnlyList<string> SetNames(CmdletInfo cmdlet)
    {
        var names = cmdlet.Parameters.SelectMany(parameter => parameter.Sets).Select(use => use.SetName).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? ["__AllParameterSets"] : names;
    }

    private static string SyntaxLine(CmdletInfo cmdlet, string set)
    {
        var parts = new List<string> { cmdlet.Name };
        var inSet = AllParameters(cmdlet)
            .Select(parameter => (Parameter: parameter, Use: parameter.Sets.FirstOrDefault(use => use.SetName == set || use.SetName is null)))
            .Where(entry => entry.Use is not null)
            .OrderBy(entry => entry.Use!.Position ?? int.MaxValue)
            .ThenBy(entry => entry.Parameter.Name is "WhatIf" or "Confirm")
            .ThenBy(entry => entry.Use!.Mandatory ? 0 : 1);
        foreach (var (parameter, use) in inSet)
        {
            var name = use!.Position is null ? "-" + parameter.Name : "[-" + parameter.Name + "]";
            var part = parameter.IsSwitch ? "-" + parameter.Name : name + " <" + parameter.TypeName + ">";
            parts.Add(use.Mandatory ? part : "[" + part + "]");
        }
        parts.Add("[<CommonParameters>]");
        return string.Join(' ', parts);
    }

    private static string DefaultValue(ParameterInfo parameter) => parameter.IsSwitch ? "False" : "None";

    private static string Pipeline(ParameterSetUse use) => (use.FromPipeline, use.FromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByPropertyName, ByValue)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    private static string Trim(List<string> lines)
    {
        var start = lines.FindIndex(line => line.Trim().Length > 0);
        var end = lines.FindLastIndex(line => line.Trim().Length > 0);
        return start < 0 ? "" : string.Join('\n', lines.Skip(start).Take(end - start + 1));
    }
}
