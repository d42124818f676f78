using System.Text;

namespace Units.UnitFiles.Syntax;

/// <summary>
/// Shares the strings of keys and short values ("ExecStart", "simple", "yes", "network.target") across the
/// thousands of files a manager loads, so each is kept once instead of once per unit. One cache per thread,
/// bounded; a hash collision only costs a fresh string.
/// </summary>
internal static class StringCache
{
    private const int MaxLength = 32;
    private const int MaxEntries = 8192;

    [ThreadStatic]
    private static Dictionary<ulong, string>? cache;

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return "";
        if (utf8.Length > MaxLength)
            return Encoding.UTF8.GetString(utf8);
        cache ??= new Dictionary<ulong, string>();
        ulong hash = Fnv1a(utf8);
        if (cache.TryGetValue(hash, out string? known) && Matches(known, utf8))
            return known;
        string text = Encoding.UTF8.GetString(utf8);
        if (cache.Count < MaxEntries)
            cache[hash] = text;
        return text;
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in bytes)
            hash = (hash ^ b) * 1099511628211;
        return hash;
    }

    private static bool Matches(string known, ReadOnlySpan<byte> utf8)
    {
        if (known.Length > utf8.Length)
            return false;
        Span<byte> buffer = stackalloc byte[MaxLength * 3];
        int n = Encoding.UTF8.GetBytes(known, buffer);
        return buffer[..n].SequenceEqual(utf8);
    }
}
