/* The link's outgoing queue: FIFO order across many wraps (checked against
 * a simple model), the three full-queue policies and their counters, and
 * the size bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "link_queue.h"

static size_t msg(uint8_t *buf, uint32_t id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(id + i);
	if (len >= 4)
		memcpy(buf, &id, 4);
	return len;
}

static uint32_t pop_id(struct tp_link_queue *q)
{
	const uint8_t *m;
	uint32_t id;
	size_t n = tp_link_queue_peek(q, &m);
	assert_true(n >= 4);
	memcpy(&id, m, 4);
	for (size_t i = 4; i < n; i++)
		assert_int_equal(m[i], (uint8_t)(id + i));
	tp_link_queue_pop(q);
	return id;
}

/* Random pushes and pops of random sizes against a FIFO of ids. */
static void fifo_across_wraps(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint32_t model[64], head = 0, tail = 0, next = 0, x = 7;
	uint8_t buf[300];
	assert_int_equal(tp_link_queue_init(&q, 16, 300, TP_FULL_REJECT), 0);
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		if ((x >> 16) % 3 && tail - head < 16) {
			size_t len = 4 + (x >> 8) % 297;
			assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, next, len)), 0);
			model[tail++ % 64] = next++;
		} else if (tail != head) {
			assert_int_equal(pop_id(&q), model[head++ % 64]);
		}
		assert_int_equal(tp_link_queue_count(&q), tail - head);
	}
	assert_int_equal(q.st.rejected, 0);
	assert_int_equal(q.st.pushed, next);
	tp_link_queue_fini(&q);
}

/* max_msgs messages of msg_max always fit, whatever the ring's phase:
 * slide a one-message window along the ring first (the queue never empties,
 * so head and tail really move), then fill the rest with messages of
 * msg_max and assorted sizes. */
static void full_sized_messages_fit(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t buf[100];
	assert_int_equal(tp_link_queue_init(&q, 5, 100, TP_FULL_REJECT), 0);
	for (uint32_t k = 0; k < 60; k++) {
		assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 0, 4 + k % 97)), 0);
		for (uint32_t i = 0; i < k; i++) {
			size_t len = 4 + (k * 13 + i * 31) % 97;
			assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 0, len)), 0);
			tp_link_queue_pop(&q);
		}
		for (uint32_t id = 1; id < 5; id++) {
			size_t len = (k + id) % 3 ? 100 : 4 + (k * id) % 97;
			assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, id, len)), 0);
		}
		assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 5, 4)), -TP_EFULL);
		for (uint32_t id = 0; id < 5; id++)
			assert_int_equal(pop_id(&q), id);
	}
	assert_int_equal(q.st.high_water, 5);
	tp_link_queue_fini(&q);
}

static void block_policy(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t buf[64];
	assert_int_equal(tp_link_queue_init(&q, 3, 64, TP_FULL_BLOCK), 0);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, i, 8)), 0);
	assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 3, 8)), -TP_EFULL);
	assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 3, 8)), -TP_EFULL);
	assert_int_equal(q.st.blocked, 2);
	assert_int_equal(q.st.dropped + q.st.rejected, 0);
	assert_int_equal(pop_id(&q), 0);
	assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 3, 8)), 0);
	for (uint32_t i = 1; i < 4; i++)
		assert_int_equal(pop_id(&q), i);
	assert_int_equal(q.st.high_water, 3);
	tp_link_queue_fini(&q);
}

static void reject_policy(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t buf[64];
	assert_int_equal(tp_link_queue_init(&q, 2, 64, TP_FULL_REJECT), 0);
	assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 0, 64)), 0);
	assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 1, 64)), 0);
	assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, 2, 4)), -TP_EFULL);
	assert_int_equal(q.st.rejected, 1);
	assert_int_equal(q.st.blocked, 0);
	assert_int_equal(pop_id(&q), 0);
	assert_int_equal(pop_id(&q), 1);
	tp_link_queue_fini(&q);
}

struct drops { uint32_t ids[16]; unsigned n; };

static void on_drop(void *ctx, const uint8_t *m, size_t len)
{
	struct drops *d = ctx;
	assert_true(len >= 4);
	memcpy(&d->ids[d->n++], m, 4);
}

static void drop_oldest_policy(void **state)
{
	(void)state;
	struct tp_link_queue q;
	struct drops d = { .n = 0 };
	uint8_t buf[64];
	assert_int_equal(tp_link_queue_init(&q, 4, 64, TP_FULL_DROP_OLDEST), 0);
	tp_link_queue_on_drop(&q, on_drop, &d);
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(tp_link_queue_push(&q, buf, msg(buf, i, 4 + i * 8)), 0);
	assert_int_equal(q.st.dropped, 3);
	assert_int_equal(d.n, 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(d.ids[i], i);
	for (uint32_t i = 3; i < 7; i++)
		assert_int_equal(pop_id(&q), i);
	assert_int_equal(q.st.popped, 4);
	assert_int_equal(tp_link_queue_count(&q), 0);
	tp_link_queue_fini(&q);
}

static void bounds(void **state)
{
	(void)state;
	struct tp_link_queue q;
	uint8_t buf[65];
	const uint8_t *m;
	assert_int_equal(tp_link_queue_init(&q, 0, 64, TP_FULL_BLOCK), -TP_EINVAL);
	assert_int_equal(tp_link_queue_init(&q, 4, 0, TP_FULL_BLOCK), -TP_EINVAL);
	assert_int_equal(tp_link_queue_init(&q, 4, 64, 3), -TP_EINVAL);
	assert_int_equal(tp_link_queue_init(&q, 1000000, 1000000, TP_FULL_BLOCK), -TP_EINVAL);
	assert_int_equal(tp_link_queue_init(&q, 4, 64, TP_FULL_BLOCK), 0);
	assert_int_equal(tp_link_queue_push(&q, buf, 65), -TP_ETOOBIG);
	assert_int_equal(tp_link_queue_push(&q, buf, 0), -TP_ETOOBIG);
	assert_int_equal(tp_link_queue_peek(&q, &m), 0);
	assert_null(m);
	tp_link_queue_pop(&q);           /* harmless when empty */
	assert_int_equal(q.st.popped, 0);
	tp_link_queue_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fifo_across_wraps),
		cmocka_unit_test(full_sized_messages_fit),
		cmocka_unit_test(block_policy),
		cmocka_unit_test(reject_policy),
		cmocka_unit_test(drop_oldest_policy),
		cmocka_unit_test(bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
