/* Helpers shared by the socket transports (see common.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"
#include "troupe/error.h"

int tp_attr_write(const char *file, const struct tp_attr_file *a, mode_t mode)
{
	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.new", file);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	char line[128], idle[32] = "";
	/* idle_ms before port: clients read the port as what follows "port=". */
	if (a->idle_ms)
		snprintf(idle, sizeof idle, "idle_ms=%u ", a->idle_ms);
	int n = snprintf(line, sizeof line, "depth=%u msg_max=%u when_full=%u %sport=%u\n",
			 a->depth, a->msg_max, a->when_full, idle, a->port);
	bool ok = write(fd, line, (size_t)n) == n && fchmod(fd, mode) == 0;
	int e = ok ? 0 : errno;
	close(fd);
	if (!ok || rename(tmp, file) < 0) {
		e = e ? e : errno;
		unlink(tmp);
		return -tp_err_sys(e);
	}
	return 0;
}

int tp_attr_read(const char *file, struct tp_attr_file *a)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return -tp_err_from_errno(errno);
	char line[128];
	bool got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	int n = 0, k = 0;
	a->idle_ms = 0;
	if (got)
		n = sscanf(line, "depth=%u msg_max=%u when_full=%u %n", &a->depth,
			   &a->msg_max, &a->when_full, &k);
	if (n != 3)
		return -TP_EINVAL;
	const char *rest = line + k;
	if (strncmp(rest, "idle_ms=", 8) == 0) {
		if (sscanf(rest, "idle_ms=%u %n", &a->idle_ms, &k) != 1)
			return -TP_EINVAL;
		rest += k;
	}
	return sscanf(rest, "port=%u", &a->port) == 1 ? 0 : -TP_EINVAL;
}

int tp_handoff_take(int *fds, int max)
{
	const char *v = getenv(TP_MBOX_FD_ENV);
	int n = 0;
	while (v && *v && n < max) {
		char *end;
		long fd = strtol(v, &end, 10);
		if (end == v || fd < 0 || fd > 65535 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
			return -TP_EINVAL;
		fds[n++] = (int)fd;
		v = *end == ',' ? end + 1 : end;
	}
	return n ? n : -TP_ENOENT;
}


long tp_proc_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int tp_check_sndbuf(const struct tp_mbox_attr *a, uint32_t per_msg, char *err, size_t errlen)
{
	long wmem = tp_proc_long("/proc/sys/net/core/wmem_max");
	uint64_t want = (uint64_t)a->depth * (a->msg_max + per_msg);
	if (wmem <= 0 || want <= 2 * (uint64_t)wmem)
		return 0;
	snprintf(err, errlen, "depth %u x msg_max %u needs a send buffer of %llu bytes, more "
		 "than the kernel grants (twice /proc/sys/net/core/wmem_max, %ld): raise it "
		 "(sysctl net.core.wmem_max=%llu) or lower depth or msg_max", a->depth,
		 a->msg_max, (unsigned long long)want, wmem,
		 (unsigned long long)(want + 1) / 2);
	return -TP_ELIMIT;
}
