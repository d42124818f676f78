using Units.Daemon.Tests.Harness;
using Xunit.Abstractions;

namespace Units.Daemon.Tests;

/// <summary>The seccomp side of systemd.exec(5) (SystemCallFilter=, SystemCallErrorNumber=, SystemCallArchitectures=,
/// RestrictAddressFamilies=, MemoryDenyWriteExecute=, RestrictRealtime=, RestrictSUIDSGID=, LockPersonality=) and
/// ProtectClock=, ProtectHostname=, ProtectControlGroups=, ExecPaths=/NoExecPaths=, ProtectProc=, ProcSubset=: a probe
/// tries what each takes away and prints what the kernel answered. Each unit's answers are the expected ones, and the
/// same on real systemd 252 and on unitsd; its `show` of these settings is the same too.</summary>
public sealed class SandboxProbeTests(ITestOutputHelper output)
{
    /// <summary>Each line "what: ok" or "what: ERRNO". A real-time policy is the host's to allow a root service without
    /// RestrictRealtime=, so the expected "*" there takes whatever systemd answers.</summary>
    private const string Probe = """
        import ctypes, errno, mmap, os, socket, subprocess, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        libc.personality.argtypes = [ctypes.c_ulong]
        def report(what, action):
            try:
                action()
                print(what + ": ok")
            except OSError as e:
                print(what + ": " + errno.errorcode.get(e.errno, str(e.errno)))
        def c(result):
            if result == -1:
                raise OSError(ctypes.get_errno(), "")
        def sock(family):
            socket.socket(family, socket.SOCK_DGRAM).close()
        def mprotect_exec():
            address = libc.mmap(None, 4096, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
            c(libc.mprotect(address, 4096, mmap.PROT_READ | mmap.PROT_EXEC))
        work = os.environ["STATE_DIRECTORY"]
        report("socket AF_UNIX", lambda: sock(socket.AF_UNIX))
        report("socket AF_INET", lambda: sock(socket.AF_INET))
        report("socket AF_NETLINK", lambda: sock(socket.AF_NETLINK))
        report("mmap write+exec", lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC).close())
        report("mprotect exec", mprotect_exec)
        report("sched batch", lambda: os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0)))
        report("sched fifo", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)))
        report("chmod plain", lambda: (open(work + "/f", "w").close(), os.chmod(work + "/f", 0o755)))
        report("chmod setuid", lambda: os.chmod(work + "/f", 0o4755))
        report("mkdir setgid", lambda: os.mkdir(work + "/d", 0o2755))
        report("create setuid", lambda: os.close(os.open(work + "/g", os.O_CREAT | os.O_WRONLY, 0o4755)))
        report("personality linux", lambda: c(libc.personality(0)))
        report("personality linux32", lambda: c(libc.personality(8)))
        report("uname", os.uname)
        report("swapon", lambda: c(libc.swapon(b"/nonexistent-swap", 0)))
        def adjtimex():
            c(libc.adjtimex(ctypes.create_string_buffer(512)))
        try:
            with open("/proc/sys/kernel/hostname", "rb") as f:
                hostname = f.read().strip()
        except OSError:
            hostname = os.uname().nodename.encode()
        report("adjtimex", adjtimex)
        report("sethostname (same name)", lambda: c(libc.sethostname(hostname, len(hostname))))
        print("cgroupfs: " + ("read-only" if os.statvfs("/sys/fs/cgroup").f_flag & os.ST_RDONLY else "writable"))
        def run_script(path):
            with open(path, "w") as script:
                script.write("#!/bin/sh\nexit 0\n")
            os.chmod(path, 0o755)
            try:
                subprocess.run([path], check=True)
            finally:
                os.unlink(path)
        report("exec from the state directory", lambda: run_script(work + "/script"))
        report("exec from /dev/shm", lambda: run_script("/dev/shm/units-probe-%d" % os.getpid()))
        print("/proc/meminfo: " + ("there" if os.path.exists("/proc/meminfo") else "missing"))
        print("/proc/1: " + ("there" if os.path.exists("/proc/1") else "missing"))
        with open("/proc/self/status") as status:
            print([line.strip().replace("\t", " ") for line in status if line.startswith("NoNewPrivs")][0])
        """;

    /// <summary>What the probe says without any of these settings; each case lists where it differs.</summary>
    private const string Unrestricted = """
        socket AF_UNIX: ok
        socket AF_INET: ok
        socket AF_NETLINK: ok
        mmap write+exec: ok
        mprotect exec: ok
        sched batch: ok
        sched fifo: *
        chmod plain: ok
        chmod setuid: ok
        mkdir setgid: ok
        create setuid: ok
        personality linux: ok
        personality linux32: ok
        uname: ok
        swapon: ENOENT
        adjtimex: ok
        sethostname (same name): ok
        cgroupfs: writable
        exec from the state directory: ok
        exec from /dev/shm: ok
        /proc/meminfo: there
        /proc/1: there
        NoNewPrivs: 0
        """;

    private static readonly Dictionary<string, (string Settings, string Differences)> s_cases = new()
    {
        ["plain"] = ("", ""),
        ["restricted"] = ("RestrictAddressFamilies=AF_UNIX AF_INET6\nRestrictAddressFamilies=AF_NETLINK\nRestrictAddressFamilies=~AF_INET6\n"
            + "MemoryDenyWriteExecute=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\nLockPersonality=yes\n"
            + "SystemCallFilter=~uname:EIO @swap\nSystemCallErrorNumber=EPERM\nSystemCallArchitectures=native\n", """
            socket AF_INET: EAFNOSUPPORT
            mmap write+exec: EPERM
            mprotect exec: EPERM
            sched fifo: EPERM
            chmod setuid: EPERM
            mkdir setgid: EPERM
            create setuid: EPERM
            personality linux32: EPERM
            uname: EIO
            swapon: EPERM
            """),
        // The unit's own directories are mounts of their own and keep executing.
        ["noexec"] = ("NoExecPaths=/\nExecPaths=/usr\n", """
            exec from /dev/shm: EACCES
            """),
        // An allow list starts with @default; "~name:errno" in it answers that call with the error.
        ["allowed"] = ("SystemCallFilter=@system-service\nSystemCallFilter=~uname:ENODATA\nSystemCallErrorNumber=EACCES\n", """
            uname: ENODATA
            swapon: EACCES
            adjtimex: EACCES
            sethostname (same name): EACCES
            """),
        ["protected"] = ("ProtectClock=yes\nProtectHostname=yes\nProtectControlGroups=yes\nProtectProc=invisible\nProcSubset=pid\n", """
            adjtimex: EPERM
            sethostname (same name): EPERM
            cgroupfs: read-only
            /proc/meminfo: missing
            """),
        // Without CAP_SYS_ADMIN a filter implies NoNewPrivileges=.
        ["unprivileged"] = ("User=nobody\nSystemCallFilter=~uname:EIO\nMemoryDenyWriteExecute=yes\nProtectProc=invisible\n", """
            mmap write+exec: EPERM
            mprotect exec: EPERM
            sched fifo: EPERM
            uname: EIO
            swapon: EPERM
            sethostname (same name): EPERM
            /proc/1: missing
            NoNewPrivs: 1
            """),
    };

    public static TheoryData<string> Cases => [.. s_cases.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_probe_meets_the_same_restrictions_on_both_managers(string name)
    {
        var (settings, differences) = s_cases[name];
        // %E is the instance's config directory: the state directory lives there too.
        string unit = $"[Service]\nType=oneshot\nStateDirectory=probe-{name}\n{settings}"
            + $"ExecStart=/usr/bin/python3 %E/probe.py\nStandardOutput=file:%E/probe-{name}.out\nStandardError=journal\n";
        var answers = new List<string>();
        foreach (string? binary in new[] { null, Paths.Unitsd })
        {
            using ManagerInstance manager = ManagerInstance.Start("sc", binary, new Dictionary<string, string> { [$"probe-{name}.service"] = unit });
            string config = Path.Combine(manager.InstanceDirectory, "config");
            File.WriteAllText(Path.Combine(config, "probe.py"), Probe);
            CommandResult start = manager.Ctl("start", $"probe-{name}.service");
            string outputFile = Path.Combine(config, $"probe-{name}.out");
            string answer = File.Exists(outputFile) ? File.ReadAllText(outputFile) : "(no output)";
            output.WriteLine($"{(binary is null ? "systemd" : "unitsd")} ({start.ExitCode}) {start.Error}\n{answer}");
            Assert.True(start.ExitCode == 0, start.Error + manager.Ctl("status", $"probe-{name}.service").Output);
            answers.Add(answer);
        }
        // The unrestricted answers with this case's differences, line by line ("what: *" takes systemd's answer).
        var expected = Unrestricted.Split('\n').ToList();
        foreach (string difference in differences.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            expected[expected.FindIndex(line => line.Split(": ")[0] == difference.Split(": ")[0])] = difference;
        string[] actualLines = answers[0].TrimEnd().Split('\n');
        Assert.Equal(expected.Count, actualLines.Length);
        for (int i = 0; i < expected.Count; i++)
            if (!expected[i].EndsWith(": *", StringComparison.Ordinal))
                Assert.Equal(expected[i], actualLines[i]);
        Assert.Equal(answers[0], answers[1]);
    }
}
