namespace Units.DBus;

public sealed partial class DBusConnection
{
    private const string BusName = "org.freedesktop.DBus";
    private const string BusPath = "/org/freedesktop/DBus";
    private const string LocalPath = "/org/freedesktop/DBus/Local";
    private const string LocalInterface = "org.freedesktop.DBus.Local";

    /// <summary>A signal subscription; dispose to end it (and remove the rule from the bus).</summary>
    private sealed class Subscription : IDisposable
    {
        private readonly DBusConnection _connection;
        private int _disposed;

        public Subscription(DBusConnection connection, MatchRule rule, Action<Message> handler, Action<Exception?>? onDisconnected)
        {
            _connection = connection;
            Rule = rule;
            Handler = handler;
            OnDisconnected = onDisconnected;
        }

        public MatchRule Rule { get; }
        public Action<Message> Handler { get; }
        public Action<Exception?>? OnDisconnected { get; }

        /// <summary>Current unique owner of a well-known Sender on a bus ("" while nobody owns it).</summary>
        public volatile string? SenderOwner;

        public bool RegisteredOnBus { get; set; }

        /// <summary>The NameOwnerChanged subscription that keeps <see cref="SenderOwner"/> current.</summary>
        public Subscription? OwnerTracker { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            _connection.RemoveSubscription(this);
            OwnerTracker?.Dispose();
        }
    }

    /// <summary>Subscribes <paramref name="handler"/> to messages matching <paramref name="rule"/>. Handlers run
    /// on the connection's reader and must not block; the message is valid only during the call. On a bus
    /// the rule is also added with AddMatch, and a well-known Sender is checked against its current unique
    /// owner so that other clients cannot spoof it. <paramref name="onDisconnected"/> runs when the
    /// connection closes.</summary>
    public async Task<IDisposable> AddMatchAsync(MatchRule rule, Action<Message> handler, Action<Exception?>? onDisconnected = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, rule, handler, onDisconnected);
        bool trackOwner = IsBus && rule.Sender is string sender && !Names.IsUniqueName(sender) && sender != BusName;
        if (trackOwner)
            subscription.SenderOwner = "";
        AddSubscription(subscription);
        if (!IsBus)
            return subscription;
        try
        {
            if (trackOwner)
            {
                string name = rule.Sender!;
                var ownerRule = new MatchRule { Sender = BusName, Interface = BusName, Member = "NameOwnerChanged", Path = BusPath }.WithArg(0, name);
                var tracker = new Subscription(this, ownerRule, changed =>
                {
                    Reader args = changed.GetBodyReader();
                    args.ReadString();
                    args.ReadString();
                    subscription.SenderOwner = args.ReadString();
                }, null);
                subscription.OwnerTracker = tracker;
                AddSubscription(tracker);
                await BusAddMatchAsync(tracker, cancellationToken).ConfigureAwait(false);
                try
                {
                    subscription.SenderOwner = await GetNameOwnerAsync(name, cancellationToken).ConfigureAwait(false);
                }
                catch (DBusException e) when (e.ErrorName == DBusErrors.NameHasNoOwner)
                {
                    // Nobody owns it yet: nothing matches until NameOwnerChanged says otherwise.
                }
            }
            await BusAddMatchAsync(subscription, cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }

    private async Task BusAddMatchAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "AddMatch", "s");
        call.WriteString(subscription.Rule.ToString().AsSpan());
        (await CallAsync(call.Finish(), cancellationToken: cancellationToken).ConfigureAwait(false)).Dispose();
        subscription.RegisteredOnBus = true;
    }

    private void AddSubscription(Subscription subscription)
    {
        lock (_gate)
            _subscriptions = [.. _subscriptions, subscription];
    }

    private void RemoveSubscription(Subscription subscription)
    {
        lock (_gate)
        {
            int index = Array.IndexOf(_subscriptions, subscription);
            if (index < 0)
                return;
            Subscription[] remaining = new Subscription[_subscriptions.Length - 1];
            Array.Copy(_subscriptions, 0, remaining, 0, index);
            Array.Copy(_subscriptions, index + 1, remaining, index, remaining.Length - index);
            _subscriptions = remaining;
        }
        if (subscription.RegisteredOnBus && IsConnected)
        {
            MessageWriter call = MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "RemoveMatch", "s", MessageFlags.NoReplyExpected);
            call.WriteString(subscription.Rule.ToString().AsSpan());
            Send(call.Finish());
        }
    }

    private void DeliverSignal(Message message)
    {
        using (message)
        {
            // The Local interface and path are reserved for the library itself; a peer may not fake them.
            if (message.Path == LocalPath || message.Interface == LocalInterface)
                return;
            foreach (Subscription subscription in Volatile.Read(ref _subscriptions))
            {
                if (!subscription.Rule.Matches(message, subscription.SenderOwner))
                    continue;
                try
                {
                    subscription.Handler(message);
                }
                catch (Exception e) when (e is ProtocolException or DBusException or InvalidCastException or ArgumentException or InvalidOperationException)
                {
                    // A handler that cannot decode a signal does not take the connection down.
                }
            }
        }
    }

    /// <summary>Says Hello to the bus and records our unique name.</summary>
    public async Task<string> HelloAsync(CancellationToken cancellationToken = default)
    {
        string name = await CallAsync(MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "Hello").Finish(),
            static reply => reply.GetBodyReader().ReadString(), cancellationToken: cancellationToken).ConfigureAwait(false);
        UniqueName = name;
        return name;
    }

    /// <summary>RequestName: 1 primary owner, 2 in queue, 3 exists, 4 already owner.</summary>
    public Task<uint> RequestNameAsync(string name, uint flags = 0, CancellationToken cancellationToken = default)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "RequestName", "su");
        call.WriteString(name.AsSpan());
        call.WriteUInt32(flags);
        return CallAsync(call.Finish(), static reply => reply.GetBodyReader().ReadUInt32(), cancellationToken: cancellationToken);
    }

    /// <summary>ReleaseName: 1 released, 2 non-existent, 3 not owner.</summary>
    public Task<uint> ReleaseNameAsync(string name, CancellationToken cancellationToken = default)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "ReleaseName", "s");
        call.WriteString(name.AsSpan());
        return CallAsync(call.Finish(), static reply => reply.GetBodyReader().ReadUInt32(), cancellationToken: cancellationToken);
    }

    /// <summary>The unique name owning <paramref name="name"/> (NameHasNoOwner error if none).</summary>
    public Task<string> GetNameOwnerAsync(string name, CancellationToken cancellationToken = default)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "GetNameOwner", "s");
        call.WriteString(name.AsSpan());
        return CallAsync(call.Finish(), static reply => reply.GetBodyReader().ReadString(), cancellationToken: cancellationToken);
    }

    /// <summary>What the bus knows of the connection owning <paramref name="name"/> (GetConnectionCredentials):
    /// its uid, its groups (dbus-daemon reports them where the kernel has SO_PEERGROUPS) and its pid.</summary>
    public Task<BusCredentials> GetConnectionCredentialsAsync(string name, CancellationToken cancellationToken = default)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "GetConnectionCredentials", "s");
        call.WriteString(name.AsSpan());
        return CallAsync(call.Finish(), static reply =>
        {
            Reader reader = reply.GetBodyReader();
            uint? user = null, process = null;
            List<uint>? groups = null;
            ArrayEnd end = reader.ReadArrayStart('{');
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                string key = reader.ReadString();
                string signature = reader.ReadVariantSignature();
                switch (key, signature)
                {
                    case ("UnixUserID", "u"):
                        user = reader.ReadUInt32();
                        break;
                    case ("ProcessID", "u"):
                        process = reader.ReadUInt32();
                        break;
                    case ("UnixGroupIDs", "au"):
                        groups = [];
                        ArrayEnd ids = reader.ReadArrayStart('u');
                        while (reader.HasNext(ids))
                            groups.Add(reader.ReadUInt32());
                        break;
                    default:
                        reader.SkipValue(signature);
                        break;
                }
            }
            return new BusCredentials(user, groups, process);
        }, cancellationToken: cancellationToken);
    }

    /// <summary>Every name currently on the bus.</summary>
    public Task<string[]> ListNamesAsync(CancellationToken cancellationToken = default)
        => CallAsync(MessageWriter.CreateMethodCall(BusName, BusPath, BusName, "ListNames").Finish(), static reply =>
        {
            Reader reader = reply.GetBodyReader();
            var names = new List<string>();
            ArrayEnd end = reader.ReadArrayStart('s');
            while (reader.HasNext(end))
                names.Add(reader.ReadString());
            return names.ToArray();
        }, cancellationToken: cancellationToken);
}

/// <summary>A bus client's credentials as the bus daemon reports them; null where it does not say.</summary>
public sealed record BusCredentials(uint? UserId, IReadOnlyList<uint>? GroupIds, uint? ProcessId);

public sealed partial class DBusConnection
{
    private static int s_lastPeerId;
    private string? _peerUniqueName;

    // Clients that always talk as if to a bus (busctl, gdbus) say Hello and AddMatch even on a direct
    // connection. Answer those few calls as a bus would, so they work peer-to-peer; sd-bus does the same.
    private void AnswerAsPeerBus(Message message)
    {
        using (message)
        {
            if (message.NoReplyExpected)
                return;
            MessageWriter reply;
            switch (message.Member)
            {
                case "Hello" when message.Signature.Length == 0:
                    _peerUniqueName ??= ":1." + Interlocked.Increment(ref s_lastPeerId).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    reply = MessageWriter.CreateMethodReturn(message.Serial, null, "s", DefaultSender);
                    reply.WriteString(_peerUniqueName.AsSpan());
                    break;
                case "AddMatch" or "RemoveMatch" when message.Signature == "s":
                    reply = MessageWriter.CreateMethodReturn(message.Serial, null, sender: DefaultSender);
                    break;
                default:
                    reply = MessageWriter.CreateError(message.Serial, null, DBusErrors.UnknownMethod,
                        $"Method '{message.Member}' of the bus is not available on a peer-to-peer connection.", DefaultSender);
                    break;
            }
            Send(reply.Finish());
        }
    }
}
