using System.Globalization;
using Units.Client.Connection;

namespace Units.Client;

/// <summary>
/// Turns "Name = value" settings (as systemctl set-property takes them) into D-Bus properties
/// with the types the manager expects for SetUnitProperties: sizes with K/M/G/T suffixes or
/// "infinity", percentages for memory and tasks limits (the *Scale properties), CPUQuota= as
/// CPUQuotaPerSecUSec, booleans and weights.
/// </summary>
public static class PropertyAssignments
{
    private enum Kind { Text, Boolean, Bytes, Number, Tasks, CpuQuota }

    private static readonly Dictionary<string, Kind> Known = new(StringComparer.Ordinal)
    {
        ["Description"] = Kind.Text,
        ["CPUAccounting"] = Kind.Boolean, ["MemoryAccounting"] = Kind.Boolean, ["IOAccounting"] = Kind.Boolean,
        ["TasksAccounting"] = Kind.Boolean, ["IPAccounting"] = Kind.Boolean, ["BlockIOAccounting"] = Kind.Boolean,
        ["MemoryMin"] = Kind.Bytes, ["MemoryLow"] = Kind.Bytes, ["MemoryHigh"] = Kind.Bytes, ["MemoryMax"] = Kind.Bytes,
        ["MemorySwapMax"] = Kind.Bytes, ["MemoryLimit"] = Kind.Bytes,
        ["CPUWeight"] = Kind.Number, ["StartupCPUWeight"] = Kind.Number, ["IOWeight"] = Kind.Number,
        ["StartupIOWeight"] = Kind.Number, ["CPUShares"] = Kind.Number, ["StartupCPUShares"] = Kind.Number,
        ["TasksMax"] = Kind.Tasks,
        ["CPUQuota"] = Kind.CpuQuota,
    };

    /// <summary>The settings Set-UnitProperty understands.</summary>
    public static IReadOnlyCollection<string> Names => Known.Keys;

    /// <summary>Converts one setting; bad names and values are InvalidArgument errors naming the setting.</summary>
    public static TypedProperty Convert(string name, object? value)
    {
        if (!Known.TryGetValue(name, out var kind))
        {
            throw Invalid(name, $"Set-UnitProperty cannot set '{name}'. Settable properties: {string.Join(", ", Known.Keys.Order(StringComparer.Ordinal))}.");
        }
        var text = System.Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim() ?? "";
        return kind switch
        {
            Kind.Text => new TypedProperty(name, "s", text),
            Kind.Boolean => new TypedProperty(name, "b", ParseBoolean(name, value, text)),
            Kind.Number => new TypedProperty(name, "t", ParseNumber(name, text)),
            Kind.CpuQuota => ParsePercent(text) is { } percent
                ? new TypedProperty("CPUQuotaPerSecUSec", "t", (ulong)Math.Round(percent * 10_000))
                : text is "" or "infinity"
                    ? new TypedProperty("CPUQuotaPerSecUSec", "t", ulong.MaxValue)
                    : throw Invalid(name, $"CPUQuota= takes a percentage such as 20%, not '{text}'."),
            _ => ParsePercent(text) is { } share
                ? new TypedProperty(name + "Scale", "u", (uint)Math.Min(uint.MaxValue, Math.Round(share / 100 * uint.MaxValue)))
                : new TypedProperty(name, "t", kind == Kind.Bytes ? ParseBytes(name, text) : ParseNumber(name, text)),
        };
    }

    private static bool ParseBoolean(string name, object? value, string text) => value switch
    {
        bool flag => flag,
        _ => text.ToLowerInvariant() switch
        {
            "1" or "yes" or "y" or "true" or "t" or "on" => true,
            "0" or "no" or "n" or "false" or "f" or "off" => false,
            _ => throw Invalid(name, $"{name}= takes a boolean, not '{text}'."),
        },
    };

    private static ulong ParseNumber(string name, string text) =>
        text == "infinity" ? ulong.MaxValue
        : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
        : throw Invalid(name, $"{name}= takes a number or 'infinity', not '{text}'.");

    // Sizes are base 1024, as systemd's parse_size(..., 1024).
    private static ulong ParseBytes(string name, string text)
    {
        if (text == "infinity")
        {
            return ulong.MaxValue;
        }
        var multiplier = 1UL;
        var digits = text;
        if (text.Length > 0 && char.IsAsciiLetter(text[^1]))
        {
            multiplier = char.ToUpperInvariant(text[^1]) switch
            {
                'B' => 1UL,
                'K' => 1UL << 10,
                'M' => 1UL << 20,
                'G' => 1UL << 30,
                'T' => 1UL << 40,
                'P' => 1UL << 50,
                'E' => 1UL << 60,
                _ => 0,
            };
            digits = text[..^1];
        }
        if (multiplier == 0 || !decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            throw Invalid(name, $"{name}= takes a size such as 512M, 2G or 'infinity', or a percentage, not '{text}'.");
        }
        var bytes = amount * multiplier;
        return bytes >= ulong.MaxValue ? ulong.MaxValue : (ulong)bytes;
    }

    private static double? ParsePercent(string text) =>
        text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) && percent >= 0
            ? percent
            : null;

    private static UnitOperationException Invalid(string name, string message) =>
        new(new UnitError("InvalidUnitProperty", UnitErrorCategory.InvalidArgument, message, name));
}
