using System.Text;
using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>
/// The value parsers of the settings table, one per parser kind of systemd's load-fragment.c and conf-parser.c,
/// with their messages. Each takes an optional setter; without one it only validates (options the model keeps
/// as raw assignments).
/// </summary>
internal static class SettingParsers
{
    public static SettingParser Bool(Action<UnitSettings, bool>? set = null) => (in SettingInput i) =>
    {
        if (!Numbers.TryParseBoolean(i.Value, out var value))
        {
            return i.Warn($"Failed to parse boolean value, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, value);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_bool with ltype=true: a bad value makes the unit unloadable (DynamicUser=).</summary>
    public static SettingParser FatalBool(Action<UnitSettings, bool> set) => (in SettingInput i) =>
    {
        if (!Numbers.TryParseBoolean(i.Value, out var value))
        {
            return i.Fail($"Failed to parse boolean value: {i.Value}");
        }

        set(i.Settings, value);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_sec: bare numbers are seconds; an empty value is an error too.</summary>
    public static SettingParser Seconds(Action<UnitSettings, ulong>? set = null) =>
        Time(TimeSpans.ParseSeconds, "Failed to parse sec value", set);

    /// <summary>config_parse_sec_fix_0: 0 means infinity.</summary>
    public static SettingParser SecondsZeroIsInfinity(Action<UnitSettings, ulong>? set = null) =>
        Time(TimeSpans.ParseSecondsZeroIsInfinity, "Failed to parse time value", set);

    public static SettingParser SecondsEmptyIsInfinity(Action<UnitSettings, ulong>? set = null) =>
        Time(TimeSpans.ParseSecondsEmptyIsInfinity, "Failed to parse sec_def_infinity value", set);

    public static SettingParser Nanoseconds() => Time(TimeSpans.ParseNanoseconds, "Failed to parse nsec value", null);

    public static SettingParser Unsigned(Action<UnitSettings, uint>? set = null) => (in SettingInput i) =>
    {
        if (Numbers.ParseUnsigned(i.Value, out var value) != ValueError.None)
        {
            return i.Warn($"Failed to parse unsigned value, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, value);
        return SettingOutcome.Accepted;
    };

    public static SettingParser Int(Action<UnitSettings, int>? set = null) => (in SettingInput i) =>
    {
        if (Numbers.ParseInt32(i.Value, out var value) != ValueError.None)
        {
            return i.Warn($"Failed to parse int value, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, value);
        return SettingOutcome.Accepted;
    };

    public static SettingParser Long() => (in SettingInput i) =>
        Numbers.ParseInt64(i.Value, out _) == ValueError.None ? SettingOutcome.Accepted : i.Warn($"Failed to parse long value, ignoring: {i.Value}");

    public static SettingParser Mode(Action<UnitSettings, uint>? set = null) => (in SettingInput i) =>
    {
        if (Numbers.ParseMode(i.Value, out var mode) != ValueError.None)
        {
            return i.Warn($"Failed to parse mode value, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, mode);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_iec_size: a size with base-1024 suffixes.</summary>
    public static SettingParser IecSize() => (in SettingInput i) =>
    {
        var error = Numbers.ParseSize(i.Value, 1024, out _);
        return error == ValueError.None ? SettingOutcome.Accepted : i.Warn($"Failed to parse size value '{i.Value}', ignoring: {error.Describe()}");
    };

    /// <summary>config_parse_unit_string_printf: specifiers expanded, empty resets.</summary>
    public static SettingParser String(Action<UnitSettings, string?>? set = null) => (in SettingInput i) =>
    {
        if (!i.TryExpandOrWarn(i.Value, out var value))
        {
            return SettingOutcome.Ignored;
        }

        set?.Invoke(i.Settings, value.Length == 0 ? null : value);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_string: taken literally (no specifiers), empty resets.</summary>
    public static SettingParser Literal() => static (in SettingInput _) => SettingOutcome.Accepted;

    /// <summary>config_parse_unit_path_printf: an absolute path with specifiers; <paramref name="fatal"/> for RootDirectory= and friends.</summary>
    public static SettingParser Path(Action<UnitSettings, string?>? set = null, bool fatal = false) => (in SettingInput i) =>
    {
        if (!i.TryExpand(i.Value, out var expanded, out var error))
        {
            return i.Report(fatal, $"Failed to resolve unit specifiers in '{i.Value}'{(fatal ? "" : ", ignoring")}: {error}");
        }

        if (expanded.Length == 0)
        {
            set?.Invoke(i.Settings, null);
            return SettingOutcome.Accepted;
        }

        var path = i.CheckAbsolutePath(expanded, fatalWording: fatal, fatal: fatal);
        if (path is null)
        {
            return fatal ? SettingOutcome.Fatal : SettingOutcome.Ignored;
        }

        set?.Invoke(i.Settings, path);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_unit_path_strv_printf: absolute paths; empty resets.</summary>
    public static SettingParser PathList(Func<UnitSettings, List<string>>? list = null, Action<UnitSettings>? reset = null) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            reset?.Invoke(i.Settings);
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            if (!i.TryExpandOrWarn(word, out var expanded))
            {
                return SettingOutcome.Ignored;
            }

            var path = i.CheckAbsolutePath(expanded);
            if (path is null)
            {
                return SettingOutcome.Ignored;
            }

            list?.Invoke(i.Settings).Add(path);
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    };

    /// <summary>config_parse_namespace_path_strv: paths optionally prefixed "-" (may be missing) and "+" (relative to the root).</summary>
    public static SettingParser NamespacePaths() => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.Unquote | ExtractFlags.CUnescape);
        while (words.Next(out var word))
        {
            var path = word;
            if (path.StartsWith('-'))
            {
                path = path[1..];
            }

            if (path.StartsWith('+'))
            {
                path = path[1..];
            }

            if (!i.TryExpand(path, out var expanded, out var error))
            {
                i.Warn($"Failed to resolve unit specifiers in {path}: {error}");
                continue;
            }

            i.CheckAbsolutePath(expanded);
        }

        return words.Invalid ? i.Warn($"Failed to extract first word, ignoring: {i.Value}") : SettingOutcome.Accepted;
    };

    /// <summary>config_parse_strv: whitespace-separated words with quotes; empty resets.</summary>
    public static SettingParser StringList(Func<UnitSettings, List<string>>? list = null, Action<UnitSettings>? reset = null) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            reset?.Invoke(i.Settings);
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.Unquote | ExtractFlags.RetainEscape);
        while (words.Next(out var word))
        {
            list?.Invoke(i.Settings).Add(word);
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    };

    /// <summary>DEFINE_CONFIG_PARSE_ENUM: one of systemd's names, with its "Failed to parse …" message.</summary>
    public static SettingParser OneOf<T>(string message, Action<UnitSettings, T>? set = null)
        where T : struct, System.Enum => (in SettingInput i) =>
    {
        if (!SettingNames.TryParse(i.Value, out T value))
        {
            return i.Warn($"{message}, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, value);
        return SettingOutcome.Accepted;
    };

    /// <summary>An enumeration the model does not type: the value must be one of <paramref name="names"/>.</summary>
    /// <summary>One of <paramref name="names"/> (or a boolean, reported as "yes"/"no", when
    /// <paramref name="acceptsBoolean"/>); <paramref name="set"/> receives the name.</summary>
    public static SettingParser NameIn(string message, string[] names, bool acceptsBoolean = false, bool emptyResets = false,
        Action<UnitSettings, string>? set = null) => (in SettingInput i) =>
    {
        if (emptyResets && i.IsEmpty)
        {
            return SettingOutcome.Accepted;
        }

        if (Array.IndexOf(names, i.Value) >= 0)
        {
            set?.Invoke(i.Settings, i.Value);
            return SettingOutcome.Accepted;
        }

        if (acceptsBoolean && Numbers.TryParseBoolean(i.Value, out bool value))
        {
            set?.Invoke(i.Settings, value ? "yes" : "no");
            return SettingOutcome.Accepted;
        }

        return i.Warn($"{message}, ignoring: {i.Value}");
    };

    /// <summary>config_parse_warn_compat(DISABLED_LEGACY): an option systemd removed; logged and ignored.</summary>
    public static SettingParser Removed() => static (in SettingInput i) =>
        i.Warn($"Support for option {i.Key}= has been removed and it is ignored");

    /// <summary>
    /// An option whose value grammar is not checked yet (e.g. SystemCallFilter=): kept as written.
    /// Everything using it is marked unsupported, so the user is told.
    /// </summary>
    public static SettingParser Unchecked() => static (in SettingInput _) => SettingOutcome.Accepted;

    /// <summary>config_parse_signal.</summary>
    public static SettingParser Signal(Action<UnitSettings, int>? set = null) => (in SettingInput i) =>
    {
        if (Signals.Parse(i.Value, out var signal) != ValueError.None)
        {
            return i.Warn($"Failed to parse signal name, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, signal);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_emergency_action: user managers accept only none, exit and exit-force.</summary>
    public static SettingParser EmergencyActionOf(Action<UnitSettings, EmergencyAction> set) => (in SettingInput i) =>
    {
        if (!SettingNames.TryParse<EmergencyAction>(i.Value, out var action))
        {
            return i.Warn($"Failed to parse {i.Key}=, ignoring: {i.Value}");
        }

        if (i.IsUserManager && action is not (EmergencyAction.None or EmergencyAction.Exit or EmergencyAction.ExitForce))
        {
            // Compatibility mode of systemd: a system action in a user unit becomes exit-force.
            i.Warn($"{i.Key}= in user mode specified as \"{i.Value}\", using \"exit-force\" instead.");
            action = EmergencyAction.ExitForce;
        }

        set(i.Settings, action);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_exit_status: 0…255, empty unsets.</summary>
    public static SettingParser ExitStatusOf(Action<UnitSettings, byte?> set) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            set(i.Settings, null);
            return SettingOutcome.Accepted;
        }

        var error = Numbers.ParseUInt8(i.Value, out var status);
        if (error != ValueError.None)
        {
            return i.Warn($"Failed to parse exit status '{i.Value}', ignoring: {error.Describe()}");
        }

        set(i.Settings, status);
        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_set_status: exit statuses (names or numbers) and signals; empty resets.</summary>
    public static SettingParser StatusSet(Func<UnitSettings, ExitStatusSet> set) => (in SettingInput i) =>
    {
        var target = set(i.Settings);
        if (i.IsEmpty)
        {
            target.Clear();
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.None);
        while (words.Next(out var word))
        {
            // Numbers are exit statuses, not signals.
            if (ExitStatus.Parse(word, out var status) == ValueError.None)
            {
                target.AddStatus(status);
            }
            else if (Signals.Parse(word, out var signal) == ValueError.None)
            {
                target.AddSignal(signal);
            }
            else
            {
                i.Warn($"Failed to parse value, ignoring: {word}");
            }
        }

        return words.Invalid ? i.Warn($"Failed to parse {i.Key}={i.Value}, ignoring: Invalid argument") : SettingOutcome.Accepted;
    };

    /// <summary>config_parse_exec: a command list; empty resets it.</summary>
    public static SettingParser Commands(Func<UnitSettings, List<ExecCommand>?> get, Action<UnitSettings, List<ExecCommand>?> replace) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            replace(i.Settings, null);
            return SettingOutcome.Accepted;
        }

        var list = get(i.Settings);
        if (list is null)
        {
            list = [];
            replace(i.Settings, list);
        }

        return ExecCommandLine.Parse(i, list);
    };

    /// <summary>config_parse_unit_deps: unit names (specifiers expanded); an empty value adds nothing.</summary>
    public static SettingParser Dependency(DependencySetting kind) => (in SettingInput i) => AddDependencies(i, kind);

    /// <summary>config_parse_obsolete_unit_deps: RequiresOverridable=/RequisiteOverridable=.</summary>
    public static SettingParser ObsoleteDependency(DependencySetting kind) => (in SettingInput i) =>
    {
        i.Warn($"Unit dependency type {i.Key}= is obsolete, replacing by {kind.ToName()}=, please update your unit file");
        return AddDependencies(i, kind);
    };

    /// <summary>config_parse_unit_condition_path/_string: "|" triggering, "!" negated; empty resets all conditions (or asserts).</summary>
    public static SettingParser Condition(ConditionType type, bool isAssert, bool isPath) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            i.Settings.ClearConditions(isAssert);
            return SettingOutcome.Accepted;
        }

        var text = i.Value.AsSpan();
        var trigger = text.Length > 0 && text[0] == '|';
        if (trigger)
        {
            text = isPath ? text[1..] : text[1..].TrimStart(Words.Whitespace);
        }

        var negate = text.Length > 0 && text[0] == '!';
        if (negate)
        {
            text = isPath ? text[1..] : text[1..].TrimStart(Words.Whitespace);
        }

        var parameter = text.ToString();
        if (!i.TryExpand(parameter, out var expanded, out var error))
        {
            return isPath
                ? i.Warn($"Failed to resolve unit specifiers in {parameter}, ignoring: {error}")
                : i.Warn($"Failed to resolve unit specifiers in '{parameter}', ignoring: {error}");
        }

        if (isPath)
        {
            var path = i.CheckAbsolutePath(expanded);
            if (path is null)
            {
                return SettingOutcome.Ignored;
            }

            expanded = path;
        }

        i.Settings.AddCondition(new UnitCondition(type, expanded, trigger, negate), isAssert);
        return SettingOutcome.Accepted;
    };

    private static SettingOutcome AddDependencies(in SettingInput i, DependencySetting kind)
    {
        var words = new WordReader(i.Value, null, ExtractFlags.RetainEscape);
        while (words.Next(out var word))
        {
            if (!i.TryExpandName(word, out var name, out var error))
            {
                i.Warn($"Failed to resolve unit specifiers in '{word}', ignoring: {error}");
                continue;
            }

            if (i.IsCheckableName(name) && !UnitName.IsValid(name, UnitNameKinds.Any))
            {
                i.Warn($"Failed to add dependency on {name}, ignoring: Invalid argument");
                continue;
            }

            if (name == i.Settings.UnitId)
            {
                // systemd drops dependencies on the unit itself, saying so only for ordering and the like.
                if (kind is DependencySetting.Conflicts or DependencySetting.Before or DependencySetting.After or DependencySetting.OnSuccess or DependencySetting.OnFailure)
                {
                    i.Diagnostics.Warn(name, 0, $"Dependency {kind.ToName()}={name} is dropped.");
                }

                continue;
            }

            i.Settings.AddDependency(kind, name);
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    private static SettingParser Time(TimeParser parse, string message, Action<UnitSettings, ulong>? set) => (in SettingInput i) =>
    {
        if (parse(i.Value, out var usec) != ValueError.None)
        {
            return i.Warn($"{message}, ignoring: {i.Value}");
        }

        set?.Invoke(i.Settings, usec);
        return SettingOutcome.Accepted;
    };

    private delegate ValueError TimeParser(string text, out ulong value);

    /// <summary>Appends the UTF-8 bytes of <paramref name="text"/> (StandardInputText= adds a newline).</summary>
    public static byte[] Concat(byte[]? existing, ReadOnlySpan<byte> more)
    {
        var result = new byte[(existing?.Length ?? 0) + more.Length];
        existing?.CopyTo(result, 0);
        more.CopyTo(result.AsSpan(existing?.Length ?? 0));
        return result;
    }

    public static byte[] Utf8Line(string text) => Encoding.UTF8.GetBytes(text + "\n");
}
