/* A mailbox as one end holds it: its transport and handle, its index in
 * the node's registry and counters, and its limits.  Every path that moves
 * mail goes through these functions (an actor's send, reply and call, its
 * receive loop; the daemon's deliveries, its own mailbox, the links'
 * outboxes and the mail that comes in over a link), so that what a
 * mailbox counts and traces is the same whoever moves the mail:
 *
 *   put into mailbox i   sent + 1 on i (taken back if the send failed,
 *                        rejected_full + 1 if it was full), its high-water
 *                        mark, a trace event
 *   taken out of i       received + 1 on i; dropped + 1 as well if it did
 *                        not decode, or (tp_mailbox_discard) its taker threw
 *                        it away
 *   handled              latency (from the envelope's send time) and a
 *                        trace event (tp_mailbox_took)
 *
 * So on any node sent - received is what the mailbox holds, and mail that
 * crossed a link is counted on both nodes: on the sender's outbox (sent by
 * the actor, received by the daemon that takes it into the link) and on
 * the receiver's mailbox (sent by the daemon, received by the actor).
 *
 * A struct tp_mailbox is plain data, owned by whoever holds the handle;
 * nothing here allocates except the transport's own attach and create.
 * Not thread-safe (an actor is one thread; the daemon one loop). */
#ifndef TROUPE_MAILBOX_H
#define TROUPE_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "troupe/envelope.h"
#include "transport.h"
#include "counters.h"
#include "registry.h"
#include "seal.h"

struct tp_mailbox {
	const struct tp_transport *t;   /* NULL: never opened */
	struct tp_mbox *mb;             /* NULL: not open */
	struct tp_counters *ctr;        /* the node's counters; NULL: counts nothing */
	unsigned ix;                    /* index in the registry: its counters */
	uint32_t msg_max;               /* largest envelope it takes */
	uint32_t depth;                 /* messages it holds at most */
	/* The receiver's name in trace events; NULL: each envelope's
	 * destination (an outbox takes mail for others). */
	const char *name;
	/* The daemon's seal (seal.h).  On the daemon's handle of an actor's
	 * mailbox: everything put in is sealed with seal_key, numbered per
	 * priority in seal_seq.  On the actor's own receiving handle: what is
	 * taken is checked with it, seal_seq the last number taken per
	 * priority.  Without: nothing is sealed, and sealed mail is refused. */
	bool seal;
	uint8_t seal_key[TP_SEAL_KEY_LEN];
	uint64_t seal_seq[TP_SEAL_PRIOS];
	/* A receiving handle on a transport that says who sent (unix): mail
	 * under the name of one of reg's actors is taken only from that
	 * actor's uid (or root, or the receiver's own uid, which are trusted
	 * anyway).  NULL: no check.  wrong_uid: the last refusal was this. */
	const struct tp_registry *reg;
	bool wrong_uid;
};

/* Daemon side: creates mailbox object path with t (see the transport's
 * create) and holds it as the mailbox of index ix.  0, -TP_EBUSY (it
 * exists), or what create returns, with a sentence in err. */
int tp_mailbox_create(struct tp_mailbox *m, const struct tp_transport *t,
		      const char *path, const struct tp_mbox_attr *attr, unsigned ix,
		      char *err, size_t errlen);

/* Actor side: attaches the mailbox that registry entry e names, as index
 * ix, in mode (TP_MBOX_RECV, optionally | TP_MBOX_LAZY, or TP_MBOX_SEND).
 * msg_max and depth come from the mailbox itself (stat), not from the
 * registry.  0, -TP_ECONFIG (e names a transport this build has not, or
 * one whose table is incomplete), or what attach or stat return. */
int tp_mailbox_attach(struct tp_mailbox *m, const struct tp_reg_entry *e, unsigned ix,
		      unsigned mode, struct tp_counters *ctr);

/* Frees the handle (the object stays; unlink removes it); m may be closed
 * already. */
void tp_mailbox_close(struct tp_mailbox *m);

/* How a send shows in the trace. */
enum tp_mailbox_via {
	TP_VIA_SEND = TP_TRACE_SEND,       /* a sender on this node */
	TP_VIA_LINK = TP_TRACE_LINK_IN,    /* the daemon, with mail from a link */
};

/* Puts one envelope (head and payload, len bytes) into m with priority
 * prio, waiting for room up to deadline (absolute CLOCK_MONOTONIC ns;
 * past: try once; TP_DEADLINE_NEVER).  Counts it, or counts it rejected, and
 * traces it while the node traces.  Returns 0, -TP_EFULL, -TP_ETOOBIG,
 * -TP_ECLOSED, -TP_ESYS (the transport's send), -TP_ECLOSED if m is not
 * open. */
int tp_mailbox_send(struct tp_mailbox *m, const uint8_t *env, size_t len, unsigned prio,
		    int64_t deadline, enum tp_mailbox_via via);

/* The same for a sender that keeps the message and tries again later when
 * m is full (the daemon, which never blocks): -TP_EFULL is then neither
 * counted nor traced; only the try that ends it is. */
int tp_mailbox_try(struct tp_mailbox *m, const uint8_t *env, size_t len, unsigned prio,
		   enum tp_mailbox_via via);

/* That sender gives a message for m up without another try (mail for m
 * waits ahead of it, which a try could overtake): counted rejected_full
 * and traced with -TP_EFULL, as a send that found m full. */
void tp_mailbox_reject(struct tp_mailbox *m, const uint8_t *env, size_t len,
		       enum tp_mailbox_via via);

/* Takes the next message into buf (cap at least m->msg_max), waiting up to
 * deadline, and decodes its envelope into env (whose payload points into
 * buf), its payload at most m->msg_max.  Returns the message's length once
 * one was taken out (counted received), with *bad 0, or the envelope's
 * decode error (-TP_ETRUNC, -TP_EVERSION: counted dropped, env undefined),
 * or -TP_EPERM with env decoded (a seal that fails, or a sender name of
 * another uid: wrong_uid); or -TP_EEMPTY (none by the deadline), -TP_EINVAL, -TP_ESYS from the
 * transport, -TP_ECLOSED if m is not open. */
int tp_mailbox_recv(struct tp_mailbox *m, uint8_t *buf, size_t cap, int64_t deadline,
		    struct tp_env *env, int *bad);

/* Makes room in m for a topic subscription whose policy is drop_oldest:
 * the transport discards the message that would be received next,
 * whatever m's own when_full, waiting for its lock at most a moment.
 * Counted received and dropped on m: it left the mailbox without reaching
 * its actor.  0, -TP_ECONFIG (the transport cannot: no evict), or what
 * evict returns (-TP_EEMPTY, -TP_EFULL, -TP_EPERM, ...). */
int tp_mailbox_evict(struct tp_mailbox *m);

/* The taker threw away a message it took out (a reply too late for its
 * call): counted dropped. */
void tp_mailbox_discard(struct tp_mailbox *m);

/* The receiver takes the message env to handle it, at now (0: reads the
 * clock): its latency since the send, and a receive event in the trace. */
void tp_mailbox_took(struct tp_mailbox *m, const struct tp_env *env, int64_t now);

/* Mail that m's taker sent on (an outbox, into its link) waited lat_ns
 * (negative: unknown) in m and its taker's queue: counted as m's latency. */
void tp_mailbox_latency(struct tp_mailbox *m, int64_t lat_ns);

/* A trace event of kind for the envelope env_bytes (decoded only while
 * the node traces), with the result rc and latency lat_ns (-1: unknown). */
void tp_mailbox_trace(const struct tp_mailbox *m, enum tp_trace_kind kind,
		      const uint8_t *env_bytes, size_t len, int rc, int64_t lat_ns);

/* Error replies (docs/WIRE.md, "Error replies"): a reply, with the
 * request's corr id and priority, of type TP_ERROR_MSGID whose payload is a
 * troupe.Error (its TP_E* code, the request's type, a reason).  Whoever
 * finds that a request cannot be served sends one: the receiver's runtime,
 * or the daemon for a receiver that died holding it. */
struct tp_refusal {
	const char *from;        /* the receiver: the reply's sender */
	const char *to;          /* the requester: the reply's destination */
	uint64_t corr;           /* the request's */
	uint32_t type;           /* the request's type id */
	uint8_t prio;            /* the request's */
	int err;                 /* TP_E* code, either sign */
	const char *reason;      /* a short sentence (cut at 95 bytes) */
};

/* Encodes the error reply r into buf (cap bytes) and puts it into m (the
 * requester's mailbox) by deadline, as tp_mailbox_send.  Returns what
 * tp_mailbox_send returns, or -TP_ETOOBIG / -TP_EINVAL (names too long
 * for the envelope), -TP_EENCODE. */
int tp_mailbox_refuse(struct tp_mailbox *m, uint8_t *buf, size_t cap,
		      const struct tp_refusal *r, int64_t deadline);

/* Is env an error reply?  Then its code, negative (-TP_EDECODE when its
 * payload is no troupe.Error), with its reason in reason[n] (may be NULL);
 * else 0. */
int tp_mailbox_error_read(const struct tp_env *env, char *reason, size_t n);

/* Its current depth and limits (the transport's stat); a closed mailbox
 * is all zeros.  0 or what stat returns. */
int tp_mailbox_stat(const struct tp_mailbox *m, struct tp_mbox_stat *st);

#endif
