/* Rate-limited log sites (see log_limit.h). */
#include <inttypes.h>
#include <stdio.h>
#include "log_limit.h"

bool tp_log_limit(struct tp_log_limit *l, int64_t now_ns, char *note, size_t n)
{
	if (!l->start_ns || now_ns - l->start_ns >= TP_LOG_LIMIT_INTERVAL_NS) {
		l->start_ns = now_ns ? now_ns : 1;
		l->lines = 0;
	}
	if (l->lines >= TP_LOG_LIMIT_LINES) {
		l->suppressed++;
		return false;
	}
	l->lines++;
	if (l->suppressed)
		snprintf(note, n, " (%" PRIu64 " similar line%s suppressed)", l->suppressed,
			 l->suppressed == 1 ? "" : "s");
	else if (n)
		note[0] = '\0';
	l->suppressed = 0;
	return true;
}
