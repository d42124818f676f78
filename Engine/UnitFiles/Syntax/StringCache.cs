using System.Text;

namespace Units.UnitFiles.Syntax;

/// <summary>
/// Shares the strings of keys, short values and the words split from them ("ExecStart", "simple",
/// "/bin/sleep", "network.target") across the thousands of files a manager loads, so each is kept once
/// instead of once per unit. One direct-mapped table per thread: a string takes the slot of its hash, so a
/// value seen once (a unit's own description or path) only displaces another entry, and the table stays
/// at a fixed size however many units are loaded, while the values that recur are found again.
/// </summary>
internal static class StringCache
{
    private const int MaxLength = 48;
    private const int Slots = 8192;

    [ThreadStatic]
    private static string?[]? table;

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return "";
        if (utf8.Length > MaxLength)
            return Encoding.UTF8.GetString(utf8);
        Span<char> chars = stackalloc char[MaxLength];
        if (!Encoding.UTF8.TryGetChars(utf8, chars, out int n))
            return Encoding.UTF8.GetString(utf8);
        return Get(chars[..n]);
    }

    public static string Get(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return "";
        if (text.Length > MaxLength)
            return text.ToString();
        string?[] slots = table ??= new string?[Slots];
        ref string? slot = ref slots[string.GetHashCode(text) & (Slots - 1)];
        if (slot is not null && text.SequenceEqual(slot))
            return slot;
        return slot = text.ToString();
    }

    /// <summary>The builder's text, shared like <see cref="Get(ReadOnlySpan{char})"/> when short.</summary>
    public static string Get(StringBuilder builder)
    {
        if (builder.Length > MaxLength)
            return builder.ToString();
        Span<char> chars = stackalloc char[MaxLength];
        builder.CopyTo(0, chars, builder.Length);
        return Get(chars[..builder.Length]);
    }
}
