/* Correlation ids (runtime/base/random.c): never 0 (0 means "no call"),
 * and not guessable from the previous one: a counter, as they were,
 * let a forged reply answer a call at the first tries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "random.h"

#define N 4096

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void corr_unpredictable(void **st)
{
	(void)st;
	static uint32_t v[N];
	unsigned near = 0, dup = 0;
	for (unsigned i = 0; i < N; i++) {
		v[i] = tp_random_corr();
		assert_int_not_equal(v[i], 0);
		/* The next id within 1000 of the last: 1 in ~2 million by chance. */
		if (i && v[i] - v[i - 1] + 1000u <= 2000u)
			near++;
	}
	qsort(v, N, sizeof v[0], cmp);
	for (unsigned i = 1; i < N; i++)
		dup += v[i] == v[i - 1];
	assert_true(near <= 2);
	assert_true(dup <= 2);   /* ~0.002 expected among 4096 of 2^32 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corr_unpredictable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
