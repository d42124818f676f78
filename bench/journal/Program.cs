using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Units.Journal;
using Units.Journal.Capture;
using Units.Journal.Format;
using Units.Journal.Writing;

// Journal ingestion benchmark: lines per second from one stdout stream and from 50 concurrent
// streams, and the server's CPU time per 100,000 lines, for unitsd's journal (Units.Journal) and
// for Debian's systemd-journald 252 fed the same streams in the same run. journald runs in a
// private mount namespace (its own /run, storage bound to a directory on the same disk as ours),
// so the host is untouched. Usage: dotnet Units.Journal.Bench.dll [LINES]
//
// Subcommands used internally: serve DIR SOCKET (our server as its own process),
// feed SOCKET STREAMS LINES (the client side), measure NAME PID JOURNALDIR SOCKET LINES.

var argv = args;
return argv.Length > 0 && argv[0] switch { "serve" or "feed" or "measure" => true, _ => false }
    ? argv[0] switch
    {
        "serve" => await Bench.Serve(argv[1], argv[2]),
        "feed" => await Bench.Feed(argv[1], int.Parse(argv[2], CultureInfo.InvariantCulture), int.Parse(argv[3], CultureInfo.InvariantCulture)),
        _ => Bench.Measure(argv[1], int.Parse(argv[2], CultureInfo.InvariantCulture), argv[3], argv[4], int.Parse(argv[5], CultureInfo.InvariantCulture)),
    }
    : Bench.Compare(argv.Length > 0 ? int.Parse(argv[0], CultureInfo.InvariantCulture) : 200_000);

internal static class Bench
{
    /// <summary>How to run this benchmark again with other arguments: through its apphost (what `dotnet run`
    /// starts), or as `dotnet Units.Journal.Bench.dll`.</summary>
    private static string[] Self(params string[] arguments) =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
            ? [Environment.ProcessPath!, typeof(Bench).Assembly.Location, .. arguments]
            : [Environment.ProcessPath!, .. arguments];

    public static int Compare(int lines)
    {
        Console.WriteLine($"Journal ingestion, {lines} lines per scenario, 2 scenarios (1 stream, 50 streams), after a warm-up; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.");
        var ours = RunOurs(lines);
        var journald = RunJournald(lines);
        Console.WriteLine();
        Console.WriteLine($"{"",-28}{"1 stream lines/s",18}{"50 streams lines/s",20}{"CPU ms/100k (1)",17}{"CPU ms/100k (50)",18}");
        Print("unitsd journal", ours);
        if (journald != null)
        {
            Print("systemd-journald 252", journald);
            Console.WriteLine($"{"ratio (ours / journald)",-28}{ours[0].Rate / journald[0].Rate,18:F2}{ours[1].Rate / journald[1].Rate,20:F2}{ours[0].CpuPer100k / journald[0].CpuPer100k,17:F2}{ours[1].CpuPer100k / journald[1].CpuPer100k,18:F2}");
            Console.WriteLine("(throughput ratio > 1 and CPU ratio < 1 meet the target)");
        }
        return 0;
    }

    private static void Print(string name, Result[] r) =>
        Console.WriteLine($"{name,-28}{r[0].Rate,18:F0}{r[1].Rate,20:F0}{r[0].CpuPer100k,17:F0}{r[1].CpuPer100k,18:F0}");

    private sealed record Result(double Rate, double CpuPer100k);

    private static Result[] RunOurs(int lines)
    {
        string dir = Path.Combine(Path.GetTempPath(), "units-journal-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            string socket = Path.Combine(dir, "stdout");
            string journal = Path.Combine(dir, "journal");
            using var server = Start(Self("serve", journal, socket));
            WaitFor(() => File.Exists(socket), "our stdout socket");
            var output = Run(Self("measure", "unitsd-journal", server.Id.ToString(CultureInfo.InvariantCulture), journal, socket, lines.ToString(CultureInfo.InvariantCulture)));
            server.Kill();
            return ParseResults(output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Result[]? RunJournald(int lines)
    {
        const string journald = "/lib/systemd/systemd-journald";
        if (!File.Exists(journald) || !File.Exists("/usr/bin/unshare"))
        {
            Console.WriteLine("systemd-journald 252 comparison skipped: systemd-journald or unshare is not installed.");
            return null;
        }
        string storage = Path.Combine(Path.GetTempPath(), "journald-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(storage);
        try
        {
            string script = $$"""
                set -e
                mount -t tmpfs tmpfs /run
                mkdir -p /run/systemd/journal /run/log/journal
                mount --bind '{{storage}}' /run/log/journal
                printf '[Journal]\nStorage=volatile\nReadKMsg=no\nRateLimitBurst=0\nForwardToSyslog=no\nForwardToWall=no\n' > /run/journald.conf
                mount --bind /run/journald.conf /etc/systemd/journald.conf
                {{journald}} &
                jpid=$!
                for i in $(seq 200); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.05; done
                dir=$(ls -d /run/log/journal/*/ | head -1)
                {{string.Join(' ', Self("measure", "systemd-journald").Select(word => $"'{word}'"))}} $jpid "$dir" /run/systemd/journal/stdout {{lines}}
                kill $jpid; wait $jpid || true
                """;
            var output = Run("/usr/bin/unshare", "-m", "--propagation", "private", "/bin/bash", "-c", script);
            return ParseResults(output);
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"systemd-journald 252 comparison skipped: it could not run here ({e.Message.Split('\n')[0]}).");
            return null;
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    private static Result[] ParseResults(string output)
    {
        Console.Write(output);
        return output.Split('\n').Where(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .Select(p => new Result(double.Parse(p[2], CultureInfo.InvariantCulture), double.Parse(p[3], CultureInfo.InvariantCulture)))
            .ToArray();
    }

    /// <summary>Runs in the server's namespace: warm-up, then 1 stream and 50 streams, each timed
    /// until the server's active file holds every line; CPU from /proc/PID/stat.</summary>
    public static int Measure(string name, int pid, string journalDir, string socket, int lines)
    {
        Console.WriteLine($"[{name}] pid {pid}, files in {journalDir}");
        ulong entries = 0;
        void Round(int streams, int count, bool report)
        {
            ulong target = entries + (ulong)count;
            double cpu0 = CpuSeconds(pid);
            var clock = Stopwatch.StartNew();
            Run(Self("feed", socket, streams.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture)));
            while ((entries = EntriesIn(journalDir)) < target)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"{name}: only {entries} of {target} entries after 5 minutes");
                Thread.Sleep(2);
            }
            double seconds = clock.Elapsed.TotalSeconds, cpu = CpuSeconds(pid) - cpu0;
            if (report)
                Console.WriteLine($"RESULT {streams} {count / seconds:F1} {cpu * 1000 / count * 100_000:F1}   ({count} lines in {seconds:F2}s, server CPU {cpu:F2}s)");
        }
        // Warm-up of both paths (our server is JIT-compiled in this benchmark; unitsd ships AOT).
        Round(1, Math.Min(lines, 50_000), report: false);
        Round(50, Math.Min(lines, 50_000), report: false);
        Round(1, lines, report: true);
        Round(50, lines, report: true);
        return 0;
    }

    /// <summary>Entries in the active journal file, from its header (both servers keep it current).</summary>
    private static ulong EntriesIn(string dir)
    {
        Span<byte> header = stackalloc byte[160];
        try
        {
            using var file = File.OpenRead(Path.Combine(dir, "system.journal"));
            if (file.Read(header) < header.Length) return 0;
            ulong total = BinaryPrimitives.ReadUInt64LittleEndian(header[152..]);
            // Archived files count too (rotation during a run).
            foreach (var archived in Directory.GetFiles(dir, "system@*.journal"))
            {
                using var a = File.OpenRead(archived);
                if (a.Read(header) == header.Length) total += BinaryPrimitives.ReadUInt64LittleEndian(header[152..]);
            }
            return total;
        }
        catch (IOException) { return 0; }
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 (1-based) of the whole line, 12 and 13 after "(comm) ".
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Our server in its own process, so its CPU is measured the way journald's is.</summary>
    public static async Task<int> Serve(string journalDir, string socket)
    {
        await using var service = JournalService.Start(new JournalServiceOptions
        {
            Store = new JournalStoreOptions
            {
                Directory = journalDir,
                MachineId = Id128.ReadFile("/etc/machine-id") ?? Id128.NewRandom(),
                BootId = Id128.ReadFile("/proc/sys/kernel/random/boot_id") ?? Id128.NewRandom(),
            },
            StdoutSocketPath = socket,
            ResolveContext = (p, u, g) => ClientContext.Read(p, u, g) with { RateLimitBurst = 0 },
        });
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>The client side: STREAMS concurrent stdout streams sharing LINES lines, written
    /// in 64 KiB blocks like a busy service's stdout.</summary>
    public static async Task<int> Feed(string socketPath, int streams, int lines)
    {
        var header = new StdoutStreamHeader { Identifier = "bench", UnitId = "bench.service" }.Encode();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async s =>
        {
            int count = lines / streams + (s < lines % streams ? 1 : 0);
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            await socket.SendAsync(header);
            var block = new MemoryStream(70_000);
            for (int i = 0; i < count; i++)
            {
                block.Write(Encoding.ASCII.GetBytes($"stream {s} line {i}: the quick brown fox jumps over the lazy dog\n"));
                if (block.Length > 64_000) { await socket.SendAsync(block.ToArray()); block.SetLength(0); }
            }
            if (block.Length > 0) await socket.SendAsync(block.ToArray());
            socket.Shutdown(SocketShutdown.Send);
        }));
        return 0;
    }

    /// <summary>Starts command[0] with the rest as its arguments.</summary>
    private static Process Start(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var a in command[1..]) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Runs command[0] with the rest as its arguments and returns its output; throws if it fails.</summary>
    private static string Run(params string[] command)
    {
        string file = command[0];
        string[] arguments = command[1..];
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments.Take(3))} failed ({p.ExitCode}): {err.Result}\n{output}");
        return output;
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }
}
