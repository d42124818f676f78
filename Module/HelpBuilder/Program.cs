using Units.HelpBuilder;

// HelpBuilder maml <help directory> <output file>
//   help/*.md (except about_*.md, which ship as text) -> MAML for Get-Help.
// HelpBuilder markdown <Units.dll> <help directory>
//   writes or refreshes help/<cmdlet>.md from the assembly: syntax and parameter blocks from the
//   cmdlets' attributes, text kept from the existing file (what PlatyPS's Update-MarkdownHelp does).
if (args is ["maml", var helpDirectory, var output])
{
    var commands = Directory.GetFiles(helpDirectory, "*-*.md")
        .Order(StringComparer.Ordinal)
        .Select(path => MarkdownHelp.Parse(File.ReadAllText(path)))
        .ToList();
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    Maml.Build(commands).Save(output);
    Console.WriteLine($"HelpBuilder: {commands.Count} commands -> {output}");
    return 0;
}
if (args is ["markdown", var assembly, var directory])
{
    foreach (var cmdlet in CmdletMetadata.Read(assembly))
    {
        var path = Path.Combine(directory, cmdlet.Name + ".md");
        var text = File.Exists(path) ? MarkdownHelp.Parse(File.ReadAllText(path)) : new CommandHelp();
        File.WriteAllText(path, MarkdownHelp.Write(cmdlet, text));
    }
    return 0;
}
Console.Error.WriteLine("usage: HelpBuilder maml <help directory> <output.xml> | markdown <Units.dll> <help directory>");
return 2;
