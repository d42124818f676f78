using Units.Core.Manager;
using Units.DBus;
using Units.Execution.Service;

namespace Units.Daemon.Host;

/// <summary>
/// BusName= owners on the API bus, as systemd's unit_watch_bus_name: per watched name a NameOwnerChanged match
/// (arg0 the name) and a GetNameOwner for where it stands now, both made again whenever the manager (re)connects
/// to the bus. Each owner is reported with its PID (GetConnectionCredentials), in the order the bus told them.
/// </summary>
internal sealed class BusNameWatcher(Action<Action> post, ICoreLog log) : IBusNameWatcher
{
    // Loop-thread state.
    private readonly Dictionary<string, NameWatch> _names = new(StringComparer.Ordinal);
    private DBusConnection? _bus;

    // Reports resolve the owner's PID asynchronously; one chain keeps them in the order they arrived.
    private readonly Lock _reportsLock = new();
    private Task _reports = Task.CompletedTask;

    private sealed class NameWatch
    {
        public readonly List<Action<string?, int>> Callbacks = [];
        public IDisposable? Match;
    }

    public IDisposable Watch(string name, Action<string?, int> changed)
    {
        if (!_names.TryGetValue(name, out var watch))
        {
            _names[name] = watch = new NameWatch();
            if (_bus is { } bus)
                Subscribe(bus, name);
        }
        watch.Callbacks.Add(changed);
        return new Registration(this, name, changed);
    }

    private void Unwatch(string name, Action<string?, int> changed)
    {
        if (!_names.TryGetValue(name, out var watch) || !watch.Callbacks.Remove(changed) || watch.Callbacks.Count > 0)
            return;
        watch.Match?.Dispose();
        _names.Remove(name);
    }

    /// <summary>The manager is on the bus (loop thread): watch every name there.</summary>
    public void Attach(DBusConnection bus)
    {
        _bus = bus;
        foreach (string name in _names.Keys)
            Subscribe(bus, name);
    }

    /// <summary>The bus is gone (loop thread): its matches went with it.</summary>
    public void Detach(DBusConnection bus)
    {
        if (_bus != bus)
            return;
        _bus = null;
        foreach (var watch in _names.Values)
            watch.Match = null;
    }

    private void Subscribe(DBusConnection bus, string name) => _ = SubscribeAsync(bus, name);

    private async Task SubscribeAsync(DBusConnection bus, string name)
    {
        var rule = new MatchRule
        {
            Sender = "org.freedesktop.DBus",
            Interface = "org.freedesktop.DBus",
            Member = "NameOwnerChanged",
            Path = "/org/freedesktop/DBus",
        }.WithArg(0, name);
        try
        {
            IDisposable match = await bus.AddMatchAsync(rule, message =>
            {
                var body = message.GetBodyReader();
                body.ReadString();
                body.ReadString();
                string owner = body.ReadString();
                Report(bus, name, owner.Length > 0 ? owner : null);
            }).ConfigureAwait(false);
            post(() =>
            {
                if (_bus == bus && _names.TryGetValue(name, out var watch) && watch.Match is null)
                    watch.Match = match;
                else
                    match.Dispose();
            });
            string? current;
            try
            {
                current = await bus.GetNameOwnerAsync(name).ConfigureAwait(false);
            }
            catch (DBusException e) when (e.ErrorName == "org.freedesktop.DBus.Error.NameHasNoOwner")
            {
                current = null;
            }
            Report(bus, name, current);
        }
        catch (DBusException e)
        {
            log.Write(LogPriority.Warning, null, $"Failed to watch bus name {name}: {e.Message}");
        }
    }

    private void Report(DBusConnection bus, string name, string? owner)
    {
        lock (_reportsLock)
            _reports = _reports.ContinueWith(_ => ReportAsync(bus, name, owner), TaskScheduler.Default).Unwrap();
    }

    private async Task ReportAsync(DBusConnection bus, string name, string? owner)
    {
        int pid = 0;
        if (owner is not null)
        {
            try
            {
                pid = (int)((await bus.GetConnectionCredentialsAsync(owner).ConfigureAwait(false)).ProcessId ?? 0);
            }
            catch (DBusException)
            {
                // The owner left meanwhile: its NameOwnerChanged follows this report.
            }
        }
        post(() =>
        {
            if (_bus != bus || !_names.TryGetValue(name, out var watch))
                return;
            foreach (var changed in watch.Callbacks.ToArray())
                changed(owner, pid);
        });
    }

    private sealed class Registration(BusNameWatcher watcher, string name, Action<string?, int> changed) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            watcher.Unwatch(name, changed);
        }
    }
}
