/* Monitors, daemon side: which actor watches which, and the Down message
 * each watcher gets when a watched actor's process ends (monitor.proto,
 * runtime/include/troupe/monitor.h). */
#ifndef TROUPE_DMONITOR_H
#define TROUPE_DMONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "monitor.pb.h"
#include "sup.h"

struct tp_monitors {
	struct tp_sup *sup;
	uint64_t watchers[TP_REG_ACTORS_MAX];   /* of actor i */
	unsigned long dropped;                  /* Down that found a full mailbox */
	/* Monitors of actors on other nodes ("actor@node") go to the node
	 * links (linkd.h); NULL: such a name is an unknown actor. */
	int (*remote)(void *arg, unsigned from, const char *name, bool demonitor);
	void *remote_arg;
};

void tp_monitors_init(struct tp_monitors *m, struct tp_sup *s);

/* A Monitor or Demonitor request from actor `from` (a mailbox index, or
 * -1 for a sender that is no actor): type and encoded payload.  Returns 0
 * or a negative code (logged by the caller). */
int tp_monitors_request(struct tp_monitors *m, int from, uint32_t type,
			const uint8_t *payload, size_t len);

/* tp_sup_exit_fn: actor i ended; tells its watchers, forgets i's own
 * monitors. */
void tp_monitors_exit(void *arg, unsigned i, int status, bool failed);

/* Fills d's reason, code and restarting for an end of child c's process
 * (for the node links, which tell remote watchers). */
void tp_monitors_reason(const struct tp_child *c, int status, bool failed,
			troupe_Down *d);

/* Reload: actor i is the old actor from[i] (-1: new, watched by none);
 * watches of and by removed actors are gone. */
void tp_monitors_relayout(struct tp_monitors *m, const int *from);

#endif
