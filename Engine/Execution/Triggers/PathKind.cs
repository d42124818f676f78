using System.Runtime.InteropServices;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Execution.Native;

namespace Units.Execution.Triggers;

/// <summary>A path unit's state (systemd's PathState).</summary>
public enum PathState
{
    Dead,
    Waiting,
    Running,
    Failed,
}

/// <summary>Why a path unit last failed (systemd's PathResult).</summary>
public enum PathResult
{
    Success,
    Resources,
    StartLimitHit,
    UnitStartLimitHit,
    TriggerLimitHit,
}

/// <summary>
/// The path unit type in the core's operations table (systemd 252's path.c): watches its paths with inotify (each
/// path and, until it exists, the deepest existing directory on the way to it) and starts the unit it triggers
/// with a start job (JOB_REPLACE) when one is good; the triggered unit's changes (<see cref="TriggerNotify"/>)
/// send it back to waiting. Register with <see cref="Register"/>; a unit's <see cref="UnitDefinition.TypeSettings"/>
/// must be a <see cref="PathSettings"/>.
/// </summary>
public sealed class PathKind : UnitKind
{
    private const uint InModify = 0x2, InAttrib = 0x4, InCloseWrite = 0x8, InMovedFrom = 0x40, InMovedTo = 0x80,
        InCreate = 0x100, InDelete = 0x200, InDeleteSelf = 0x400, InMoveSelf = 0x800;

    /// <summary>What each kind of path watches the path itself for (path_spec_watch's flags_table).</summary>
    private static uint EventsOf(PathType type) => type switch
    {
        PathType.Changed => InDeleteSelf | InMoveSelf | InAttrib | InCloseWrite | InCreate | InDelete | InMovedFrom | InMovedTo,
        PathType.Modified => InDeleteSelf | InMoveSelf | InAttrib | InCloseWrite | InCreate | InDelete | InMovedFrom | InMovedTo | InModify,
        PathType.DirectoryNotEmpty => InDeleteSelf | InMoveSelf | InAttrib | InCreate | InMovedTo,
        _ => InDeleteSelf | InMoveSelf | InAttrib,
    };

    /// <summary>What a directory on the way to a path is watched for, until the next component exists.</summary>
    private const uint ParentEvents = InMoveSelf | InDeleteSelf | InAttrib | InCreate | InMovedTo;

    private const int ENOENT = 2, EACCES = 13;

    private readonly IPathWatcher _watcher;
    private PathSettings _settings = new();
    private WatchedPath[] _specs = [];
    private RateLimit _triggerLimit;
    private int _generation;

    private PathKind(IPathWatcher watcher) => _watcher = watcher;

    /// <param name="watcher">inotify for the paths (the execution runtime); its events arrive on the loop.</param>
    public static void Register(UnitKinds kinds, IPathWatcher watcher) =>
        kinds.Register(UnitType.Path, () => new PathKind(watcher));

    public PathState State { get; private set; }

    public PathResult Result { get; private set; }

    public override ActiveState ActiveState => ToActiveState(State);

    public override string SubState => State switch
    {
        PathState.Waiting => "waiting",
        PathState.Running => "running",
        PathState.Failed => "failed",
        _ => "dead",
    };

    public static string ToSystemdString(PathResult result) => result switch
    {
        PathResult.Resources => "resources",
        PathResult.StartLimitHit => "start-limit-hit",
        PathResult.UnitStartLimitHit => "unit-start-limit-hit",
        PathResult.TriggerLimitHit => "trigger-limit-hit",
        _ => "success",
    };

    private static ActiveState ToActiveState(PathState state) => state switch
    {
        PathState.Waiting or PathState.Running => ActiveState.Active,
        PathState.Failed => ActiveState.Failed,
        _ => ActiveState.Inactive,
    };

    /// <summary>One path being watched, with what path_spec_check_good remembers of it.</summary>
    private sealed class WatchedPath(PathSpec spec)
    {
        public PathSpec Spec { get; } = spec;
        public bool PreviousExists;
        public List<IDisposable> Watches { get; } = [];
    }

    public override void Load(UnitDefinition definition)
    {
        _settings = definition.TypeSettings as PathSettings ?? new PathSettings();
        Unwatch();
        // systemd prepends each path to its list: the last one configured is checked first. What was seen of a path
        // before a reload is kept (systemd serialises it), or a PathChanged= file would look changed by the reload.
        var previous = _specs;
        _specs = [.. _settings.Specs.Reverse().Select(spec => new WatchedPath(spec)
        {
            PreviousExists = Array.Find(previous, old => old.Spec == spec)?.PreviousExists ?? false,
        })];
        _triggerLimit = new RateLimit(_settings.TriggerLimitIntervalUSec, _settings.TriggerLimitBurst);
        if (State == PathState.Waiting)
            Host.Post(() =>
            {
                if (State == PathState.Waiting)
                    EnterWaiting(initial: false, fromTriggerNotify: false);
            });
    }

    public override void AddDependencies(UnitDefinition definition, bool defaults, DependencySink sink)
    {
        if ((definition.TypeSettings as PathSettings)?.Unit is { } triggered)
        {
            sink.Add(UnitDependency.Before, triggered);
            sink.Add(UnitDependency.Triggers, triggered);
        }
        if (!defaults)
            return;
        StandardDependencies.AddTriggerDefaults(sink, "paths.target");
    }

    public override UnitOperationResult Start()
    {
        if (!Unit.TestStartLimit())
        {
            EnterDead(PathResult.StartLimitHit);
            return UnitOperationResult.Failed;
        }
        if (!TestTriggerLoaded())
            return UnitOperationResult.Failed;
        Unit.AcquireInvocationId();
        if (_settings.MakeDirectory)
            MakeDirectories();
        Result = PathResult.Success;
        EnterWaiting(initial: true, fromTriggerNotify: false);
        return UnitOperationResult.InProgress;
    }

    public override UnitOperationResult Stop()
    {
        EnterDead(PathResult.Success);
        return UnitOperationResult.InProgress;
    }

    public override void ResetFailed()
    {
        if (State == PathState.Failed)
            SetState(PathState.Dead);
        Result = PathResult.Success;
    }

    public override void TriggerNotify(Unit triggered)
    {
        if (State is not (PathState.Waiting or PathState.Running))
            return;
        if (triggered.StartLimitHit)
        {
            EnterDead(PathResult.UnitStartLimitHit);
            return;
        }
        // Nothing changes while the triggered unit still has a job queued.
        if (triggered.Job is not null)
            return;
        bool down = triggered.ActiveState.IsInactiveOrFailed();
        if (State == PathState.Running && down)
        {
            Debug("Got notified about unit deactivation.");
            EnterWaiting(initial: false, fromTriggerNotify: true);
        }
        else if (State == PathState.Waiting && !down)
        {
            Debug("Got notified about unit activation.");
            EnterWaiting(initial: false, fromTriggerNotify: true);
        }
    }

    public override void Unload() => Unwatch();

    /// <summary>MakeDirectory=: the directories of the watches that are about directories or files' changes, with
    /// their missing parents, in DirectoryMode= (mkdir_p_label).</summary>
    private void MakeDirectories()
    {
        foreach (var watched in _specs)
        {
            if (watched.Spec.Type is PathType.Exists or PathType.ExistsGlob)
                continue;
            string path = watched.Spec.Path;
            for (int slash = path.IndexOf('/', 1); ; slash = path.IndexOf('/', slash + 1))
            {
                string component = slash < 0 ? path : path[..slash];
                if (Libc.mkdir(component, _settings.DirectoryMode) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != Libc.EEXIST)
                {
                    Host.Log.Write(LogPriority.Warning, Unit.Id, $"mkdir({path}) failed: {Libc.ErrorText(errno)}");
                    break;
                }
                if (slash < 0)
                    break;
            }
        }
    }

    /// <summary>path_enter_waiting(): running along with the triggered unit, triggering at once when a path is
    /// already good, else watching (and checking once more, for what happened before the watches were in place).</summary>
    private void EnterWaiting(bool initial, bool fromTriggerNotify)
    {
        var trigger = TriggeredUnit;
        if (trigger is not null && !trigger.ActiveState.IsInactiveOrFailed())
        {
            SetState(PathState.Running);
            Unwatch();
            return;
        }
        if (FindGood(initial, fromTriggerNotify) is { } good)
        {
            Debug("Got triggered.");
            EnterRunning(good);
            return;
        }
        if (Watch() is { } error)
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, $"Failed to enter waiting state: {error}");
            EnterDead(PathResult.Resources);
            return;
        }
        if (FindGood(initial: false, fromTriggerNotify) is { } late)
        {
            Debug("Got triggered.");
            EnterRunning(late);
            return;
        }
        SetState(PathState.Waiting);
    }

    /// <summary>path_enter_running(): a start job for the triggered unit, within TriggerLimitBurst= per
    /// TriggerLimitIntervalSec=.</summary>
    private void EnterRunning(string triggerPath)
    {
        if (StopPending)
            return;
        if (!_triggerLimit.Below(Host.Clock.MonotonicUSec))
        {
            Host.Log.Write(LogPriority.Warning, Unit.Id, "Trigger limit hit, refusing further activation.");
            EnterDead(PathResult.TriggerLimitHit);
            return;
        }
        if (!TriggeredStart.Queue(Unit, TriggeredUnit))
        {
            EnterDead(PathResult.Resources);
            return;
        }
        Debug($"Triggered by {triggerPath}.");
        SetState(PathState.Running);
        Unwatch();
    }

    private void EnterDead(PathResult result)
    {
        if (Result == PathResult.Success)
            Result = result;
        LogResult(Result == PathResult.Success, ToSystemdString(Result));
        SetState(Result == PathResult.Success ? PathState.Dead : PathState.Failed);
    }

    private void SetState(PathState state)
    {
        var old = State;
        State = state;
        if (state is not (PathState.Waiting or PathState.Running))
            Unwatch();
        if (state != old)
            Debug($"Changed {old.ToString().ToLowerInvariant()} -> {SubState}");
        Unit.NotifyStateChanged(ToActiveState(old), ToActiveState(state));
    }

    /// <summary>The first path that is good (path_check_good), as the path that triggered; null for none.</summary>
    private string? FindGood(bool initial, bool fromTriggerNotify)
    {
        foreach (var watched in _specs)
            if (IsGood(watched, initial, fromTriggerNotify) is { } path)
                return path;
        return null;
    }

    /// <summary>path_spec_check_good(): PathExists= exists, PathExistsGlob= matches, DirectoryNotEmpty= has an entry
    /// (hidden and backup files aside), PathChanged=/PathModified= appeared or vanished since the last check.</summary>
    private static string? IsGood(WatchedPath watched, bool initial, bool fromTriggerNotify)
    {
        string path = watched.Spec.Path;
        switch (watched.Spec.Type)
        {
            case PathType.Exists:
                return Exists(path) ? path : null;
            case PathType.ExistsGlob:
                return FirstGlobMatch(path);
            case PathType.DirectoryNotEmpty:
                return DirectoryHasEntries(path) ? path : null;
            default:
                bool exists = Exists(path);
                bool good = !initial && !fromTriggerNotify && exists != watched.PreviousExists;
                watched.PreviousExists = exists;
                return good ? path : null;
        }
    }

    /// <summary>access(F_OK): the path resolves to something (a dangling symlink does not).</summary>
    private static bool Exists(string path) => Libc.access(path, 0) == 0;

    /// <summary>dir_is_empty(path, ignore_hidden_or_backup=true): a directory that cannot be read counts as not
    /// empty, one that does not exist (or is no directory) as empty.</summary>
    private static bool DirectoryHasEntries(string path)
    {
        try
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(path))
                if (!IsHiddenOrBackup(Path.GetFileName(entry)))
                    return true;
            return false;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static readonly string[] s_backupSuffixes =
    [
        "~", ".rpmnew", ".rpmsave", ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-tmp", ".dpkg-dist", ".dpkg-bak",
        ".dpkg-backup", ".dpkg-remove", ".ucf-new", ".ucf-old", ".ucf-dist", ".swp", ".bak", ".old", ".new",
    ];

    /// <summary>hidden_or_backup_file(): dot files and the backups package managers and editors leave.</summary>
    private static bool IsHiddenOrBackup(string name) =>
        name.StartsWith('.') || Array.Exists(s_backupSuffixes, suffix => name.EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>glob_first(): the first match of the pattern (with braces), unsorted; null for none.</summary>
    private static unsafe string? FirstGlobMatch(string pattern)
    {
        byte* result = stackalloc byte[Libc.GlobTSize];
        new Span<byte>(result, Libc.GlobTSize).Clear();
        if (Libc.glob(pattern, Libc.GLOB_NOSORT | Libc.GLOB_BRACE, 0, result) != 0)
        {
            Libc.globfree(result);
            return null;
        }
        try
        {
            nuint count = *(nuint*)result;
            byte** paths = *(byte***)(result + sizeof(nuint));
            return count > 0 ? Marshal.PtrToStringUTF8((nint)paths[0]) : null;
        }
        finally
        {
            Libc.globfree(result);
        }
    }

    /// <summary>path_watch(): every path's watches, afresh; the error text when one cannot be watched at all.</summary>
    private string? Watch()
    {
        Unwatch();
        int generation = _generation;
        foreach (var watched in _specs)
            if (WatchOne(watched, generation) is { } error)
            {
                Unwatch();
                return error;
            }
        return null;
    }

    /// <summary>
    /// path_spec_watch(): walks from "/" down the path, watching each existing directory for entries appearing, and
    /// the path itself, once it exists, for the events of its kind. Once a deeper component is watched, its parent
    /// is only watched for being moved.
    /// </summary>
    private string? WatchOne(WatchedPath watched, int generation)
    {
        string path = watched.Spec.Path;
        var prefixes = new List<string> { "/" };
        for (int slash = path.IndexOf('/', 1); slash > 0; slash = path.IndexOf('/', slash + 1))
            prefixes.Add(path[..slash]);
        if (path != "/")
            prefixes.Add(path);
        IDisposable? parentWatch = null;
        int errno = 0;
        bool any = false;
        for (int i = 0; i < prefixes.Count; i++)
        {
            bool primary = i == prefixes.Count - 1;
            var watch = _watcher.TryWatch(prefixes[i], primary ? EventsOf(watched.Spec.Type) : ParentEvents,
                events => OnEvent(watched, generation, primary), out errno);
            if (watch is null)
            {
                if (errno is ENOENT or EACCES)
                    break;
                return $"Failed to add watch on {prefixes[i]}: {Libc.ErrorText(errno)}";
            }
            any = true;
            watched.Watches.Add(watch);
            if (parentWatch is not null)
            {
                if (_watcher.TryWatch(prefixes[i - 1], InMoveSelf, _ => OnEvent(watched, generation, primary: false), out _) is { } moved)
                    watched.Watches.Add(moved);
                parentWatch.Dispose();
                watched.Watches.Remove(parentWatch);
            }
            parentWatch = watch;
        }
        return any ? null : $"Failed to add watch on any of the components of {path}: {Libc.ErrorText(errno)}";
    }

    /// <summary>path_dispatch_io(): an event on the path itself of a PathChanged=/PathModified= triggers; any other
    /// makes the unit look again.</summary>
    private void OnEvent(WatchedPath watched, int generation, bool primary)
    {
        if (generation != _generation || State is not (PathState.Waiting or PathState.Running))
            return;
        if (primary && watched.Spec.Type is PathType.Changed or PathType.Modified)
            EnterRunning(watched.Spec.Path);
        else
            EnterWaiting(initial: false, fromTriggerNotify: false);
    }

    /// <summary>Drops every watch; events already posted from them are ignored.</summary>
    private void Unwatch()
    {
        _generation++;
        foreach (var watched in _specs)
        {
            foreach (var watch in watched.Watches)
                watch.Dispose();
            watched.Watches.Clear();
        }
    }

    private void Debug(string message) => Host.Log.Write(LogPriority.Debug, Unit.Id, message);
}
