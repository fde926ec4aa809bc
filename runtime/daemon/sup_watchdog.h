/* The watchdog's decision (an actor's watchdog_ms): is an actor hung?
 * Pure: the caller reads what it needs from the counters and the
 * mailbox, and carries one small record per actor from check to check.
 *
 * Hung is either of:
 *   held    it has handled one message for watchdog_ms or more (the
 *           time libtroupe stamped when it took it: tp_counters_busy);
 *   stuck   mail waits in its mailbox and it has taken none for
 *           watchdog_ms or more, while it handles nothing (blocked in a
 *           timer or fd callback, or outside libtroupe's loop).
 * A check at least every watchdog_ms / 10 finds either within 110 % of
 * watchdog_ms. */
#ifndef TROUPE_SUP_WATCHDOG_H
#define TROUPE_SUP_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

enum tp_wd_verdict {
	TP_WD_OK,
	TP_WD_HELD,
	TP_WD_STUCK,
};

/* What the watchdog remembers of one actor between checks. */
struct tp_wd {
	uint64_t received;   /* its mailbox's received count at the last change */
	int64_t since_ns;    /* when it last took mail, or its mailbox was empty */
};

/* An actor that is up from now on (started, restarted): no history. */
void tp_wd_reset(struct tp_wd *w, uint64_t received, int64_t now);

/* One check at now, with limit_ns (its watchdog_ms), busy_ns (since when
 * it handles its message, 0 none), received (its mailbox's count) and
 * waiting (messages in its mailbox).  *for_ns: how long it has been held
 * or stuck (TP_WD_OK: 0). */
enum tp_wd_verdict tp_wd_check(struct tp_wd *w, int64_t now, int64_t limit_ns,
			       int64_t busy_ns, uint64_t received, uint64_t waiting,
			       int64_t *for_ns);

/* How often to check an actor with limit_ns: a tenth of it, at least 5 ms. */
int64_t tp_wd_period_ns(int64_t limit_ns);

#endif
