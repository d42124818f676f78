using System.Text;

namespace Units.Execution.Spawning;

/// <summary>Builds a process's environment in systemd's order and reads EnvironmentFile= files.</summary>
internal static class ExecEnvironment
{
    /// <summary>
    /// Later sources override earlier ones: the manager's environment, the manager's per-process variables,
    /// PassEnvironment=, Environment=, EnvironmentFile=; UnsetEnvironment= is applied last.
    /// </summary>
    public static Dictionary<string, string> Build(ExecSettings settings, ExecParameters parameters, IEnumerable<string> extra)
    {
        var env = new Dictionary<string, string>(parameters.ManagerEnvironment, StringComparer.Ordinal);
        foreach (var assignment in parameters.ExtraEnvironment.Concat(extra))
            Assign(env, assignment);
        foreach (var name in settings.PassEnvironment)
            if (parameters.ManagerVariable(name) is { } value)
                env[name] = value;
        foreach (var assignment in settings.Environment)
            Assign(env, assignment);
        foreach (var file in settings.EnvironmentFiles)
        {
            bool optional = file.StartsWith('-');
            string path = optional ? file[1..] : file;
            if (!File.Exists(path))
            {
                if (optional)
                    continue;
                throw new ExecSetupException($"Failed to load environment files: {path}: No such file or directory");
            }
            foreach (var (name, value) in ReadEnvironmentFile(File.ReadAllText(path)))
                env[name] = value;
        }
        foreach (var entry in settings.UnsetEnvironment)
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
                env.Remove(entry);
            else if (env.TryGetValue(entry[..eq], out var current) && current == entry[(eq + 1)..])
                env.Remove(entry[..eq]);
        }
        return env;
    }

    private static void Assign(Dictionary<string, string> env, string assignment)
    {
        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
            env[assignment[..eq]] = assignment[(eq + 1)..];
    }

    /// <summary>
    /// An environment file as systemd reads it: "KEY=VALUE" lines, "#"/";" comments, optional "export ",
    /// single/double quotes, backslash escapes and line continuations; lines without "=" are ignored.
    /// </summary>
    public static IEnumerable<(string Name, string Value)> ReadEnvironmentFile(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\\\n", "", StringComparison.Ordinal).Split('\n');
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line.StartsWith("export ", StringComparison.Ordinal))
                line = line[7..].TrimStart();
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            string name = line[..eq].TrimEnd();
            yield return (name, Unquote(line[(eq + 1)..].TrimStart()));
        }
    }

    private static string Unquote(string value)
    {
        var text = new StringBuilder(value.Length);
        char quote = '\0';
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (quote == '\0' && c is '"' or '\'')
                quote = c;
            else if (c == quote)
                quote = '\0';
            else if (c == '\\' && quote != '\'' && i + 1 < value.Length)
                text.Append(value[++i]);
            else if (quote == '\0' && c == '#' && i > 0 && char.IsWhiteSpace(value[i - 1]))
                break;
            else
                text.Append(c);
        }
        return quote == '\0' ? text.ToString().TrimEnd() : text.ToString();
    }
}

/// <summary>The manager could not prepare a process (before any spawn): the unit's result is "resources".</summary>
public sealed class ExecSetupException(string message) : Exception(message);
