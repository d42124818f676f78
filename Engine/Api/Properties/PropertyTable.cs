using Units.DBus;

namespace Units.Api.Properties;

/// <summary>Writes one property of <typeparamref name="T"/> as a variant.</summary>
internal delegate void PropertyWriter<in T>(T source, ref MessageWriter writer);

/// <summary>The properties of one interface over a source object: a writer for each property we compute, and
/// systemd's zero value (with systemd's type) for each property we do not compute yet.</summary>
internal sealed class PropertyTable<T>
{
    private readonly Dictionary<string, PropertyWriter<T>> _writers = new(StringComparer.Ordinal);

    public PropertyTable(InterfaceDescription description) => Description = description;

    public InterfaceDescription Description { get; }

    /// <summary>Binds <paramref name="name"/>; the description must have it (a typo fails at start-up, not on a call).</summary>
    public PropertyTable<T> Add(string name, PropertyWriter<T> writer)
    {
        if (Description.FindProperty(name) is null)
            throw new ArgumentException($"{Description.Name} has no property {name}", nameof(name));
        _writers.Add(name, writer);
        return this;
    }

    public bool Computes(string name) => _writers.ContainsKey(name);

    public bool TryWrite(T source, string name, ref MessageWriter writer)
    {
        if (_writers.TryGetValue(name, out PropertyWriter<T>? write))
        {
            write(source, ref writer);
            return true;
        }
        PropertyDescription? property = Description.FindProperty(name);
        if (property is null)
            return false;
        DefaultValue.WriteUnset(ref writer, name, property.Signature);
        return true;
    }
}

/// <summary>An interface served from a property table over one source object.</summary>
internal class TableInterface<T> : DBusInterface
{
    private readonly PropertyTable<T> _table;

    public TableInterface(PropertyTable<T> table, T source) : base(table.Description)
    {
        _table = table;
        Source = source;
    }

    protected T Source { get; }

    public override bool TryWriteProperty(string name, ref MessageWriter writer) => _table.TryWrite(Source, name, ref writer);
}

/// <summary>Shorthands for the variant shapes systemd's properties use.</summary>
internal static class Variant
{
    public static void Strings(ref MessageWriter writer, IReadOnlyList<string> values)
    {
        writer.BeginVariant("as");
        writer.WriteStringArray(values);
    }

    public static void Bytes(ref MessageWriter writer, ReadOnlySpan<byte> values)
    {
        writer.BeginVariant("ay");
        ArrayStart array = writer.WriteArrayStart('y');
        foreach (byte b in values)
            writer.WriteByte(b);
        writer.WriteArrayEnd(array);
    }

    public static void Boolean(ref MessageWriter writer, bool value) => writer.WriteVariantBoolean(value);

    public static void String(ref MessageWriter writer, string? value) => writer.WriteVariantString(value ?? "");

    public static void UInt64(ref MessageWriter writer, ulong value) => writer.WriteVariantUInt64(value);

    public static void UInt32(ref MessageWriter writer, uint value) => writer.WriteVariantUInt32(value);

    public static void Int32(ref MessageWriter writer, int value) => writer.WriteVariantInt32(value);

    /// <summary>systemd's "infinity" for a usec_t is UINT64_MAX.</summary>
    public static void USec(ref MessageWriter writer, ulong? value) => writer.WriteVariantUInt64(value ?? ulong.MaxValue);
}

/// <summary>An interface whose methods call into the core: the core's <see cref="Core.Manager.BusErrorException"/>
/// becomes the D-Bus error it names (NoSuchUnit, TransactionIsDestructive, ...).</summary>
internal abstract class CoreInterface<T> : TableInterface<T>
{
    protected CoreInterface(PropertyTable<T> table, T source) : base(table, source)
    {
    }

    public sealed override ValueTask HandleMethodAsync(MethodCall call)
    {
        try
        {
            return Handle(call);
        }
        catch (Core.Manager.BusErrorException e)
        {
            throw new DBusException(e.ErrorName, e.Message);
        }
    }

    protected abstract ValueTask Handle(MethodCall call);
}
