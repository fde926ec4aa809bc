/* The node's log: the daemon's own messages, with a level, and the lines
 * its actors write, with the actor's name and pid.  To stderr by default
 * ("troupe[<node>]: …", "<actor>[<pid>]: …"), or to the system log
 * (facility daemon) when the topology says log = syslog or troupe runs
 * with -s.  docs/TOPOLOGY.md, "Logging". */
#ifndef TROUPE_DMSG_H
#define TROUPE_DMSG_H

#include <stdbool.h>
#include <stddef.h>

enum tp_dlevel {
	TP_DLOG_ERROR = 0,
	TP_DLOG_WARNING = 1,
	TP_DLOG_INFO = 2,
	TP_DLOG_DEBUG = 3,
};

/* Names the node in every later message; before it, lines say "troupe:". */
void tp_dmsg_init(const char *node);

/* "error", "warning", "info", "debug" to a level; -1 if none. */
int tp_dmsg_level(const char *name);

/* From now on: the daemon's lines above level are dropped; with
 * use_syslog, every line goes to the system log.  If it cannot be
 * reached, says why on stderr and goes on with stderr; returns 0 either
 * way (a node must not fail for want of a log daemon). */
int tp_dmsg_open(bool use_syslog, enum tp_dlevel level);
void tp_dmsg_close(void);

void tp_dlog(enum tp_dlevel level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define tp_dmsg(...) tp_dlog(TP_DLOG_INFO, __VA_ARGS__)
#define tp_derr(...) tp_dlog(TP_DLOG_ERROR, __VA_ARGS__)
#define tp_dwarn(...) tp_dlog(TP_DLOG_WARNING, __VA_ARGS__)
#define tp_ddebug(...) tp_dlog(TP_DLOG_DEBUG, __VA_ARGS__)

/* One line of actor `name`'s output (without its newline), written by
 * process pid.  Never filtered by level. */
void tp_dmsg_actor(const char *name, int pid, const char *line, size_t len);

#endif
