/* Incoming link mail that waits for room in a full local mailbox, per
 * destination: the receiving side of a link's flow control.
 *
 * The daemon never stops reading a link for one full mailbox (heartbeats,
 * control and other destinations' mail come on the same connection).
 * Mail for a full mailbox whose policy is block waits here instead, in a
 * bounded pool of slots shared by the link's destinations, at most
 * per_dest of them for one destination: that share is the destination's
 * window.  Mail that finds its destination's window (or the pool) full,
 * or that has waited hold_ns, is given up and its sender told: a slow
 * receiver refuses its own senders and nobody else's.
 *
 * Per destination, mail leaves in the order it came (new mail for a
 * destination that has mail waiting goes behind it, never past it).  Only
 * the oldest of a destination is tried; a try that finds the mailbox still
 * full backs off from 20 µs, doubling up to 1 ms, as a busy receiver frees
 * room within microseconds and a stopped one should cost little.
 *
 * Pure: times are passed in, nothing here touches a mailbox; the slots'
 * bytes are allocated once at init, nothing per message. */
#ifndef TROUPE_LINK_HOLD_H
#define TROUPE_LINK_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_LINK_HOLD_WAIT_MIN_NS 20000LL
#define TP_LINK_HOLD_WAIT_MAX_NS 1000000LL

struct tp_link_hold_slot {
	int qi;                   /* its destination's entry in q; -1: free */
	int next;                 /* the next of its destination, or of the free list; -1 */
	int64_t since;            /* when it came */
	unsigned prio;
	size_t len;
	uint64_t dseq;            /* its delivery sequence (link version 4); 0: none */
	uint8_t *buf;             /* msg_max bytes, allocated at its first use */
};

/* One destination with mail waiting: its FIFO of slots.  A reload that
 * moves the local mailboxes renames dest in place. */
struct tp_link_hold_dest {
	int dest;                 /* local mailbox index; -1: free */
	int head, tail;
	unsigned count;
	int64_t retry;            /* when its oldest is tried again */
	int64_t wait;             /* the backoff after that */
};

struct tp_link_hold_stats {
	uint32_t held;            /* messages waiting now */
	uint32_t high_water;      /* most waiting at once */
	uint64_t delivered;       /* went into their mailbox after waiting */
	uint64_t expired;         /* given up (waited hold_ns, or its mailbox went) */
	uint64_t refused;         /* found the window or the pool full */
};

struct tp_link_hold {
	struct tp_link_hold_slot *slot;
	struct tp_link_hold_dest *q;
	unsigned n_slots, n_dests;
	unsigned per_dest;        /* the window of one destination */
	int free_head;
	size_t msg_max;
	int64_t hold_ns;
	struct tp_link_hold_stats st;
};

/* n_slots slots of msg_max bytes for up to n_dests destinations at once,
 * per_dest (1..n_slots) slots for one destination, each message kept at
 * most hold_ns (> 0).  A slot's bytes are allocated when it is first used
 * and kept: the memory grows to the most ever held, no further.  0,
 * -TP_EINVAL, -TP_ENOMEM. */
int tp_link_hold_init(struct tp_link_hold *h, unsigned n_slots, unsigned n_dests,
		      unsigned per_dest, size_t msg_max, int64_t hold_ns);
void tp_link_hold_fini(struct tp_link_hold *h);

/* Messages waiting for dest. */
unsigned tp_link_hold_count(const struct tp_link_hold *h, int dest);

/* Keeps a copy of msg (len bytes, priority prio) for dest, which was full
 * at now (or has mail waiting).  0; -TP_EFULL: dest's window, the pool or
 * the destinations are full, or no memory for the slot (counted refused:
 * the caller gives it up); -TP_ETOOBIG. */
int tp_link_hold_put(struct tp_link_hold *h, int dest, const void *msg, size_t len,
		     unsigned prio, int64_t now);

/* The oldest message waiting for dest: its slot, or -1. */
/* tp_link_hold_put of mail numbered dseq (link version 4): it is not
 * complete, and not acknowledged, until it goes in or is given up. */
int tp_link_hold_put_seq(struct tp_link_hold *h, int dest, const void *msg, size_t len,
			 unsigned prio, int64_t now, uint64_t dseq);
/* The lowest delivery sequence held, 0 when none is. */
uint64_t tp_link_hold_min_seq(const struct tp_link_hold *h);
/* The sender's numbering started again (it restarted): the held mail
 * stays, but its numbers mean nothing now. */
void tp_link_hold_forget_seqs(struct tp_link_hold *h);
int tp_link_hold_head(const struct tp_link_hold *h, int dest);

/* A destination's oldest message that is due at now (its retry time came,
 * or it has waited hold_ns): its slot, the oldest such first; -1: none. */
int tp_link_hold_due(const struct tp_link_hold *h, int64_t now);

/* The destination's slot k waits for (-1: k is free). */
int tp_link_hold_dest_of(const struct tp_link_hold *h, int k);

/* Has slot k waited its hold_ns at now? */
bool tp_link_hold_expired(const struct tp_link_hold *h, int k, int64_t now);

/* Slot k (a destination's oldest) found its mailbox still full at now:
 * tried again after the destination's backoff. */
void tp_link_hold_backoff(struct tp_link_hold *h, int k, int64_t now);

/* Slot k, a destination's oldest, went into its mailbox (delivered true)
 * or was given up (false, counted expired): freed; the next of its
 * destination is due at once. */
void tp_link_hold_done(struct tp_link_hold *h, int k, bool delivered);

/* When tp_link_hold_due next has something: the earliest retry or expiry
 * of a destination's oldest message; INT64_MAX when nothing waits. */
int64_t tp_link_hold_next(const struct tp_link_hold *h);

#endif
