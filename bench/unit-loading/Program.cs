using System.Diagnostics;
using System.Globalization;
using System.Text;
using Units.UnitFiles;
using Units.UnitFiles.Loading;
using Units.UnitFiles.Settings;

// Usage:
//   Units.UnitFiles.Bench [--runs N] [--units N] [--tree DIR] [--no-systemd]
//       generates the tree, measures our cold load (each run a fresh process) and, unless --no-systemd,
//       real systemd 252 loading the same tree (run-systemd.sh), and prints the ratios.
//   Units.UnitFiles.Bench --load-once DIR
//       one cold load in this process; prints "<ms> <peak RSS KiB> <units> <not loaded>".
//   Units.UnitFiles.Bench --load-repeat DIR N [binder]
//       N loads in one process (the first cold, then warm); prints each time (for profiling).
return args.Length >= 2 && args[0] == "--load-once" ? Bench.LoadOnce(args[1])
    : args.Length >= 3 && args[0] == "--load-repeat" ? Bench.LoadRepeat(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args.Length < 4 || args[3] != "nobinder")
    : Bench.Run(args);

internal static class Bench
{
    private const string Instance = "unitbench";
    private const string RunSystemd = "/work/shared/reference-systemd/run-systemd.sh";

    public static int Run(string[] args)
    {
        int runs = IntOption(args, "--runs", 7);
        int units = IntOption(args, "--units", 10_000);
        string tree = StringOption(args, "--tree") ?? Path.Combine(Path.GetTempPath(), "unit-loading-bench");
        bool withSystemd = !args.Contains("--no-systemd");

        IReadOnlyList<string> names = TreeGenerator.Generate(tree, units);
        Console.WriteLine($"tree: {tree} ({names.Count} units, {Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).Count()} files)");

        var ours = new List<(double Ms, long RssKiB, double CpuMs, long RetainedKiB)>();
        for (int i = 0; i < runs; i++)
            ours.Add(RunOnceInChild(tree));
        double ourMedian = Median(ours.Select(o => o.Ms));
        double ourCpu = Median(ours.Select(o => o.CpuMs));
        long ourRss = ours.Max(o => o.RssKiB);
        Console.WriteLine($"Units   cold load (fresh process each run): median {ourMedian:F0} ms wall, {ourCpu:F0} ms CPU over {runs} runs; peak RSS {ourRss / 1024.0:F1} MiB (highest run), "
            + $"{ours.Min(o => o.RssKiB) / 1024.0:F1} MiB (lowest); live managed heap after the load {ours[0].RetainedKiB / 1024.0:F1} MiB");

        if (!withSystemd)
            return 0;
        if (!File.Exists(RunSystemd))
        {
            Console.Error.WriteLine($"{RunSystemd} is missing: cannot measure systemd 252");
            return 1;
        }
        var sd = SystemdMeasure(tree, runs);
        Console.WriteLine($"systemd cold load (start of a target ordered before all {names.Count} units): {sd.Cold:F0} ms wall, {sd.ColdCpu:F0} ms manager CPU; manager peak RSS {sd.ColdPeakRss / 1024.0:F1} MiB (before loading {sd.BaseRss / 1024.0:F1} MiB)");
        Console.WriteLine($"systemd daemon-reload with them loaded: median {sd.Reload:F0} ms wall, {sd.ReloadCpu:F0} ms manager CPU over {sd.Reloads} runs; manager peak RSS {sd.PeakRss / 1024.0:F1} MiB");
        Console.WriteLine($"ratio wall time Units/systemd: {ourMedian / sd.Cold:F2} (vs cold load), {ourMedian / sd.Reload:F2} (vs daemon-reload)   (<1 means Units is faster)");
        Console.WriteLine($"ratio CPU time  Units/systemd: {ourCpu / sd.ColdCpu:F2} (vs cold load), {ourCpu / sd.ReloadCpu:F2} (vs daemon-reload)   (CPU is the fairer measure on a busy machine)");
        Console.WriteLine($"ratio peak RSS  Units/systemd: {(double)ourRss / sd.ColdPeakRss:F2} (vs its cold load), {(double)ourRss / sd.PeakRss:F2} (vs its peak over the reloads too)   (VmHWM of the loading process vs the manager's)");
        return 0;
    }

    public static int LoadRepeat(string tree, int times, bool bind)
    {
        for (int i = 0; i < times; i++)
        {
            var clock = Stopwatch.StartNew();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
            (int loaded, int failed, _) = LoadTree(tree, bind);
            double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i}: {clock.Elapsed.TotalMilliseconds:F1} ms wall, {cpuMs:F0} ms CPU, {loaded} loaded, {failed} not, {GC.GetTotalAllocatedBytes() >> 20} MiB allocated so far"));
        }
        return 0;
    }

    /// <summary>One cold load: a fresh loader over the tree, every unit loaded with typed settings.</summary>
    public static int LoadOnce(string tree)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        (int loaded, int failed, List<LoadedUnit> units) = LoadTree(tree, bind: true);
        clock.Stop();
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        long peak = PeakRssKiB(Environment.ProcessId);
        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        // After the peak is read: what the loaded units keep, apart from garbage not collected yet.
        long retained = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(units);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{clock.Elapsed.TotalMilliseconds:F1} {peak} {loaded} {failed} {cpuMs:F1} {retained >> 10} {GC.GetTotalAllocatedBytes() >> 10} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {gc.HeapSizeBytes >> 10} {gc.TotalCommittedBytes >> 10}"));
        return failed == 0 ? 0 : 1;
    }

    private static (int Loaded, int Failed, List<LoadedUnit> Units) LoadTree(string tree, bool bind)
    {
        var loader = new UnitLoader(new UnitLoaderOptions { Scope = UnitScope.User, SearchPath = [Path.Combine(tree, "units")], Binder = bind ? SettingsBinder.Instance : null });
        int loaded = 0, failed = 0;
        // Kept, as a manager keeps its units: the peak RSS then includes what 10,000 loaded units cost.
        var units = new List<LoadedUnit>();
        foreach (string name in File.ReadLines(Path.Combine(tree, "names")))
        {
            LoadedUnit u = loader.Load(name);
            units.Add(u);
            if (u.LoadState == LoadState.Loaded)
                loaded++;
            else
                failed++;
        }
        return (loaded, failed, units);
    }

    private static (double Ms, long RssKiB, double CpuMs, long RetainedKiB) RunOnceInChild(string tree)
    {
        string self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Units.UnitFiles.Bench.dll"));
        psi.ArgumentList.Add("--load-once");
        psi.ArgumentList.Add(tree);
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string[] f = output.Trim().Split(' ');
        if (p.ExitCode != 0 || f.Length < 6)
            throw new InvalidOperationException($"load run failed ({p.ExitCode}): {output}");
        return (double.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture),
            long.Parse(f[5], CultureInfo.InvariantCulture));
    }

    private static (double Cold, double ColdCpu, long ColdPeakRss, double Reload, double ReloadCpu, int Reloads, long PeakRss, long BaseRss) SystemdMeasure(string tree, int runs)
    {
        Sh(RunSystemd, "stop", Instance);
        Sh(RunSystemd, "start", Instance);
        try
        {
            string dir = Sh(RunSystemd, "dir", Instance).Trim();
            Sh("/bin/cp", "-a", Path.Combine(tree, "units") + "/.", dir);
            Sh(RunSystemd, "ctl", Instance, "daemon-reload");
            long pid = long.Parse(Sh(RunSystemd, "pid", Instance).Trim(), CultureInfo.InvariantCulture);
            long baseRss = PeakRssKiB(pid);

            var clock = Stopwatch.StartNew();
            double cpu = CpuMs(pid);
            Sh(RunSystemd, "ctl", Instance, "start", "bench.target");
            double cold = clock.Elapsed.TotalMilliseconds;
            double coldCpu = CpuMs(pid) - cpu;
            long coldPeakRss = PeakRssKiB(pid);
            string loadedCount = Sh(RunSystemd, "ctl", Instance, "list-units", "--all", "--no-legend", "--plain", "svc-*", "tpl-*");
            Console.WriteLine($"systemd has {loadedCount.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length} bench units loaded");

            var reloads = new List<double>();
            var reloadCpu = new List<double>();
            for (int i = 0; i < runs; i++)
            {
                clock.Restart();
                cpu = CpuMs(pid);
                if (!TryReload())
                    continue;
                reloads.Add(clock.Elapsed.TotalMilliseconds);
                reloadCpu.Add(CpuMs(pid) - cpu);
            }
            if (reloads.Count == 0)
                reloads.Add(double.NaN);
            return (cold, coldCpu, coldPeakRss, Median(reloads), Median(reloadCpu.DefaultIfEmpty(double.NaN)), reloadCpu.Count, PeakRssKiB(pid), baseRss);
        }
        finally
        {
            Sh(RunSystemd, "stop", Instance);
        }
    }

    /// <summary>
    /// One daemon-reload. On a loaded machine systemctl can give up waiting (it allows the call 25 s) while the
    /// manager goes on reloading: that run is dropped, once the manager answers again.
    /// </summary>
    private static bool TryReload()
    {
        try
        {
            Sh(RunSystemd, "ctl", Instance, "daemon-reload");
            return true;
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"(a daemon-reload was not answered in time, not counted: {e.Message.Trim()})");
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    Sh(RunSystemd, "ctl", Instance, "show", "--property=Version");
                    return false;
                }
                catch (InvalidOperationException) when (attempt < 20)
                {
                }
            }
        }
    }

    /// <summary>utime + stime of a process from /proc/PID/stat (clock ticks of 10 ms).</summary>
    private static double CpuMs(long pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    private static long PeakRssKiB(long pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static string Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        // Reloading 10,000 units can exceed sd-bus's default 25 s method timeout on a busy machine.
        psi.Environment["SYSTEMD_BUS_TIMEOUT"] = "900";
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && args.Length > 0 && args[0] != "stop")
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err.Result}{output}");
        return output;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        StringOption(args, name) is string s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    private static string? StringOption(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

/// <summary>
/// The benchmark tree: 80% plain services, each with its own drop-in, and templates with 20 instances each
/// (the rest), plus a prefix drop-in, a type-level drop-in, a drop-in per template, and "bench.target",
/// which is ordered before every unit: starting it loads them all without starting any.
/// </summary>
internal static class TreeGenerator
{
    private const int InstancesPerTemplate = 20;

    public static IReadOnlyList<string> Generate(string tree, int count)
    {
        string units = Path.Combine(tree, "units");
        if (Directory.Exists(tree))
            Directory.Delete(tree, recursive: true);
        Directory.CreateDirectory(units);

        int templates = count / 5 / InstancesPerTemplate;
        int services = count - templates * InstancesPerTemplate;
        var names = new List<string>(count);
        for (int i = 0; i < services; i++)
        {
            string name = $"svc-{i:D5}.service";
            names.Add(name);
            File.WriteAllText(Path.Combine(units, name), ServiceText(i));
            Directory.CreateDirectory(Path.Combine(units, name + ".d"));
            File.WriteAllText(Path.Combine(units, name + ".d", "10-override.conf"), $"[Service]\nEnvironment=INDEX={i}\nNice={i % 10}\n");
        }
        for (int t = 0; t < templates; t++)
        {
            string template = $"tpl-{t:D3}@.service";
            File.WriteAllText(Path.Combine(units, template), ServiceText(t).Replace("Bench service", "Bench instance %i of", StringComparison.Ordinal));
            Directory.CreateDirectory(Path.Combine(units, template + ".d"));
            File.WriteAllText(Path.Combine(units, template + ".d", "10-template.conf"), "[Service]\nEnvironment=INSTANCE=%i\n");
            for (int i = 0; i < InstancesPerTemplate; i++)
                names.Add($"tpl-{t:D3}@i{i}.service");
        }
        Directory.CreateDirectory(Path.Combine(units, "svc-.service.d"));
        File.WriteAllText(Path.Combine(units, "svc-.service.d", "20-prefix.conf"), "[Unit]\nDocumentation=https://example.org/svc\n");
        Directory.CreateDirectory(Path.Combine(units, "service.d"));
        File.WriteAllText(Path.Combine(units, "service.d", "50-common.conf"), "[Service]\nTimeoutStopSec=10\n");

        var target = new StringBuilder("[Unit]\nDescription=Orders itself before every bench unit, so starting it loads them all\n");
        for (int i = 0; i < names.Count; i += 100)
            target.Append("Before=").AppendJoin(' ', names.Skip(i).Take(100)).Append('\n');
        File.WriteAllText(Path.Combine(units, "bench.target"), target.ToString());
        File.WriteAllLines(Path.Combine(tree, "names"), [.. names, "bench.target"]);
        return names;
    }

    private static string ServiceText(int i) => $"""
        [Unit]
        Description=Bench service {i}
        Documentation=man:true(1)
        After=basic.target
        ConditionPathExists=!/nonexistent/{i}

        [Service]
        Type=simple
        ExecStart=/bin/sleep infinity
        ExecReload=/bin/kill -HUP $MAINPID
        Restart=on-failure
        RestartSec=5
        Environment=A=1 "B=two words"
        TimeoutStartSec=30s
        LimitNOFILE=4096

        [Install]
        WantedBy=default.target

        """;
}
