namespace Units.Execution;

/// <summary>Watches files for creation or change (PIDFile=) through their directory; callbacks are posted to the loop.</summary>
internal sealed class FileWatcher(Inotify? inotify, Action<Action> post)
{
    private const uint Events = 0x2 /* MODIFY */ | 0x8 /* CLOSE_WRITE */ | 0x80 /* MOVED_TO */ | 0x100 /* CREATE */;

    /// <summary>Throws IOException when the file cannot be watched (no inotify, no directory).</summary>
    public IDisposable Watch(string path, Action changed)
    {
        if (inotify is null)
            throw new IOException("inotify is not available");
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        string name = Path.GetFileName(path);
        var cancel = new Cancelable();
        var watch = inotify.Watch(directory, Events, entry =>
        {
            if (entry == name && !cancel.Canceled)
                post(() =>
                {
                    if (!cancel.Canceled)
                        changed();
                });
        });
        cancel.Inner = watch;
        return cancel;
    }

    private sealed class Cancelable : IDisposable
    {
        public IDisposable? Inner { get; set; }
        public bool Canceled { get; private set; }

        public void Dispose()
        {
            Canceled = true;
            Inner?.Dispose();
        }
    }
}
