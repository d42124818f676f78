using Units.Core.Manager;
using Units.UnitFiles;
using Units.UnitFiles.Settings.Values;
using Units.UnitFiles.Syntax;

namespace Units.Daemon.Host;

/// <summary>The [Manager] section of system.conf / user.conf (systemd-system.conf(5)): the defaults units
/// inherit. Files are read in systemd's order; a later file overrides an earlier one.</summary>
internal sealed class ManagerConfiguration
{
    public string DefaultStandardOutput { get; private set; } = "journal";

    public string DefaultStandardError { get; private set; } = "inherit";

    public ulong DefaultTimeoutStartUSec { get; private set; } = 90_000_000;

    public ulong DefaultTimeoutStopUSec { get; private set; } = 90_000_000;

    public ulong DefaultRestartUSec { get; private set; } = 100_000;

    public List<string> DefaultEnvironment { get; } = [];

    /// <summary>The files that configure a manager of <paramref name="user"/> scope, lowest precedence first.</summary>
    public static IEnumerable<string> Files(bool user, Func<string, string?> getenv)
    {
        string name = user ? "user.conf" : "system.conf";
        foreach (string root in new[] { "/usr/lib/systemd", "/etc/systemd", "/run/systemd" })
        {
            yield return Path.Combine(root, name);
            string dropIns = Path.Combine(root, name + ".d");
            if (Directory.Exists(dropIns))
            {
                foreach (string dropIn in Directory.GetFiles(dropIns, "*.conf").Order(StringComparer.Ordinal))
                    yield return dropIn;
            }
        }
        if (user)
        {
            string? configHome = getenv("XDG_CONFIG_HOME");
            if (string.IsNullOrEmpty(configHome) && getenv("HOME") is string home && home.Length > 0)
                configHome = Path.Combine(home, ".config");
            if (!string.IsNullOrEmpty(configHome))
                yield return Path.Combine(configHome, "systemd", "user.conf");
        }
    }

    /// <summary>Reads every existing file of <paramref name="files"/>; problems are logged and skipped, as systemd does.</summary>
    public static ManagerConfiguration Read(IEnumerable<string> files, ICoreLog log)
    {
        var configuration = new ManagerConfiguration();
        foreach (string file in files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Write(LogPriority.Warning, null, $"Failed to read {file}, ignoring: {e.Message}");
                continue;
            }
            var diagnostics = new DiagnosticBag();
            ParsedUnitFile parsed = UnitFileParser.Parse(file, text, diagnostics);
            foreach (ParsedSection section in parsed.Sections)
            {
                if (section.Name != "Manager")
                    continue;
                foreach (ParsedEntry entry in section.Entries)
                    configuration.Apply(file, entry, log);
            }
            foreach (Diagnostic diagnostic in diagnostics.Items)
                log.Write(LogPriority.Warning, null, diagnostic.ToString());
        }
        return configuration;
    }

    private void Apply(string file, ParsedEntry entry, ICoreLog log)
    {
        switch (entry.Key)
        {
            case "DefaultStandardOutput":
                DefaultStandardOutput = entry.Value;
                break;
            case "DefaultStandardError":
                DefaultStandardError = entry.Value;
                break;
            case "DefaultTimeoutStartSec":
                DefaultTimeoutStartUSec = Seconds(file, entry, log) ?? DefaultTimeoutStartUSec;
                break;
            case "DefaultTimeoutStopSec":
                DefaultTimeoutStopUSec = Seconds(file, entry, log) ?? DefaultTimeoutStopUSec;
                break;
            case "DefaultRestartSec":
                DefaultRestartUSec = Seconds(file, entry, log) ?? DefaultRestartUSec;
                break;
            case "DefaultEnvironment":
                if (entry.Value.Length == 0)
                    DefaultEnvironment.Clear();
                else
                    DefaultEnvironment.AddRange(entry.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                break;
            default:
                // Other [Manager] settings (watchdogs, CPU affinity, accounting defaults...) do not apply to what
                // unitsd does yet; say so rather than drop them silently.
                log.Write(LogPriority.Debug, null, $"{file}:{entry.Line}: {entry.Key}= is not supported by unitsd yet, ignoring.");
                break;
        }
    }

    private static ulong? Seconds(string file, ParsedEntry entry, ICoreLog log)
    {
        if (TimeSpans.ParseSecondsZeroIsInfinity(entry.Value, out ulong usec) == ValueError.None)
            return usec;
        log.Write(LogPriority.Warning, null, $"{file}:{entry.Line}: Failed to parse {entry.Key}= value, ignoring: {entry.Value}");
        return null;
    }
}
