/* Where a node's control socket lives by default, for the daemon and for
 * troupectl alike: <runtime directory>/<node>.ctl (rundir.h). */
#ifndef TROUPE_CTLPATH_H
#define TROUPE_CTLPATH_H

#include <stddef.h>

/* The socket's path into path; 0 or -TP_ETOOBIG. */
int tp_ctl_path(char *path, size_t n, const char *node);

/* The name an actor sends to reach the daemon (monitors, replies to
 * troupectl): no actor can have it, actor names have no '.'. */
#define TP_DAEMON_NAME "troupe.daemon"

#endif
