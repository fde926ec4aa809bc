/* troupectl's parts: the client of the control socket (client.c), the
 * output of actor rows (show.c), the commands (troupectl.c). */
#ifndef TROUPE_CTL_H
#define TROUPE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "control.pb.h"

/* Exit codes, for scripts (docs/CONTROL.md). */
enum {
	CTL_OK = 0,
	CTL_FAILED = 1,      /* the daemon refused or the command failed */
	CTL_USAGE = 2,
	CTL_NO_NODE = 3,     /* node not running (no socket, or no answer) */
	CTL_NO_ACTOR = 4,
	CTL_TIMEOUT = 5,
	CTL_DENIED = 6,      /* permission denied on the socket */
};

struct ctl_opts {
	const char *node;
	const char *socket;
	int timeout_ms;
	bool json, quiet, verbose;
};

/* One request, one reply, within o->timeout_ms.  Returns a CTL_* code;
 * on CTL_OK, r holds the reply (whose err may be non-zero: see
 * ctl_check).  Reports on stderr unless quiet. */
int ctl_request(const struct ctl_opts *o, const troupe_CtlRequest *q,
		troupe_CtlReply *r);

/* Maps a reply's err to an exit code, printing its message. */
int ctl_check(const struct ctl_opts *o, const troupe_CtlReply *r);

/* troupectl counters' output (counters.c). */
void ctl_counters_show(const struct ctl_opts *o, const troupe_CtlReply *r);
/* troupectl links (links.c). */
int ctl_links_run(struct ctl_opts *o);
/* troupectl trace [NAME] (trace.c): for o->timeout_ms. */
int ctl_trace_run(struct ctl_opts *o, const char *name);

/* troupectl topics and pub (topics.c). */
int ctl_topics_run(struct ctl_opts *o);
/* sub FILTER [COUNT]: prints what is published to topics matching filter
 * until interrupted, or until COUNT messages (each within -t). */
int ctl_sub_run(struct ctl_opts *o, const char *filter, unsigned count);
/* Connects and sends q: CTL_OK with *fd open, or an exit code. */
int ctl_open(const struct ctl_opts *o, const troupe_CtlRequest *q, int *fd);
/* One reply from fd within timeout_ms (-1: no limit): CTL_OK or an exit code. */
int ctl_read(const struct ctl_opts *o, int fd, int timeout_ms, troupe_CtlReply *r);
int ctl_pub_run(struct ctl_opts *o, const char *topic, uint32_t type, const uint8_t *payload,
		size_t len);

void ctl_show_header(void);
void ctl_show_actor(const troupe_ActorInfo *a, bool json, bool first, bool verbose);

#endif
