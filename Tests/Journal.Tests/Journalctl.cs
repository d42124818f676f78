using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Units.Journal.Tests;

/// <summary>Runs Debian's journalctl 252, the oracle these tests compare against.</summary>
internal static class Journalctl
{
    public const string Path = "/usr/bin/journalctl";

    public static void Require()
    {
        if (!File.Exists(Path))
            throw new InvalidOperationException("journalctl (Debian package 'systemd', 252) is required by these tests and is not installed");
    }

    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string Text => Encoding.UTF8.GetString(Stdout);
    }

    public static Result Run(params string[] args)
    {
        Require();
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SYSTEMD_PAGER"] = "cat";
        psi.Environment["SYSTEMD_COLORS"] = "0";
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        return new Result(p.ExitCode, ms.ToArray(), stderr.Result);
    }

    /// <summary>`journalctl --directory=DIR --verify`; returns its output on failure.</summary>
    public static void AssertVerifies(string directory)
    {
        var r = Run("--directory=" + directory, "--verify");
        Assert.True(r.ExitCode == 0, $"journalctl --verify failed ({r.ExitCode}):\n{r.Stderr}\n{r.Text}");
    }

    /// <summary>`-o json` of the directory, one parsed object per entry.</summary>
    public static List<JsonElement> Json(string directory, params string[] extra)
    {
        var r = Run(["--directory=" + directory, "-o", "json", "--all", "--no-pager", .. extra]);
        Assert.True(r.ExitCode == 0 || r.Stdout.Length == 0, $"journalctl failed ({r.ExitCode}): {r.Stderr}");
        var list = new List<JsonElement>();
        foreach (var line in r.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            list.Add(JsonDocument.Parse(line).RootElement.Clone());
        return list;
    }

    /// <summary>Parses `-o export` output: entries of fields, binary fields decoded from their
    /// 64-bit length form.</summary>
    public static List<List<(string Name, byte[] Value)>> Export(string directory, params string[] extra)
    {
        var r = Run(["--directory=" + directory, "-o", "export", "--no-pager", .. extra]);
        Assert.True(r.ExitCode == 0 || r.Stdout.Length == 0, $"journalctl failed ({r.ExitCode}): {r.Stderr}");
        var entries = new List<List<(string, byte[])>>();
        var current = new List<(string, byte[])>();
        var data = r.Stdout.AsSpan();
        while (data.Length > 0)
        {
            int nl = data.IndexOf((byte)'\n');
            var line = data[..nl];
            if (line.Length == 0)
            {
                entries.Add(current);
                current = [];
                data = data[1..];
                continue;
            }
            int eq = line.IndexOf((byte)'=');
            if (eq >= 0)
            {
                current.Add((Encoding.ASCII.GetString(line[..eq]), line[(eq + 1)..].ToArray()));
                data = data[(nl + 1)..];
            }
            else
            {
                string name = Encoding.ASCII.GetString(line);
                var rest = data[(nl + 1)..];
                long length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(rest);
                current.Add((name, rest.Slice(8, (int)length).ToArray()));
                data = rest[(8 + (int)length + 1)..];
            }
        }
        if (current.Count > 0) entries.Add(current);
        return entries;
    }
}
