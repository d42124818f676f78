using System.Diagnostics;

namespace Units.Journal.Tests;

/// <summary>Runs Debian's systemd-journald 252 in a private mount namespace (its own /run, its
/// storage bound from a test directory) and a shell command beside it, then stops it. Needs root
/// and unshare(1); <see cref="Available"/> says whether this machine can.</summary>
internal static class RealJournald
{
    public const string Binary = "/lib/systemd/systemd-journald";

    public static string? Unavailable()
    {
        if (!File.Exists(Binary)) return $"{Binary} is not installed (Debian package 'systemd')";
        if (Environment.UserName != "root") return "running systemd-journald in a namespace needs root";
        if (!File.Exists("/usr/bin/unshare")) return "unshare (util-linux) is not installed";
        return null;
    }

    /// <summary>Starts journald with storage in <paramref name="storage"/> (files land in
    /// STORAGE/MACHINE-ID), runs <paramref name="command"/> (bash) once its sockets exist, stops
    /// journald. Extra environment (e.g. SYSTEMD_JOURNAL_KEYED_HASH=0) goes to journald.</summary>
    public static string Run(string storage, string command, string journaldEnvironment = "")
    {
        string script = $$"""
            set -e
            mount -t tmpfs tmpfs /run
            mkdir -p /run/systemd/journal /run/log/journal
            mount --bind '{{storage}}' /run/log/journal
            printf '[Journal]\nStorage=volatile\nReadKMsg=no\nRateLimitBurst=0\nForwardToSyslog=no\nForwardToWall=no\n' > /run/journald.conf
            mount --bind /run/journald.conf /etc/systemd/journald.conf
            env {{journaldEnvironment}} {{Binary}} &
            jpid=$!
            for i in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.05; done
            {{command}}
            kill $jpid; wait $jpid || true
            """;
        var psi = new ProcessStartInfo("/usr/bin/unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", "--propagation", "private", "/bin/bash", "-c", script }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"journald run failed ({p.ExitCode}): {err.Result}");
        return output;
    }
}
