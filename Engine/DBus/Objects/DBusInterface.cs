namespace Units.DBus;

/// <summary>An interface implementation served on an object. Override what the interface has:
/// methods, property reads, property writes.</summary>
public abstract class DBusInterface
{
    protected DBusInterface(InterfaceDescription description)
        => Description = description ?? throw new ArgumentNullException(nameof(description));

    public InterfaceDescription Description { get; }

    /// <summary>Handles a call to one of <see cref="Description"/>'s methods; the arguments' signature has
    /// been checked. Reply through <paramref name="call"/> now or later (read the arguments before the
    /// first await: the request's buffer is released when this returns). Throw <see cref="DBusException"/>
    /// to reply with an error.</summary>
    public virtual ValueTask HandleMethodAsync(MethodCall call)
        => throw new DBusException(DBusErrors.UnknownMethod, $"Unknown method {call.Member} on interface {Description.Name}");

    /// <summary>Writes the current value of property <paramref name="name"/> as a variant; false if unknown.</summary>
    public virtual bool TryWriteProperty(string name, ref MessageWriter writer) => false;

    /// <summary>Writes every readable property as dict entries {sv} (the body of GetAll for this interface).
    /// The default asks <see cref="TryWriteProperty"/> for each property of the description.</summary>
    public virtual void WriteAllProperties(ref MessageWriter writer)
    {
        foreach (PropertyDescription property in Description.Properties)
        {
            if (property.Access == PropertyAccess.Write)
                continue;
            writer.WriteStructStart();
            writer.WriteString(property.Name.AsSpan());
            if (!TryWriteProperty(property.Name, ref writer))
                throw new InvalidOperationException($"{Description.Name}.{property.Name} is described but not written");
        }
    }

    /// <summary>Sets property <paramref name="name"/> from <paramref name="reader"/>, positioned at its value
    /// (the variant's signature has been checked). Throw <see cref="DBusException"/> to refuse.</summary>
    public virtual void SetProperty(string name, ref Reader reader, MethodCall call)
        => throw new DBusException(DBusErrors.PropertyReadOnly, $"Property {name} is read-only");

    /// <summary>A PropertiesChanged signal for <paramref name="path"/> carrying the current values of
    /// <paramref name="changed"/> and the names in <paramref name="invalidated"/>.</summary>
    public MessageBuffer CreatePropertiesChangedSignal(string path, IReadOnlyList<string> changed,
        IReadOnlyList<string>? invalidated = null, string? sender = null)
    {
        MessageWriter writer = MessageWriter.CreateSignal(path, StandardInterfaces.Properties, "PropertiesChanged", "sa{sv}as", sender: sender);
        writer.WriteString(Description.Name.AsSpan());
        ArrayStart entries = writer.WriteArrayStart('{');
        foreach (string name in changed)
        {
            writer.WriteStructStart();
            writer.WriteString(name.AsSpan());
            if (!TryWriteProperty(name, ref writer))
                throw new ArgumentException($"{Description.Name} has no property {name}", nameof(changed));
        }
        writer.WriteArrayEnd(entries);
        writer.WriteStringArray(invalidated ?? []);
        return writer.Finish();
    }
}

/// <summary>An object at a path, with the interfaces it implements.</summary>
public class DBusObject
{
    private readonly DBusInterface[] _interfaces;

    public DBusObject(string path, params DBusInterface[] interfaces)
    {
        if (!Names.IsValidObjectPath(path))
            throw new ArgumentException($"'{path}' is not a valid object path", nameof(path));
        Path = path;
        _interfaces = interfaces ?? [];
    }

    public string Path { get; }

    public IReadOnlyList<DBusInterface> Interfaces => _interfaces;

    public DBusInterface? FindInterface(string name)
    {
        foreach (DBusInterface candidate in _interfaces)
        {
            if (candidate.Description.Name == name)
                return candidate;
        }
        return null;
    }
}
