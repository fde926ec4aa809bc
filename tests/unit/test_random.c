/* Correlation ids (runtime/base/random.c): never 0 (0 means "no call"),
 * nor their low 32 bits (all a node link to an older peer carries), all
 * 64 bits random, and not guessable from the previous one: a counter, as
 * they were, let a forged reply answer a call at the first tries. */
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
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void corr_unpredictable(void **st)
{
	(void)st;
	static uint64_t v[N];
	unsigned near = 0, dup = 0;
	for (unsigned i = 0; i < N; i++) {
		v[i] = tp_random_corr();
		assert_int_not_equal((uint32_t)v[i], 0);
		/* The next id within 1000 of the last: 1 in ~2 million by chance. */
		if (i && v[i] - v[i - 1] + 1000u <= 2000u)
			near++;
	}
	qsort(v, N, sizeof v[0], cmp);
	for (unsigned i = 1; i < N; i++)
		dup += v[i] == v[i - 1];
	assert_true(near <= 2);
	assert_true(dup == 0);   /* ~5e-13 expected among 4096 of 2^64 */
}

/* All 64 bits vary: each bit is set in about half of N ids (a 32-bit id
 * zero-extended, or one half copied into the other, fails at once). */
static void corr_uses_64_bits(void **st)
{
	(void)st;
	unsigned ones[64] = { 0 }, halves_equal = 0;
	for (unsigned i = 0; i < N; i++) {
		uint64_t c = tp_random_corr();
		for (unsigned b = 0; b < 64; b++)
			ones[b] += (unsigned)(c >> b & 1);
		halves_equal += (uint32_t)c == (uint32_t)(c >> 32);
	}
	/* Binomial(4096, 1/2): mean 2048, sd 32; 1600..2496 is 14 sd. */
	for (unsigned b = 0; b < 64; b++)
		assert_true(ones[b] >= 1600 && ones[b] <= 2496);
	assert_true(halves_equal <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corr_unpredictable),
		cmocka_unit_test(corr_uses_64_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
