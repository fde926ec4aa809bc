/* The node's registry: a small shared-memory table, written by the daemon
 * only, read by every actor of the node and by troupectl.  It maps an actor
 * name to its mailbox (transport, limits) and publishes its process state.
 * Readers never block the writer: a sequence counter (seqlock) tells them
 * to copy an entry again if it changed under them. */
#ifndef TROUPE_REGISTRY_H
#define TROUPE_REGISTRY_H

#include <stdint.h>
#include <sys/types.h>
#include "troupe/actor.h"

/* Actors of a node, plus one entry for the daemon's own mailbox. */
#define TP_REG_ACTORS_MAX 64
#define TP_REG_MAX (TP_REG_ACTORS_MAX + 1)
#define TP_REG_MAGIC 0x54525047u   /* "TRPG" */
#define TP_REG_VERSION 3

enum tp_actor_state {
	TP_STATE_DOWN = 0,     /* not running, will not be restarted */
	TP_STATE_STARTING = 1,
	TP_STATE_UP = 2,
	TP_STATE_BACKOFF = 3,  /* died, waiting to be restarted */
	TP_STATE_STOPPING = 4,
	TP_STATE_FAILED = 5,   /* restart limit reached */
};

/* tp_reg_entry.flags */
enum {
	/* Down and not coming back (stopped, failed, a temporary actor that
	 * ended), after it ran: a call to it fails at once (-TP_ECLOSED)
	 * rather than waiting in its mailbox for its deadline. */
	TP_REG_F_CLOSED = 1 << 0,
};

struct tp_reg_entry {
	char name[TP_NAME_MAX + 1];
	char transport[8];     /* at most TP_TRANSPORT_NAME_MAX (registry.c) */
	char mailbox[TP_NAME_MAX * 2 + 10];  /* "/troupe.<node>.<actor>" */
	uint32_t depth;
	uint32_t msg_max;
	int32_t pid;           /* 0 when no process */
	uint32_t state;        /* enum tp_actor_state */
	uint32_t restarts;
	uint32_t flags;        /* TP_REG_F_* */
	/* The user the actor runs as (the daemon's for the daemon's own
	 * entries and other nodes' actors): a receiver whose transport says
	 * who sent (unix) takes mail under this name only from this uid. */
	uint32_t uid;
	uint32_t reserved;
	int64_t since_ns;      /* CLOCK_MONOTONIC of the last state change */
	/* Empty for the node's own actors.  An actor of another node, reached
	 * through the node link whose outbox is `mailbox`; name "*" stands for
	 * any actor of that node (replies go there). */
	char node[TP_NAME_MAX + 1];
};

struct tp_registry;

/* Object names under the node's prefix: "/troupe.<node>.<obj>".  Returns
 * 0 or -TP_ETOOBIG. */
int tp_ipc_name(char *buf, size_t n, const char *node, const char *obj);
/* Removes the node's shared-memory object obj (gone already is fine):
 * 0, -TP_ETOOBIG, or the system's error. */
int tp_ipc_unlink(const char *node, const char *obj);

/* The writer's half of a seqlock over a daemon-owned segment: seq is odd
 * while a write is under way (the registry, the topic table). */
static inline void tp_seq_write_begin(uint32_t *seq)
{
	__atomic_fetch_add(seq, 1, __ATOMIC_ACQ_REL);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void tp_seq_write_end(uint32_t *seq)
{
	__atomic_fetch_add(seq, 1, __ATOMIC_RELEASE);
}

/* Daemon: creates (replacing any stale one) and maps read-write. */
int tp_registry_create(const char *node, mode_t mode, struct tp_registry **out);
/* Actors, troupectl: maps read-only; -TP_ENOENT if the node is not up. */
int tp_registry_open(const char *node, struct tp_registry **out);
/* The daemon's stale sweep: the same, but -TP_EPERM unless the object is
 * a regular file owned by this process's effective uid. */
int tp_registry_open_mine(const char *node, struct tp_registry **out);
void tp_registry_close(struct tp_registry *r);
int tp_registry_unlink(const char *node);

/* Daemon only: writes entry i (i < TP_REG_MAX) and sets the count. */
void tp_registry_put(struct tp_registry *r, unsigned i, const struct tp_reg_entry *e);
void tp_registry_set_count(struct tp_registry *r, unsigned count);
void tp_registry_set_daemon(struct tp_registry *r, pid_t pid);
/* Daemon: after entries moved to other indices or mailboxes were removed
 * (reload); readers that cache indices or attached mailboxes compare
 * tp_registry_layout with the value they cached them under. */
void tp_registry_relayout(struct tp_registry *r);
uint32_t tp_registry_layout(const struct tp_registry *r);

/* Readers: a consistent copy.  find returns 0 or -TP_ENOENT. */
unsigned tp_registry_count(const struct tp_registry *r);
int tp_registry_get(const struct tp_registry *r, unsigned i, struct tp_reg_entry *out);
int tp_registry_find(const struct tp_registry *r, const char *name, struct tp_reg_entry *out);
/* An actor of another node (see tp_reg_entry.node). */
int tp_registry_find_remote(const struct tp_registry *r, const char *name,
			    const char *node, struct tp_reg_entry *out);
/* Either ("" for the node's own), with the entry's index in *ix. */
int tp_registry_find_ix(const struct tp_registry *r, const char *name,
			const char *node, struct tp_reg_entry *out, unsigned *ix);
pid_t tp_registry_daemon(const struct tp_registry *r);

/* Is name a valid actor or node name: 1..TP_NAME_MAX of [A-Za-z0-9_-]? */
int tp_name_is_valid(const char *name);

const char *tp_state_name(uint32_t state);

#endif
