using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Units.Client;

/// <summary>
/// Reads the Journal Export Format (https://systemd.io/JOURNAL_EXPORT_FORMATS/) that unitsd's journal API answers in:
/// per entry, fields as <c>NAME=VALUE\n</c>, or <c>NAME\n</c>, a 64-bit little-endian length, the value and <c>\n</c>
/// for binary values; an empty line ends the entry. Values are decoded as UTF-8 (binary ones lossily, as
/// journalctl -o json's byte arrays are); a repeated field's values are joined by newlines.
/// </summary>
internal static class JournalExportFormat
{
    /// <summary>Every complete entry of <paramref name="data"/> (a page).</summary>
    public static List<IReadOnlyDictionary<string, string>> ParseAll(ReadOnlySpan<byte> data)
    {
        var entries = new List<IReadOnlyDictionary<string, string>>();
        while (TryParse(data, out var entry, out int consumed))
        {
            entries.Add(entry);
            data = data[consumed..];
        }
        if (!data.IsEmpty)
        {
            throw new InvalidDataException($"The journal's answer ends inside an entry ({data.Length} bytes left).");
        }
        return entries;
    }

    /// <summary>Entries as they arrive on <paramref name="stream"/>, until it ends or <paramref name="cancellation"/> fires.</summary>
    public static async IAsyncEnumerable<IReadOnlyDictionary<string, string>> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellation)
    {
        byte[] buffer = new byte[64 * 1024];
        int filled = 0;
        while (true)
        {
            int start = 0;
            while (TryParse(buffer.AsSpan(start, filled - start), out var entry, out int consumed))
            {
                start += consumed;
                yield return entry;
            }
            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            filled -= start;
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2); // an entry bigger than the buffer
            }
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(filled), cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            if (read == 0)
            {
                yield break;
            }
            filled += read;
        }
    }

    /// <summary>One entry from the start of <paramref name="data"/>; false when it is not all there yet.</summary>
    private static bool TryParse(ReadOnlySpan<byte> data, out IReadOnlyDictionary<string, string> entry, out int consumed)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        entry = fields;
        int position = 0;
        while (true)
        {
            int newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                consumed = 0;
                return false;
            }
            var line = data.Slice(position, newline);
            position += newline + 1;
            if (line.IsEmpty)
            {
                if (fields.Count == 0)
                {
                    continue; // a stray empty line between entries
                }
                consumed = position;
                return true;
            }
            string name;
            string value;
            int equals = line.IndexOf((byte)'=');
            if (equals >= 0)
            {
                name = Encoding.UTF8.GetString(line[..equals]);
                value = Encoding.UTF8.GetString(line[(equals + 1)..]);
            }
            else
            {
                if (data.Length - position < 8)
                {
                    consumed = 0;
                    return false;
                }
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(position, 8));
                if (length > int.MaxValue || (ulong)(data.Length - position - 8) < length + 1)
                {
                    consumed = 0;
                    return false;
                }
                name = Encoding.UTF8.GetString(line);
                value = Encoding.UTF8.GetString(data.Slice(position + 8, (int)length));
                position += 8 + (int)length + 1;
            }
            fields[name] = fields.TryGetValue(name, out var earlier) ? earlier + "\n" + value : value;
        }
    }
}
