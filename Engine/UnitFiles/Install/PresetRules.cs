using System.Text;
using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>
/// The preset policy of a scope, read from *.preset files as systemd.preset(5) describes: files from
/// /etc, /run, /usr/local/lib, /usr/lib and /lib (systemd/system-preset or systemd/user-preset), a file in
/// an earlier directory hiding one of the same name later, all of them applied in lexical order of their
/// names; inside, "enable PATTERN [INSTANCE…]" and "disable PATTERN" lines, the first matching line
/// deciding. A unit no line matches is enabled.
/// </summary>
public sealed class PresetRules
{
    private readonly IReadOnlyList<PresetRule> rules;

    private PresetRules(IReadOnlyList<PresetRule> rules) => this.rules = rules;

    /// <summary>One line: a glob over unit names, whether it enables, and for "enable foo@.service a b" the instances.</summary>
    internal sealed record PresetRule(string Pattern, bool Enable, IReadOnlyList<string>? Instances);

    internal IReadOnlyList<PresetRule> Rules => rules;

    /// <summary>
    /// Reads the preset files of <paramref name="scope"/> below <paramref name="rootDirectory"/> (null for "/").
    /// Lines that cannot be parsed are reported into <paramref name="diagnostics"/> ("Couldn't parse line '…'. Ignoring.") and skipped.
    /// </summary>
    public static PresetRules Load(InstallScope scope, string? rootDirectory, DiagnosticBag? diagnostics = null)
    {
        string kind = scope == InstallScope.System ? "system-preset" : "user-preset";
        var dirs = new List<string> { "/etc/systemd/" + kind, "/run/systemd/" + kind, "/usr/local/lib/systemd/" + kind, "/usr/lib/systemd/" + kind };
        if (scope == InstallScope.System)
            dirs.Add("/lib/systemd/" + kind);
        var rules = new List<PresetRule>();
        foreach (string file in ConfigFiles.List(dirs, ".preset", rootDirectory))
        {
            string text;
            try
            {
                text = File.ReadAllText(file, Encoding.UTF8);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            Parse(file, text, rules, diagnostics);
        }
        return new PresetRules(rules);
    }

    /// <summary>Parses preset text (one file's content) into a rule set, for callers that hold the text already.</summary>
    public static PresetRules Parse(string path, string text, DiagnosticBag? diagnostics = null)
    {
        var rules = new List<PresetRule>();
        Parse(path, text, rules, diagnostics);
        return new PresetRules(rules);
    }

    private static void Parse(string path, string text, List<PresetRule> rules, DiagnosticBag? diagnostics)
    {
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            if (n == lines.Length - 1 && lines[n].Length == 0)
                break;
            string l = lines[n].Trim(' ', '\t', '\n', '\r');
            if (l.Length == 0 || l[0] is '#' or ';')
                continue;
            PresetRule? rule = null;
            if (FirstWord(l, "enable") is { } enableArgs)
            {
                if (SplitNameAndInstances(enableArgs) is { } parsed)
                    rule = new PresetRule(parsed.Name, true, parsed.Instances);
                else
                {
                    diagnostics?.Warn(path, n + 1, $"Couldn't parse line '{lines[n].TrimEnd('\r')}'. Ignoring.");
                    continue;
                }
            }
            if (FirstWord(l, "disable") is { } disableArgs)
                rule = new PresetRule(disableArgs, false, null);
            if (rule is not null)
                rules.Add(rule);
            else
                diagnostics?.Warn(path, n + 1, $"Couldn't parse line '{lines[n].TrimEnd('\r')}'. Ignoring.");
        }
    }

    /// <summary>first_word(): the text after <paramref name="word"/> and the blanks that follow it, if the line starts with that word.</summary>
    private static string? FirstWord(string line, string word)
    {
        if (!line.StartsWith(word, StringComparison.Ordinal))
            return null;
        string rest = line[word.Length..];
        if (rest.Length == 0)
            return rest;
        if (rest[0] is not (' ' or '\t' or '\n' or '\r'))
            return null;
        return rest.TrimStart(' ', '\t', '\n', '\r');
    }

    private static (string Name, IReadOnlyList<string>? Instances)? SplitNameAndInstances(string args)
    {
        int end = args.IndexOfAny([' ', '\t', '\n', '\r']);
        if (end < 0)
            return args.Length == 0 ? null : (args, null);
        string name = args[..end];
        string rest = args[end..].TrimStart(' ', '\t', '\n', '\r');
        if (rest.Length == 0)
            return (name, null);
        if (!UnitName.IsValid(name, UnitNameKinds.Template))
            return null;
        return (name, rest.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Whether the preset policy enables <paramref name="name"/> (query_presets). For a template named by an
    /// "enable foo@.service a b" line, <paramref name="instances"/> receives the instances to enable instead.
    /// </summary>
    public bool IsEnabled(string name, out IReadOnlyList<string>? instances)
    {
        instances = null;
        foreach (PresetRule rule in rules)
        {
            if (MatchesInstances(rule, name, ref instances) || Glob.IsMatch(rule.Pattern, name))
                return rule.Enable;
        }
        return true;
    }

    /// <summary>Whether the preset policy enables <paramref name="name"/>, ignoring instance lists (unit_file_query_preset).</summary>
    public bool IsEnabled(string name)
    {
        foreach (PresetRule rule in rules)
            if (Glob.IsMatch(rule.Pattern, name))
                return rule.Enable;
        return true;
    }

    private static bool MatchesInstances(PresetRule rule, string name, ref IReadOnlyList<string>? instances)
    {
        if (rule.Instances is null || NameRules.TemplateOf(name) is not { } template || template != rule.Pattern)
            return false;
        if (UnitName.IsValid(name, UnitNameKinds.Template))
        {
            instances = rule.Instances.Select(i => NameRules.WithInstance(name, i)).OfType<string>().ToList();
            return true;
        }
        return rule.Instances.Contains(NameRules.InstanceOf(name));
    }
}

/// <summary>
/// conf_files_list(): the files with <c>suffix</c> in a cascade of directories (earlier ones win for the
/// same file name; a name masked by an empty file or a symlink to /dev/null is dropped), sorted by name.
/// </summary>
internal static class ConfigFiles
{
    public static IReadOnlyList<string> List(IEnumerable<string> directories, string suffix, string? root)
    {
        var byName = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string dir in directories)
        {
            string full = root is null ? dir : InstallFileSystem.Join(root, dir);
            foreach (DirEntry e in InstallFileSystem.ReadDirectory(full))
            {
                if (e.Kind is not (FileKind.Regular or FileKind.Symlink) || !e.Name.EndsWith(suffix, StringComparison.Ordinal) || e.Name.StartsWith('.') || byName.ContainsKey(e.Name))
                    continue;
                string path = InstallFileSystem.Join(full, e.Name);
                byName[e.Name] = IsMasked(path) ? null : path;
            }
        }
        return byName.Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value!).ToList();
    }

    private static bool IsMasked(string path)
    {
        if (InstallFileSystem.ReadLink(path) == "/dev/null")
            return true;
        return InstallFileSystem.Stat(path, out long size) == FileKind.Regular && size == 0;
    }
}
