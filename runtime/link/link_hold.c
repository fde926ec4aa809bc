/* Incoming link mail waiting for room, per destination (see link_hold.h).
 * Each destination is a FIFO of slots linked by index, free slots a stack:
 * a put, a delivery and a backoff touch a few entries; finding what is due
 * scans the destinations (a handful), never the slots. */
#include <stdlib.h>
#include <string.h>
#include "troupe/error.h"
#include "link_hold.h"

int tp_link_hold_init(struct tp_link_hold *h, unsigned n_slots, unsigned n_dests,
		      unsigned per_dest, size_t msg_max, int64_t hold_ns)
{
	memset(h, 0, sizeof *h);
	if (!n_slots || !n_dests || !per_dest || per_dest > n_slots || !msg_max ||
	    hold_ns <= 0)
		return -TP_EINVAL;
	h->slot = calloc(n_slots, sizeof *h->slot);
	h->q = calloc(n_dests, sizeof *h->q);
	if (!h->slot || !h->q) {
		tp_link_hold_fini(h);
		return -TP_ENOMEM;
	}
	h->n_slots = n_slots;
	h->n_dests = n_dests;
	for (unsigned k = 0; k < n_slots; k++) {
		h->slot[k].qi = -1;
		h->slot[k].next = k + 1 < n_slots ? (int)k + 1 : -1;
	}
	h->free_head = 0;
	for (unsigned j = 0; j < n_dests; j++)
		h->q[j] = (struct tp_link_hold_dest){ .dest = -1, .head = -1, .tail = -1 };
	h->per_dest = per_dest;
	h->msg_max = msg_max;
	h->hold_ns = hold_ns;
	return 0;
}

void tp_link_hold_fini(struct tp_link_hold *h)
{
	for (unsigned k = 0; h->slot && k < h->n_slots; k++)
		free(h->slot[k].buf);
	free(h->slot);
	free(h->q);
	memset(h, 0, sizeof *h);
}

static int hold_find(const struct tp_link_hold *h, int dest)
{
	for (unsigned j = 0; j < h->n_dests; j++)
		if (h->q[j].dest == dest)
			return (int)j;
	return -1;
}

unsigned tp_link_hold_count(const struct tp_link_hold *h, int dest)
{
	int j = dest < 0 ? -1 : hold_find(h, dest);
	return j < 0 ? 0 : h->q[j].count;
}

static int hold_refuse(struct tp_link_hold *h)
{
	h->st.refused++;
	return -TP_EFULL;
}

int tp_link_hold_put(struct tp_link_hold *h, int dest, const void *msg, size_t len,
		     unsigned prio, int64_t now)
{
	return tp_link_hold_put_seq(h, dest, msg, len, prio, now, 0);
}

uint64_t tp_link_hold_min_seq(const struct tp_link_hold *h)
{
	uint64_t min = 0;
	if (!h->st.held)
		return 0;
	for (unsigned k = 0; k < h->n_slots; k++) {
		const struct tp_link_hold_slot *s = &h->slot[k];
		if (s->qi >= 0 && s->dseq && (!min || s->dseq < min))
			min = s->dseq;
	}
	return min;
}

void tp_link_hold_forget_seqs(struct tp_link_hold *h)
{
	for (unsigned k = 0; k < h->n_slots; k++)
		h->slot[k].dseq = 0;
}

int tp_link_hold_put_seq(struct tp_link_hold *h, int dest, const void *msg, size_t len,
			 unsigned prio, int64_t now, uint64_t dseq)
{
	if (dest < 0 || !len || len > h->msg_max)
		return -TP_ETOOBIG;
	int j = hold_find(h, dest);
	if (j < 0)
		j = hold_find(h, -1);   /* a free entry, if any */
	/* The window: one destination never takes the whole pool. */
	if (j < 0 || h->q[j].count >= h->per_dest || h->free_head < 0)
		return hold_refuse(h);
	int k = h->free_head;
	struct tp_link_hold_slot *s = &h->slot[k];
	if (!s->buf && !(s->buf = malloc(h->msg_max)))
		return hold_refuse(h);
	h->free_head = s->next;
	memcpy(s->buf, msg, len);
	s->len = len;
	s->prio = prio;
	s->since = now;
	s->dseq = dseq;
	s->qi = j;
	s->next = -1;
	struct tp_link_hold_dest *q = &h->q[j];
	if (q->dest < 0) {
		/* First for this destination: its first retry soon. */
		*q = (struct tp_link_hold_dest){ .dest = dest, .head = k, .tail = k,
			.retry = now + TP_LINK_HOLD_WAIT_MIN_NS,
			.wait = 2 * TP_LINK_HOLD_WAIT_MIN_NS };
	} else {
		h->slot[q->tail].next = k;
		q->tail = k;
	}
	q->count++;
	if (++h->st.held > h->st.high_water)
		h->st.high_water = h->st.held;
	return 0;
}

int tp_link_hold_head(const struct tp_link_hold *h, int dest)
{
	int j = dest < 0 ? -1 : hold_find(h, dest);
	return j < 0 ? -1 : h->q[j].head;
}

int tp_link_hold_dest_of(const struct tp_link_hold *h, int k)
{
	int j = h->slot[k].qi;
	return j < 0 ? -1 : h->q[j].dest;
}

bool tp_link_hold_expired(const struct tp_link_hold *h, int k, int64_t now)
{
	return now - h->slot[k].since >= h->hold_ns;
}

/* When destination j's oldest is due: its retry, or its hold limit. */
static int64_t hold_when(const struct tp_link_hold *h, unsigned j)
{
	int64_t exp = h->slot[h->q[j].head].since + h->hold_ns;
	return h->q[j].retry < exp ? h->q[j].retry : exp;
}

int tp_link_hold_due(const struct tp_link_hold *h, int64_t now)
{
	int best = -1;
	for (unsigned j = 0; j < h->n_dests; j++) {
		if (h->q[j].dest < 0 || hold_when(h, j) > now)
			continue;
		int k = h->q[j].head;
		if (best < 0 || h->slot[k].since < h->slot[best].since)
			best = k;
	}
	return best;
}

void tp_link_hold_backoff(struct tp_link_hold *h, int k, int64_t now)
{
	struct tp_link_hold_dest *q = &h->q[h->slot[k].qi];
	q->retry = now + q->wait;
	q->wait = q->wait * 2 < TP_LINK_HOLD_WAIT_MAX_NS ? q->wait * 2
							 : TP_LINK_HOLD_WAIT_MAX_NS;
}

void tp_link_hold_done(struct tp_link_hold *h, int k, bool delivered)
{
	struct tp_link_hold_slot *s = &h->slot[k];
	if (s->qi < 0 || h->q[s->qi].head != k)
		return;   /* free, or not the oldest: only the oldest leaves */
	struct tp_link_hold_dest *q = &h->q[s->qi];
	q->head = s->next;
	if (--q->count == 0)
		*q = (struct tp_link_hold_dest){ .dest = -1, .head = -1, .tail = -1 };
	else if (delivered) {
		q->retry = 0;   /* room came: the next goes at once */
		q->wait = TP_LINK_HOLD_WAIT_MIN_NS;
	}
	s->qi = -1;
	s->len = 0;
	s->dseq = 0;
	s->next = h->free_head;
	h->free_head = k;
	h->st.held--;
	if (delivered)
		h->st.delivered++;
	else
		h->st.expired++;
}

int64_t tp_link_hold_next(const struct tp_link_hold *h)
{
	int64_t next = INT64_MAX;
	for (unsigned j = 0; j < h->n_dests; j++)
		if (h->q[j].dest >= 0 && hold_when(h, j) < next)
			next = hold_when(h, j);
	return next;
}
