using System.Text;
using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

// The exec, kill and cgroup context options with their own grammar.
internal static partial class SpecialParsers
{
    public static SettingOutcome WorkingDirectory(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.WorkingDirectoryHome = false;
            exec.WorkingDirectory = null;
            exec.WorkingDirectoryMissingOk = false;
            return SettingOutcome.Accepted;
        }

        var missingOk = i.Value[0] == '-';
        var value = missingOk ? i.Value[1..] : i.Value;
        var ignoring = missingOk ? ", ignoring" : string.Empty;
        if (value == "~")
        {
            exec.WorkingDirectoryHome = true;
            exec.WorkingDirectory = null;
        }
        else
        {
            if (!i.TryExpand(value, out var expanded, out var error))
            {
                return i.Report(!missingOk, $"Failed to resolve unit specifiers in working directory path '{value}'{ignoring}: {error}");
            }

            if (i.CheckAbsolutePath(expanded, fatalWording: !missingOk, fatal: !missingOk) is not { } path)
            {
                return missingOk ? SettingOutcome.Ignored : SettingOutcome.Fatal;
            }

            exec.WorkingDirectoryHome = false;
            exec.WorkingDirectory = path;
        }

        exec.WorkingDirectoryMissingOk = missingOk;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome Nice(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Exec!.Nice = null;
            return SettingOutcome.Accepted;
        }

        var error = Numbers.ParseNice(i.Value, out var nice);
        if (error == ValueError.OutOfRange)
        {
            return i.Warn($"Nice priority out of range, ignoring: {i.Value}");
        }

        if (error != ValueError.None)
        {
            return i.Warn($"Failed to parse nice priority '{i.Value}', ignoring: {error.Describe()}");
        }

        i.Settings.Exec!.Nice = nice;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome OomScoreAdjust(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Exec!.OOMScoreAdjust = null;
            return SettingOutcome.Accepted;
        }

        var error = Numbers.ParseOomScoreAdjust(i.Value, out var adjust);
        if (error == ValueError.OutOfRange)
        {
            return i.Warn($"OOM score adjust value out of range, ignoring: {i.Value}");
        }

        if (error != ValueError.None)
        {
            return i.Warn($"Failed to parse the OOM score adjust value '{i.Value}', ignoring: {error.Describe()}");
        }

        i.Settings.Exec!.OOMScoreAdjust = adjust;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome IoSchedulingClass(in SettingInput i)
    {
        if (i.IsEmpty || i.Value is "none" or "realtime" or "best-effort" or "idle"
            || (Numbers.ParseUnsigned(i.Value, out var cls) == ValueError.None && cls <= 3))
        {
            return SettingOutcome.Accepted;
        }

        return i.Warn($"Failed to parse IO scheduling class, ignoring: {i.Value}");
    }

    public static SettingOutcome IoSchedulingPriority(in SettingInput i)
    {
        if (i.IsEmpty || (Numbers.ParseInt32(i.Value, out var priority) == ValueError.None && priority is >= 0 and <= 7))
        {
            return SettingOutcome.Accepted;
        }

        return i.Warn($"Failed to parse IO priority, ignoring: {i.Value}");
    }

    public static SettingOutcome CpuSchedulingPriority(in SettingInput i)
    {
        if (Numbers.ParseInt32(i.Value, out var priority) != ValueError.None)
        {
            return i.Warn($"Failed to parse CPU scheduling priority, ignoring: {i.Value}");
        }

        return priority is < 0 or > 99 ? i.Warn($"CPU scheduling priority is out of range, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    /// <summary>parse_cpu_set_extend(): CPU (or NUMA node) numbers and ranges, separated by spaces or commas.</summary>
    public static SettingOutcome CpuSet(in SettingInput i)
    {
        if (i.IsEmpty || (i.Key == "CPUAffinity" && i.Value == "numa"))
        {
            return SettingOutcome.Accepted;
        }

        if (i.Key == "NUMAMask" && i.Value == "all")
        {
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpandOrWarn(i.Value, out var text))
        {
            return SettingOutcome.Ignored;
        }

        var words = new WordReader(text, Words.Whitespace + ",", ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            var dash = word.IndexOf('-', StringComparison.Ordinal);
            var lowText = dash < 0 ? word : word[..dash];
            var highText = dash < 0 ? word : word[(dash + 1)..];
            if (Numbers.ParseUnsigned(lowText, out var low) != ValueError.None || Numbers.ParseUnsigned(highText, out var high) != ValueError.None
                || low >= 8192 || high >= 8192)
            {
                return i.Warn($"Failed to parse CPU affinity '{word}'");
            }

            if (low > high)
            {
                i.Warn($"Range '{word}' is invalid, {low} > {high}, ignoring.");
            }
        }

        return words.Invalid ? i.Warn($"Invalid value for {i.Key}: {text}") : SettingOutcome.Accepted;
    }

    /// <summary>config_parse_environ: quoted, C-escaped "NAME=value" words; empty resets.</summary>
    public static SettingOutcome Environment(in SettingInput i)
    {
        var list = i.Settings.Exec!.EnvironmentList;
        if (i.IsEmpty)
        {
            list.Clear();
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.CUnescape | ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            if (!i.TryExpand(word, out var resolved, out var error))
            {
                i.Warn($"Failed to resolve specifiers in {word}, ignoring: {error}");
                continue;
            }

            if (!EnvironmentVariables.IsValidAssignment(resolved))
            {
                i.Warn($"Invalid environment assignment, ignoring: {resolved}");
                continue;
            }

            EnvironmentVariables.Replace(list, resolved);
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    public static SettingOutcome EnvironmentFile(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.ResetEnvironmentFiles();
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpandOrWarn(i.Value, out var expanded))
        {
            return SettingOutcome.Ignored;
        }

        var optional = expanded.StartsWith('-');
        if (i.CheckAbsolutePath(optional ? expanded[1..] : expanded) is not { } path)
        {
            return SettingOutcome.Ignored;
        }

        exec.EnvironmentFileList.Add(optional ? "-" + path : path);
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_pass_environ/config_parse_unset_environ: names (UnsetEnvironment= also takes NAME=value).</summary>
    public static SettingOutcome EnvironmentNames(in SettingInput i, bool pass)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            if (pass)
            {
                exec.ResetPassEnvironment();
            }
            else
            {
                exec.ResetUnsetEnvironment();
            }

            return SettingOutcome.Accepted;
        }

        var flags = pass ? ExtractFlags.Unquote : ExtractFlags.Unquote | ExtractFlags.CUnescape;
        var found = new List<string>();
        var words = new WordReader(i.Value, null, flags);
        while (words.Next(out var word))
        {
            if (!i.TryExpand(word, out var name, out var error))
            {
                i.Warn(pass ? $"Failed to resolve specifiers in {word}, ignoring: {error}" : $"Failed to resolve unit specifiers in {word}, ignoring: {error}");
                continue;
            }

            if (pass ? !EnvironmentVariables.IsValidName(name) : !EnvironmentVariables.IsValidName(name) && !EnvironmentVariables.IsValidAssignment(name))
            {
                i.Warn(pass ? $"Invalid environment name for {i.Key}, ignoring: {name}" : $"Invalid environment name or assignment {i.Key}, ignoring: {name}");
                continue;
            }

            found.Add(name);
        }

        var outcome = words.Invalid ? i.Warn($"Trailing garbage in {i.Key}, ignoring: {i.Value}") : SettingOutcome.Accepted;

        var list = pass ? exec.PassEnvironmentList : exec.UnsetEnvironmentList;
        foreach (var name in found)
        {
            if (!list.Contains(name))
            {
                list.Add(name);
            }
        }

        return outcome;
    }

    public static SettingOutcome StandardInput(in SettingInput i)
    {
        var value = i.Value;
        StandardStream<ExecInput> stream;
        if (value.StartsWith("fd:", StringComparison.Ordinal))
        {
            if (!i.TryExpandOrWarn(value[3..], out var name))
            {
                return SettingOutcome.Ignored;
            }

            if (name.Length > 0 && !IsFileDescriptorName(name))
            {
                return i.Warn($"Invalid file descriptor name, ignoring: {name}");
            }

            stream = new(ExecInput.NamedFd, name.Length == 0 ? null : name);
        }
        else if (value.StartsWith("file:", StringComparison.Ordinal))
        {
            if (!i.TryExpandOrWarn(value[5..], out var file))
            {
                return SettingOutcome.Ignored;
            }

            if (i.CheckAbsolutePath(file, fatalWording: true) is not { } path)
            {
                return SettingOutcome.Ignored;
            }

            stream = new(ExecInput.File, path);
        }
        else if (value is "fd" or "file" || !SettingNames.TryParse<ExecInput>(value, out var kind))
        {
            return i.Warn($"Failed to parse input specifier, ignoring: {value}");
        }
        else
        {
            stream = new(kind, null);
        }

        i.Settings.Exec!.StandardInput = stream;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome StandardOutputOrError(in SettingInput i)
    {
        var value = i.Value;
        StandardStream<ExecOutput> stream;
        string? prefix = null;
        foreach (var candidate in (string[])["file:", "append:", "truncate:"])
        {
            if (value.StartsWith(candidate, StringComparison.Ordinal))
            {
                prefix = candidate;
            }
        }

        if (value.StartsWith("fd:", StringComparison.Ordinal))
        {
            if (!i.TryExpand(value[3..], out var name, out var error))
            {
                return i.Warn($"Failed to resolve unit specifiers in {value[3..]}: {error}");
            }

            if (name.Length > 0 && !IsFileDescriptorName(name))
            {
                return i.Warn($"Invalid file descriptor name, ignoring: {name}");
            }

            stream = new(ExecOutput.NamedFd, name.Length == 0 ? null : name);
        }
        else if (value is "syslog" or "syslog+console")
        {
            var replacement = value == "syslog" ? ExecOutput.Journal : ExecOutput.JournalAndConsole;
            i.Warn($"Standard output type {value} is obsolete, automatically updating to {replacement.ToName()}. Please update your unit file, and consider removing the setting altogether.");
            stream = new(replacement, null);
        }
        else if (prefix is not null)
        {
            var file = value[prefix.Length..];
            if (!i.TryExpand(file, out var expanded, out var error))
            {
                return i.Warn($"Failed to resolve unit specifiers in {file}, ignoring: {error}");
            }

            if (i.CheckAbsolutePath(expanded, fatalWording: true) is not { } path)
            {
                return SettingOutcome.Ignored;
            }

            stream = new(prefix switch { "file:" => ExecOutput.File, "append:" => ExecOutput.Append, _ => ExecOutput.Truncate }, path);
        }
        else if (value is "fd" or "file" or "append" or "truncate" || !SettingNames.TryParse<ExecOutput>(value, out var kind))
        {
            return i.Warn($"Failed to parse output specifier, ignoring: {value}");
        }
        else
        {
            stream = new(kind, null);
        }

        if (i.Key == "StandardOutput")
        {
            i.Settings.Exec!.StandardOutput = stream;
        }
        else
        {
            i.Settings.Exec!.StandardError = stream;
        }

        return SettingOutcome.Accepted;
    }

    public static SettingOutcome StandardInputText(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.StandardInputData = null;
            return SettingOutcome.Accepted;
        }

        if (!Words.TryCUnescape(i.Value, out var unescaped))
        {
            return i.Warn($"Failed to decode C escaped text '{i.Value}', ignoring: Invalid argument");
        }

        if (!i.TryExpandOrWarn(unescaped, out var text))
        {
            return SettingOutcome.Ignored;
        }

        return AppendStandardInput(i, SettingParsers.Utf8Line(text));
    }

    public static SettingOutcome StandardInputData(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Exec!.StandardInputData = null;
            return SettingOutcome.Accepted;
        }

        byte[] data;
        try
        {
            // unbase64mem() skips whitespace, as Convert does.
            data = Convert.FromBase64String(i.Value);
        }
        catch (FormatException)
        {
            return i.Warn($"Failed to decode base64 data, ignoring: {i.Value}");
        }

        return AppendStandardInput(i, data);
    }

    private static SettingOutcome AppendStandardInput(in SettingInput i, byte[] more)
    {
        var exec = i.Settings.Exec!;
        var total = (long)(exec.StandardInputData?.Length ?? 0) + more.Length;
        if (total > StdinDataMax)
        {
            return i.Warn($"Standard input data too large ({total}), maximum of {StdinDataMax} permitted, ignoring.");
        }

        exec.StandardInputData = SettingParsers.Concat(exec.StandardInputData, more);
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome TtySize(in SettingInput i) =>
        i.IsEmpty || Numbers.ParseUnsigned(i.Value, out _) == ValueError.None ? SettingOutcome.Accepted : i.Warn($"Failed to parse unsigned value, ignoring: {i.Value}");

    private static readonly string[] s_levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    /// <summary>config_parse_log_level: a syslog level name or 0…7.</summary>
    public static SettingParser LogLevel(Action<UnitSettings, int> set) => (in SettingInput i) =>
    {
        int named = Array.IndexOf(s_levels, i.Value);
        if (named >= 0)
        {
            set(i.Settings, named);
            return SettingOutcome.Accepted;
        }

        if (Numbers.ParseUnsigned(i.Value, out var level) == ValueError.None && level <= 7)
        {
            set(i.Settings, (int)level);
            return SettingOutcome.Accepted;
        }

        return i.Warn($"Failed to parse log level, ignoring: {i.Value}");
    };

    // log_facility_unshifted_table: the facilities' names by number (12…15 have none systemd accepts).
    private static readonly string?[] s_facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", null, null, null, null,
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    /// <summary>config_parse_log_facility: a facility name.</summary>
    public static SettingOutcome SyslogFacility(in SettingInput i)
    {
        int facility = Array.IndexOf(s_facilities, i.Value);
        if (facility < 0)
        {
            return i.Warn($"Failed to parse log facility, ignoring: {i.Value}");
        }

        i.Settings.Exec!.SyslogFacility = facility;
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_log_extra_fields: quoted, C-escaped "FIELD=VALUE" words with valid journal field names;
    /// empty resets.</summary>
    public static SettingOutcome LogExtraFields(in SettingInput i)
    {
        var list = i.Settings.Exec!.LogExtraFieldsList;
        if (i.IsEmpty)
        {
            list.Clear();
            return SettingOutcome.Accepted;
        }

        var p = 0;
        while (true)
        {
            var result = Words.ExtractFirst(i.Value, ref p, out var word, null, ExtractFlags.CUnescape | ExtractFlags.Unquote);
            if (result == ExtractResult.End)
            {
                return SettingOutcome.Accepted;
            }

            if (result == ExtractResult.Invalid)
            {
                return i.Warn($"Invalid syntax, ignoring: {i.Value}");
            }

            if (!i.TryExpand(word, out var field, out var error))
            {
                i.Warn($"Failed to resolve unit specifiers in {word}, ignoring: {error}");
                continue;
            }

            int equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                i.Warn($"Log field lacks '=' character, ignoring: {field}");
                continue;
            }

            if (!IsJournalFieldName(field.AsSpan(0, equals)))
            {
                i.Warn($"Log field name is invalid, ignoring: {field}");
                continue;
            }

            list.Add(field);
        }
    }

    /// <summary>journal_field_valid() for a client's field: 1…64 of A-Z, 0-9 and '_', not starting with '_' or a digit.</summary>
    private static bool IsJournalFieldName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 64 || name[0] == '_' || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static SettingOutcome Limit(in SettingInput i, string resource)
    {
        var error = ResourceLimits.Parse(resource, i.Value, out var soft, out var hard, out var softAboveHard);
        if (softAboveHard)
        {
            return i.Warn($"Soft resource limit chosen higher than hard limit, ignoring: {i.Value}");
        }

        if (error != ValueError.None)
        {
            return i.Warn($"Failed to parse resource value, ignoring: {i.Value}");
        }

        i.Settings.Exec!.SetLimit(resource, new ResourceLimit(soft, hard));
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_exec_directories: relative paths, optionally "source:destination" (not for ConfigurationDirectory=).</summary>
    public static SettingOutcome ExecDirectories(in SettingInput i, ExecDirectoryType type)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.ResetDirectories(type);
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.Unquote | ExtractFlags.RetainEscape);
        while (words.Next(out var tuple))
        {
            var q = 0;
            var parts = new List<string>(2);
            for (var n = 0; n < 2; n++)
            {
                var part = Words.ExtractFirst(tuple, ref q, out var piece, ":", ExtractFlags.CUnescape | ExtractFlags.UnescapeSeparators);
                if (part == ExtractResult.Invalid)
                {
                    return i.Warn($"Invalid syntax in {i.Key}=, ignoring: {tuple}");
                }

                if (part == ExtractResult.End)
                {
                    break;
                }

                parts.Add(piece);
            }

            if (parts.Count == 0)
            {
                return i.Warn($"Invalid syntax in {i.Key}=, ignoring: {tuple}");
            }

            if (!i.TryExpand(parts[0], out var source, out var error))
            {
                i.Warn($"Failed to resolve unit specifiers in \"{parts[0]}\", ignoring: {error}");
                continue;
            }

            if (CheckRelativePath(i, source) is not { } relative)
            {
                continue;
            }

            if (relative == "private" || relative.StartsWith("private/", StringComparison.Ordinal))
            {
                i.Warn($"{i.Key}= path can't be 'private', ignoring assignment: {tuple}");
                continue;
            }

            if (parts.Count > 1 && parts[1].Length > 0)
            {
                if (type == ExecDirectoryType.Configuration)
                {
                    i.Warn($"Destination parameter is not supported for ConfigurationDirectory, ignoring: {tuple}");
                    continue;
                }

                if (!i.TryExpand(parts[1], out var destination, out error))
                {
                    i.Warn($"Failed to resolve unit specifiers in \"{parts[1]}\", ignoring: {error}");
                    continue;
                }

                if (CheckRelativePath(i, destination) is not { } relativeDestination)
                {
                    continue;
                }

                exec.DirectoryList(type).Add(relative + ":" + relativeDestination);
                continue;
            }

            exec.DirectoryList(type).Add(relative);
        }

        return words.Invalid ? i.Warn($"Invalid syntax {i.Key}={i.Value}, ignoring: Invalid argument") : SettingOutcome.Accepted;
    }

    /// <summary>path_simplify_and_warn() with PATH_CHECK_RELATIVE.</summary>
    private static string? CheckRelativePath(in SettingInput i, string path)
    {
        if (UnitPaths.IsAbsolute(path))
        {
            i.Diagnostics.Warn(i.Path, i.Line, $"{i.Key}= path is absolute, ignoring: {path}");
            return null;
        }

        var simplified = UnitPaths.Simplify(path);
        if (!UnitPaths.IsNormalized(simplified))
        {
            i.Diagnostics.Warn(i.Path, i.Line, $"{i.Key}= path is not normalized, ignoring: {simplified}");
            return null;
        }

        return simplified;
    }

    public static SettingOutcome KillModeOf(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Kill!.KillMode = KillMode.ControlGroup;
            return SettingOutcome.Accepted;
        }

        if (!SettingNames.TryParse<KillMode>(i.Value, out var mode))
        {
            return i.Warn($"Failed to parse kill mode specification, ignoring: {i.Value}");
        }

        if (mode == KillMode.None)
        {
            i.Warn("Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. "
                + "Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. "
                + "Support for KillMode=none is deprecated and will eventually be removed.");
        }

        i.Settings.Kill!.KillMode = mode;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome Slice(in SettingInput i)
    {
        if (!i.TryExpandName(i.Value, out var name, out var error))
        {
            return i.Warn($"Failed to resolve unit specifiers in {i.Value}, ignoring: {error}");
        }

        if (!i.IsCheckableName(name))
        {
            i.Settings.ResourceControl!.Slice = name;
            return SettingOutcome.Accepted;
        }

        if (!UnitName.TryParse(name, UnitNameKinds.Plain | UnitNameKinds.Instance, out var parsed))
        {
            return i.Warn($"Failed to load slice unit {name}, ignoring: Unit name {name} is not valid.");
        }

        if (parsed.Type != UnitType.Slice || i.Settings.Type == UnitType.Slice && name == i.UnitId)
        {
            return i.Warn($"Failed to assign slice {name} to unit {i.UnitId}, ignoring: Invalid argument");
        }

        i.Settings.ResourceControl!.Slice = name;
        return SettingOutcome.Accepted;
    }

    /// <summary>cg_cpu_weight_parse(): "idle" or 1…10000; empty unsets.</summary>
    public static SettingParser CpuWeight(Action<UnitSettings, ulong?> set) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            set(i.Settings, null);
            return SettingOutcome.Accepted;
        }

        if (i.Value == "idle")
        {
            set(i.Settings, 0);
            return SettingOutcome.Accepted;
        }

        if (Numbers.ParseUInt64(i.Value, out var weight) != ValueError.None || weight is < 1 or > 10000)
        {
            return i.Warn($"Invalid CPU weight, ignoring: {i.Value}");
        }

        set(i.Settings, weight);
        return SettingOutcome.Accepted;
    };

    /// <summary>cg_weight_parse(): 1…10000; empty unsets.</summary>
    public static SettingParser Weight(Action<UnitSettings, ulong?>? set) => (in SettingInput i) =>
    {
        ulong? value = null;
        if (!i.IsEmpty)
        {
            if (Numbers.ParseUInt64(i.Value, out var weight) != ValueError.None || weight is < 1 or > 10000)
            {
                return i.Warn($"Invalid weight, ignoring: {i.Value}");
            }

            value = weight;
        }

        set?.Invoke(i.Settings, value);
        return SettingOutcome.Accepted;
    };

    public static SettingOutcome CpuShares(in SettingInput i)
    {
        i.Warn($"Unit uses {i.Key}=; please use CPUWeight= instead. Support for {i.Key}= will be removed soon.");
        if (i.IsEmpty || (Numbers.ParseUInt64(i.Value, out var shares) == ValueError.None && shares is >= 2 and <= 262144))
        {
            return SettingOutcome.Accepted;
        }

        return i.Warn($"Invalid CPU shares, ignoring: {i.Value}");
    }

    public static SettingOutcome CpuQuota(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.ResourceControl!.CPUQuotaPerSecUsec = ulong.MaxValue;
            return SettingOutcome.Accepted;
        }

        if (Numbers.ParsePermyriadUnbounded(i.Value, out var permyriad) != ValueError.None || permyriad <= 0)
        {
            return i.Warn($"Invalid CPU quota '{i.Value}', ignoring.");
        }

        i.Settings.ResourceControl!.CPUQuotaPerSecUsec = (ulong)permyriad * TimeSpans.MicrosecondsPerSecond / 10000;
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_memory_limit: bytes, a percentage of RAM, or "infinity".</summary>
    public static SettingOutcome MemoryLimitOf(in SettingInput i)
    {
        var key = i.Key;
        var zeroAllowed = key is "MemorySwapMax" or "MemoryLow" or "MemoryMin" or "DefaultMemoryLow" or "DefaultMemoryMin";
        MemoryLimit limit;
        if (i.IsEmpty && key is "DefaultMemoryLow" or "DefaultMemoryMin" or "MemoryLow" or "MemoryMin")
        {
            limit = new MemoryLimit(0, 0);
        }
        else if (i.IsEmpty || i.Value == "infinity")
        {
            limit = MemoryLimit.Max;
        }
        else if (Numbers.ParsePermyriad(i.Value, out var permyriad) == ValueError.None)
        {
            if (permyriad == 0 && !zeroAllowed)
            {
                return i.Warn($"Memory limit '{i.Value}' out of range, ignoring.");
            }

            limit = permyriad == 0 ? new MemoryLimit(0, 0) : new MemoryLimit(0, permyriad);
        }
        else
        {
            var error = Numbers.ParseSize(i.Value, 1024, out var bytes);
            if (error != ValueError.None)
            {
                return i.Warn($"Invalid memory limit '{i.Value}', ignoring: {error.Describe()}");
            }

            if (bytes == ulong.MaxValue || (bytes == 0 && !zeroAllowed))
            {
                return i.Warn($"Memory limit '{i.Value}' out of range, ignoring.");
            }

            limit = new MemoryLimit(bytes, 0);
        }

        var rc = i.Settings.ResourceControl!;
        switch (key)
        {
            case "MemoryMin": rc.MemoryMin = limit; break;
            case "MemoryLow": rc.MemoryLow = limit; break;
            case "MemoryHigh": rc.MemoryHigh = limit; break;
            case "MemoryMax": rc.MemoryMax = limit; break;
            case "MemorySwapMax": rc.MemorySwapMax = limit; break;
            case "MemoryLimit":
                i.Warn("Unit uses MemoryLimit=; please use MemoryMax= instead. Support for MemoryLimit= will be removed soon.");
                break;
        }

        return SettingOutcome.Accepted;
    }

    /// <summary>cg_blkio_weight_parse(): 10…1000; empty unsets.</summary>
    public static SettingOutcome BlockIOWeight(in SettingInput i) =>
        i.IsEmpty || (Numbers.ParseUInt64(i.Value, out var weight) == ValueError.None && weight is >= 10 and <= 1000)
            ? SettingOutcome.Accepted
            : i.Warn($"Invalid block IO weight, ignoring: {i.Value}");

    public static SettingOutcome BlockIO(in SettingInput i)
    {
        i.Warn($"Unit uses {i.Key}=; please use IO*= settings instead. Support for {i.Key}= will be removed soon.");
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome TasksMaxOf(in SettingInput i)
    {
        var rc = i.Settings.ResourceControl!;
        if (i.IsEmpty)
        {
            rc.TasksMax = null;
            return SettingOutcome.Accepted;
        }

        if (i.Value == "infinity")
        {
            rc.TasksMax = TasksMax.Unset;
            return SettingOutcome.Accepted;
        }

        if (Numbers.ParsePermyriad(i.Value, out var permyriad) == ValueError.None)
        {
            rc.TasksMax = new TasksMax((ulong)permyriad, 10000);
            return SettingOutcome.Accepted;
        }

        var error = Numbers.ParseUInt64(i.Value, out var count);
        if (error != ValueError.None)
        {
            return i.Warn($"Invalid maximum tasks value '{i.Value}', ignoring: {error.Describe()}");
        }

        if (count is 0 or ulong.MaxValue)
        {
            return i.Warn($"Maximum tasks value '{i.Value}' out of range, ignoring.");
        }

        rc.TasksMax = new TasksMax(count, 0);
        return SettingOutcome.Accepted;
    }

    private static readonly string[] Controllers = ["cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces"];

    public static SettingOutcome Delegate(in SettingInput i)
    {
        if (i.Settings.Type is not (UnitType.Service or UnitType.Scope))
        {
            return i.Warn("Delegate= setting not supported for this unit type, ignoring.");
        }

        var rc = i.Settings.ResourceControl!;
        if (i.IsEmpty)
        {
            rc.Delegate = true;
            return SettingOutcome.Accepted;
        }

        if (Numbers.TryParseBoolean(i.Value, out var delegateAll))
        {
            rc.Delegate = delegateAll;
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            if (Array.IndexOf(Controllers, word) < 0)
            {
                i.Warn($"Invalid controller name '{word}', ignoring");
            }
        }

        if (words.Invalid)
        {
            return i.Warn($"Invalid syntax, ignoring: {i.Value}");
        }

        rc.Delegate = true;
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_restrict_namespaces: a boolean (yes: none allowed, no: all), or namespace names
    /// optionally inverted with "~"; the first list sets, later ones add (or with "~" remove) flags; empty resets.</summary>
    public static SettingOutcome RestrictNamespaces(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.RestrictNamespaces = null;
            return SettingOutcome.Accepted;
        }

        if (Numbers.TryParseBoolean(i.Value, out var restrict))
        {
            exec.RestrictNamespaces = restrict ? 0 : NamespaceFlags.All;
            return SettingOutcome.Accepted;
        }

        var invert = i.Value.StartsWith('~');
        var list = invert ? i.Value[1..] : i.Value;
        ulong flags = 0;
        var words = new WordReader(list, null, ExtractFlags.None);
        while (words.Next(out var word))
        {
            var flag = NamespaceFlags.FromName(word);
            if (flag == 0)
            {
                return i.Warn($"Failed to parse namespace type string, ignoring: {list}");
            }

            flags |= flag;
        }

        if (words.Invalid)
        {
            return i.Warn($"Failed to parse namespace type string, ignoring: {list}");
        }

        exec.RestrictNamespaces = exec.RestrictNamespaces is { } previous
            ? invert ? previous & ~flags : previous | flags
            : invert ? ~flags & NamespaceFlags.All : flags;
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_capability_set: CapabilityBoundingSet= (unset: all) and AmbientCapabilities= (unset: none).
    /// A list replaces an empty or unset value and is merged into an earlier one; "~" inverts it.</summary>
    public static SettingParser CapabilitySet(bool boundingSet) => (in SettingInput i) =>
    {
        var exec = i.Settings.Exec!;
        var invert = i.Value.StartsWith('~');
        var sum = Capabilities.ParseSet(invert ? i.Value[1..] : i.Value);
        ulong initial = boundingSet ? Capabilities.All : 0;
        ulong current = boundingSet ? exec.CapabilityBoundingSet : exec.AmbientCapabilities;
        ulong value = sum == 0 || current == initial
            ? invert ? ~sum : sum
            : invert ? current & ~sum : current | sum;
        if (boundingSet)
        {
            exec.CapabilityBoundingSet = value;
        }
        else
        {
            exec.AmbientCapabilities = value;
        }

        return SettingOutcome.Accepted;
    };

    /// <summary>config_parse_personality: the native architecture or its 32-bit secondary one.</summary>
    public static SettingOutcome Personality(in SettingInput i)
    {
        var names = Architectures.Names;
        return i.IsEmpty || i.Value == names.Native || i.Value == names.Secondary
            ? SettingOutcome.Accepted
            : i.Warn($"Failed to parse personality, ignoring: {i.Value}");
    }

    /// <summary>config_parse_colon_separated_paths: ExecSearchPath=, absolute paths separated by ':'.</summary>
    public static SettingOutcome ColonSeparatedPaths(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, ":", ExtractFlags.DontCoalesceSeparators);
        while (words.Next(out var word))
        {
            if (!i.TryExpandOrWarn(word, out var path) || i.CheckAbsolutePath(path) is null)
            {
                return SettingOutcome.Ignored;
            }
        }

        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_address_families: "none" (no family), or AF_* names optionally inverted with "~". The first
    /// list decides allow or deny; later ones add to it, or with the other sense take away; empty resets.</summary>
    public static SettingOutcome RestrictAddressFamilies(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty || i.Value == "none")
        {
            exec.RestrictAddressFamilies = i.IsEmpty ? null : new AddressFamilyRestriction(allowList: true);
            return SettingOutcome.Accepted;
        }

        bool invert = i.Value.StartsWith('~');
        var restriction = exec.RestrictAddressFamilies ??= new AddressFamilyRestriction(allowList: !invert);
        var words = new WordReader(invert ? i.Value[1..] : i.Value, null, ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            if (AddressFamilies.Parse(word) is { } family)
            {
                restriction.Apply(family, invert);
            }
            else
            {
                i.Warn($"Failed to parse address family, ignoring: {word}");
            }
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    /// <summary>config_parse_syscall_filter: system call names and @groups, each optionally "name:errno"; "~" makes a deny
    /// list. The first list decides allow or deny (an allow list starts with @default); later ones add to it, or with
    /// the other sense take away; empty resets.</summary>
    public static SettingOutcome SystemCallFilter(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.SystemCallFilter = null;
            return SettingOutcome.Accepted;
        }

        bool invert = i.Value.StartsWith('~');
        if (exec.SystemCallFilter is null)
        {
            exec.SystemCallFilter = new SyscallFilter(allowList: !invert);
            if (!invert)
            {
                exec.SystemCallFilter.Apply("@default", SyscallFilter.DefaultAction, inverted: false);
            }
        }

        var words = new WordReader(invert ? i.Value[1..] : i.Value, null, ExtractFlags.None);
        while (words.Next(out var word))
        {
            int colon = word.IndexOf(':');
            string name = colon < 0 ? word : word[..colon];
            int errorNumber = SyscallFilter.DefaultAction;
            if (colon >= 0)
            {
                if (name.Length == 0 || ErrorNumberOrKill(word[(colon + 1)..]) is not { } parsed)
                {
                    i.Warn($"Failed to parse syscall:errno, ignoring: {word}");
                    continue;
                }

                if (!invert)
                {
                    i.Warn($"Allow-listed system calls cannot take error number, ignoring: {word}");
                    continue;
                }

                errorNumber = parsed;
            }

            if (name[0] == '@' ? !SyscallGroups.IsGroup(name) : !SyscallGroups.IsKnownSyscall(name))
            {
                i.Warn(name[0] == '@' ? $"Unknown system call group, ignoring: {name}" : $"Failed to parse system call, ignoring: {name}");
                continue;
            }

            exec.SystemCallFilter.Apply(name, errorNumber, invert);
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    /// <summary>seccomp_parse_errno_or_action: "kill", or an errno name or number (1…4095).</summary>
    private static int? ErrorNumberOrKill(string text) =>
        text == "kill" ? SyscallFilter.Kill : ErrnoNames.Parse(text) is { } number and > 0 ? number : null;

    /// <summary>config_parse_syscall_errno: SystemCallErrorNumber=, an errno name or number, or "kill" (and empty) for
    /// killing the process.</summary>
    public static SettingOutcome SystemCallErrorNumber(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty || i.Value == "kill")
        {
            exec.SystemCallErrorNumber = SyscallFilter.Kill;
            return SettingOutcome.Accepted;
        }

        switch (ErrnoNames.Parse(i.Value))
        {
            case null:
                return i.Warn($"Failed to parse error number, ignoring: {i.Value}");
            case 0:
                return i.Warn($"Invalid error number, ignoring: {i.Value}");
            case int number:
                exec.SystemCallErrorNumber = number;
                return SettingOutcome.Accepted;
        }
    }

    // seccomp_arch_from_string's names.
    private static readonly string[] SyscallArchitectureNames =
    [
        "native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32", "mips-le", "mips64-le", "mips64-le-n32",
        "parisc", "parisc64", "ppc", "ppc64", "ppc64-le", "riscv64", "s390", "s390x",
    ];

    /// <summary>config_parse_syscall_archs: architecture names added to the set; empty resets.</summary>
    public static SettingOutcome SystemCallArchitectures(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.SystemCallArchitectures = [];
            return SettingOutcome.Accepted;
        }

        var architectures = new SortedSet<string>(exec.SystemCallArchitectures, StringComparer.Ordinal);
        var words = new WordReader(i.Value, null, ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            if (Array.IndexOf(SyscallArchitectureNames, word) < 0)
            {
                i.Warn($"Failed to parse system call architecture \"{word}\", ignoring: Invalid argument");
                continue;
            }

            architectures.Add(word);
        }

        exec.SystemCallArchitectures = [.. architectures];
        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }
}
