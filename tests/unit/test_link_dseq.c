/* Delivery sequences (link version 4): the receiver's record (new mail,
 * duplicates, a new epoch, completion below held mail, batched
 * acknowledgements) and the sender's side in the link queue (sent but
 * unacknowledged mail, freed by an ack, sent again in order after a
 * rewind, answered after a restart), checked against a model across
 * many wraps of the ring. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "link_dseq.h"
#include "link_hold.h"
#include "link_queue.h"

#define MS 1000000LL

static void rx_dedup_and_epochs(void **state)
{
	(void)state;
	struct tp_link_rxseq r = { 0 };
	assert_true(tp_link_rxseq_epoch(&r, 0xabc));
	assert_false(tp_link_rxseq_epoch(&r, 0xabc));   /* a reconnect: kept */
	for (uint64_t s = 1; s <= 5; s++)
		assert_true(tp_link_rxseq_take(&r, s));
	/* A resend after a reconnect: what was taken in is dropped, counted. */
	assert_false(tp_link_rxseq_take(&r, 4));
	assert_false(tp_link_rxseq_take(&r, 5));
	assert_true(tp_link_rxseq_take(&r, 6));
	assert_true(tp_link_rxseq_take(&r, 9));          /* a gap: dropped there */
	assert_false(tp_link_rxseq_take(&r, 8));
	assert_int_equal(r.dups, 3);
	assert_int_equal(r.last, 9);
	/* The peer restarted: its numbering starts at 1 again, all new. */
	assert_true(tp_link_rxseq_epoch(&r, 0xdef));
	assert_int_equal(r.resets, 1);
	assert_true(tp_link_rxseq_take(&r, 1));
	assert_int_equal(r.dups, 3);
}

static void rx_done_below_held(void **state)
{
	(void)state;
	struct tp_link_rxseq r = { .epoch = 1 };
	for (uint64_t s = 1; s <= 10; s++)
		tp_link_rxseq_take(&r, s);
	assert_int_equal(tp_link_rxseq_done(&r, 0), 10);
	/* Mail 4 waits for a full mailbox: nothing from 4 on is complete. */
	assert_int_equal(tp_link_rxseq_done(&r, 4), 3);
	assert_int_equal(tp_link_rxseq_done(&r, 1), 0);

	struct tp_link_hold h;
	uint8_t m[8] = "held";
	assert_int_equal(tp_link_hold_init(&h, 8, 2, 8, sizeof m, 1000 * MS), 0);
	assert_int_equal(tp_link_hold_min_seq(&h), 0);
	assert_int_equal(tp_link_hold_put_seq(&h, 3, m, 4, 0, 0, 7), 0);
	assert_int_equal(tp_link_hold_put_seq(&h, 3, m, 4, 0, 0, 9), 0);
	assert_int_equal(tp_link_hold_put(&h, 5, m, 4, 0, 0), 0);   /* unnumbered */
	assert_int_equal(tp_link_hold_min_seq(&h), 7);
	assert_int_equal(tp_link_rxseq_done(&r, tp_link_hold_min_seq(&h)), 6);
	tp_link_hold_done(&h, tp_link_hold_head(&h, 3), true);   /* 7 went in */
	assert_int_equal(tp_link_hold_min_seq(&h), 9);
	tp_link_hold_forget_seqs(&h);   /* the sender restarted */
	assert_int_equal(tp_link_hold_min_seq(&h), 0);
	tp_link_hold_fini(&h);
}

static void rx_acks_batched(void **state)
{
	(void)state;
	struct tp_link_rxseq r = { .epoch = 1 };
	uint64_t ack = 0;
	int64_t now = 1000 * MS;
	assert_false(tp_link_rxseq_ack_due(&r, 0, now, true, &ack));   /* nothing new */
	/* Fewer than a batch: not yet, but owed within TP_LINK_ACK_MS. */
	assert_false(tp_link_rxseq_ack_due(&r, 3, now, false, &ack));
	assert_false(tp_link_rxseq_ack_due(&r, 5, now + 1, false, &ack));
	assert_true(tp_link_rxseq_ack_due(&r, 5, now + TP_LINK_ACK_MS * MS, false, &ack));
	assert_int_equal(ack, 5);
	tp_link_rxseq_acked(&r, ack);
	assert_int_equal(r.due, 0);
	/* A full batch goes at once; a heartbeat (force) takes what is owed. */
	assert_true(tp_link_rxseq_ack_due(&r, 5 + TP_LINK_ACK_EVERY, now, false, &ack));
	tp_link_rxseq_acked(&r, ack);
	assert_false(tp_link_rxseq_ack_due(&r, ack + 1, now, false, &ack));
	assert_true(tp_link_rxseq_ack_due(&r, 6 + TP_LINK_ACK_EVERY, now, true, &ack));
	assert_int_equal(ack, 6 + TP_LINK_ACK_EVERY);
}

static size_t msg(uint8_t *buf, uint32_t id, size_t len)
{
	memset(buf, (int)(id & 0xff), len);
	memcpy(buf, &id, 4);
	return len;
}

static uint32_t id_of(const uint8_t *m, size_t n)
{
	uint32_t id;
	assert_true(n >= 4);
	memcpy(&id, m, 4);
	for (size_t i = 4; i < n; i++)
		assert_int_equal(m[i], (uint8_t)(id & 0xff));
	return id;
}

static void tx_ack_and_resend(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t b[64];
	const uint8_t *m;
	uint64_t seq;
	assert_int_equal(tp_link_queue_init(&q, 8, 64, TP_FULL_REJECT), 0);
	for (uint32_t i = 1; i <= 6; i++)
		assert_int_equal(tp_link_queue_push(&q, b, msg(b, i, 20)), 0);
	for (uint32_t i = 1; i <= 4; i++) {
		size_t n = tp_link_queue_next(&q, &m, &seq);
		assert_int_equal(id_of(m, n), i);
		assert_int_equal(seq, i);
		tp_link_queue_sent(&q);
	}
	assert_int_equal(q.st.unacked, 4);
	assert_int_equal(tp_link_queue_ack(&q, 2), 2);   /* 1 and 2 freed */
	assert_int_equal(tp_link_queue_count(&q), 4);
	/* A reconnect: 3 and 4 go again, then 5 and 6, in order. */
	assert_int_equal(tp_link_queue_rewind(&q), 2);
	assert_int_equal(q.st.resent, 2);
	for (uint32_t i = 3; i <= 6; i++) {
		size_t n = tp_link_queue_next(&q, &m, &seq);
		assert_int_equal(id_of(m, n), i);
		assert_int_equal(seq, i);
		tp_link_queue_sent(&q);
	}
	assert_int_equal(tp_link_queue_next(&q, &m, &seq), 0);
	/* Unacknowledged mail counts against the bound: the policy applies. */
	assert_int_equal(tp_link_queue_push(&q, b, msg(b, 7, 20)), 0);
	assert_int_equal(tp_link_queue_push(&q, b, msg(b, 8, 20)), 0);
	assert_int_equal(tp_link_queue_push(&q, b, msg(b, 9, 20)), 0);
	assert_int_equal(tp_link_queue_push(&q, b, msg(b, 10, 20)), 0);
	assert_int_equal(tp_link_queue_push(&q, b, msg(b, 11, 20)), -TP_EFULL);
	assert_int_equal(q.st.rejected, 1);
	/* The peer restarted: the unacknowledged (3..6) are answered, one by
	 * one; the unsent (7..10) are numbered from 1 for the new peer. */
	uint32_t answered = 0;
	size_t n;
	while ((n = tp_link_queue_unacked(&q, &m, &seq)) > 0) {
		assert_int_equal(id_of(m, n), 3 + answered);
		assert_int_equal(seq, 3 + answered);
		tp_link_queue_pop(&q);
		answered++;
	}
	assert_int_equal(answered, 4);
	tp_link_queue_renumber(&q, 1);
	n = tp_link_queue_next(&q, &m, &seq);
	assert_int_equal(id_of(m, n), 7);
	assert_int_equal(seq, 1);
	tp_link_queue_fini(&q);
}

/* Drop-oldest may drop an unacknowledged message: the numbering leaves
 * a gap, the rest keep their numbers. */
static void tx_drop_oldest_keeps_numbers(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t b[64];
	const uint8_t *m;
	uint64_t seq;
	assert_int_equal(tp_link_queue_init(&q, 3, 64, TP_FULL_DROP_OLDEST), 0);
	for (uint32_t i = 1; i <= 3; i++)
		tp_link_queue_push(&q, b, msg(b, i, 16));
	tp_link_queue_next(&q, &m, &seq);
	tp_link_queue_sent(&q);                       /* 1 sent */
	tp_link_queue_push(&q, b, msg(b, 4, 16));     /* drops 1 */
	assert_int_equal(q.st.unacked, 0);
	size_t n = tp_link_queue_next(&q, &m, &seq);
	assert_int_equal(id_of(m, n), 2);
	assert_int_equal(seq, 2);
	tp_link_queue_fini(&q);
}

/* Random pushes, sends, acks and rewinds of random sizes against a model:
 * every message goes out in order under its number, again after a
 * rewind, and leaves only when acknowledged. */
static void tx_model_across_wraps(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t b[200];
	const uint8_t *m;
	uint64_t seq;
	uint32_t next_id = 1, acked = 0, sent_hi = 0;   /* ids: seq == id here */
	srand(7);
	assert_int_equal(tp_link_queue_init(&q, 16, 200, TP_FULL_REJECT), 0);
	for (int turn = 0; turn < 20000; turn++) {
		int op = rand() % 10;
		if (op < 4) {
			size_t len = 4 + (size_t)(rand() % 196);
			if (tp_link_queue_push(&q, b, msg(b, next_id, len)) == 0)
				next_id++;
		} else if (op < 7) {
			size_t n = tp_link_queue_next(&q, &m, &seq);
			if (n) {
				assert_int_equal(id_of(m, n), sent_hi + 1);
				assert_int_equal(seq, sent_hi + 1);
				tp_link_queue_sent(&q);
				sent_hi++;
			} else {
				assert_int_equal(sent_hi + 1, next_id);
			}
		} else if (op < 9) {
			uint32_t upto = acked + (sent_hi > acked ? (uint32_t)rand() % (sent_hi - acked + 1) : 0);
			assert_int_equal(tp_link_queue_ack(&q, upto), upto - acked);
			acked = upto;
		} else {
			assert_int_equal(tp_link_queue_rewind(&q), sent_hi - acked);
			sent_hi = acked;
		}
		assert_int_equal(tp_link_queue_count(&q), next_id - 1 - acked);
		assert_int_equal(q.st.unacked, sent_hi - acked);
	}
	tp_link_queue_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rx_dedup_and_epochs),
		cmocka_unit_test(rx_done_below_held),
		cmocka_unit_test(rx_acks_batched),
		cmocka_unit_test(tx_ack_and_resend),
		cmocka_unit_test(tx_drop_oldest_keeps_numbers),
		cmocka_unit_test(tx_model_across_wraps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
