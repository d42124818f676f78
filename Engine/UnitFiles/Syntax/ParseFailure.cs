namespace Units.UnitFiles.Syntax;

/// <summary>
/// Why parsing stopped early: systemd's config parser aborts the whole file on these (the unit then
/// gets LoadState "error" with this errno). <see cref="Detail"/> says what and where in plain words,
/// for logs; systemd itself prints only the errno text for some of them.
/// </summary>
public sealed record ParseFailure(Errno Errno, int Line, string Detail);
