/* What every unit test links (tests/unit/harness.c). */
#ifndef TROUPE_TEST_HARNESS_H
#define TROUPE_TEST_HARNESS_H

/* Arms (0: disarms) a deadline for the running case: past it, the test
 * program prints a FAIL line, calls cleanup (may be NULL: what teardown
 * would have removed, with async-signal-safe calls) and exits 1, so a
 * hang is a failure that leaves nothing behind.  Child processes that
 * must not outlive it ask for PR_SET_PDEATHSIG. */
void test_deadline(unsigned seconds, void (*cleanup)(void));

#endif
