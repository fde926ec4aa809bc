/* Reconnect backoff (bounds, cap, jitter, no overflow) and the heartbeat
 * schedule, with made-up times. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "link_timing.h"

#define MS 1000000LL

static uint64_t envelope(unsigned attempt, uint64_t base, uint64_t cap)
{
	uint64_t d = base;
	for (unsigned i = 0; i < attempt && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

static void backoff_bounds(void **state)
{
	(void)state;
	static const uint32_t rnds[] = { 0, 1, 2, 12345, 0x7fffffff, 0xffffffff };
	static const uint32_t bases[] = { 1, 100, 250, 1000 };
	for (size_t b = 0; b < 4; b++)
		for (unsigned a = 0; a < 70; a++)
			for (size_t r = 0; r < 6; r++) {
				uint64_t d = envelope(a, bases[b], 30000);
				uint32_t v = tp_link_backoff_ms(a, bases[b], 30000, rnds[r]);
				if (v < d / 2 || v > d)
					fail_msg("attempt %u base %u rnd %u: %u outside [%llu, %llu]",
						 a, bases[b], rnds[r], v,
						 (unsigned long long)d / 2, (unsigned long long)d);
			}
	/* The lower bound grows: 100, 200, 400 ms … until the cap. */
	assert_int_equal(tp_link_backoff_ms(0, 100, 30000, 0), 50);
	assert_int_equal(tp_link_backoff_ms(1, 100, 30000, 0), 100);
	assert_int_equal(tp_link_backoff_ms(3, 100, 30000, 0), 400);
	assert_int_equal(tp_link_backoff_ms(200, 100, 30000, 0), 15000);
	assert_int_equal(tp_link_backoff_ms(200, 100, 30000, 15000), 30000);
	assert_int_equal(tp_link_backoff_ms(UINT32_MAX, 100, 30000, 15001), 15000);
	assert_int_equal(tp_link_backoff_ms(5, 0, 30000, 999), 0);
	/* A base above the cap is cut to the cap. */
	assert_true(tp_link_backoff_ms(0, 60000, 30000, 0xffffffff) <= 30000);
}

/* The jitter spreads: many draws give many different delays. */
static void backoff_jitter(void **state)
{
	(void)state;
	uint32_t lo = UINT32_MAX, hi = 0;
	for (int i = 0; i < 400; i++) {
		uint32_t v = tp_link_backoff_next_ms(4, 100, 30000);
		assert_true(v >= 800 && v <= 1600);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	assert_true(hi - lo > 400);
}

static void heartbeat_schedule(void **state)
{
	(void)state;
	struct tp_link_beat b;
	int64_t t0 = 5000 * MS;
	tp_link_beat_init(&b, 1000, 3000, t0);
	assert_false(tp_link_beat_send_is_due(&b, t0 + 999 * MS));
	assert_true(tp_link_beat_send_is_due(&b, t0 + 1000 * MS));
	assert_true(tp_link_beat_next(&b) == t0 + 1000 * MS);
	tp_link_beat_sent(&b, t0 + 1000 * MS);
	assert_false(tp_link_beat_send_is_due(&b, t0 + 1999 * MS));
	/* Next is the sooner of the next beat and the death deadline. */
	assert_true(tp_link_beat_next(&b) == t0 + 2000 * MS);
	tp_link_beat_sent(&b, t0 + 2500 * MS);
	assert_true(tp_link_beat_next(&b) == t0 + 3000 * MS);
	assert_false(tp_link_beat_is_dead(&b, t0 + 2999 * MS));
	assert_true(tp_link_beat_is_dead(&b, t0 + 3000 * MS));
	/* Hearing from the peer moves the deadline; an older time does not. */
	tp_link_beat_rx(&b, t0 + 2000 * MS);
	tp_link_beat_rx(&b, t0 + 1000 * MS);
	assert_false(tp_link_beat_is_dead(&b, t0 + 4999 * MS));
	assert_true(tp_link_beat_is_dead(&b, t0 + 5000 * MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_bounds),
		cmocka_unit_test(backoff_jitter),
		cmocka_unit_test(heartbeat_schedule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
