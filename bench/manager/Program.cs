using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Units.DBus;

// Whole-manager benchmark: real systemd 252 and unitsd (Native AOT, published) side by side in the same run, both as
// user instances under shared/reference-systemd/run-systemd.sh and driven by the real systemctl 252.
//   dotnet publish Engine/Daemon -c Release -r linux-x64
//   dotnet run -c Release --project bench/manager [-- sizes=100,1000,10000 reps=3 restarts=100 settle=50 kinds=oneshot,simple
//                                                     managers=systemd,unitsd unitsd=PATH]
// 1. Start: `systemctl --user start bench.target` where bench.target Wants= and After= N instances of a template
//    (Type=oneshot ExecStart=/bin/true, or Type=simple ExecStart=/bin/sleep infinity). systemctl waits for the anchor
//    job only; After= makes that job run once every service job has finished, so the time covers all N services
//    reaching their state (oneshot: run and exited; simple: forked and running). The units are loaded beforehand
//    (default.target wants bench.target), so the time is the transaction, the jobs and execution, not unit loading.
//    The two managers alternate repetition by repetition, so both see the same machine load.
// 2. Restart latency: Restart=always RestartSec=0, SIGKILL the main PID, time until the manager reports a new MainPID
//    in a PropertiesChanged signal (subscribed over the manager's private socket, no polling). The managers take
//    turns, and each round starts `settle` ms (default 50) after the last: a manager has work left after it reported
//    the new PID (the child's exec, its logs), which would otherwise be timed as part of the other's restart.
// Prints every time, the medians, the ratio unitsd/systemd (target: at most 0.5) and the machine load.
var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
int[] sizes = Option("sizes", "100,1000,10000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
int repetitions = int.Parse(Option("reps", "3"), CultureInfo.InvariantCulture);
int restartRounds = int.Parse(Option("restarts", "100"), CultureInfo.InvariantCulture);
int settleMilliseconds = int.Parse(Option("settle", "50"), CultureInfo.InvariantCulture);
string[] kinds = Option("kinds", "oneshot,simple").Split(',', StringSplitOptions.RemoveEmptyEntries);
string[] managerNames = Option("managers", "systemd,unitsd").Split(',', StringSplitOptions.RemoveEmptyEntries);
string unitsdPath = Path.GetFullPath(Option("unitsd", Path.Combine(RepositoryRoot(), "Engine", "Daemon", "bin", "Release", "net9.0", "linux-x64", "publish", "unitsd")));

if (managerNames.Contains("unitsd") && !File.Exists(unitsdPath))
{
    Console.Error.WriteLine($"no published unitsd at {unitsdPath}: run `dotnet publish Engine/Daemon -c Release -r linux-x64` first");
    return 2;
}
// 10,000 sleeping services are 10,000 processes: make sure the kernel lets them exist beside everything else.
int pidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture);
int running = Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));
if (kinds.Contains("simple") && sizes.Max() + running + 1000 > pidMax)
{
    Console.Error.WriteLine($"pid_max {pidMax} leaves no room for {sizes.Max()} sleeping services beside {running} processes");
    return 2;
}
Console.WriteLine($"machine: {Environment.ProcessorCount} CPUs, load {Load()}, {running} processes, pid_max {pidMax}");
Console.WriteLine($"unitsd: {unitsdPath}");

var managers = new List<BenchManager>();
// Ctrl-C or SIGTERM: finish the step under way, then stop both instances (thousands of services must not be left).
using var cancel = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
try
{
    foreach (string name in managerNames)
        managers.Add(await BenchManager.StartAsync(name, name == "unitsd" ? unitsdPath : null));
    foreach (BenchManager manager in managers)
        manager.WriteTemplates();

    var results = new List<(string Kind, int Size, double[] Medians)>();
    foreach (string kind in kinds)
    {
        foreach (int size in sizes)
        {
            foreach (BenchManager manager in managers)
            {
                var prepare = Stopwatch.StartNew();
                await manager.PrepareTargetAsync(kind, size);
                Console.WriteLine($"  {kind,-7} {size,6} {manager.Label,-7} daemon-reload and load: {prepare.Elapsed.TotalSeconds:F3} s");
            }
            var times = managers.Select(_ => new List<double>()).ToArray();
            for (int repetition = 0; repetition < repetitions && !cancel.IsCancellationRequested; repetition++)
            {
                for (int m = 0; m < managers.Count; m++)
                {
                    double seconds = await managers[m].StartTargetAsync(kind, size);
                    times[m].Add(seconds);
                    var stop = Stopwatch.StartNew();
                    await managers[m].StopTargetAsync(kind);
                    Console.WriteLine($"  {kind,-7} {size,6} {managers[m].Label,-7} run {repetition + 1}: {seconds,8:F3} s   " +
                        $"(then stopped in {stop.Elapsed.TotalSeconds:F3} s; load {Load()})");
                }
            }
            double[] medians = times.Select(Median).ToArray();
            results.Add((kind, size, medians));
            Console.WriteLine($"{kind,-7} {size,6} units: " + string.Join("  ", managers.Select((m, i) => $"{m.Label} {medians[i]:F3} s"))
                + RatioText(medians));
        }
    }

    var restartMedians = new double[managers.Count];
    if (restartRounds > 0 && !cancel.IsCancellationRequested)
    {
        foreach (BenchManager manager in managers)
            await manager.StartRestartServiceAsync();
        var samples = managers.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < restartRounds && !cancel.IsCancellationRequested; round++)
        {
            for (int m = 0; m < managers.Count; m++)
            {
                await Task.Delay(settleMilliseconds);
                samples[m].Add(await managers[m].KillAndAwaitNewMainPidAsync());
            }
        }
        for (int m = 0; m < managers.Count; m++)
        {
            samples[m].Sort();
            restartMedians[m] = Median(samples[m]);
            Console.WriteLine($"restart {managers[m].Label,-7} SIGKILL → new MainPID, {samples[m].Count} rounds: median {restartMedians[m]:F2} ms, " +
                $"min {samples[m][0]:F2}, p90 {samples[m][samples[m].Count * 9 / 10]:F2}, max {samples[m][^1]:F2} ms");
        }
    }

    Console.WriteLine();
    Console.WriteLine($"summary (medians of {repetitions} runs; load now {Load()}):");
    Console.WriteLine($"{"kind",-8}{"units",7} " + string.Join("", managers.Select(m => $"{m.Label,12}")) + (managers.Count == 2 ? $"{"ratio",8}" : ""));
    foreach ((string kind, int size, double[] medians) in results)
        Console.WriteLine($"{kind,-8}{size,7} " + string.Join("", medians.Select(t => $"{t,10:F3} s")) + RatioColumn(medians));
    if (restartRounds > 0)
        Console.WriteLine($"{"restart",-8}{"1",7} " + string.Join("", restartMedians.Select(t => $"{t,9:F2} ms")) + RatioColumn(restartMedians));
    Console.WriteLine("scaling (time per unit, ms):");
    foreach (string kind in kinds)
    {
        foreach ((string _, int size, double[] medians) in results.Where(r => r.Kind == kind))
            Console.WriteLine($"  {kind,-8}{size,7} " + string.Join("", medians.Select(t => $"{t * 1000 / size,10:F3}")));
    }
    return 0;
}
finally
{
    foreach (BenchManager manager in managers)
        manager.Dispose();
}

void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

string Option(string name, string fallback) => options.TryGetValue(name, out string? value) ? value : fallback;

string RatioText(double[] medians) => managers.Count == 2 ? $"  ratio {managers[1].Label}/{managers[0].Label} {medians[1] / medians[0]:F2}" : "";

string RatioColumn(double[] medians) => managers.Count == 2 ? $"{medians[1] / medians[0],8:F2}" : "";

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
}

static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static string RepositoryRoot()
{
    for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
    {
        if (File.Exists(Path.Combine(dir, "Units.slnx")))
            return dir;
    }
    throw new InvalidOperationException($"no Units.slnx above {AppContext.BaseDirectory}");
}

/// <summary>One manager (systemd 252 or unitsd) as a user instance under run-systemd.sh, with a D-Bus connection to
/// its private socket and the real systemctl run inside its mount namespace.</summary>
internal sealed class BenchManager : IDisposable
{
    private const string Script = "/work/shared/reference-systemd/run-systemd.sh";
    private const string Destination = "org.freedesktop.systemd1";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string ManagerInterface = "org.freedesktop.systemd1.Manager";
    private const string ServiceInterface = "org.freedesktop.systemd1.Service";
    private const string RestartService = "bench-restart.service";
    private static readonly string s_root = Path.Combine(Path.GetTempPath(), "units-manager-bench");
    private static readonly string[] s_liveStates = ["active", "activating", "deactivating", "reloading"];

    private readonly string _name;
    private readonly string? _binary;
    private DBusConnection? _bus;
    private int _managerPid;
    private string _restartPath = "";
    private uint _mainPid;
    private IDisposable? _restartSubscription;
    private TaskCompletionSource<uint>? _newMainPid;

    private BenchManager(string label, string? binary)
    {
        Label = label;
        _binary = binary;
        _name = $"mbench-{label}-{Environment.ProcessId}";
    }

    public string Label { get; }

    private string InstanceDirectory => Path.Combine(s_root, _name);

    private string UnitDirectory => Path.Combine(InstanceDirectory, "units");

    private DBusConnection Bus => _bus ?? throw new InvalidOperationException("not started");

    public static async Task<BenchManager> StartAsync(string label, string? binary)
    {
        var manager = new BenchManager(label, binary);
        try
        {
            Run(Script, ["start", manager._name], binary);
            manager._managerPid = int.Parse(Run(Script, ["pid", manager._name], binary).Trim(), CultureInfo.InvariantCulture);
            manager._bus = await DBusConnection.ConnectAsync("unix:path=" + Path.Combine(manager.InstanceDirectory, "xdg", "systemd", "private"));
            (await manager.Bus.CallAsync(MessageWriter.CreateMethodCall(Destination, ManagerPath, ManagerInterface, "Subscribe").Finish())).Dispose();
        }
        catch
        {
            manager.Dispose();
            throw;
        }
        return manager;
    }

    public void WriteTemplates()
    {
        File.WriteAllText(Path.Combine(UnitDirectory, "bench-oneshot@.service"),
            "[Unit]\nDescription=Bench oneshot %i\n[Service]\nType=oneshot\nExecStart=/bin/true\n");
        // PartOf=: stopping bench.target stops every sleeping instance (cleanup between runs, not measured).
        File.WriteAllText(Path.Combine(UnitDirectory, "bench-simple@.service"),
            "[Unit]\nDescription=Bench simple %i\nPartOf=bench.target\n[Service]\nType=simple\nExecStart=/bin/sleep infinity\n");
        // StartLimitIntervalSec=0: the restart rounds would hit the default start limit (5 in 10 s).
        File.WriteAllText(Path.Combine(UnitDirectory, RestartService),
            "[Unit]\nDescription=Bench restart\nStartLimitIntervalSec=0\n[Service]\nRestart=always\nRestartSec=0\nExecStart=/bin/sleep infinity\n");
        // default.target (active) wants bench.target: bench.target and what it wants stay loaded between runs.
        Directory.CreateDirectory(Path.Combine(UnitDirectory, "default.target.d"));
        File.WriteAllText(Path.Combine(UnitDirectory, "default.target.d", "bench.conf"), "[Unit]\nWants=bench.target\n");
        Systemctl("daemon-reload");
    }

    /// <summary>bench.target wants and is ordered after N instances of the kind's template; reloaded so that all are
    /// loaded before the timed start.</summary>
    public async Task PrepareTargetAsync(string kind, int size)
    {
        var target = new StringBuilder($"[Unit]\nDescription=Bench {size} {kind} services\n");
        for (int first = 0; first < size; first += 100)
        {
            var names = string.Join(' ', Enumerable.Range(first, Math.Min(100, size - first)).Select(i => $"bench-{kind}@{i}.service"));
            target.Append("Wants=").Append(names).Append('\n').Append("After=").Append(names).Append('\n');
        }
        File.WriteAllText(Path.Combine(UnitDirectory, "bench.target"), target.ToString());
        // Reload over our connection, not with systemctl (25 s timeout): a manager still catching up with the
        // previous 10,000 units takes longer.
        (await CallAsync(MessageWriter.CreateMethodCall(Destination, ManagerPath, ManagerInterface, "Reload").Finish())).Dispose();
        int loaded = (await ListUnitsAsync([], [$"bench-{kind}@*.service"])).Count;
        if (loaded != size)
            throw new InvalidOperationException($"{Label}: {loaded} of {size} bench-{kind}@ instances loaded after daemon-reload");
    }

    /// <summary>Times `systemctl --user start bench.target` and checks that every service reached its state.</summary>
    public async Task<double> StartTargetAsync(string kind, int size)
    {
        double seconds = Systemctl("start", "bench.target");
        if (kind == "simple")
        {
            int active = (await ListUnitsAsync(["active"], ["bench-simple@*.service"])).Count(u => u.SubState == "running");
            if (active != size)
                throw new InvalidOperationException($"{Label}: {active} of {size} sleeping services running after the start");
        }
        else
        {
            int failed = (await ListUnitsAsync(["failed"], ["bench-oneshot@*.service"])).Count;
            int live = (await ListUnitsAsync(s_liveStates, ["bench-oneshot@*.service"])).Count;
            if (failed != 0 || live != 0)
                throw new InvalidOperationException($"{Label}: {failed} failed and {live} not yet finished oneshot services after the start");
        }
        return seconds;
    }

    /// <summary>Stops bench.target (and with PartOf= every sleeping service) and waits until none is left running.</summary>
    public async Task StopTargetAsync(string kind)
    {
        Systemctl("stop", "bench.target");
        var watch = Stopwatch.StartNew();
        while ((await ListUnitsAsync(s_liveStates, [$"bench-{kind}@*.service"])).Count is int left and > 0)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
                throw new TimeoutException($"{Label}: {left} bench-{kind}@ services still live 5 minutes after stop");
            await Task.Delay(200);
        }
    }

    public async Task StartRestartServiceAsync()
    {
        Systemctl("start", RestartService);
        Message reply = await CallAsync(Call("GetUnit", "s", RestartService));
        _restartPath = reply.GetBodyReader().ReadObjectPath();
        reply.Dispose();
        _restartSubscription = await Bus.AddMatchAsync(new MatchRule
        {
            Interface = "org.freedesktop.DBus.Properties",
            Member = "PropertiesChanged",
            Path = _restartPath,
        }, OnRestartPropertiesChanged);
        _mainPid = await MainPidAsync();
    }

    /// <summary>SIGKILLs the restart service's main process; milliseconds until PropertiesChanged reports a new MainPID.</summary>
    public async Task<double> KillAndAwaitNewMainPidAsync()
    {
        uint old = _mainPid;
        if (old == 0)
            throw new InvalidOperationException($"{Label}: {RestartService} has no main PID");
        var waiter = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _newMainPid, waiter);
        long start = Stopwatch.GetTimestamp();
        if (Native.kill((int)old, 9) != 0)
            throw new InvalidOperationException($"{Label}: kill {old}: errno {Marshal.GetLastPInvokeError()}");
        uint next = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30));
        double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _mainPid = next;
        return milliseconds;
    }

    private void OnRestartPropertiesChanged(Message signal)
    {
        Reader body = signal.GetBodyReader();
        if (body.ReadString() != ServiceInterface)
            return;
        ArrayEnd end = body.ReadArrayStart('{');
        while (body.HasNext(end))
        {
            body.ReadStructStart();
            string property = body.ReadString();
            if (property == "MainPID" && body.ReadVariantSignature() == "u")
            {
                uint pid = body.ReadUInt32();
                if (pid != 0 && pid != _mainPid)
                    Volatile.Read(ref _newMainPid)?.TrySetResult(pid);
                return;
            }
            if (property != "MainPID")
                body.SkipValue("v");
        }
    }

    private async Task<uint> MainPidAsync()
    {
        MessageWriter get = MessageWriter.CreateMethodCall(Destination, _restartPath, "org.freedesktop.DBus.Properties", "Get", "ss");
        get.WriteString(ServiceInterface);
        get.WriteString("MainPID");
        using Message reply = await CallAsync(get.Finish());
        Reader body = reply.GetBodyReader();
        body.ReadVariantSignature();
        return body.ReadUInt32();
    }

    private async Task<List<(string Name, string ActiveState, string SubState)>> ListUnitsAsync(string[] states, string[] patterns)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(Destination, ManagerPath, ManagerInterface, "ListUnitsByPatterns", "asas");
        foreach (string[] list in new[] { states, patterns })
        {
            ArrayStart array = call.WriteArrayStart('s');
            foreach (string item in list)
                call.WriteString(item);
            call.WriteArrayEnd(array);
        }
        using Message reply = await CallAsync(call.Finish());
        var units = new List<(string, string, string)>();
        Reader body = reply.GetBodyReader();
        ArrayEnd end = body.ReadArrayStart('(');
        while (body.HasNext(end))
        {
            body.ReadStructStart();
            string name = body.ReadString();
            body.ReadString();
            body.ReadString();
            string active = body.ReadString();
            string sub = body.ReadString();
            body.ReadString();
            body.ReadObjectPath();
            body.ReadUInt32();
            body.ReadString();
            body.ReadObjectPath();
            units.Add((name, active, sub));
        }
        return units;
    }

    private async Task<Message> CallAsync(MessageBuffer call)
    {
        try
        {
            return await Bus.CallAsync(call, TimeSpan.FromMinutes(10));
        }
        catch (DBusException e)
        {
            throw new InvalidOperationException($"{Label}: {e.Message}", e);
        }
    }

    private static MessageBuffer Call(string member, string signature, string argument)
    {
        MessageWriter call = MessageWriter.CreateMethodCall(Destination, ManagerPath, ManagerInterface, member, signature);
        call.WriteString(argument);
        return call.Finish();
    }

    /// <summary>Runs the real systemctl inside the instance's mount namespace (as run-systemd.sh ctl does, without its
    /// own start-up cost in the timing); returns the seconds it took.</summary>
    private double Systemctl(params string[] arguments)
    {
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-t", _managerPid.ToString(CultureInfo.InvariantCulture), "-m", "-C", "--", "systemctl", "--user" }.Concat(arguments))
            info.ArgumentList.Add(argument);
        info.Environment["XDG_RUNTIME_DIR"] = Path.Combine(InstanceDirectory, "xdg");
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(InstanceDirectory, "config");
        info.Environment["SYSTEMD_PAGER"] = "";
        info.Environment["SYSTEMD_COLORS"] = "0";
        long start = Stopwatch.GetTimestamp();
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Label}: systemctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
        return seconds;
    }

    private static string Run(string file, string[] arguments, string? binary)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["SDREF_ROOT"] = s_root;
        if (binary is not null)
            info.Environment["SYSTEMD"] = binary;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}{error.Result}");
        return output;
    }

    public void Dispose()
    {
        _restartSubscription?.Dispose();
        _bus?.Dispose();
        Run(Script, ["stop", _name], _binary);
    }
}

internal static partial class Native
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
