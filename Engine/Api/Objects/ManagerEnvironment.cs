namespace Units.Api.Objects;

/// <summary>The manager's environment block (show-environment, set-environment): what every spawned
/// process starts from. Owned by the manager loop.</summary>
public sealed class ManagerEnvironment
{
    private readonly List<string> _assignments;
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public ManagerEnvironment(IEnumerable<string> initial)
    {
        _assignments = [.. initial];
        _assignments.Sort(StringComparer.Ordinal);
        SyncVariables();
    }

    /// <summary>"NAME=value" entries, sorted as systemd keeps them.</summary>
    public IReadOnlyList<string> Assignments => _assignments;

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
            if (!IsValidName(name.Contains('=', StringComparison.Ordinal) ? name.AsSpan(0, name.IndexOf('=', StringComparison.Ordinal)) : name))
                throw new ArgumentException($"Invalid environment variable name or assignment: {name}");
        }
        foreach (string name in unset)
            _assignments.RemoveAll(a => name.Contains('=', StringComparison.Ordinal) ? a == name : NameOf(a) == name);
        foreach (string assignment in set)
        {
            string name = NameOf(assignment);
            _assignments.RemoveAll(a => NameOf(a) == name);
            _assignments.Add(assignment);
        }
        _assignments.Sort(StringComparer.Ordinal);
        SyncVariables();
    }

    private void SyncVariables()
    {
        _variables.Clear();
        foreach (string assignment in _assignments)
        {
            int eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                _variables[assignment[..eq]] = assignment[(eq + 1)..];
        }
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
