using Units.UnitFiles.Names;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Install;

/// <summary>
/// Reads the [Install] section of a unit file or drop-in into an <see cref="InstallInfo"/> the way install.c's
/// unit_file_load() does: the syntax comes from <see cref="UnitFileParser"/>; then Alias=, WantedBy=, RequiredBy=
/// (lists, an empty value resets), DefaultInstance= and Also= (which queues the named units). In systemd 252 the
/// [Install] section knows no other key (UpheldBy= arrived in 254): those are warned about and ignored.
/// </summary>
internal static class InstallSection
{
    /// <summary>Applies the file's [Install] section; returns 0 or a negative errno when systemd's parser would give up on the file.</summary>
    public static int Read(InstallContext? ctx, InstallInfo info, string path, byte[] content, DiagnosticBag diagnostics)
    {
        ParsedUnitFile parsed = UnitFileParser.Parse(path, content, diagnostics, null);
        foreach (ParsedSection section in parsed.Sections)
        {
            if (section.Name != "Install")
                continue;
            foreach (ParsedEntry entry in section.Entries)
            {
                int r = Apply(ctx, info, path, entry, diagnostics);
                if (r < 0)
                    return r;
            }
        }
        return parsed.Failure is { } failure ? -(int)failure.Errno : 0;
    }

    private static int Apply(InstallContext? ctx, InstallInfo info, string path, ParsedEntry entry, DiagnosticBag d)
    {
        switch (entry.Key)
        {
            case "Alias":
                if (NameRules.TypeOf(info.Name) is { } type && !NameRules.MayAlias(type))
                {
                    d.Warn(path, entry.Line, $"Alias= is not allowed for {type.Suffix()} units, ignoring.");
                    return 0;
                }
                ParseList(info.Aliases, path, entry, d);
                return 0;
            case "WantedBy":
                ParseList(info.WantedBy, path, entry, d);
                return 0;
            case "RequiredBy":
                ParseList(info.RequiredBy, path, entry, d);
                return 0;
            case "DefaultInstance":
                return ParseDefaultInstance(ctx, info, path, entry, d);
            case "Also":
                return ParseAlso(ctx, info, path, entry, d);
            default:
                if (!entry.Key.StartsWith("X-", StringComparison.Ordinal))
                    d.Warn(path, entry.Line, $"Unknown key '{entry.Key}' in section [Install], ignoring.");
                return 0;
        }
    }

    /// <summary>config_parse_strv(): words with quotes removed and escapes kept; an empty value empties the list.</summary>
    private static void ParseList(List<string> list, string path, ParsedEntry entry, DiagnosticBag d)
    {
        if (entry.Value.Length == 0)
        {
            list.Clear();
            return;
        }
        if (!Words.Split(entry.Value, unquote: true, list))
            d.Warn(path, entry.Line, $"Invalid syntax, ignoring: {entry.Value}");
    }

    private static int ParseDefaultInstance(InstallContext? ctx, InstallInfo info, string path, ParsedEntry entry, DiagnosticBag d)
    {
        if (UnitName.IsValid(info.Name, UnitNameKinds.Instance))
            return 0;
        if (!UnitName.IsValid(info.Name, UnitNameKinds.Template))
        {
            d.Warn(path, entry.Line, "DefaultInstance= only makes sense for template units, ignoring.");
            return 0;
        }
        int r = InstallSpecifiers.Expand(ctx?.Scope ?? InstallScope.System, info, entry.Value, out string printed);
        if (r < 0)
        {
            d.Warn(path, entry.Line, $"Failed to resolve instance name in DefaultInstance=\"{entry.Value}\": {InstallErrno.Describe(-r)}");
            return r;
        }
        if (printed.Length > 0 && !UnitName.IsValidInstance(printed))
        {
            d.Warn(path, entry.Line, $"Invalid DefaultInstance= value \"{printed}\".");
            return -InstallErrno.EINVAL;
        }
        info.DefaultInstance = printed.Length == 0 ? null : printed;
        return 0;
    }

    private static int ParseAlso(InstallContext? ctx, InstallInfo info, string path, ParsedEntry entry, DiagnosticBag d)
    {
        var words = new List<string>();
        if (!Words.Split(entry.Value, unquote: false, words))
            return -InstallErrno.EINVAL;
        foreach (string word in words)
        {
            int r = InstallSpecifiers.Expand(ctx?.Scope ?? InstallScope.System, info, word, out string printed);
            if (r < 0)
            {
                d.Warn(path, entry.Line, $"Failed to resolve unit name in Also=\"{word}\": {InstallErrno.Describe(-r)}");
                return r;
            }
            if (ctx is not null)
            {
                r = ctx.Add(printed, null, info.Root, auxiliary: true, out _);
                if (r < 0)
                    return r;
            }
            info.Also.Add(printed);
        }
        return 0;
    }
}

/// <summary>extract_first_word() over a whole value: whitespace-separated words, optionally with quotes removed.</summary>
internal static class Words
{
    /// <summary>
    /// Appends the words of <paramref name="value"/> to <paramref name="into"/>. With <paramref name="unquote"/>, '…' and "…"
    /// group and vanish and a backslash is kept with the character after it (EXTRACT_UNQUOTE|EXTRACT_RETAIN_ESCAPE);
    /// without, quotes are literal and a backslash escapes the next character. False on an unbalanced quote or a trailing backslash
    /// (the words before it stay appended, as systemd's list parser leaves them).
    /// </summary>
    public static bool Split(string value, bool unquote, List<string> into)
    {
        int i = 0;
        while (true)
        {
            while (i < value.Length && IsBlank(value[i]))
                i++;
            if (i >= value.Length)
                return true;
            var word = new System.Text.StringBuilder();
            char quote = '\0';
            while (i < value.Length)
            {
                char c = value[i];
                if (c == '\\')
                {
                    if (i + 1 >= value.Length)
                        return false;
                    if (unquote)
                        word.Append(c);
                    word.Append(value[i + 1]);
                    i += 2;
                    continue;
                }
                if (quote != '\0')
                {
                    if (c == quote)
                        quote = '\0';
                    else
                        word.Append(c);
                    i++;
                    continue;
                }
                if (unquote && c is '\'' or '"')
                {
                    quote = c;
                    i++;
                    continue;
                }
                if (IsBlank(c))
                    break;
                word.Append(c);
                i++;
            }
            if (quote != '\0')
                return false;
            into.Add(word.ToString());
        }
    }

    private static bool IsBlank(char c) => c is ' ' or '\t' or '\n' or '\r';
}
