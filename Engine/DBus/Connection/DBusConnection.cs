using System.Threading.Channels;

namespace Units.DBus;

/// <summary>One D-Bus connection, client or server side, peer-to-peer or to a bus. One task reads and
/// dispatches messages; one task writes from a bounded queue. Replies are matched to calls by serial.
/// Nothing a peer sends can throw out of it: protocol errors close this connection only.</summary>
public sealed partial class DBusConnection : IDisposable
{
    private readonly Transport _transport;
    private readonly ReceiveBuffer _receive;
    private readonly DBusConnectionOptions _options;
    private readonly Channel<MessageBuffer> _sendQueue = Channel.CreateUnbounded<MessageBuffer>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<uint, TaskCompletionSource<Message>> _pending = new();
    private readonly object _gate = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _callSlots;
    private UnixFdQueue? _fds;
    private Subscription[] _subscriptions = [];
    private long _queuedBytes;
    private int _queuedMessages;
    private int _closeStarted;
    // Bytes of the first queued message already written by a direct send (guarded by _sendLock).
    private int _headAlreadySent;

    private DBusConnection(Transport transport, ReceiveBuffer receive, DBusConnectionOptions options)
    {
        _transport = transport;
        _receive = receive;
        _options = options;
        Objects = options.Objects;
        _callSlots = new SemaphoreSlim(options.MaxPendingCalls, options.MaxPendingCalls);
    }

    /// <summary>The objects this connection serves, if any.</summary>
    public ObjectTree? Objects { get; }

    /// <summary>The server's guid (client side) or ours (server side).</summary>
    public string Guid { get; private set; } = "";

    /// <summary>True when fds can be passed on this connection.</summary>
    public bool UnixFdsEnabled { get; private set; }

    /// <summary>Kernel credentials of the peer (UNIX sockets).</summary>
    public PeerCredentials? PeerCredentials => _transport.PeerCredentials;

    /// <summary>Our unique name after Hello on a bus; null on a peer-to-peer connection.</summary>
    public string? UniqueName { get; private set; }

    /// <summary>True when connected to a message bus (Hello was sent).</summary>
    public bool IsBus => UniqueName is not null;

    /// <summary>SENDER put on replies and signals we create (a peer-to-peer server names itself, as systemd
    /// sets org.freedesktop.systemd1 on its private connections).</summary>
    public string? DefaultSender { get; set; }

    /// <summary>Completes when the connection is closed, with the reason (null for a local Dispose or a clean
    /// end of stream).</summary>
    public Task<Exception?> Closed => _closed.Task;

    /// <summary>True until the connection starts closing.</summary>
    public bool IsConnected => Volatile.Read(ref _closeStarted) == 0;

    /// <summary>Connects to the first reachable entry of <paramref name="address"/> and authenticates. Add
    /// <see cref="HelloAsync"/> (or use <see cref="ConnectBusAsync"/>) for a message bus.</summary>
    public static async Task<DBusConnection> ConnectAsync(string address, DBusConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DBusConnectionOptions();
        Exception? last = null;
        foreach (DBusAddress entry in DBusAddress.Parse(address))
        {
            Transport transport;
            try
            {
                transport = await entry.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or DBusException or System.ComponentModel.Win32Exception)
            {
                last = e;
                continue;
            }
            DBusConnection connection = await StartClientAsync(transport, options, entry.Guid, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        throw new DBusException(DBusErrors.NoServer, $"cannot connect to '{address}': {last?.Message}", last ?? new IOException(address));
    }

    /// <summary>Connects to a message bus and sends Hello.</summary>
    public static async Task<DBusConnection> ConnectBusAsync(string address, DBusConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        DBusConnection connection = await ConnectAsync(address, options, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.HelloAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A connection over a pair of streams, e.g. the stdio of <c>ssh -xT host systemd-stdio-bridge</c>.
    /// Takes ownership of the streams.</summary>
    public static Task<DBusConnection> ConnectStreamsAsync(Stream input, Stream output, DBusConnectionOptions? options = null, CancellationToken cancellationToken = default)
        => StartClientAsync(new StreamTransport(input, output), options ?? new DBusConnectionOptions(), null, cancellationToken);

    private static async Task<DBusConnection> StartClientAsync(Transport transport, DBusConnectionOptions options, string? expectedGuid, CancellationToken cancellationToken)
    {
        var receive = new ReceiveBuffer();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.AuthenticationTimeout);
            (string guid, bool unixFds) = await Authentication.AuthenticateClientAsync(transport, receive, options.AuthMechanisms,
                options.NegotiateUnixFds, timeout.Token).ConfigureAwait(false);
            if (expectedGuid is not null && !string.Equals(expectedGuid, guid, StringComparison.OrdinalIgnoreCase))
                throw new DBusException(DBusErrors.AuthFailed, $"server guid {guid} is not the {expectedGuid} the address names");
            var connection = new DBusConnection(transport, receive, options) { Guid = guid, UnixFdsEnabled = unixFds };
            connection.Start();
            return connection;
        }
        catch (Exception e) when (e is ProtocolException or OperationCanceledException or IOException or System.Net.Sockets.SocketException
                                  && !cancellationToken.IsCancellationRequested)
        {
            // A server that stalls, hangs up or talks nonsense during authentication: an AuthFailed error
            // (callers such as systemctl then fall back to the next address). The caller's own
            // cancellation is not an authentication failure and goes through unchanged below.
            transport.Dispose();
            receive.Dispose();
            throw new DBusException(DBusErrors.AuthFailed, "authentication failed: " + e.Message, e);
        }
        catch
        {
            transport.Dispose();
            receive.Dispose();
            throw;
        }
    }

    /// <summary>Server side: runs authentication on an accepted transport. Null if the client failed it.</summary>
    internal static async Task<DBusConnection?> AcceptAsync(Transport transport, DBusConnectionOptions options, string guid,
        bool allowAnonymous, string? defaultSender, CancellationToken cancellationToken)
    {
        var receive = new ReceiveBuffer();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.AuthenticationTimeout);
            bool unixFds = await Authentication.AuthenticateServerAsync(transport, receive, guid, allowAnonymous, timeout.Token).ConfigureAwait(false);
            return new DBusConnection(transport, receive, options) { Guid = guid, UnixFdsEnabled = unixFds, DefaultSender = defaultSender };
        }
        catch (Exception e) when (e is ProtocolException or OperationCanceledException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            transport.Dispose();
            receive.Dispose();
            return null;
        }
    }

    internal void Start()
    {
        if (UnixFdsEnabled)
            _fds = new UnixFdQueue();
        _ = Task.Run(ReceiveLoopAsync);
        _ = Task.Run(SendLoopAsync);
    }

    /// <summary>Queues <paramref name="message"/> (taking ownership). Never blocks: a peer whose queue
    /// overflows because it does not read is disconnected.</summary>
    public void Send(MessageBuffer message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.HasUnixFds && !UnixFdsEnabled)
        {
            message.Release();
            throw new DBusException(DBusErrors.NotSupported, "fd passing was not negotiated on this connection");
        }
        if (!IsConnected)
        {
            message.Release();
            return;
        }
        // With nothing queued, write on the caller's thread: a round trip then costs no hop to the send
        // loop. Never blocks: what the socket cannot take now is queued while still holding the lock, so
        // nothing can overtake it (the send loop takes the same lock).
        if (!message.HasUnixFds && Volatile.Read(ref _queuedMessages) == 0 && _sendLock.Wait(0))
        {
            try
            {
                if (Volatile.Read(ref _queuedMessages) == 0)
                {
                    int sent = _transport.TrySendNow(message.Span);
                    if (sent == message.Length)
                    {
                        message.Release();
                        return;
                    }
                    // Kept per connection, not in the buffer: a broadcast buffer is shared by many queues.
                    _headAlreadySent = Math.Max(sent, 0);
                }
                Enqueue(message);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                message.Release();
                Close(e);
            }
            finally
            {
                _sendLock.Release();
            }
            return;
        }
        Enqueue(message);
    }

    private void Enqueue(MessageBuffer message)
    {
        long bytes = Interlocked.Add(ref _queuedBytes, message.Length);
        int count = Interlocked.Increment(ref _queuedMessages);
        if (!_sendQueue.Writer.TryWrite(message))
        {
            Dequeued(message);
            message.Release();
            return;
        }
        if (bytes > _options.MaxSendQueueBytes || count > _options.MaxSendQueueMessages)
            Close(new DBusException(DBusErrors.LimitsExceeded, $"peer does not read: {count} messages ({bytes} bytes) queued"));
    }

    /// <summary>Sends a method call and waits for its reply. An error reply throws <see cref="DBusException"/>;
    /// so does a timeout (NoReply) or a disconnection (Disconnected). Dispose the returned message.</summary>
    public async Task<Message> CallAsync(MessageBuffer call, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.Type != MessageType.MethodCall || (call.Flags & MessageFlags.NoReplyExpected) != 0)
        {
            call.Release();
            throw new ArgumentException("CallAsync needs a method call that expects a reply; use Send for the rest", nameof(call));
        }
        uint serial = call.Serial;
        var reply = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!IsConnected)
            {
                call.Release();
                throw Disconnected();
            }
            _pending.Add(serial, reply);
        }
        Send(call);
        Message message;
        try
        {
            message = await reply.Task.WaitAsync(timeout ?? _options.DefaultCallTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ForgetPending(serial);
            throw new DBusException(DBusErrors.NoReply, "Did not receive a reply: the timeout expired");
        }
        catch (OperationCanceledException)
        {
            ForgetPending(serial);
            throw;
        }
        if (message.Type == MessageType.Error)
        {
            using (message)
                throw new DBusException(message.ErrorName!, message.ErrorMessage);
        }
        return message;
    }

    /// <summary>Calls and decodes the reply with <paramref name="read"/>, disposing the reply.</summary>
    public async Task<T> CallAsync<T>(MessageBuffer call, Func<Message, T> read, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        using Message reply = await CallAsync(call, timeout, cancellationToken).ConfigureAwait(false);
        try
        {
            return read(reply);
        }
        catch (ProtocolException e)
        {
            throw new DBusException(DBusErrors.InvalidArgs, $"unexpected reply '{reply.Signature}': {e.Message}", e);
        }
    }

    private void ForgetPending(uint serial)
    {
        TaskCompletionSource<Message>? pending;
        lock (_gate)
            _pending.Remove(serial, out pending);
        // A reply may have raced in just after the timeout; release it.
        if (pending is not null && pending.Task.IsCompletedSuccessfully)
            pending.Task.Result.Dispose();
    }

    private DBusException Disconnected()
    {
        Exception? reason = _closed.Task.IsCompleted ? _closed.Task.Result : null;
        return new DBusException(DBusErrors.Disconnected, "the connection is closed" + (reason is null ? "" : ": " + reason.Message));
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? reason = null;
        try
        {
            while (true)
            {
                while (_receive.Available >= Message.FixedHeaderLength)
                {
                    int length = Message.GetMessageLength(_receive.Span);
                    if (length > _options.MaxMessageLength)
                        throw new ProtocolException($"message of {length} bytes exceeds this connection's limit of {_options.MaxMessageLength}");
                    if (_receive.Available < length)
                    {
                        if (!await _receive.FillAsync(_transport, _fds, length, _closing.Token).ConfigureAwait(false))
                            return;
                        continue;
                    }
                    byte[] data = _receive.TakeMessage(length);
                    Message message;
                    try
                    {
                        message = Message.Parse(data, length, _fds);
                    }
                    catch
                    {
                        System.Buffers.ArrayPool<byte>.Shared.Return(data);
                        throw;
                    }
                    if (message.Type == MessageType.MethodCall)
                    {
                        try
                        {
                            await _callSlots.WaitAsync(_closing.Token).ConfigureAwait(false);
                        }
                        catch
                        {
                            message.Dispose();
                            throw;
                        }
                    }
                    Dispatch(message);
                }
                // Fds travel with their message's bytes: any left over once every message is parsed were
                // sent to make us hold descriptors (fd exhaustion).
                if (_fds is { Count: > 0 } && _receive.Available == 0)
                    throw new ProtocolException($"{_fds.Count} fds arrived that no message claims");
                if (!await _receive.FillAsync(_transport, _fds, Message.FixedHeaderLength, _closing.Token).ConfigureAwait(false))
                    return;
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closed locally.
        }
        catch (Exception e)
        {
            // Whatever the peer did (malformed data, too many fds, a reset), only this connection ends.
            reason = e;
        }
        finally
        {
            Close(reason);
            // Only this loop touches the receive side, so only it releases it.
            _fds?.Dispose();
            _receive.Dispose();
        }
    }

    private void Dispatch(Message message)
    {
        switch (message.Type)
        {
            case MessageType.MethodReturn:
            case MessageType.Error:
                {
                    TaskCompletionSource<Message>? pending;
                    lock (_gate)
                        _pending.Remove(message.ReplySerial, out pending);
                    if (pending is null || !pending.TrySetResult(message))
                        message.Dispose();
                    break;
                }
            case MessageType.Signal:
                DeliverSignal(message);
                break;
            default:
                DispatchCall(message);
                break;
        }
    }

    /// <summary>A method call read from the peer has been answered (or dropped) and its handler is done.</summary>
    internal void CallFinished() => _callSlots.Release();

    private void DispatchCall(Message message)
    {
        if (!IsBus && message.Destination == BusName && message.Path == BusPath && message.Interface is null or BusName)
        {
            AnswerAsPeerBus(message);
            CallFinished();
            return;
        }
        if (Objects is not null)
        {
            Objects.Dispatch(this, message);
            return;
        }
        using (message)
        {
            CallFinished();
            if (message.Interface == StandardInterfaces.Peer && message.Member == "Ping" && !message.NoReplyExpected)
            {
                Send(MessageWriter.CreateMethodReturn(message.Serial, message.Sender, sender: DefaultSender).Finish());
                return;
            }
            if (!message.NoReplyExpected)
                Send(MessageWriter.CreateError(message.Serial, message.Sender, DBusErrors.UnknownObject, $"Unknown object '{message.Path}'.", DefaultSender).Finish());
        }
    }

    private async Task SendLoopAsync()
    {
        var batch = new List<ArraySegment<byte>>();
        var sent = new List<MessageBuffer>();
        Exception? reason = null;
        ChannelReader<MessageBuffer> queue = _sendQueue.Reader;
        try
        {
            while (await queue.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                await _sendLock.WaitAsync(_closing.Token).ConfigureAwait(false);
                try
                {
                    await SendQueuedAsync(queue, batch, sent).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closed locally.
        }
        catch (Exception e)
        {
            reason = e;
        }
        finally
        {
            foreach (MessageBuffer done in sent)
                done.Release();
            Close(reason);
            while (queue.TryRead(out MessageBuffer? left))
                left.Release();
        }
    }

    // Writes what is queued, gathering small messages into one write; fds go one message per sendmsg.
    private async Task SendQueuedAsync(ChannelReader<MessageBuffer> queue, List<ArraySegment<byte>> batch, List<MessageBuffer> sent)
    {
        int batchBytes = 0;
        while (batchBytes < 256 * 1024 && queue.TryRead(out MessageBuffer? message))
        {
            sent.Add(message);
            if (message.HasUnixFds)
            {
                await FlushAsync(batch).ConfigureAwait(false);
                batchBytes = 0;
                await _transport.SendWithFdsAsync(message.Memory, message.UnixFds!, _closing.Token).ConfigureAwait(false);
                continue;
            }
            int offset = _headAlreadySent;
            _headAlreadySent = 0;
            int remaining = message.Length - offset;
            batch.Add(new ArraySegment<byte>(GetArray(message.Memory), offset, remaining));
            batchBytes += remaining;
        }
        await FlushAsync(batch).ConfigureAwait(false);
        foreach (MessageBuffer done in sent)
        {
            Dequeued(done);
            done.Release();
        }
        sent.Clear();
    }

    private async ValueTask FlushAsync(List<ArraySegment<byte>> batch)
    {
        if (batch.Count == 0)
            return;
        await _transport.SendAsync(batch, _closing.Token).ConfigureAwait(false);
        batch.Clear();
    }

    private static byte[] GetArray(ReadOnlyMemory<byte> memory)
        => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment) ? segment.Array! : memory.ToArray();

    private void Dequeued(MessageBuffer message)
    {
        Interlocked.Add(ref _queuedBytes, -message.Length);
        Interlocked.Decrement(ref _queuedMessages);
    }

    /// <summary>Closes the connection: pending calls fail with Disconnected, <see cref="Closed"/> completes.</summary>
    public void Dispose() => Close(null);

    private void Close(Exception? reason)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
            return;
        _sendQueue.Writer.TryComplete();
        _closing.Cancel();
        _transport.Dispose();
        TaskCompletionSource<Message>[] pending;
        lock (_gate)
        {
            pending = [.. _pending.Values];
            _pending.Clear();
        }
        _closed.TrySetResult(reason);
        DBusException disconnected = Disconnected();
        foreach (TaskCompletionSource<Message> call in pending)
            call.TrySetException(disconnected);
        foreach (Subscription subscription in Volatile.Read(ref _subscriptions))
            subscription.OnDisconnected?.Invoke(reason);
    }
}
