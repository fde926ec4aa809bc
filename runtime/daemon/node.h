/* The node's IPC objects, owned by the daemon for the node's lifetime: the
 * per-node lock, the actors' mailboxes and the registry that publishes them.
 * Also removes what an earlier, killed daemon of the same node left. */
#ifndef TROUPE_NODE_H
#define TROUPE_NODE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "mailbox.h"
#include "registry.h"
#include "counters.h"
#include "topictab.h"
#include "topo.h"

struct tp_node {
	const struct tp_topology *topo;
	int lock_fd;                       /* -1 when not held */
	char lock_path[64];
	struct tp_registry *reg;           /* NULL until published */
	struct tp_counters *ctr;           /* per-mailbox counters; NULL: none */
	/* Mailbox i: box[i].t its transport, box[i].mb NULL where not
	 * created; ix, counters and name always i's (tp_node_bind). */
	struct tp_mailbox box[TP_REG_MAX];
	struct tp_reg_entry ent[TP_REG_MAX];  /* the daemon's copy of the registry */
	unsigned count;                    /* actors, the daemon's mailbox, outboxes */
	struct tp_topictab *topics;        /* NULL until created (node_topics.c) */
	struct tp_sub subs[TP_TT_SUBS_MAX];   /* the daemon's copy of its subscriptions */
	/* Told when the node's own interest changes: the first local
	 * subscription to filter begins (on) or the last one ends; the links
	 * tell their peers (linkd_topics.c).  NULL: no links. */
	void (*topics_changed)(void *ctx, const char *filter, bool on);
	void *topics_ctx;
};

/* Index of the daemon's own mailbox (TP_DAEMON_NAME) in box[] and ent[]:
 * replies to troupectl's calls and monitor requests arrive there. */
#define TP_NODE_DAEMON(n) ((n)->topo->n_actors)

/* Prepares n for topo (which must outlive it); acquires nothing. */
void tp_node_init(struct tp_node *n, const struct tp_topology *topo);

/* Entry i as a mailbox of the daemon's own (its own, a link's outbox):
 * registry name `name`, object /troupe.<node>.<obj>, held by this process. */
void tp_node_own_entry(struct tp_node *n, unsigned i, const struct tp_transport *tr,
		       const char *name, const char *obj, uint32_t msg_max);

/* Binds each box[i] to index i: its counters and its name in the trace
 * (an outbox's: none, its mail is for others).  After anything that moves
 * or creates mailboxes or the counters. */
void tp_node_bind(struct tp_node *n);

/* Takes the node's lock.  -TP_EBUSY if another daemon holds it; any other
 * failure is reported on stderr. */
int tp_node_lock(struct tp_node *n);

/* Removes the mailboxes and registry of an earlier, unclean stop of this
 * node (and only this node).  Call with the lock held.  Returns how many
 * objects it removed. */
int tp_node_sweep(struct tp_node *n);

/* Checks each transport against the kernel's limits (every problem
 * logged, one line each), then creates every mailbox.  Returns 0 or a
 * negative code (-TP_ELIMIT: the limits). */
int tp_node_mailboxes(struct tp_node *n);

/* The transports' limits checked for topo, as tp_node_mailboxes does,
 * creating nothing (troupe --check; a reload checks the new topology
 * first): every problem a line "FILE:LINE: [actor NAME]: transport T: what
 * and how to fix it" in errs.  Returns how many. */
int tp_node_check(const struct tp_topology *topo, FILE *errs);

/* Reload: n->topo now holds the new topology; actor i's mailbox is the
 * old actor from[i]'s (-1: a new actor, whose mailbox is created), of
 * old_actors.  The old actors in removed lose their mailboxes (closed and
 * unlinked); the daemon's mailbox and the entries after it (the links'
 * outboxes) move as a block after the actors; the entries and counters
 * are rewritten.  Returns the new actors whose mailbox could not be
 * created (logged).  The registry's count and layout change only with
 * tp_node_relayout_done, once whatever follows n->count is republished.
 * errs[i] gets the error of each new actor i whose mailbox failed. */
uint64_t tp_node_relayout(struct tp_node *n, const int *from, unsigned old_actors,
			  uint64_t removed, int *errs);

/* Ends a relayout: the registry counts reg_count entries (n->count, or
 * more when the links publish the peers' actors after them) and its
 * layout changes, so that actors look their names up again. */
void tp_node_relayout_done(struct tp_node *n, unsigned reg_count);

/* Creates the registry and publishes every actor as DOWN. */
int tp_node_publish(struct tp_node *n);

/* Updates actor i's entry (state, pid, restart count) and its since time. */
void tp_node_set(struct tp_node *n, unsigned i, enum tp_actor_state state,
		 pid_t pid, unsigned restarts);

/* A process of the node died (SIGCHLD): lets each mailbox's transport
 * repair what it may have left half done. */
void tp_node_repair(struct tp_node *n, pid_t pid);

/* In the child, before exec of actor i: hands it the descriptors its
 * mailbox cannot be opened by (bound sockets), as TROUPE_MBOX_FD, and the
 * key of the daemon's seal on its mailbox (seal.h), as TROUPE_SEAL_KEY. */
void tp_node_handoff(struct tp_node *n, unsigned i);

/* With actors of other users (topology's privs): gives the node's shm
 * object obj ("registry", "counters", "topics"), just made by this
 * daemon, to the node's group with the node's mode plus bits (0040 read,
 * 0060 read and write).  0 (also without privs), or the error, logged. */
int tp_node_share(const struct tp_node *n, const char *obj, mode_t bits);

/* Closes and unlinks every mailbox, unlinks the registry, then unlinks and
 * releases the lock.  Safe on a partly set up node. */
void tp_node_fini(struct tp_node *n);

#endif
