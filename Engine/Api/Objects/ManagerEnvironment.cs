namespace Units.Api.Objects;

/// <summary>The manager's environment block (show-environment, set-environment): what every spawned process
/// starts from. As in systemd, it is the manager's own environment (sorted, fixed at start) merged with what
/// clients set: a client assignment replaces a variable in place or is appended, and unset-environment
/// removes only what clients set. Owned by the manager loop.</summary>
public sealed class ManagerEnvironment
{
    private readonly List<string> _initial;
    private readonly List<string> _client = [];
    private readonly List<string> _effective = [];
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public ManagerEnvironment(IEnumerable<string> initial)
    {
        _initial = [.. initial];
        _initial.Sort(StringComparer.Ordinal);
        Merge();
    }

    /// <summary>"NAME=value" entries in systemd's order.</summary>
    public IReadOnlyList<string> Assignments => _effective;

    /// <summary>The same block by name; a live view that processes spawned later start from.</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables;

    /// <summary>UnsetAndSetEnvironment: names (or exact assignments) in <paramref name="unset"/> go, then
    /// <paramref name="set"/> replaces or adds by name. Throws for an invalid assignment, changing nothing.</summary>
    public void Update(IReadOnlyList<string> unset, IReadOnlyList<string> set)
    {
        foreach (string assignment in set)
        {
            int eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !IsValidName(assignment.AsSpan(0, eq)))
                throw new ArgumentException($"Invalid environment assignment: {assignment}");
        }
        foreach (string name in unset)
        {
            if (!IsValidName(NameOf(name)))
                throw new ArgumentException($"Invalid environment variable name or assignment: {name}");
        }
        foreach (string name in unset)
            _client.RemoveAll(a => name.Contains('=', StringComparison.Ordinal) ? a == name : NameOf(a) == name);
        foreach (string assignment in set)
            Replace(_client, assignment);
        Merge();
    }

    private void Merge()
    {
        _effective.Clear();
        _effective.AddRange(_initial);
        foreach (string assignment in _client)
            Replace(_effective, assignment);
        _variables.Clear();
        foreach (string assignment in _effective)
            _variables[NameOf(assignment)] = assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>systemd's strv_env_replace: same name replaced where it stands, else appended.</summary>
    private static void Replace(List<string> block, string assignment)
    {
        string name = NameOf(assignment);
        int index = block.FindIndex(a => NameOf(a) == name);
        if (index >= 0)
            block[index] = assignment;
        else
            block.Add(assignment);
    }

    private static string NameOf(string assignment)
    {
        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? assignment : assignment[..eq];
    }

    /// <summary>systemd's env_name_is_valid: letters, digits and '_', not starting with a digit.</summary>
    private static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
            return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        }
        return true;
    }
}
