namespace Units.UnitFiles.Syntax;

/// <summary>One assignment "Key=Value" as read from a file, after continuation lines are joined.</summary>
public sealed record ParsedEntry(string Key, string Value, int Line);

/// <summary>One "[Section]" with its entries in file order.</summary>
public sealed record ParsedSection(string Name, int Line, IReadOnlyList<ParsedEntry> Entries);

/// <summary>The syntax tree of one unit file or drop-in: sections in file order (a section may repeat).</summary>
public sealed record ParsedUnitFile(string Path, IReadOnlyList<ParsedSection> Sections)
{
    /// <summary>Set when systemd's parser would have given up on this file (the unit fails to load); the sections read before stay.</summary>
    public ParseFailure? Failure { get; init; }
}
