namespace Units.Execution;

/// <summary>The resource limits a unit's processes get when its file sets none, as systemd 252 decides them: the
/// manager's own limits at start-up, except that the soft RLIMIT_NOFILE is brought down to FD_SETSIZE (1024), so
/// select()-based programs keep working even when the manager itself was started with more.</summary>
public static class ManagerLimits
{
    private const ulong FdSetSize = 1024;

    private static readonly Lazy<IReadOnlyDictionary<ResourceLimit, LimitValue>> s_own = new(() => Read("/proc/self/limits"));

    /// <summary>The manager process's own limits (what systemd reports for a unit that never loaded).</summary>
    public static IReadOnlyDictionary<ResourceLimit, LimitValue> Own => s_own.Value;

    /// <summary>DefaultLimit…=: what a loaded unit gets for each resource it does not set.</summary>
    public static IReadOnlyDictionary<ResourceLimit, LimitValue> Defaults { get; } = BuildDefaults();

    private static Dictionary<ResourceLimit, LimitValue> BuildDefaults()
    {
        var defaults = new Dictionary<ResourceLimit, LimitValue>(Own);
        if (defaults.TryGetValue(ResourceLimit.NOFILE, out LimitValue nofile) && (nofile.Soft ?? ulong.MaxValue) > FdSetSize)
            defaults[ResourceLimit.NOFILE] = nofile with { Soft = FdSetSize };
        return defaults;
    }

    /// <summary>Parses /proc/PID/limits: one line per resource in the kernel's RLIMIT_* order, "unlimited" for infinity.</summary>
    internal static Dictionary<ResourceLimit, LimitValue> Read(string path)
    {
        var limits = new Dictionary<ResourceLimit, LimitValue>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return limits;
        }
        // Columns: name (several words), soft, hard, optional unit; the heading is the first line.
        for (int i = 1; i < lines.Length && i - 1 <= (int)ResourceLimit.RTTIME; i++)
        {
            string[] words = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int soft = Array.FindIndex(words, w => w == "unlimited" || char.IsAsciiDigit(w[0]));
            if (soft < 0 || soft + 1 >= words.Length)
                continue;
            limits[(ResourceLimit)(i - 1)] = new LimitValue(Value(words[soft]), Value(words[soft + 1]));
        }
        return limits;
    }

    private static ulong? Value(string word) => word == "unlimited" ? null : ulong.Parse(word, System.Globalization.CultureInfo.InvariantCulture);
}
