using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Units.Journal.Reading;

/// <summary>
/// The Journal Export Format (https://systemd.io/JOURNAL_EXPORT_FORMATS/) as journalctl 252's <c>-o export</c> writes
/// it: per entry <c>__CURSOR=</c>, <c>__REALTIME_TIMESTAMP=</c>, <c>__MONOTONIC_TIMESTAMP=</c> and <c>_BOOT_ID=</c>,
/// then the entry's fields, a field as <c>NAME=VALUE\n</c> when its value is printable UTF-8 and as
/// <c>NAME\n</c>, the value's length (64-bit little endian), the value and <c>\n</c> otherwise; an empty line ends
/// the entry. Binary-safe, so it carries any value a service logged.
/// </summary>
public static class ExportFormat
{
    /// <summary>Appends one entry to <paramref name="output"/>.</summary>
    public static void Write(JournalRecord record, IBufferWriter<byte> output)
    {
        Text(output, "__CURSOR", record.Cursor.ToString());
        Text(output, "__REALTIME_TIMESTAMP", record.Realtime.ToString(CultureInfo.InvariantCulture));
        Text(output, "__MONOTONIC_TIMESTAMP", record.Monotonic.ToString(CultureInfo.InvariantCulture));
        Text(output, "_BOOT_ID", record.BootId.ToString());
        Span<byte> length = stackalloc byte[9];
        length[0] = (byte)'\n';
        foreach (var (name, value) in record.Fields)
        {
            if (name == "_BOOT_ID")
                continue;
            if (IsPrintable(value))
            {
                Append(output, name);
                Append(output, "="u8);
                Append(output, value);
            }
            else
            {
                Append(output, name);
                BinaryPrimitives.WriteUInt64LittleEndian(length[1..], (ulong)value.Length);
                Append(output, length);
                Append(output, value);
            }
            Append(output, "\n"u8);
        }
        Append(output, "\n"u8);
    }

    /// <summary>journalctl's utf8_is_printable: valid UTF-8 without control characters (a newline included).</summary>
    private static bool IsPrintable(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
            if (b < 0x20 || b == 0x7f)
                return false;
        return Utf8.IsValid(value);
    }

    private static void Text(IBufferWriter<byte> output, string name, string value)
    {
        Append(output, name);
        Append(output, "="u8);
        Append(output, value);
        Append(output, "\n"u8);
    }

    private static void Append(IBufferWriter<byte> output, string text)
    {
        Span<byte> span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void Append(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
