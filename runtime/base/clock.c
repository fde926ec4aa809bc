/* Monotonic time: every deadline in Troupe runs on CLOCK_MONOTONIC, so a
 * board whose wall clock jumps at NTP or GPS sync keeps its timeouts. */
#include <time.h>
#include "clock.h"

int64_t tp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tp_deadline_ms(int timeout_ms)
{
	if (timeout_ms < 0)
		return TP_DEADLINE_NEVER;
	return tp_now_ns() + (int64_t)timeout_ms * 1000000;
}

int tp_remaining_ms(int64_t deadline)
{
	if (deadline == TP_DEADLINE_NEVER)
		return -1;
	int64_t left = deadline - tp_now_ns();
	if (left <= 0)
		return 0;
	/* Round up: poll(…, 0) on a deadline 0.4 ms away would spin. */
	int64_t ms = (left + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}
