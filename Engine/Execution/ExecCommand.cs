using System.Text;

namespace Units.Execution;

/// <summary>The special executable prefixes of systemd.service(5), "Command lines".</summary>
[Flags]
public enum ExecFlags
{
    None = 0,
    /// <summary>"-": a failing exit status is recorded but treated as success.</summary>
    IgnoreFailure = 1,
    /// <summary>"@": the second word is argv[0], the first the executable.</summary>
    ArgvZero = 2,
    /// <summary>":": no environment variable substitution.</summary>
    NoEnvironmentExpansion = 4,
    /// <summary>"+": full privileges: no credentials, no sandboxing.</summary>
    FullPrivileges = 8,
    /// <summary>"!": credentials are not changed (sandboxing still applies).</summary>
    NoSetUid = 16,
    /// <summary>"!!": like "!" only where ambient capabilities are unsupported; ignored on kernels that have them.</summary>
    AmbientFallback = 32,
}

/// <summary>One ExecStart=-style command: the executable, argv (argv[0] included) and its prefix flags.</summary>
public sealed record ExecCommand(string Path, IReadOnlyList<string> Argv, ExecFlags Flags = ExecFlags.None)
{
    /// <summary>A command whose argv[0] is the executable path, as most command lines are.</summary>
    public static ExecCommand Of(string path, params string[] arguments) => new(path, [path, .. arguments]);

    /// <summary>
    /// Builds a command from already-split words, the first still carrying its prefixes ("-+/bin/true").
    /// With "@" the second word is argv[0].
    /// </summary>
    public static ExecCommand FromWords(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
            throw new ArgumentException("A command line needs at least the executable.", nameof(words));
        string first = words[0];
        var flags = ExecFlags.None;
        int i = 0;
        for (; i < first.Length; i++)
        {
            ExecFlags flag = first[i] switch
            {
                '-' => ExecFlags.IgnoreFailure,
                '@' => ExecFlags.ArgvZero,
                ':' => ExecFlags.NoEnvironmentExpansion,
                '+' => ExecFlags.FullPrivileges,
                '!' when i + 1 < first.Length && first[i + 1] == '!' => ExecFlags.AmbientFallback,
                '!' => ExecFlags.NoSetUid,
                _ => ExecFlags.None,
            };
            if (flag == ExecFlags.None)
                break;
            if (flag == ExecFlags.AmbientFallback)
                i++;
            flags |= flag;
        }
        string path = first[i..];
        if (path.Length == 0)
            throw new ArgumentException($"'{first}' names no executable.", nameof(words));
        if ((flags & ExecFlags.ArgvZero) != 0)
        {
            if (words.Count < 2)
                throw new ArgumentException("'@' needs argv[0] as the second word.", nameof(words));
            return new ExecCommand(path, [.. words.Skip(1)], flags);
        }
        return new ExecCommand(path, [path, .. words.Skip(1)], flags);
    }

    /// <summary>The command line as systemd shows it in status and logs.</summary>
    public override string ToString() => string.Join(' ', Argv.Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => !char.IsWhiteSpace(c) && c != '"' && c != '\'' && c != '\\')
            ? word
            : "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// $VAR/${VAR} substitution as systemd 252 does it: a word that is exactly "$NAME" becomes the value split at
    /// whitespace (zero or more words); "${NAME}" anywhere is replaced by the exact value; "$$" is a literal "$";
    /// other "$" are left alone. Unset variables expand to nothing; "${NAME:-default}" and "${NAME:+alternative}" work as
    /// in the shell.
    /// </summary>
    public IReadOnlyList<string> ExpandArgv(IReadOnlyDictionary<string, string> environment)
    {
        if ((Flags & ExecFlags.NoEnvironmentExpansion) != 0)
            return Argv;
        var result = new List<string>(Argv.Count);
        for (int w = 0; w < Argv.Count; w++)
        {
            string word = Argv[w];
            // argv[0] of "@" commands is expanded like any other word; the executable path is not.
            if (word.Length > 1 && word[0] == '$' && IsName(word.AsSpan(1)))
            {
                if (environment.TryGetValue(word[1..], out var value))
                    result.AddRange(value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            result.Add(ExpandBraced(word, environment));
        }
        return result;
    }

    private static string ExpandBraced(string word, IReadOnlyDictionary<string, string> environment)
    {
        if (!word.Contains('$', StringComparison.Ordinal))
            return word;
        var text = new StringBuilder(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            if (word[i] == '$' && i + 1 < word.Length && word[i + 1] == '$')
            {
                text.Append('$');
                i++;
            }
            else if (word[i] == '$' && i + 1 < word.Length && word[i + 1] == '{')
            {
                int close = word.IndexOf('}', i + 2);
                if (close < 0)
                {
                    text.Append(word, i, word.Length - i);
                    break;
                }
                text.Append(Lookup(word[(i + 2)..close], environment));
                i = close;
            }
            else
            {
                text.Append(word[i]);
            }
        }
        return text.ToString();
    }

    /// <summary>"NAME", "NAME:-default" (default when unset or empty), "NAME:+alternative" (when set and not empty).</summary>
    private static string Lookup(string expression, IReadOnlyDictionary<string, string> environment)
    {
        int colon = expression.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon + 1 >= expression.Length || expression[colon + 1] is not ('-' or '+'))
            return environment.GetValueOrDefault(expression, "");
        string value = environment.GetValueOrDefault(expression[..colon], "");
        string other = expression[(colon + 2)..];
        return expression[colon + 1] == '-' ? (value.Length == 0 ? other : value) : (value.Length == 0 ? "" : other);
    }

    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
            return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }
}
