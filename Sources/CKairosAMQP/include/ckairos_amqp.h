// rabbitmq-c (librabbitmq 0.11) for Swift, plus one-call wrappers for what Swift cannot call.
// Rule: no logic here (ARCHITECTURE rule 1).
#ifndef CKAIROS_AMQP_H
#define CKAIROS_AMQP_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

/// amqp_login is variadic (its SASL arguments), which Swift cannot call: PLAIN with
/// `user` and `password`, channel-max 0 (the broker's), the given frame-max, heartbeat 0.
amqp_rpc_reply_t ckairos_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                          int frame_max, const char *user, const char *password);

/// shutdown(fd, SHUT_RDWR): wakes a thread blocked inside rabbitmq-c on that socket.
/// Returns 0 or -errno.
int ckairos_amqp_shutdown(int fd);

#endif
