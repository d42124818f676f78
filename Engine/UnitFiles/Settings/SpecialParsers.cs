using System.Text;
using Units.UnitFiles.Names;
using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>
/// Parsers for options whose value has its own grammar or messages in systemd (one load-fragment.c function each).
/// </summary>
internal static partial class SpecialParsers
{
    private const int StdinDataMax = 64 * 1024 * 1024;

    public static SettingOutcome Documentation(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.ClearDocumentation();
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpandOrWarn(i.Value, out var expanded))
        {
            return SettingOutcome.Ignored;
        }

        var words = new WordReader(expanded, null, ExtractFlags.Unquote | ExtractFlags.RetainEscape);
        while (words.Next(out var url))
        {
            if (IsDocumentationUrl(url))
            {
                i.Settings.DocumentationList.Add(url);
            }
            else
            {
                i.Warn($"Invalid URL, ignoring: {url}");
            }
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {expanded}") : SettingOutcome.Accepted;
    }

    /// <summary>documentation_url_is_valid(): http(s)://, file:/, info: and man: URLs in ASCII.</summary>
    private static bool IsDocumentationUrl(string url)
    {
        if (!Ascii.IsValid(url))
        {
            return false;
        }

        foreach (var prefix in (string[])["http://", "https://", "file:/", "info:", "man:"])
        {
            if (url.StartsWith(prefix, StringComparison.Ordinal) && url.Length > prefix.Length)
            {
                return true;
            }
        }

        return false;
    }

    public static SettingOutcome RequiresMountsFor(in SettingInput i)
    {
        var words = new WordReader(i.Value, null, ExtractFlags.Unquote);
        while (words.Next(out var word))
        {
            if (!i.TryExpandOrWarn(word, out var expanded))
            {
                continue;
            }

            if (i.CheckAbsolutePath(expanded) is { } path)
            {
                i.Settings.AddRequiresMountsFor(path);
            }
        }

        return words.Invalid ? i.Warn($"Invalid syntax, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    public static SettingOutcome OnFailureIsolate(in SettingInput i)
    {
        if (!Numbers.TryParseBoolean(i.Value, out var isolate))
        {
            return i.Warn($"Failed to parse boolean, ignoring: {i.Value}");
        }

        i.Settings.OnFailureJobMode = isolate ? JobMode.Isolate : JobMode.Replace;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome JobTimeout(in SettingInput i)
    {
        if (TimeSpans.ParseSecondsZeroIsInfinity(i.Value, out var usec) != ValueError.None)
        {
            return i.Warn($"Failed to parse JobTimeoutSec= parameter, ignoring: {i.Value}");
        }

        // For compatibility JobTimeoutSec= also sets JobRunningTimeoutSec=, unless that was set explicitly.
        if (!i.Settings.JobRunningTimeoutSet)
        {
            i.Settings.JobRunningTimeoutUsec = usec;
        }

        i.Settings.JobTimeoutUsec = usec;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome JobRunningTimeout(in SettingInput i)
    {
        if (TimeSpans.ParseSecondsZeroIsInfinity(i.Value, out var usec) != ValueError.None)
        {
            return i.Warn($"Failed to parse JobRunningTimeoutSec= parameter, ignoring: {i.Value}");
        }

        i.Settings.JobRunningTimeoutUsec = usec;
        i.Settings.JobRunningTimeoutSet = true;
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_reboot_parameter: ASCII (control characters included), at most NAME_MAX (255) bytes.</summary>
    public static SettingParser RebootParameter(Action<UnitSettings, string?> set) => (in SettingInput i) =>
    {
        if (!i.TryExpandOrWarn(i.Value, out var value))
        {
            return SettingOutcome.Ignored;
        }

        if (value.Length > 255 || !Ascii.IsValid(value))
        {
            return i.Warn($"Invalid reboot parameter '{value}', ignoring.");
        }

        set(i.Settings, value.Length == 0 ? null : value);
        return SettingOutcome.Accepted;
    };

    public static SettingOutcome InstallList(in SettingInput i)
    {
        var list = i.Settings.InstallList(i.Key);
        if (i.IsEmpty)
        {
            list.Clear();
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.Unquote | ExtractFlags.RetainEscape);
        while (words.Next(out var word))
        {
            list.Add(word);
        }

        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_pid_file: relative paths are under /run; /var/run/ is patched to /run/.</summary>
    public static SettingOutcome PidFile(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Service!.PIDFile = null;
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpandOrWarn(i.Value, out var expanded))
        {
            return SettingOutcome.Ignored;
        }

        var runtime = i.IsUserManager ? System.Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") ?? "/run" : "/run";
        var absolute = UnitPaths.IsAbsolute(expanded) ? expanded : runtime.TrimEnd('/') + "/" + expanded;
        if (i.CheckAbsolutePath(absolute) is not { } path)
        {
            return SettingOutcome.Ignored;
        }

        i.Settings.Service!.PIDFile = PatchVarRun(path);
        return SettingOutcome.Accepted;
    }

    /// <summary>
    /// patch_var_run(): /var/run/ is a legacy symlink to /run/, so paths below it are rewritten. Debian's systemd 252
    /// does this without a message at the log level verify uses, and so do we.
    /// </summary>
    private static string PatchVarRun(string path) =>
        path.StartsWith("/var/run/", StringComparison.Ordinal) ? "/run/" + path["/var/run/".Length..] : path;

    public static SettingOutcome ServiceTimeout(in SettingInput i)
    {
        if (TimeSpans.ParseSecondsZeroIsInfinity(i.Value, out var usec) != ValueError.None)
        {
            return i.Warn($"Failed to parse {i.Key}= parameter, ignoring: {i.Value}");
        }

        i.Settings.Service!.TimeoutStartUsec = usec;
        if (i.Key == "TimeoutSec")
        {
            i.Settings.Service.TimeoutStopUsec = usec;
        }

        return SettingOutcome.Accepted;
    }

    public static SettingOutcome TimeoutAbort(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Service!.TimeoutAbortUsec = null;
            return SettingOutcome.Accepted;
        }

        if (TimeSpans.ParseSeconds(i.Value, out var usec) != ValueError.None)
        {
            return i.Warn($"Failed to parse {i.Key}= setting, ignoring: {i.Value}");
        }

        i.Settings.Service!.TimeoutAbortUsec = usec;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome SysVStartPriority(in SettingInput i)
    {
        if (Numbers.ParseInt32(i.Value, out var priority) != ValueError.None || priority < 0)
        {
            return i.Warn($"Failed to parse SysV start priority, ignoring: {i.Value}");
        }

        i.Settings.Service!.SysVStartPriority = priority;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome BusName(in SettingInput i)
    {
        if (!i.TryExpand(i.Value, out var name, out var error))
        {
            return i.Warn($"Failed to resolve unit specifiers in {i.Value}, ignoring: {error}");
        }

        if (!IsBusServiceName(name))
        {
            return i.Warn($"Invalid bus name, ignoring: {name}");
        }

        i.Settings.Service!.BusName = name;
        return SettingOutcome.Accepted;
    }

    /// <summary>sd_bus_service_name_is_valid(): a unique (":1.5") or well-known ("org.foo.Bar") bus name.</summary>
    public static bool IsBusServiceName(string name)
    {
        if (name.Length is 0 or > 255)
        {
            return false;
        }

        var unique = name[0] == ':';
        var elements = (unique ? name[1..] : name).Split('.');
        if (elements.Length < 2)
        {
            return false;
        }

        foreach (var element in elements)
        {
            if (element.Length == 0 || (!unique && char.IsAsciiDigit(element[0])))
            {
                return false;
            }

            foreach (var c in element)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public static SettingOutcome ServiceSockets(in SettingInput i)
    {
        var words = new WordReader(i.Value, null, ExtractFlags.None);
        while (words.Next(out var word))
        {
            if (!i.TryExpandName(word, out var name, out var error))
            {
                i.Warn($"Failed to resolve unit specifiers in '{word}', ignoring: {error}");
                continue;
            }

            if (!name.EndsWith(".socket", StringComparison.Ordinal))
            {
                i.Warn($"Unit must be of type socket, ignoring: {name}");
                continue;
            }

            if (i.IsCheckableName(name) && !UnitName.IsValid(name, UnitNameKinds.Plain | UnitNameKinds.Instance))
            {
                i.Warn($"Failed to add dependency on {name}, ignoring: Invalid argument");
                continue;
            }

            i.Settings.Service!.AddSocket(name);
        }

        return words.Invalid ? i.Warn($"Trailing garbage in sockets, ignoring: {i.Value}") : SettingOutcome.Accepted;
    }

    public static SettingOutcome SocketListenOf(in SettingInput i, SocketListenType type)
    {
        if (i.IsEmpty)
        {
            i.Settings.Socket!.ResetListen();
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpandOrWarn(i.Value, out var address))
        {
            return SettingOutcome.Ignored;
        }

        if (type is SocketListenType.Fifo or SocketListenType.Special or SocketListenType.MessageQueue or SocketListenType.UsbFunction)
        {
            if (i.CheckAbsolutePath(address) is not { } path)
            {
                return SettingOutcome.Ignored;
            }

            address = type == SocketListenType.Fifo ? PatchVarRun(path) : path;
        }
        else if (type != SocketListenType.Netlink && address.StartsWith('/'))
        {
            address = PatchVarRun(address);
        }

        i.Settings.Socket!.AddListen(new SocketListen(type, address));
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_ip_tos: a name or 0…255; empty resets.</summary>
    public static SettingOutcome IpTos(in SettingInput i)
    {
        if (i.IsEmpty || i.Value is "low-delay" or "throughput" or "reliability" or "low-cost"
            || (Numbers.ParseUnsigned(i.Value, out var tos) == ValueError.None && tos <= 0xFF))
        {
            return SettingOutcome.Accepted;
        }

        return i.Warn($"Failed to parse IP TOS value, ignoring: {i.Value}");
    }

    /// <summary>config_parse_user_group_compat: an invalid user or group name makes the unit unloadable.</summary>
    public static SettingParser UserOrGroup(Action<UnitSettings, string?> set) => (in SettingInput i) =>
    {
        if (i.IsEmpty)
        {
            set(i.Settings, null);
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpand(i.Value, out var name, out var error))
        {
            return i.Fail($"Failed to resolve unit specifiers in {i.Value}: {error}");
        }

        if (!IsUserOrGroupName(name, i.Diagnostics))
        {
            return i.Fail($"Invalid user/group name or numeric ID: {name}");
        }

        set(i.Settings, name);
        return SettingOutcome.Accepted;
    };

    public static SettingOutcome SupplementaryGroups(in SettingInput i)
    {
        var exec = i.Settings.Exec!;
        if (i.IsEmpty)
        {
            exec.ResetSupplementaryGroups();
            return SettingOutcome.Accepted;
        }

        var words = new WordReader(i.Value, null, ExtractFlags.None);
        while (words.Next(out var word))
        {
            if (!i.TryExpand(word, out var name, out var error))
            {
                return i.Fail($"Failed to resolve unit specifiers in {word}: {error}");
            }

            if (!IsUserOrGroupName(name, i.Diagnostics))
            {
                return i.Fail($"Invalid user/group name or numeric ID: {name}");
            }

            exec.SupplementaryGroupList.Add(name);
        }

        return words.Invalid ? i.Fail($"Invalid syntax: {i.Value}") : SettingOutcome.Accepted;
    }

    /// <summary>
    /// valid_user_group_name() with VALID_USER_RELAX|VALID_USER_ALLOW_NUMERIC|VALID_USER_WARN: a numeric ID, or a name
    /// without control characters, ':' or '/', outer spaces, "."/"..", or only (negative) digits. A name outside the
    /// strict POSIX-like rules is accepted with systemd's notice, which systemd logs without a file position.
    /// </summary>
    public static bool IsUserOrGroupName(string name, DiagnosticBag? notices = null)
    {
        if (name.Length == 0)
        {
            return false;
        }

        if (Numbers.ParseUInt64(name, out var id) == ValueError.None && char.IsAsciiDigit(name[0]) && id < uint.MaxValue && id != 65535)
        {
            return true;
        }

        if (name[0] == ' ' || name[^1] == ' ' || name is "." or ".." || IsDigits(name) || (name[0] == '-' && IsDigits(name[1..])))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsControl(c) || c is ':' or '/')
            {
                return false;
            }
        }

        if (!IsStrictUserOrGroupName(name))
        {
            notices?.Warn(string.Empty, 0, $"Accepting user/group name '{name}', which does not match strict user/group name rules.");
        }

        return true;
    }

    private static bool IsDigits(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The strict rules: a letter or '_', then letters, digits, '_' or '-', at most 31 characters (utmp).</summary>
    private static bool IsStrictUserOrGroupName(string name)
    {
        if (!char.IsAsciiLetter(name[0]) && name[0] != '_')
        {
            return false;
        }

        foreach (var c in name.AsSpan(1))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return name.Length <= 31;
    }

    public static SettingOutcome FileDescriptorName(in SettingInput i)
    {
        if (!i.TryExpandOrWarn(i.Value, out var name))
        {
            return SettingOutcome.Ignored;
        }

        if (name.Length > 0 && !IsFileDescriptorName(name))
        {
            return i.Warn($"Invalid file descriptor name, ignoring: {name}");
        }

        i.Settings.Socket!.FileDescriptorName = name.Length == 0 ? null : name;
        return SettingOutcome.Accepted;
    }

    /// <summary>fdname_is_valid(): printable ASCII except ':', at most 255 characters.</summary>
    public static bool IsFileDescriptorName(string name)
    {
        if (name.Length is 0 or > 255)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < ' ' or > '~' || c == ':')
            {
                return false;
            }
        }

        return true;
    }

    public static SettingOutcome SocketService(in SettingInput i)
    {
        if (!i.TryExpandName(i.Value, out var name, out var error))
        {
            return i.Warn($"Failed to resolve unit specifiers in {i.Value}, ignoring: {error}");
        }

        if (!name.EndsWith(".service", StringComparison.Ordinal))
        {
            return i.Warn($"Unit must be of type service, ignoring: {i.Value}");
        }

        if (i.IsCheckableName(name) && !UnitName.IsValid(name, UnitNameKinds.Plain | UnitNameKinds.Instance))
        {
            return i.Warn($"Failed to load unit {i.Value}, ignoring: Unit name {name} is not valid.");
        }

        i.Settings.Socket!.Service = name;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome SwapPriority(in SettingInput i)
    {
        if (i.IsEmpty)
        {
            i.Settings.Swap!.Priority = null;
            return SettingOutcome.Accepted;
        }

        if (Numbers.ParseInt32(i.Value, out var priority) != ValueError.None)
        {
            return i.Warn($"Invalid swap priority '{i.Value}', ignoring.");
        }

        if (priority < -1)
        {
            return i.Warn($"Sorry, swap priorities smaller than -1 may only be assigned by the kernel itself, ignoring: {i.Value}");
        }

        if (priority > 32767)
        {
            return i.Warn($"Swap priority out of range, ignoring: {i.Value}");
        }

        i.Settings.Swap!.Priority = priority;
        return SettingOutcome.Accepted;
    }

    public static SettingOutcome TimerOf(in SettingInput i, TimerBase timerBase)
    {
        if (i.IsEmpty)
        {
            i.Settings.Timer!.ResetTimers();
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpandOrWarn(i.Value, out var text))
        {
            return SettingOutcome.Ignored;
        }

        if (timerBase == TimerBase.Calendar)
        {
            if (CalendarSpec.Parse(text, out var spec) != ValueError.None)
            {
                return i.Warn($"Failed to parse calendar specification, ignoring: {text}");
            }

            i.Settings.Timer!.AddTimer(new TimerValue(timerBase, 0, spec));
            return SettingOutcome.Accepted;
        }

        if (TimeSpans.ParseSeconds(text, out var usec) != ValueError.None)
        {
            return i.Warn($"Failed to parse timer value, ignoring: {text}");
        }

        i.Settings.Timer!.AddTimer(new TimerValue(timerBase, usec, null));
        return SettingOutcome.Accepted;
    }

    /// <summary>config_parse_trigger_unit: Unit= of timers and paths.</summary>
    public static SettingParser TriggerUnit(Action<UnitSettings, string> set, Func<UnitSettings, string?> get) => (in SettingInput i) =>
    {
        if (get(i.Settings) is not null)
        {
            return i.Warn($"Multiple units to trigger specified, ignoring: {i.Value}");
        }

        if (!i.TryExpandName(i.Value, out var name, out var error))
        {
            return i.Warn($"Failed to resolve unit specifiers in {i.Value}, ignoring: {error}");
        }

        var dot = name.LastIndexOf('.');
        if (dot < 0 || !UnitTypes.TryParse(name.AsSpan(dot + 1), out _))
        {
            return i.Warn($"Unit type not valid, ignoring: {i.Value}");
        }

        if (name == i.UnitId)
        {
            return i.Warn($"Units cannot trigger themselves, ignoring: {i.Value}");
        }

        if (i.IsCheckableName(name) && !UnitName.IsValid(name, UnitNameKinds.Plain | UnitNameKinds.Instance))
        {
            return i.Warn($"Failed to add trigger on {name}, ignoring: Invalid argument");
        }

        set(i.Settings, name);
        return SettingOutcome.Accepted;
    };

    public static SettingOutcome PathSpecOf(in SettingInput i, PathType type)
    {
        if (i.IsEmpty)
        {
            i.Settings.Path!.ResetSpecs();
            return SettingOutcome.Accepted;
        }

        if (!i.TryExpand(i.Value, out var expanded, out var error))
        {
            return i.Warn($"Failed to resolve unit specifiers in {i.Value}, ignoring: {error}");
        }

        if (i.CheckAbsolutePath(expanded) is not { } path)
        {
            return SettingOutcome.Ignored;
        }

        i.Settings.Path!.AddSpec(new PathSpec(type, path));
        return SettingOutcome.Accepted;
    }
}
