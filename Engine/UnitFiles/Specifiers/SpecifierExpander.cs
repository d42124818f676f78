using System.Globalization;
using System.Text;
using Units.UnitFiles.Names;

namespace Units.UnitFiles.Specifiers;

/// <summary>
/// Expands "%x" specifiers as systemd 252's specifier_printf() with the tables of unit-printf.c
/// (unit settings) and install.c (install settings): "%%" is a percent sign, a trailing lone "%"
/// stays, an unknown letter fails with EBADSLT ("Invalid slot"), the result may not exceed
/// LONG_LINE_MAX (ENAMETOOLONG).
/// </summary>
public static class SpecifierExpander
{
    /// <summary>
    /// Expands <paramref name="text"/>. On failure returns false with the errno systemd reports
    /// ("Failed to resolve unit specifiers in '...', ignoring: {errno text}" is the caller's message).
    /// The deprecated %c, %r, %R add systemd's warning to <paramref name="d"/>.
    /// </summary>
    public static bool TryExpand(string text, SpecifierContext context, DiagnosticBag d, out string result, out Errno error)
    {
        error = 0;
        int percent = text.IndexOf('%', StringComparison.Ordinal);
        if (percent < 0)
        {
            result = text;
            return true;
        }

        var sb = new StringBuilder(text.Length + 32);
        sb.Append(text, 0, percent);
        for (int i = percent; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '%' || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }
            char letter = text[++i];
            if (letter == '%')
            {
                sb.Append('%');
                continue;
            }
            if (!TryLookup(letter, context, d, out string? value, out error))
            {
                result = "";
                return false;
            }
            sb.Append(value);
            if (sb.Length > Syntax.UnitFileParser.LongLineMax)
            {
                result = "";
                error = Errno.ENAMETOOLONG;
                return false;
            }
        }
        result = sb.ToString();
        return true;
    }

    /// <summary>The letters each table knows, for documentation and tests.</summary>
    public static string Letters(SpecifierTable table) => table == SpecifierTable.Install
        ? "ijnNp" + SystemLetters + CredentialLetters
        : "iIjJnNpPfyYcrRCdELStshqTV" + SystemLetters + CredentialLetters;

    private const string SystemLetters = "aAbBHlmMovwW";
    private const string CredentialLetters = "gGuU";

    private static bool TryLookup(char letter, SpecifierContext ctx, DiagnosticBag d, out string? value, out Errno error)
    {
        error = 0;
        value = null;
        if (!Letters(ctx.Table).Contains(letter, StringComparison.Ordinal))
        {
            error = Errno.EBADSLT;
            return false;
        }

        UnitName unit = ctx.Unit;
        IHostFacts host = ctx.Host;
        bool user = ctx.Scope == UnitScope.User;
        switch (letter)
        {
            case 'n': value = unit.Name; break;
            case 'N': value = unit.PrefixAndInstance; break;
            case 'p': value = unit.Prefix; break;
            case 'P': return Unescape(unit.Prefix, out value, out error);
            case 'i': value = unit.Instance ?? ""; break;
            case 'I': return Unescape(unit.Instance ?? "", out value, out error);
            case 'j': value = LastComponent(unit.Prefix); break;
            case 'J': return Unescape(LastComponent(unit.Prefix), out value, out error);
            case 'f':
                if (!UnitNameEscaping.TryUnescapePath(unit.Instance ?? unit.Prefix, out value))
                    error = Errno.EINVAL;
                break;
            case 'y': value = ctx.FragmentRealPath; error = value is null ? Errno.ENOENT : 0; break;
            case 'Y': value = ctx.FragmentRealPath is null ? null : DirectoryOf(ctx.FragmentRealPath); error = value is null ? Errno.ENOENT : 0; break;
            case 'c':
            case 'r':
            case 'R':
                d.Warn(unit.Name, 0, $"Specifier '%{letter}' used in unit configuration, which is deprecated. Please update your unit file, as it does not work as intended.");
                value = CGroupPath(letter, ctx);
                break;
            case 'C': value = user ? XdgHome(host, "XDG_CACHE_HOME", ".cache") : "/var/cache"; break;
            case 'E': value = user ? XdgHome(host, "XDG_CONFIG_HOME", ".config") : "/etc"; break;
            case 'L': value = user ? XdgHome(host, "XDG_STATE_HOME", ".local/state") + "/log" : "/var/log"; break;
            case 'S': value = user ? XdgHome(host, "XDG_STATE_HOME", ".local/state") : "/var/lib"; break;
            case 't': value = RuntimeDirectory(ctx, out error); break;
            case 'd':
                value = RuntimeDirectory(ctx, out error);
                value = value is null ? null : $"{value}/credentials/{unit.Name}";
                break;
            case 'h': value = host.Home; break;
            case 's': value = host.Shell; break;
            case 'q': value = host.PrettyHostName ?? ShortHostName(host); break;
            case 'H': value = host.HostName; break;
            case 'l': value = ShortHostName(host); break;
            case 'm': value = host.MachineId; error = value is null ? Errno.ENOENT : 0; break;
            case 'b': value = host.BootId; error = value is null ? Errno.ENOENT : 0; break;
            case 'v': value = host.KernelRelease; break;
            case 'a': value = host.Architecture; break;
            case 'o': value = host.OsRelease("ID") ?? ""; break;
            case 'w': value = host.OsRelease("VERSION_ID") ?? ""; break;
            case 'W': value = host.OsRelease("VARIANT_ID") ?? ""; break;
            case 'B': value = host.OsRelease("BUILD_ID") ?? ""; break;
            case 'M': value = host.OsRelease("IMAGE_ID") ?? ""; break;
            case 'A': value = host.OsRelease("IMAGE_VERSION") ?? ""; break;
            case 'u': value = user ? host.UserName : "root"; break;
            case 'U': value = user ? host.UserId.ToString(CultureInfo.InvariantCulture) : "0"; break;
            case 'g': value = user ? host.GroupName : "root"; break;
            case 'G': value = user ? host.GroupId.ToString(CultureInfo.InvariantCulture) : "0"; break;
            case 'T': value = TempDirectory(host, "/tmp"); break;
            case 'V': value = TempDirectory(host, "/var/tmp"); break;
        }
        return error == 0;
    }

    private static bool Unescape(string text, out string? value, out Errno error)
    {
        bool ok = UnitNameEscaping.TryUnescape(text, out string unescaped);
        value = unescaped;
        error = ok ? 0 : Errno.EINVAL;
        return ok;
    }

    /// <summary>%j: the prefix's last dash-separated component.</summary>
    private static string LastComponent(string prefix)
    {
        int dash = prefix.LastIndexOf('-');
        return dash < 0 ? prefix : prefix[(dash + 1)..];
    }

    private static string DirectoryOf(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static string ShortHostName(IHostFacts host)
    {
        string name = host.HostName;
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? name : name[..dot];
    }

    private static string XdgHome(IHostFacts host, string variable, string underHome)
    {
        string? value = host.Environment(variable);
        return value is { Length: > 0 } && value[0] == '/' ? value : $"{host.Home}/{underHome}";
    }

    private static string? RuntimeDirectory(SpecifierContext ctx, out Errno error)
    {
        error = 0;
        if (ctx.Scope == UnitScope.System)
            return "/run";
        string? dir = ctx.Host.Environment("XDG_RUNTIME_DIR");
        if (dir is { Length: > 0 } && dir[0] == '/')
            return dir;
        error = Errno.ENXIO;
        return null;
    }

    /// <summary>tmp_dir()/var_tmp_dir(): the first absolute of $TMPDIR, $TEMP, $TMP, else the default.</summary>
    private static string TempDirectory(IHostFacts host, string fallback)
    {
        foreach (string name in (string[])["TMPDIR", "TEMP", "TMP"])
        {
            string? value = host.Environment(name);
            if (value is { Length: > 0 } && value[0] == '/' && UnitNameEscaping.IsNormalizedPath(value))
                return value;
        }
        return fallback;
    }

    /// <summary>The deprecated cgroup specifiers: %R the manager's cgroup root, %r the slice's cgroup, %c the unit's.</summary>
    private static string CGroupPath(char letter, SpecifierContext ctx)
    {
        string root = ctx.Scope == UnitScope.System ? "" : $"/user.slice/user-{ctx.Host.UserId}.slice/user@{ctx.Host.UserId}.service";
        string slice = ctx.Slice ?? (ctx.Scope == UnitScope.System ? "system.slice" : "app.slice");
        return letter switch
        {
            'R' => root.Length == 0 ? "/" : root,
            'r' => $"{root}/{slice}",
            _ => $"{root}/{slice}/{ctx.Unit.Name}",
        };
    }
}
