using Units.DBus;

namespace Units.Client.Connection;

/// <summary>
/// <see cref="IManagerConnection"/> over a Units.DBus connection: each method writes the call
/// systemctl 252 writes and decodes the reply with the signature systemd uses. One match rule
/// takes every signal of the manager and hands it to the watchers.
/// </summary>
internal sealed class DBusManagerConnection : IManagerConnection
{
    private const string Destination = "org.freedesktop.systemd1";
    private const string ManagerInterface = ManagerSignal.ManagerInterface;
    private const string PropertiesInterface = ManagerSignal.PropertiesInterface;

    private readonly DBusConnection _connection;
    private readonly MessageFlags _flags;
    private readonly List<Action<ManagerSignal>> _watchers = [];
    private IDisposable? _signals;
    private int _subscribed;

    private DBusManagerConnection(DBusConnection connection, string computerName, MessageFlags flags)
    {
        _connection = connection;
        ComputerName = computerName;
        _flags = flags;
    }

    public string ComputerName { get; }

    public bool IsConnected => _connection.IsConnected;

    /// <summary>Wraps an open connection and starts receiving the manager's signals.</summary>
    public static async Task<DBusManagerConnection> StartAsync(DBusConnection connection, ManagerTarget target, CancellationToken cancellation)
    {
        // As systemctl: the system manager may ask polkit interactively; the user manager never does.
        var flags = target.Scope == ManagerScope.System ? MessageFlags.AllowInteractiveAuthorization : MessageFlags.None;
        var manager = new DBusManagerConnection(connection, target.ComputerName, flags);
        var rule = new MatchRule { Sender = connection.IsBus ? Destination : null };
        manager._signals = await connection.AddMatchAsync(rule, manager.Dispatch, manager.OnDisconnected, cancellation).ConfigureAwait(false);
        return manager;
    }

    public Task<IReadOnlyList<UnitListEntry>> ListUnitsByPatternsAsync(IReadOnlyList<string> states, IReadOnlyList<string> patterns, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "ListUnitsByPatterns", "asas");
        call.WriteStringArray(states);
        call.WriteStringArray(patterns);
        return Invoke<IReadOnlyList<UnitListEntry>>(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var units = new List<UnitListEntry>();
            var end = reader.ReadArrayStart('(');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                units.Add(new UnitListEntry(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString(),
                    reader.ReadString(), reader.ReadObjectPath(), reader.ReadUInt32(), reader.ReadString(), reader.ReadObjectPath()));
            }
            return units;
        }, cancellation);
    }

    public Task<IReadOnlyList<UnitFileListEntry>> ListUnitFilesByPatternsAsync(IReadOnlyList<string> states, IReadOnlyList<string> patterns, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "ListUnitFilesByPatterns", "asas");
        call.WriteStringArray(states);
        call.WriteStringArray(patterns);
        return Invoke<IReadOnlyList<UnitFileListEntry>>(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var files = new List<UnitFileListEntry>();
            var end = reader.ReadArrayStart('(');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                files.Add(new UnitFileListEntry(reader.ReadString(), reader.ReadString()));
            }
            return files;
        }, cancellation);
    }

    public Task<IReadOnlyList<JobListEntry>> ListJobsAsync(CancellationToken cancellation) =>
        Invoke<IReadOnlyList<JobListEntry>>(Call(SystemdNames.ManagerPath, ManagerInterface, "ListJobs").Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var jobs = new List<JobListEntry>();
            var end = reader.ReadArrayStart('(');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                jobs.Add(new JobListEntry(reader.ReadUInt32(), reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadObjectPath(), reader.ReadObjectPath()));
            }
            return jobs;
        }, cancellation);

    public Task<IReadOnlyDictionary<string, object>> GetAllAsync(string objectPath, string interfaceName, CancellationToken cancellation)
    {
        var call = Call(objectPath, PropertiesInterface, "GetAll", "s");
        call.WriteString(interfaceName.AsSpan());
        return Invoke<IReadOnlyDictionary<string, object>>(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var properties = new Dictionary<string, object>(StringComparer.Ordinal);
            var end = reader.ReadArrayStart('{');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                var name = reader.ReadString();
                properties[name] = DBusValues.ToObject(reader.ReadVariant());
            }
            return properties;
        }, cancellation);
    }

    public Task<object> GetAsync(string objectPath, string interfaceName, string propertyName, CancellationToken cancellation)
    {
        var call = Call(objectPath, PropertiesInterface, "Get", "ss");
        call.WriteString(interfaceName.AsSpan());
        call.WriteString(propertyName.AsSpan());
        return Invoke(call.Finish(), static reply => DBusValues.ToObject(reply.GetBodyReader().ReadVariant()), cancellation);
    }

    public Task<string> QueueUnitJobAsync(UnitJobMethod method, string unitName, string mode, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, method.ToString(), "ss");
        call.WriteString(unitName.AsSpan());
        call.WriteString(mode.AsSpan());
        return Invoke(call.Finish(), static reply => reply.GetBodyReader().ReadObjectPath(), cancellation);
    }

    public Task KillUnitAsync(string unitName, string whom, int signal, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "KillUnit", "ssi");
        call.WriteString(unitName.AsSpan());
        call.WriteString(whom.AsSpan());
        call.WriteInt32(signal);
        return InvokeVoid(call.Finish(), cancellation);
    }

    public Task ResetFailedAsync(string? unitName, CancellationToken cancellation)
    {
        if (unitName is null)
        {
            return InvokeVoid(Call(SystemdNames.ManagerPath, ManagerInterface, "ResetFailed").Finish(), cancellation);
        }
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "ResetFailedUnit", "s");
        call.WriteString(unitName.AsSpan());
        return InvokeVoid(call.Finish(), cancellation);
    }

    public Task RefUnitAsync(string unitName, CancellationToken cancellation) => UnitCall("RefUnit", unitName, cancellation);

    public Task UnrefUnitAsync(string unitName, CancellationToken cancellation) => UnitCall("UnrefUnit", unitName, cancellation);

    private Task UnitCall(string method, string unitName, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, method, "s");
        call.WriteString(unitName.AsSpan());
        return InvokeVoid(call.Finish(), cancellation);
    }

    public Task CleanUnitAsync(string unitName, IReadOnlyList<string> what, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "CleanUnit", "sas");
        call.WriteString(unitName.AsSpan());
        var array = call.WriteArrayStart('s');
        foreach (var name in what)
        {
            call.WriteString(name.AsSpan());
        }
        call.WriteArrayEnd(array);
        return InvokeVoid(call.Finish(), cancellation);
    }

    public Task CancelJobAsync(uint jobId, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "CancelJob", "u");
        call.WriteUInt32(jobId);
        return InvokeVoid(call.Finish(), cancellation);
    }

    public Task<IReadOnlyList<UnitProcessEntry>> GetUnitProcessesAsync(string unitName, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "GetUnitProcesses", "s");
        call.WriteString(unitName.AsSpan());
        return Invoke<IReadOnlyList<UnitProcessEntry>>(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var processes = new List<UnitProcessEntry>();
            var end = reader.ReadArrayStart('(');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                processes.Add(new UnitProcessEntry(reader.ReadString(), reader.ReadUInt32(), reader.ReadString()));
            }
            return processes;
        }, cancellation);
    }

    public Task<string> GetUnitFileStateAsync(string unitName, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "GetUnitFileState", "s");
        call.WriteString(unitName.AsSpan());
        return Invoke(call.Finish(), static reply => reply.GetBodyReader().ReadString(), cancellation);
    }

    public Task<string> GetDefaultTargetAsync(CancellationToken cancellation) =>
        Invoke(Call(SystemdNames.ManagerPath, ManagerInterface, "GetDefaultTarget").Finish(), static reply => reply.GetBodyReader().ReadString(), cancellation);

    public Task<UnitFileChanges> EnableUnitFilesAsync(IReadOnlyList<string> files, bool runtime, bool force, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "EnableUnitFiles", "asbb");
        call.WriteStringArray(files);
        call.WriteBoolean(runtime);
        call.WriteBoolean(force);
        return Invoke(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var carriesInstallInfo = reader.ReadBoolean();
            return new UnitFileChanges(carriesInstallInfo, ReadChanges(ref reader));
        }, cancellation);
    }

    public Task<UnitFileChanges> DisableUnitFilesAsync(IReadOnlyList<string> files, bool runtime, CancellationToken cancellation) =>
        FileChanges("DisableUnitFiles", files, runtime, force: null, cancellation);

    public Task<UnitFileChanges> MaskUnitFilesAsync(IReadOnlyList<string> files, bool runtime, bool force, CancellationToken cancellation) =>
        FileChanges("MaskUnitFiles", files, runtime, force, cancellation);

    public Task<UnitFileChanges> UnmaskUnitFilesAsync(IReadOnlyList<string> files, bool runtime, CancellationToken cancellation) =>
        FileChanges("UnmaskUnitFiles", files, runtime, force: null, cancellation);

    public Task SetUnitPropertiesAsync(string unitName, bool runtime, IReadOnlyList<TypedProperty> properties, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, "SetUnitProperties", "sba(sv)");
        call.WriteString(unitName.AsSpan());
        call.WriteBoolean(runtime);
        var array = call.WriteArrayStart('(');
        foreach (var property in properties)
        {
            call.WriteStructStart();
            call.WriteString(property.Name.AsSpan());
            call.WriteVariant(DBusValues.FromObject(property.Signature, property.Value));
        }
        call.WriteArrayEnd(array);
        return InvokeVoid(call.Finish(), cancellation);
    }

    // The reply to Reload() is sent once the reload is complete; a big system takes longer than the default timeout.
    public Task ReloadAsync(CancellationToken cancellation) =>
        InvokeVoid(Call(SystemdNames.ManagerPath, ManagerInterface, "Reload").Finish(), cancellation, TimeSpan.FromMinutes(5));

    public async Task SubscribeAsync(CancellationToken cancellation)
    {
        // A private connection receives every signal unconditionally; a bus only after Subscribe().
        if (!_connection.IsBus || Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            return;
        }
        try
        {
            await InvokeVoid(Call(SystemdNames.ManagerPath, ManagerInterface, "Subscribe").Finish(), cancellation).ConfigureAwait(false);
        }
        catch (ManagerCallException exception) when (exception.ErrorName == DBusErrorNames.AlreadySubscribed)
        {
            // Someone on this connection subscribed already: the signals flow.
        }
    }

    public IDisposable WatchSignals(Action<ManagerSignal> handler)
    {
        lock (_watchers)
        {
            _watchers.Add(handler);
        }
        return new Watch(this, handler);
    }

    public ValueTask DisposeAsync()
    {
        _signals?.Dispose();
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    private const string JournalPath = "/org/units1/journal";
    private const string JournalInterface = "org.units1.Journal";

    public Task<JournalPage> ReadJournalAsync(JournalRequest request, CancellationToken cancellation)
    {
        var call = Call(JournalPath, JournalInterface, "Read", "a{sv}");
        WriteJournalQuery(ref call, request);
        return Invoke(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            var bytes = new List<byte>();
            var end = reader.ReadArrayStart('y');
            while (reader.HasNext(end))
            {
                bytes.Add(reader.ReadByte());
            }
            var entries = JournalExportFormat.ParseAll(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
            return new JournalPage(entries, reader.ReadString(), reader.ReadBoolean());
        }, cancellation);
    }

    public Task<Stream> FollowJournalAsync(JournalRequest request, CancellationToken cancellation)
    {
        if (!_connection.UnixFdsEnabled)
        {
            // The stream is a passed fd: ssh's stdio bridge, for one, cannot carry it.
            throw new ManagerCallException(DBusErrorNames.NotSupported, "This connection does not pass file descriptors.");
        }
        var call = Call(JournalPath, JournalInterface, "Follow", "a{sv}");
        WriteJournalQuery(ref call, request);
        return Invoke<Stream>(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            using var fd = reply.TakeUnixFd(reader.ReadUnixFdIndex());
            // A socket: read through the socket layer, so reads wait without a thread and cancel.
            var socket = new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(fd.DangerousGetHandle(), ownsHandle: true));
            fd.SetHandleAsInvalid();
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }, cancellation);
    }

    private static void WriteJournalQuery(ref MessageWriter call, JournalRequest request)
    {
        var entries = call.WriteArrayStart('{');
        void Entry(ref MessageWriter writer, string key)
        {
            writer.WriteStructStart();
            writer.WriteString(key.AsSpan());
        }
        if (request.Units.Count > 0)
        {
            Entry(ref call, "units");
            call.BeginVariant("as");
            call.WriteStringArray(request.Units);
        }
        if (request.Priority is { } priority)
        {
            Entry(ref call, "priority");
            call.WriteVariantUInt32((uint)priority);
        }
        if (request.BootOffset is { } boot)
        {
            Entry(ref call, "boot");
            call.WriteVariantInt32(boot);
        }
        if (request.SinceUSec is { } since)
        {
            Entry(ref call, "since");
            call.WriteVariantUInt64(since);
        }
        if (request.UntilUSec is { } until)
        {
            Entry(ref call, "until");
            call.WriteVariantUInt64(until);
        }
        if (request.Grep is { } grep)
        {
            Entry(ref call, "grep");
            call.WriteVariantString(grep);
        }
        if (request.CaseSensitive is { } caseSensitive)
        {
            Entry(ref call, "case_sensitive");
            call.WriteVariantBoolean(caseSensitive);
        }
        if (request.Lines is { } lines)
        {
            Entry(ref call, "lines");
            call.WriteVariantUInt32((uint)lines);
        }
        if (request.AfterCursor is { } cursor)
        {
            Entry(ref call, "after_cursor");
            call.WriteVariantString(cursor);
        }
        if (request.Limit is { } limit)
        {
            Entry(ref call, "limit");
            call.WriteVariantUInt32((uint)limit);
        }
        call.WriteArrayEnd(entries);
    }

    private MessageWriter Call(string path, string @interface, string member, string? signature = null) =>
        MessageWriter.CreateMethodCall(Destination, path, @interface, member, signature, _flags);

    private Task<UnitFileChanges> FileChanges(string member, IReadOnlyList<string> files, bool runtime, bool? force, CancellationToken cancellation)
    {
        var call = Call(SystemdNames.ManagerPath, ManagerInterface, member, force is null ? "asb" : "asbb");
        call.WriteStringArray(files);
        call.WriteBoolean(runtime);
        if (force is { } value)
        {
            call.WriteBoolean(value);
        }
        return Invoke(call.Finish(), static reply =>
        {
            var reader = reply.GetBodyReader();
            return new UnitFileChanges(false, ReadChanges(ref reader));
        }, cancellation);
    }

    private static List<UnitFileChangeEntry> ReadChanges(ref Reader reader)
    {
        var changes = new List<UnitFileChangeEntry>();
        var end = reader.ReadArrayStart('(');
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            changes.Add(new UnitFileChangeEntry(reader.ReadString(), reader.ReadString(), reader.ReadString()));
        }
        return changes;
    }

    private async Task<T> Invoke<T>(MessageBuffer call, Func<Message, T> read, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        try
        {
            return await _connection.CallAsync(call, read, timeout, cancellation).ConfigureAwait(false);
        }
        catch (DBusException exception)
        {
            throw new ManagerCallException(exception.ErrorName, exception.Message, exception);
        }
    }

    private Task InvokeVoid(MessageBuffer call, CancellationToken cancellation, TimeSpan? timeout = null) =>
        Invoke(call, static _ => true, cancellation, timeout);

    // Runs on the connection's reader: decode the two signals the client acts on, pass the rest by name.
    private void Dispatch(Message message)
    {
        if (message.Path is null || message.Interface is null || message.Member is null)
        {
            return;
        }
        IReadOnlyList<object> arguments;
        try
        {
            arguments = (message.Member, message.Signature) switch
            {
                ("JobRemoved", "uoss") => ReadJobRemoved(message),
                ("PropertiesChanged", "sa{sv}as") => ReadPropertiesChanged(message),
                _ => [],
            };
        }
        catch (ProtocolException)
        {
            // A malformed signal is dropped; it must not take the reader down.
            return;
        }
        Deliver(new ManagerSignal(message.Path, message.Interface, message.Member, arguments));
    }

    private static object[] ReadJobRemoved(Message message)
    {
        var reader = message.GetBodyReader();
        return [reader.ReadUInt32(), reader.ReadObjectPath(), reader.ReadString(), reader.ReadString()];
    }

    private static object[] ReadPropertiesChanged(Message message)
    {
        var reader = message.GetBodyReader();
        var @interface = reader.ReadString();
        var changed = new Dictionary<string, object>(StringComparer.Ordinal);
        var end = reader.ReadArrayStart('{');
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            var name = reader.ReadString();
            changed[name] = DBusValues.ToObject(reader.ReadVariant());
        }
        var invalidated = new List<string>();
        var invalidatedEnd = reader.ReadArrayStart('s');
        while (reader.HasNext(invalidatedEnd))
        {
            invalidated.Add(reader.ReadString());
        }
        return [@interface, changed, invalidated.ToArray()];
    }

    private void OnDisconnected(Exception? reason) =>
        Deliver(new ManagerSignal("/org/freedesktop/DBus/Local", ManagerSignal.LocalInterface, "Disconnected", []));

    private void Deliver(ManagerSignal signal)
    {
        Action<ManagerSignal>[] watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
        }
        foreach (var watcher in watchers)
        {
            watcher(signal);
        }
    }

    private sealed class Watch(DBusManagerConnection owner, Action<ManagerSignal> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._watchers)
            {
                owner._watchers.Remove(handler);
            }
        }
    }
}

/// <summary>Converts between Units.DBus values and the plain .NET values of <see cref="IManagerConnection"/>.</summary>
internal static class DBusValues
{
    /// <summary>
    /// Basic types become their .NET type (o and g become string); as and ao become string[];
    /// a{s...} becomes a dictionary; other arrays object[]; structs object[]; variants their content.
    /// </summary>
    public static object ToObject(DBusValue value)
    {
        var signature = value.Signature;
        switch (signature[0])
        {
            case 'y': return value.AsByte();
            case 'b': return value.AsBoolean();
            case 'n': return value.AsInt16();
            case 'q': return value.AsUInt16();
            case 'i': return value.AsInt32();
            case 'u': return value.AsUInt32();
            case 'x': return value.AsInt64();
            case 't': return value.AsUInt64();
            case 'd': return value.AsDouble();
            case 'h': return value.AsUnixFdIndex();
            case 's' or 'o' or 'g': return value.AsString();
            case 'v': return ToObject(value.VariantValue);
            case '(': return value.Items.Select(ToObject).ToArray();
        }
        if (signature is "as" or "ao" or "ag")
        {
            return value.Items.Select(item => item.AsString()).ToArray();
        }
        if (signature.StartsWith("a{s", StringComparison.Ordinal))
        {
            return value.Items.ToDictionary(entry => entry.Items[0].AsString(), entry => ToObject(entry.Items[1]), StringComparer.Ordinal);
        }
        return value.Items.Select(ToObject).ToArray();
    }

    /// <summary>A value of a basic D-Bus type from a .NET value, for SetUnitProperties.</summary>
    public static DBusValue FromObject(string signature, object value) => signature switch
    {
        "s" => DBusValue.String((string)value),
        "b" => DBusValue.Boolean((bool)value),
        "t" => DBusValue.UInt64((ulong)value),
        "u" => DBusValue.UInt32((uint)value),
        "x" => DBusValue.Int64((long)value),
        "i" => DBusValue.Int32((int)value),
        "as" => DBusValue.Array("s", ((IEnumerable<string>)value).Select(DBusValue.String).ToArray()),
        _ => throw new ArgumentException($"SetUnitProperties values of type '{signature}' are not supported.", nameof(signature)),
    };
}
