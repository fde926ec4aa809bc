/* The link's outgoing queue (link_queue.h): records of [u32 len][bytes],
 * padded to 4, kept contiguous in one ring so that peek hands out a single
 * pointer.  A record that does not fit before the end of the buffer starts
 * again at 0, and `end` remembers where the upper run stops. */
#include <stdlib.h>
#include <string.h>
#include "troupe/error.h"
#include "link_queue.h"

#define REC_HDR 4

static size_t rec_size(size_t len)
{
	return REC_HDR + ((len + 3) & ~(size_t)3);
}

static uint32_t rec_len(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

int tp_link_queue_init(struct tp_link_queue *q, uint32_t max_msgs, uint32_t msg_max,
		       enum tp_when_full policy)
{
	memset(q, 0, sizeof *q);
	if (!max_msgs || !msg_max || (unsigned)policy > TP_FULL_DROP_OLDEST ||
	    (uint64_t)max_msgs * rec_size(msg_max) > 256u * 1024 * 1024)
		return -TP_EINVAL;
	/* One record more than the count: a record that wraps may waste up
	 * to one record's size at the end of the buffer. */
	q->cap = ((size_t)max_msgs + 1) * rec_size(msg_max);
	q->buf = malloc(q->cap);
	if (!q->buf)
		return -TP_ENOMEM;
	q->max_msgs = max_msgs;
	q->msg_max = msg_max;
	q->policy = policy;
	q->seq_head = 1;
	return 0;
}

void tp_link_queue_fini(struct tp_link_queue *q)
{
	free(q->buf);
	memset(q, 0, sizeof *q);
}

void tp_link_queue_on_drop(struct tp_link_queue *q, tp_link_queue_drop_fn *fn, void *ctx)
{
	q->on_drop = fn;
	q->drop_ctx = ctx;
}

uint32_t tp_link_queue_count(const struct tp_link_queue *q)
{
	return q->st.queued;
}

size_t tp_link_queue_peek(const struct tp_link_queue *q, const uint8_t **msg)
{
	if (!q->st.queued) {
		*msg = NULL;
		return 0;
	}
	*msg = q->buf + q->head + REC_HDR;
	return rec_len(q->buf + q->head);
}

void tp_link_queue_pop(struct tp_link_queue *q)
{
	if (!q->st.queued)
		return;
	uint32_t len = rec_len(q->buf + q->head);
	q->head += rec_size(len);
	q->st.queued--;
	q->st.bytes -= len;
	q->st.popped++;
	q->seq_head++;
	if (q->wrapped && q->head == q->end) {
		q->head = 0;
		q->wrapped = 0;
	}
	if (!q->st.queued)
		q->head = q->tail = q->end = 0;
	/* The unsent start where they did, unless the head was one of them. */
	if (q->st.unacked)
		q->st.unacked--;
	else
		q->cur = q->head;
	if (!q->st.queued)
		q->cur = 0;
}

size_t tp_link_queue_next(const struct tp_link_queue *q, const uint8_t **msg,
			  uint64_t *seq)
{
	if (q->st.unacked >= q->st.queued) {
		*msg = NULL;
		return 0;
	}
	*msg = q->buf + q->cur + REC_HDR;
	*seq = q->seq_head + q->st.unacked;
	return rec_len(q->buf + q->cur);
}

void tp_link_queue_sent(struct tp_link_queue *q)
{
	if (q->st.unacked >= q->st.queued)
		return;
	q->cur += rec_size(rec_len(q->buf + q->cur));
	q->st.unacked++;
	if (q->wrapped && q->cur == q->end)
		q->cur = 0;
}

uint32_t tp_link_queue_ack(struct tp_link_queue *q, uint64_t seq)
{
	uint32_t n = 0;
	while (q->st.unacked && q->seq_head <= seq) {
		tp_link_queue_pop(q);
		n++;
	}
	q->st.acked += n;
	return n;
}

uint32_t tp_link_queue_rewind(struct tp_link_queue *q)
{
	uint32_t n = q->st.unacked;
	q->st.unacked = 0;
	q->cur = q->head;
	q->st.resent += n;
	return n;
}

size_t tp_link_queue_unacked(const struct tp_link_queue *q, const uint8_t **msg,
			     uint64_t *seq)
{
	*seq = q->seq_head;
	if (!q->st.unacked) {
		*msg = NULL;
		return 0;
	}
	return tp_link_queue_peek(q, msg);
}

void tp_link_queue_renumber(struct tp_link_queue *q, uint64_t first)
{
	q->seq_head = first;
}

/* Where a record of `need` bytes would go, or NULL if there is no room. */
static uint8_t *queue_slot(struct tp_link_queue *q, size_t need)
{
	if (q->st.queued >= q->max_msgs)
		return NULL;
	if (q->wrapped)
		return q->head - q->tail >= need ? q->buf + q->tail : NULL;
	if (q->cap - q->tail >= need)
		return q->buf + q->tail;
	if (q->head >= need) {
		q->end = q->tail;
		if (q->cur == q->end)   /* all sent: the next unsent goes at 0 */
			q->cur = 0;
		q->tail = 0;
		q->wrapped = 1;
		return q->buf;
	}
	return NULL;
}

static void queue_drop_oldest(struct tp_link_queue *q)
{
	const uint8_t *m;
	size_t len = tp_link_queue_peek(q, &m);
	if (q->on_drop)
		q->on_drop(q->drop_ctx, m, len);
	tp_link_queue_pop(q);
	q->st.popped--;
	q->st.dropped++;
}

int tp_link_queue_push(struct tp_link_queue *q, const void *msg, size_t len)
{
	if (len == 0 || len > q->msg_max)
		return -TP_ETOOBIG;
	size_t need = rec_size(len);
	uint8_t *slot;
	while (!(slot = queue_slot(q, need))) {
		if (q->policy == TP_FULL_BLOCK) {
			q->st.blocked++;
			return -TP_EFULL;
		}
		if (q->policy == TP_FULL_REJECT) {
			q->st.rejected++;
			return -TP_EFULL;
		}
		/* The sizing guarantees room once the queue is empty. */
		queue_drop_oldest(q);
	}
	uint32_t l32 = (uint32_t)len;
	memcpy(slot, &l32, sizeof l32);
	memcpy(slot + REC_HDR, msg, len);
	q->tail += need;
	q->st.queued++;
	q->st.bytes += l32;
	q->st.pushed++;
	if (q->st.queued > q->st.high_water)
		q->st.high_water = q->st.queued;
	return 0;
}
