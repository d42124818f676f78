using System.Collections.Concurrent;
using System.Security;
using System.Text;

namespace Units.DBus;

/// <summary>Names of the standard interfaces served by every <see cref="ObjectTree"/>.</summary>
public static class StandardInterfaces
{
    public const string Peer = "org.freedesktop.DBus.Peer";
    public const string Introspectable = "org.freedesktop.DBus.Introspectable";
    public const string Properties = "org.freedesktop.DBus.Properties";
}

/// <summary>The objects a connection (or every connection of a server) serves, and the dispatch of method
/// calls to them: standard Peer, Introspectable and Properties, argument signature checks, and the
/// standard errors for unknown objects, interfaces, methods and properties.</summary>
public sealed class ObjectTree
{
    private readonly ConcurrentDictionary<string, DBusObject> _objects = new(StringComparer.Ordinal);
    private volatile Subtree[] _subtrees = [];

    private sealed record Subtree(string Prefix, Func<string, MethodCall?, DBusObject?> Resolve, Func<IEnumerable<string>>? Children);

    /// <summary>Where handlers run. Null runs them on the connection's reader; the manager sets this to post
    /// them onto its event loop. Replies may be sent from any thread.</summary>
    public Action<Action>? Dispatcher { get; set; }

    /// <summary>Called with exceptions handlers threw that are not <see cref="DBusException"/> (the caller
    /// gets org.freedesktop.DBus.Error.Failed).</summary>
    public Action<MethodCall, Exception>? UnhandledException { get; set; }

    /// <summary>Runs on the connection's reader before a call is dispatched: throw (or fault with)
    /// <see cref="DBusException"/> to refuse it with that error. A check that completes at once keeps the
    /// connection's order of calls; one that has to ask someone (the bus, for a caller's credentials)
    /// dispatches the call when the answer comes. Null admits every call.</summary>
    public Func<MethodCall, ValueTask>? Authorize { get; set; }

    public void Add(DBusObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (!_objects.TryAdd(obj.Path, obj))
            throw new InvalidOperationException($"an object is already registered at {obj.Path}");
    }

    public bool Remove(string path) => _objects.TryRemove(path, out _);

    /// <summary>Objects below <paramref name="prefix"/> resolved on demand (e.g. one per unit, created when
    /// first addressed). <paramref name="children"/> lists the paths that exist now, for Introspect.</summary>
    public void AddSubtree(string prefix, Func<string, DBusObject?> resolve, Func<IEnumerable<string>>? children = null)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        AddSubtree(prefix, (path, _) => resolve(path), children);
    }

    /// <summary>As <see cref="AddSubtree(string, Func{string, DBusObject?}, Func{IEnumerable{string}}?)"/>, for paths
    /// whose object depends on who asks (systemd's ".../unit/self"): <paramref name="resolve"/> gets the method call
    /// being dispatched, or null when the tree is only looked at (Introspect).</summary>
    public void AddSubtree(string prefix, Func<string, MethodCall?, DBusObject?> resolve, Func<IEnumerable<string>>? children = null)
    {
        if (!Names.IsValidObjectPath(prefix))
            throw new ArgumentException($"'{prefix}' is not a valid object path", nameof(prefix));
        ArgumentNullException.ThrowIfNull(resolve);
        lock (_objects)
            _subtrees = [.. _subtrees, new Subtree(prefix, resolve, children)];
    }

    /// <summary>The object at <paramref name="path"/>, registered or resolved.</summary>
    public DBusObject? Find(string path) => Find(path, call: null);

    private DBusObject? Find(string path, MethodCall? call)
    {
        if (_objects.TryGetValue(path, out DBusObject? found))
            return found;
        foreach (Subtree subtree in _subtrees)
        {
            if (path.Length > subtree.Prefix.Length && path.StartsWith(subtree.Prefix, StringComparison.Ordinal)
                && (subtree.Prefix == "/" || path[subtree.Prefix.Length] == '/'))
            {
                DBusObject? resolved = subtree.Resolve(path, call);
                if (resolved is not null)
                    return resolved;
            }
        }
        return null;
    }

    internal void Dispatch(DBusConnection connection, Message message)
    {
        var call = new MethodCall(connection, message);
        if (Authorize is { } authorize)
        {
            ValueTask check;
            try
            {
                check = authorize(call);
            }
            catch (Exception e)
            {
                Refuse(call, e);
                return;
            }
            if (!check.IsCompletedSuccessfully)
            {
                _ = DispatchWhenAuthorizedAsync(call, check);
                return;
            }
        }
        DispatchAuthorized(call);
    }

    private async Task DispatchWhenAuthorizedAsync(MethodCall call, ValueTask check)
    {
        try
        {
            await check.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Refuse(call, e);
            return;
        }
        DispatchAuthorized(call);
    }

    /// <summary>The call's handler is done: its request is released and its connection may read another call.</summary>
    private static void Complete(MethodCall call)
    {
        call.Request.Dispose();
        call.Connection.CallFinished();
    }

    private void Refuse(MethodCall call, Exception e)
    {
        Fail(call, e);
        Complete(call);
    }

    private void DispatchAuthorized(MethodCall call)
    {
        Action<Action>? dispatcher = Dispatcher;
        if (dispatcher is null)
        {
            Run(call);
            return;
        }
        try
        {
            dispatcher(() => Run(call));
        }
        catch (Exception e)
        {
            call.ReplyErrorIfUnanswered(DBusErrors.Failed, "the service cannot take calls now: " + e.Message);
            Complete(call);
        }
    }

    private void Run(MethodCall call)
    {
        ValueTask pending;
        try
        {
            pending = Handle(call);
        }
        catch (Exception e)
        {
            Fail(call, e);
            Complete(call);
            return;
        }
        if (pending.IsCompleted)
        {
            Finish(call, pending);
            return;
        }
        _ = FinishLaterAsync(call, pending);
    }

    private async Task FinishLaterAsync(MethodCall call, ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(call, e);
        }
        finally
        {
            Complete(call);
        }
    }

    private void Finish(MethodCall call, ValueTask completed)
    {
        try
        {
            completed.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Fail(call, e);
        }
        finally
        {
            Complete(call);
        }
    }

    private void Fail(MethodCall call, Exception e)
    {
        switch (e)
        {
            case DBusException dbus:
                call.ReplyErrorIfUnanswered(dbus.ErrorName, dbus.Message);
                break;
            case ProtocolException protocol:
                call.ReplyErrorIfUnanswered(DBusErrors.InvalidArgs, "Invalid arguments: " + protocol.Message);
                break;
            default:
                UnhandledException?.Invoke(call, e);
                call.ReplyErrorIfUnanswered(DBusErrors.Failed, e.Message);
                break;
        }
    }

    private ValueTask Handle(MethodCall call)
    {
        Message request = call.Request;
        string path = request.Path!;
        string? iface = request.Interface;
        string member = request.Member!;

        if (iface == StandardInterfaces.Peer || (iface is null && member is "Ping" or "GetMachineId"))
            return HandlePeer(call, member);
        if (iface == StandardInterfaces.Introspectable && member == "Introspect")
        {
            ExpectSignature(call, "");
            string? xml = Introspect(path);
            if (xml is null)
                throw UnknownObject(path);
            MessageWriter reply = call.CreateReply("s", xml.Length + 64);
            reply.WriteString(xml.AsSpan());
            call.Reply(reply.Finish());
            return default;
        }

        DBusObject obj = Find(path, call) ?? throw UnknownObject(path);
        if (iface == StandardInterfaces.Properties)
            return HandleProperties(call, obj, member);
        if (iface is null)
        {
            foreach (DBusInterface candidate in obj.Interfaces)
            {
                if (candidate.Description.FindMethod(member) is MethodDescription found)
                    return Invoke(call, candidate, found);
            }
            throw new DBusException(DBusErrors.UnknownMethod, $"Unknown method '{member}' on object '{path}'.");
        }
        DBusInterface target = obj.FindInterface(iface)
            ?? throw new DBusException(DBusErrors.UnknownInterface, $"Unknown interface '{iface}' on object '{path}'.");
        MethodDescription method = target.Description.FindMethod(member)
            ?? throw new DBusException(DBusErrors.UnknownMethod, $"Unknown method '{member}' or interface '{iface}'.");
        return Invoke(call, target, method);
    }

    private static ValueTask Invoke(MethodCall call, DBusInterface target, MethodDescription method)
    {
        ExpectSignature(call, method.InSignature);
        return target.HandleMethodAsync(call);
    }

    private static void ExpectSignature(MethodCall call, string expected)
    {
        if (call.Request.Signature != expected)
            throw new DBusException(DBusErrors.InvalidArgs, $"Invalid arguments '{call.Request.Signature}' to call {call.Request.Interface}.{call.Member}(), expecting '{expected}'.");
    }

    private static ValueTask HandlePeer(MethodCall call, string member)
    {
        switch (member)
        {
            case "Ping":
                ExpectSignature(call, "");
                call.ReplyEmpty();
                return default;
            case "GetMachineId":
                ExpectSignature(call, "");
                MessageWriter reply = call.CreateReply("s");
                reply.WriteString(MachineId.Value.AsSpan());
                call.Reply(reply.Finish());
                return default;
            default:
                throw new DBusException(DBusErrors.UnknownMethod, $"Unknown method '{member}' or interface '{StandardInterfaces.Peer}'.");
        }
    }

    private static ValueTask HandleProperties(MethodCall call, DBusObject obj, string member)
    {
        switch (member)
        {
            case "Get":
                {
                    ExpectSignature(call, "ss");
                    Reader args = call.Request.GetBodyReader();
                    string iface = args.ReadString();
                    string name = args.ReadString();
                    DBusInterface target = PropertyOwner(obj, iface, name, out PropertyDescription property);
                    if (property.Access == PropertyAccess.Write)
                        throw new DBusException(DBusErrors.AccessDenied, $"Property '{name}' is not readable.");
                    MessageWriter reply = call.CreateReply("v");
                    if (!target.TryWriteProperty(name, ref reply))
                        throw new DBusException(DBusErrors.UnknownProperty, $"Unknown property '{name}'.");
                    call.Reply(reply.Finish());
                    return default;
                }
            case "GetAll":
                {
                    ExpectSignature(call, "s");
                    Reader args = call.Request.GetBodyReader();
                    string iface = args.ReadString();
                    DBusInterface? only = null;
                    if (iface.Length > 0)
                    {
                        only = obj.FindInterface(iface)
                            ?? throw new DBusException(DBusErrors.UnknownInterface, $"Unknown interface '{iface}'.");
                    }
                    MessageWriter reply = call.CreateReply("a{sv}", 4096);
                    ArrayStart entries = reply.WriteArrayStart('{');
                    if (only is not null)
                        only.WriteAllProperties(ref reply);
                    else
                    {
                        foreach (DBusInterface each in obj.Interfaces)
                            each.WriteAllProperties(ref reply);
                    }
                    reply.WriteArrayEnd(entries);
                    call.Reply(reply.Finish());
                    return default;
                }
            case "Set":
                {
                    ExpectSignature(call, "ssv");
                    Reader args = call.Request.GetBodyReader();
                    string iface = args.ReadString();
                    string name = args.ReadString();
                    DBusInterface target = PropertyOwner(obj, iface, name, out PropertyDescription property);
                    if (property.Access == PropertyAccess.Read)
                        throw new DBusException(DBusErrors.PropertyReadOnly, $"Property '{name}' is not writable.");
                    string valueSignature = args.ReadVariantSignature();
                    if (valueSignature != property.Signature)
                        throw new DBusException(DBusErrors.InvalidArgs, $"Property '{name}' has type '{property.Signature}', not '{valueSignature}'.");
                    target.SetProperty(name, ref args, call);
                    if (!call.HasReplied)
                        call.ReplyEmpty();
                    return default;
                }
            default:
                throw new DBusException(DBusErrors.UnknownMethod, $"Unknown method '{member}' or interface '{StandardInterfaces.Properties}'.");
        }
    }

    private static DBusInterface PropertyOwner(DBusObject obj, string iface, string name, out PropertyDescription property)
    {
        if (iface.Length == 0)
        {
            foreach (DBusInterface candidate in obj.Interfaces)
            {
                if (candidate.Description.FindProperty(name) is PropertyDescription found)
                {
                    property = found;
                    return candidate;
                }
            }
            throw new DBusException(DBusErrors.UnknownProperty, $"Unknown property '{name}'.");
        }
        DBusInterface target = obj.FindInterface(iface)
            ?? throw new DBusException(DBusErrors.UnknownInterface, $"Unknown interface '{iface}'.");
        property = target.Description.FindProperty(name)
            ?? throw new DBusException(DBusErrors.UnknownProperty, $"Unknown property '{name}' on interface '{iface}'.");
        return target;
    }

    private static DBusException UnknownObject(string path)
        => new(DBusErrors.UnknownObject, $"Unknown object '{path}'.");

    private bool IsSubtreePrefix(string path)
    {
        foreach (Subtree subtree in _subtrees)
        {
            if (subtree.Prefix == path)
                return true;
        }
        return false;
    }

    /// <summary>Introspection XML for <paramref name="path"/>, or null if nothing is there or below.</summary>
    public string? Introspect(string path)
    {
        DBusObject? obj = Find(path);
        SortedSet<string> children = ChildNames(path);
        // A subtree's prefix exists even while nothing lives below it (no jobs queued), as an sd-bus fallback does.
        if (obj is null && children.Count == 0 && path != "/" && !IsSubtreePrefix(path))
            return null;
        var xml = new StringBuilder(4096);
        xml.Append("<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n")
           .Append("\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n");
        xml.Append(" <interface name=\"org.freedesktop.DBus.Peer\">\n  <method name=\"Ping\"/>\n  <method name=\"GetMachineId\">\n   <arg type=\"s\" name=\"machine_uuid\" direction=\"out\"/>\n  </method>\n </interface>\n");
        xml.Append(" <interface name=\"org.freedesktop.DBus.Introspectable\">\n  <method name=\"Introspect\">\n   <arg name=\"xml_data\" type=\"s\" direction=\"out\"/>\n  </method>\n </interface>\n");
        if (obj is not null)
        {
            xml.Append(" <interface name=\"org.freedesktop.DBus.Properties\">\n")
               .Append("  <method name=\"Get\">\n   <arg name=\"interface_name\" direction=\"in\" type=\"s\"/>\n   <arg name=\"property_name\" direction=\"in\" type=\"s\"/>\n   <arg name=\"value\" direction=\"out\" type=\"v\"/>\n  </method>\n")
               .Append("  <method name=\"GetAll\">\n   <arg name=\"interface_name\" direction=\"in\" type=\"s\"/>\n   <arg name=\"props\" direction=\"out\" type=\"a{sv}\"/>\n  </method>\n")
               .Append("  <method name=\"Set\">\n   <arg name=\"interface_name\" direction=\"in\" type=\"s\"/>\n   <arg name=\"property_name\" direction=\"in\" type=\"s\"/>\n   <arg name=\"value\" direction=\"in\" type=\"v\"/>\n  </method>\n")
               .Append("  <signal name=\"PropertiesChanged\">\n   <arg type=\"s\" name=\"interface_name\"/>\n   <arg type=\"a{sv}\" name=\"changed_properties\"/>\n   <arg type=\"as\" name=\"invalidated_properties\"/>\n  </signal>\n </interface>\n");
            foreach (DBusInterface iface in obj.Interfaces)
                AppendInterface(xml, iface.Description);
        }
        foreach (string child in children)
            xml.Append(" <node name=\"").Append(child).Append("\"/>\n");
        xml.Append("</node>\n");
        return xml.ToString();
    }

    private SortedSet<string> ChildNames(string path)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        string prefix = path == "/" ? "/" : path + "/";
        void Consider(string candidate)
        {
            if (candidate.Length > prefix.Length && candidate.StartsWith(prefix, StringComparison.Ordinal))
            {
                int end = candidate.IndexOf('/', prefix.Length);
                names.Add(end < 0 ? candidate[prefix.Length..] : candidate[prefix.Length..end]);
            }
        }
        foreach (string registered in _objects.Keys)
            Consider(registered);
        foreach (Subtree subtree in _subtrees)
        {
            Consider(subtree.Prefix);
            if (subtree.Children is not null)
            {
                foreach (string child in subtree.Children())
                    Consider(child);
            }
        }
        return names;
    }

    private static void AppendInterface(StringBuilder xml, InterfaceDescription description)
    {
        xml.Append(" <interface name=\"").Append(description.Name).Append("\">\n");
        foreach (PropertyDescription property in description.Properties)
        {
            string access = property.Access switch
            {
                PropertyAccess.Read => "read",
                PropertyAccess.Write => "write",
                _ => "readwrite",
            };
            xml.Append("  <property name=\"").Append(property.Name).Append("\" type=\"").Append(Escape(property.Signature))
               .Append("\" access=\"").Append(access).Append('"');
            if (property.EmitsChangedSignal is null)
                xml.Append("/>\n");
            else
                xml.Append(">\n   <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"")
                   .Append(property.EmitsChangedSignal).Append("\"/>\n  </property>\n");
        }
        foreach (MethodDescription method in description.Methods)
        {
            xml.Append("  <method name=\"").Append(method.Name).Append("\">\n");
            AppendArgs(xml, method.InSignature, method.InNames, "in");
            AppendArgs(xml, method.OutSignature, method.OutNames, "out");
            xml.Append("  </method>\n");
        }
        foreach (SignalDescription signal in description.Signals)
        {
            xml.Append("  <signal name=\"").Append(signal.Name).Append("\">\n");
            AppendArgs(xml, signal.Signature, signal.ArgNames, null);
            xml.Append("  </signal>\n");
        }
        xml.Append(" </interface>\n");
    }

    private static void AppendArgs(StringBuilder xml, string signature, IReadOnlyList<string>? names, string? direction)
    {
        int position = 0;
        for (int index = 0; position < signature.Length; index++)
        {
            int length = Signature.FirstCompleteTypeLength(signature, position);
            xml.Append("   <arg type=\"").Append(Escape(signature.Substring(position, length))).Append('"');
            if (names is not null && index < names.Count)
                xml.Append(" name=\"").Append(Escape(names[index])).Append('"');
            if (direction is not null)
                xml.Append(" direction=\"").Append(direction).Append('"');
            xml.Append("/>\n");
            position += length;
        }
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}

/// <summary>This machine's id, for Peer.GetMachineId.</summary>
internal static class MachineId
{
    private static string? s_value;

    public static string Value => s_value ??= Read();

    private static string Read()
    {
        foreach (string file in new[] { "/etc/machine-id", "/var/lib/dbus/machine-id" })
        {
            try
            {
                string id = File.ReadAllText(file).Trim();
                if (id.Length == 32)
                    return id;
            }
            catch (IOException)
            {
                // Try the next location.
            }
            catch (UnauthorizedAccessException)
            {
                // Try the next location.
            }
        }
        throw new DBusException(DBusErrors.Failed, "no machine id (/etc/machine-id) on this system");
    }
}
