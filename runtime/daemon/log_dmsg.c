/* The node's log (see log_dmsg.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include "troupe/actor.h"
#include "log_dmsg.h"
#include "log_syslog.h"

static char dmsg_node[TP_NAME_MAX + 1];
static enum tp_dlevel dmsg_max = TP_DLOG_INFO;
static bool dmsg_syslog;

static const char *const dmsg_names[] = {
	[TP_DLOG_ERROR] = "error", [TP_DLOG_WARNING] = "warning",
	[TP_DLOG_INFO] = "info", [TP_DLOG_DEBUG] = "debug",
};
static const int dmsg_prio[] = {
	[TP_DLOG_ERROR] = LOG_ERR, [TP_DLOG_WARNING] = LOG_WARNING,
	[TP_DLOG_INFO] = LOG_INFO, [TP_DLOG_DEBUG] = LOG_DEBUG,
};

void tp_dmsg_init(const char *node)
{
	snprintf(dmsg_node, sizeof dmsg_node, "%s", node);
}

int tp_dmsg_level(const char *name)
{
	for (int l = 0; l <= TP_DLOG_DEBUG; l++)
		if (strcmp(name, dmsg_names[l]) == 0)
			return l;
	return -1;
}

int tp_dmsg_open(bool use_syslog, enum tp_dlevel level)
{
	char err[256];
	dmsg_max = level;
	dmsg_syslog = false;
	if (use_syslog && tp_syslog_open(err, sizeof err) == 0)
		dmsg_syslog = true;
	else if (use_syslog)
		tp_dwarn("%s; logging to stderr", err);
	return 0;
}

void tp_dmsg_close(void)
{
	tp_syslog_close();
	dmsg_syslog = false;
}

void tp_dlog(enum tp_dlevel level, const char *fmt, ...)
{
	char line[1024];
	if (level > dmsg_max)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	/* The node in the message: one syslog tag for every node of the host. */
	if (dmsg_syslog && dmsg_node[0]) {
		char msg[1100];
		int k = snprintf(msg, sizeof msg, "node %s: %s", dmsg_node, line);
		if (tp_syslog_send(LOG_DAEMON | dmsg_prio[level], "troupe", (int)getpid(),
				   msg, (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1) == 0)
			return;
	}
	/* One fprintf per line: stderr is unbuffered, so lines stay whole. */
	const char *lv = level == TP_DLOG_INFO ? "" : dmsg_names[level];
	fprintf(stderr, "troupe%s%s%s: %s%s%.*s\n", dmsg_node[0] ? "[" : "", dmsg_node,
		dmsg_node[0] ? "]" : "", lv, *lv ? ": " : "", (int)len, line);
}

/* A line the system log refuses (it is behind, or gone) goes to stderr:
 * late, but not lost. */
void tp_dmsg_actor(const char *name, int pid, const char *line, size_t len)
{
	if (dmsg_syslog &&
	    tp_syslog_send(LOG_DAEMON | LOG_INFO, name, pid, line, len) == 0)
		return;
	fprintf(stderr, "%s[%d]: %.*s\n", name, pid, (int)len, line);
}
