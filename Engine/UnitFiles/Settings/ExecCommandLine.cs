using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>
/// Exec…= command lines as systemd's config_parse_exec() reads them: prefixes (@ - : + ! !!), quoting and C
/// escapes, ";" between commands and "\;" for a literal semicolon argument. Specifiers are expanded here when a
/// specifier context is given; $VAR references stay for exec time.
/// </summary>
public static class ExecCommandLine
{
    /// <summary>
    /// Parses <paramref name="value"/> (the text after "Key=") and appends its commands to <paramref name="commands"/>.
    /// Returns false when the line is a fatal error (the unit cannot be loaded); diagnostics say why, at
    /// <paramref name="path"/>:<paramref name="line"/>.
    /// </summary>
    public static bool Parse(string value, string key, string path, int line, DiagnosticBag diagnostics, List<ExecCommand> commands)
    {
        var input = new SettingInput(new UnitSettings(UnitType.Service), "Service", key, value, path, line, diagnostics, null);
        return Parse(input, commands) != SettingOutcome.Fatal;
    }

    internal static SettingOutcome Parse(in SettingInput input, List<ExecCommand> commands)
    {
        var rvalue = input.Value;
        var text = input.Value;
        var p = 0;
        bool semicolon;
        do
        {
            semicolon = false;
            var first = ExtractAndWarn(input, text, ref p, rvalue, fatal: false, out var firstWord);
            if (first != ExtractResult.Word)
            {
                // A first word that cannot be decoded ends the line quietly, as in systemd.
                return commands.Count > 0 || first == ExtractResult.End ? SettingOutcome.Accepted : SettingOutcome.Ignored;
            }

            if (firstWord == ";")
            {
                semicolon = true;
                continue;
            }

            var flags = ExecCommandFlags.None;
            var ignore = false;
            var separateArgv0 = false;
            var f = 0;
            for (; f < firstWord.Length; f++)
            {
                var c = firstWord[f];
                if (c == '-' && (flags & ExecCommandFlags.IgnoreFailure) == 0)
                {
                    flags |= ExecCommandFlags.IgnoreFailure;
                    ignore = true;
                }
                else if (c == '@' && !separateArgv0)
                {
                    separateArgv0 = true;
                }
                else if (c == ':' && (flags & ExecCommandFlags.NoEnvironmentExpansion) == 0)
                {
                    flags |= ExecCommandFlags.NoEnvironmentExpansion;
                }
                else if (c == '+' && (flags & (ExecCommandFlags.FullyPrivileged | ExecCommandFlags.NoSetuid | ExecCommandFlags.AmbientMagic)) == 0)
                {
                    flags |= ExecCommandFlags.FullyPrivileged;
                }
                else if (c == '!' && (flags & (ExecCommandFlags.FullyPrivileged | ExecCommandFlags.NoSetuid | ExecCommandFlags.AmbientMagic)) == 0)
                {
                    flags |= ExecCommandFlags.NoSetuid;
                }
                else if (c == '!' && (flags & (ExecCommandFlags.FullyPrivileged | ExecCommandFlags.AmbientMagic)) == 0)
                {
                    flags = (flags & ~ExecCommandFlags.NoSetuid) | ExecCommandFlags.AmbientMagic;
                }
                else
                {
                    break;
                }
            }

            var ignoring = ignore ? ", ignoring" : string.Empty;
            var written = firstWord[f..];
            if (!input.TryExpand(written, out var execPath, out var expandError))
            {
                return Problem(input, ignore, $"Failed to resolve unit specifiers in '{written}'{ignoring}: {expandError}");
            }

            if (execPath.Length == 0)
            {
                // The first word was only prefixes, e.g. "-" or "@".
                return Problem(input, ignore, $"Empty path in command line{ignoring}: '{rvalue}'");
            }

            if (!UnitPaths.IsSafeString(execPath))
            {
                return Problem(input, ignore, $"Executable name contains special characters{ignoring}: {execPath}");
            }

            if (execPath.EndsWith('/'))
            {
                return Problem(input, ignore, $"Executable path specifies a directory{ignoring}: {execPath}");
            }

            if (!(UnitPaths.IsAbsolute(execPath) ? UnitPaths.IsValid(execPath) : UnitPaths.IsValidFileName(execPath)))
            {
                return Problem(input, ignore, $"Neither a valid executable name nor an absolute path{ignoring}: {execPath}");
            }

            var argv = new List<string>();
            if (!separateArgv0)
            {
                argv.Add(execPath);
            }

            execPath = UnitPaths.Simplify(execPath);
            while (p >= 0 && p < text.Length)
            {
                // An unquoted ";" on its own separates commands.
                if (text[p] == ';' && (p + 1 == text.Length || Words.Whitespace.Contains(text[p + 1], StringComparison.Ordinal)))
                {
                    p = SkipWhitespace(text, p + 1);
                    semicolon = true;
                    break;
                }

                // "\;" on its own is a literal ";" argument (not "\\;" or "\;" inside quotes).
                if (text[p] == '\\' && p + 1 < text.Length && text[p + 1] == ';'
                    && (p + 2 == text.Length || Words.Whitespace.Contains(text[p + 2], StringComparison.Ordinal)))
                {
                    p = SkipWhitespace(text, p + 2);
                    argv.Add(";");
                    continue;
                }

                var result = ExtractAndWarn(input, text, ref p, rvalue, fatal: !ignore, out var word);
                if (result == ExtractResult.End)
                {
                    break;
                }

                if (result == ExtractResult.Invalid)
                {
                    return ignore ? SettingOutcome.Ignored : SettingOutcome.Fatal;
                }

                if (!input.TryExpand(word, out var resolved, out expandError))
                {
                    return Problem(input, ignore, $"Failed to resolve unit specifiers in {word}{ignoring}: {expandError}");
                }

                argv.Add(resolved);
            }

            if (argv.Count == 0)
            {
                return Problem(input, ignore, $"Empty executable name or zeroeth argument{ignoring}: {rvalue}");
            }

            commands.Add(new ExecCommand(execPath, argv.ToArray(), flags));
            rvalue = p >= 0 && p < text.Length ? text[p..] : string.Empty;
        }
        while (semicolon);

        return SettingOutcome.Accepted;
    }

    private static SettingOutcome Problem(in SettingInput input, bool ignore, string message) =>
        ignore ? input.Warn(message) : input.Fail(message);

    /// <summary>extract_first_word_and_warn() with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE.</summary>
    private static ExtractResult ExtractAndWarn(in SettingInput input, string text, ref int p, string rvalue, bool fatal, out string word)
    {
        const ExtractFlags flags = ExtractFlags.Unquote | ExtractFlags.CUnescape;
        var save = p;
        var result = Words.ExtractFirst(text, ref p, out word, null, flags);
        if (result != ExtractResult.Invalid)
        {
            return result;
        }

        // Retry keeping unknown escapes verbatim: if that works the problem was an unknown escape sequence.
        p = save;
        result = Words.ExtractFirst(text, ref p, out word, null, flags | ExtractFlags.UnescapeRelax);
        if (result != ExtractResult.Invalid)
        {
            input.Diagnostics.Warn(input.Path, input.Line, $"Ignoring unknown escape sequences: \"{word}\"");
            return result;
        }

        input.Diagnostics.Add(input.Path, input.Line, fatal, $"Unbalanced quoting, ignoring: \"{rvalue}\"");
        return ExtractResult.Invalid;
    }

    private static int SkipWhitespace(string text, int p)
    {
        while (p < text.Length && Words.Whitespace.Contains(text[p], StringComparison.Ordinal))
        {
            p++;
        }

        return p;
    }
}
