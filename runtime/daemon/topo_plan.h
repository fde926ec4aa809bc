/* What applying a changed topology to a running node means, decided
 * before anything is touched: which actors keep running, which restart
 * with new settings, which start, which stop, and what cannot change
 * while the node runs.  Pure: two parsed topologies in, a plan out.  The
 * daemon carries a plan out only when it has no error (troupectl reload,
 * SIGHUP); otherwise the running node is left exactly as it was. */
#ifndef TROUPE_RELOAD_H
#define TROUPE_RELOAD_H

#include <stdio.h>
#include "topo.h"

enum tp_reload_act {
	TP_RELOAD_KEEP = 0,     /* same settings: left running */
	TP_RELOAD_RESTART = 1,  /* settings changed: stopped, started anew */
	TP_RELOAD_START = 2,    /* new: mailbox created, then started */
};

struct tp_reload_plan {
	/* For each actor of the new topology: what happens to it, and its
	 * index in the old one (-1 for a new actor). */
	enum tp_reload_act act[TP_REG_MAX];
	int old_ix[TP_REG_MAX];
	/* Old actors absent from the new topology: stopped, mailbox removed. */
	uint64_t removed;
	unsigned n_keep, n_restart, n_start, n_stop;
};

/* Compares the running topology with the new one (both loaded and
 * resolved without error) into p.  Writes one line per change that cannot
 * be applied to a running node to errs (may be NULL), as
 * "FILE:LINE: [section]: message", and returns their number.  Those are:
 * an actor's mailbox attributes (transport, depth, msg_max, when_full,
 * spin_us: the mailbox and the mail in it stay while the node runs), and
 * the node's name, mode, control socket, run_dir and logging, and its
 * links: listen, key_file, the link_* keys, and the [peer] sections (added,
 * removed, reordered or with a changed key). */
int tp_reload_plan(const struct tp_topology *cur, const struct tp_topology *next,
		   struct tp_reload_plan *p, FILE *errs);

#endif
