/* Actor output capture (see log_capture.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "troupe/error.h"
#include "log_dmsg.h"
#include "log_capture.h"

int tp_logcap_init(struct tp_logcap *lc, const char *name, const char *log_dir,
		   mode_t mode)
{
	memset(lc, 0, sizeof *lc);
	snprintf(lc->name, sizeof lc->name, "%s", name);
	lc->file_fd = -1;
	if (!log_dir || !*log_dir)
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.log", log_dir, name);
	lc->file_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
	if (lc->file_fd < 0) {
		int e = errno;
		tp_derr("cannot open log file %s: %s", path, strerror(e));
		return -tp_err_from_errno(e);
	}
	return 0;
}

/* Writes all of buf; a log file that fails (disk full) must not stop the
 * node, so the failure is reported once and the file dropped. */
static void logcap_write_file(struct tp_logcap *lc, const char *buf, size_t n)
{
	while (lc->file_fd >= 0 && n > 0) {
		ssize_t w = write(lc->file_fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			tp_dwarn("log file of %s: write failed: %s; no longer writing it",
				lc->name, strerror(errno));
			close(lc->file_fd);
			lc->file_fd = -1;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

static void logcap_emit(struct tp_logcap *lc, const char *line, size_t n)
{
	tp_dmsg_actor(lc->name, lc->pid, line, n);
	if (lc->file_fd >= 0) {
		char tmp[TP_LOGCAP_LINE_MAX + 1];
		memcpy(tmp, line, n);
		tmp[n] = '\n';
		logcap_write_file(lc, tmp, n + 1);
	}
}

static void logcap_feed(struct tp_logcap *lc, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		size_t room = sizeof lc->buf - lc->len;
		if (take > room || (take == room && !nl)) {
			/* Cut: a full buffer is emitted as one piece. */
			memcpy(lc->buf + lc->len, p, room);
			logcap_emit(lc, lc->buf, sizeof lc->buf);
			lc->len = 0;
			p += room;
			n -= room;
			continue;
		}
		memcpy(lc->buf + lc->len, p, take);
		lc->len += take;
		p += take;
		n -= take;
		if (nl) {
			logcap_emit(lc, lc->buf, lc->len);
			lc->len = 0;
			p++;
			n--;
		}
	}
}

void tp_logcap_flush(struct tp_logcap *lc)
{
	if (lc->len) {
		logcap_emit(lc, lc->buf, lc->len);
		lc->len = 0;
	}
}

int tp_logcap_read(struct tp_logcap *lc, int fd)
{
	char chunk[4096];
	/* Bounded: one busy actor must not starve the loop. */
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r > 0) {
			logcap_feed(lc, chunk, (size_t)r);
			continue;
		}
		if (r == 0) {
			tp_logcap_flush(lc);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 1;
		return -tp_err_from_errno(errno);
	}
	return 1;
}

void tp_logcap_fini(struct tp_logcap *lc)
{
	tp_logcap_flush(lc);
	if (lc->file_fd >= 0)
		close(lc->file_fd);
	lc->file_fd = -1;
}
