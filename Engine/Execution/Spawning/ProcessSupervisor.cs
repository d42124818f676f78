using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Units.Execution.Native;

namespace Units.Execution.Spawning;

/// <summary>Where the supervisor's threads deliver what they observe. Implementations post to the manager loop.</summary>
public interface IProcessEvents
{
    /// <summary>A child (or an orphan re-parented to us as subreaper) was reaped.</summary>
    void ProcessExited(ProcessExit exit);

    /// <summary>execve() succeeded in a process spawned with <see cref="ExecParameters.WatchExec"/>.</summary>
    void ExecSucceeded(int pid);
}

/// <summary>
/// Spawns processes through unitsd-executor (born in their cgroup, or with posix_spawn) and reaps every child of
/// this process on a dedicated thread (the manager is a child subreaper, so double-forking daemons are reaped here too). The threads never
/// touch manager state: they hand <see cref="ProcessExit"/> events to <see cref="IProcessEvents"/>.
/// It reaps every child of the process, so there is one per process (<see cref="Shared"/>); listeners subscribe.
/// This is the one place in unitsd that creates or reaps processes; System.Diagnostics.Process must not be used
/// next to it (its children would be reaped here).
/// </summary>
public sealed unsafe class ProcessSupervisor
{
    private static readonly object SharedLock = new();
    private static ProcessSupervisor? _shared;
    private volatile IProcessEvents[] _listeners = [];
    private readonly byte[] _executorPath;
    private readonly object _spawnLock = new();
    private readonly ConcurrentDictionary<int, StatusPipe> _statusPipes = new();
    private readonly ConcurrentDictionary<int, StatusPipe> _watchedByFd = new();
    private readonly SemaphoreSlim _childrenAppeared = new(0);
    private readonly int _epoll;
    private ProcessSupervisor(string? executorPath)
    {
        string path = executorPath ?? DefaultExecutorPath;
        if (!File.Exists(path))
            throw new FileNotFoundException($"unitsd-executor not found at {path}", path);
        _executorPath = NullTerminated(path);
        // Orphans of our services (double-forking daemons) become our children, so we can reap and track them.
        if (Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
            throw new InvalidOperationException($"PR_SET_CHILD_SUBREAPER: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
            throw new InvalidOperationException($"epoll_create1: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        new Thread(ReapLoop) { IsBackground = true, Name = "unitsd child reaper" }.Start();
        new Thread(ExecWatchLoop) { IsBackground = true, Name = "unitsd exec watcher" }.Start();
    }

    /// <summary>The process's supervisor, created on first use (with <paramref name="executorPath"/> if given then).</summary>
    public static ProcessSupervisor Shared(string? executorPath = null)
    {
        lock (SharedLock)
            return _shared ??= new ProcessSupervisor(executorPath);
    }

    /// <summary>Adds a listener for exits and exec notifications; every listener sees every event.</summary>
    public void Subscribe(IProcessEvents listener)
    {
        lock (SharedLock)
            _listeners = [.. _listeners, listener];
    }

    public void Unsubscribe(IProcessEvents listener)
    {
        lock (SharedLock)
            _listeners = _listeners.Where(l => l != listener).ToArray();
    }

    /// <summary>unitsd-executor next to this assembly.</summary>
    public static string DefaultExecutorPath => Path.Combine(AppContext.BaseDirectory, "unitsd-executor");

    /// <summary>Whether processes are born in their cgroup (clone3 with CLONE_INTO_CGROUP, see unitsd-spawn.c): true
    /// until the kernel or the architecture turns out not to allow it, after which posix_spawn starts them and they
    /// are moved into their cgroup.</summary>
    public static bool SpawnsIntoCgroups { get; private set; } = true;

    /// <summary>
    /// Starts one process, in <see cref="PreparedExec.CgroupPath"/> when it has one and <see cref="SpawnsIntoCgroups"/>.
    /// Returns its pid once the executor runs (it then applies the context on its own); a failure of any later step
    /// arrives as the process's exit with <see cref="ProcessExit.Failure"/>.
    /// </summary>
    public int Spawn(PreparedExec exec, bool watchExec = false)
    {
        int* contextPipe = stackalloc int[2];
        int* statusPipe = stackalloc int[2];
        if (Libc.pipe2(contextPipe, Libc.O_CLOEXEC) < 0)
            throw SpawnError("pipe2");
        if (Libc.pipe2(statusPipe, Libc.O_CLOEXEC) < 0)
        {
            var error = SpawnError("pipe2");
            Libc.close(contextPipe[0]);
            Libc.close(contextPipe[1]);
            throw error;
        }
        // A context that fits the pipe is written before the spawn: the executor never waits for us.
        bool writtenEarly = exec.Context.Length <= 65536 && WriteAll(contextPipe[1], exec.Context);
        int pid;
        byte* actions = stackalloc byte[256];
        Libc.posix_spawn_file_actions_init(actions);
        // The executor gets the context at 3, the status pipe at 4 and the passed descriptors from 5. dup2 clears
        // close-on-exec on the target; sources keep theirs, so nothing else leaks.
        int* fds = stackalloc int[2 + exec.PassedFds.Length];
        fds[0] = contextPipe[0];
        fds[1] = statusPipe[1];
        for (int i = 0; i < exec.PassedFds.Length; i++)
            fds[2 + i] = exec.PassedFds[i];
        try
        {
            for (int i = 0; i < 2 + exec.PassedFds.Length; i++)
                Libc.posix_spawn_file_actions_adddup2(actions, fds[i], 3 + i);
            byte** argv = stackalloc byte*[2];
            byte** envp = stackalloc byte*[1];
            envp[0] = null;
            byte[] processName = Encoding.UTF8.GetBytes(exec.ProcessName + "\0");
            fixed (byte* path = _executorPath)
            fixed (byte* name = processName)
            {
                argv[0] = name;
                argv[1] = null;
                lock (_spawnLock)
                {
                    int error = SpawnIntoCgroup(exec.CgroupPath, path, argv, envp, fds, 2 + exec.PassedFds.Length, out pid);
                    if (error == Libc.ENOSYS)
                        error = Libc.posix_spawn(&pid, path, actions, null, argv, envp);
                    if (error != 0)
                    {
                        CloseAll(contextPipe[0], contextPipe[1], statusPipe[0], statusPipe[1]);
                        throw new ExecSetupException($"spawn: {Libc.ErrorText(error)}");
                    }
                    // Every pipe is watched, so its fd is closed as soon as the exec is decided, not when the process
                    // exits: a manager of many long-running services would otherwise hold one fd for each.
                    var pipe = new StatusPipe(pid, statusPipe[0]) { ReportsExec = watchExec };
                    _statusPipes[pid] = pipe;
                    Watch(pipe);
                }
            }
        }
        finally
        {
            Libc.posix_spawn_file_actions_destroy(actions);
        }
        Libc.close(contextPipe[0]);
        Libc.close(statusPipe[1]);
        if (!writtenEarly)
            WriteAll(contextPipe[1], exec.Context); // a dead executor gives EPIPE: its exit reports the rest
        Libc.close(contextPipe[1]);
        _childrenAppeared.Release();
        return pid;
    }

    /// <summary>unitsd-spawn.c's spawn into the cgroup: 0 with the pid, an errno, or ENOSYS when the process is to be
    /// started without it (no cgroup, or the system cannot, which is then remembered).</summary>
    private static int SpawnIntoCgroup(string? cgroupPath, byte* path, byte** argv, byte** envp, int* fds, int fdCount, out int pid)
    {
        pid = 0;
        if (cgroupPath is null || !SpawnsIntoCgroups)
            return Libc.ENOSYS;
        int cgroupFd = Libc.open(cgroupPath, Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (cgroupFd < 0)
            return Marshal.GetLastPInvokeError();
        int result;
        try
        {
            result = Libc.units_spawn(path, argv, envp, fds, fdCount, cgroupFd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            result = -Libc.ENOSYS; // the library is not next to unitsd: posix_spawn it is
        }
        finally
        {
            Libc.close(cgroupFd);
        }
        if (result == -Libc.ENOSYS)
            SpawnsIntoCgroups = false;
        if (result < 0)
            return -result;
        pid = result;
        return 0;
    }

    /// <summary>Sends a signal; false when the process is gone.</summary>
    public static bool Kill(int pid, int signal) => pid > 0 && Libc.kill(pid, signal) == 0;

    private void Watch(StatusPipe pipe)
    {
        byte* ev = stackalloc byte[16];
        Libc.WriteEpollEvent(ev, Libc.EPOLLIN | Libc.EPOLLHUP, (ulong)pipe.Fd);
        _watchedByFd[pipe.Fd] = pipe;
        pipe.Watched = true;
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, pipe.Fd, ev) < 0)
        {
            _watchedByFd.TryRemove(pipe.Fd, out _);
            pipe.Watched = false;
        }
    }

    private void ReapLoop()
    {
        byte* info = stackalloc byte[128];
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            // WNOWAIT first: the zombie still shows its cgroup, which attributes orphans to their unit.
            if (Libc.waitid(Libc.P_ALL, 0, info, Libc.WEXITED | Libc.WNOWAIT) < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == Libc.ECHILD)
                    _childrenAppeared.Wait(); // no children: sleep until the next spawn
                continue;
            }
            // siginfo_t: si_code at 8; for SIGCHLD si_pid at 16 and si_status at 24.
            int code = *(int*)(info + 8);
            int pid = *(int*)(info + 16);
            int status = *(int*)(info + 24);
            if (pid <= 0)
                continue;
            ExecFailure? failure = null;
            lock (_spawnLock) { } // a spawn in progress has registered its pipe once this returns
            bool spawnedHere = _statusPipes.TryRemove(pid, out var pipe);
            // Orphans are attributed by the cgroup they died in; our own children are known by pid already.
            string? cgroup = spawnedHere ? null : Cgroups.CgroupHierarchy.CgroupOfAnyProcess(pid);
            Libc.waitid(Libc.P_PID, pid, info, Libc.WEXITED);
            if (spawnedHere)
                failure = pipe!.Resolve(this);
            var exit = new ProcessExit(pid, (ExitCode)code, status, failure) { CgroupPath = cgroup };
            foreach (var listener in _listeners)
                listener.ProcessExited(exit);
        }
    }

    private void ExecWatchLoop()
    {
        int size = Libc.EpollEventSize;
        byte* events = stackalloc byte[size * 32];
        while (true)
        {
            int n = Libc.epoll_wait(_epoll, events, 32, -1);
            for (int i = 0; i < n; i++)
            {
                var (_, data) = Libc.ReadEpollEvent(events + i * size);
                if (_watchedByFd.TryGetValue((int)data, out var pipe) && pipe.Resolve(this) is null && pipe.ExecSucceeded && pipe.ReportsExec)
                    foreach (var listener in _listeners)
                        listener.ExecSucceeded(pipe.Pid);
            }
        }
    }

    private void Unwatch(StatusPipe pipe)
    {
        if (!pipe.Watched)
            return;
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, pipe.Fd, null);
        _watchedByFd.TryRemove(pipe.Fd, out _);
    }

    /// <summary>The read end of one process's status pipe; resolved once, by whichever thread gets there first.</summary>
    private sealed class StatusPipe(int pid, int fd)
    {
        private bool _resolved;
        private ExecFailure? _failure;

        public int Pid { get; } = pid;
        public int Fd { get; } = fd;
        public bool Watched { get; set; }
        /// <summary>Whether listeners hear of a successful exec (Type=exec waits for it).</summary>
        public bool ReportsExec { get; init; }
        /// <summary>True when this resolution saw EOF without a record (and nobody reported it yet).</summary>
        public bool ExecSucceeded { get; private set; }

        public ExecFailure? Resolve(ProcessSupervisor owner)
        {
            lock (this)
            {
                if (_resolved)
                {
                    ExecSucceeded = false;
                    return _failure;
                }
                _resolved = true;
                byte* record = stackalloc byte[520];
                nint n;
                do
                    n = Libc.read(Fd, record, 520);
                while (n < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);
                if (n >= 8)
                {
                    int length = 0;
                    while (8 + length < n && record[8 + length] != 0)
                        length++;
                    _failure = new ExecFailure(*(int*)record, *(int*)(record + 4), Encoding.UTF8.GetString(record + 8, length));
                }
                ExecSucceeded = _failure is null;
                owner.Unwatch(this);
                Libc.close(Fd);
                return _failure;
            }
        }
    }

    private static bool WriteAll(int fd, byte[] data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = Libc.write(fd, start + done, data.Length - done);
                if (n < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
                    continue;
                if (n <= 0)
                    return false;
                done += (int)n;
            }
        }
        return true;
    }

    private static void CloseAll(params int[] fds)
    {
        foreach (var fd in fds)
            Libc.close(fd);
    }

    private static ExecSetupException SpawnError(string call) =>
        new($"{call}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");

    private static byte[] NullTerminated(string text) => Encoding.UTF8.GetBytes(text + "\0");
}
