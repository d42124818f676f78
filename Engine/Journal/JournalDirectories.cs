using System.Globalization;
using Units.Journal.Format;

namespace Units.Journal;

/// <summary>Where an instance keeps its journal files (see README.md).</summary>
public static class JournalDirectories
{
    /// <summary>A system instance: journald's own places, /var/log/journal/MACHINE-ID when
    /// persistent, /run/log/journal/MACHINE-ID when volatile; files named system*.journal.</summary>
    public static (string Directory, string FileBaseName) ForSystem(Id128 machineId, bool persistent) =>
        (Path.Combine(persistent ? "/var/log/journal" : "/run/log/journal", machineId.ToString()), "system");

    /// <summary>A user instance: its own directory, $XDG_STATE_HOME/units/journal/MACHINE-ID
    /// (~/.local/state/units/journal/MACHINE-ID) when persistent, $XDG_RUNTIME_DIR/units/journal/MACHINE-ID
    /// when volatile; files named user-UID*.journal as journald names user journals.</summary>
    public static (string Directory, string FileBaseName) ForUser(Id128 machineId, uint uid, bool persistent)
    {
        string root;
        if (persistent)
        {
            string? state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            root = !string.IsNullOrEmpty(state) && Path.IsPathRooted(state)
                ? state
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }
        else
        {
            root = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Path.IsPathRooted(runtime)
                ? runtime
                : throw new InvalidOperationException("XDG_RUNTIME_DIR is not set: a volatile user journal has no place to live");
        }
        return (Path.Combine(root, "units", "journal", machineId.ToString()), "user-" + uid.ToString(CultureInfo.InvariantCulture));
    }
}
