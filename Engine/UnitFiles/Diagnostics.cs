namespace Units.UnitFiles;

/// <summary>How serious a finding about a unit file is, in systemd's terms.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Logged and ignored: the setting (or line) is skipped, the unit still loads.</summary>
    Warning,

    /// <summary>The unit cannot be loaded (LoadState bad-setting or error).</summary>
    Error,
}

/// <summary>One finding, worded as systemd words it. <see cref="Line"/> is 1-based, 0 when it concerns the whole file.</summary>
public sealed record Diagnostic(string Path, int Line, DiagnosticSeverity Severity, string Message)
{
    /// <summary>The form systemd-analyze verify prints: "path:line: message", "path: message", or the bare message when <see cref="Path"/> is empty.</summary>
    public override string ToString() => Path.Length == 0 ? Message : Line > 0 ? $"{Path}:{Line}: {Message}" : $"{Path}: {Message}";
}

/// <summary>Collects diagnostics while a unit is read; never throws for bad input.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> items = [];

    public IReadOnlyList<Diagnostic> Items => items;

    public bool HasErrors => items.Exists(d => d.Severity == DiagnosticSeverity.Error);

    public void Warn(string path, int line, string message) => items.Add(new(path, line, DiagnosticSeverity.Warning, message));

    public void Error(string path, int line, string message) => items.Add(new(path, line, DiagnosticSeverity.Error, message));
}
