/* The mailbox transport contract.  A transport is one const struct of
 * operations; the runtime reaches a transport only through it, and no code
 * outside transports/ knows a transport's state (struct tp_mbox is defined
 * by each transport in its own .c).
 *
 * Deadlines are absolute CLOCK_MONOTONIC nanoseconds (tp_now_ns): a
 * deadline already past means "try once, do not wait"; TP_FOREVER waits
 * without bound and is for tests only. */
#ifndef TROUPE_TRANSPORT_H
#define TROUPE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TP_FOREVER INT64_MAX

struct tp_mbox;

struct tp_mbox_attr {
	uint32_t depth;      /* messages the mailbox holds */
	uint32_t msg_max;    /* largest message, envelope included */
	mode_t mode;         /* permissions of the IPC object */
};

struct tp_mbox_stat {
	uint32_t depth;      /* messages queued now */
	uint32_t capacity;   /* messages it holds at most */
	uint32_t msg_max;
};

enum tp_mbox_mode {
	TP_MBOX_RECV = 1,    /* the owner actor: receives */
	TP_MBOX_SEND = 2,    /* any other actor: sends */
};

struct tp_transport {
	const char *name;

	/* Daemon side.  Creates the mailbox object `path` (a name under the
	 * node's prefix, "/troupe.<node>.<actor>"); fails with -TP_EBUSY if it
	 * exists.  The daemon keeps the handle open for the node's lifetime so
	 * that queued mail outlives the actor.  On failure, err (may be NULL)
	 * receives a sentence naming the limit or cause and the fix.  Allocates
	 * the handle; the caller frees it with close. */
	int (*create)(const char *path, const struct tp_mbox_attr *attr,
		      struct tp_mbox **out, char *err, size_t errlen);

	/* Actor side.  Attaches an existing mailbox; -TP_ENOENT if none.
	 * Allocates the handle. */
	int (*attach)(const char *path, enum tp_mbox_mode mode,
		      struct tp_mbox **out);

	/* Queues len bytes, copied before it returns.  Blocks while the
	 * mailbox is full, up to deadline.  Returns 0, -TP_EFULL (still full at
	 * the deadline), -TP_ETOOBIG, -TP_ESYS. */
	int (*send)(struct tp_mbox *mb, const void *buf, size_t len,
		    unsigned prio, int64_t deadline);

	/* Takes the next message (highest priority first, FIFO within one)
	 * into buf, whose cap must be at least the mailbox's msg_max.  Blocks
	 * up to deadline.  Returns its length, -TP_EEMPTY (nothing by the
	 * deadline), -TP_EINVAL (cap too small), -TP_ESYS. */
	int (*recv)(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
		    int64_t deadline);

	/* A descriptor that polls readable while mail may be waiting (level
	 * triggered; a wake-up may be spurious: recv tells). */
	int (*wait_fd)(struct tp_mbox *mb);

	/* Current depth and limits. */
	int (*stat)(struct tp_mbox *mb, struct tp_mbox_stat *st);

	/* Frees the handle; the mailbox object itself stays. */
	void (*close)(struct tp_mbox *mb);

	/* Removes the mailbox object; 0 also when it did not exist. */
	int (*unlink)(const char *path);

	/* Daemon side, at start: can this kernel carry these n mailboxes
	 * (n may be 0: is the transport there at all)?  0, or -TP_ENOSYS /
	 * -TP_ELIMIT and a sentence in err naming the limit, its value and how
	 * to raise it.  No side effects. */
	int (*check)(const struct tp_mbox_attr *attrs, size_t n,
		     char *err, size_t errlen);

	/* Daemon side, at start: removes every object of this transport whose
	 * name begins with prefix ("/troupe.<node>."), left by a killed node.
	 * Returns how many were removed; 0 where objects cannot be listed
	 * (the daemon also unlinks by the names in the stale registry). */
	int (*sweep)(const char *prefix);
};

/* The transports this build has; NULL if none is called name. */
const struct tp_transport *tp_transport_find(const char *name);

/* The table of every transport, NULL-terminated: adding a transport is one
 * file and one line there (transports/transports.c). */
extern const struct tp_transport *const tp_transports[];

#endif
