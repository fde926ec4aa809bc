/* The system log client (see log_syslog.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "troupe/error.h"
#include "log_syslog.h"

static int slog_fd = -1;
static struct sockaddr_un slog_addr;

static int slog_connect(void)
{
	if (slog_fd >= 0)
		close(slog_fd);
	slog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (slog_fd < 0)
		return -tp_err_from_errno(errno);
	if (connect(slog_fd, (struct sockaddr *)&slog_addr, sizeof slog_addr) == 0)
		return 0;
	int e = errno;
	close(slog_fd);
	slog_fd = -1;
	errno = e;
	return -tp_err_from_errno(e);
}

int tp_syslog_open(char *err, size_t n)
{
	const char *path = getenv(TP_SYSLOG_ENV);
	if (!path || !*path)
		path = TP_SYSLOG_PATH;
	memset(&slog_addr, 0, sizeof slog_addr);
	slog_addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof slog_addr.sun_path) {
		snprintf(err, n, "log socket %s: path too long", path);
		return -TP_ETOOBIG;
	}
	strcpy(slog_addr.sun_path, path);
	int rc = slog_connect();
	if (rc)
		snprintf(err, n, "cannot reach the system log at %s: %s", path,
			 strerror(errno));
	return rc;
}

static int slog_sendto(const char *buf, size_t len)
{
	if (send(slog_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	if (errno != ECONNREFUSED && errno != ENOTCONN && errno != ECONNRESET)
		return -tp_err_from_errno(errno);
	/* The log daemon restarted: its socket is a new one. */
	int rc = slog_connect();
	if (rc)
		return rc;
	return send(slog_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 ? 0 :
	       -tp_err_from_errno(errno);
}

/* "<pri>Mmm dd hh:mm:ss tag[pid]: msg", as glibc's syslog() writes it. */
static size_t slog_format(char *buf, size_t cap, int prio, const char *tag, int pid,
			  const char *msg, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", localtime_r(&now, &tm));
	int k = snprintf(buf, cap, "<%d>%s %s[%d]: %.*s", prio, stamp, tag, pid,
			 (int)len, msg);
	return k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
}

int tp_syslog_send(int prio, const char *tag, int pid, const char *msg, size_t len)
{
	char buf[2048];
	if (slog_fd < 0)
		return -TP_ECLOSED;
	return slog_sendto(buf, slog_format(buf, sizeof buf, prio, tag, pid, msg, len));
}

void tp_syslog_close(void)
{
	if (slog_fd >= 0)
		close(slog_fd);
	slog_fd = -1;
}
