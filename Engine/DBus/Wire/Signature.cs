namespace Units.DBus;

/// <summary>Type signatures: validation, splitting into complete types, alignment.</summary>
public static class Signature
{
    /// <summary>True if <paramref name="code"/> is a basic (non-container) type code.</summary>
    public static bool IsBasic(char code) => code switch
    {
        'y' or 'b' or 'n' or 'q' or 'i' or 'u' or 'x' or 't' or 'd' or 'h' or 's' or 'o' or 'g' => true,
        _ => false,
    };

    /// <summary>Alignment in bytes of values whose type starts with <paramref name="code"/>.</summary>
    public static int Alignment(char code) => code switch
    {
        'y' or 'g' or 'v' => 1,
        'n' or 'q' => 2,
        'b' or 'i' or 'u' or 'h' or 's' or 'o' or 'a' => 4,
        'x' or 't' or 'd' or '(' or '{' => 8,
        _ => throw new ArgumentException($"'{code}' is not a D-Bus type code"),
    };

    /// <summary>True if <paramref name="signature"/> is a valid signature (zero or more complete types).</summary>
    public static bool IsValid(ReadOnlySpan<char> signature)
    {
        if (signature.Length > ProtocolLimits.MaxSignatureLength)
            return false;
        int pos = 0;
        while (pos < signature.Length)
        {
            int length = CompleteTypeLength(signature, pos, 0, 0);
            if (length <= 0)
                return false;
            pos += length;
        }
        return true;
    }

    /// <summary>True if <paramref name="signature"/> is exactly one complete type (as a variant needs).</summary>
    public static bool IsSingleCompleteType(ReadOnlySpan<char> signature)
        => signature.Length is > 0 and <= ProtocolLimits.MaxSignatureLength
           && CompleteTypeLength(signature, 0, 0, 0) == signature.Length;

    /// <summary>Length of the complete type at <paramref name="start"/>; throws if it is not valid.</summary>
    public static int FirstCompleteTypeLength(ReadOnlySpan<char> signature, int start = 0)
    {
        // A dict entry is complete only as an array element, so measure it with its 'a'.
        int length = start > 0 && start < signature.Length && signature[start] == '{' && signature[start - 1] == 'a'
            ? CompleteTypeLength(signature, start - 1, 0, 0) - 1
            : CompleteTypeLength(signature, start, 0, 0);
        return length > 0 ? length : throw new ProtocolException($"invalid signature '{signature.ToString()}'");
    }

    /// <summary>Length of the type at <paramref name="start"/> in a signature already known to be valid
    /// (by bracket matching; also accepts a dict entry on its own).</summary>
    internal static int ValidatedTypeLength(ReadOnlySpan<char> signature, int start)
    {
        int position = start;
        while (signature[position] == 'a')
            position++;
        if (signature[position] is not ('(' or '{'))
            return position - start + 1;
        int depth = 0;
        for (; position < signature.Length; position++)
        {
            char c = signature[position];
            if (c is '(' or '{')
                depth++;
            else if (c is ')' or '}' && --depth == 0)
                return position - start + 1;
        }
        throw new ProtocolException($"unbalanced signature '{signature.ToString()}'");
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the signature is valid.</summary>
    public static void EnsureValid(string signature)
    {
        if (!IsValid(signature))
            throw new ArgumentException($"'{signature}' is not a valid D-Bus signature", nameof(signature));
    }

    // Returns the length of one complete type starting at pos, or -1 if malformed.
    private static int CompleteTypeLength(ReadOnlySpan<char> sig, int pos, int arrayDepth, int structDepth)
    {
        if (pos >= sig.Length)
            return -1;
        char c = sig[pos];
        if (IsBasic(c) || c == 'v')
            return 1;
        if (c == 'a')
        {
            if (arrayDepth + 1 > ProtocolLimits.MaxContainerNesting)
                return -1;
            if (pos + 1 < sig.Length && sig[pos + 1] == '{')
            {
                // Dict entry: only as an array element, with a basic key and exactly one value type.
                if (structDepth + 1 > ProtocolLimits.MaxContainerNesting || pos + 2 >= sig.Length || !IsBasic(sig[pos + 2]))
                    return -1;
                int valueLength = CompleteTypeLength(sig, pos + 3, arrayDepth + 1, structDepth + 1);
                if (valueLength < 0)
                    return -1;
                int close = pos + 3 + valueLength;
                return close < sig.Length && sig[close] == '}' ? close - pos + 1 : -1;
            }
            int elementLength = CompleteTypeLength(sig, pos + 1, arrayDepth + 1, structDepth);
            return elementLength < 0 ? -1 : elementLength + 1;
        }
        if (c == '(')
        {
            if (structDepth + 1 > ProtocolLimits.MaxContainerNesting)
                return -1;
            int p = pos + 1;
            int fields = 0;
            while (p < sig.Length && sig[p] != ')')
            {
                int fieldLength = CompleteTypeLength(sig, p, arrayDepth, structDepth + 1);
                if (fieldLength < 0)
                    return -1;
                p += fieldLength;
                fields++;
            }
            return p < sig.Length && fields > 0 ? p - pos + 1 : -1;
        }
        return -1;
    }
}

/// <summary>Validation of object paths and of interface, member, error and bus names.</summary>
public static class Names
{
    /// <summary>True for a valid object path: "/" or "/a/b_c/d1" (no empty or trailing element).</summary>
    public static bool IsValidObjectPath(ReadOnlySpan<char> path)
    {
        if (path.Length == 0 || path[0] != '/')
            return false;
        if (path.Length == 1)
            return true;
        bool previousSlash = true;
        for (int i = 1; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '/')
            {
                if (previousSlash)
                    return false;
                previousSlash = true;
            }
            else if (IsElementChar(c))
                previousSlash = false;
            else
                return false;
        }
        return !previousSlash;
    }

    /// <summary>True for a valid interface name (also the form of error names).</summary>
    public static bool IsValidInterfaceName(ReadOnlySpan<char> name) => IsDottedName(name, allowHyphen: false, allowLeadingDigit: false);

    /// <summary>True for a valid error name.</summary>
    public static bool IsValidErrorName(ReadOnlySpan<char> name) => IsValidInterfaceName(name);

    /// <summary>True for a valid member (method or signal or property) name.</summary>
    public static bool IsValidMemberName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > ProtocolLimits.MaxNameLength || char.IsAsciiDigit(name[0]))
            return false;
        foreach (char c in name)
        {
            if (!IsElementChar(c))
                return false;
        }
        return true;
    }

    /// <summary>True for a valid unique (":1.42") or well-known ("org.example.App") bus name.</summary>
    public static bool IsValidBusName(ReadOnlySpan<char> name)
    {
        if (name.Length > 0 && name[0] == ':')
            return IsDottedName(name[1..], allowHyphen: true, allowLeadingDigit: true, lengthBudget: ProtocolLimits.MaxNameLength - 1);
        return IsDottedName(name, allowHyphen: true, allowLeadingDigit: false);
    }

    /// <summary>True for a unique connection name assigned by a bus (starts with ':').</summary>
    public static bool IsUniqueName(ReadOnlySpan<char> name) => name.Length > 0 && name[0] == ':';

    private static bool IsElementChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsDottedName(ReadOnlySpan<char> name, bool allowHyphen, bool allowLeadingDigit, int lengthBudget = ProtocolLimits.MaxNameLength)
    {
        if (name.Length == 0 || name.Length > lengthBudget)
            return false;
        int elements = 0;
        int elementLength = 0;
        foreach (char c in name)
        {
            if (c == '.')
            {
                if (elementLength == 0)
                    return false;
                elements++;
                elementLength = 0;
                continue;
            }
            bool ok = IsElementChar(c) || (allowHyphen && c == '-');
            if (!ok || (elementLength == 0 && !allowLeadingDigit && char.IsAsciiDigit(c)))
                return false;
            elementLength++;
        }
        return elementLength > 0 && elements >= 1;
    }
}
