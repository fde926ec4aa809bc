/* The transports this build carries, in the order `transport = auto`
 * and the error messages list them.  Adding a transport is its own .c
 * file (one const struct tp_transport tp_transport_<name>) and one line
 * here. */
TP_TRANSPORT(mq)
TP_TRANSPORT(shm)
TP_TRANSPORT(unix)
TP_TRANSPORT(tcp)
