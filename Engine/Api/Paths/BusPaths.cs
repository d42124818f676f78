using System.Text;
using Units.Core.Model;

namespace Units.Api.Paths;

/// <summary>systemd's object paths: the manager, units (bus label escaping of the unit name) and jobs.</summary>
public static class BusPaths
{
    public const string Manager = "/org/freedesktop/systemd1";
    public const string UnitPrefix = "/org/freedesktop/systemd1/unit/";
    public const string JobPrefix = "/org/freedesktop/systemd1/job/";

    public static string ForUnit(string unitName) => UnitPrefix + EscapeLabel(unitName);

    /// <summary>The path GetUnitByInvocationID returns: the unit addressed by its invocation ID, valid as long as
    /// that activation is the unit's current or last one.</summary>
    public static string ForInvocation(InvocationId id) => UnitPrefix + EscapeLabel(id.ToString());

    public static string ForJob(uint jobId) => JobPrefix + jobId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The unit name a unit path names, or null when <paramref name="path"/> is not a unit path.</summary>
    public static string? UnitNameFromPath(string path)
        => path.StartsWith(UnitPrefix, StringComparison.Ordinal) && path.Length > UnitPrefix.Length
            ? UnescapeLabel(path.AsSpan(UnitPrefix.Length))
            : null;

    /// <summary>The job id a job path names, or null.</summary>
    public static uint? JobIdFromPath(string path)
        => path.StartsWith(JobPrefix, StringComparison.Ordinal)
           && uint.TryParse(path.AsSpan(JobPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint id)
            ? id
            : null;

    /// <summary>systemd's bus_label_escape: every byte that is not an ASCII letter or digit (and a digit in
    /// first position) becomes "_xx" in lower-case hex; the empty string becomes "_".</summary>
    public static string EscapeLabel(string label)
    {
        if (label.Length == 0)
            return "_";
        byte[] bytes = Encoding.UTF8.GetBytes(label);
        var escaped = new StringBuilder(bytes.Length * 3);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            bool letter = b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z';
            bool digit = b is >= (byte)'0' and <= (byte)'9';
            if (letter || (digit && i > 0))
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('_');
                escaped.Append(HexDigit(b >> 4));
                escaped.Append(HexDigit(b & 0xf));
            }
        }
        return escaped.ToString();
    }

    /// <summary>The inverse of <see cref="EscapeLabel"/>; malformed escapes are kept literally, as systemd does.</summary>
    public static string UnescapeLabel(ReadOnlySpan<char> label)
    {
        if (label is "_")
            return "";
        var bytes = new List<byte>(label.Length);
        for (int i = 0; i < label.Length; i++)
        {
            if (label[i] == '_' && i + 2 < label.Length
                && TryHex(label[i + 1], out int high) && TryHex(label[i + 2], out int low))
            {
                bytes.Add((byte)((high << 4) | low));
                i += 2;
            }
            else
            {
                bytes.Add((byte)label[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
