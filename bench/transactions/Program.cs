using System.Diagnostics;
using System.Globalization;
using System.Text;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;
using Units.Core.Testing;

// bench/transactions
//   dotnet run -c Release --project bench/transactions            ours beside systemd 252 (run-systemd.sh)
//   dotnet run -c Release --project bench/transactions -- --ours   ours only
// A target wants 10,000 services laid out in 100 layers of 100; each service of a layer requires and is ordered
// after two services of the layer below (wide and deep). Measured: computing and installing the transaction that
// starts the target, and the RSS with the 10,000 units loaded. Services have no processes (ours: fake services;
// systemd: oneshot services whose condition fails, so nothing is spawned).
return Bench.Run(args);

internal static class Bench
{
    private const int Layers = 100;
    private const int Width = 100;
    private const int Count = Layers * Width;
    private const double SystemdIssueRssMb = 68.8;
    private const string RunSystemd = "/work/shared/reference-systemd/run-systemd.sh";

    private static string Name(int layer, int index) => $"l{layer}-u{index}.service";

    private static IEnumerable<string> Below(int layer, int index)
    {
        if (layer == 0)
            yield break;
        yield return Name(layer - 1, index);
        yield return Name(layer - 1, (index * 7 + 3) % Width);
    }

    public static int Run(string[] args)
    {
        if (args.Contains("--rss"))
            return PrintRss();
        var ours = MeasureOurs();
        var (rssMb, heapMb, baselineMb) = MeasureRssInChild();
        Console.WriteLine($"bench/transactions: {Count} services in {Layers} layers of {Width}, each requiring and ordered after 2 below; big.target wants and is after all");
        Console.WriteLine($"{"measure",-62} {"ours",12} {"systemd 252",12} {"ratio",7}");
        (double TransactionMs, double TrivialMs, double TransactionCpuMs, double RssMb)? systemd = null;
        if (!args.Contains("--ours"))
        {
            try
            {
                systemd = MeasureSystemd();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                Console.WriteLine($"(systemd 252 not measured: {ex.Message})");
            }
        }
        Console.WriteLine($"(load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} CPUs: wall times are inflated; CPU times are the fair measure)");
        Row("transaction: compute + install 10,001 jobs, CPU (ms)", ours.TransactionCpuMs, systemd?.TransactionCpuMs, "lower is better");
        Row("transaction: compute + install 10,001 jobs, wall (ms)", ours.TransactionMs, systemd?.TransactionMs - systemd?.TrivialMs, "systemd: less a trivial start");
        Row("  systemd: systemctl start --no-block big.target wall (ms)", null, systemd?.TransactionMs, "");
        Row("  systemd: same for a target with no dependencies (ms)", null, systemd?.TrivialMs, "");
        Row("run all 10,001 jobs to completion (ms)", ours.RunMs, null, "");
        // Under `dotnet` this runs JIT-compiled; the published binary (dotnet publish -r linux-x64) is Native AOT like unitsd.
        string runtime = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? "JIT" : "Native AOT";
        Row($"RSS with 10,000 units loaded, fresh process, {runtime} (MB)", rssMb, systemd?.RssMb, "lower is better");
        Row("  of which the same process before loading anything (MB)", baselineMb, null, "");
        Row("  managed heap with 10,000 units loaded (MB)", heapMb, null, "");
        Row("RSS, systemd 252 as measured for the issue (MB)", rssMb, SystemdIssueRssMb, "");
        Console.WriteLine();
        Console.WriteLine($"targets: transaction < 100 ms: CPU {(ours.TransactionCpuMs < 100 ? "met" : "MISSED")}, wall {(ours.TransactionMs < 100 ? "met" : "MISSED")}; RSS below systemd's: {(rssMb < (systemd?.RssMb ?? SystemdIssueRssMb) ? "met" : "MISSED")}");
        return 0;
    }

    private static void Row(string label, double? ours, double? systemd, string note)
    {
        static string F(double? v) => v is double d ? d.ToString("0.0", CultureInfo.InvariantCulture) : "-";
        string ratio = ours is double o && systemd is double s && s > 0 ? (o / s).ToString("0.00", CultureInfo.InvariantCulture) : "";
        Console.WriteLine($"{label,-62} {F(ours),12} {F(systemd),12} {ratio,7} {note}");
    }

    private sealed class Loader : IUnitLoader
    {
        private readonly Dictionary<string, UnitDefinition> _units = [];
        private static readonly FakeServiceSettings Instant = new();

        public Loader()
        {
            var all = new List<DeclaredDependency>(Count * 2);
            for (int layer = 0; layer < Layers; layer++)
                for (int i = 0; i < Width; i++)
                {
                    var deps = new List<DeclaredDependency>();
                    foreach (var below in Below(layer, i))
                    {
                        deps.Add(new(UnitDependency.Requires, below));
                        deps.Add(new(UnitDependency.After, below));
                    }
                    string name = Name(layer, i);
                    _units[name] = new UnitDefinition { Name = name, DefaultDependencies = false, Dependencies = deps, TypeSettings = Instant };
                    all.Add(new(UnitDependency.Wants, name));
                    all.Add(new(UnitDependency.After, name));
                }
            _units["big.target"] = new UnitDefinition { Name = "big.target", DefaultDependencies = false, Dependencies = all };
        }

        public UnitDefinition? Load(string name) => _units.GetValueOrDefault(name);
    }

    private const int Rounds = 5;

    /// <summary>Runs this program again with --rss: a process that only loads and starts the 10,000 units once.</summary>
    private static (double RssMb, double HeapMb, double BaselineMb) MeasureRssInChild()
    {
        string self = Environment.ProcessPath!;
        var childArgs = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            childArgs.Add(Environment.GetCommandLineArgs()[0]);
        childArgs.Add("--rss");
        var parts = Sh(self, [.. childArgs]).Trim().Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture),
            double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static int PrintRss()
    {
        double baseline = ReadRssKb(Environment.ProcessId) / 1024.0;
        var manager = Once(out _, out _, out _);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        double heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
        double rss = ReadRssKb(Environment.ProcessId) / 1024.0;
        GC.KeepAlive(manager);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rss:0.0} {heap:0.0} {baseline:0.0}"));
        return 0;
    }

    private static (double TransactionMs, double TransactionCpuMs, double RunMs, double RssMb, double HeapMb) MeasureOurs()
    {
        // A warm-up on a separate manager, so JIT compilation is not measured; then the best of several rounds,
        // since the machine is shared (CPU time on the loop thread is reported beside wall time).
        Once(out _, out _, out _);
        var wall = new List<double>();
        var cpu = new List<double>();
        var run = new List<double>();
        UnitManager manager = null!;
        for (int i = 0; i < Rounds; i++)
        {
            manager = null!;
            GC.Collect();
            manager = Once(out double w, out double c, out double r);
            wall.Add(w);
            cpu.Add(c);
            run.Add(r);
        }
        double transactionMs = wall.Min(), transactionCpuMs = cpu.Min(), runMs = run.Min();
        if (manager.UnitCount < Count)
            throw new InvalidOperationException($"only {manager.UnitCount} units loaded");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        double heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
        double rss = ReadRssKb(Environment.ProcessId) / 1024.0;
        GC.KeepAlive(manager);
        return (transactionMs, transactionCpuMs, runMs, rss, heap);
    }

    /// <summary>Nanoseconds the calling thread has run on a CPU (/proc/thread-self/schedstat).</summary>
    private static long ThreadCpuNs() => long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);

    private static long ProcessCpuNs(int pid) => long.Parse(File.ReadAllText($"/proc/{pid}/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);

    private static UnitManager Once(out double transactionMs, out double transactionCpuMs, out double runMs)
    {
        var kinds = UnitKinds.WithCoreKinds();
        kinds.Register(UnitType.Service, static () => new FakeServiceKind());
        var manager = new UnitManager(new ManagerOptions { Loader = new Loader(), Kinds = kinds, Log = new NullLog() });
        var target = manager.LoadUnit("big.target");
        double measured = 0, measuredCpu = 0;
        // Inside one event the loop runs nothing until the event ends: the stopwatch sees only the transaction.
        manager.Post(() =>
        {
            long cpu = ThreadCpuNs();
            var sw = Stopwatch.StartNew();
            var job = manager.AddJob(JobType.Start, target, JobMode.Replace);
            measured = sw.Elapsed.TotalMilliseconds;
            measuredCpu = (ThreadCpuNs() - cpu) / 1e6;
            if (manager.Jobs.Count != Count + 1)
                throw new InvalidOperationException($"{manager.Jobs.Count} jobs installed, expected {Count + 1} (anchor {job})");
        });
        var run = Stopwatch.StartNew();
        manager.RunPending();
        runMs = run.Elapsed.TotalMilliseconds - measured;
        transactionMs = measured;
        transactionCpuMs = measuredCpu;
        if (manager.Jobs.Count != 0 || target.ActiveState != ActiveState.Active)
            throw new InvalidOperationException("the jobs did not complete");
        return manager;
    }

    private sealed class NullLog : ICoreLog
    {
        public void Write(LogPriority priority, string? unit, string message)
        {
        }
    }

    private static long ReadRssKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        throw new InvalidOperationException("no VmRSS");
    }

    private static (double TransactionMs, double TrivialMs, double TransactionCpuMs, double RssMb) MeasureSystemd()
    {
        if (!File.Exists(RunSystemd))
            throw new InvalidOperationException($"{RunSystemd} is missing");
        string instance = "txbench" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Sh(RunSystemd, "start", instance);
        try
        {
            string dir = Sh(RunSystemd, "dir", instance).Trim();
            var big = new StringBuilder("[Unit]\nDescription=Big\n");
            for (int layer = 0; layer < Layers; layer++)
                for (int i = 0; i < Width; i++)
                {
                    var unit = new StringBuilder("[Unit]\nDefaultDependencies=no\nConditionPathExists=/nonexistent\n");
                    // Every job waits behind the gate while the manager's CPU time is read, so that time is the
                    // transaction's alone (ours is measured inside one loop event, before any job runs).
                    if (layer == 0)
                        unit.Append("After=gate.service\n");
                    foreach (var below in Below(layer, i))
                        unit.Append("Requires=").Append(below).Append("\nAfter=").Append(below).Append('\n');
                    unit.Append("[Service]\nType=oneshot\nExecStart=/bin/true\n");
                    File.WriteAllText(Path.Combine(dir, Name(layer, i)), unit.ToString());
                    big.Append("Wants=").Append(Name(layer, i)).Append("\nAfter=").Append(Name(layer, i)).Append('\n');
                }
            big.Append("Wants=gate.service\n");
            File.WriteAllText(Path.Combine(dir, "big.target"), big.ToString());
            File.WriteAllText(Path.Combine(dir, "gate.service"), "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/sleep 3\n");
            File.WriteAllText(Path.Combine(dir, "small.target"), "[Unit]\nDescription=Small\n");
            Sh(RunSystemd, "ctl", instance, "daemon-reload");
            // Load everything first (as ours: loading is not part of the transaction).
            Sh(RunSystemd, "ctl", instance, "show", "-p", "Id", "big.target");
            int pid = int.Parse(Sh(RunSystemd, "pid", instance).Trim(), CultureInfo.InvariantCulture);
            long before = ProcessCpuNs(pid);
            double trivial = Timed(() => Sh(RunSystemd, "ctl", instance, "start", "--no-block", "small.target"));
            long middle = ProcessCpuNs(pid);
            double transaction = Timed(() => Sh(RunSystemd, "ctl", instance, "start", "--no-block", "big.target"));
            long after = ProcessCpuNs(pid);
            // The manager's CPU time for the big request, less what a request with no dependencies costs it.
            double transactionCpu = ((after - middle) - (middle - before)) / 1e6;
            for (int i = 0; i < 600 && Sh(RunSystemd, "ctl", instance, "list-jobs", "--no-legend").Trim().Length > 0; i++)
                Thread.Sleep(100);
            double rss = ReadRssKb(pid) / 1024.0;
            string loaded = Sh(RunSystemd, "ctl", instance, "list-units", "--all", "--no-legend", "--plain");
            int loadedCount = loaded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            if (loadedCount < Count)
                throw new InvalidOperationException($"systemd has only {loadedCount} units loaded");
            return (transaction, trivial, transactionCpu, rss);
        }
        finally
        {
            Sh(RunSystemd, "stop", instance);
        }
    }

    private static double Timed(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static string Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot run {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Trim()}");
        return stdout.Result;
    }
}
