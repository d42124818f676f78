using System.Globalization;
using Units.Journal.Format;

namespace Units.Journal.Reading;

/// <summary>A position in the journal in systemd's cursor format
/// <c>s=SEQNUM_ID;i=SEQNUM;b=BOOT_ID;m=MONOTONIC;t=REALTIME;x=XOR_HASH</c> (numbers in hex), as
/// journalctl --show-cursor prints and --cursor/--after-cursor take.</summary>
public readonly record struct JournalCursor(Id128 SeqnumId, ulong Seqnum, Id128 BootId, ulong Monotonic, ulong Realtime, ulong XorHash)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"s={SeqnumId};i={Seqnum:x};b={BootId};m={Monotonic:x};t={Realtime:x};x={XorHash:x}");

    /// <summary>Parses a cursor; like sd_journal_seek_cursor, unknown keys are ignored and every
    /// known one must be well formed. Returns false with a reason otherwise.</summary>
    public static bool TryParse(string text, out JournalCursor cursor, out string? error)
    {
        cursor = default;
        error = null;
        Id128 seqnumId = default, bootId = default;
        ulong seqnum = 0, monotonic = 0, realtime = 0, xor = 0;
        bool haveSeqnumId = false, haveSeqnum = false, haveBoot = false, haveMonotonic = false, haveRealtime = false, haveXor = false;
        foreach (var part in text.Split(';'))
        {
            if (part.Length < 2 || part[1] != '=') { error = $"malformed cursor part '{part}'"; return false; }
            string value = part[2..];
            bool ok = part[0] switch
            {
                's' => haveSeqnumId = Id128.TryParse(value, out seqnumId),
                'b' => haveBoot = Id128.TryParse(value, out bootId),
                'i' => haveSeqnum = ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out seqnum),
                'm' => haveMonotonic = ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out monotonic),
                't' => haveRealtime = ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out realtime),
                'x' => haveXor = ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out xor),
                _ => true,
            };
            if (!ok) { error = $"malformed cursor value in '{part}'"; return false; }
        }
        if (!(haveSeqnumId && haveSeqnum) && !(haveBoot && haveMonotonic) && !haveRealtime)
        {
            error = "cursor has no usable position (needs s= and i=, b= and m=, or t=)";
            return false;
        }
        _ = haveXor;
        cursor = new JournalCursor(seqnumId, seqnum, bootId, monotonic, realtime, xor);
        return true;
    }

    public static JournalCursor Parse(string text) =>
        TryParse(text, out var cursor, out var error) ? cursor : throw new FormatException($"Invalid journal cursor '{text}': {error}");
}
