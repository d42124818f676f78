using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Units.HelpBuilder;

namespace Units.Client.Tests;

/// <summary>
/// The module as shipped: the manifest against the cmdlets Units.dll defines, the views against
/// the types they format, the help against every cmdlet and parameter, and the module folder.
/// </summary>
public sealed class ModuleTests
{
    private static readonly string Root = FindRoot();
    private static readonly string ModuleDirectory = Directory.GetDirectories(Path.Combine(Root, "out", "Units")).OrderDescending(StringComparer.Ordinal).First();
    private static readonly IReadOnlyList<CmdletInfo> Cmdlets = CmdletMetadata.Read(Path.Combine(ModuleDirectory, "Units.dll"));
    private static readonly Assembly ClientAssembly = typeof(Unit).Assembly;

    // PowerShell's approved verbs (Get-Verb, PowerShell 7.4).
    private static readonly HashSet<string> ApprovedVerbs =
    [
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New", "Open",
        "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set", "Show", "Skip",
        "Split", "Step", "Switch", "Undo", "Unlock", "Watch", "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit", "Expand",
        "Export", "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore", "Save", "Sync",
        "Unpublish", "Update", "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace", "Approve", "Assert", "Build",
        "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke", "Register", "Request", "Restart",
        "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait", "Block", "Grant", "Protect",
        "Revoke", "Unblock", "Unprotect", "Use",
    ];

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Units.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (Units.slnx) above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void The_module_defines_the_cmdlets_with_approved_verbs_on_sealed_classes()
    {
        Assert.True(Cmdlets.Count >= 24, $"only {Cmdlets.Count} cmdlets found");
        Assert.All(Cmdlets, cmdlet => Assert.Contains(cmdlet.Verb, ApprovedVerbs));
        Assert.All(Cmdlets, cmdlet => Assert.True(cmdlet.IsSealed, cmdlet.TypeName + " is not sealed"));
        Assert.Contains(Cmdlets, cmdlet => cmdlet.Name == "Get-Unit");
    }

    // The common parameters PowerShell adds to every cmdlet, with their aliases.
    private static readonly HashSet<string> CommonParameterNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa",
        "ProgressAction", "proga", "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv",
        "OutVariable", "ov", "OutBuffer", "ob", "PipelineVariable", "pv", "WhatIf", "wi", "Confirm", "cf",
    };

    [Fact]
    public void Parameter_metadata_is_what_PowerShell_accepts()
    {
        // PowerShell rejects these only when the command is first used (a MetadataException); with no
        // PowerShell here, they are checked on the metadata.
        foreach (var cmdlet in Cmdlets)
        {
            var names = cmdlet.Parameters.SelectMany(parameter => parameter.Aliases.Prepend(parameter.Name)).ToList();
            Assert.True(names.Count == names.Distinct(StringComparer.OrdinalIgnoreCase).Count(), $"{cmdlet.Name}: a parameter name or alias is used twice");
            Assert.DoesNotContain(names, CommonParameterNames.Contains);
            var sets = MarkdownHelp.SetNames(cmdlet);
            if (cmdlet.DefaultParameterSet is { } defaultSet)
            {
                Assert.True(sets.Contains(defaultSet), $"{cmdlet.Name}: the default parameter set {defaultSet} has no parameters");
            }
            foreach (var set in sets)
            {
                var uses = cmdlet.Parameters.SelectMany(parameter => parameter.Sets.Where(use => use.SetName is null || use.SetName == set)).ToList();
                var positions = uses.Select(use => use.Position).OfType<int>().ToList();
                Assert.True(positions.Count == positions.Distinct().Count(), $"{cmdlet.Name} ({set}): two parameters share a position");
            }
            Assert.All(cmdlet.Parameters, parameter => Assert.True(parameter.Sets.Count == parameter.Sets.Select(use => use.SetName).Distinct().Count(), $"{cmdlet.Name} -{parameter.Name}: a parameter set is named twice"));
        }
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_the_assembly_defines()
    {
        var manifest = File.ReadAllText(Path.Combine(ModuleDirectory, "Units.psd1"));
        var block = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((?<names>[^)]*)\)").Groups["names"].Value;
        var exported = Regex.Matches(block, "'([^']+)'").Select(match => match.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(Cmdlets.Select(cmdlet => cmdlet.Name).Order(StringComparer.Ordinal), exported);
    }

    [Fact]
    public void The_manifest_declares_the_module_as_the_gallery_expects_with_the_built_version()
    {
        var manifest = File.ReadAllText(Path.Combine(ModuleDirectory, "Units.psd1"));
        Assert.Matches(@"RootModule\s*=\s*'Units\.dll'", manifest);
        Assert.Matches(@"PowerShellVersion\s*=\s*'7\.4'", manifest);
        Assert.Matches(@"CompatiblePSEditions\s*=\s*@\('Core'\)", manifest);
        Assert.Matches(@"ModuleVersion\s*=\s*'" + Regex.Escape(Path.GetFileName(ModuleDirectory)) + "'", manifest);
        Assert.Matches(@"FormatsToProcess\s*=\s*@\('Formats/Units\.format\.ps1xml'\)", manifest);
        Assert.Matches(@"TypesToProcess\s*=\s*@\('Formats/Units\.types\.ps1xml'\)", manifest);
        Assert.Matches(@"Tags\s*=", manifest);
        Assert.Matches(@"ProjectUri\s*=\s*'https://", manifest);
        Assert.Matches(@"LicenseUri\s*=\s*'https://", manifest);
    }

    [Fact]
    public void The_module_folder_holds_the_assemblies_manifest_formats_and_help_and_not_PowerShell_itself()
    {
        var files = Directory.GetFiles(ModuleDirectory, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(ModuleDirectory, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(
            ["Formats/Units.format.ps1xml", "Formats/Units.types.ps1xml", "Units.Client.dll", "Units.DBus.dll", "Units.dll", "Units.psd1", "en-US/Units.dll-Help.xml", "en-US/about_Units.help.txt"],
            files);
    }

    public static TheoryData<string> Views() => new(XDocument.Load(Path.Combine(Root, "Formats", "Units.format.ps1xml")).Descendants("View").Select(view => (string)view.Element("Name")! + "/" + view.Elements().ElementAt(1).Elements("TypeName").First().Value + "/" + view.Elements().ElementAt(2).Name.LocalName));

    [Theory]
    [MemberData(nameof(Views))]
    public void Every_view_names_properties_its_types_really_have_and_serves_deserialized_objects(string viewKey)
    {
        var view = XDocument.Load(Path.Combine(Root, "Formats", "Units.format.ps1xml")).Descendants("View")
            .Single(candidate => (string)candidate.Element("Name")! + "/" + candidate.Elements().ElementAt(1).Elements("TypeName").First().Value + "/" + candidate.Elements().ElementAt(2).Name.LocalName == viewKey);
        var typeNames = view.Element("ViewSelectedBy")!.Elements("TypeName").Select(element => element.Value).ToList();
        foreach (var live in typeNames.Where(name => !name.StartsWith("Deserialized.", StringComparison.Ordinal)))
        {
            Assert.Contains("Deserialized." + live, typeNames);
        }
        foreach (var typeName in typeNames)
        {
            var type = ClientAssembly.GetType(typeName.Replace("Deserialized.", "", StringComparison.Ordinal), throwOnError: true)!;
            var members = MemberNames(type);
            foreach (var property in view.Descendants("PropertyName").Select(element => element.Value))
            {
                Assert.True(members.Contains(property), $"view {viewKey} names {property}, which {type.Name} does not have");
            }
            foreach (var script in view.Descendants("ScriptBlock").Select(element => element.Value))
            {
                foreach (Match reference in Regex.Matches(script, @"\$(?:_|unit)\.(\w+)"))
                {
                    Assert.True(members.Contains(reference.Groups[1].Value), $"view {viewKey} uses {reference.Value}, which {type.Name} does not have");
                }
            }
        }
    }

    [Fact]
    public void Type_data_aliases_and_default_properties_name_real_properties()
    {
        var types = XDocument.Load(Path.Combine(Root, "Formats", "Units.types.ps1xml")).Descendants("Type").ToList();
        Assert.Contains(types, type => (string)type.Element("Name")! == "Deserialized.Units.Client.Unit");
        foreach (var type in types)
        {
            var clrType = ClientAssembly.GetType(((string)type.Element("Name")!).Replace("Deserialized.", "", StringComparison.Ordinal), throwOnError: true)!;
            var members = MemberNames(clrType);
            foreach (var alias in type.Descendants("AliasProperty"))
            {
                Assert.Contains((string)alias.Element("ReferencedMemberName")!, members);
            }
            foreach (var name in type.Descendants("ReferencedProperties").Elements("Name"))
            {
                Assert.Contains(name.Value, members);
            }
        }
        var unitAliases = types.First(type => (string)type.Element("Name")! == "Units.Client.Unit").Descendants("AliasProperty")
            .ToDictionary(alias => (string)alias.Element("Name")!, alias => (string)alias.Element("ReferencedMemberName")!);
        Assert.Equal(new Dictionary<string, string> { ["Active"] = "ActiveState", ["Load"] = "LoadState", ["Sub"] = "SubState" }, unitAliases);
    }

    [Fact]
    public void Every_cmdlet_and_parameter_has_help_with_synopsis_description_and_examples()
    {
        foreach (var cmdlet in Cmdlets)
        {
            var path = Path.Combine(Root, "help", cmdlet.Name + ".md");
            Assert.True(File.Exists(path), "no help for " + cmdlet.Name);
            var help = MarkdownHelp.Parse(File.ReadAllText(path));
            Assert.Equal(cmdlet.Name, help.Name);
            Assert.False(string.IsNullOrWhiteSpace(help.Synopsis), cmdlet.Name + " has no synopsis");
            Assert.False(string.IsNullOrWhiteSpace(help.Description), cmdlet.Name + " has no description");
            Assert.NotEmpty(help.Examples);
            foreach (var parameter in MarkdownHelp.AllParameters(cmdlet))
            {
                var parameterHelp = help.Parameters.SingleOrDefault(candidate => candidate.Name == parameter.Name);
                Assert.True(parameterHelp is not null, $"{cmdlet.Name} -{parameter.Name} has no help");
                Assert.False(string.IsNullOrWhiteSpace(parameterHelp.Description), $"{cmdlet.Name} -{parameter.Name} has no description");
                Assert.Equal(parameter.TypeName, parameterHelp.Field("Type"));
            }
            Assert.Equal(MarkdownHelp.AllParameters(cmdlet).Count(), help.Parameters.Count);
        }
        Assert.True(File.Exists(Path.Combine(Root, "help", "about_Units.md")));
    }

    [Fact]
    public void The_help_markdown_is_current_with_the_assembly()
    {
        // What "HelpBuilder markdown" would write (syntax and parameter blocks from the assembly,
        // text from the file) is the file itself: no parameter was added, renamed or retyped since.
        foreach (var cmdlet in Cmdlets)
        {
            var text = File.ReadAllText(Path.Combine(Root, "help", cmdlet.Name + ".md"));
            Assert.Equal(text, MarkdownHelp.Write(cmdlet, MarkdownHelp.Parse(text)));
        }
    }

    [Fact]
    public void The_pipeline_example_is_documented()
    {
        var examples = Cmdlets.SelectMany(cmdlet => MarkdownHelp.Parse(File.ReadAllText(Path.Combine(Root, "help", cmdlet.Name + ".md"))).Examples);
        Assert.Contains(examples, example => example.Code == "Get-Unit | Where Active -eq failed | Restart-Unit");
    }

    [Fact]
    public void The_generated_MAML_is_well_formed_and_complete()
    {
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        XNamespace maml = "http://schemas.microsoft.com/maml/2004/10";
        var document = XDocument.Load(Path.Combine(ModuleDirectory, "en-US", "Units.dll-Help.xml"));
        Assert.Equal("helpItems", document.Root!.Name.LocalName);
        var commands = document.Root.Elements(command + "command").ToDictionary(element => element.Element(command + "details")!.Element(command + "name")!.Value);
        Assert.Equal(Cmdlets.Select(cmdlet => cmdlet.Name).Order(StringComparer.Ordinal), commands.Keys.Order(StringComparer.Ordinal));
        foreach (var cmdlet in Cmdlets)
        {
            var element = commands[cmdlet.Name];
            Assert.Equal(cmdlet.Verb, element.Element(command + "details")!.Element(command + "verb")!.Value);
            Assert.NotEmpty(element.Element(command + "details")!.Element(maml + "description")!.Elements(maml + "para"));
            var parameters = element.Element(command + "parameters")!.Elements(command + "parameter").Select(parameter => parameter.Element(maml + "name")!.Value);
            Assert.Equal(MarkdownHelp.AllParameters(cmdlet).Select(parameter => parameter.Name).Order(StringComparer.Ordinal), parameters.Order(StringComparer.Ordinal));
            Assert.Equal(MarkdownHelp.SetNames(cmdlet).Count, element.Element(command + "syntax")!.Elements(command + "syntaxItem").Count());
            Assert.NotEmpty(element.Element(command + "examples")!.Elements(command + "example"));
        }
    }

    // PSObject is the intrinsic member PowerShell adds to every object.
    private static HashSet<string> MemberNames(Type type) =>
        type.GetProperties().Select(property => property.Name)
            .Append("PSObject")
            .Concat(type.GetMethods().Select(method => method.Name))
            .ToHashSet(StringComparer.Ordinal);
}
