/* The watchdog's decision (runtime/daemon/sup_watchdog.c): held and stuck
 * are found at the limit and not before, progress or an empty mailbox
 * start the clock again, and checks come often enough to find either
 * within 110 % of the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "sup_watchdog.h"

#define MS 1000000LL
#define LIMIT (1000 * MS)

static enum tp_wd_verdict at(struct tp_wd *w, int64_t now_ms, int64_t busy_ms,
			     uint64_t received, uint64_t waiting, int64_t *for_ms)
{
	int64_t f;
	enum tp_wd_verdict v = tp_wd_check(w, now_ms * MS, LIMIT, busy_ms * MS,
					   received, waiting, &f);
	*for_ms = f / MS;
	return v;
}

static void held_at_the_limit(void **st)
{
	(void)st;
	struct tp_wd w;
	int64_t f;
	tp_wd_reset(&w, 5, 100 * MS);
	/* It took message 6 at 200 ms and still handles it. */
	assert_int_equal(at(&w, 300, 200, 6, 0, &f), TP_WD_OK);
	assert_int_equal(at(&w, 1199, 200, 6, 0, &f), TP_WD_OK);
	assert_int_equal(at(&w, 1200, 200, 6, 3, &f), TP_WD_HELD);
	assert_int_equal(f, 1000);
	/* Done with it (busy 0), nothing waits: fine however long. */
	assert_int_equal(at(&w, 5000, 0, 6, 0, &f), TP_WD_OK);
	assert_int_equal(f, 0);
}

static void stuck_only_while_mail_waits(void **st)
{
	(void)st;
	struct tp_wd w;
	int64_t f;
	tp_wd_reset(&w, 0, 0);
	/* Idle, empty: never stuck. */
	assert_int_equal(at(&w, 3000, 0, 0, 0, &f), TP_WD_OK);
	/* Mail arrives after 3000 ms and waits: the clock ran from the last
	 * look at an empty mailbox, not from the start. */
	assert_int_equal(at(&w, 3100, 0, 0, 2, &f), TP_WD_OK);
	assert_int_equal(at(&w, 3999, 0, 0, 2, &f), TP_WD_OK);
	assert_int_equal(at(&w, 4000, 0, 0, 2, &f), TP_WD_STUCK);
	assert_int_equal(f, 1000);
}

static void progress_starts_the_clock_again(void **st)
{
	(void)st;
	struct tp_wd w;
	int64_t f;
	tp_wd_reset(&w, 0, 0);
	/* A busy mailbox whose actor keeps taking mail, never stuck. */
	for (int64_t t = 100; t <= 10000; t += 100)
		assert_int_equal(at(&w, t, 0, (uint64_t)t / 100, 4, &f), TP_WD_OK);
	/* It stops taking at 10000 ms. */
	assert_int_equal(at(&w, 10999, 0, 100, 4, &f), TP_WD_OK);
	assert_int_equal(at(&w, 11000, 0, 100, 4, &f), TP_WD_STUCK);
}

static void a_fresh_start_has_no_history(void **st)
{
	(void)st;
	struct tp_wd w;
	int64_t f;
	tp_wd_reset(&w, 0, 0);
	assert_int_equal(at(&w, 900, 0, 0, 4, &f), TP_WD_OK);
	/* Restarted at 950 ms with mail waiting: a whole limit from there. */
	tp_wd_reset(&w, 0, 950 * MS);
	assert_int_equal(at(&w, 1900, 0, 0, 4, &f), TP_WD_OK);
	assert_int_equal(at(&w, 1950, 0, 0, 4, &f), TP_WD_STUCK);
}

static void checks_come_often_enough(void **st)
{
	(void)st;
	assert_int_equal(tp_wd_period_ns(LIMIT), LIMIT / 10);
	assert_int_equal(tp_wd_period_ns(20 * MS), 5 * MS);   /* not a busy loop */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_at_the_limit),
		cmocka_unit_test(stuck_only_while_mail_waits),
		cmocka_unit_test(progress_starts_the_clock_again),
		cmocka_unit_test(a_fresh_start_has_no_history),
		cmocka_unit_test(checks_come_often_enough),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
