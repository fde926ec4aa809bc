/* What every unit test links (tests/unit/harness.c). */
#ifndef TROUPE_TEST_HARNESS_H
#define TROUPE_TEST_HARNESS_H

/* Arms (0: disarms) a deadline for the running case: past it, the test
 * program prints a FAIL line and exits 1, so a hang is a failure.  Child
 * processes that must not outlive it ask for PR_SET_PDEATHSIG. */
void test_deadline(unsigned seconds);

#endif
