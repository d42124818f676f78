namespace Units.DBus;

/// <summary>One incoming method call and the means to answer it, now or later, exactly once.</summary>
public sealed class MethodCall
{
    private int _replied;

    internal MethodCall(DBusConnection connection, Message request)
    {
        Connection = connection;
        Request = request;
        Serial = request.Serial;
        Sender = request.Sender;
        NoReplyExpected = request.NoReplyExpected;
        AllowInteractiveAuthorization = (request.Flags & MessageFlags.AllowInteractiveAuthorization) != 0;
        Member = request.Member!;
    }

    public DBusConnection Connection { get; }

    /// <summary>The request; its body can be read until the handler returns.</summary>
    public Message Request { get; }

    public string Member { get; }

    /// <summary>The caller's bus name, when there is a bus.</summary>
    public string? Sender { get; }

    public bool NoReplyExpected { get; }

    /// <summary>The caller allows interactive authorization (systemctl as root sets it on the system manager).</summary>
    public bool AllowInteractiveAuthorization { get; }

    /// <summary>The caller's kernel credentials (peer-to-peer UNIX sockets).</summary>
    public PeerCredentials? Peer => Connection.PeerCredentials;

    internal uint Serial { get; }

    /// <summary>True once a reply (or error) was sent or dropped.</summary>
    public bool HasReplied => Volatile.Read(ref _replied) != 0;

    /// <summary>Starts the reply; write its body, then pass <c>writer.Finish()</c> to <see cref="Reply"/>.</summary>
    public MessageWriter CreateReply(string? signature = null, int capacity = 256)
        => MessageWriter.CreateMethodReturn(Serial, Sender, signature, Connection.DefaultSender, capacity);

    /// <summary>Sends <paramref name="reply"/> (or drops it when the caller asked for no reply).</summary>
    public void Reply(MessageBuffer reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (Interlocked.Exchange(ref _replied, 1) != 0)
        {
            reply.Release();
            throw new InvalidOperationException("this call has already been answered");
        }
        if (NoReplyExpected)
            reply.Release();
        else
            Connection.Send(reply);
    }

    /// <summary>Replies with no arguments.</summary>
    public void ReplyEmpty() => Reply(CreateReply().Finish());

    /// <summary>Replies with an error.</summary>
    public void ReplyError(string errorName, string message)
    {
        if (NoReplyExpected)
        {
            Interlocked.Exchange(ref _replied, 1);
            return;
        }
        Reply(MessageWriter.CreateError(Serial, Sender, errorName, message, Connection.DefaultSender).Finish());
    }

    internal void ReplyErrorIfUnanswered(string errorName, string message)
    {
        if (!HasReplied)
            ReplyError(errorName, message);
    }
}
