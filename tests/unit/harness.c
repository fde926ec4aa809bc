/* Linked into every unit test.
 *
 * TROUPE_TEST_FILTER=pattern (cmocka's * and ? wildcards) runs only the
 * cases whose names match, so that the mutation check (tests/mutants/)
 * can run the one case that must catch a mutant.
 *
 * test_deadline(): a case that hangs ends its program with a failure
 * instead of stalling the suite. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

__attribute__((constructor)) static void test_filter(void)
{
	const char *p = getenv("TROUPE_TEST_FILTER");
	if (p && *p)
		cmocka_set_test_filter(p);
}

static void (*deadline_cleanup)(void);

static void deadline_passed(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL: the case did not finish within its deadline "
				  "(it hangs)\n";
	if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0) {
		/* nothing more to say */
	}
	if (deadline_cleanup)
		deadline_cleanup();
	_exit(1);
}

void test_deadline(unsigned seconds, void (*cleanup)(void))
{
	deadline_cleanup = cleanup;
	signal(SIGALRM, deadline_passed);
	alarm(seconds);
}
