namespace Units.UnitFiles.Settings.Values;

/// <summary>Limit…= values (setrlimit(2) resources) as systemd's rlimit_parse() reads them: "soft[:hard]".</summary>
public static class ResourceLimits
{
    /// <summary>The resources by the name after "Limit", with how their values are read.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NOFILE", "AS", "NPROC", "MEMLOCK", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"];

    /// <summary>Parses "soft[:hard]" for <paramref name="resource"/>; <see cref="ValueError.OutOfRange"/> also when soft exceeds hard.</summary>
    public static ValueError Parse(string resource, string text, out ulong soft, out ulong hard, out bool softAboveHard)
    {
        soft = hard = 0;
        softAboveHard = false;
        var p = 0;
        if (Words.ExtractFirst(text, ref p, out var softText, ":", ExtractFlags.DontCoalesceSeparators) != ExtractResult.Word)
        {
            return ValueError.Invalid;
        }

        var error = ParseOne(resource, softText, out soft);
        if (error != ValueError.None)
        {
            return error;
        }

        var result = Words.ExtractFirst(text, ref p, out var hardText, ":", ExtractFlags.DontCoalesceSeparators);
        if (p >= 0 && p < text.Length)
        {
            return ValueError.Invalid;
        }

        if (result != ExtractResult.Word)
        {
            hard = soft;
            return ValueError.None;
        }

        error = ParseOne(resource, hardText, out hard);
        if (error != ValueError.None)
        {
            return error;
        }

        softAboveHard = soft > hard;
        return softAboveHard ? ValueError.OutOfRange : ValueError.None;
    }

    private static ValueError ParseOne(string resource, string text, out ulong value)
    {
        value = ulong.MaxValue;
        if (text == "infinity")
        {
            return ValueError.None;
        }

        ValueError error;
        switch (resource)
        {
            case "CPU":
                error = TimeSpans.ParseSeconds(text, out var usec);
                value = usec == TimeSpans.Infinity ? ulong.MaxValue : (usec + TimeSpans.MicrosecondsPerSecond - 1) / TimeSpans.MicrosecondsPerSecond;
                return error;
            case "RTTIME":
                error = TimeSpans.Parse(text, 1, out value);
                return error;
            case "NOFILE" or "NPROC" or "LOCKS" or "SIGPENDING" or "RTPRIO":
                error = Numbers.ParseUInt64(text, out value);
                return error == ValueError.None && value == ulong.MaxValue ? ValueError.OutOfRange : error;
            case "NICE":
                return ParseNice(text, out value);
            default:
                error = Numbers.ParseSize(text, 1024, out value);
                return error == ValueError.None && value == ulong.MaxValue ? ValueError.OutOfRange : error;
        }
    }

    /// <summary>RLIMIT_NICE: "+n"/"-n" are nice levels (mapped to 20-n/20+n), a bare number is the raw limit 0…40.</summary>
    private static ValueError ParseNice(string text, out ulong value)
    {
        value = 0;
        if (text.Length > 0 && (text[0] == '+' || text[0] == '-'))
        {
            var error = Numbers.ParseUInt64(text[1..], out var level);
            if (error != ValueError.None)
            {
                return error;
            }

            if (text[0] == '+' ? level >= 20 : level > 20)
            {
                return ValueError.OutOfRange;
            }

            value = text[0] == '+' ? 20 - level : 20 + level;
            return ValueError.None;
        }

        var raw = Numbers.ParseUInt64(text, out value);
        return raw == ValueError.None && value > 40 ? ValueError.OutOfRange : raw;
    }
}
