// One-call wrappers over Linux syscalls and OpenSSL macros for Swift.
// Rule: no logic here. Each function makes exactly one call and returns its
// result, or -errno on failure, so Swift never has to read errno after ARC or
// another call may have changed it.
#ifndef CKAIROS_H
#define CKAIROS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <spawn.h>
#include <signal.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>

// MARK: epoll
int ckairos_epoll_create1(int flags);
int ckairos_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits for events; fills parallel arrays so Swift needs no packed-struct access.
int ckairos_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int maxevents, int timeout_ms);

// MARK: sockets
int ckairos_socket(int domain, int type, int protocol);
int ckairos_bind(int fd, const struct sockaddr *addr, socklen_t len);
int ckairos_listen(int fd, int backlog);
int ckairos_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int ckairos_connect(int fd, const struct sockaddr *addr, socklen_t len);
int ckairos_setsockopt_int(int fd, int level, int name, int value);
int ckairos_getsockopt_int(int fd, int level, int name, int *value);
int ckairos_getsockname(int fd, struct sockaddr *addr, socklen_t *len);

// MARK: file descriptors
ssize_t ckairos_read(int fd, void *buf, size_t count);
ssize_t ckairos_write(int fd, const void *buf, size_t count);
ssize_t ckairos_pread(int fd, void *buf, size_t count, off_t offset);
int ckairos_open(const char *path, int flags, int mode);
int ckairos_close(int fd);
int ckairos_fsync(int fd);
int ckairos_fdatasync(int fd);
int ckairos_ftruncate(int fd, off_t length);
int ckairos_rename(const char *from, const char *to);
int ckairos_unlink(const char *path);
int ckairos_fstat_size(int fd, int64_t *size, uint64_t *inode);
int ckairos_stat_size(const char *path, int64_t *size, uint64_t *inode);
int ckairos_pipe2(int fds[2], int flags);
int ckairos_flock(int fd, int operation);

// MARK: eventfd / timerfd / pidfd / signals
int ckairos_eventfd(unsigned int initval, int flags);
int ckairos_timerfd_create(int clockid, int flags);
int ckairos_timerfd_settime_ns(int fd, int64_t initial_ns, int64_t interval_ns);
int ckairos_pidfd_open(pid_t pid, unsigned int flags);
int ckairos_pidfd_send_signal(int pidfd, int sig);
int ckairos_waitpid(pid_t pid, int *status, int options);
int ckairos_kill(pid_t pid, int sig);
int ckairos_signalfd_block(const int *signals, int count);
int ckairos_wifexited(int status);
int ckairos_wexitstatus(int status);
int64_t ckairos_clock_realtime_ns(void);
int64_t ckairos_clock_monotonic_ns(void);
int64_t ckairos_process_cpu_ns(void);
int ckairos_getrlimit_nofile(uint64_t *soft, uint64_t *hard);
int ckairos_setrlimit_nofile(uint64_t soft, uint64_t hard);

// MARK: posix_spawn
int ckairos_spawn_file_actions_init(posix_spawn_file_actions_t *actions);
int ckairos_spawn_file_actions_destroy(posix_spawn_file_actions_t *actions);
int ckairos_spawn_file_actions_addopen(posix_spawn_file_actions_t *actions, int fd, const char *path, int flags, int mode);
int ckairos_spawnattr_init(posix_spawnattr_t *attr);
int ckairos_spawnattr_destroy(posix_spawnattr_t *attr);
int ckairos_spawnattr_setflags(posix_spawnattr_t *attr, short flags);
int ckairos_spawnattr_setsigmask_empty(posix_spawnattr_t *attr);
int ckairos_spawnattr_setsigdefault_all(posix_spawnattr_t *attr);
/// posix_spawnp with the environment `envp`; returns 0 or a positive error number (posix_spawn's own convention).
int ckairos_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                         const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
/// The process environment (`environ`), NULL-terminated.
char *const *ckairos_environ(void);

// MARK: OpenSSL (macros and variadics become functions)
long ckairos_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long ckairos_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
long ckairos_SSL_CTX_set_options(SSL_CTX *ctx, long options);
size_t ckairos_BIO_ctrl_pending(BIO *bio);

// MARK: TLS
#include <openssl/buffer.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
long ckairos_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
long ckairos_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long ckairos_BIO_get_mem_ptr(BIO *bio, BUF_MEM **buffer);
long ckairos_BIO_set_mem_buf(BIO *bio, BUF_MEM *buffer, int close);
/// SSL_OP_* values are 64-bit shift macros that Swift does not import.
uint64_t ckairos_SSL_OP_NO_TICKET(void);
uint64_t ckairos_SSL_OP_NO_RENEGOTIATION(void);
/// Heap accounting for per-connection memory measurements (glibc's malloc.h is not in Swift's Glibc).
#include <malloc.h>
size_t ckairos_mallinfo2_uordblks(void);
int ckairos_malloc_trim(size_t pad);
// MARK: runners
int ckairos_spawn_file_actions_adddup2(posix_spawn_file_actions_t *actions, int fd, int newfd);
int ckairos_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup);
int ckairos_fcntl_int(int fd, int cmd, int arg);
/// Blocks `signals` in the calling thread (pthread_sigmask); 0 or -errno.
int ckairos_pthread_sigmask_block(const int *signals, int count);
/// Names the calling thread (pthread_setname_np, at most 15 bytes); 0 or -errno.
int ckairos_pthread_setname_self(const char *name);
int ckairos_wifsignaled(int status);
int ckairos_wtermsig(int status);

#endif
