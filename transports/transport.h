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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TP_FOREVER INT64_MAX

struct tp_mbox;

/* What send does when the mailbox is full: the same on every transport. */
enum tp_when_full {
	TP_FULL_BLOCK = 0,       /* wait for room up to the sender's deadline */
	TP_FULL_REJECT = 1,      /* fail at once with -TP_EFULL */
	TP_FULL_DROP_OLDEST = 2, /* discard what would be received next, counted */
};

/* Priorities travel in lanes: 0..1 (low, normal) in the normal lane, 2..3
 * (high, urgent) in the high lane, received first.  mq keeps all four. */
#define TP_LANE_HIGH_MIN 2

struct tp_mbox_attr {
	uint32_t depth;      /* messages the mailbox holds */
	uint32_t msg_max;    /* largest message, envelope included */
	mode_t mode;         /* permissions of the IPC object */
	uint32_t when_full;  /* enum tp_when_full */
	uint32_t spin_us;    /* shm: receiver spins this long before sleeping */
};

struct tp_mbox_stat {
	uint32_t depth;      /* messages queued now */
	uint32_t capacity;   /* messages it holds at most */
	uint32_t msg_max;
	uint32_t dropped;    /* discarded by drop_oldest (mq: by this handle) */
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

	/* Queues len bytes, copied before it returns.  When the mailbox is
	 * full, follows its when_full policy: blocks up to deadline, rejects at
	 * once, or drops the oldest message.  Returns 0, -TP_EFULL (still full
	 * at the deadline, or rejected), -TP_ETOOBIG, -TP_ECLOSED (receiver
	 * gone, connected transports), -TP_ESYS. */
	int (*send)(struct tp_mbox *mb, const void *buf, size_t len,
		    unsigned prio, int64_t deadline);

	/* Takes the next message (highest lane first, FIFO within one)
	 * into buf, whose cap must be at least the mailbox's msg_max.  Blocks
	 * up to deadline.  Returns its length, -TP_EEMPTY (nothing by the
	 * deadline), -TP_EINVAL (cap too small), -TP_ESYS. */
	int (*recv)(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
		    int64_t deadline);

	/* A descriptor that polls readable while mail may be waiting (level
	 * triggered; a wake-up may be spurious: recv tells).  With arm, see
	 * there. */
	int (*wait_fd)(struct tp_mbox *mb);

	/* Optional.  Receiver, right before it sleeps on wait_fd: arms the
	 * wake-up, so that wait_fd polls readable once mail comes, and returns
	 * true if mail is waiting already (then receive, do not sleep).  A
	 * receiver that calls it before every sleep may find wait_fd not
	 * readable while mail waits, since recv then no longer arms anything
	 * after each message: that is what lets a sender to a busy receiver
	 * skip the wake-up's system call.  Never blocks (it may spin for the
	 * mailbox's spin_us).  NULL: wait_fd is level-triggered on its own. */
	bool (*arm)(struct tp_mbox *mb);

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

	/* Optional.  Daemon side, after process pid died (SIGCHLD): repairs
	 * what it may have left half done in mailbox mb (a sender killed
	 * inside the ring's lock).  Never blocks. */
	void (*repair)(struct tp_mbox *mb, pid_t pid);

	/* Optional.  Daemon side: the descriptors (at most max) the receiving
	 * actor must inherit because the mailbox cannot be opened by name (a
	 * bound socket holds the queue); returns how many.  Attach in
	 * TP_MBOX_RECV mode takes them back (see tp_transport_handoff). */
	int (*recv_fds)(struct tp_mbox *mb, int *fds, int max);
};

/* The environment variable that carries recv_fds to the actor. */
#define TP_MBOX_FD_ENV "TROUPE_MBOX_FD"

/* In the child between fork and exec of the actor that receives from mb:
 * makes the mailbox's recv_fds inheritable and names them in
 * TROUPE_MBOX_FD.  Does nothing for a transport without recv_fds. */
void tp_transport_handoff(const struct tp_transport *t, struct tp_mbox *mb);

/* Parses a when_full name; -TP_EINVAL if unknown. */
int tp_when_full_parse(const char *s, uint32_t *out);
const char *tp_when_full_name(uint32_t w);

/* The transports this build has; NULL if none is called name. */
const struct tp_transport *tp_transport_find(const char *name);

/* The table of every transport, NULL-terminated: adding a transport is one
 * file and one line there (transports/transports.c). */
extern const struct tp_transport *const tp_transports[];

#endif
