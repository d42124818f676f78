/*
 * libunitsd-spawn: starts unitsd-executor as a child born in its unit's cgroup (clone3 with CLONE_INTO_CGROUP),
 * so that neither unitsd nor the executor has to move it there. Moving a process into a cgroup (writing its
 * cgroup.procs) takes the kernel's cgroup_threadgroup_rwsem for writing, which can wait for an RCU grace period:
 * measured here, it was the largest single cost of restarting a service.
 *
 * Like glibc's posix_spawn, the child shares unitsd's memory until it executes (CLONE_VM | CLONE_VFORK) and runs
 * on a stack of its own, with every signal blocked until the handlers unitsd installed are reset: none of them may
 * run in the child. On an architecture without the small entry below, or a kernel without clone3 or
 * CLONE_INTO_CGROUP, units_spawn returns -ENOSYS and unitsd uses posix_spawn and joins the cgroup instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct request {
    const char *path;
    char *const *argv, *const *envp;
    const int *fds; /* fds[i] becomes descriptor 3 + i */
    int fd_count;
    const sigset_t *mask; /* the caller's mask, restored before execve */
    volatile int error;   /* errno of a failed execve (the memory is shared) */
};

/* Runs in the child, on its own stack; never returns. */
static int child(void *argument) {
    struct request *r = argument;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction action;
        if (sigaction(sig, NULL, &action) == 0 && action.sa_handler != SIG_IGN && action.sa_handler != SIG_DFL) {
            memset(&action, 0, sizeof(action));
            action.sa_handler = SIG_DFL;
            sigaction(sig, &action, NULL);
        }
    }
    sigprocmask(SIG_SETMASK, r->mask, NULL);
    for (int i = 0; i < r->fd_count; i++)
        if (dup2(r->fds[i], 3 + i) < 0) {
            r->error = errno;
            _exit(127);
        }
    execve(r->path, r->argv, r->envp);
    r->error = errno;
    _exit(127);
}

#if defined(__x86_64__)
/* long units_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *argument): the child calls fn on
 * the stack the arguments give it and exits with its result; the parent returns the child's pid or -errno. */
long units_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *argument);
__asm__(
    ".text\n"
    ".type units_clone3, @function\n"
    "units_clone3:\n"
    "    mov %rdx, %r8\n"
    "    mov %rcx, %r9\n"
    "    mov $435, %eax\n" /* SYS_clone3 */
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jnz 1f\n"
    "    xor %ebp, %ebp\n"
    "    mov %r9, %rdi\n"
    "    call *%r8\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n" /* SYS_exit */
    "    syscall\n"
    "    hlt\n"
    "1:  ret\n"
    ".size units_clone3, .-units_clone3\n");
#define HAVE_CLONE3_ENTRY 1
#elif defined(__aarch64__)
long units_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *argument);
__asm__(
    ".text\n"
    ".type units_clone3, %function\n"
    "units_clone3:\n"
    "    mov x9, x2\n"
    "    mov x10, x3\n"
    "    mov x8, #435\n" /* SYS_clone3 */
    "    svc #0\n"
    "    cbnz x0, 1f\n"
    "    mov x29, #0\n"
    "    mov x0, x10\n"
    "    blr x9\n"
    "    mov x8, #93\n" /* SYS_exit */
    "    svc #0\n"
    "    brk #0\n"
    "1:  ret\n"
    ".size units_clone3, .-units_clone3\n");
#define HAVE_CLONE3_ENTRY 1
#endif

/* One spawn at a time (unitsd spawns under a lock), so one stack serves them all. */
static _Alignas(16) unsigned char child_stack[64 * 1024];

/* The pid of `path` started with argv/envp and fds[i] at 3 + i, born in the cgroup whose directory cgroup_fd is
 * open on; or -errno (-ENOSYS: not possible here, use posix_spawn). */
int units_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int fd_count, int cgroup_fd) {
#ifdef HAVE_CLONE3_ENTRY
    sigset_t all, old;
    sigfillset(&all);
    if (pthread_sigmask(SIG_BLOCK, &all, &old) != 0)
        return -EINVAL;
    struct request r = { .path = path, .argv = argv, .envp = envp, .fds = fds, .fd_count = fd_count, .mask = &old };
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)child_stack;
    args.stack_size = sizeof(child_stack);
    args.cgroup = (uint64_t)cgroup_fd;
    long pid = units_clone3(&args, sizeof(args), child, &r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
        return pid == -E2BIG || pid == -EINVAL || pid == -EOPNOTSUPP ? -ENOSYS : (int)pid;
    /* CLONE_VFORK: the child has executed or exited by now; an exec failure is the caller's to report (the child's
     * exit status 127 is left for the reaper). */
    return r.error ? -r.error : (int)pid;
#else
    (void)path; (void)argv; (void)envp; (void)fds; (void)fd_count; (void)cgroup_fd;
    return -ENOSYS;
#endif
}
