/* The watchdog's decision: see sup_watchdog.h. */
#include "sup_watchdog.h"

#define WD_PERIOD_MIN_NS 5000000

void tp_wd_reset(struct tp_wd *w, uint64_t received, int64_t now)
{
	w->received = received;
	w->since_ns = now;
}

enum tp_wd_verdict tp_wd_check(struct tp_wd *w, int64_t now, int64_t limit_ns,
			       int64_t busy_ns, uint64_t received, uint64_t waiting,
			       int64_t *for_ns)
{
	*for_ns = 0;
	/* Progress, or nothing to make progress on: the clock starts again. */
	if (received != w->received || !waiting)
		tp_wd_reset(w, received, now);
	if (busy_ns > 0 && busy_ns <= now) {
		if (now - busy_ns < limit_ns)
			return TP_WD_OK;
		*for_ns = now - busy_ns;
		return TP_WD_HELD;
	}
	if (now - w->since_ns < limit_ns)
		return TP_WD_OK;
	*for_ns = now - w->since_ns;
	return TP_WD_STUCK;
}

int64_t tp_wd_period_ns(int64_t limit_ns)
{
	return limit_ns / 10 > WD_PERIOD_MIN_NS ? limit_ns / 10 : WD_PERIOD_MIN_NS;
}
