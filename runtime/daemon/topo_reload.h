/* Reload, carried out: re-reads the topology file the daemon started
 * with, checks it and plans it (topo_plan.h), stops the actors it removes
 * or changes, and once none of those runs, moves the node to the new
 * topology and starts the new and changed actors in start order.  The
 * stops go through the supervisor's ordered, asynchronous stop, so the
 * daemon's loop never blocks; tp_reloader_tick finishes the reload. */
#ifndef TROUPE_RELOADER_H
#define TROUPE_RELOADER_H

#include <stdbool.h>
#include <stddef.h>
#include "linkd.h"
#include "sup_monitor.h"
#include "node.h"
#include "topo_plan.h"
#include "sup.h"
#include "topo.h"

struct tp_reloader {
	struct tp_topology *live;      /* the one every part of the daemon reads */
	const char *path;              /* the topology file, as given */
	struct tp_topo_opts opts;      /* the command line's overrides */
	struct tp_sup *sup;
	struct tp_node *node;
	struct tp_monitors *mon;
	struct tp_linkd *links;        /* NULL: the node has no links */
	bool pending;                  /* waiting for stops */
	const char *op;                /* "reload", "spawn", "despawn": for the log */
	uint64_t wait;                 /* old actors that must end first */
	struct tp_reload_plan plan;
	/* Once it is carried out: what it did, and which new or changed
	 * actors it could not start (no mailbox, no process), named. */
	char result[1024];
	int result_err;                /* 0, or the first failure's code */
	/* Called when a reload that had to wait for stops is done (the
	 * control socket answers troupectl then); NULL: none. */
	void (*done)(void *arg, int err, const char *msg);
	void *done_arg;
	struct tp_topology next;       /* in the file's order */
};

/* r must be zeroed (static) storage. */
void tp_reloader_init(struct tp_reloader *r, struct tp_topology *live,
		      const char *path, const struct tp_topo_opts *opts,
		      struct tp_sup *s, struct tp_node *n, struct tp_monitors *m,
		      struct tp_linkd *ld);

/* Starts a reload.  Fills msg (n bytes) with what it does, or with why
 * not: the file's errors one per line ("FILE:LINE: [section]: ..."), and
 * the node is left as it was.  Returns 0, -TP_ECONFIG (errors in msg),
 * -TP_EBUSY (a reload is under way) or -TP_ESTATE (the node stops).
 * When nothing had to stop first, the reload is done on return: msg is
 * its result, and the code that of the first actor it could not start
 * (msg names each); else it goes on (tp_reloader_pending) and r->done
 * gets the result. */
int tp_reloader_request(struct tp_reloader *r, char *msg, size_t n);

/* A dynamic child: starts one of template tmpl called name, with args
 * after the template's, as a reload that adds it would (its mailbox,
 * registry entry, counters; under the template's supervisor).  Done on
 * return.  0, -TP_ENOENT (no such template), -TP_EBUSY (the name is
 * taken, or a reload is under way), -TP_ELIMIT (max_children, or the
 * node's 64 actors), -TP_EINVAL / -TP_ETOOBIG (name, args),
 * -TP_ECONFIG (the node's limits), -TP_ESTATE; msg says which. */
int tp_reloader_spawn(struct tp_reloader *r, const char *tmpl, const char *name,
		      const char *args, char *msg, size_t n);

/* Stops dynamic child name and removes it with its mailbox, as a reload
 * that drops it would: pending until it has stopped (r->done).  0,
 * -TP_ENOENT, -TP_EPERM (no dynamic child), -TP_EBUSY, -TP_ESTATE. */
int tp_reloader_despawn(struct tp_reloader *r, const char *name, char *msg, size_t n);

/* Is a reload waiting for stops? */
bool tp_reloader_pending(const struct tp_reloader *r);

/* From the daemon's loop: completes a pending reload once its stops are
 * done; abandons it when the node stops. */
void tp_reloader_tick(struct tp_reloader *r);

#endif
