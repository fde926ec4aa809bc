/* Mail waiting for a node link: a bounded FIFO of whole envelopes, kept
 * while the link is down (or its output is full) and delivered in order
 * when it is back.  One byte ring allocated at init; nothing allocated per
 * message.  The full-queue policies are those of mailboxes, and every
 * message not queued is counted. */
#ifndef TROUPE_LINK_QUEUE_H
#define TROUPE_LINK_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "transport.h"

/* The full-queue policy is a mailbox's when_full (transport.h), with the
 * same names and parser (tp_when_full_parse):
 *   TP_FULL_BLOCK        push fails with -TP_EFULL and the caller keeps the
 *                        message where it was.  The daemon stops taking mail
 *                        for this link, so that senders block on their own
 *                        mailbox send up to their deadline: exactly what a
 *                        full local mailbox does.
 *   TP_FULL_REJECT       push fails with -TP_EFULL; the caller tells the
 *                        sender.
 *   TP_FULL_DROP_OLDEST  the oldest messages make room (handed to on_drop
 *                        first). */

/* Told about each message dropped by TP_FULL_DROP_OLDEST, before it goes: the
 * daemon can then send its sender an undeliverable notice. */
typedef void tp_link_queue_drop_fn(void *ctx, const uint8_t *msg, size_t len);

struct tp_link_queue_stats {
	uint32_t queued;          /* messages in the queue now */
	uint32_t bytes;           /* their bytes */
	uint32_t high_water;      /* most messages queued at once */
	uint64_t pushed, popped;
	uint64_t blocked;         /* pushes refused under TP_FULL_BLOCK */
	uint64_t rejected;        /* pushes refused under TP_FULL_REJECT */
	uint64_t dropped;         /* messages dropped under TP_FULL_DROP_OLDEST */
	uint32_t unacked;         /* of queued: sent, not yet acknowledged */
	uint64_t acked;           /* freed by an acknowledgement */
	uint64_t resent;          /* sent again after a reconnect */
};

struct tp_link_queue {
	uint8_t *buf;
	size_t cap;               /* bytes of buf */
	size_t head, tail, end;   /* records live in [head, end) ++ [0, tail) when wrapped */
	int wrapped;
	/* Link version 4: the first `unacked` records are sent and wait for
	 * the peer's acknowledgement; cur is where the unsent ones start.
	 * Records are numbered in order from seq_head (the head's delivery
	 * sequence), so a record's number is its place. */
	size_t cur;
	uint64_t seq_head;
	uint32_t max_msgs;
	uint32_t msg_max;
	enum tp_when_full policy;
	tp_link_queue_drop_fn *on_drop;
	void *drop_ctx;
	struct tp_link_queue_stats st;
};

/* Holds up to max_msgs messages of up to msg_max bytes each; the ring is
 * sized so that max_msgs messages of msg_max always fit.  Returns 0,
 * -TP_EINVAL, -TP_ENOMEM. */
int tp_link_queue_init(struct tp_link_queue *q, uint32_t max_msgs, uint32_t msg_max,
		       enum tp_when_full policy);
void tp_link_queue_fini(struct tp_link_queue *q);
void tp_link_queue_on_drop(struct tp_link_queue *q, tp_link_queue_drop_fn *fn, void *ctx);

/* Copies msg in at the tail.  Returns 0, -TP_ETOOBIG (over msg_max, or
 * empty), -TP_EFULL (block or reject, counted). */
int tp_link_queue_push(struct tp_link_queue *q, const void *msg, size_t len);

/* The oldest message, left in place: its length, or 0 when empty.
 * Note: *msg is valid until the next push or pop. */
size_t tp_link_queue_peek(const struct tp_link_queue *q, const uint8_t **msg);
/* Removes the oldest message (after it was handed on). */
void tp_link_queue_pop(struct tp_link_queue *q);

uint32_t tp_link_queue_count(const struct tp_link_queue *q);

/* Sent-but-unacknowledged mail (link version 4, docs/WIRE.md, "Delivery
 * sequences").  The queue's bound covers both kinds: the full-queue policy
 * applies to the sum, and drop_oldest may drop an unacknowledged one.
 *
 * next: the oldest message not yet sent and its delivery sequence (*seq):
 * its length, or 0 when all are sent.  Note: *msg is valid until the next
 * push or pop. */
size_t tp_link_queue_next(const struct tp_link_queue *q, const uint8_t **msg,
			  uint64_t *seq);
/* That message went out: it now waits for its acknowledgement. */
void tp_link_queue_sent(struct tp_link_queue *q);
/* The peer completed everything up to seq: frees those.  Returns how many. */
uint32_t tp_link_queue_ack(struct tp_link_queue *q, uint64_t seq);
/* A new connection to the same peer: the unacknowledged go again, first.
 * Returns how many (counted in resent). */
uint32_t tp_link_queue_rewind(struct tp_link_queue *q);
/* The oldest unacknowledged message (its length; 0: none) and its
 * sequence, to answer it when the peer restarted; pop removes it. */
size_t tp_link_queue_unacked(const struct tp_link_queue *q, const uint8_t **msg,
			     uint64_t *seq);
/* Numbering starts again at first with the oldest message still queued
 * (a peer with a fresh record of us). */
void tp_link_queue_renumber(struct tp_link_queue *q, uint64_t first);

#endif
