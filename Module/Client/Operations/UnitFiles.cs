using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Units.Client.Connection;

namespace Units.Client;

/// <summary>What New-Unit writes into a unit file.</summary>
public sealed record UnitFileSpec
{
    /// <summary>The unit name; without a suffix it becomes a .service.</summary>
    public required string Name { get; init; }

    /// <summary>[Unit] Description=.</summary>
    public string? Description { get; init; }

    /// <summary>[Unit] Documentation=.</summary>
    public IReadOnlyList<string> Documentation { get; init; } = [];

    /// <summary>[Unit] After=.</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>[Unit] Wants=.</summary>
    public IReadOnlyList<string> Wants { get; init; } = [];

    /// <summary>[Unit] Requires=.</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];

    /// <summary>[Service] Type= (simple, exec, forking, oneshot, notify, dbus, idle).</summary>
    public string? ServiceType { get; init; }

    /// <summary>[Service] ExecStart= lines.</summary>
    public IReadOnlyList<string> ExecStart { get; init; } = [];

    /// <summary>[Service] ExecReload=.</summary>
    public string? ExecReload { get; init; }

    /// <summary>[Service] Restart=.</summary>
    public string? Restart { get; init; }

    /// <summary>[Service] User=.</summary>
    public string? User { get; init; }

    /// <summary>[Service] WorkingDirectory=.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>[Service] Environment= assignments, written in key order.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>[Install] WantedBy=.</summary>
    public IReadOnlyList<string> WantedBy { get; init; } = [];
}

public sealed partial class ManagerClient
{
    /// <summary>The directory new unit files go to on this manager's host.</summary>
    public string DefaultUnitDirectory(Func<string, string?> environment)
    {
        if (Target.Scope == ManagerScope.System)
        {
            return "/etc/systemd/system";
        }
        if (Target.HostName is not null)
        {
            // Relative: ssh runs the remote command in the user's home directory.
            return ".config/systemd/user";
        }
        var configHome = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : System.IO.Path.Combine(environment("HOME") ?? "/root", ".config");
        return System.IO.Path.Combine(configHome, "systemd", "user");
    }

    /// <summary>
    /// Writes a unit file on the host (refusing to replace one unless <paramref name="force"/>)
    /// and reloads the manager so the unit can be used at once.
    /// </summary>
    public async Task<UnitFile> WriteUnitFileAsync(UnitFileSpec spec, string directory, bool force, CancellationToken cancellation)
    {
        var name = SystemdNames.Mangle(spec.Name);
        var path = directory.TrimEnd('/') + "/" + name;
        var content = RenderUnitFile(spec);
        // "set -C" makes the redirection fail when the file exists: the check and the write are one step.
        var script = (force ? "" : "set -C; ") + "mkdir -p -- \"$(dirname -- \"$1\")\" && cat > \"$1\"";
        var result = await Shell.RunAsync(["sh", "-c", script, "sh", path], content, cancellation).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var exists = !force && result.StandardError.Contains("exist", StringComparison.OrdinalIgnoreCase);
            throw new UnitOperationException(new UnitError(
                exists ? "UnitFileExists" : "UnitFileWriteFailed",
                exists ? UnitErrorCategory.ResourceExists : UnitErrorCategory.WriteError,
                exists ? $"{path} already exists on {ComputerName}; use -Force to replace it." : $"Could not write {path} on {ComputerName}: {result.StandardError.Trim()}",
                path));
        }
        await Connection.ReloadAsync(cancellation).ConfigureAwait(false);
        var state = SystemdNames.Parse<UnitFileState>(await Connection.GetUnitFileStateAsync(name, cancellation).ConfigureAwait(false));
        return new UnitFile(name, path, state, ComputerName);
    }

    /// <summary>The text of a unit file for a spec; values with line breaks are refused.</summary>
    public static string RenderUnitFile(UnitFileSpec spec)
    {
        var name = SystemdNames.Mangle(spec.Name);
        var isService = SystemdNames.TypeOf(name) == UnitType.Service;
        var text = new StringBuilder();
        void Section(string section) => text.Append(text.Length == 0 ? "" : "\n").Append('[').Append(section).Append("]\n");
        void Line(string key, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }
            if (value.AsSpan().IndexOfAny('\n', '\r') >= 0)
            {
                throw new UnitOperationException(new UnitError("InvalidUnitSetting", UnitErrorCategory.InvalidArgument, $"The value of {key}= for {name} contains a line break.", key));
            }
            text.Append(key).Append('=').Append(value).Append('\n');
        }
        void Lines(string key, IEnumerable<string> values)
        {
            foreach (var value in values)
            {
                Line(key, value);
            }
        }

        Section("Unit");
        Line("Description", spec.Description);
        Lines("Documentation", spec.Documentation);
        Lines("Wants", spec.Wants);
        Lines("Requires", spec.Requires);
        Lines("After", spec.After);
        if (isService)
        {
            if (spec.ExecStart.Count == 0)
            {
                throw new UnitOperationException(new UnitError("ExecStartMissing", UnitErrorCategory.InvalidArgument, $"{name} needs at least one ExecStart= command.", name));
            }
            Section("Service");
            Line("Type", spec.ServiceType);
            Lines("ExecStart", spec.ExecStart);
            Line("ExecReload", spec.ExecReload);
            Line("Restart", spec.Restart);
            Line("User", spec.User);
            Line("WorkingDirectory", spec.WorkingDirectory);
            foreach (var (key, value) in spec.Environment.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                Line("Environment", Quote(key + "=" + value));
            }
        }
        if (spec.WantedBy.Count > 0)
        {
            Section("Install");
            Lines("WantedBy", spec.WantedBy);
        }
        return text.ToString();
    }

    // Environment= takes space-separated assignments; double quotes keep one together.
    private static string Quote(string assignment) =>
        assignment.AsSpan().IndexOfAny(" \t\"\\") < 0 ? assignment : "\"" + assignment.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// systemd-analyze verify on a manager's host (Test-UnitFile). It needs the host's shell, not a
/// connection to the manager: a file can be checked where no manager runs.
/// </summary>
public sealed class UnitFileVerifier(ManagerTarget target, IHostShell shell)
{
    private static readonly Regex DiagnosticLine = new(@"^(?<path>/[^:]+?)(?::(?<line>\d+))?: (?<message>.+)$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Runs systemd-analyze verify on the host. True when it found nothing to report; each
    /// problem is one diagnostic.
    /// </summary>
    public async Task<(bool IsValid, IReadOnlyList<UnitFileDiagnostic> Diagnostics)> VerifyAsync(string path, CancellationToken cancellation)
    {
        var command = new List<string> { "systemd-analyze", "verify" };
        if (target.Scope == ManagerScope.User)
        {
            command.Add("--user");
        }
        command.Add(path);
        var result = await shell.RunAsync(command, null, cancellation).ConfigureAwait(false);
        var diagnostics = (result.StandardError + "\n" + result.StandardOutput)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => DiagnosticLine.Match(line) is { Success: true } match
                ? new UnitFileDiagnostic(match.Groups["path"].Value, match.Groups["line"].Success ? int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture) : null, match.Groups["message"].Value, target.ComputerName)
                : new UnitFileDiagnostic(path, null, line, target.ComputerName))
            .ToList();
        return (result.ExitCode == 0 && diagnostics.Count == 0, diagnostics);
    }
}
