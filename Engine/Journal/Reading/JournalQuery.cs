using Units.Journal.Format;

namespace Units.Journal.Reading;

/// <summary>What to read, as journalctl's options say it. Every set criterion must hold; several
/// units, or several values of one match field, are alternatives.</summary>
public sealed record JournalQuery
{
    /// <summary>-u: entries of these system units: their own output (_SYSTEMD_UNIT=), the
    /// manager's messages about them (UNIT=), and messages about them as an object
    /// (OBJECT_SYSTEMD_UNIT=, COREDUMP_UNIT=).</summary>
    public IReadOnlyList<string> Units { get; init; } = [];

    /// <summary>--user-unit: the same for a user manager's units (_SYSTEMD_USER_UNIT=, USER_UNIT=, ...).</summary>
    public IReadOnlyList<string> UserUnits { get; init; } = [];

    /// <summary>-p: the least important priority shown (0 emerg .. 7 debug).</summary>
    public int? MaxPriority { get; init; }

    /// <summary>-p FROM..TO: the most important priority shown.</summary>
    public int? MinPriority { get; init; }

    /// <summary>-b ID: only entries of this boot.</summary>
    public Id128? BootId { get; init; }

    /// <summary>-S / -U: reception time bounds (inclusive).</summary>
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }

    /// <summary>-g: a regular expression MESSAGE must match; case-insensitive when it has no
    /// uppercase letter, as journalctl does, unless <see cref="CaseSensitive"/> says.</summary>
    public string? Grep { get; init; }

    /// <summary>--case-sensitive: whether <see cref="Grep"/> tells case apart; null is journalctl's smart case.</summary>
    public bool? CaseSensitive { get; init; }

    /// <summary>FIELD=VALUE matches: different fields must all match, values of one field are
    /// alternatives (journalctl's rule).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Matches { get; init; } = [];

    /// <summary>-n: only the last N matching entries.</summary>
    public int? Lines { get; init; }

    /// <summary>Only the first N matching entries (after <see cref="Lines"/> chose its last ones): one page of a
    /// result read in pages, each starting after the cursor of the one before.</summary>
    public int? First { get; init; }

    /// <summary>--cursor / --after-cursor.</summary>
    public JournalCursor? Cursor { get; init; }
    public bool AfterCursor { get; init; }
}
