using Units.Journal.Format;

namespace Units.Journal.Writing;

/// <summary>Where and how a journal instance keeps its files. The defaults are journald's
/// (journald.conf(5)) where journald has one.</summary>
public sealed record JournalStoreOptions
{
    /// <summary>The directory holding the files: /var/log/journal/MACHINE-ID (persistent) or
    /// /run/log/journal/MACHINE-ID (volatile) for a system instance; see README.md for a user
    /// instance. Created if missing.</summary>
    public required string Directory { get; init; }

    /// <summary>"system" for the system instance, "user-UID" for a user instance: the active file
    /// is BASE.journal, archives BASE@SEQNUMID-HEADSEQNUM-HEADREALTIME.journal.</summary>
    public string FileBaseName { get; init; } = "system";

    public required Id128 MachineId { get; init; }
    public required Id128 BootId { get; init; }

    /// <summary>SystemMaxFileSize=: a file is archived when it reaches this size.</summary>
    public long MaxFileSize { get; init; } = 128L * 1024 * 1024;

    /// <summary>SystemMaxUse=: archives are removed, oldest first, while the directory holds more.</summary>
    public long MaxUse { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>MaxFileSec=: a file whose first entry is older than this is archived (zero: never).</summary>
    public TimeSpan MaxFileAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often appended entries are published to the visible file at most (the sync
    /// point a killed writer keeps everything before). CRIT and worse publish at once.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>SyncIntervalSec=: how often published data is also fsync'ed to the disk. CRIT
    /// and worse sync at once.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    public bool Compact { get; init; } = true;
    public bool KeyedHash { get; init; } = true;

    public IJournalClock Clock { get; init; } = SystemJournalClock.Instance;
}
