// hiredis for the redis runner: only its RESP encoder (redisFormatCommandArgv) and reply
// parser (redisReader) are used; sockets, TLS and timers are Kairos's own (D-network-runners).
#include <hiredis/hiredis.h>
