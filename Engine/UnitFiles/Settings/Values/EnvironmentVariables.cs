namespace Units.UnitFiles.Settings.Values;

/// <summary>Environment variable names and assignments as systemd's env-util.c validates them.</summary>
public static class EnvironmentVariables
{
    /// <summary>env_name_is_valid(): letters, digits and '_', not starting with a digit.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>env_assignment_is_valid(): "NAME=value" with a valid name (values may hold anything but NUL).</summary>
    public static bool IsValidAssignment(string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        return equals >= 0 && IsValidName(assignment.AsSpan(0, equals)) && !assignment.Contains('\0', StringComparison.Ordinal);
    }

    /// <summary>The name part of "NAME=value".</summary>
    public static ReadOnlySpan<char> NameOf(string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? assignment : assignment.AsSpan(0, equals);
    }

    /// <summary>strv_env_replace(): sets the assignment, replacing an earlier one of the same name in place.</summary>
    public static void Replace(List<string> environment, string assignment)
    {
        var name = NameOf(assignment);
        for (var i = 0; i < environment.Count; i++)
        {
            if (NameOf(environment[i]).SequenceEqual(name))
            {
                environment[i] = assignment;
                return;
            }
        }

        environment.Add(assignment);
    }
}
