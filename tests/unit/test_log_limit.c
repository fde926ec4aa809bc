/* The rate-limited log sites (runtime/base/log_limit.c): at most
 * TP_LOG_LIMIT_LINES lines per interval, the rest counted and said by the
 * first line of a later interval. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "log_limit.h"

static void bounded_per_interval(void **st)
{
	(void)st;
	struct tp_log_limit l = { 0 };
	char note[64];
	int64_t t = 1000;
	unsigned written = 0;
	for (int i = 0; i < 10000; i++)
		written += tp_log_limit(&l, t + i, note, sizeof note);
	assert_int_equal(written, TP_LOG_LIMIT_LINES);
	/* Still the same interval: nothing. */
	assert_false(tp_log_limit(&l, t + TP_LOG_LIMIT_INTERVAL_NS - 1, note, sizeof note));
	/* The next one: written, saying how many were not. */
	assert_true(tp_log_limit(&l, t + TP_LOG_LIMIT_INTERVAL_NS, note, sizeof note));
	assert_string_equal(note, " (9996 similar lines suppressed)");
	assert_true(tp_log_limit(&l, t + TP_LOG_LIMIT_INTERVAL_NS + 1, note, sizeof note));
	assert_string_equal(note, "");
}

static void quiet_site_unlimited(void **st)
{
	(void)st;
	struct tp_log_limit l = { 0 };
	char note[64];
	/* One line per interval is never suppressed. */
	for (int64_t i = 0; i < 100; i++) {
		assert_true(tp_log_limit(&l, 1 + i * TP_LOG_LIMIT_INTERVAL_NS, note, sizeof note));
		assert_string_equal(note, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounded_per_interval),
		cmocka_unit_test(quiet_site_unlimited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
