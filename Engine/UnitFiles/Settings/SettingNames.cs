using System.Runtime.CompilerServices;

namespace Units.UnitFiles.Settings;

/// <summary>
/// The text forms of the setting enumerations, exactly as systemd's string tables spell them ("on-failure",
/// "inactive-or-failed"...). Unit files, D-Bus properties and the module all use these.
/// </summary>
public static class SettingNames
{
    public static string ToName(this ServiceType value) => Names<ServiceType>.Get(value);

    public static string ToName(this ServiceExitType value) => Names<ServiceExitType>.Get(value);

    public static string ToName(this ServiceRestart value) => Names<ServiceRestart>.Get(value);

    public static string ToName(this ServiceTimeoutFailureMode value) => Names<ServiceTimeoutFailureMode>.Get(value);

    public static string ToName(this NotifyAccess value) => Names<NotifyAccess>.Get(value);

    public static string ToName(this OomPolicy value) => Names<OomPolicy>.Get(value);

    public static string ToName(this KillMode value) => Names<KillMode>.Get(value);

    public static string ToName(this CollectMode value) => Names<CollectMode>.Get(value);

    public static string ToName(this EmergencyAction value) => Names<EmergencyAction>.Get(value);

    public static string ToName(this JobMode value) => Names<JobMode>.Get(value);

    public static string ToName(this ExecInput value) => Names<ExecInput>.Get(value);

    public static string ToName(this ExecOutput value) => Names<ExecOutput>.Get(value);

    public static string ToName(this TimerBase value) => Names<TimerBase>.Get(value);

    public static string ToName(this PathType value) => Names<PathType>.Get(value);

    public static string ToName(this DependencySetting value) => Names<DependencySetting>.Get(value);

    public static string ToName(this ConditionType value) => Names<ConditionType>.Get(value);

    /// <summary>Looks a value up by its systemd name (case-sensitive, as systemd's tables are).</summary>
    public static bool TryParse<T>(string name, out T value)
        where T : struct, Enum => Names<T>.TryParse(name, out value);

    /// <summary>The names of an enumeration in declaration order.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => Names<T>.Table;

    private static class Names<T>
        where T : struct, Enum
    {
        public static readonly string[] Table = Build();

        public static string Get(T value) => Table[Unsafe.As<T, int>(ref value)];

        public static bool TryParse(string name, out T value)
        {
            var index = Array.IndexOf(Table, name);
            value = Unsafe.As<int, T>(ref index);
            return index >= 0;
        }

        private static string[] Build()
        {
            if (typeof(T) == typeof(ServiceType))
            {
                return ["simple", "forking", "oneshot", "dbus", "notify", "idle", "exec"];
            }

            if (typeof(T) == typeof(ServiceExitType))
            {
                return ["main", "cgroup"];
            }

            if (typeof(T) == typeof(ServiceRestart))
            {
                return ["no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"];
            }

            if (typeof(T) == typeof(ServiceTimeoutFailureMode))
            {
                return ["terminate", "abort", "kill"];
            }

            if (typeof(T) == typeof(NotifyAccess))
            {
                return ["none", "main", "exec", "all"];
            }

            if (typeof(T) == typeof(OomPolicy))
            {
                return ["continue", "stop", "kill"];
            }

            if (typeof(T) == typeof(KillMode))
            {
                return ["control-group", "process", "mixed", "none"];
            }

            if (typeof(T) == typeof(CollectMode))
            {
                return ["inactive", "inactive-or-failed"];
            }

            if (typeof(T) == typeof(EmergencyAction))
            {
                return ["none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate", "exit", "exit-force"];
            }

            if (typeof(T) == typeof(JobMode))
            {
                return ["fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "triggering"];
            }

            if (typeof(T) == typeof(ExecInput))
            {
                return ["null", "tty", "tty-force", "tty-fail", "socket", "fd", "data", "file"];
            }

            if (typeof(T) == typeof(ExecOutput))
            {
                return ["inherit", "null", "tty", "kmsg", "kmsg+console", "journal", "journal+console", "socket", "fd", "file", "append", "truncate"];
            }

            if (typeof(T) == typeof(TimerBase))
            {
                return ["OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec", "OnCalendar"];
            }

            if (typeof(T) == typeof(PathType))
            {
                return ["PathExists", "PathExistsGlob", "DirectoryNotEmpty", "PathChanged", "PathModified"];
            }

            if (typeof(T) == typeof(SocketListenType))
            {
                return ["ListenStream", "ListenDatagram", "ListenSequentialPacket", "ListenFIFO", "ListenNetlink", "ListenSpecial", "ListenMessageQueue", "ListenUSBFunction"];
            }

            if (typeof(T) == typeof(DependencySetting) || typeof(T) == typeof(ConditionType))
            {
                // These are spelt as their members (the unit-file key without "Condition"/"Assert").
                return Enum.GetNames<T>();
            }

            throw new InvalidOperationException($"No systemd names for {typeof(T).Name}.");
        }
    }
}
