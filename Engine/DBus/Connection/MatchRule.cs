using System.Globalization;
using System.Text;

namespace Units.DBus;

/// <summary>Which messages a subscription wants, as D-Bus match rules describe them. Matched locally on
/// every connection; on a bus connection also registered with the bus (AddMatch).</summary>
public sealed class MatchRule
{
    private readonly SortedDictionary<int, string> _args = new();

    public MessageType? Type { get; init; } = MessageType.Signal;

    /// <summary>Sender bus name. On a bus, a well-known name is compared with its current unique owner,
    /// so no other client can fake it.</summary>
    public string? Sender { get; init; }

    public string? Interface { get; init; }
    public string? Member { get; init; }
    public string? Path { get; init; }

    /// <summary>Matches this path and every path below it.</summary>
    public string? PathNamespace { get; init; }

    public string? Destination { get; init; }

    /// <summary>Requires string argument <paramref name="index"/> (0–63) to equal <paramref name="value"/>.</summary>
    public MatchRule WithArg(int index, string value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 63);
        _args[index] = value;
        return this;
    }

    internal IReadOnlyDictionary<int, string> Args => _args;

    /// <summary>The rule in the bus's text form, with values quoted as the specification requires.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Type is MessageType type)
            Append(text, "type", type switch
            {
                MessageType.MethodCall => "method_call",
                MessageType.MethodReturn => "method_return",
                MessageType.Error => "error",
                _ => "signal",
            });
        Append(text, "sender", Sender);
        Append(text, "interface", Interface);
        Append(text, "member", Member);
        Append(text, "path", Path);
        Append(text, "path_namespace", PathNamespace);
        Append(text, "destination", Destination);
        foreach (KeyValuePair<int, string> arg in _args)
            Append(text, "arg" + arg.Key.ToString(CultureInfo.InvariantCulture), arg.Value);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string key, string? value)
    {
        if (value is null)
            return;
        if (text.Length > 0)
            text.Append(',');
        // Inside quotes only the apostrophe needs care: close, escaped apostrophe, reopen.
        text.Append(key).Append("='").Append(value.Replace("'", "'\\''", StringComparison.Ordinal)).Append('\'');
    }

    /// <summary>True if <paramref name="message"/> matches; <paramref name="senderOwner"/> is the unique
    /// name currently owning <see cref="Sender"/> on a bus (null when not on a bus).</summary>
    internal bool Matches(Message message, string? senderOwner)
    {
        if (Type is MessageType type && message.Type != type)
            return false;
        if (Sender is not null && message.Sender != (senderOwner ?? Sender))
            return false;
        if (Interface is not null && message.Interface != Interface)
            return false;
        if (Member is not null && message.Member != Member)
            return false;
        if (Path is not null && message.Path != Path)
            return false;
        if (PathNamespace is not null && !IsInNamespace(message.Path, PathNamespace))
            return false;
        if (Destination is not null && message.Destination != Destination)
            return false;
        return _args.Count == 0 || ArgsMatch(message);
    }

    private static bool IsInNamespace(string? path, string space)
    {
        if (path is null)
            return false;
        if (space == "/" || path == space)
            return true;
        return path.StartsWith(space, StringComparison.Ordinal) && path.Length > space.Length && path[space.Length] == '/';
    }

    private bool ArgsMatch(Message message)
    {
        string signature = message.Signature;
        int last = 0;
        foreach (int index in _args.Keys)
            last = index;
        try
        {
            Reader reader = message.GetBodyReader();
            int position = 0;
            for (int index = 0; index <= last; index++)
            {
                if (position >= signature.Length)
                    return false;
                int length = Signature.FirstCompleteTypeLength(signature, position);
                if (_args.TryGetValue(index, out string? expected))
                {
                    if (signature[position] is not ('s' or 'o') || reader.ReadString() != expected)
                        return false;
                }
                else
                    reader.SkipValue(signature.AsSpan(position, length));
                position += length;
            }
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }
}
