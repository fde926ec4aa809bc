/* Mailboxes as POSIX message queues.  The kernel keeps the boundaries and
 * the priorities; deadlines run on the monotonic clock by polling the
 * queue's descriptor and sending or receiving with O_NONBLOCK (mq_timed*
 * take CLOCK_REALTIME, which jumps on boards without an RTC). */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "transport.h"
#include "troupe/error.h"
#include "clock.h"
#include "common.h"

#define MQ_DIR "/dev/mqueue"
/* The kernel's per-message bookkeeping, rounded up for 64-bit kernels
 * (struct msg_msg plus a priority tree node), charged to RLIMIT_MSGQUEUE. */
#define MQ_OVERHEAD 96

struct tp_mbox {
	mqd_t q;
	uint32_t msg_max;
	uint32_t depth;
	uint32_t when_full;
	uint32_t dropped;    /* by this handle: the kernel keeps no count */
	void *scratch;       /* drop_oldest: where a dropped message goes */
};

/* A queue has no room for our policy: a mailbox that does not block when
 * full says so in an attribute file in the runtime directory. */
#define MQ_ATTR_SUFFIX ".mq"
static const char *const mq_attr_suffixes[] = { MQ_ATTR_SUFFIX, ".new", NULL };

static long mq_limit(const char *which)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", which);
	return tp_proc_long(path);
}

/* CAP_SYS_RESOURCE lifts msg_max and msgsize_max (not the rlimit). */
static int has_cap_sys_resource(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned long long cap = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &cap) == 1)
			break;
	fclose(f);
	return (cap >> 24) & 1;
}

static uint64_t mq_cost(const struct tp_mbox_attr *a)
{
	return (uint64_t)a->depth * (a->msg_max + MQ_OVERHEAD);
}

static int mq_check(const struct tp_mbox_attr *attrs, size_t n, char *err, size_t errlen)
{
	struct mq_attr probe;
	/* A kernel without CONFIG_POSIX_MQUEUE answers ENOSYS to every mq call;
	 * EBADF on a bad descriptor means the syscalls exist. */
	if (mq_getattr((mqd_t)-1, &probe) < 0 && errno == ENOSYS) {
		snprintf(err, errlen, "this kernel has no POSIX message queues "
			 "(CONFIG_POSIX_MQUEUE is off): use transport=shm or unix");
		return -TP_ENOSYS;
	}
	long msg_max = mq_limit("msg_max"), size_max = mq_limit("msgsize_max");
	long queues_max = mq_limit("queues_max");
	int capable = has_cap_sys_resource();
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tp_mbox_attr *a = &attrs[i];
		if (!capable && msg_max > 0 && (long)a->depth > msg_max) {
			snprintf(err, errlen, "depth %u exceeds /proc/sys/fs/mqueue/msg_max (%ld): "
				 "raise it (sysctl fs.mqueue.msg_max=%u) or lower depth",
				 a->depth, msg_max, a->depth);
			return -TP_ELIMIT;
		}
		if (!capable && size_max > 0 && (long)a->msg_max > size_max) {
			snprintf(err, errlen, "msg_max %u exceeds /proc/sys/fs/mqueue/msgsize_max (%ld): "
				 "raise it (sysctl fs.mqueue.msgsize_max=%u), lower msg_max or use transport=shm",
				 a->msg_max, size_max, a->msg_max);
			return -TP_ELIMIT;
		}
		total += mq_cost(a);
	}
	if (queues_max > 0 && (long)n > queues_max && !capable) {
		snprintf(err, errlen, "%zu queues exceed /proc/sys/fs/mqueue/queues_max (%ld): "
			 "raise it (sysctl fs.mqueue.queues_max=%zu)", n, queues_max, n);
		return -TP_ELIMIT;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    total > rl.rlim_cur) {
		snprintf(err, errlen, "%zu queues need about %llu bytes but RLIMIT_MSGQUEUE "
			 "is %llu: raise it (ulimit -q, or LimitMSGQUEUE= in the systemd unit), "
			 "lower depth/msg_max, or use transport=shm for some mailboxes",
			 n, (unsigned long long)total, (unsigned long long)rl.rlim_cur);
		return -TP_ELIMIT;
	}
	return 0;
}

/* Turns an mq_open failure into a sentence that names the limit. */
static int mq_explain(int e, const struct tp_mbox_attr *a, char *err, size_t errlen)
{
	if (!err)
		return -tp_err_from_errno(e);
	switch (e) {
	case ENOSYS:
		return mq_check(NULL, 0, err, errlen);
	case EINVAL:
		if (mq_check(a, 1, err, errlen) == 0)
			snprintf(err, errlen, "invalid queue attributes (depth %u, msg_max %u)",
				 a->depth, a->msg_max);
		return -TP_ELIMIT;
	case EMFILE: {
		struct rlimit rl;
		getrlimit(RLIMIT_MSGQUEUE, &rl);
		snprintf(err, errlen, "RLIMIT_MSGQUEUE (%llu bytes for this user, queues of "
			 "other programs included) is used up, or the process is out of "
			 "descriptors: raise it (ulimit -q) or use transport=shm",
			 (unsigned long long)rl.rlim_cur);
		return -TP_ELIMIT;
	}
	case ENOSPC:
		snprintf(err, errlen, "/proc/sys/fs/mqueue/queues_max (%ld) reached",
			 mq_limit("queues_max"));
		return -TP_ELIMIT;
	default:
		snprintf(err, errlen, "%s", strerror(e));
		return -tp_err_from_errno(e);
	}
}

static int mq_new(mqd_t q, struct tp_mbox **out)
{
	struct mq_attr at;
	struct tp_mbox *mb = malloc(sizeof *mb);
	if (!mb || mq_getattr(q, &at) < 0) {
		int e = errno;
		free(mb);
		mq_close(q);
		return mb ? -tp_err_sys(e) : -TP_ENOMEM;
	}
	mb->q = q;
	mb->msg_max = (uint32_t)at.mq_msgsize;
	mb->depth = (uint32_t)at.mq_maxmsg;
	mb->when_full = TP_FULL_BLOCK;
	mb->dropped = 0;
	mb->scratch = NULL;
	*out = mb;
	return 0;
}

static void mq_policy(struct tp_mbox *mb, const char *path)
{
	char af[300];
	struct tp_attr_file a;
	if (tp_rundir_path(af, sizeof af, path, MQ_ATTR_SUFFIX) == 0 &&
	    tp_attr_read(af, &a) == 0 && a.when_full <= TP_FULL_DROP_OLDEST)
		mb->when_full = a.when_full;
}

static int mq_create(const char *path, const struct tp_mbox_attr *attr,
		     struct tp_mbox **out, char *err, size_t errlen)
{
	struct mq_attr at = { .mq_maxmsg = attr->depth, .mq_msgsize = attr->msg_max };
	mqd_t q = mq_open(path, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC,
			  attr->mode, &at);
	if (q == (mqd_t)-1) {
		if (errno == EEXIST) {
			if (err)
				snprintf(err, errlen, "it already exists");
			return -TP_EBUSY;
		}
		return mq_explain(errno, attr, err, errlen);
	}
	fchmod(q, attr->mode);   /* mq_open honoured the umask; the node's mode wins */
	if (attr->owned && fchown(q, attr->uid, attr->gid) < 0) {
		int e = errno;
		if (err)
			snprintf(err, errlen, "cannot give it to uid %u gid %u: %s",
				 (unsigned)attr->uid, (unsigned)attr->gid, strerror(e));
		mq_close(q);
		mq_unlink(path);
		return -tp_err_from_errno(e);
	}
	int rc = mq_new(q, out);
	if (rc || attr->when_full == TP_FULL_BLOCK)
		return rc;
	char af[300];
	struct tp_attr_file a = { attr->depth, attr->msg_max, attr->when_full, 0, 0 };
	if ((rc = tp_rundir_make(attr->mode, err ? err : af, err ? errlen : sizeof af)) ||
	    (rc = tp_rundir_path(af, sizeof af, path, MQ_ATTR_SUFFIX)) ||
	    (rc = tp_attr_write(af, &a, attr->owned ? 0640 : attr->mode & 0666)) ||
	    (attr->owned && chown(af, (uid_t)-1, attr->gid) < 0 &&
	     (rc = -tp_err_from_errno(errno)))) {
		mq_close((*out)->q);
		free(*out);
		mq_unlink(path);
		return rc;
	}
	(*out)->when_full = attr->when_full;
	return 0;
}

static int mq_attach(const char *path, unsigned mode, struct tp_mbox **out)
{
	int flags = ((mode & TP_MBOX_RECV) ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_CLOEXEC;
	mqd_t q = mq_open(path, flags);
	if (q == (mqd_t)-1 && errno == EACCES && mode == TP_MBOX_SEND)
		q = mq_open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (q == (mqd_t)-1)
		return -tp_err_from_errno(errno);
	int rc = mq_new(q, out);
	if (rc == 0 && mode == TP_MBOX_SEND)
		mq_policy(*out, path);
	return rc;
}

/* Waits for events on the queue until deadline; 0 when ready. */
static int mq_wait(mqd_t q, short events, int64_t deadline)
{
	struct pollfd p = { .fd = q, .events = events };
	for (;;) {
		int ms = tp_remaining_ms(deadline);
		if (ms == 0)
			return -TP_ETIMEDOUT;
		int n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -tp_err_sys(errno);
	}
}

static int mq_tp_send(struct tp_mbox *mb, const void *buf, size_t len,
		      unsigned prio, int64_t deadline)
{
	if (len > mb->msg_max)
		return -TP_ETOOBIG;
	for (;;) {
		if (mq_send(mb->q, buf, len, prio) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -tp_err_from_errno(errno);
		if (mb->when_full == TP_FULL_REJECT)
			return -TP_EFULL;
		if (mb->when_full == TP_FULL_DROP_OLDEST) {
			/* The head goes: the oldest of the highest priority. */
			if (!mb->scratch && !(mb->scratch = malloc(mb->msg_max)))
				return -TP_ENOMEM;
			if (mq_receive(mb->q, mb->scratch, mb->msg_max, NULL) >= 0)
				mb->dropped++;
			else if (errno == EBADF)
				return -TP_EPERM;   /* opened write-only: no group read */
			continue;
		}
		if (mq_wait(mb->q, POLLOUT, deadline))
			return -TP_EFULL;
	}
}

/* A topic's drop_oldest, whatever the mailbox's own policy (transport.h):
 * the head goes, as mq's drop_oldest does.  Never waits. */
static int mq_tp_evict(struct tp_mbox *mb, int64_t deadline)
{
	(void)deadline;
	if (!mb->scratch && !(mb->scratch = malloc(mb->msg_max)))
		return -TP_ENOMEM;
	for (;;) {
		if (mq_receive(mb->q, mb->scratch, mb->msg_max, NULL) >= 0) {
			mb->dropped++;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -TP_EEMPTY;
		return errno == EBADF ? -TP_EPERM : -tp_err_sys(errno);
	}
}

static int mq_tp_recv(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
		      int64_t deadline)
{
	if (cap < mb->msg_max)
		return -TP_EINVAL;
	/* A caller prepared to wait (tp_call) usually has to: poll first and
	 * save the receive that would fail with EAGAIN. */
	if (deadline > tp_now_ns() && mq_wait(mb->q, POLLIN, deadline))
		return -TP_EEMPTY;
	for (;;) {
		ssize_t n = mq_receive(mb->q, buf, cap, prio);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -tp_err_from_errno(errno);
		if (mq_wait(mb->q, POLLIN, deadline))
			return -TP_EEMPTY;
	}
}

static int mq_tp_wait_fd(struct tp_mbox *mb)
{
	return (int)mb->q;   /* on Linux an mqd_t is a pollable descriptor */
}

static int mq_tp_stat(struct tp_mbox *mb, struct tp_mbox_stat *st)
{
	struct mq_attr at;
	if (mq_getattr(mb->q, &at) < 0)
		return -tp_err_from_errno(errno);
	st->depth = (uint32_t)at.mq_curmsgs;
	st->capacity = (uint32_t)at.mq_maxmsg;
	st->msg_max = (uint32_t)at.mq_msgsize;
	st->dropped = mb->dropped;
	return 0;
}

static void mq_tp_close(struct tp_mbox *mb)
{
	if (mb) {
		mq_close(mb->q);
		free(mb->scratch);
		free(mb);
	}
}

static int mq_tp_unlink(const char *path)
{
	char af[300];
	if (tp_rundir_path(af, sizeof af, path, MQ_ATTR_SUFFIX) == 0)
		unlink(af);
	if (mq_unlink(path) < 0 && errno != ENOENT)
		return -tp_err_from_errno(errno);
	return 0;
}

/* Where /dev/mqueue is not mounted, nothing can be listed: the daemon
 * also unlinks by the names in the stale registry. */
static int mq_sweep(const char *prefix)
{
	return tp_rundir_sweep(prefix, mq_attr_suffixes) +
	       tp_dir_sweep(MQ_DIR, prefix, NULL);
}

const struct tp_transport tp_transport_mq = {
	.name = "mq",
	.caps = TP_CAP_EXACT_DEPTH | TP_CAP_DROP_OLDEST | TP_CAP_STAT_DEPTH |
		TP_CAP_SWEEP_MOUNTED | TP_CAP_PRIO4,
	.create = mq_create,
	.attach = mq_attach,
	.send = mq_tp_send,
	.recv = mq_tp_recv,
	.wait_fd = mq_tp_wait_fd,
	.stat = mq_tp_stat,
	.close = mq_tp_close,
	.unlink = mq_tp_unlink,
	.check = mq_check,
	.sweep = mq_sweep,
	.evict = mq_tp_evict,
};
