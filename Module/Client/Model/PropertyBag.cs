using System.Globalization;

namespace Units.Client;

/// <summary>Typed reads from a GetAll property bag; systemd's "unset" sentinels become null.</summary>
internal static class PropertyBag
{
    private const ulong Unset = ulong.MaxValue;

    public static string String(IReadOnlyDictionary<string, object> bag, string name) =>
        bag.TryGetValue(name, out var value) && value is string text ? text : "";

    public static bool Boolean(IReadOnlyDictionary<string, object> bag, string name) =>
        bag.TryGetValue(name, out var value) && value is bool flag && flag;

    public static ulong? UInt64(IReadOnlyDictionary<string, object> bag, string name) =>
        bag.TryGetValue(name, out var value) && TryUInt64(value, out var number) && number != Unset ? number : null;

    public static uint UInt32(IReadOnlyDictionary<string, object> bag, string name) =>
        bag.TryGetValue(name, out var value) && TryUInt64(value, out var number) && number <= uint.MaxValue ? (uint)number : 0;

    public static IReadOnlyList<string> Strings(IReadOnlyDictionary<string, object> bag, string name) =>
        bag.TryGetValue(name, out var value) ? AsStrings(value) : [];

    /// <summary>A realtime timestamp in microseconds since the epoch; 0 (never) becomes null.</summary>
    public static DateTime? Timestamp(IReadOnlyDictionary<string, object> bag, string name)
    {
        var micros = UInt64(bag, name);
        return micros is null or 0 ? null : FromMicroseconds(micros.Value);
    }

    public static DateTime FromMicroseconds(ulong micros) =>
        DateTime.UnixEpoch.AddTicks((long)Math.Min(micros, (ulong)(DateTime.MaxValue - DateTime.UnixEpoch).Ticks / 10) * 10).ToLocalTime();

    public static IReadOnlyList<string> AsStrings(object value) => value switch
    {
        string[] strings => strings,
        IEnumerable<object> items => items.Select(item => Convert.ToString(item, CultureInfo.InvariantCulture) ?? "").ToArray(),
        _ => [],
    };

    private static bool TryUInt64(object value, out ulong number)
    {
        switch (value)
        {
            case ulong u64: number = u64; return true;
            case uint u32: number = u32; return true;
            case ushort u16: number = u16; return true;
            case byte u8: number = u8; return true;
            case long i64 when i64 >= 0: number = (ulong)i64; return true;
            case int i32 when i32 >= 0: number = (ulong)i32; return true;
            default: number = 0; return false;
        }
    }
}
