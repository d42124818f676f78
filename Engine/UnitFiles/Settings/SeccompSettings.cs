using Units.UnitFiles.Settings.Values;

namespace Units.UnitFiles.Settings;

/// <summary>
/// SystemCallFilter= as systemd keeps it: an allow list (everything else gets SystemCallErrorNumber='s action) or a
/// deny list (the listed calls get it), of system call names, groups expanded. Each call has its own error number,
/// or <see cref="DefaultAction"/> for the list's action.
/// </summary>
public sealed class SyscallFilter
{
    /// <summary>The list's own action for a call: allowed in an allow list, SystemCallErrorNumber= in a deny list.</summary>
    public const int DefaultAction = -1;

    /// <summary>SECCOMP_ERROR_NUMBER_KILL: kill the process (SystemCallErrorNumber= unset, or "kill").</summary>
    public const int Kill = int.MaxValue - 1;

    private readonly Dictionary<string, int> calls = new(StringComparer.Ordinal);

    internal SyscallFilter(bool allowList) => AllowList = allowList;

    /// <summary>True: only the listed calls are allowed; false: the listed calls are refused.</summary>
    public bool AllowList { get; }

    /// <summary>Each call's error number (an errno, <see cref="Kill"/>, or <see cref="DefaultAction"/>).</summary>
    public IReadOnlyDictionary<string, int> Calls => calls;

    /// <summary>seccomp_parse_syscall_filter for one name or group: a plain entry (not inverted) of an allow list, or
    /// an inverted one of a deny list, adds; the opposite removes, except that an inverted entry of an allow list with
    /// an error number is kept as a call answered with that error.</summary>
    internal void Apply(string name, int errorNumber, bool inverted)
    {
        IEnumerable<string> names = name[0] == '@' ? SyscallGroups.Expand(name) : [name];
        bool add = inverted != AllowList || (inverted && AllowList && errorNumber >= 0);
        foreach (string call in names)
        {
            if (add)
                calls[call] = errorNumber;
            else
                calls.Remove(call);
        }
    }
}

/// <summary>RestrictAddressFamilies=: the families socket() may create (allow list) or may not (deny list).</summary>
public sealed class AddressFamilyRestriction
{
    private readonly SortedSet<int> families = [];

    internal AddressFamilyRestriction(bool allowList) => AllowList = allowList;

    public bool AllowList { get; }

    /// <summary>Family numbers (AF_*).</summary>
    public IReadOnlyCollection<int> Families => families;

    internal void Apply(int family, bool inverted)
    {
        if (inverted != AllowList)
            families.Add(family);
        else
            families.Remove(family);
    }
}
