namespace Units.DBus;

/// <summary>The four D-Bus message types (header byte 1).</summary>
public enum MessageType : byte
{
    MethodCall = 1,
    MethodReturn = 2,
    Error = 3,
    Signal = 4,
}

/// <summary>Header flags (header byte 2).</summary>
[Flags]
public enum MessageFlags : byte
{
    None = 0,
    NoReplyExpected = 0x1,
    NoAutoStart = 0x2,
    AllowInteractiveAuthorization = 0x4,
}

/// <summary>Header field codes of the D-Bus specification.</summary>
internal enum HeaderField : byte
{
    Path = 1,
    Interface = 2,
    Member = 3,
    ErrorName = 4,
    ReplySerial = 5,
    Destination = 6,
    Sender = 7,
    Signature = 8,
    UnixFds = 9,
}

/// <summary>The specification's limits, enforced on both read and write.</summary>
public static class ProtocolLimits
{
    /// <summary>Largest message, header and body together (128 MiB).</summary>
    public const int MaxMessageLength = 128 * 1024 * 1024;
    /// <summary>Largest array payload (64 MiB).</summary>
    public const int MaxArrayLength = 64 * 1024 * 1024;
    /// <summary>Longest signature.</summary>
    public const int MaxSignatureLength = 255;
    /// <summary>Longest interface, member, error or bus name.</summary>
    public const int MaxNameLength = 255;
    /// <summary>Deepest nesting of arrays, and separately of structs, in a signature.</summary>
    public const int MaxContainerNesting = 32;
    /// <summary>Deepest total nesting of containers including variants, in a value.</summary>
    public const int MaxTotalNesting = 64;
    /// <summary>Most UNIX fds accepted in (or sent with) one message; more close the connection.</summary>
    public const int MaxUnixFdsPerMessage = 16;
}

/// <summary>Names of the standard D-Bus errors.</summary>
public static class DBusErrors
{
    public const string Failed = "org.freedesktop.DBus.Error.Failed";
    public const string NoMemory = "org.freedesktop.DBus.Error.NoMemory";
    public const string ServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown";
    public const string NameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner";
    public const string NoReply = "org.freedesktop.DBus.Error.NoReply";
    public const string IOError = "org.freedesktop.DBus.Error.IOError";
    public const string BadAddress = "org.freedesktop.DBus.Error.BadAddress";
    public const string NotSupported = "org.freedesktop.DBus.Error.NotSupported";
    public const string LimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded";
    public const string AccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
    public const string AuthFailed = "org.freedesktop.DBus.Error.AuthFailed";
    public const string NoServer = "org.freedesktop.DBus.Error.NoServer";
    public const string Timeout = "org.freedesktop.DBus.Error.Timeout";
    public const string Disconnected = "org.freedesktop.DBus.Error.Disconnected";
    public const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
    public const string UnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";
    public const string UnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
    public const string UnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface";
    public const string UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
    public const string PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";
    public const string InvalidSignature = "org.freedesktop.DBus.Error.InvalidSignature";
    public const string InconsistentMessage = "org.freedesktop.DBus.Error.InconsistentMessage";
    public const string InteractiveAuthorizationRequired = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";
    public const string MatchRuleInvalid = "org.freedesktop.DBus.Error.MatchRuleInvalid";
}

/// <summary>A peer broke the wire protocol (malformed, oversized or inconsistent data).
/// Inside a connection it closes that connection; it never escapes the connection loop.</summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(string message) : base(message) { }
}

/// <summary>An error reply (or a local failure expressed as a D-Bus error name).</summary>
public class DBusException : Exception
{
    public DBusException(string errorName, string message) : base(message) => ErrorName = errorName;
    public DBusException(string errorName, string message, Exception inner) : base(message, inner) => ErrorName = errorName;

    /// <summary>The D-Bus error name, e.g. org.freedesktop.DBus.Error.UnknownMethod.</summary>
    public string ErrorName { get; }
}
