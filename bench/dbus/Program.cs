using System.Diagnostics;
using System.Globalization;
using Units.DBus;
using Units.DBus.Bench;
using Units.DBus.Tests;

// bench/dbus
//   dotnet run -c Release --project bench/dbus              round trips and GetAll beside systemd 252 (sd-bus)
//   dotnet run -c Release --project bench/dbus -- fuzz [N]  N (default 1,000,000) fuzzed messages and auth exchanges
return args.Length > 0 && args[0] == "fuzz"
    ? await FuzzRun.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000)
    : await Benchmark.RunAsync();

internal static class Benchmark
{
    private const string RunSystemd = "/work/shared/reference-systemd/run-systemd.sh";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string UnitPath = "/org/freedesktop/systemd1/unit/bench_2eservice";

    public static async Task<int> RunAsync()
    {
        string work = Path.Combine(Path.GetTempPath(), "dbus-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        string helper = Path.Combine(work, "sdbus-bench");
        Run("gcc", "-O2", "-o", helper, Path.Combine(SourceDirectory(), "sdbus-bench.c"), "-lsystemd");

        var objects = new ObjectTree();
        objects.Add(new DBusObject(ManagerPath, new BenchManager()));
        objects.Add(new DBusObject(UnitPath, new BenchProperties()));
        using DBusServer server = DBusServer.Listen("unix:path=" + Path.Combine(work, "private"),
            new DBusServerOptions { Objects = objects, Sender = "org.freedesktop.systemd1" });
        string ours = server.Address;

        string instance = "dbusbench" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Run(RunSystemd, "start", instance);
        try
        {
            string unitDir = Run(RunSystemd, "dir", instance).Trim();
            File.WriteAllText(Path.Combine(unitDir, "bench.service"), "[Service]\nExecStart=/bin/sleep infinity\n");
            Run(RunSystemd, "ctl", instance, "daemon-reload");
            string root = Environment.GetEnvironmentVariable("SDREF_ROOT") ?? Path.Combine(Environment.GetEnvironmentVariable("TMPDIR") ?? "/tmp", "sdref/inst");
            string systemd = "unix:path=" + DBusAddress.Escape(Path.Combine(root, instance, "xdg/systemd/private"));

            Console.WriteLine($"bench/dbus: our server vs systemd {Run("/lib/systemd/systemd", "--version").Split('\n')[0]}, clients: sd-bus (libsystemd) and ours");
            Console.WriteLine($"{"measure",-58} {"ours",12} {"systemd 252",12} {"ratio",7}");
            Compare("sd-bus client: Properties.Get round trips/s",
                () => Helper(helper, "get", ours, "20000", ManagerPath, "org.freedesktop.systemd1.Manager", "Version"),
                () => Helper(helper, "get", systemd, "20000", ManagerPath, "org.freedesktop.systemd1.Manager", "Version"));
            Compare("sd-bus client: GetAll (400 properties) round trips/s",
                () => Helper(helper, "getall", ours, "2000", UnitPath),
                () => Helper(helper, "getall", systemd, "2000", UnitPath));
            Compare("our client: Properties.Get round trips/s",
                () => OurClientGets(ours, 20000),
                () => OurClientGets(systemd, 20000));
            Compare("GetAll reply of 400 properties: encode+decode/s in process (vs sd-bus)",
                () => OurEncodeDecode(20000),
                () => Helper(helper, "encode", systemd, "20000"));
        }
        finally
        {
            Run(RunSystemd, "stop", instance);
            Directory.Delete(work, recursive: true);
        }
        return 0;
    }

    // Best of three, interleaved so both sides see the same machine load.
    private static void Compare(string what, Func<double> ours, Func<double> theirs)
    {
        double best = 0, bestTheirs = 0;
        for (int round = 0; round < 3; round++)
        {
            best = Math.Max(best, ours());
            bestTheirs = Math.Max(bestTheirs, theirs());
        }
        Console.WriteLine($"{what,-58} {best,12:N0} {bestTheirs,12:N0} {best / bestTheirs,7:F2}");
    }

    private static double Helper(string helper, params string[] arguments)
        => double.Parse(Run(helper, arguments).Trim(), CultureInfo.InvariantCulture);

    private static double OurClientGets(string address, int count)
    {
        using DBusConnection connection = DBusConnection.ConnectAsync(address).GetAwaiter().GetResult();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            MessageWriter call = MessageWriter.CreateMethodCall("org.freedesktop.systemd1", ManagerPath, StandardInterfaces.Properties, "Get", "ss");
            call.WriteString("org.freedesktop.systemd1.Manager".AsSpan());
            call.WriteString("Version".AsSpan());
            using Message reply = connection.CallAsync(call.Finish()).GetAwaiter().GetResult();
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    private static double OurEncodeDecode(int count)
    {
        var properties = new BenchProperties();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            MessageWriter writer = MessageWriter.CreateMethodReturn(1, null, "a{sv}", "org.freedesktop.systemd1", 32 * 1024);
            ArrayStart entries = writer.WriteArrayStart('{');
            properties.WriteAllProperties(ref writer);
            writer.WriteArrayEnd(entries);
            MessageBuffer buffer = writer.Finish();
            byte[] data = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
            buffer.Span.CopyTo(data);
            using Message message = Message.Parse(data, buffer.Length, null);
            buffer.Release();
            Reader reader = message.GetBodyReader();
            ArrayEnd end = reader.ReadArrayStart('{');
            int read = 0;
            while (reader.HasNext(end))
            {
                reader.ReadStructStart();
                reader.ReadStringUtf8();
                reader.SkipValue(reader.ReadVariantSignature());
                read++;
            }
            if (read != BenchProperties.Count)
                throw new InvalidOperationException("decode lost properties");
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    internal static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
        return output;
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
