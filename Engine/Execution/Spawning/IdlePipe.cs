using Units.Execution.Native;

namespace Units.Execution.Spawning;

/// <summary>
/// The manager's idle pipe (systemd's idle_pipe): while jobs are queued, the main command of a Type=idle service
/// gets the read end and its executor waits (at most 5 s, as systemd's IDLE_TIMEOUT_USEC) for the write end to be
/// closed, which happens once no job is left, so the command's output does not mingle with start-up. Loop thread only.
/// </summary>
internal sealed class IdlePipe : IDisposable
{
    private int _read = -1;
    private int _write = -1;

    /// <summary>The read end to pass to an idle command, made when needed; null when the pipe cannot be made.</summary>
    public unsafe int? ReadEnd()
    {
        if (_read < 0)
        {
            int* fds = stackalloc int[2];
            // Close-on-exec in the manager: only the executors it is passed to hold the read end, and nobody but
            // the manager the write end.
            if (Libc.pipe2(fds, Libc.O_CLOEXEC) < 0)
                return null;
            (_read, _write) = (fds[0], fds[1]);
        }
        return _read;
    }

    /// <summary>No job is left: every command waiting on the pipe goes on.</summary>
    public void Close()
    {
        if (_read < 0)
            return;
        Libc.close(_read);
        Libc.close(_write);
        _read = _write = -1;
    }

    public void Dispose() => Close();
}
