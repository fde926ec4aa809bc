/* Which remote nodes may send to which local actors.  An actor is reached
 * from outside only if its topology section says so:
 *     export = board1, board2      (these nodes)
 *     export = *                   (every node that holds the group key)
 * and by default from none.  The daemon checks every message that arrives
 * over a link, and tells each peer which actors it may address. */
#ifndef TROUPE_LINK_ACCESS_H
#define TROUPE_LINK_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include "troupe/actor.h"
#include "registry.h"

#define TP_LINK_EXPORT_MAX 16       /* nodes named in one export list */

struct tp_link_export {
	bool any;                   /* "*" */
	unsigned n;
	char nodes[TP_LINK_EXPORT_MAX][TP_NAME_MAX + 1];
};

/* Parses an export value: node names separated by commas and/or blanks,
 * or "*" alone; an empty value exports to nobody.  Returns 0, or -TP_EINVAL
 * with err saying which entry is wrong and why. */
int tp_link_export_parse(const char *spec, struct tp_link_export *out,
			 char *err, size_t errlen);

bool tp_link_export_allows(const struct tp_link_export *e, const char *node);

/* The access rules of a whole node: each local actor and its export rule,
 * built from the node's topology by the daemon. */
struct tp_link_access {
	unsigned n;
	struct {
		char actor[TP_NAME_MAX + 1];
		struct tp_link_export ex;
	} a[TP_REG_MAX];
};

/* No actor reachable. */
void tp_link_access_init(struct tp_link_access *acc);

/* Adds local actor `actor` with its export value (see
 * tp_link_export_parse).  0, -TP_EINVAL (a bad value: nothing added), or
 * -TP_ELIMIT (TP_REG_MAX actors already). */
int tp_link_access_add(struct tp_link_access *acc, const char *actor, const char *spec);

/* May the remote node `node` send to the local actor `actor`?  False for
 * an actor that does not exist. */
bool tp_link_access_may_send(const struct tp_link_access *acc, const char *node,
			     const char *actor);

/* The local actors `node` may send to, for its actor-list frame: fills
 * names (up to max) and returns how many. */
unsigned tp_link_access_exports(const struct tp_link_access *acc, const char *node,
				const char **names, unsigned max);

#endif
