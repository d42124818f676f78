using Units.UnitFiles.Settings.Values;
using Units.UnitFiles.Specifiers;

namespace Units.UnitFiles.Settings;

/// <summary>What a setting parser did with one assignment.</summary>
internal enum SettingOutcome
{
    /// <summary>Applied (possibly with warnings about parts of it); recorded in the assignment store.</summary>
    Accepted,

    /// <summary>Ignored with a warning; the unit still loads.</summary>
    Ignored,

    /// <summary>A fatal setting: the unit cannot be loaded and systemd stops reading the file here.</summary>
    Fatal,
}

/// <summary>Parses one assignment into <see cref="SettingInput.Settings"/>, reporting problems in systemd's words.</summary>
internal delegate SettingOutcome SettingParser(in SettingInput input);

/// <summary>One assignment being applied, with where it came from and where its diagnostics go.</summary>
internal readonly struct SettingInput(
    UnitSettings settings, string section, string key, string value, string path, int line, DiagnosticBag diagnostics, SpecifierContext? specifiers)
{
    public UnitSettings Settings { get; } = settings;

    public string Section { get; } = section;

    public string Key { get; } = key;

    public string Value { get; } = value;

    public string Path { get; } = path;

    public int Line { get; } = line;

    public DiagnosticBag Diagnostics { get; } = diagnostics;

    public bool IsEmpty => Value.Length == 0;

    /// <summary>Whether the unit belongs to a user manager (some values are refused or mapped there).</summary>
    public bool IsUserManager => specifiers?.Scope == UnitScope.User;

    /// <summary>The unit's name for messages that carry it, when known.</summary>
    public string UnitId => Settings.UnitId ?? specifiers?.Unit.ToString() ?? System.IO.Path.GetFileName(Path);

    public SettingOutcome Warn(string message)
    {
        Diagnostics.Warn(Path, Line, message);
        return SettingOutcome.Ignored;
    }

    public SettingOutcome Fail(string message)
    {
        Diagnostics.Error(Path, Line, message);
        return SettingOutcome.Fatal;
    }

    /// <summary>A problem that ignores the value, or (when <paramref name="fatal"/>) makes the unit unloadable.</summary>
    public SettingOutcome Report(bool fatal, string message) => fatal ? Fail(message) : Warn(message);

    /// <summary>
    /// Expands specifiers as systemd does at load time (unit_full_printf/unit_path_printf/unit_name_printf).
    /// Without a specifier context (a unit read on its own, e.g. in tests) the text is used as written.
    /// </summary>
    public bool TryExpand(string text, out string expanded, out string error)
    {
        error = string.Empty;
        if (specifiers is null || !text.Contains('%', StringComparison.Ordinal))
        {
            expanded = text;
            return true;
        }

        if (SpecifierExpander.TryExpand(text, specifiers, Diagnostics, out expanded, out var errno))
        {
            return true;
        }

        error = errno.Describe();
        return false;
    }

    // unit_name_printf() knows only the specifiers that are safe in unit names.
    private const string NameSpecifiers = "ijnNpaAbBHlmMovwWgGuU";

    /// <summary>
    /// unit_name_printf(): like <see cref="TryExpand"/> for unit names, which allow fewer specifiers and at most
    /// UNIT_NAME_MAX characters.
    /// </summary>
    public bool TryExpandName(string text, out string expanded, out string error)
    {
        if (specifiers is not null)
        {
            for (var i = text.IndexOf('%', StringComparison.Ordinal); i >= 0 && i + 1 < text.Length; i = text.IndexOf('%', i + 2))
            {
                if (text[i + 1] != '%' && !NameSpecifiers.Contains(text[i + 1], StringComparison.Ordinal))
                {
                    expanded = text;
                    error = Errno.EBADSLT.Describe();
                    return false;
                }
            }
        }

        if (!TryExpand(text, out expanded, out error))
        {
            return false;
        }

        if (expanded.Length > Names.UnitName.MaxLength)
        {
            error = Errno.ENAMETOOLONG.Describe();
            return false;
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="name"/> can be checked as a unit name: not when it still holds specifiers because no
    /// specifier context was given (a template read on its own); the check then happens for each instance.
    /// </summary>
    public bool IsCheckableName(string name) => specifiers is not null || !name.Contains('%', StringComparison.Ordinal);

    /// <summary>
    /// Expands a value, with systemd's "Failed to resolve unit specifiers in '…', ignoring: …" when that fails.
    /// </summary>
    public bool TryExpandOrWarn(string text, out string expanded)
    {
        if (TryExpand(text, out expanded, out var error))
        {
            return true;
        }

        Warn($"Failed to resolve unit specifiers in '{text}', ignoring: {error}");
        return false;
    }

    /// <summary>
    /// path_simplify_and_warn() with PATH_CHECK_ABSOLUTE: returns the simplified path, or null after reporting.
    /// <paramref name="fatalWording"/> drops ", ignoring" as systemd does for PATH_CHECK_FATAL; whether the
    /// unit fails is <paramref name="fatal"/> (the caller then returns <see cref="SettingOutcome.Fatal"/>).
    /// </summary>
    public string? CheckAbsolutePath(string path, bool fatalWording = false, bool fatal = false)
    {
        var ignoring = fatalWording ? string.Empty : ", ignoring";
        if (!UnitPaths.IsAbsolute(path))
        {
            Diagnostics.Add(Path, Line, fatal, $"{Key}= path is not absolute{ignoring}: {path}");
            return null;
        }

        var simplified = UnitPaths.Simplify(path);
        if (!UnitPaths.IsValid(simplified))
        {
            Diagnostics.Add(Path, Line, fatal, $"{Key}= path has invalid length ({System.Text.Encoding.UTF8.GetByteCount(simplified)} bytes){ignoring}.");
            return null;
        }

        if (!UnitPaths.IsNormalized(simplified))
        {
            Diagnostics.Add(Path, Line, fatal, $"{Key}= path is not normalized{ignoring}: {simplified}");
            return null;
        }

        return simplified;
    }
}

internal static class DiagnosticBagExtensions
{
    public static void Add(this DiagnosticBag bag, string path, int line, bool error, string message)
    {
        if (error)
        {
            bag.Error(path, line, message);
        }
        else
        {
            bag.Warn(path, line, message);
        }
    }
}
