/* A receiver's record of a peer's numbered mail (link_dseq.h). */
#include "link_dseq.h"

bool tp_link_rxseq_epoch(struct tp_link_rxseq *r, uint64_t epoch)
{
	if (r->epoch == epoch)
		return false;
	if (r->epoch)
		r->resets++;
	r->epoch = epoch;
	r->last = r->acked = 0;
	r->due = 0;
	return true;
}

bool tp_link_rxseq_take(struct tp_link_rxseq *r, uint64_t seq)
{
	/* Gaps are fine: the sender's drop_oldest policy leaves them. */
	if (seq <= r->last) {
		r->dups++;
		return false;
	}
	r->last = seq;
	return true;
}

uint64_t tp_link_rxseq_done(const struct tp_link_rxseq *r, uint64_t held_min)
{
	if (held_min && held_min - 1 < r->last)
		return held_min - 1;
	return r->last;
}

bool tp_link_rxseq_ack_due(struct tp_link_rxseq *r, uint64_t done, int64_t now,
			   bool force, uint64_t *ack)
{
	if (done <= r->acked)
		return false;
	if (force || done - r->acked >= TP_LINK_ACK_EVERY || (r->due && now >= r->due)) {
		*ack = done;
		return true;
	}
	if (!r->due)
		r->due = now + (int64_t)TP_LINK_ACK_MS * 1000000;
	return false;
}

void tp_link_rxseq_acked(struct tp_link_rxseq *r, uint64_t ack)
{
	r->acked = ack;
	r->due = 0;
}
