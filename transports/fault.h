/* Kill points for the fault-injection suite (tests/unit/test_faults.c).
 * A transport marks the instants where a death would leave shared state
 * half changed (a record written but not committed, committed but nobody
 * woken, taken but room not announced).  A test program that defines
 * tp_fault_point() hears each one and may die there; the library never
 * defines it, so elsewhere the weak reference is NULL and a point costs a
 * predictable branch. */
#ifndef TROUPE_FAULT_H
#define TROUPE_FAULT_H

void tp_fault_point(const char *where) __attribute__((weak));

#define TP_FAULT_POINT(where) \
	do { \
		if (__builtin_expect(tp_fault_point != 0, 0)) \
			tp_fault_point(where); \
	} while (0)

#endif
