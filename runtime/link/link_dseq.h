/* A receiver's record of one peer's numbered mail (link version 4,
 * docs/WIRE.md, "Delivery sequences"): which incarnation of the peer it
 * is about, the highest number taken in (anything at or below it again
 * is a duplicate of a resend), and the batching of the cumulative
 * acknowledgement.  Pure bookkeeping: no clock, no socket; the daemon
 * says what is complete (taken in, less what still waits in the hold). */
#ifndef TROUPE_LINK_DSEQ_H
#define TROUPE_LINK_DSEQ_H

#include <stdbool.h>
#include <stdint.h>

/* An acknowledgement goes once this many messages are complete and not
 * yet acknowledged, or TP_LINK_ACK_MS after the first of them, or with
 * the next timer tick (heartbeats): never one per message.  A link's
 * queue much shorter than TP_LINK_ACK_EVERY waits up to TP_LINK_ACK_MS
 * for room (docs/DESIGN.md, "Node links"). */
#define TP_LINK_ACK_EVERY 32
#define TP_LINK_ACK_MS 5

struct tp_link_rxseq {
	uint64_t epoch;       /* the peer's incarnation this is about; 0: none yet */
	uint64_t last;        /* highest delivery sequence taken in */
	uint64_t acked;       /* last acknowledged (or told in a RESUME) */
	int64_t due;          /* an acknowledgement is owed by then; 0: none */
	uint64_t dups;        /* duplicates dropped (all epochs) */
	uint64_t resets;      /* new epochs seen after the first */
};

/* The peer's RESUME said epoch: a new incarnation (or the first heard)
 * starts the record afresh.  True when it did. */
bool tp_link_rxseq_epoch(struct tp_link_rxseq *r, uint64_t epoch);

/* Mail numbered seq came: true when it is new (it becomes the last taken
 * in), false for a duplicate (counted), which the caller drops. */
bool tp_link_rxseq_take(struct tp_link_rxseq *r, uint64_t seq);

/* Complete up to: everything taken in, but below the lowest still held
 * (held_min, 0 when none). */
uint64_t tp_link_rxseq_done(const struct tp_link_rxseq *r, uint64_t held_min);

/* Should an acknowledgement of done go now?  Yes (and *ack = done) when
 * done moved and force, or a batch is full, or it is due; else the first
 * owed sets its deadline.  The caller sends it, then tp_link_rxseq_acked. */
bool tp_link_rxseq_ack_due(struct tp_link_rxseq *r, uint64_t done, int64_t now,
			   bool force, uint64_t *ack);
void tp_link_rxseq_acked(struct tp_link_rxseq *r, uint64_t ack);

#endif
