/* A bound on log lines that outside input can cause: a stranger who
 * connects 40 000 times a second must not fill the disk.  Each log site
 * has its own limit: at most TP_LOG_LIMIT_LINES lines per
 * TP_LOG_LIMIT_INTERVAL_NS, and the first line after a suppression says
 * how many were not written. */
#ifndef TROUPE_LOG_LIMIT_H
#define TROUPE_LOG_LIMIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_LOG_LIMIT_LINES 5
#define TP_LOG_LIMIT_INTERVAL_NS (10 * (int64_t)1000000000)

/* One log site's state; zero-initialised (static) is ready. */
struct tp_log_limit {
	int64_t start_ns;      /* this interval began; 0: none yet */
	uint32_t lines;        /* written in this interval */
	uint64_t suppressed;   /* not written since the last written line */
};

/* true: write this line, with note appended (" (N similar lines
 * suppressed)", or "" when none were); false: counted, not written.
 * note must hold at least 48 bytes.  Note: the count of suppressed lines
 * is said by the next line written, so a burst that stops is told only
 * when the site logs again. */
bool tp_log_limit(struct tp_log_limit *l, int64_t now_ns, char *note, size_t n);

#endif
