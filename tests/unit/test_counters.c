/* The latency counters and the trace ring (runtime/lib/counters.h): bucket
 * edges, unknown and future send times not counted, n/sum/max, and trace
 * events keeping their kind and latency. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "counters.h"

static void buckets(void **st)
{
	(void)st;
	static const struct { int64_t ns; unsigned b; } cases[] = {
		{ 0, 0 }, { 999, 0 },                  /* < 1 µs */
		{ 1000, 1 }, { 1999, 1 },              /* [1, 2) µs */
		{ 2000, 2 }, { 3999, 2 }, { 4000, 3 },
		{ 1023999, 10 }, { 1024000, 11 },      /* [512, 1024) µs, then 1.024 ms */
		{ 8388607999LL, 23 },                  /* just under 2^23 µs */
		{ 8388608000LL, 24 }, { 16777215999LL, 24 },
		{ 16777216000LL, 25 }, { INT64_MAX, 25 },   /* the open last bucket */
		{ -5, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(tp_lat_bucket(cases[i].ns), cases[i].b);
}

static void latency_of(void **st)
{
	(void)st;
	assert_true(tp_latency_ns(0, 5000) == -1);        /* unstamped */
	assert_true(tp_latency_ns(6000, 5000) == -1);     /* from the future */
	assert_true(tp_latency_ns(5000, 5000) == 0);
	assert_true(tp_latency_ns(1000, 5000) == 4000);
	/* Wire values at their extremes: unknown, never an overflow. */
	assert_true(tp_latency_ns((uint64_t)1 << 63, 5000) == -1);
	assert_true(tp_latency_ns(UINT64_MAX, 5000) == -1);
	assert_true(tp_latency_ns(UINT64_MAX, INT64_MAX) == -1);
	assert_true(tp_latency_ns((uint64_t)INT64_MAX, INT64_MAX) == 0);
	assert_true(tp_latency_ns(1, INT64_MAX) == INT64_MAX - 1);
}

static void counting(void **st)
{
	(void)st;
	struct tp_counters *c = calloc(1, sizeof *c);
	assert_non_null(c);
	tp_counters_latency(c, 3, 1500);        /* bucket 1 */
	tp_counters_latency(c, 3, 150000000);   /* 150 ms: bucket 18 */
	tp_counters_latency(c, 3, 3000);        /* bucket 2 */
	tp_counters_latency(c, 3, -1);          /* unknown: not counted */
	tp_counters_latency(c, TP_REG_MAX, 1);  /* out of range: ignored */
	tp_counters_latency(NULL, 3, 1);        /* counting off */
	struct tp_ctr v;
	tp_counters_get(c, 3, &v);
	assert_int_equal(v.lat_n, 3);
	assert_true(v.lat_sum_ns == 150004500);
	assert_true(v.lat_max_ns == 150000000);
	assert_int_equal(v.lat[1], 1);
	assert_int_equal(v.lat[2], 1);
	assert_int_equal(v.lat[18], 1);
	uint64_t all = 0;
	for (unsigned b = 0; b < TP_LAT_BUCKETS; b++)
		all += v.lat[b];
	assert_int_equal(all, 3);
	tp_counters_get(c, 4, &v);
	assert_int_equal(v.lat_n, 0);
	free(c);
}

static void trace_events(void **st)
{
	(void)st;
	struct tp_counters *c = calloc(1, sizeof *c);
	assert_non_null(c);
	tp_trace_put(c, TP_TRACE_SEND, "a", "b", 1001, 9, 0, -7);
	tp_trace_put(c, TP_TRACE_LINK_IN, "a@n1", "b", 1002, 4, -TP_EFULL, 123456);
	struct tp_trace_ev e;
	assert_int_equal(tp_trace_get(c, 0, &e), 0);
	assert_int_equal(e.kind, TP_TRACE_SEND);
	assert_true(e.lat_ns == -1);   /* any negative: unknown */
	assert_string_equal(e.to, "b");
	assert_int_equal(tp_trace_get(c, 1, &e), 0);
	assert_int_equal(e.kind, TP_TRACE_LINK_IN);
	assert_true(e.lat_ns == 123456);
	assert_int_equal(e.rc, -TP_EFULL);
	assert_string_equal(e.from, "a@n1");
	assert_int_equal(tp_trace_get(c, 2, &e), -TP_EEMPTY);
	free(c);
}

/* An actor's own counters (tp_counter_add's layer): names, the limit,
 * values added and set, the reader's copy; and a corrupt count in
 * shared memory bounded, never read past the slots. */
static void own_counters(void **st)
{
	(void)st;
	struct tp_counters *c = calloc(1, sizeof *c);
	assert_non_null(c);
	struct tp_own v[TP_OWN_MAX];
	assert_int_equal(tp_counters_own(NULL, 2, "x"), -TP_ENOENT);
	assert_int_equal(tp_counters_own(c, TP_REG_MAX, "x"), -TP_ENOENT);
	assert_int_equal(tp_counters_own(c, 2, "bad-name"), -TP_EINVAL);
	assert_int_equal(tp_counters_own(c, 2, "spooled"), 0);
	assert_int_equal(tp_counters_own(c, 2, "connected"), 1);
	assert_int_equal(tp_counters_own(c, 2, "spooled"), 0);   /* found again */
	tp_counters_own_add(c, 2, 0, 5);
	tp_counters_own_add(c, 2, 0, 2);
	tp_counters_own_set(c, 2, 1, 1);
	tp_counters_own_add(c, 2, TP_OWN_MAX, 1);   /* out of range: ignored */
	assert_int_equal(tp_counters_own_get(c, 2, v), 2);
	assert_string_equal(v[0].name, "spooled");
	assert_true(v[0].value == 7);
	assert_string_equal(v[1].name, "connected");
	assert_true(v[1].value == 1);
	assert_int_equal(tp_counters_own_get(c, 3, v), 0);
	c->c[4].n_own = 1000;   /* a count no actor wrote */
	memset(c->c[4].own[0].name, 'z', sizeof c->c[4].own[0].name);
	assert_int_equal(tp_counters_own_get(c, 4, v), TP_OWN_MAX);
	assert_int_equal(strlen(v[0].name), TP_OWN_NAME_MAX);
	assert_int_equal(tp_counters_own(c, 4, "new"), -TP_ELIMIT);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buckets),
		cmocka_unit_test(latency_of),
		cmocka_unit_test(counting),
		cmocka_unit_test(trace_events),
		cmocka_unit_test(own_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
