/* sd_notify without libsystemd (see notify.h).  The protocol is one
 * AF_UNIX datagram of newline-separated KEY=VALUE lines to the path in
 * $NOTIFY_SOCKET ('@' first means the abstract namespace). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "troupe/actor.h"
#include "log_dmsg.h"
#include "notify.h"

static struct {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	int64_t period_ns;      /* watchdog ping period, 0 without watchdog */
	int64_t due_ns;         /* next ping */
	bool ready, stopping;
	char status[96];
} nt = { .fd = -1 };

static void notify_send(const char *msg)
{
	if (nt.fd < 0)
		return;
	/* Non-blocking: a stalled manager must never stall supervision. */
	if (sendto(nt.fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&nt.addr,
		   nt.addr_len) < 0 && errno != EAGAIN)
		tp_dmsg("NOTIFY_SOCKET: %s", strerror(errno));
}

static void notify_watchdog(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	if (!usec || (pid && strtol(pid, NULL, 10) != (long)getpid()))
		return;   /* no watchdog, or it watches another process */
	char *end;
	unsigned long long us = strtoull(usec, &end, 10);
	if (*end || us == 0) {
		tp_dmsg("WATCHDOG_USEC='%s' is not a positive number; watchdog off", usec);
		return;
	}
	/* Twice per period, as sd_watchdog_enabled(3) advises. */
	nt.period_ns = (int64_t)(us * 1000 / 2);
}

void tp_notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len = path ? strlen(path) : 0;
	if (len >= 2 && len < sizeof nt.addr.sun_path && (path[0] == '/' || path[0] == '@')) {
		nt.addr.sun_family = AF_UNIX;
		memcpy(nt.addr.sun_path, path, len);
		if (path[0] == '@')
			nt.addr.sun_path[0] = '\0';
		nt.addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
					  (path[0] == '/'));
		nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (nt.fd < 0)
			tp_dmsg("NOTIFY_SOCKET: socket: %s", strerror(errno));
		else
			notify_watchdog();
	} else if (path) {
		tp_dmsg("NOTIFY_SOCKET='%s' is not a socket path; not notifying", path);
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static bool notify_healthy(const struct tp_sup *s)
{
	return !s->stopping && !s->failed;
}

/* Sent only when the text changes: the loop turns for every line an
 * actor prints. */
static void notify_status(const struct tp_sup *s)
{
	unsigned up = 0, n = s->topo->n_actors;
	char text[sizeof nt.status], msg[sizeof nt.status + 8];
	for (unsigned i = 0; i < n; i++)
		up += s->ch[i].state == TP_STATE_UP;
	if (s->stopping)
		snprintf(text, sizeof text, "%s: %u of %u actors still running",
			 s->failed ? "node failed" : "stopping", up, n);
	else
		snprintf(text, sizeof text, "%u of %u actors up, %u restarts",
			 up, n, s->total_restarts);
	if (strcmp(text, nt.status) == 0)
		return;
	memcpy(nt.status, text, sizeof text);
	snprintf(msg, sizeof msg, "STATUS=%s", text);
	notify_send(msg);
}

void tp_notify_tick(const struct tp_sup *s)
{
	if (nt.fd < 0)
		return;
	notify_status(s);
	if (!nt.ready && notify_healthy(s) && tp_sup_all_ready(s)) {   /* every init done */
		nt.ready = true;
		notify_send("READY=1");
	}
	if (s->stopping && !nt.stopping) {
		nt.stopping = true;
		notify_send("STOPPING=1");
	}
	int64_t now = tp_now_ns();
	if (nt.period_ns && notify_healthy(s) && now >= nt.due_ns) {
		notify_send("WATCHDOG=1");
		nt.due_ns = now + nt.period_ns;
	}
}

int64_t tp_notify_deadline(int64_t deadline)
{
	if (nt.fd < 0 || !nt.period_ns || nt.stopping)
		return deadline;
	return nt.due_ns < deadline ? nt.due_ns : deadline;
}
