#define _GNU_SOURCE
// See ckairos.h: one call per function, result or -errno, no logic.
#include "ckairos.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <pthread.h>

extern char **environ;

#define RET(expr) do { long _r = (long)(expr); return _r < 0 ? -errno : _r; } while (0)

int ckairos_epoll_create1(int flags) { RET(epoll_create1(flags)); }
int ckairos_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = { .events = events, .data = { .u64 = data } };
    RET(epoll_ctl(epfd, op, fd, &ev));
}
int ckairos_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int maxevents, int timeout_ms) {
    struct epoll_event evs[maxevents > 0 && maxevents <= 1024 ? maxevents : 1024];
    int n = epoll_wait(epfd, evs, maxevents > 0 && maxevents <= 1024 ? maxevents : 1024, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) { events[i] = evs[i].events; data[i] = evs[i].data.u64; }
    return n;
}

int ckairos_socket(int domain, int type, int protocol) { RET(socket(domain, type, protocol)); }
int ckairos_bind(int fd, const struct sockaddr *addr, socklen_t len) { RET(bind(fd, addr, len)); }
int ckairos_listen(int fd, int backlog) { RET(listen(fd, backlog)); }
int ckairos_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { RET(accept4(fd, addr, len, flags)); }
int ckairos_connect(int fd, const struct sockaddr *addr, socklen_t len) { RET(connect(fd, addr, len)); }
int ckairos_setsockopt_int(int fd, int level, int name, int value) {
    RET(setsockopt(fd, level, name, &value, sizeof value));
}
int ckairos_getsockopt_int(int fd, int level, int name, int *value) {
    socklen_t len = sizeof *value;
    RET(getsockopt(fd, level, name, value, &len));
}
int ckairos_getsockname(int fd, struct sockaddr *addr, socklen_t *len) { RET(getsockname(fd, addr, len)); }

ssize_t ckairos_read(int fd, void *buf, size_t count) { RET(read(fd, buf, count)); }
ssize_t ckairos_write(int fd, const void *buf, size_t count) { RET(write(fd, buf, count)); }
ssize_t ckairos_pread(int fd, void *buf, size_t count, off_t offset) { RET(pread(fd, buf, count, offset)); }
int ckairos_open(const char *path, int flags, int mode) { RET(open(path, flags, (mode_t)mode)); }
int ckairos_close(int fd) { RET(close(fd)); }
int ckairos_fsync(int fd) { RET(fsync(fd)); }
int ckairos_fdatasync(int fd) { RET(fdatasync(fd)); }
int ckairos_ftruncate(int fd, off_t length) { RET(ftruncate(fd, length)); }
int ckairos_rename(const char *from, const char *to) { RET(rename(from, to)); }
int ckairos_unlink(const char *path) { RET(unlink(path)); }
int ckairos_fstat_size(int fd, int64_t *size, uint64_t *inode) {
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    *size = st.st_size; *inode = st.st_ino;
    return 0;
}
int ckairos_stat_size(const char *path, int64_t *size, uint64_t *inode) {
    struct stat st;
    if (stat(path, &st) < 0) return -errno;
    *size = st.st_size; *inode = st.st_ino;
    return 0;
}
int ckairos_pipe2(int fds[2], int flags) { RET(pipe2(fds, flags)); }
int ckairos_flock(int fd, int operation) { RET(flock(fd, operation)); }

int ckairos_eventfd(unsigned int initval, int flags) { RET(eventfd(initval, flags)); }
int ckairos_timerfd_create(int clockid, int flags) { RET(timerfd_create(clockid, flags)); }
int ckairos_timerfd_settime_ns(int fd, int64_t initial_ns, int64_t interval_ns) {
    struct itimerspec spec = {
        .it_interval = { .tv_sec = interval_ns / 1000000000, .tv_nsec = interval_ns % 1000000000 },
        .it_value = { .tv_sec = initial_ns / 1000000000, .tv_nsec = initial_ns % 1000000000 },
    };
    RET(timerfd_settime(fd, 0, &spec, NULL));
}
int ckairos_pidfd_open(pid_t pid, unsigned int flags) { RET(syscall(SYS_pidfd_open, pid, flags)); }
int ckairos_pidfd_send_signal(int pidfd, int sig) { RET(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0)); }
int ckairos_waitpid(pid_t pid, int *status, int options) { RET(waitpid(pid, status, options)); }
int ckairos_kill(pid_t pid, int sig) { RET(kill(pid, sig)); }
int ckairos_signalfd_block(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -EINVAL;
    RET(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}
int ckairos_wifexited(int status) { return WIFEXITED(status); }
int ckairos_wexitstatus(int status) { return WEXITSTATUS(status); }
static int64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
int64_t ckairos_clock_realtime_ns(void) { return clock_ns(CLOCK_REALTIME); }
int64_t ckairos_clock_monotonic_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
int64_t ckairos_process_cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }
int ckairos_getrlimit_nofile(uint64_t *soft, uint64_t *hard) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -errno;
    *soft = rl.rlim_cur; *hard = rl.rlim_max;
    return 0;
}
int ckairos_setrlimit_nofile(uint64_t soft, uint64_t hard) {
    struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };
    RET(setrlimit(RLIMIT_NOFILE, &rl));
}

int ckairos_spawn_file_actions_init(posix_spawn_file_actions_t *a) { return posix_spawn_file_actions_init(a); }
int ckairos_spawn_file_actions_destroy(posix_spawn_file_actions_t *a) { return posix_spawn_file_actions_destroy(a); }
int ckairos_spawn_file_actions_addopen(posix_spawn_file_actions_t *a, int fd, const char *path, int flags, int mode) {
    return posix_spawn_file_actions_addopen(a, fd, path, flags, (mode_t)mode);
}
int ckairos_spawnattr_init(posix_spawnattr_t *attr) { return posix_spawnattr_init(attr); }
int ckairos_spawnattr_destroy(posix_spawnattr_t *attr) { return posix_spawnattr_destroy(attr); }
int ckairos_spawnattr_setflags(posix_spawnattr_t *attr, short flags) { return posix_spawnattr_setflags(attr, flags); }
int ckairos_spawnattr_setsigmask_empty(posix_spawnattr_t *attr) {
    sigset_t set;
    sigemptyset(&set);
    return posix_spawnattr_setsigmask(attr, &set);
}
int ckairos_spawnattr_setsigdefault_all(posix_spawnattr_t *attr) {
    sigset_t set;
    sigfillset(&set);
    return posix_spawnattr_setsigdefault(attr, &set);
}
int ckairos_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                         const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
    return posix_spawnp(pid, file, actions, attr, argv, envp);
}
char *const *ckairos_environ(void) { return environ; }

long ckairos_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
long ckairos_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
long ckairos_SSL_CTX_set_options(SSL_CTX *ctx, long options) { return (long)SSL_CTX_set_options(ctx, options); }
size_t ckairos_BIO_ctrl_pending(BIO *bio) { return BIO_ctrl_pending(bio); }

// MARK: TLS
long ckairos_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
long ckairos_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_max_proto_version(ctx, version); }
long ckairos_BIO_get_mem_ptr(BIO *bio, BUF_MEM **buffer) { return BIO_get_mem_ptr(bio, buffer); }
long ckairos_BIO_set_mem_buf(BIO *bio, BUF_MEM *buffer, int close) { return BIO_set_mem_buf(bio, buffer, close); }
uint64_t ckairos_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
uint64_t ckairos_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
size_t ckairos_mallinfo2_uordblks(void) { return mallinfo2().uordblks; }
int ckairos_malloc_trim(size_t pad) { return malloc_trim(pad); }
// MARK: runners
int ckairos_spawn_file_actions_adddup2(posix_spawn_file_actions_t *a, int fd, int newfd) {
    return posix_spawn_file_actions_adddup2(a, fd, newfd);
}
int ckairos_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup) { return posix_spawnattr_setpgroup(attr, pgroup); }
int ckairos_fcntl_int(int fd, int cmd, int arg) { RET(fcntl(fd, cmd, arg)); }
int ckairos_pthread_sigmask_block(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    int rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
    return rc == 0 ? 0 : -rc;
}
int ckairos_wifsignaled(int status) { return WIFSIGNALED(status); }
int ckairos_wtermsig(int status) { return WTERMSIG(status); }

int ckairos_pthread_setname_self(const char *name) { return -pthread_setname_np(pthread_self(), name); }
