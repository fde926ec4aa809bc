/* Incoming link mail held per destination (link_hold.c): each
 * destination's window and the shared pool bound what waits, one full
 * destination never refuses another's mail while the pool has room, mail
 * leaves in order per destination, and the retry backoff and the hold
 * limit are kept, with made-up times. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "link_hold.h"

#define MS 1000000LL

static int put(struct tp_link_hold *h, int dest, uint32_t id, int64_t now)
{
	uint8_t m[8] = { 0 };
	memcpy(m, &id, 4);
	return tp_link_hold_put(h, dest, m, sizeof m, 1, now);
}

static uint32_t id_of(const struct tp_link_hold *h, int k)
{
	uint32_t id;
	assert_true(k >= 0);
	memcpy(&id, h->slot[k].buf, 4);
	return id;
}

static void bounds(void **st)
{
	(void)st;
	struct tp_link_hold h;
	assert_int_equal(tp_link_hold_init(&h, 0, 4, 1, 64, MS), -TP_EINVAL);
	assert_int_equal(tp_link_hold_init(&h, 4, 4, 5, 64, MS), -TP_EINVAL);
	assert_int_equal(tp_link_hold_init(&h, 4, 4, 2, 64, 0), -TP_EINVAL);
	assert_int_equal(tp_link_hold_init(&h, 4, 0, 2, 8, MS), -TP_EINVAL);
	assert_int_equal(tp_link_hold_init(&h, 4, 2, 2, 8, MS), 0);
	uint8_t big[9] = { 0 };
	assert_int_equal(tp_link_hold_put(&h, 1, big, sizeof big, 0, 0), -TP_ETOOBIG);
	assert_int_equal(tp_link_hold_put(&h, -1, big, 8, 0, 0), -TP_ETOOBIG);
	assert_int_equal(tp_link_hold_next(&h), INT64_MAX);
	assert_int_equal(tp_link_hold_due(&h, INT64_MAX), -1);
	tp_link_hold_fini(&h);
}

/* A destination's window is per_dest; the others keep theirs. */
static void window_per_destination(void **st)
{
	(void)st;
	struct tp_link_hold h;
	assert_int_equal(tp_link_hold_init(&h, 8, 4, 3, 64, 1000 * MS), 0);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(put(&h, 5, i, 0), 0);
	assert_int_equal(put(&h, 5, 3, 0), -TP_EFULL);
	assert_int_equal(h.st.refused, 1);
	assert_int_equal(tp_link_hold_count(&h, 5), 3);
	/* Another destination still gets its own window. */
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(put(&h, 7, 10 + i, 0), 0);
	assert_int_equal(put(&h, 7, 13, 0), -TP_EFULL);
	/* The pool (8) bounds them all: 2 left for a third. */
	assert_int_equal(put(&h, 9, 20, 0), 0);
	assert_int_equal(put(&h, 9, 21, 0), 0);
	assert_int_equal(put(&h, 9, 22, 0), -TP_EFULL);
	assert_int_equal(h.st.held, 8);
	assert_int_equal(h.st.high_water, 8);
	/* One leaves: room again, for that one's destination. */
	tp_link_hold_done(&h, tp_link_hold_head(&h, 5), true);
	assert_int_equal(put(&h, 5, 4, 0), 0);
	assert_int_equal(h.st.delivered, 1);
	tp_link_hold_fini(&h);
}

/* Per destination, the oldest first, whatever the slots' order. */
static void fifo_per_destination(void **st)
{
	(void)st;
	struct tp_link_hold h;
	assert_int_equal(tp_link_hold_init(&h, 6, 2, 6, 64, 1000 * MS), 0);
	uint32_t next[2] = { 0, 0 };
	uint32_t id = 0;
	for (int round = 0; round < 200; round++) {
		int dest = (round * 7 + round / 3) % 2;
		if (tp_link_hold_count(&h, dest) < 3) {
			assert_int_equal(put(&h, dest, (uint32_t)dest << 16 | id++, round), 0);
		} else {
			int k = tp_link_hold_head(&h, dest);
			uint32_t got = id_of(&h, k);
			assert_int_equal(got >> 16, dest);
			assert_true((got & 0xffff) >= next[dest]);
			next[dest] = (got & 0xffff) + 1;
			tp_link_hold_done(&h, k, true);
		}
	}
	tp_link_hold_fini(&h);
}

/* Only a destination's oldest is due; retries back off from 20 µs,
 * doubling to 1 ms; the hold limit makes it due whatever its retry. */
static void retry_and_expiry(void **st)
{
	(void)st;
	struct tp_link_hold h;
	int64_t t = 1000 * MS;
	assert_int_equal(tp_link_hold_init(&h, 4, 2, 4, 64, 50 * MS), 0);
	assert_int_equal(put(&h, 2, 1, t), 0);
	assert_int_equal(put(&h, 2, 2, t + 1), 0);
	assert_int_equal(tp_link_hold_due(&h, t), -1);
	assert_int_equal(tp_link_hold_next(&h), t + TP_LINK_HOLD_WAIT_MIN_NS);
	int k = tp_link_hold_due(&h, t + TP_LINK_HOLD_WAIT_MIN_NS);
	assert_int_equal(id_of(&h, k), 1);
	int64_t now = t + TP_LINK_HOLD_WAIT_MIN_NS, prev = 0;
	for (int i = 0; i < 12; i++) {
		tp_link_hold_backoff(&h, k, now);
		int64_t gap = tp_link_hold_next(&h) - now;
		assert_true(gap >= prev && gap <= TP_LINK_HOLD_WAIT_MAX_NS);
		prev = gap;
		assert_int_equal(tp_link_hold_due(&h, now + gap - 1), -1);
		now += gap;
		assert_int_equal(tp_link_hold_due(&h, now), k);
	}
	assert_int_equal(prev, TP_LINK_HOLD_WAIT_MAX_NS);
	assert_false(tp_link_hold_expired(&h, k, t + 50 * MS - 1));
	assert_true(tp_link_hold_expired(&h, k, t + 50 * MS));
	/* Backed off past its limit: due at the limit all the same. */
	h.q[h.slot[k].qi].retry = t + 80 * MS;
	assert_int_equal(tp_link_hold_next(&h), t + 50 * MS);
	assert_int_equal(tp_link_hold_due(&h, t + 50 * MS), k);
	/* Only a destination's oldest leaves. */
	tp_link_hold_done(&h, h.slot[k].next, true);
	assert_int_equal(h.st.held, 2);
	tp_link_hold_done(&h, k, false);
	assert_int_equal(h.st.expired, 1);
	k = tp_link_hold_due(&h, t + 60 * MS);
	assert_int_equal(id_of(&h, k), 2);
	assert_int_equal(tp_link_hold_dest_of(&h, k), 2);
	tp_link_hold_done(&h, k, false);
	assert_int_equal(h.st.held, 0);
	assert_int_equal(tp_link_hold_next(&h), INT64_MAX);
	tp_link_hold_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounds),
		cmocka_unit_test(window_per_destination),
		cmocka_unit_test(fifo_per_destination),
		cmocka_unit_test(retry_and_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
