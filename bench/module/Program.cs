using System.Diagnostics;
using System.Globalization;
using System.Text;
using Units.Client;
using Units.Client.Connection;

// dotnet run -c Release --project bench/module [-- 1000 10000]
// Starts a real systemd 252 user manager (reference-systemd/run-systemd.sh), loads N template
// instances into it (wanted by a target that the active default.target wants: loaded and kept
// from garbage collection, never started), then times, for each N:
//   systemctl --user list-units --all -o json        (a new process each time, as a user runs it)
//   the client: ListUnitsByPatterns + N Unit objects  (one pooled connection, as Get-Unit runs)
// and prints the medians and their ratio. Target: the client is no slower.
const string Script = "/work/shared/reference-systemd/run-systemd.sh";
const int Rounds = 7;
var sizes = args.Length > 0 ? args.Select(arg => int.Parse(arg, CultureInfo.InvariantCulture)).ToArray() : [1000, 10000];
var root = Path.Combine(Path.GetTempPath(), "units-module-bench");
var name = "units-bench-" + Environment.ProcessId;

Run(Script, ["start", name], root);
try
{
    var unitDirectory = Run(Script, ["dir", name], root).Trim();
    var runtimeDirectory = Path.Combine(root, name, "xdg");
    File.WriteAllText(Path.Combine(unitDirectory, "b@.service"), "[Unit]\nDescription=Bench instance %i\n[Service]\nType=oneshot\nExecStart=/bin/true\n");
    var target = new ManagerTarget(ManagerScope.User, Address: ManagerEndpoints.UnixPath(Path.Combine(runtimeDirectory, "systemd", "private")));
    await using var session = new ManagerSession(new DBusManagerConnector());
    var client = await session.ClientAsync(target, CancellationToken.None);

    Console.WriteLine($"{"units",8} {"systemctl -o json",18} {"client objects",15} {"ratio",7}");
    var loaded = 0;
    foreach (var size in sizes.Order())
    {
        var wants = new StringBuilder("[Unit]\nDescription=Bench\n");
        for (var i = 0; i < size; i++)
        {
            wants.Append("Wants=b@").Append(i.ToString(CultureInfo.InvariantCulture)).Append(".service\n");
        }
        File.WriteAllText(Path.Combine(unitDirectory, $"bench{size}.target"), wants.ToString());
        var dropIns = Directory.CreateDirectory(Path.Combine(unitDirectory, "default.target.d"));
        File.WriteAllText(Path.Combine(dropIns.FullName, "bench.conf"), $"[Unit]\nWants=bench{size}.target\n");
        await client.ReloadAsync(CancellationToken.None);
        var units = await client.ListUnitsAsync([], CancellationToken.None);
        loaded = units.Count;

        var systemctl = Median(() => Run("systemctl", ["--user", "list-units", "--all", "-o", "json", "--no-pager"], root, runtimeDirectory));
        var objects = Median(() =>
        {
            var listed = client.ListUnitsAsync([], CancellationToken.None).GetAwaiter().GetResult();
            // Touch what the table view shows, so the objects are really built.
            var states = 0;
            foreach (var unit in listed)
            {
                states += (int)unit.ActiveState + (int)unit.LoadState + (int)unit.SubState + unit.Name.Length;
            }
            return states.ToString(CultureInfo.InvariantCulture);
        });
        Console.WriteLine($"{loaded,8} {systemctl.TotalMilliseconds,15:F1} ms {objects.TotalMilliseconds,12:F1} ms {objects / systemctl,7:F2}");
    }
}
finally
{
    Run(Script, ["stop", name], root);
}

static TimeSpan Median(Func<string> action)
{
    action();
    var times = new List<TimeSpan>();
    for (var i = 0; i < Rounds; i++)
    {
        var watch = Stopwatch.StartNew();
        action();
        times.Add(watch.Elapsed);
    }
    return times.Order().ElementAt(Rounds / 2);
}

static string Run(string file, string[] arguments, string root, string? runtimeDirectory = null)
{
    var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }
    info.Environment["SDREF_ROOT"] = root;
    if (runtimeDirectory is not null)
    {
        info.Environment["XDG_RUNTIME_DIR"] = runtimeDirectory;
        info.Environment["SYSTEMD_PAGER"] = "";
    }
    using var process = Process.Start(info)!;
    var error = process.StandardError.ReadToEndAsync();
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
    }
    return output;
}
