/* The mailbox transport contract.  A transport is one const struct of
 * operations; the runtime reaches a transport only through it, and no code
 * outside transports/ knows a transport's state (struct tp_mbox is defined
 * by each transport in its own .c).
 *
 * Deadlines are absolute CLOCK_MONOTONIC nanoseconds (tp_now_ns): a
 * deadline already past means "try once, do not wait"; TP_DEADLINE_NEVER
 * waits without bound. */
#ifndef TROUPE_TRANSPORT_H
#define TROUPE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"   /* TP_DEADLINE_NEVER */

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
	/* Least privilege (docs/TOPOLOGY.md, accept_from): when owned, the
	 * objects are given to uid:gid (the receiver's user, a group of
	 * its allowed senders) and mode applies to them; a transport that
	 * cannot check senders by group refuses (-TP_ECONFIG). */
	bool owned;
	uid_t uid;
	gid_t gid;
};

struct tp_mbox_stat {
	uint32_t depth;      /* messages queued now */
	uint32_t capacity;   /* messages it holds at most */
	uint32_t msg_max;
	uint32_t dropped;    /* discarded by drop_oldest (mq: by this handle) */
};

/* How a handle was attached.  A receiving handle may add TP_MBOX_LAZY
 * (only on a transport with arm): its owner calls arm before every sleep on
 * wait_fd, so recv need not arm the wake-up after each message (see arm). */
enum tp_mbox_mode {
	TP_MBOX_RECV = 1,    /* the owner actor: receives */
	TP_MBOX_SEND = 2,    /* any other actor: sends */
	TP_MBOX_LAZY = 4,    /* with TP_MBOX_RECV: the receiver arms (arm) */
};

/* What a transport promises beyond the contract below: the conformance
 * suite (tests/unit/test_transport.c) checks each promise against the
 * transport that makes it, and the runtime reads them, never names. */
enum tp_caps {
	/* A mailbox holds exactly depth messages; without it, at least
	 * depth (kernel socket buffers bound the rest, docs/TOPOLOGY.md). */
	TP_CAP_EXACT_DEPTH = 1u << 0,
	/* when_full = drop_oldest works; without it, check and create refuse
	 * it with -TP_ECONFIG and a sentence (a sender cannot take mail out). */
	TP_CAP_DROP_OLDEST = 1u << 1,
	/* stat's depth is the number queued now; without it, always 0. */
	TP_CAP_STAT_DEPTH = 1u << 2,
	/* stat's dropped counts every sender's drop_oldest evictions; without
	 * it, only those of the handle asked (mq: the kernel keeps no count). */
	TP_CAP_DROPPED_ALL = 1u << 3,
	/* Connection-oriented (a stream to the receiver): send fails with
	 * -TP_ECLOSED once the receiver is gone, and a full mailbox may still
	 * take a message when the kernel compacts its buffers. */
	TP_CAP_CONNECTED = 1u << 4,
	/* Its objects can be listed only where their file system is mounted
	 * (mq: /dev/mqueue); elsewhere sweep returns 0 and the daemon unlinks
	 * by the names of the stale registry. */
	TP_CAP_SWEEP_MOUNTED = 1u << 5,
	/* All four priorities kept apart (mq); without it, two lanes. */
	TP_CAP_PRIO4 = 1u << 6,
	/* recv's wait costs what the primitive's does: it sleeps in one
	 * system call and is woken by one (shm: a futex), where a sleep on
	 * wait_fd costs the receiver a poll and a read and the sender a
	 * write.  A receiver that waits for its mailbox alone (an actor with
	 * no fds and no timer due, until it must look at its signals again)
	 * should then wait in recv with a deadline rather than on wait_fd.
	 * Without it, recv's wait is wait_fd's poll and a receive. */
	TP_CAP_RECV_WAIT = 1u << 7,
};

/* The longest transport name: registry entries and topologies hold it
 * (static assertions in registry.c and topology.c). */
#define TP_TRANSPORT_NAME_MAX 7

/* One transport's operations.  "Mandatory" members are never NULL
 * (tp_transport_validate refuses a table otherwise, and tp_transport_find
 * never returns one it refuses); "optional" ones may be.  "Handle" says
 * which handles may call it: the daemon's own (from create), a receiving
 * one (attach TP_MBOX_RECV), a sending one (TP_MBOX_SEND).  Only send and
 * recv block, and only up to their deadline.  Every int-returning member
 * returns 0 (or a length) or a negative -TP_E* code, listed with it. */
struct tp_transport {
	const char *name;        /* 1..TP_TRANSPORT_NAME_MAX of [a-z0-9] */
	uint32_t caps;           /* enum tp_caps */

	/* Mandatory.  Daemon side.  Creates the mailbox object `path` (a
	 * name under the node's prefix, "/troupe.<node>.<actor>") and returns
	 * the daemon's handle, which may send, receive and stat.  The daemon
	 * keeps it open for the node's lifetime so that queued mail outlives
	 * the actor.  Does not block.  Returns 0, -TP_EBUSY (it exists),
	 * -TP_ECONFIG (attr asks what the transport cannot do), -TP_ELIMIT,
	 * -TP_ETOOBIG (path too long), -TP_ENOMEM, -TP_ESYS; on failure err
	 * (may be NULL) receives a sentence naming the limit or cause and the
	 * fix.  The caller frees the handle with close. */
	int (*create)(const char *path, const struct tp_mbox_attr *attr,
		      struct tp_mbox **out, char *err, size_t errlen);

	/* Mandatory.  Actor side.  Attaches an existing mailbox in mode
	 * (enum tp_mbox_mode: TP_MBOX_SEND, or TP_MBOX_RECV, optionally
	 * | TP_MBOX_LAZY).  Does not block.  Returns 0, -TP_ENOENT (no such
	 * mailbox), -TP_EPERM, -TP_ETOOBIG, -TP_ENOMEM, -TP_ESYS.  The caller
	 * frees the handle with close. */
	int (*attach)(const char *path, unsigned mode, struct tp_mbox **out);

	/* Mandatory.  Handle: daemon's, sending.  Queues len bytes, copied
	 * before it returns.  When the mailbox is full, follows its when_full
	 * policy: blocks up to deadline, rejects at once, or drops the oldest
	 * message.  Returns 0, -TP_EFULL (still full at the deadline, or
	 * rejected), -TP_ETOOBIG (len above msg_max), -TP_ECLOSED (receiver
	 * gone: TP_CAP_CONNECTED), -TP_ESYS. */
	int (*send)(struct tp_mbox *mb, const void *buf, size_t len,
		    unsigned prio, int64_t deadline);

	/* Mandatory.  Handle: daemon's, receiving.  Takes the next message
	 * (highest lane first, FIFO within one) into buf, whose cap must be
	 * at least the mailbox's msg_max, and its priority into *prio (prio
	 * may be NULL).  Blocks up to deadline, and while it blocks watches
	 * the mailbox alone (TP_CAP_RECV_WAIT: in its cheapest wait).
	 * Returns its length, -TP_EEMPTY (nothing by the deadline, and never
	 * before it), -TP_EINVAL (cap too small), -TP_ESYS. */
	int (*recv)(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
		    int64_t deadline);

	/* Mandatory.  Handle: daemon's, receiving.  A descriptor, owned by
	 * the handle, that polls readable while mail may be waiting (level
	 * triggered; a wake-up may be spurious: recv tells).  On a
	 * TP_MBOX_LAZY handle, only after arm returned false.  Never fails. */
	int (*wait_fd)(struct tp_mbox *mb);

	/* Optional.  Handle: receiving, attached TP_MBOX_LAZY.  Right before
	 * the receiver sleeps on wait_fd: arms the wake-up, so that wait_fd
	 * polls readable once mail comes, and returns true if mail is waiting
	 * already (then receive, do not sleep).  On a lazy handle recv does
	 * not arm anything after each message, so wait_fd may not poll
	 * readable while mail waits until arm is called: that is what lets a
	 * sender to a busy receiver skip the wake-up's system call.  Never
	 * blocks (it may spin for the mailbox's spin_us).  NULL: wait_fd is
	 * level-triggered on its own, and TP_MBOX_LAZY is ignored. */
	bool (*arm)(struct tp_mbox *mb);

	/* Mandatory.  Any handle.  Current depth (TP_CAP_STAT_DEPTH, else 0),
	 * capacity, msg_max and dropped (TP_CAP_DROPPED_ALL: every sender's).
	 * Does not block.  Returns 0 or -TP_ESYS. */
	int (*stat)(struct tp_mbox *mb, struct tp_mbox_stat *st);

	/* Mandatory.  Any handle.  Frees it; the mailbox object stays. */
	void (*close)(struct tp_mbox *mb);

	/* Mandatory.  No handle.  Removes the mailbox object; 0 also when it
	 * did not exist; -TP_EPERM, -TP_ESYS. */
	int (*unlink)(const char *path);

	/* Mandatory.  Daemon side, at start: can this kernel carry these n
	 * mailboxes (n may be 0: is the transport there at all)?  0, or
	 * -TP_ENOSYS / -TP_ELIMIT / -TP_ECONFIG and a sentence in err naming
	 * the limit, its value and how to raise it.  No side effects. */
	int (*check)(const struct tp_mbox_attr *attrs, size_t n,
		     char *err, size_t errlen);

	/* Mandatory.  Daemon side, at start: removes every object of this
	 * transport whose name begins with prefix ("/troupe.<node>."), left by
	 * a killed node.  Returns how many were removed (0 where objects
	 * cannot be listed: TP_CAP_SWEEP_MOUNTED). */
	int (*sweep)(const char *prefix);

	/* Optional.  Handle: daemon's, after process pid died (SIGCHLD):
	 * repairs what it may have left half done in mailbox mb (a sender
	 * killed inside the ring's lock).  Never blocks. */
	void (*repair)(struct tp_mbox *mb, pid_t pid);

	/* Optional.  Handle: daemon's.  The descriptors (at most max) the
	 * receiving actor must inherit because the mailbox cannot be opened
	 * by name (a bound socket holds the queue); returns how many.  Attach
	 * in TP_MBOX_RECV mode takes them back (see tp_transport_handoff). */
	int (*recv_fds)(struct tp_mbox *mb, int *fds, int max);

	/* Optional; set exactly on transports with TP_CAP_DROP_OLDEST.
	 * Handle: daemon's, sending.  Discards the message that would be
	 * received next (counted in stat's dropped, as drop_oldest counts),
	 * whatever the mailbox's own when_full: a topic subscription whose
	 * policy is drop_oldest makes room with it (runtime/lib/publish.c).
	 * Waits for the senders' lock at most until deadline.  Returns 0,
	 * -TP_EEMPTY (nothing to discard), -TP_EFULL (the lock stayed held
	 * past the deadline), -TP_EPERM (this handle may not take mail out),
	 * -TP_ENOMEM, -TP_ESYS. */
	int (*evict)(struct tp_mbox *mb, int64_t deadline);

	/* Optional.  Handle: receiving.  The uid of the process that sent
	 * the message recv just returned, as the kernel vouches for it
	 * (SCM_CREDENTIALS).  NULL where the transport cannot say. */
	uid_t (*sender_uid)(const struct tp_mbox *mb);
};

/* Is t a whole table: a valid name of at most TP_TRANSPORT_NAME_MAX, every
 * mandatory member set, caps known?  0, or -TP_EINVAL and a sentence in
 * err naming what is wrong. */
int tp_transport_validate(const struct tp_transport *t, char *err, size_t errlen);

/* when_full = drop_oldest on a transport without TP_CAP_DROP_OLDEST:
 * -TP_ECONFIG and a sentence in err naming the transports that have it;
 * else 0.  For check and create. */
int tp_transport_check_policy(const struct tp_transport *t, const struct tp_mbox_attr *attrs,
			      size_t n, char *err, size_t errlen);

/* The environment variable that carries recv_fds to the actor. */
#define TP_MBOX_FD_ENV "TROUPE_MBOX_FD"

/* In the child between fork and exec of the actor that receives from mb:
 * makes the mailbox's recv_fds inheritable and names them in
 * TROUPE_MBOX_FD.  Does nothing for a transport without recv_fds. */
void tp_transport_handoff(const struct tp_transport *t, struct tp_mbox *mb);

/* Parses a when_full name; -TP_EINVAL if unknown. */
int tp_when_full_parse(const char *s, uint32_t *out);
const char *tp_when_full_name(uint32_t w);

/* The names of this build's whole transports that have every flag of caps
 * (0: all), in list order, separated by sep, into buf.  Returns buf. */
char *tp_transport_names(uint32_t caps, const char *sep, char *buf, size_t len);

/* The transport called name, if this build has it and its table is whole
 * (tp_transport_validate); else NULL. */
const struct tp_transport *tp_transport_find(const char *name);

/* The table of every transport, NULL-terminated: adding a transport is one
 * file and one line in transports/list.h. */
extern const struct tp_transport *const tp_transports[];

#endif
