using System.Text;

namespace Units.Journal.Capture;

/// <summary>A stdout stream's header, as a client writes it to /run/systemd/journal/stdout
/// before its output (what systemd-cat and the service manager send): one line each for the
/// identifier, the unit ID, the priority, level_prefix, forward_to_syslog, forward_to_kmsg and
/// forward_to_console.</summary>
public sealed record StdoutStreamHeader
{
    public string? Identifier { get; init; }
    /// <summary>The unit the stream belongs to; journald only believes it from root.</summary>
    public string? UnitId { get; init; }
    /// <summary>Facility and level (facility*8 + level), LOG_INFO by default.</summary>
    public int Priority { get; init; } = SyslogPriority.Info;
    public bool LevelPrefix { get; init; } = true;
    public bool ForwardToSyslog { get; init; }
    public bool ForwardToKmsg { get; init; }
    public bool ForwardToConsole { get; init; }

    /// <summary>The header as a client sends it.</summary>
    public byte[] Encode() => Encoding.UTF8.GetBytes(
        $"{Identifier}\n{UnitId}\n{Priority}\n{(LevelPrefix ? 1 : 0)}\n{(ForwardToSyslog ? 1 : 0)}\n{(ForwardToKmsg ? 1 : 0)}\n{(ForwardToConsole ? 1 : 0)}\n");
}

/// <summary>
/// The receiving side of one stdout stream, with journald's semantics: first the seven header
/// lines, then log lines split at '\n', at NUL, and after <see cref="LineMax"/> bytes without
/// either (48 KiB, journald's LineMax=); what is left at end of stream is a last line. Trailing
/// whitespace (including a CR) is stripped, empty lines are dropped, and with level_prefix a
/// leading &lt;N&gt; sets the line's priority. Bytes are kept as they are: invalid UTF-8 and
/// control characters reach MESSAGE= unchanged.
/// </summary>
public sealed class StdoutStreamParser
{
    public const int DefaultLineMax = 48 * 1024;
    /// <summary>Header lines may be as long as a unit name (journald's setup-phase limit).</summary>
    public const int HeaderLineMax = 255;

    private readonly bool _trustUnitId;
    private byte[] _buffer;
    private int _length;
    private int _headerLine;
    private StdoutStreamHeader _header = new();

    /// <param name="trustUnitId">Whether the peer may name its unit (journald: peer is root).</param>
    public StdoutStreamParser(bool trustUnitId, int lineMax = DefaultLineMax)
    {
        if (lineMax < 79) throw new ArgumentOutOfRangeException(nameof(lineMax), "LineMax= must be at least 79");
        _trustUnitId = trustUnitId;
        LineMax = lineMax;
        _buffer = new byte[Math.Max(lineMax, HeaderLineMax) + 1];
    }

    public int LineMax { get; }

    /// <summary>The header once all seven lines arrived, else null.</summary>
    public StdoutStreamHeader? Header => _headerLine == 7 ? _header : null;

    /// <summary>One log line: its text (without prefix and terminator), priority and why it ended.</summary>
    public delegate void LineHandler(ReadOnlySpan<byte> message, int priority, LineBreak lineBreak);

    /// <summary>Feeds received bytes; calls <paramref name="onLine"/> for each complete line.
    /// Throws <see cref="InvalidDataException"/> on a malformed header (the stream is then closed).</summary>
    public void Feed(ReadOnlySpan<byte> data, LineHandler onLine)
    {
        while (data.Length > 0)
        {
            int room = _buffer.Length - 1 - _length;
            int n = Math.Min(room, data.Length);
            data[..n].CopyTo(_buffer.AsSpan(_length));
            _length += n;
            data = data[n..];
            Scan(onLine, eof: false);
        }
    }

    /// <summary>End of stream: what is left is a last line (_LINE_BREAK=eof).</summary>
    public void Finish(LineHandler onLine) => Scan(onLine, eof: true);

    private void Scan(LineHandler onLine, bool eof)
    {
        int start = 0;
        while (true)
        {
            int max = _headerLine < 7 ? HeaderLineMax : LineMax;
            var rest = _buffer.AsSpan(start, _length - start);
            var window = rest[..Math.Min(rest.Length, max)];
            int newline = window.IndexOf((byte)'\n');
            int nul = window[..(newline >= 0 ? newline : window.Length)].IndexOf((byte)0);
            int found, skip;
            LineBreak kind;
            if (nul >= 0) { found = nul; skip = nul + 1; kind = LineBreak.Nul; }
            else if (newline >= 0) { found = newline; skip = newline + 1; kind = LineBreak.Newline; }
            else if (rest.Length >= max) { found = skip = max; kind = LineBreak.LineMax; }
            else break;
            Line(rest[..found], kind, onLine);
            start += skip;
        }
        if (eof && start < _length)
        {
            Line(_buffer.AsSpan(start, _length - start), LineBreak.Eof, onLine);
            start = _length;
        }
        _buffer.AsSpan(start, _length - start).CopyTo(_buffer);
        _length -= start;
    }

    private void Line(ReadOnlySpan<byte> line, LineBreak kind, LineHandler onLine)
    {
        line = TrimTrailingWhitespace(line);
        if (_headerLine < 7)
        {
            if (kind != LineBreak.Newline)
                throw new InvalidDataException("Control protocol line not properly terminated.");
            HeaderLine(Encoding.UTF8.GetString(line.TrimStart(" \t\r\n"u8)));
            return;
        }
        int priority = _header.Priority;
        if (_header.LevelPrefix) SyslogPriority.TryStrip(ref line, ref priority, withFacility: false);
        if (line.IsEmpty) return;
        onLine(line, priority, kind);
    }

    private static ReadOnlySpan<byte> TrimTrailingWhitespace(ReadOnlySpan<byte> line) => line.TrimEnd(" \t\r\n"u8);

    private void HeaderLine(string text)
    {
        switch (_headerLine)
        {
            case 0:
                _header = _header with { Identifier = text.Length == 0 ? null : text };
                break;
            case 1:
                if (_trustUnitId && text.Length > 0 && text.Length <= 255 && text.Contains('.') && !text.Contains('/'))
                    _header = _header with { UnitId = text };
                break;
            case 2:
                if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int priority) || priority > 999)
                    throw new InvalidDataException($"Failed to parse log priority line: '{text}'");
                _header = _header with { Priority = priority };
                break;
            default:
                bool value = ParseBoolean(text) ?? throw new InvalidDataException(_headerLine switch
                {
                    3 => $"Failed to parse level prefix line: '{text}'",
                    4 => $"Failed to parse forward to syslog line: '{text}'",
                    5 => $"Failed to parse copy to kmsg line: '{text}'",
                    _ => $"Failed to parse copy to console line: '{text}'",
                });
                _header = _headerLine switch
                {
                    3 => _header with { LevelPrefix = value },
                    4 => _header with { ForwardToSyslog = value },
                    5 => _header with { ForwardToKmsg = value },
                    _ => _header with { ForwardToConsole = value },
                };
                break;
        }
        _headerLine++;
    }

    /// <summary>systemd's parse_boolean.</summary>
    public static bool? ParseBoolean(string text) => text.ToLowerInvariant() switch
    {
        "1" or "yes" or "y" or "true" or "t" or "on" => true,
        "0" or "no" or "n" or "false" or "f" or "off" => false,
        _ => null,
    };
}
