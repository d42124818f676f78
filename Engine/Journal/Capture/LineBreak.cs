namespace Units.Journal.Capture;

/// <summary>Why a stdout-stream line ended; anything but a newline is recorded in _LINE_BREAK=.</summary>
public enum LineBreak
{
    Newline,
    Nul,
    LineMax,
    Eof,
}

public static class LineBreakNames
{
    /// <summary>The _LINE_BREAK= value journald records (null for an ordinary newline).</summary>
    public static string? FieldValue(this LineBreak lineBreak) => lineBreak switch
    {
        LineBreak.Nul => "nul",
        LineBreak.LineMax => "line-max",
        LineBreak.Eof => "eof",
        _ => null,
    };
}
