using System.Net.Sockets;
using System.Security.Cryptography;

namespace Units.DBus;

/// <summary>What a peer-to-peer server serves and whom it admits.</summary>
public sealed class DBusServerOptions
{
    /// <summary>The objects every connection sees.</summary>
    public required ObjectTree Objects { get; init; }

    /// <summary>SENDER on our replies and signals (systemd uses org.freedesktop.systemd1).</summary>
    public string? Sender { get; init; }

    /// <summary>Admit ANONYMOUS clients (off: only EXTERNAL, checked against SO_PEERCRED).</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Authorisation of a connecting peer by its kernel credentials before authentication
    /// (systemd refuses peers that are neither root nor its own uid). Null admits everyone.</summary>
    public Func<PeerCredentials?, bool>? AcceptPeer { get; init; }

    /// <summary>Most authenticated connections served at once; more are refused as they arrive.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Most connections still authenticating. When another arrives the oldest of them is dropped, so that
    /// clients which connect and say nothing cannot keep out the ones that authenticate at once.</summary>
    public int MaxPendingAuthentications { get; init; } = 64;

    /// <summary>Limits and timeouts of each connection.</summary>
    public DBusConnectionOptions ConnectionOptions { get; init; } = new();
}

/// <summary>A peer-to-peer D-Bus server on a UNIX socket (path or abstract): accepts connections,
/// authenticates them, serves one <see cref="ObjectTree"/>, and broadcasts signals to all of them.</summary>
public sealed class DBusServer : IDisposable
{
    private readonly Socket _listener;
    private readonly DBusServerOptions _options;
    private readonly DBusConnectionOptions _connectionOptions;
    private readonly string? _socketPath;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly HashSet<DBusConnection> _connections = new();
    // Accepted sockets still authenticating, oldest first (guarded by _gate).
    private readonly LinkedList<Socket> _authenticating = new();

    private DBusServer(Socket listener, DBusServerOptions options, string address, string? socketPath)
    {
        _listener = listener;
        _options = options;
        _socketPath = socketPath;
        Guid = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        Address = address + ",guid=" + Guid;
        _connectionOptions = new DBusConnectionOptions
        {
            Objects = options.Objects,
            AuthenticationTimeout = options.ConnectionOptions.AuthenticationTimeout,
            DefaultCallTimeout = options.ConnectionOptions.DefaultCallTimeout,
            MaxSendQueueBytes = options.ConnectionOptions.MaxSendQueueBytes,
            MaxSendQueueMessages = options.ConnectionOptions.MaxSendQueueMessages,
            MaxMessageLength = options.ConnectionOptions.MaxMessageLength,
            MaxPendingCalls = options.ConnectionOptions.MaxPendingCalls,
        };
    }

    /// <summary>The address clients connect to, with our guid.</summary>
    public string Address { get; }

    public string Guid { get; }

    /// <summary>Called for each authenticated connection before it starts reading.</summary>
    public Action<DBusConnection>? ConnectionOpened { get; set; }

    /// <summary>The authenticated connections now open.</summary>
    public IReadOnlyList<DBusConnection> Connections
    {
        get
        {
            lock (_gate)
                return [.. _connections];
        }
    }

    /// <summary>Listens on a unix:path= or unix:abstract= address (a stale socket file is replaced).</summary>
    public static DBusServer Listen(string address, DBusServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<DBusAddress> entries = DBusAddress.Parse(address);
        if (entries.Count != 1)
            throw new ArgumentException("a server listens on exactly one address", nameof(address));
        UnixDomainSocketEndPoint endPoint = entries[0].GetUnixEndPoint();
        string? path = entries[0].Properties.GetValueOrDefault("path");
        if (path is not null && File.Exists(path))
            File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(endPoint);
            // As deep a backlog as the kernel allows (somaxconn), as systemd's sockets: a burst of connections
            // waits there for the accept loop rather than failing with EAGAIN.
            listener.Listen();
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        string normalised = path is not null ? "unix:path=" + DBusAddress.Escape(path) : "unix:abstract=" + DBusAddress.Escape(entries[0].Properties["abstract"]);
        var server = new DBusServer(listener, options, normalised, path);
        server.Start();
        return server;
    }

    /// <summary>Serves an already listening socket (e.g. one passed by socket activation).</summary>
    public static DBusServer FromListeningSocket(Socket listener, string address, DBusServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var server = new DBusServer(listener, options, address, null);
        server.Start();
        return server;
    }

    /// <summary>Sends <paramref name="signal"/> to every connection (taking ownership).</summary>
    public void Broadcast(MessageBuffer signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        foreach (DBusConnection connection in Connections)
        {
            signal.AddReference();
            connection.Send(signal);
        }
        signal.Release();
    }

    private void Start() => _ = Task.Run(AcceptLoopAsync);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // Transient (EMFILE, ECONNABORTED): the next accept may succeed. Back off briefly.
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            LinkedListNode<Socket> pending;
            Socket? dropped = null;
            lock (_gate)
            {
                if (_connections.Count >= _options.MaxConnections)
                {
                    socket.Dispose();
                    continue;
                }
                pending = _authenticating.AddLast(socket);
                if (_authenticating.Count > _options.MaxPendingAuthentications)
                {
                    dropped = _authenticating.First!.Value;
                    _authenticating.RemoveFirst();
                }
            }
            // Its authentication fails at once (the socket is gone) and its admission ends there.
            dropped?.Dispose();
            _ = Task.Run(() => AdmitAsync(socket, pending));
        }
    }

    private async Task AdmitAsync(Socket socket, LinkedListNode<Socket> pending)
    {
        DBusConnection? connection = null;
        try
        {
            var transport = new SocketTransport(socket);
            if (_options.AcceptPeer is { } accept && !accept(transport.PeerCredentials))
            {
                transport.Dispose();
                return;
            }
            connection = await DBusConnection.AcceptAsync(transport, _connectionOptions, Guid, _options.AllowAnonymous,
                _options.Sender, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            socket.Dispose();
            return;
        }
        finally
        {
            lock (_gate)
            {
                if (pending.List is not null)
                    _authenticating.Remove(pending);
            }
        }
        if (connection is null)
            return;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                connection.Dispose();
                return;
            }
            _connections.Add(connection);
        }
        _ = connection.Closed.ContinueWith(static (_, state) =>
        {
            var (server, closed) = ((DBusServer, DBusConnection))state!;
            lock (server._gate)
                server._connections.Remove(closed);
        }, (this, connection), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        ConnectionOpened?.Invoke(connection);
        connection.Start();
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _stopping.Cancel();
        _listener.Dispose();
        foreach (DBusConnection connection in Connections)
            connection.Dispose();
        if (_socketPath is not null)
        {
            try
            {
                File.Delete(_socketPath);
            }
            catch (IOException)
            {
                // Someone else's now.
            }
        }
    }
}
