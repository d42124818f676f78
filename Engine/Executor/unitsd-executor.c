/*
 * unitsd-executor: applies a unit's execution context between fork and exec, then execve()s the
 * command. unitsd starts it through libunitsd-spawn (clone3 into the unit's cgroup) or posix_spawn (.NET cannot
 * run code between fork and exec), so this process is single-threaded and may change credentials, namespaces and
 * limits freely.
 *
 * File descriptors on entry (placed by unitsd's spawn):
 *   0, 1, 2  whatever unitsd had (replaced below as the context says)
 *   3        the context: a pipe read until EOF (format below)
 *   4        the status pipe (write end): on failure one record is written before _exit
 *   5 ...    "passed" descriptors (sockets, journal stream, fd: targets), passed-fds=N of them
 *
 * Context format: a sequence of records, each "key=value" terminated by one NUL byte. The first
 * record must be "unitsd-exec-context=1". Keys that may repeat build lists in order (argv, env,
 * rlimit, supplementary-group, the *-path and *-directory keys). Unknown keys are an error, so
 * a newer unitsd never silently loses a setting on an older executor. Numbers are decimal unless
 * said otherwise. The manager resolves everything that does not need the child's identity
 * (prefixes `+ ! !!` are folded into which keys are sent; `@` into argv); the executor resolves
 * what must be resolved in the child (user and group names, `~`, the PATH search).
 *
 *   path=EXE                  executable (absolute, or searched in the context's PATH)
 *   argv=ARG                  repeated; argv[0] first
 *   env=NAME=VALUE            repeated; the complete environment (USER/HOME/... added for user=)
 *   passed-fds=N              count of descriptors at 5..5+N-1
 *   listen-fds=N              the first N passed descriptors become 3..3+N-1 (LISTEN_PID is set)
 *   stdin=null|tty|fd:N       N indexes the passed descriptors (0 = fd 5)
 *   stdout=, stderr=          null|inherit|keep|tty|kmsg|fd:N|file:PATH|append:PATH|truncate:PATH
 *                             (inherit: stdout copies stdin, stderr copies stdout; keep: what
 *                             unitsd itself had, used while no journal stream is available)
 *   stdin=file:PATH           also accepted
 *   tty-path=PATH             terminal for tty (default /dev/console)
 *   idle=N                    Type=idle: wait (at most 5 s) until passed descriptor N, the read end of
 *                             unitsd's idle pipe, reports hang-up (unitsd has no job left)
 *   cgroup=DIR                cgroup directory to join before anything else (cgroup.procs), unless born in it
 *   pdeathsig=SIG             parent-death signal kept across exec (0: none)
 *   setsid=0|1                new session (default 1)
 *   working-directory=[-]DIR  "~" means the user's home; "-" ignores a missing directory
 *   root-directory=DIR        chroot
 *   umask=OCTAL
 *   nice=N, oom-score-adjust=N
 *   cpu-sched-policy=N, cpu-sched-priority=N, cpu-sched-reset-on-fork=0|1
 *   rlimit=RES:SOFT:HARD      RES is the numeric RLIMIT_*; SOFT/HARD a number or "infinity"
 *   user=NAME|UID, group=NAME|GID, supplementary-group=NAME|GID
 *   dynamic-user=NAME:UID:GID DynamicUser=: run as UID/GID (allocated by unitsd), named NAME, with no home
 *   private-directory-root=ROOT  repeated; DynamicUser='s ROOT/private: directories below it are made
 *                             owned by the user (recursively), reached through the symlink ROOT/NAME and,
 *                             in the mount namespace, through a tmpfs over ROOT/private holding only them
 *   credentials=0|1           0 ("+"/"!" commands): user/group only own the directories below
 *   no-new-privileges=0|1
 *   capability-bounding-set=HEX, ambient-capabilities=HEX   (bit n = capability n)
 *   private-tmp=TMPDIR:VARTMPDIR  directories (made by unitsd) bound over /tmp and /var/tmp
 *   private-devices=0|1, private-network=0|1
 *   protect-system=no|yes|full|strict, protect-home=no|yes|read-only|tmpfs
 *   read-only-path=[-]P, read-write-path=[-]P, inaccessible-path=[-]P   ("-": ignore missing)
 *   no-exec-path=[-]P, exec-path=[-]P   mounted noexec / exec again (in that order, so ExecPaths= punch holes)
 *   protect-proc=noaccess|invisible|ptraceable, proc-subset=pid   /proc mounted anew with hidepid=/subset=
 *   protect-kernel-tunables=0|1, protect-kernel-modules=0|1, protect-kernel-logs=0|1
 *   protect-hostname=0|1      a UTS namespace of its own (where the kernel lets us: else a warning on stderr)
 *   restrict-namespaces=HEX   CLONE_NEW* flags still allowed (seccomp); absent = unrestricted
 *   syscall-deny=NAME         repeated; a system call refused with EPERM (what PrivateDevices=, ProtectKernelModules=,
 *                             ProtectKernelLogs= take away)
 *   restrict-address-families=allow:N,N... | deny:N,N...   socket() families allowed / refused (EAFNOSUPPORT)
 *   memory-deny-write-execute=0|1, restrict-realtime=0|1, restrict-suid-sgid=0|1, lock-personality=0|1
 *   restrict-architectures=0|1  system calls of another ABI kill the process even when no other filter is set
 *   syscall-filter=allow|deny SystemCallFilter=: only the syscall= calls allowed, or those refused
 *   syscall-error=N|kill      the filter's action: an errno, or killing the process (the default)
 *   syscall=NAME[:N|:kill]    repeated; a call of the filter, with its own action
 *                             (seccomp filters: names this architecture lacks are skipped, as libseccomp does; a
 *                             process without CAP_SYS_ADMIN gets NoNewPrivileges= with them, as under systemd)
 *   runtime-directory=MODE:PATH (also state-, cache-, logs-, configuration-directory=)
 *
 * Status record on failure (one write, < PIPE_BUF so atomic): int32 exit code (systemd's EXIT_*),
 * int32 errno, then a NUL-terminated detail (the path or name that failed). On success the pipe
 * is close-on-exec, so unitsd sees EOF with no record: that is how Type=exec learns that execve
 * succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

/* systemd's exit codes (systemd.exec(5), "Process Exit Codes"): unitsd prints them by name. */
enum {
    EXIT_CODE_FAILURE = 1,
    EXIT_CODE_CHDIR = 200,
    EXIT_CODE_NICE = 201,
    EXIT_CODE_FDS = 202,
    EXIT_CODE_EXEC = 203,
    EXIT_CODE_MEMORY = 204,
    EXIT_CODE_LIMITS = 205,
    EXIT_CODE_OOM_ADJUST = 206,
    EXIT_CODE_SIGNAL_MASK = 207,
    EXIT_CODE_STDIN = 208,
    EXIT_CODE_STDOUT = 209,
    EXIT_CODE_CHROOT = 210,
    EXIT_CODE_SETSCHEDULER = 214,
    EXIT_CODE_GROUP = 216,
    EXIT_CODE_USER = 217,
    EXIT_CODE_CAPABILITIES = 218,
    EXIT_CODE_CGROUP = 219,
    EXIT_CODE_SETSID = 220,
    EXIT_CODE_STDERR = 222,
    EXIT_CODE_NETWORK = 225,
    EXIT_CODE_NAMESPACE = 226,
    EXIT_CODE_NO_NEW_PRIVILEGES = 227,
    EXIT_CODE_SECCOMP = 228,
    EXIT_CODE_RUNTIME_DIRECTORY = 233,
    EXIT_CODE_STATE_DIRECTORY = 238,
    EXIT_CODE_CACHE_DIRECTORY = 239,
    EXIT_CODE_LOGS_DIRECTORY = 240,
    EXIT_CODE_CONFIGURATION_DIRECTORY = 241,
};

#define CONTEXT_FD 3
#define STATUS_FD 4
#define FIRST_PASSED_FD 5
#define MAX_LIST 1024
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define INACCESSIBLE_DIR "/run/unitsd-inaccessible"

struct list {
    const char *items[MAX_LIST];
    int count;
};

enum directory_kind { DIR_RUNTIME, DIR_STATE, DIR_CACHE, DIR_LOGS, DIR_CONFIGURATION, DIR_KINDS };

static const char *const directory_keys[DIR_KINDS] = {
    "runtime-directory", "state-directory", "cache-directory", "logs-directory",
    "configuration-directory",
};
static const int directory_exit_codes[DIR_KINDS] = {
    EXIT_CODE_RUNTIME_DIRECTORY, EXIT_CODE_STATE_DIRECTORY, EXIT_CODE_CACHE_DIRECTORY,
    EXIT_CODE_LOGS_DIRECTORY, EXIT_CODE_CONFIGURATION_DIRECTORY,
};

struct context {
    const char *path;
    struct list argv, env, rlimits, supplementary_groups;
    struct list read_only, read_write, inaccessible, no_exec, exec;
    struct list directories[DIR_KINDS];
    int passed_fds, listen_fds, idle;
    const char *std_in, *std_out, *std_err, *tty_path;
    const char *cgroup;
    int pdeathsig, setsid;
    const char *working_directory, *root_directory;
    int umask_value; /* -1: unchanged */
    int has_nice, nice;
    int has_oom, oom_score_adjust;
    int has_sched, sched_policy, sched_priority, sched_reset_on_fork;
    const char *user, *group, *dynamic_user;
    struct list private_roots;
    int no_new_privileges, credentials;
    int has_bounding, has_ambient;
    uint64_t bounding, ambient;
    const char *private_tmp;
    int private_devices, private_network;
    const char *protect_system, *protect_home, *protect_proc, *proc_subset;
    int protect_kernel_tunables, protect_kernel_modules, protect_kernel_logs, protect_hostname;
    int has_restrict_namespaces;
    uint64_t allowed_namespaces;
    struct list syscall_deny, syscalls;
    const char *address_families, *syscall_filter, *syscall_error;
    int memory_deny_write_execute, restrict_realtime, restrict_suid_sgid, lock_personality, restrict_architectures;
};

/* The identity the command will run with, resolved in the child as systemd does. */
struct identity {
    int set_user, set_group;
    uid_t uid;
    gid_t gid;
    const char *name, *home, *shell;
    gid_t groups[NGROUPS_MAX > 4096 ? 4096 : NGROUPS_MAX];
    int group_count;
};

static int status_fd = STATUS_FD;

static void fail(int exit_code, int error, const char *detail) __attribute__((noreturn));
static void fail(int exit_code, int error, const char *detail) {
    char record[512];
    int32_t header[2] = { exit_code, error };
    size_t detail_len = detail ? strnlen(detail, sizeof(record) - sizeof(header) - 1) : 0;
    memcpy(record, header, sizeof(header));
    if (detail_len)
        memcpy(record + sizeof(header), detail, detail_len);
    record[sizeof(header) + detail_len] = '\0';
    ssize_t ignored = write(status_fd, record, sizeof(header) + detail_len + 1);
    (void)ignored;
    _exit(exit_code);
}

static void list_add(struct list *list, const char *value) {
    if (list->count >= MAX_LIST - 1)
        fail(EXIT_CODE_MEMORY, E2BIG, "context list too long");
    list->items[list->count++] = value;
    list->items[list->count] = NULL;
}

static long parse_long(const char *text, int base, const char *key) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, base);
    if (errno || end == text || *end)
        fail(EXIT_CODE_FAILURE, EINVAL, key);
    return value;
}

static uint64_t parse_hex(const char *text, const char *key) {
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 16);
    if (errno || end == text || *end)
        fail(EXIT_CODE_FAILURE, EINVAL, key);
    return value;
}

static char *read_all(int fd, size_t *length) {
    size_t capacity = 8192, used = 0;
    char *buffer = malloc(capacity);
    for (;;) {
        if (!buffer)
            fail(EXIT_CODE_MEMORY, ENOMEM, "context");
        if (used == capacity) {
            capacity *= 2;
            buffer = realloc(buffer, capacity);
            continue;
        }
        ssize_t n = read(fd, buffer + used, capacity - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail(EXIT_CODE_FAILURE, errno, "reading context");
        if (n == 0)
            break;
        used += (size_t)n;
    }
    *length = used;
    return buffer;
}

static void parse_context(char *data, size_t length, struct context *c) {
    memset(c, 0, sizeof(*c));
    c->umask_value = -1;
    c->idle = -1;
    c->setsid = 1;
    c->credentials = 1;
    char *end = data + length;
    int first = 1;
    char *next;
    for (char *record = data; record < end; record = next) {
        char *terminator = memchr(record, '\0', (size_t)(end - record));
        if (terminator == NULL)
            fail(EXIT_CODE_FAILURE, EINVAL, "context: unterminated record");
        next = terminator + 1;
        char *eq = strchr(record, '=');
        if (!eq)
            fail(EXIT_CODE_FAILURE, EINVAL, record);
        *eq = '\0';
        const char *key = record, *value = eq + 1;
        if (first) {
            if (strcmp(key, "unitsd-exec-context") || strcmp(value, "1"))
                fail(EXIT_CODE_FAILURE, EPROTO, "context: bad magic or version");
            first = 0;
        }
#define IS(k) (strcmp(key, (k)) == 0)
        else if (IS("path")) c->path = value;
        else if (IS("argv")) list_add(&c->argv, value);
        else if (IS("env")) list_add(&c->env, value);
        else if (IS("passed-fds")) c->passed_fds = (int)parse_long(value, 10, key);
        else if (IS("listen-fds")) c->listen_fds = (int)parse_long(value, 10, key);
        else if (IS("idle")) c->idle = (int)parse_long(value, 10, key);
        else if (IS("stdin")) c->std_in = value;
        else if (IS("stdout")) c->std_out = value;
        else if (IS("stderr")) c->std_err = value;
        else if (IS("tty-path")) c->tty_path = value;
        else if (IS("cgroup")) c->cgroup = value;
        else if (IS("pdeathsig")) c->pdeathsig = (int)parse_long(value, 10, key);
        else if (IS("setsid")) c->setsid = (int)parse_long(value, 10, key);
        else if (IS("working-directory")) c->working_directory = value;
        else if (IS("root-directory")) c->root_directory = value;
        else if (IS("umask")) c->umask_value = (int)parse_long(value, 8, key);
        else if (IS("nice")) { c->has_nice = 1; c->nice = (int)parse_long(value, 10, key); }
        else if (IS("oom-score-adjust")) { c->has_oom = 1; c->oom_score_adjust = (int)parse_long(value, 10, key); }
        else if (IS("cpu-sched-policy")) { c->has_sched = 1; c->sched_policy = (int)parse_long(value, 10, key); }
        else if (IS("cpu-sched-priority")) { c->has_sched = 1; c->sched_priority = (int)parse_long(value, 10, key); }
        else if (IS("cpu-sched-reset-on-fork")) { c->has_sched = 1; c->sched_reset_on_fork = (int)parse_long(value, 10, key); }
        else if (IS("rlimit")) list_add(&c->rlimits, value);
        else if (IS("user")) c->user = value;
        else if (IS("dynamic-user")) c->dynamic_user = value;
        else if (IS("private-directory-root")) list_add(&c->private_roots, value);
        else if (IS("group")) c->group = value;
        else if (IS("supplementary-group")) list_add(&c->supplementary_groups, value);
        else if (IS("credentials")) c->credentials = (int)parse_long(value, 10, key);
        else if (IS("no-new-privileges")) c->no_new_privileges = (int)parse_long(value, 10, key);
        else if (IS("capability-bounding-set")) { c->has_bounding = 1; c->bounding = parse_hex(value, key); }
        else if (IS("ambient-capabilities")) { c->has_ambient = 1; c->ambient = parse_hex(value, key); }
        else if (IS("private-tmp")) c->private_tmp = value;
        else if (IS("private-devices")) c->private_devices = (int)parse_long(value, 10, key);
        else if (IS("private-network")) c->private_network = (int)parse_long(value, 10, key);
        else if (IS("protect-system")) c->protect_system = value;
        else if (IS("protect-home")) c->protect_home = value;
        else if (IS("read-only-path")) list_add(&c->read_only, value);
        else if (IS("read-write-path")) list_add(&c->read_write, value);
        else if (IS("inaccessible-path")) list_add(&c->inaccessible, value);
        else if (IS("no-exec-path")) list_add(&c->no_exec, value);
        else if (IS("exec-path")) list_add(&c->exec, value);
        else if (IS("protect-proc")) c->protect_proc = value;
        else if (IS("proc-subset")) c->proc_subset = value;
        else if (IS("protect-kernel-tunables")) c->protect_kernel_tunables = (int)parse_long(value, 10, key);
        else if (IS("protect-kernel-modules")) c->protect_kernel_modules = (int)parse_long(value, 10, key);
        else if (IS("protect-kernel-logs")) c->protect_kernel_logs = (int)parse_long(value, 10, key);
        else if (IS("protect-hostname")) c->protect_hostname = (int)parse_long(value, 10, key);
        else if (IS("restrict-namespaces")) { c->has_restrict_namespaces = 1; c->allowed_namespaces = parse_hex(value, key); }
        else if (IS("syscall-deny")) list_add(&c->syscall_deny, value);
        else if (IS("restrict-address-families")) c->address_families = value;
        else if (IS("memory-deny-write-execute")) c->memory_deny_write_execute = (int)parse_long(value, 10, key);
        else if (IS("restrict-realtime")) c->restrict_realtime = (int)parse_long(value, 10, key);
        else if (IS("restrict-suid-sgid")) c->restrict_suid_sgid = (int)parse_long(value, 10, key);
        else if (IS("lock-personality")) c->lock_personality = (int)parse_long(value, 10, key);
        else if (IS("restrict-architectures")) c->restrict_architectures = (int)parse_long(value, 10, key);
        else if (IS("syscall-filter")) c->syscall_filter = value;
        else if (IS("syscall-error")) c->syscall_error = value;
        else if (IS("syscall")) list_add(&c->syscalls, value);
        else {
            int kind;
            for (kind = 0; kind < DIR_KINDS; kind++)
                if (IS(directory_keys[kind])) {
                    list_add(&c->directories[kind], value);
                    break;
                }
            if (kind == DIR_KINDS)
                fail(EXIT_CODE_FAILURE, EINVAL, key);
        }
#undef IS
    }
    if (first || !c->path || c->argv.count == 0)
        fail(EXIT_CODE_FAILURE, EINVAL, "context: path and argv are required");
    if (c->passed_fds < 0 || c->listen_fds < 0 || c->listen_fds > c->passed_fds || c->idle >= c->passed_fds)
        fail(EXIT_CODE_FDS, EINVAL, "context: descriptor counts");
}

/* Type=idle (systemd's idle pipe dance): unitsd closes the pipe's write end once no job is left; waiting longer
 * than 5 s is not worth holding the service back for, so it goes on then. */
static void wait_for_idle_manager(int fd) {
    struct pollfd p = { .fd = fd, .events = POLLHUP };
    while (poll(&p, 1, 5000) < 0 && errno == EINTR)
        ;
    close(fd);
}

/* ---- identity ---------------------------------------------------------------------------- */

static int parse_id(const char *text, unsigned *id) {
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || end == text || *end || value >= (unsigned long)UINT_MAX)
        return 0;
    *id = (unsigned)value;
    return 1;
}

static gid_t resolve_group(const char *name) {
    unsigned id;
    if (parse_id(name, &id))
        return (gid_t)id;
    errno = 0;
    struct group *group = getgrnam(name);
    if (!group)
        fail(EXIT_CODE_GROUP, errno ? errno : ESRCH, name);
    return group->gr_gid;
}

static void add_group(struct identity *id, gid_t gid) {
    for (int i = 0; i < id->group_count; i++)
        if (id->groups[i] == gid)
            return;
    if (id->group_count < (int)(sizeof(id->groups) / sizeof(id->groups[0])))
        id->groups[id->group_count++] = gid;
}

static void resolve_identity(const struct context *c, struct identity *id) {
    memset(id, 0, sizeof(*id));
    if (c->dynamic_user) {
        /* NAME:UID:GID; the name may not be in any user database, so nothing is looked up. */
        char *copy = strdup(c->dynamic_user);
        char *gid_text = copy ? strrchr(copy, ':') : NULL;
        if (!gid_text)
            fail(EXIT_CODE_USER, EINVAL, c->dynamic_user);
        *gid_text++ = '\0';
        char *uid_text = strrchr(copy, ':');
        unsigned uid, gid;
        if (!uid_text)
            fail(EXIT_CODE_USER, EINVAL, c->dynamic_user);
        *uid_text++ = '\0';
        if (!parse_id(uid_text, &uid) || !parse_id(gid_text, &gid))
            fail(EXIT_CODE_USER, EINVAL, c->dynamic_user);
        id->uid = (uid_t)uid;
        id->gid = (gid_t)gid;
        id->name = copy;
        id->set_user = id->set_group = 1;
    } else if (c->user) {
        unsigned numeric;
        errno = 0;
        struct passwd *pw = parse_id(c->user, &numeric) ? getpwuid((uid_t)numeric) : getpwnam(c->user);
        if (pw) {
            id->uid = pw->pw_uid;
            id->gid = pw->pw_gid;
            id->name = strdup(pw->pw_name);
            id->home = strdup(pw->pw_dir);
            id->shell = strdup(pw->pw_shell);
        } else if (parse_id(c->user, &numeric)) {
            /* A numeric uid without a passwd entry is valid (systemd allows it): gid = uid. */
            id->uid = (uid_t)numeric;
            id->gid = (gid_t)numeric;
            id->name = c->user;
        } else {
            fail(EXIT_CODE_USER, errno ? errno : ESRCH, c->user);
        }
        id->set_user = 1;
        id->set_group = 1;
        if (pw) {
            int count = (int)(sizeof(id->groups) / sizeof(id->groups[0]));
            if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &count) < 0)
                fail(EXIT_CODE_GROUP, ENOBUFS, pw->pw_name);
            id->group_count = count;
        }
    }
    if (c->group) {
        id->gid = resolve_group(c->group);
        id->set_group = 1;
    }
    for (int i = 0; i < c->supplementary_groups.count; i++)
        add_group(id, resolve_group(c->supplementary_groups.items[i]));
}

/* ---- descriptors ------------------------------------------------------------------------- */

static int passed_fd(const struct context *c, const char *spec, int exit_code) {
    long index = strtol(spec, NULL, 10);
    if (index < 0 || index >= c->passed_fds)
        fail(exit_code, EBADF, spec);
    return FIRST_PASSED_FD + (int)index;
}

static int open_terminal(const struct context *c, int flags) {
    const char *tty = c->tty_path ? c->tty_path : "/dev/console";
    return open(tty, flags | O_NOCTTY | O_CLOEXEC);
}

/* Opens what one stdio setting names; returns the descriptor to install, or -1 to keep as is. */
static int open_stdio(const struct context *c, int target, const char *spec, int exit_code) {
    int fd;
    if (!spec || strcmp(spec, "null") == 0)
        fd = open("/dev/null", (target == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
    else if (strcmp(spec, "inherit") == 0)
        return target == 0 ? -1 : dup(target - 1);
    else if (strcmp(spec, "keep") == 0)
        return -1;
    else if (strcmp(spec, "tty") == 0)
        fd = open_terminal(c, target == 0 ? O_RDWR : O_WRONLY);
    else if (strcmp(spec, "kmsg") == 0)
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    else if (strncmp(spec, "fd:", 3) == 0)
        fd = dup(passed_fd(c, spec + 3, exit_code));
    else if (strncmp(spec, "file:", 5) == 0)
        fd = open(spec + 5, (target == 0 ? O_RDONLY : O_WRONLY | O_CREAT) | O_NOCTTY | O_CLOEXEC, 0666);
    else if (strncmp(spec, "append:", 7) == 0)
        fd = open(spec + 7, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC, 0666);
    else if (strncmp(spec, "truncate:", 9) == 0)
        fd = open(spec + 9, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0666);
    else
        fail(exit_code, EINVAL, spec);
    if (fd < 0)
        fail(exit_code, errno, spec);
    return fd;
}

static void setup_stdio(const struct context *c) {
    static const int exit_codes[3] = { EXIT_CODE_STDIN, EXIT_CODE_STDOUT, EXIT_CODE_STDERR };
    const char *specs[3] = { c->std_in, c->std_out, c->std_err };
    /* Open all three first, then install: an "inherit" must see the new stdin/stdout. */
    for (int target = 0; target < 3; target++) {
        int fd = open_stdio(c, target, specs[target], exit_codes[target]);
        if (fd < 0)
            continue;
        if (dup2(fd, target) < 0)
            fail(exit_codes[target], errno, specs[target]);
        close(fd);
    }
    if (c->std_in && strcmp(c->std_in, "tty") == 0 && ioctl(0, TIOCSCTTY, 0) < 0)
        fail(EXIT_CODE_STDIN, errno, "TIOCSCTTY");
}

/* Puts the listen descriptors at 3.., keeps the status pipe, closes everything else. */
static void arrange_descriptors(const struct context *c) {
    int status_copy = fcntl(status_fd, F_DUPFD_CLOEXEC, FIRST_PASSED_FD + c->passed_fds);
    if (status_copy < 0)
        fail(EXIT_CODE_FDS, errno, "status pipe");
    close(status_fd);
    status_fd = status_copy;
    for (int i = 0; i < c->listen_fds; i++) {
        if (dup2(FIRST_PASSED_FD + i, 3 + i) < 0) /* dup2 clears close-on-exec */
            fail(EXIT_CODE_FDS, errno, "listen fd");
    }
    int first_closed = 3 + c->listen_fds;
    if (status_fd > first_closed)
        syscall(SYS_close_range, (unsigned)first_closed, (unsigned)status_fd - 1, 0u);
    syscall(SYS_close_range, (unsigned)status_fd + 1, ~0u, 0u);
}

/* ---- cgroup, process attributes ---------------------------------------------------------- */

/* Whether this process is in that cgroup directory already (unitsd had it born there): its /proc/self/cgroup path
 * ends the directory's. */
static int in_cgroup(const char *directory) {
    char line[PATH_MAX + 8];
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, line, sizeof(line) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    line[n] = '\0';
    char *unified = strstr(line, "0::");
    if (!unified || (unified != line && unified[-1] != '\n'))
        return 0;
    char *relative = unified + 3, *end = strchr(relative, '\n');
    if (end)
        *end = '\0';
    size_t relative_length = strlen(relative), directory_length = strlen(directory);
    return relative_length > 1 && directory_length >= relative_length &&
           strcmp(directory + directory_length - relative_length, relative) == 0;
}

static void join_cgroup(const char *directory) {
    /* Moving a process costs the kernel far more than reading where it is. */
    if (in_cgroup(directory))
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cgroup.procs", directory);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1)
        fail(EXIT_CODE_CGROUP, errno, path);
    close(fd);
}

static rlim_t parse_rlim(const char *text, const char *whole) {
    if (strncmp(text, "infinity", 8) == 0)
        return RLIM_INFINITY;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text)
        fail(EXIT_CODE_LIMITS, EINVAL, whole);
    return (rlim_t)value;
}

/* systemd's setrlimit_closest(): when raising a limit is not permitted (no CAP_SYS_RESOURCE), set the closest
 * limit that is, i.e. clamp to the current hard limit, instead of failing the service with 205/LIMITS. */
static int setrlimit_closest(int resource, const struct rlimit *wanted) {
    if (setrlimit(resource, wanted) >= 0)
        return 0;
    if (errno != EPERM)
        return -1;
    struct rlimit current;
    if (getrlimit(resource, &current) < 0)
        return -1;
    struct rlimit closest = {
        .rlim_cur = wanted->rlim_cur < current.rlim_max ? wanted->rlim_cur : current.rlim_max,
        .rlim_max = wanted->rlim_max < current.rlim_max ? wanted->rlim_max : current.rlim_max,
    };
    if (closest.rlim_cur > closest.rlim_max)
        closest.rlim_cur = closest.rlim_max;
    return setrlimit(resource, &closest);
}

static void apply_process_attributes(const struct context *c) {
    if (c->has_oom) {
        /* As systemd's exec_child: a privilege error (no CAP_SYS_RESOURCE to lower the score, a user
         * namespace) is skipped as "containerized execution"; any other error fails with 206/OOM_ADJUST. */
        char text[16];
        snprintf(text, sizeof(text), "%d", c->oom_score_adjust);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
            if (errno != EPERM && errno != EACCES)
                fail(EXIT_CODE_OOM_ADJUST, errno, "/proc/self/oom_score_adj");
        }
        if (fd >= 0)
            close(fd);
    }
    if (c->has_nice && setpriority(PRIO_PROCESS, 0, c->nice) < 0)
        fail(EXIT_CODE_NICE, errno, "setpriority");
    if (c->has_sched) {
        struct sched_param param = { .sched_priority = c->sched_priority };
        int policy = c->sched_policy | (c->sched_reset_on_fork ? SCHED_RESET_ON_FORK : 0);
        if (sched_setscheduler(0, policy, &param) < 0)
            fail(EXIT_CODE_SETSCHEDULER, errno, "sched_setscheduler");
    }
    for (int i = 0; i < c->rlimits.count; i++) {
        const char *spec = c->rlimits.items[i];
        char *colon;
        long resource = strtol(spec, &colon, 10);
        if (*colon != ':')
            fail(EXIT_CODE_LIMITS, EINVAL, spec);
        const char *hard_text = strchr(colon + 1, ':');
        if (!hard_text)
            fail(EXIT_CODE_LIMITS, EINVAL, spec);
        struct rlimit limit = { parse_rlim(colon + 1, spec), parse_rlim(hard_text + 1, spec) };
        if (setrlimit_closest((int)resource, &limit) < 0)
            fail(EXIT_CODE_LIMITS, errno, spec);
    }
    if (c->umask_value >= 0)
        umask((mode_t)c->umask_value);
}

/* ---- directories (RuntimeDirectory= and friends) ---------------------------------------- */

static int mkdir_parents(char *path, mode_t mode) {
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int r = mkdir(path, 0755);
        *slash = '/';
        if (r < 0 && errno != EEXIST)
            return -1;
    }
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The private root a directory lies in ("ROOT" of "ROOT/private/NAME"), or NULL. */
static const char *private_root_of(const struct context *c, const char *path) {
    for (int i = 0; i < c->private_roots.count; i++) {
        const char *root = c->private_roots.items[i];
        size_t length = strlen(root);
        if (strncmp(path, root, length) == 0 && strncmp(path + length, "/private/", 9) == 0)
            return root;
    }
    return NULL;
}

/* The link ROOT/NAME points with: "private/NAME", one "../" more for each level of NAME. */
static void private_link_target(const char *name, char *target, size_t size) {
    size_t used = 0;
    for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/'))
        used += (size_t)snprintf(target + used, size - used, "../");
    snprintf(target + used, size - used, "private/%s", name);
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)flag, (void)ftw;
    if ((st->st_uid != chown_uid || st->st_gid != chown_gid) && lchown(path, chown_uid, chown_gid) < 0)
        return -1;
    return 0;
}

/* A DynamicUser= directory ROOT/private/NAME: ROOT/private stays root's alone (0700); an old ROOT/NAME
 * directory moves in; everything below is chowned to the (maybe new) ID; ROOT/NAME links to it. */
static void make_private_directory(const char *root, const char *path, mode_t mode, const struct identity *id, int exit_code) {
    char private_dir[PATH_MAX], public_path[PATH_MAX], target[PATH_MAX];
    snprintf(private_dir, sizeof(private_dir), "%s/private", root);
    if (mkdir_parents(private_dir, 0700) < 0 || chmod(private_dir, 0700) < 0)
        fail(exit_code, errno, private_dir);
    const char *name = path + strlen(private_dir) + 1;
    snprintf(public_path, sizeof(public_path), "%s/%s", root, name);
    struct stat st;
    if (lstat(public_path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, F_OK) < 0 && rename(public_path, path) < 0)
        fail(exit_code, errno, public_path);
    char made[PATH_MAX];
    snprintf(made, sizeof(made), "%s", path);
    if (mkdir_parents(made, mode) < 0 || chmod(path, mode) < 0)
        fail(exit_code, errno, path);
    chown_uid = id->uid;
    chown_gid = id->gid;
    if (nftw(path, chown_entry, 16, FTW_PHYS) < 0)
        fail(exit_code, errno, path);
    private_link_target(name, target, sizeof(target));
    if (lstat(public_path, &st) == 0 && !S_ISLNK(st.st_mode))
        fail(exit_code, EEXIST, public_path);
    char current[PATH_MAX];
    ssize_t length = readlink(public_path, current, sizeof(current) - 1);
    if (length >= 0) {
        current[length] = '\0';
        if (strcmp(current, target) == 0)
            return;
        unlink(public_path);
    }
    snprintf(made, sizeof(made), "%s", public_path);
    char *slash = strrchr(made, '/');
    *slash = '\0';
    if (mkdir_parents(made, 0755) < 0 || symlink(target, public_path) < 0)
        fail(exit_code, errno, public_path);
}

static void make_directories(const struct context *c, const struct identity *id) {
    for (int kind = 0; kind < DIR_KINDS; kind++) {
        for (int i = 0; i < c->directories[kind].count; i++) {
            const char *spec = c->directories[kind].items[i];
            char *colon;
            long mode = strtol(spec, &colon, 8);
            if (*colon != ':' || colon[1] != '/')
                fail(directory_exit_codes[kind], EINVAL, spec);
            char path[PATH_MAX];
            snprintf(path, sizeof(path), "%s", colon + 1);
            const char *private_root = private_root_of(c, path);
            if (private_root) {
                make_private_directory(private_root, path, (mode_t)mode, id, directory_exit_codes[kind]);
                continue;
            }
            if (mkdir_parents(path, (mode_t)mode) < 0 || chmod(path, (mode_t)mode) < 0)
                fail(directory_exit_codes[kind], errno, path);
            if ((id->set_user || id->set_group) &&
                chown(path, id->set_user ? id->uid : (uid_t)-1, id->set_group ? id->gid : (gid_t)-1) < 0)
                fail(directory_exit_codes[kind], errno, path);
        }
    }
}

/* ---- mount namespace --------------------------------------------------------------------- */

static const char *strip_optional(const char *spec, int *optional) {
    *optional = spec[0] == '-';
    return *optional ? spec + 1 : spec;
}

/* The paths this namespace mounts something on: ExecPaths=/NoExecPaths= leave the mounts below them alone. */
static struct list mount_entries;

/* Binds path onto itself and sets (or clears) one mount attribute on it and every mount below. */
static int bind_with_attribute(const char *path, uint64_t attribute, unsigned long legacy_flag, int set) {
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return -1;
    list_add(&mount_entries, path);
    struct mount_attr attr = { 0 };
    if (set)
        attr.attr_set = attribute;
    else
        attr.attr_clr = attribute;
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
        return 0;
    /* Kernels before 5.12: the top mount only. */
    return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | (set ? legacy_flag : 0), NULL);
}

static int bind_read_only(const char *path, int read_only) {
    return bind_with_attribute(path, MOUNT_ATTR_RDONLY, MS_RDONLY, read_only);
}

/* Whether path is base or lies below it. */
static int path_under(const char *path, const char *base) {
    size_t length = strlen(base);
    if (length == 1 && base[0] == '/')
        return 1;
    return strncmp(path, base, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

/* A mount below prefix that another entry of this namespace (strictly below prefix) covers keeps its own flags, as
 * systemd's deny list has it. */
static int mount_denied(const char *mount_point, const char *prefix, const struct list *const *lists, int count) {
    for (int l = 0; l < count; l++)
        for (int i = 0; i < lists[l]->count; i++) {
            int optional;
            char resolved[PATH_MAX];
            const char *entry = strip_optional(lists[l]->items[i], &optional);
            if (realpath(entry, resolved))
                entry = resolved;
            if (strcmp(entry, prefix) != 0 && path_under(entry, prefix) && path_under(mount_point, entry))
                return 1;
        }
    return 0;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_mount_path(char *path) {
    char *out = path;
    for (char *in = path; *in; in++) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' && in[3] >= '0' && in[3] <= '7') {
            *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 3;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
}

/* NoExecPaths= (no_exec) and ExecPaths=: the path, made a mount of its own, and every mount below it that no other
 * entry of this namespace covers, become noexec (or exec). */
static const struct context *exec_paths_context;
static int set_exec_flag(const char *path, int no_exec) {
    char prefix[PATH_MAX];
    if (!realpath(path, prefix))
        return -1;
    if (mount(prefix, prefix, NULL, MS_BIND | MS_REC, NULL) < 0)
        return -1;
    const struct context *c = exec_paths_context;
    const struct list *const entries[] = { &mount_entries, &c->no_exec, &c->exec };
    FILE *mountinfo = fopen("/proc/self/mountinfo", "re");
    if (!mountinfo)
        return -1;
    char line[PATH_MAX * 2 + 512];
    while (fgets(line, sizeof(line), mountinfo)) {
        /* "ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS ..." */
        char *field = line, *mount_point = NULL, *options = NULL;
        for (int n = 0; n < 6 && field; n++) {
            char *space = strchr(field, ' ');
            if (space)
                *space = '\0';
            if (n == 4)
                mount_point = field;
            if (n == 5)
                options = field;
            field = space ? space + 1 : NULL;
        }
        if (!mount_point || !options)
            continue;
        unescape_mount_path(mount_point);
        if (!path_under(mount_point, prefix) || (strcmp(mount_point, prefix) != 0 && mount_denied(mount_point, prefix, entries, 3)))
            continue;
        struct mount_attr attr = { 0 };
        if (no_exec)
            attr.attr_set = MOUNT_ATTR_NOEXEC;
        else
            attr.attr_clr = MOUNT_ATTR_NOEXEC;
        if (syscall(SYS_mount_setattr, AT_FDCWD, mount_point, AT_SYMLINK_NOFOLLOW, &attr, sizeof(attr)) == 0)
            continue;
        /* Kernels before 5.12: a remount, keeping what it can of the mount's flags. */
        unsigned long flags = MS_BIND | MS_REMOUNT | (no_exec ? MS_NOEXEC : 0);
        for (char *option = strtok(options, ","); option; option = strtok(NULL, ","))
            flags |= strcmp(option, "ro") == 0 ? MS_RDONLY : strcmp(option, "nosuid") == 0 ? MS_NOSUID
                   : strcmp(option, "nodev") == 0 ? MS_NODEV : 0;
        if (mount(NULL, mount_point, NULL, flags, NULL) < 0 && errno != ENOENT && errno != EACCES) {
            fclose(mountinfo);
            return -1;
        }
    }
    fclose(mountinfo);
    return 0;
}

/* ProtectProc=/ProcSubset=: a /proc of our own whose hidepid=/subset= hide other users' processes or all but them. */
static void mount_private_proc(const struct context *c) {
    char options[64];
    snprintf(options, sizeof(options), "%s%s%s%s", c->protect_proc ? "hidepid=" : "", c->protect_proc ? c->protect_proc : "",
             c->protect_proc && c->proc_subset ? "," : "", c->proc_subset ? "subset=pid" : "");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, options) < 0)
        fail(EXIT_CODE_NAMESPACE, errno, "ProtectProc=/ProcSubset=");
    list_add(&mount_entries, "/proc");
}

static void ensure_inaccessible_nodes(void) {
    mkdir(INACCESSIBLE_DIR, 0755);
    mkdir(INACCESSIBLE_DIR "/dir", 0000);
    int fd = open(INACCESSIBLE_DIR "/reg", O_CREAT | O_WRONLY | O_CLOEXEC, 0000);
    if (fd >= 0)
        close(fd);
    chmod(INACCESSIBLE_DIR "/dir", 0000);
    chmod(INACCESSIBLE_DIR "/reg", 0000);
}

static int make_inaccessible(const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0)
        return -1;
    const char *source = S_ISDIR(st.st_mode) ? INACCESSIBLE_DIR "/dir" : INACCESSIBLE_DIR "/reg";
    if (mount(source, path, NULL, MS_BIND, NULL) < 0)
        return -1;
    list_add(&mount_entries, path);
    return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void apply_path_list(const struct list *list, int (*apply)(const char *, int), int argument) {
    for (int i = 0; i < list->count; i++) {
        int optional;
        const char *path = strip_optional(list->items[i], &optional);
        if (apply(path, argument) < 0 && !(optional && errno == ENOENT))
            fail(EXIT_CODE_NAMESPACE, errno, path);
    }
}

static int inaccessible_adapter(const char *path, int unused) {
    (void)unused;
    return make_inaccessible(path);
}

/* Best-effort paths (absent on many systems): a missing one is not an error. */
static void apply_optional(const char *const *paths, int (*apply)(const char *, int), int argument) {
    for (; *paths; paths++)
        if (apply(*paths, argument) < 0 && errno != ENOENT)
            fail(EXIT_CODE_NAMESPACE, errno, *paths);
}

static void setup_private_devices(void) {
    static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };
    char staging[] = "/run/unitsd-dev.XXXXXX";
    if (!mkdtemp(staging) || mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") < 0)
        fail(EXIT_CODE_NAMESPACE, errno, "PrivateDevices=");
    char path[PATH_MAX], source[PATH_MAX];
    for (const char *const *node = nodes; *node; node++) {
        snprintf(path, sizeof(path), "%s/%s", staging, *node);
        snprintf(source, sizeof(source), "/dev/%s", *node);
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd >= 0)
            close(fd);
        if (mount(source, path, NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
            fail(EXIT_CODE_NAMESPACE, errno, source);
    }
    static const char *const dirs[] = { "pts", "shm", "mqueue", NULL };
    for (const char *const *dir = dirs; *dir; dir++) {
        snprintf(path, sizeof(path), "%s/%s", staging, *dir);
        snprintf(source, sizeof(source), "/dev/%s", *dir);
        mkdir(path, 0755);
        if (mount(source, path, NULL, MS_BIND | MS_REC, NULL) < 0 && errno != ENOENT)
            fail(EXIT_CODE_NAMESPACE, errno, source);
    }
    snprintf(path, sizeof(path), "%s/ptmx", staging);
    if (symlink("pts/ptmx", path) < 0 ||
        symlink("/proc/self/fd", (snprintf(path, sizeof(path), "%s/fd", staging), path)) < 0 ||
        mount(staging, "/dev", NULL, MS_MOVE, NULL) < 0)
        fail(EXIT_CODE_NAMESPACE, errno, "PrivateDevices=");
    rmdir(staging);
    list_add(&mount_entries, "/dev");
}

static void setup_private_network(void) {
    if (unshare(CLONE_NEWNET) < 0)
        fail(EXIT_CODE_NETWORK, errno, "PrivateNetwork=");
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strcpy(request.ifr_name, "lo");
    if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &request) < 0)
        fail(EXIT_CODE_NETWORK, errno, "lo");
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &request) < 0)
        fail(EXIT_CODE_NETWORK, errno, "lo");
    close(sock);
}

/* DynamicUser=: ROOT/private is root's alone, so the service could not pass through it to its own directories.
 * A tmpfs over it, holding writable binds of just this unit's directories, lets it (as systemd does). The
 * directories are held open before anything is mounted, since PrivateTmp= and the like may hide them (a ROOT
 * under /tmp). */
#define MAX_PRIVATE_DIRECTORIES 64
static struct { int fd; const char *path, *root; } held[MAX_PRIVATE_DIRECTORIES];
static int held_count;

static void hold_private_directories(const struct context *c) {
    for (int kind = 0; kind < DIR_KINDS; kind++)
        for (int i = 0; i < c->directories[kind].count; i++) {
            const char *path = strchr(c->directories[kind].items[i], ':') + 1;
            const char *root = private_root_of(c, path);
            if (!root)
                continue;
            if (held_count == MAX_PRIVATE_DIRECTORIES)
                fail(EXIT_CODE_NAMESPACE, E2BIG, path);
            int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0)
                fail(EXIT_CODE_NAMESPACE, errno, path);
            held[held_count].fd = fd;
            held[held_count].path = path;
            held[held_count++].root = root;
        }
}

static void expose_private_directories(const char *root) {
    char private_dir[PATH_MAX];
    snprintf(private_dir, sizeof(private_dir), "%s/private", root);
    if (mkdir_parents(private_dir, 0755) < 0)
        fail(EXIT_CODE_NAMESPACE, errno, private_dir);
    if (mount("tmpfs", private_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755") < 0)
        fail(EXIT_CODE_NAMESPACE, errno, private_dir);
    for (int i = 0; i < held_count; i++) {
        if (held[i].root != root)
            continue;
        char target[PATH_MAX], source[64];
        snprintf(target, sizeof(target), "%s", held[i].path);
        if (mkdir_parents(target, 0755) < 0)
            fail(EXIT_CODE_NAMESPACE, errno, held[i].path);
        snprintf(source, sizeof(source), "/proc/self/fd/%d", held[i].fd);
        /* A bind keeps its source's read-only flag (ProtectSystem=strict made / read-only): the unit's own
         * directory is writable. */
        if (mount(source, held[i].path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, held[i].path, NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
            fail(EXIT_CODE_NAMESPACE, errno, held[i].path);
        close(held[i].fd);
        /* Where a mount hid ROOT, its link to the directory is made again in here. */
        const char *name = held[i].path + strlen(private_dir) + 1;
        char public_path[PATH_MAX], link[PATH_MAX];
        snprintf(public_path, sizeof(public_path), "%s/%s", root, name);
        if (access(public_path, F_OK) == 0 || errno != ENOENT)
            continue;
        private_link_target(name, link, sizeof(link));
        snprintf(target, sizeof(target), "%s", public_path);
        *strrchr(target, '/') = '\0';
        if (mkdir_parents(target, 0755) < 0 || symlink(link, public_path) < 0)
            fail(EXIT_CODE_NAMESPACE, errno, public_path);
    }
}

/* ProtectHostname=: the host's name stays what it is whatever the service does (the seccomp filter also refuses
 * sethostname()/setdomainname()). As systemd, go on without the namespace where it is not allowed or supported. */
static void setup_protect_hostname(void) {
    if (unshare(CLONE_NEWUTS) == 0)
        return;
    if (errno != EPERM && errno != EACCES && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
        fail(EXIT_CODE_NAMESPACE, errno, "unshare(CLONE_NEWUTS)");
    static const char warning[] =
        "ProtectHostname=yes is configured, but UTS namespace setup is prohibited (container manager?), ignoring namespace setup.\n";
    ssize_t ignored = write(STDERR_FILENO, warning, sizeof(warning) - 1);
    (void)ignored;
}

static int needs_mount_namespace(const struct context *c) {
    return c->private_tmp || c->private_devices || c->protect_kernel_tunables ||
           c->protect_kernel_modules || c->protect_kernel_logs ||
           (c->protect_system && strcmp(c->protect_system, "no")) ||
           (c->protect_home && strcmp(c->protect_home, "no")) ||
           c->read_only.count || c->read_write.count || c->inaccessible.count || c->no_exec.count || c->exec.count ||
           c->protect_proc || c->proc_subset;
}

static void setup_mount_namespace(const struct context *c) {
    if (unshare(CLONE_NEWNS) < 0)
        fail(EXIT_CODE_NAMESPACE, errno, "unshare(CLONE_NEWNS)");
    /* Our mounts must not leak back to the host; host mounts still propagate in. */
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        fail(EXIT_CODE_NAMESPACE, errno, "MS_SLAVE");
    /* Opened in the new namespace (a bind's source must be in it), before anything is mounted. */
    hold_private_directories(c);
    ensure_inaccessible_nodes();
    /* Before anything is bound below /proc (ProtectKernelTunables=), which a new /proc would hide. */
    if (c->protect_proc || c->proc_subset)
        mount_private_proc(c);

    if (c->private_devices)
        setup_private_devices();
    if (c->private_tmp) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s", c->private_tmp);
        char *var_tmp = strchr(tmp, ':');
        if (!var_tmp)
            fail(EXIT_CODE_NAMESPACE, EINVAL, "PrivateTmp=");
        *var_tmp++ = '\0';
        /* Hold both sources before mounting: the first mount may hide the second's path. */
        int tmp_fd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int var_tmp_fd = open(var_tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tmp_fd < 0 || var_tmp_fd < 0)
            fail(EXIT_CODE_NAMESPACE, errno, tmp_fd < 0 ? tmp : var_tmp);
        char source[64];
        snprintf(source, sizeof(source), "/proc/self/fd/%d", tmp_fd);
        list_add(&mount_entries, "/tmp");
        list_add(&mount_entries, "/var/tmp");
        if (mount(source, "/tmp", NULL, MS_BIND | MS_REC, NULL) < 0)
            fail(EXIT_CODE_NAMESPACE, errno, tmp);
        snprintf(source, sizeof(source), "/proc/self/fd/%d", var_tmp_fd);
        if (mount(source, "/var/tmp", NULL, MS_BIND | MS_REC, NULL) < 0)
            fail(EXIT_CODE_NAMESPACE, errno, var_tmp);
        close(tmp_fd);
        close(var_tmp_fd);
    }

    /* ProtectSystem=: what becomes read-only. strict makes / read-only (the API file systems
     * are handled by the ProtectKernel* options, as in systemd). */
    if (c->protect_system && strcmp(c->protect_system, "no")) {
        if (strcmp(c->protect_system, "strict") == 0) {
            if (bind_read_only("/", 1) < 0)
                fail(EXIT_CODE_NAMESPACE, errno, "ProtectSystem=strict");
            static const char *const writable[] = { "/dev", "/proc", "/sys", "/run", "/tmp", "/var/tmp", NULL };
            apply_optional(writable, bind_read_only, 0);
        } else {
            static const char *const yes[] = { "/usr", "/boot", "/efi", NULL };
            apply_optional(yes, bind_read_only, 1);
            if (strcmp(c->protect_system, "full") == 0) {
                static const char *const full[] = { "/etc", NULL };
                apply_optional(full, bind_read_only, 1);
            }
        }
    }
    if (c->protect_home && strcmp(c->protect_home, "no")) {
        static const char *const homes[] = { "/home", "/root", "/run/user", NULL };
        if (strcmp(c->protect_home, "read-only") == 0) {
            apply_optional(homes, bind_read_only, 1);
        } else if (strcmp(c->protect_home, "tmpfs") == 0) {
            for (const char *const *home = homes; *home; home++)
                if (mount("tmpfs", *home, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME | MS_RDONLY, "mode=0755") < 0 && errno != ENOENT)
                    fail(EXIT_CODE_NAMESPACE, errno, *home);
        } else {
            apply_optional(homes, inaccessible_adapter, 0);
        }
    }
    if (c->protect_kernel_tunables) {
        static const char *const tunables[] = {
            "/proc/sys", "/proc/sysrq-trigger", "/proc/latency_stats", "/proc/mtrr", "/proc/apm",
            "/proc/acpi", "/proc/timer_stats", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
            "/sys", NULL,
        };
        static const char *const hidden[] = { "/proc/kallsyms", "/proc/kcore", NULL };
        apply_optional(tunables, bind_read_only, 1);
        apply_optional(hidden, inaccessible_adapter, 0);
    }
    if (c->protect_kernel_modules) {
        static const char *const modules[] = { "/lib/modules", "/usr/lib/modules", NULL };
        apply_optional(modules, inaccessible_adapter, 0);
    }
    if (c->protect_kernel_logs) {
        static const char *const logs[] = { "/proc/kmsg", "/dev/kmsg", NULL };
        apply_optional(logs, inaccessible_adapter, 0);
    }
    /* Explicit lists last, writable ones after read-only ones so they punch holes. */
    apply_path_list(&c->read_only, bind_read_only, 1);
    apply_path_list(&c->inaccessible, inaccessible_adapter, 0);
    apply_path_list(&c->read_write, bind_read_only, 0);
    exec_paths_context = c;
    apply_path_list(&c->no_exec, set_exec_flag, 1);
    apply_path_list(&c->exec, set_exec_flag, 0);
    for (int i = 0; i < c->private_roots.count; i++)
        expose_private_directories(c->private_roots.items[i]);
}

/* ---- capabilities ------------------------------------------------------------------------ */

static int last_capability(void) {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    char text[16] = { 0 };
    if (fd >= 0) {
        ssize_t n = read(fd, text, sizeof(text) - 1);
        close(fd);
        if (n > 0)
            return atoi(text);
    }
    return CAP_LAST_CAP;
}

static void drop_bounding_set(uint64_t keep) {
    int last = last_capability();
    for (int cap = 0; cap <= last && cap < 64; cap++)
        if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            fail(EXIT_CODE_CAPABILITIES, errno, "CapabilityBoundingSet=");
}

static void raise_ambient(uint64_t ambient) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { 0 };
    for (int word = 0; word < 2; word++) {
        uint32_t bits = (uint32_t)(ambient >> (32 * word));
        data[word].permitted = data[word].effective = data[word].inheritable = bits;
    }
    if (syscall(SYS_capset, &header, data) < 0)
        fail(EXIT_CODE_CAPABILITIES, errno, "AmbientCapabilities=");
    for (int cap = 0; cap < 64; cap++)
        if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail(EXIT_CODE_CAPABILITIES, errno, "AmbientCapabilities=");
}

/* ---- seccomp: SystemCallFilter= and the restrictions systemd builds on it ------------------- */

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SECCOMP_ARCH
#include "syscall-names.h"

#define MAX_FILTER BPF_MAXINSNS
struct filter {
    struct sock_filter code[MAX_FILTER];
    unsigned short length;
};

static void emit(struct filter *f, struct sock_filter instruction) {
    if (f->length >= MAX_FILTER)
        fail(EXIT_CODE_SECCOMP, E2BIG, "seccomp filter");
    f->code[f->length++] = instruction;
}

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LOAD_ARG(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 8 * (unsigned)(n))
#define RET(value) BPF_STMT(BPF_RET | BPF_K, (value))
#define JUMP(op, k, jt, jf) BPF_JUMP(BPF_JMP | (op) | BPF_K, (k), (jt), (jf))
#define ERRNO_ACTION(e) (SECCOMP_RET_ERRNO | ((uint32_t)(e) & SECCOMP_RET_DATA))
#define EPERM_ACTION ERRNO_ACTION(EPERM)

static int compare_syscall_name(const void *key, const void *entry) {
    return strcmp(key, ((const struct syscall_name *)entry)->name);
}

/* The call's number on this architecture, or -1 when it has no such call. */
static int syscall_number(const char *name) {
    const struct syscall_name *found = bsearch(name, syscall_names, sizeof(syscall_names) / sizeof(syscall_names[0]),
                                               sizeof(syscall_names[0]), compare_syscall_name);
    return found ? found->nr : -1;
}

/* Every filter starts so: calls of another ABI (another architecture, or x32's numbers) would reach the kernel
 * under numbers this filter does not check, so they end the process; then the call's number is loaded. */
static void begin_filter(struct filter *f) {
    f->length = 0;
    emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit(f, (struct sock_filter)JUMP(BPF_JEQ, SECCOMP_ARCH, 1, 0));
    emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
    emit(f, (struct sock_filter)LOAD_NR);
#ifdef __x86_64__
    emit(f, (struct sock_filter)JUMP(BPF_JGE, 0x40000000u, 0, 1));
    emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
#endif
}

/* Answers call nr with action. */
static void rule_call(struct filter *f, int nr, uint32_t action) {
    if (nr < 0)
        return;
    emit(f, (struct sock_filter)JUMP(BPF_JEQ, (unsigned)nr, 0, 1));
    emit(f, (struct sock_filter)RET(action));
}

/* Refuses call nr (EPERM) when its argument's low word has any of the bits (all of them when all_bits). */
static void rule_bits(struct filter *f, int nr, int argument, uint32_t bits, int all_bits) {
    if (nr < 0)
        return;
    emit(f, (struct sock_filter)JUMP(BPF_JEQ, (unsigned)nr, 0, all_bits ? 5 : 4));
    emit(f, (struct sock_filter)LOAD_ARG(argument));
    if (all_bits) {
        emit(f, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, bits));
        emit(f, (struct sock_filter)JUMP(BPF_JEQ, bits, 0, 1));
    } else {
        emit(f, (struct sock_filter)JUMP(BPF_JSET, bits, 0, 1));
    }
    emit(f, (struct sock_filter)RET(EPERM_ACTION));
    emit(f, (struct sock_filter)LOAD_NR);
}

/* Answers call nr with action when its argument is one of values (listed), or is none of them (!listed). */
static void rule_values(struct filter *f, int nr, int argument, const uint32_t *values, int count, int listed, uint32_t action) {
    if (nr < 0)
        return;
    emit(f, (struct sock_filter)JUMP(BPF_JEQ, (unsigned)nr, 0, (unsigned char)(count + (listed ? 4 : 3))));
    emit(f, (struct sock_filter)LOAD_ARG(argument));
    for (int i = 0; i < count; i++)
        /* A match skips the other tests and, listed, the JA to land on the RET; not listed, the RET. */
        emit(f, (struct sock_filter)JUMP(BPF_JEQ, values[i], (unsigned char)(count - i), 0));
    if (listed)
        emit(f, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1));
    emit(f, (struct sock_filter)RET(action));
    emit(f, (struct sock_filter)LOAD_NR);
}

/* RestrictSUIDSGID=: no file made or changed to be set-user-ID or set-group-ID (the mode argument). */
static void rule_suid_sgid(struct filter *f) {
    const uint32_t sxid = S_ISUID | S_ISGID;
    rule_bits(f, SYS_chmod, 1, sxid, 0);
    rule_bits(f, SYS_fchmod, 1, sxid, 0);
    rule_bits(f, SYS_fchmodat, 2, sxid, 0);
#ifdef SYS_fchmodat2
    rule_bits(f, SYS_fchmodat2, 2, sxid, 0);
#endif
    rule_bits(f, SYS_mkdir, 1, sxid, 0);
    rule_bits(f, SYS_mkdirat, 2, sxid, 0);
    rule_bits(f, SYS_mknod, 1, sxid, 0);
    rule_bits(f, SYS_mknodat, 2, sxid, 0);
    rule_bits(f, SYS_creat, 1, sxid, 0);
    /* open()/openat() create with a mode only with O_CREAT. */
    const int opens[][3] = { { SYS_open, 1, 2 }, { SYS_openat, 2, 3 } };
    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        emit(f, (struct sock_filter)JUMP(BPF_JEQ, (unsigned)opens[i][0], 0, 6));
        emit(f, (struct sock_filter)LOAD_ARG(opens[i][1]));
        emit(f, (struct sock_filter)JUMP(BPF_JSET, O_CREAT, 0, 3));
        emit(f, (struct sock_filter)LOAD_ARG(opens[i][2]));
        emit(f, (struct sock_filter)JUMP(BPF_JSET, sxid, 0, 1));
        emit(f, (struct sock_filter)RET(EPERM_ACTION));
        emit(f, (struct sock_filter)LOAD_NR);
    }
#ifdef SYS_openat2
    /* openat2() keeps its flags in memory a filter cannot read: ENOSYS sends callers back to openat(). */
    rule_call(f, SYS_openat2, ERRNO_ACTION(ENOSYS));
#endif
}

/* "allow:1,2,10" or "deny:16": RestrictAddressFamilies= as socket() rules. */
static void rule_address_families(struct filter *f, const char *spec) {
    int allow = strncmp(spec, "allow:", 6) == 0;
    if (!allow && strncmp(spec, "deny:", 5) != 0)
        fail(EXIT_CODE_SECCOMP, EINVAL, "restrict-address-families");
    uint32_t families[64];
    int count = 0;
    for (const char *p = strchr(spec, ':') + 1; *p; ) {
        char *end;
        long family = strtol(p, &end, 10);
        if (end == p || family < 0 || family > 255 || count == (int)(sizeof(families) / sizeof(families[0])))
            fail(EXIT_CODE_SECCOMP, EINVAL, "restrict-address-families");
        families[count++] = (uint32_t)family;
        p = *end == ',' ? end + 1 : end;
    }
    rule_values(f, SYS_socket, 0, families, count, !allow, ERRNO_ACTION(EAFNOSUPPORT));
}

/* "kill" or an errno, as SystemCallErrorNumber= and "name:errno" give it. */
static uint32_t parse_action(const char *text) {
    if (strcmp(text, "kill") == 0)
        return SECCOMP_RET_KILL_PROCESS;
    return ERRNO_ACTION(parse_long(text, 10, "syscall action"));
}

static int has_effective_sys_admin(void) {
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    if (syscall(SYS_capget, &header, data) < 0)
        return 0;
    return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

static void load_filter(struct filter *f) {
    struct sock_fprog program = { .len = f->length, .filter = f->code };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) < 0)
        fail(EXIT_CODE_SECCOMP, errno, "seccomp");
}

static int has_restrictions(const struct context *c) {
    return c->has_restrict_namespaces || c->syscall_deny.count || c->address_families || c->memory_deny_write_execute ||
           c->restrict_realtime || c->restrict_suid_sgid || c->lock_personality || c->restrict_architectures;
}

/* The restrictions, then SystemCallFilter= (two filters: the kernel applies the stricter answer of both). */
static void install_seccomp(const struct context *c) {
    if (!has_restrictions(c) && !c->syscall_filter)
        return;
    /* As systemd: a filter needs CAP_SYS_ADMIN or NoNewPrivileges=; without the capability (a User= service, a
     * user manager) the filter implies NoNewPrivileges=. */
    if (!has_effective_sys_admin() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail(EXIT_CODE_NO_NEW_PRIVILEGES, errno, "NoNewPrivileges=");
    static struct filter f;
    if (has_restrictions(c)) {
        begin_filter(&f);
        if (c->has_restrict_namespaces) {
            const uint32_t all = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
            uint32_t forbidden = all & ~(uint32_t)c->allowed_namespaces;
            if (forbidden) {
                rule_bits(&f, SYS_unshare, 0, forbidden, 0);
                rule_bits(&f, SYS_clone, 0, forbidden, 0);
                rule_bits(&f, SYS_setns, 1, forbidden, 0);
                /* setns(fd, 0) may join any type: allowed only when nothing is forbidden. */
                const uint32_t any_type = 0;
                rule_values(&f, SYS_setns, 1, &any_type, 1, 1, EPERM_ACTION);
                /* clone3 passes flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone. */
                rule_call(&f, SYS_clone3, ERRNO_ACTION(ENOSYS));
            }
        }
        for (int i = 0; i < c->syscall_deny.count; i++)
            rule_call(&f, syscall_number(c->syscall_deny.items[i]), EPERM_ACTION);
        if (c->address_families)
            rule_address_families(&f, c->address_families);
        if (c->memory_deny_write_execute) {
            rule_bits(&f, SYS_mmap, 2, PROT_EXEC | PROT_WRITE, 1);
            rule_bits(&f, SYS_mprotect, 2, PROT_EXEC, 0);
            rule_bits(&f, SYS_pkey_mprotect, 2, PROT_EXEC, 0);
            rule_bits(&f, SYS_shmat, 2, SHM_EXEC, 0);
        }
        if (c->restrict_realtime) {
            /* Only SCHED_OTHER, SCHED_BATCH and SCHED_IDLE; so no SCHED_RESET_ON_FORK either. */
            const uint32_t permitted[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE };
            rule_values(&f, SYS_sched_setscheduler, 1, permitted, 3, 0, EPERM_ACTION);
        }
        if (c->restrict_suid_sgid)
            rule_suid_sgid(&f);
        if (c->lock_personality) {
            /* The personality in effect (PER_LINUX, or PER_LINUX32 under a 32-bit one) is the only one allowed. */
            const uint32_t locked = (personality(0xffffffff) & 0xffff) == PER_LINUX32 ? PER_LINUX32 : PER_LINUX;
            rule_values(&f, SYS_personality, 0, &locked, 1, 0, EPERM_ACTION);
        }
        emit(&f, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
        load_filter(&f);
    }
    if (c->syscall_filter) {
        int allow_list = strcmp(c->syscall_filter, "allow") == 0;
        uint32_t refused = parse_action(c->syscall_error ? c->syscall_error : "kill");
        begin_filter(&f);
        for (int i = 0; i < c->syscalls.count; i++) {
            char name[64];
            const char *entry = c->syscalls.items[i], *colon = strchr(entry, ':');
            size_t length = colon ? (size_t)(colon - entry) : strlen(entry);
            if (length >= sizeof(name))
                continue; /* no such call */
            memcpy(name, entry, length);
            name[length] = '\0';
            uint32_t action = colon ? parse_action(colon + 1) : allow_list ? SECCOMP_RET_ALLOW : refused;
            rule_call(&f, syscall_number(name), action);
        }
        emit(&f, (struct sock_filter)RET(allow_list ? refused : SECCOMP_RET_ALLOW));
        load_filter(&f);
    }
}
#else
static void install_seccomp(const struct context *c) {
    if (c->has_restrict_namespaces || c->syscall_deny.count || c->address_families || c->memory_deny_write_execute ||
        c->restrict_realtime || c->restrict_suid_sgid || c->lock_personality || c->restrict_architectures || c->syscall_filter)
        fail(EXIT_CODE_SECCOMP, ENOTSUP, "seccomp: unsupported architecture");
}
#endif

/* ---- exec -------------------------------------------------------------------------------- */

static const char *find_env(const struct list *env, const char *name) {
    size_t length = strlen(name);
    for (int i = 0; i < env->count; i++)
        if (strncmp(env->items[i], name, length) == 0 && env->items[i][length] == '=')
            return env->items[i] + length + 1;
    return NULL;
}

static void set_env(struct list *env, const char *name, const char *value) {
    size_t length = strlen(name);
    char *entry = malloc(length + strlen(value) + 2);
    if (!entry)
        fail(EXIT_CODE_MEMORY, ENOMEM, name);
    sprintf(entry, "%s=%s", name, value);
    for (int i = 0; i < env->count; i++)
        if (strncmp(env->items[i], name, length) == 0 && env->items[i][length] == '=') {
            env->items[i] = entry;
            return;
        }
    list_add(env, entry);
}

static void exec_command(struct context *c) {
    char *const *argv = (char *const *)c->argv.items;
    char *const *envp = (char *const *)c->env.items;
    if (strchr(c->path, '/')) {
        execve(c->path, argv, envp);
        fail(EXIT_CODE_EXEC, errno, c->path);
    }
    const char *search = find_env(&c->env, "PATH");
    int saved = ENOENT;
    char candidate[PATH_MAX];
    for (const char *dir = search ? search : DEFAULT_PATH; *dir;) {
        const char *colon = strchrnul(dir, ':');
        snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)(colon - dir), dir, c->path);
        execve(candidate, argv, envp);
        if (errno != ENOENT && errno != ENOTDIR)
            saved = errno;
        dir = *colon ? colon + 1 : colon;
    }
    fail(EXIT_CODE_EXEC, saved, c->path);
}

static void reset_signals(void) {
    /* unitsd's runtime ignores SIGPIPE, and ignored signals survive execve. */
    struct sigaction action = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < _NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &action, NULL);
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        fail(EXIT_CODE_SIGNAL_MASK, errno, "sigprocmask");
}

int main(int argc, char **argv) {
    /* unitsd names us after the command we prepare ("(sleep)"), as systemd names its forked child: make the
     * kernel's name (comm) say so too until execve replaces both. */
    if (argc > 0 && argv[0] && argv[0][0] == '(')
        prctl(PR_SET_NAME, argv[0]);
    reset_signals();
    /* If unitsd dies while we prepare, nobody would supervise the result: die with it. The
     * context may set another parent-death signal for the command itself. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    size_t length;
    char *data = read_all(CONTEXT_FD, &length);
    close(CONTEXT_FD);
    struct context c;
    parse_context(data, length, &c);
    if (prctl(PR_SET_PDEATHSIG, c.pdeathsig) < 0)
        fail(EXIT_CODE_SIGNAL_MASK, errno, "PR_SET_PDEATHSIG");

    /* Join the unit's cgroup before anything can fork, so that no process escapes it. */
    if (c.cgroup)
        join_cgroup(c.cgroup);
    if (c.setsid && setsid() < 0)
        fail(EXIT_CODE_SETSID, errno, "setsid");
    if (c.idle >= 0)
        wait_for_idle_manager(FIRST_PASSED_FD + c.idle);

    struct identity id;
    resolve_identity(&c, &id);

    setup_stdio(&c);
    arrange_descriptors(&c);
    make_directories(&c, &id);
    apply_process_attributes(&c);

    if (c.private_network)
        setup_private_network();
    if (c.protect_hostname)
        setup_protect_hostname();
    if (needs_mount_namespace(&c))
        setup_mount_namespace(&c);
    if (c.root_directory && (chroot(c.root_directory) < 0 || chdir("/") < 0))
        fail(EXIT_CODE_CHROOT, errno, c.root_directory);

    if (c.has_bounding)
        drop_bounding_set(c.bounding);
    /* "+" and "!" commands keep unitsd's credentials: user/group only named the directories' owner. */
    int switch_user = c.credentials && id.set_user, switch_group = c.credentials && id.set_group;
    int keep_ambient = c.has_ambient && c.ambient && switch_user && id.uid != 0;
    if (keep_ambient && prctl(PR_SET_KEEPCAPS, 1) < 0)
        fail(EXIT_CODE_CAPABILITIES, errno, "PR_SET_KEEPCAPS");
    if (switch_user || (c.credentials && c.supplementary_groups.count)) {
        if (setgroups((size_t)id.group_count, id.groups) < 0)
            fail(EXIT_CODE_GROUP, errno, "setgroups");
    }
    if (switch_group && setresgid(id.gid, id.gid, id.gid) < 0)
        fail(EXIT_CODE_GROUP, errno, c.group ? c.group : c.user);
    if (switch_user && setresuid(id.uid, id.uid, id.uid) < 0)
        fail(EXIT_CODE_USER, errno, c.user);
    if (keep_ambient)
        raise_ambient(c.ambient);

    /* After the credential change, so permissions are checked as the service's user. */
    if (c.working_directory) {
        int optional;
        const char *dir = strip_optional(c.working_directory, &optional);
        if (strcmp(dir, "~") == 0)
            dir = id.home ? id.home : find_env(&c.env, "HOME") ? find_env(&c.env, "HOME") : "/";
        if (chdir(dir) < 0 && !optional)
            fail(EXIT_CODE_CHDIR, errno, dir);
    }

    if (c.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail(EXIT_CODE_NO_NEW_PRIVILEGES, errno, "NoNewPrivileges=");
    install_seccomp(&c);

    if (id.set_user) {
        set_env(&c.env, "USER", id.name);
        set_env(&c.env, "LOGNAME", id.name);
        if (id.home)
            set_env(&c.env, "HOME", id.home);
        if (id.shell)
            set_env(&c.env, "SHELL", id.shell);
    }
    if (c.listen_fds > 0) {
        char text[24];
        snprintf(text, sizeof(text), "%d", (int)getpid());
        set_env(&c.env, "LISTEN_PID", text);
        snprintf(text, sizeof(text), "%d", c.listen_fds);
        set_env(&c.env, "LISTEN_FDS", text);
    }
    exec_command(&c);
}
