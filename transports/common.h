/* Helpers shared by the socket transports (unix.c, tcp.c): the node's
 * runtime directory, the attribute file beside a mailbox, and handing a
 * bound socket from the daemon to the receiving actor. */
#ifndef TROUPE_TRANSPORT_COMMON_H
#define TROUPE_TRANSPORT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "transport.h"
#include "rundir.h"

#define TP_HANDOFF_MAX 2

/* The attribute file beside a mailbox: what a sender must know. */
struct tp_attr_file {
	uint32_t depth, msg_max, when_full, port;
	uint32_t idle_ms;            /* tcp: the receiver's idle timeout; 0: none */
};
int tp_attr_write(const char *file, const struct tp_attr_file *a, mode_t mode);
int tp_attr_read(const char *file, struct tp_attr_file *a);

/* Receiving actor: the descriptors the daemon handed over in
 * TROUPE_MBOX_FD (at most max), made close-on-exec; how many, or
 * -TP_ENOENT if there are none. */
int tp_handoff_take(int *fds, int max);

/* The uid owning the peer's end of loopback TCP connection fd
 * (tcp_peer.c): 0, -TP_ENOENT if not listed, or another code. */
int tp_tcp_peer_uid(int fd, uid_t *uid);

/* A number from a /proc/sys file (a kernel limit); -1 if unreadable. */
long tp_proc_long(const char *path);

/* A socket mailbox's sender asks for a send buffer of depth messages of
 * msg_max + per_msg bytes (what the kernel charges for each); the kernel
 * grants at most twice net.core.wmem_max, and then the mailbox holds
 * fewer than depth.  0, or -TP_ELIMIT with the fix in err. */
int tp_check_sndbuf(const struct tp_mbox_attr *a, uint32_t per_msg, char *err, size_t errlen);

#endif
