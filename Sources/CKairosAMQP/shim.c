#include "ckairos_amqp.h"
#include <errno.h>

amqp_rpc_reply_t ckairos_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                          int frame_max, const char *user, const char *password) {
    return amqp_login(state, vhost, 0, frame_max, 0, AMQP_SASL_METHOD_PLAIN, user, password);
}

int ckairos_amqp_shutdown(int fd) {
    return shutdown(fd, SHUT_RDWR) == 0 ? 0 : -errno;
}
