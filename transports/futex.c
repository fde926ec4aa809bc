/* The futex system call, spelt per ABI.  FUTEX_WAIT_BITSET takes an
 * absolute time, on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME is set, so
 * a step of the wall clock changes nothing (tests/unit/test_clockjump.c).
 * On a 32-bit ABI the timespec libc declares has 32 or 64-bit time_t
 * depending on how the program was built, so the kernel's own layouts are
 * written out: futex_time64 (Linux 5.1 on) takes two 64-bit fields, the
 * old futex two longs; the old call is the fallback for an older kernel,
 * with a deadline past its 32-bit seconds treated as none (CLOCK_MONOTONIC
 * counts from boot: 68 years). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "clock.h"
#include "futex.h"

#define OP_WAIT FUTEX_WAIT_BITSET   /* shared, absolute, CLOCK_MONOTONIC */

#if defined(SYS_futex_time64) && ULONG_MAX == 0xffffffffUL
#define FUTEX_TS64 1
struct kts64 {
	int64_t tv_sec, tv_nsec;
};
#endif

/* The old call's timespec: the ABI's long, 32 bits on ILP32, 64 on LP64. */
struct kts_long {
	long tv_sec, tv_nsec;
};

static long futex_sys(long nr, _Atomic uint32_t *word, int op, uint32_t val, const void *ts)
{
	return syscall(nr, (uint32_t *)word, op, val, ts, NULL,
		       op == OP_WAIT ? FUTEX_BITSET_MATCH_ANY : 0);
}

#ifdef SYS_futex
static long futex_wait_long(_Atomic uint32_t *word, uint32_t expect, int64_t deadline)
{
	int64_t sec = deadline / 1000000000;
	struct kts_long t = { (long)sec, (long)(deadline % 1000000000) };
	bool none = deadline == TP_DEADLINE_NEVER || sec > (int64_t)LONG_MAX;
	return futex_sys(SYS_futex, word, OP_WAIT, expect, none ? NULL : &t);
}
#endif

int tp_futex_wait(_Atomic uint32_t *word, uint32_t expect, int64_t deadline)
{
	long rc;
	if (deadline < 0)
		deadline = 0;
#ifdef FUTEX_TS64
	struct kts64 t64 = { deadline / 1000000000, deadline % 1000000000 };
	rc = futex_sys(SYS_futex_time64, word, OP_WAIT, expect,
		       deadline == TP_DEADLINE_NEVER ? NULL : &t64);
#ifdef SYS_futex
	if (rc < 0 && errno == ENOSYS)
		rc = futex_wait_long(word, expect, deadline);
#endif
#else
	rc = futex_wait_long(word, expect, deadline);
#endif
	if (rc == 0 || errno == EAGAIN)
		return 0;
	return errno;
}

void tp_futex_wake(_Atomic uint32_t *word)
{
#ifdef SYS_futex
	futex_sys(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL);
#else
	futex_sys(SYS_futex_time64, word, FUTEX_WAKE, INT_MAX, NULL);
#endif
}
