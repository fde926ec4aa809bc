/* Helpers shared by the socket transports (unix.c, tcp.c): the node's
 * runtime directory, the attribute file beside a mailbox, and handing a
 * bound socket from the daemon to the receiving actor. */
#ifndef TROUPE_TRANSPORT_COMMON_H
#define TROUPE_TRANSPORT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include "transport.h"

#define TP_RUN_DIR_ENV "TROUPE_RUN_DIR"
#define TP_HANDOFF_MAX 2

/* The runtime directory: $TROUPE_RUN_DIR, else $XDG_RUNTIME_DIR/troupe,
 * else /run/troupe for root, else /tmp/troupe-<uid>.  0 or -TP_ETOOBIG. */
int tp_rundir(char *buf, size_t n);

/* Creates it if missing (mode 0700, 0750 if mode gives the group access)
 * and checks that it is ours and not writable by others.  On failure, a
 * sentence in err. */
int tp_rundir_make(mode_t mode, char *err, size_t errlen);

/* "<rundir>/<path without its leading '/'><suffix>". */
int tp_rundir_path(char *buf, size_t n, const char *path, const char *suffix);

/* The attribute file beside a mailbox: what a sender must know. */
struct tp_attr_file {
	uint32_t depth, msg_max, when_full, port;
};
int tp_attr_write(const char *file, const struct tp_attr_file *a, mode_t mode);
int tp_attr_read(const char *file, struct tp_attr_file *a);

/* Receiving actor: the descriptors the daemon handed over in
 * TROUPE_MBOX_FD (at most max), made close-on-exec; how many, or
 * -TP_ENOENT if there are none. */
int tp_handoff_take(int *fds, int max);

/* Removes from dir every entry that begins with prefix (without its '/')
 * and ends with one of the suffixes (NULL-terminated). */
int tp_rundir_sweep(const char *prefix, const char *const *suffixes);

#endif
