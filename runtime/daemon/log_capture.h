/* Capture of an actor's output: its stdout and stderr arrive on one pipe
 * and leave as whole lines in the node's log with the actor's name and
 * pid (log_dmsg.h), and optionally appended to <log_dir>/<actor>.log. */
#ifndef TROUPE_LOGCAP_H
#define TROUPE_LOGCAP_H

#include <stddef.h>
#include "troupe/actor.h"

/* Longer lines are cut into pieces of this size. */
#define TP_LOGCAP_LINE_MAX 1024

struct tp_logcap {
	char name[TP_NAME_MAX + 1];
	int pid;                           /* of the process writing now */
	int file_fd;                       /* -1 without log_dir */
	size_t len;                        /* bytes of a partial line in buf */
	char buf[TP_LOGCAP_LINE_MAX];
};

/* Prepares lc for actor name; with log_dir (may be NULL or empty), opens
 * <log_dir>/<name>.log for appending, created with mode.  Returns 0 or a
 * negative code (the log file cannot be opened: reported on stderr). */
int tp_logcap_init(struct tp_logcap *lc, const char *name, const char *log_dir,
		   mode_t mode);

/* Reads what fd has now (non-blocking) and emits the complete lines.
 * Returns 1 while the pipe is open, 0 at end of file (the partial last line
 * is then emitted too), or a negative code. */
int tp_logcap_read(struct tp_logcap *lc, int fd);

/* Emits a partial last line, if any. */
void tp_logcap_flush(struct tp_logcap *lc);

void tp_logcap_fini(struct tp_logcap *lc);

#endif
