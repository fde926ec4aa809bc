/* Linked into every unit test: TROUPE_TEST_FILTER=pattern (cmocka's * and
 * ? wildcards) runs only the cases whose names match, so the mutation
 * check (tests/mutants/) can run the one case that must catch a mutant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

__attribute__((constructor)) static void test_filter(void)
{
	const char *p = getenv("TROUPE_TEST_FILTER");
	if (p && *p)
		cmocka_set_test_filter(p);
}
