using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Units.Client.Connection;

namespace Units.Client;

/// <summary>What Get-UnitLog asks the journal for.</summary>
public sealed record LogQuery
{
    /// <summary>Units whose entries to read; empty for the whole journal.</summary>
    public IReadOnlyList<string> Units { get; init; } = [];

    /// <summary>Entries at or after this time.</summary>
    public DateTime? Since { get; init; }

    /// <summary>Entries at or before this time.</summary>
    public DateTime? Until { get; init; }

    /// <summary>Entries of this priority or more important.</summary>
    public LogPriority? Priority { get; init; }

    /// <summary>Entries of one boot: 0 the current, -1 the one before... (journalctl -b).</summary>
    public int? Boot { get; init; }

    /// <summary>Only the last N entries.</summary>
    public int? Last { get; init; }

    /// <summary>A regular expression the message must match (applied here, so it works on every journalctl).</summary>
    public string? Match { get; init; }

    /// <summary>A journal directory to read instead of the host's journal (journalctl -D).</summary>
    public string? Directory { get; init; }
}

public sealed partial class ManagerClient
{
    /// <summary>
    /// Reads journal entries, oldest first: from the manager's journal API when it has one (unitsd's org.units1.Journal,
    /// in pages), else by running journalctl -o json on the manager's host (real systemd, or a <see cref="LogQuery.Directory"/>).
    /// </summary>
    public async Task<IReadOnlyList<UnitLogEntry>> ReadLogAsync(LogQuery query, CancellationToken cancellation)
    {
        if (query.Directory is null && _journalApi != false && await ReadLogFromManagerAsync(query, cancellation).ConfigureAwait(false) is { } entries)
        {
            return entries;
        }
        var result = await Shell.RunAsync(JournalCommand(query, Target.Scope, follow: false), null, cancellation).ConfigureAwait(false);
        // Nothing to read is no error: journalctl says so on stderr ("No entries", or no journal files at all).
        var nothing = result.StandardError.Contains("No entries", StringComparison.Ordinal) || result.StandardError.Contains("No journal files", StringComparison.Ordinal);
        if (result.ExitCode != 0 && result.StandardOutput.Length == 0 && !nothing)
        {
            throw new UnitOperationException(new UnitError("JournalReadFailed", UnitErrorCategory.ReadError, $"journalctl on {ComputerName} failed: {result.StandardError.Trim()}", query.Units.FirstOrDefault()));
        }
        var match = query.Match is null ? null : new Regex(query.Match, RegexOptions.CultureInvariant);
        var read = new List<UnitLogEntry>();
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            if (ParseJournalLine(line, ComputerName) is { } entry && (match is null || match.IsMatch(entry.Message)))
            {
                read.Add(entry);
            }
        }
        return read;
    }

    /// <summary>Follows the journal until cancelled: the journal API's stream when the manager has one and the
    /// connection passes fds, else journalctl -f on the manager's host.</summary>
    public async IAsyncEnumerable<UnitLogEntry> FollowLogAsync(LogQuery query, [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (query.Directory is null && _journalApi != false && await FollowFromManagerAsync(query, cancellation).ConfigureAwait(false) is { } stream)
        {
            await using (stream.ConfigureAwait(false))
            {
                await foreach (var fields in JournalExportFormat.ReadAsync(stream, cancellation).ConfigureAwait(false))
                {
                    yield return EntryFromFields(fields, ComputerName);
                }
            }
            yield break;
        }
        var match = query.Match is null ? null : new Regex(query.Match, RegexOptions.CultureInvariant);
        await foreach (var line in Shell.ReadLinesAsync(JournalCommand(query, Target.Scope, follow: true), cancellation).ConfigureAwait(false))
        {
            if (ParseJournalLine(line, ComputerName) is { } entry && (match is null || match.IsMatch(entry.Message)))
            {
                yield return entry;
            }
        }
    }

    // Whether the manager serves the journal API: unknown until asked, false once it said it has no such object
    // (real systemd), so later reads go to journalctl at once.
    private bool? _journalApi;

    /// <summary>The journal API's pages, read until the query is answered; null when the manager has no such API.</summary>
    private async Task<IReadOnlyList<UnitLogEntry>?> ReadLogFromManagerAsync(LogQuery query, CancellationToken cancellation)
    {
        var request = JournalRequestFor(query);
        var entries = new List<UnitLogEntry>();
        try
        {
            while (true)
            {
                var page = await Connection.ReadJournalAsync(request, cancellation).ConfigureAwait(false);
                _journalApi = true;
                entries.AddRange(page.Entries.Select(fields => EntryFromFields(fields, ComputerName)));
                int? wanted = query.Last - entries.Count;
                if (!page.More || wanted <= 0)
                {
                    return entries;
                }
                // The next page starts after this one; the last N were chosen by the first page already.
                request = request with { Lines = null, AfterCursor = page.ResumeAfter, Limit = wanted is int rest ? Math.Min(rest, MaxJournalPage) : null };
            }
        }
        catch (ManagerCallException exception) when (HasNoJournalApi(exception))
        {
            _journalApi = false;
            return null;
        }
        catch (ManagerCallException exception)
        {
            throw new UnitOperationException(new UnitError("JournalReadFailed", UnitErrorCategory.ReadError, $"Reading the journal of {ComputerName} failed: {exception.Message}", query.Units.FirstOrDefault()));
        }
    }

    /// <summary>The journal API's stream for the query; null when the manager has none or the connection cannot pass it.</summary>
    private async Task<Stream?> FollowFromManagerAsync(LogQuery query, CancellationToken cancellation)
    {
        try
        {
            var stream = await Connection.FollowJournalAsync(JournalRequestFor(query), cancellation).ConfigureAwait(false);
            _journalApi = true;
            return stream;
        }
        catch (ManagerCallException exception) when (HasNoJournalApi(exception))
        {
            _journalApi = false;
            return null;
        }
        catch (ManagerCallException exception) when (exception.ErrorName == DBusErrorNames.NotSupported)
        {
            return null;
        }
        catch (ManagerCallException exception)
        {
            throw new UnitOperationException(new UnitError("JournalReadFailed", UnitErrorCategory.ReadError, $"Following the journal of {ComputerName} failed: {exception.Message}", query.Units.FirstOrDefault()));
        }
    }

    // unitsd's largest page (JournalBusInterface.MaxPageEntries).
    private const int MaxJournalPage = 10_000;

    private static bool HasNoJournalApi(ManagerCallException exception) =>
        exception.ErrorName is DBusErrorNames.UnknownObject or DBusErrorNames.UnknownInterface or DBusErrorNames.UnknownMethod or DBusErrorNames.ServiceUnknown;

    /// <summary>The journal API's query for Get-UnitLog's parameters; -Match is a case-sensitive .NET regular
    /// expression, as it is applied to journalctl's output.</summary>
    internal static JournalRequest JournalRequestFor(LogQuery query) => new()
    {
        Units = [.. query.Units.Select(SystemdNames.Mangle)],
        SinceUSec = query.Since is { } since ? Microseconds(since) : null,
        UntilUSec = query.Until is { } until ? Microseconds(until) : null,
        Priority = query.Priority is { } priority ? (int)priority : null,
        BootOffset = query.Boot,
        Lines = query.Last,
        Grep = query.Match,
        CaseSensitive = query.Match is null ? null : true,
    };

    private static ulong Microseconds(DateTime time) => (ulong)Math.Max(0, (time.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10);

    /// <summary>The journalctl command line for a query.</summary>
    public static IReadOnlyList<string> JournalCommand(LogQuery query, ManagerScope scope, bool follow)
    {
        var command = new List<string> { "journalctl", "--output=json", "--no-pager", "--quiet" };
        foreach (var unit in query.Units)
        {
            command.Add(scope == ManagerScope.User ? "--user-unit=" + SystemdNames.Mangle(unit) : "--unit=" + SystemdNames.Mangle(unit));
        }
        if (query.Since is { } since)
        {
            command.Add("--since=" + JournalTime(since));
        }
        if (query.Until is { } until)
        {
            command.Add("--until=" + JournalTime(until));
        }
        if (query.Priority is { } priority)
        {
            command.Add("--priority=" + ((int)priority).ToString(CultureInfo.InvariantCulture));
        }
        if (query.Boot is { } boot)
        {
            command.Add("--boot=" + boot.ToString(CultureInfo.InvariantCulture));
        }
        if (query.Last is { } last)
        {
            command.Add("--lines=" + last.ToString(CultureInfo.InvariantCulture));
        }
        if (query.Directory is { Length: > 0 } directory)
        {
            command.Add("--directory=" + directory);
        }
        if (follow)
        {
            command.Add("--follow");
        }
        return command;
    }

    /// <summary>One line of journalctl -o json as an entry; null for blank or malformed lines.</summary>
    public static UnitLogEntry? ParseJournalLine(string line, string computerName)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        Dictionary<string, string> fields;
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                fields[property.Name] = FieldText(property.Value);
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return EntryFromFields(fields, computerName);
    }

    /// <summary>An entry from its fields by journal field name (journalctl -o json's or the journal API's).</summary>
    internal static UnitLogEntry EntryFromFields(IReadOnlyDictionary<string, string> fields, string computerName)
    {
        string Field(string name) => fields.TryGetValue(name, out var value) ? value : "";
        var time = ulong.TryParse(Field("__REALTIME_TIMESTAMP"), NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            ? PropertyBag.FromMicroseconds(micros)
            : DateTime.MinValue;
        var priority = int.TryParse(Field("PRIORITY"), NumberStyles.None, CultureInfo.InvariantCulture, out var level) && level is >= 0 and <= 7
            ? (LogPriority)level
            : LogPriority.Informational;
        uint? pid = uint.TryParse(Field("_PID"), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPid) ? parsedPid : null;
        // The unit an entry is about: the manager's messages name it in USER_UNIT=/UNIT= (their sender's own unit is
        // init.scope); a service's output only has its sender's unit.
        var unit = new[] { "USER_UNIT", "UNIT", "_SYSTEMD_USER_UNIT", "_SYSTEMD_UNIT" }.Select(Field).FirstOrDefault(value => value.Length > 0) ?? "";
        var identifier = Field("SYSLOG_IDENTIFIER") is { Length: > 0 } syslog ? syslog : Field("_COMM");
        var host = Field("_HOSTNAME") is { Length: > 0 } hostname ? hostname : computerName;
        return new UnitLogEntry(time, unit, priority, identifier, pid, Field("MESSAGE"), host, Field("_BOOT_ID"), Field("__CURSOR")) { Fields = fields };
    }

    // journalctl -o json writes binary or non-UTF-8 fields as arrays of bytes, and repeated fields as arrays of those.
    private static string FieldText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Array when value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.Number) =>
            System.Text.Encoding.UTF8.GetString(value.EnumerateArray().Select(item => item.TryGetByte(out var b) ? b : (byte)'?').ToArray()),
        JsonValueKind.Array => string.Join('\n', value.EnumerateArray().Select(FieldText)),
        JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };

    private static string JournalTime(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
