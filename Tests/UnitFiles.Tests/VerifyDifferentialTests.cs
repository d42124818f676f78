using Units.UnitFiles.Verification;

namespace Units.UnitFiles.Tests;

/// <summary>
/// Runs the real <c>systemd-analyze verify</c> (252) and our <see cref="VerifyCommand"/> on every corpus case
/// and requires the same diagnostics, line for line, and the same exit status.
///
/// How the reference runs: SYSTEMD_LOG_COLOR=0, --man=no --generators=no, the case copied to a fresh
/// directory, and SYSTEMD_UNIT_PATH set to "" (only the case's own directory is searched, no host units) or,
/// when the case has a "lower/" directory, to that directory (a lower-priority search directory).
///
/// What is normalised, and why: "X: Failed to create X/start: ..." lines are dropped from systemd's output.
/// They come from building a start transaction in a manager, not from reading unit files, and with a
/// private unit path every unit gets one (its default dependency sysinit.target is absent). When such a line
/// was dropped the exit status is not compared either (that line alone makes systemd exit 1).
/// Lines about the seed's older options (ValidNoProcess=, SysVStartPriority=) are dropped from systemd's
/// output too, because Units honours those options deliberately.
/// </summary>
public sealed class VerifyDifferentialTests
{
    private static readonly string[] HonouredOlderOptions = ["'ValidNoProcess'", "SysVStartPriority="];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(TestPaths.Corpus).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_sixty_cases() => Assert.True(Cases().Count >= 60, $"only {Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verify_prints_what_systemd_analyze_prints(string caseName)
    {
        using TempDirectory temp = TestPaths.NewTemp();
        AssertSameAsSystemd(CopyCase(caseName, temp.Path));
    }

    /// <summary>Too big for the repository: lines of 1 MiB - 1 (accepted) and 1 MiB (the unit fails with ENOBUFS), and a continuation past 1 MiB.</summary>
    [Fact]
    public void Verify_prints_what_systemd_analyze_prints_for_one_MiB_lines()
    {
        using TempDirectory temp = TestPaths.NewTemp();
        int max = Syntax.UnitFileParser.LongLineMax;
        temp.Write("long.service", "[Unit]\nDescription=" + new string('a', max) + "\n[Service]\nExecStart=/bin/true\n");
        temp.Write("almost.service", "[Unit]\nDescription=" + new string('a', max - "Description=".Length - 1) + "\nBogus=1\n[Service]\nExecStart=/bin/true\n");
        string half = new('b', max / 2);
        temp.Write("continued.service", "[Unit]\nDescription=" + half + "\\\n" + half + "\\\n" + half + "\n[Service]\nExecStart=/bin/true\n");
        temp.Write("fine.service", "[Unit]\nBogusAfterLongOnes=1\n[Service]\nExecStart=/bin/true\n");
        AssertSameAsSystemd(temp.Path);
    }

    private static void AssertSameAsSystemd(string dir)
    {
        string systemdAnalyze = TestPaths.RequireTool("systemd-analyze");
        string lower = Path.Combine(dir, "lower");
        string unitPath = Directory.Exists(lower) ? lower : "";
        string[] files = VerifiedFiles(dir);

        var (exitCode, stdout, stderr) = TestPaths.Run(systemdAnalyze, ["verify", "--man=no", "--generators=no", .. files],
            new Dictionary<string, string?> { ["SYSTEMD_LOG_COLOR"] = "0", ["SYSTEMD_UNIT_PATH"] = unitPath, ["SYSTEMD_LOG_LEVEL"] = null }, dir);
        List<string> expected = Lines(stdout + stderr);
        int dropped = expected.RemoveAll(l => l.Contains("/start: ", StringComparison.Ordinal) && l.Contains(": Failed to create ", StringComparison.Ordinal));
        expected.RemoveAll(l => HonouredOlderOptions.Any(o => l.Contains(o, StringComparison.Ordinal)));

        var ourOut = new StringWriter();
        var ourErr = new StringWriter();
        int ourExit = VerifyCommand.Run(files, ourOut, ourErr, new VerifyOptions
        {
            CurrentDirectory = dir,
            Environment = name => name == "SYSTEMD_UNIT_PATH" ? unitPath : Environment.GetEnvironmentVariable(name),
        });
        List<string> actual = Lines(ourOut.ToString() + ourErr.ToString());

        string e = string.Join('\n', expected), a = string.Join('\n', actual);
        Assert.True(e == a, $"systemd-analyze verify printed:\n{e}\n--- we printed:\n{a}");
        if (dropped == 0)
            Assert.Equal(exitCode == 0 ? 0 : 1, ourExit);
    }

    private static List<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    /// <summary>Top-level files (and unit-named directories) of a case, except the "modes" list and "lower/".</summary>
    private static string[] VerifiedFiles(string dir) =>
        Directory.EnumerateFileSystemEntries(dir)
            .Where(p =>
            {
                string name = Path.GetFileName(p);
                if (name is "modes" or "lower")
                    return false;
                bool isDir = Directory.Exists(p) && new FileInfo(p).LinkTarget is null;
                return !isDir || Names.UnitName.IsValid(name);
            })
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>cp -a keeps symlinks (masks, loops, aliases) as they are; "modes" then sets permission bits git cannot keep.</summary>
    private static string CopyCase(string caseName, string tempRoot)
    {
        string target = Path.Combine(tempRoot, caseName);
        var (code, _, err) = TestPaths.Run("/bin/cp", ["-a", Path.Combine(TestPaths.Corpus, caseName), target]);
        Assert.True(code == 0, "cp failed: " + err);
        string modes = Path.Combine(target, "modes");
        if (File.Exists(modes))
        {
            foreach (string line in File.ReadAllLines(modes))
            {
                string[] parts = line.Split(' ');
                File.SetUnixFileMode(Path.Combine(target, parts[0]), (UnixFileMode)Convert.ToInt32(parts[1], 8));
            }
        }
        return target;
    }
}
