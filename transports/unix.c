/* Mailboxes as Unix datagram sockets in the node's runtime directory: one
 * socket per lane, <rundir>/troupe.<node>.<actor>.hi.sock and .sock, and
 * the mailbox's limits in .attr beside them.
 *
 * SOCK_DGRAM, not SEQPACKET: the queue of a datagram socket lives in the
 * one bound socket, which the daemon creates and keeps open, so mail
 * queued for an actor outlives the actor (with SEQPACKET it would sit in
 * per-connection sockets that die with the receiver).  The receiving actor
 * inherits the bound sockets from the daemon (TROUPE_MBOX_FD).  Boundaries
 * are kept; a sender connects its socket so that poll(POLLOUT) waits for
 * room in the receiver's queue.  Connection-less means no SO_PEERCRED: the
 * kernel stamps every datagram with its sender's credentials instead
 * (SO_PASSCRED, SCM_CREDENTIALS), which the receiver checks against the
 * node's user (and group, when the node's mode opens the sockets to it). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "common.h"
#include "transport.h"
#include "troupe/error.h"
#include "clock.h"

extern const struct tp_transport tp_transport_unix;

#define LANES 2   /* 0: high, 1: normal */
/* What the kernel charges a datagram beyond its bytes, about. */
#define UNIX_MSG_OVERHEAD 512u
static const char *const unix_suffix[LANES] = { ".hi.sock", ".sock" };
static const char *const unix_sweep_suffixes[] = { ".sock", ".attr", ".new", NULL };

struct tp_mbox {
	int rx[LANES];               /* bound sockets (daemon, receiver), or -1 */
	int tx[LANES];               /* connected sockets of a sender, or -1 */
	int ep;                      /* receiver: epoll over rx, the wait fd */
	struct sockaddr_un addr[LANES];
	uint32_t msg_max, depth, when_full;
	bool group_ok;               /* the socket's group may send */
	uid_t uid;                   /* receiver's own, asked once */
	uint32_t refused;            /* datagrams from strangers, dropped */
	uid_t last_uid;              /* who sent what recv returned last */
};

static long unix_qlen(void)
{
	return tp_proc_long("/proc/sys/net/unix/max_dgram_qlen");
}

static int unix_check(const struct tp_mbox_attr *attrs, size_t n, char *err, size_t errlen)
{
	long qlen = unix_qlen();
	int rc = tp_transport_check_policy(&tp_transport_unix, attrs, n, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (qlen > 0 && (long)attrs[i].depth > qlen) {
			snprintf(err, errlen, "depth %u exceeds /proc/sys/net/unix/max_dgram_qlen "
				 "(%ld), the kernel's bound on a datagram queue: raise it (sysctl "
				 "net.unix.max_dgram_qlen=%u) or lower depth", attrs[i].depth,
				 qlen, attrs[i].depth);
			return -TP_ELIMIT;
		}
		if ((rc = tp_check_sndbuf(&attrs[i], UNIX_MSG_OVERHEAD, err, errlen)))
			return rc;
	}
	return 0;
}

static struct tp_mbox *unix_new(void)
{
	struct tp_mbox *mb = calloc(1, sizeof *mb);
	if (!mb)
		return NULL;
	mb->ep = -1;
	for (int l = 0; l < LANES; l++)
		mb->rx[l] = mb->tx[l] = -1;
	return mb;
}

static void unix_tp_close(struct tp_mbox *mb)
{
	if (!mb)
		return;
	for (int l = 0; l < LANES; l++) {
		if (mb->rx[l] >= 0)
			close(mb->rx[l]);
		if (mb->tx[l] >= 0)
			close(mb->tx[l]);
	}
	if (mb->ep >= 0)
		close(mb->ep);
	free(mb);
}

static int unix_addrs(struct tp_mbox *mb, const char *path)
{
	for (int l = 0; l < LANES; l++) {
		mb->addr[l].sun_family = AF_UNIX;
		if (tp_rundir_path(mb->addr[l].sun_path, sizeof mb->addr[l].sun_path,
				   path, unix_suffix[l]))
			return -TP_ETOOBIG;
	}
	return 0;
}

/* Receiving side over bound sockets rx: the epoll set and who may send. */
static int unix_rx_init(struct tp_mbox *mb)
{
	struct stat st;
	int on = 1;
	mb->ep = epoll_create1(EPOLL_CLOEXEC);
	if (mb->ep < 0)
		return -tp_err_sys(errno);
	for (int l = 0; l < LANES; l++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)l };
		if (epoll_ctl(mb->ep, EPOLL_CTL_ADD, mb->rx[l], &ev) < 0 ||
		    setsockopt(mb->rx[l], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
			return -tp_err_sys(errno);
		fcntl(mb->rx[l], F_SETFL, O_NONBLOCK);
	}
	if (stat(mb->addr[1].sun_path, &st) == 0)
		mb->group_ok = (st.st_mode & S_IWGRP) != 0;
	mb->uid = geteuid();
	return 0;
}

static int unix_create(const char *path, const struct tp_mbox_attr *attr,
		       struct tp_mbox **out, char *err, size_t errlen)
{
	char dummy[8], af[300];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	int rc = unix_check(attr, 1, err, errlen);
	if (rc || (rc = tp_rundir_make(attr->mode, err, errlen)))
		return rc;
	struct tp_mbox *mb = unix_new();
	if (!mb)
		return -TP_ENOMEM;
	if (unix_addrs(mb, path) || tp_rundir_path(af, sizeof af, path, ".attr")) {
		snprintf(err, errlen, "socket path too long (at most %zu bytes)",
			 sizeof mb->addr[0].sun_path - 1);
		unix_tp_close(mb);
		return -TP_ETOOBIG;
	}
	if (access(af, F_OK) == 0) {
		snprintf(err, errlen, "it already exists (%s)", af);
		unix_tp_close(mb);
		return -TP_EBUSY;
	}
	mb->msg_max = attr->msg_max;
	mb->depth = attr->depth;
	mb->when_full = attr->when_full;
	for (int l = 0; l < LANES; l++) {
		unlink(mb->addr[l].sun_path);   /* stale: its queue died with its socket */
		mb->rx[l] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (mb->rx[l] < 0 ||
		    bind(mb->rx[l], (struct sockaddr *)&mb->addr[l], sizeof mb->addr[l]) < 0 ||
		    chmod(mb->addr[l].sun_path, attr->mode & 0660) < 0 ||
		    (attr->owned && chown(mb->addr[l].sun_path, attr->uid, attr->gid) < 0)) {
			int e = errno;
			snprintf(err, errlen, "%s: %s", mb->addr[l].sun_path, strerror(e));
			unix_tp_close(mb);
			return -tp_err_from_errno(e);
		}
	}
	struct tp_attr_file a = { attr->depth, attr->msg_max, attr->when_full, 0, 0 };
	if ((rc = unix_rx_init(mb)) ||
	    (rc = tp_attr_write(af, &a, attr->owned ? 0640 : attr->mode & 0666)) ||
	    (attr->owned && chown(af, attr->uid, attr->gid) < 0 &&
	     (rc = -tp_err_from_errno(errno)))) {
		snprintf(err, errlen, "%s: %s", af, tp_strerror(rc));
		unix_tp_close(mb);
		return rc;
	}
	*out = mb;
	return 0;
}

/* The inherited descriptors must be the sockets bound to this mailbox. */
static bool unix_is_bound_to(int fd, const struct sockaddr_un *want)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	memset(&sa, 0, sizeof sa);
	return getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	       sa.sun_family == AF_UNIX && strcmp(sa.sun_path, want->sun_path) == 0;
}

static int unix_attach(const char *path, unsigned mode, struct tp_mbox **out)
{
	char af[300];
	struct tp_attr_file a;
	struct tp_mbox *mb = unix_new();
	if (!mb)
		return -TP_ENOMEM;
	int rc = unix_addrs(mb, path);
	if (!rc)
		rc = tp_rundir_path(af, sizeof af, path, ".attr");
	if (!rc)
		rc = tp_attr_read(af, &a);
	if (!rc && a.msg_max == 0)
		rc = -TP_EINVAL;
	if (rc) {
		unix_tp_close(mb);
		return rc;
	}
	mb->msg_max = a.msg_max;
	mb->depth = a.depth;
	mb->when_full = a.when_full;
	if (mode & TP_MBOX_RECV) {
		int fds[LANES];
		rc = tp_handoff_take(fds, LANES);
		if (rc == LANES) {
			for (int l = 0; l < LANES; l++)
				mb->rx[l] = fds[l];
			rc = 0;
			for (int l = 0; l < LANES; l++)
				if (!unix_is_bound_to(mb->rx[l], &mb->addr[l]))
					rc = -TP_EINVAL;
			if (!rc)
				rc = unix_rx_init(mb);
		} else if (rc >= 0) {
			rc = -TP_EINVAL;
		}
		if (rc) {
			unix_tp_close(mb);
			return rc;
		}
	}
	*out = mb;
	return 0;
}

static int unix_connect(struct tp_mbox *mb, int l)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	/* A datagram is charged to the sender's buffer until it is read. */
	int sndbuf = (int)(mb->depth * (mb->msg_max + UNIX_MSG_OVERHEAD));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (connect(fd, (struct sockaddr *)&mb->addr[l], sizeof mb->addr[l]) < 0) {
		int e = errno;
		close(fd);
		return e == ECONNREFUSED || e == ENOENT ? -TP_ECLOSED : -tp_err_from_errno(e);
	}
	mb->tx[l] = fd;
	return 0;
}

static int unix_tp_send(struct tp_mbox *mb, const void *buf, size_t len,
			unsigned prio, int64_t deadline)
{
	int l = prio >= TP_LANE_HIGH_MIN ? 0 : 1, rc;
	if (len > mb->msg_max)
		return -TP_ETOOBIG;
	if (mb->tx[l] < 0 && (rc = unix_connect(mb, l)))
		return rc;
	for (;;) {
		if (send(mb->tx[l], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
			return 0;
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == ECONNREFUSED || e == ENOTCONN || e == EPIPE) {
			/* The mailbox was re-created (a new node): reconnect once. */
			close(mb->tx[l]);
			mb->tx[l] = -1;
			if ((rc = unix_connect(mb, l)))
				return rc;
			continue;
		}
		if (e != EAGAIN)
			return -tp_err_from_errno(e);
		if (mb->when_full == TP_FULL_REJECT)
			return -TP_EFULL;
		int ms = tp_remaining_ms(deadline);
		if (ms == 0)
			return -TP_EFULL;
		struct pollfd p = { .fd = mb->tx[l], .events = POLLOUT };
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			return -tp_err_sys(errno);
	}
}

/* The kernel checked the socket's owner, group and mode when the sender
 * connected: with the group's write bit set (the node's group, or a group
 * only the receiver's accept_from has) any member got in, whatever its
 * primary gid, which is all SCM_CREDENTIALS says.  Which name that uid
 * may send under is the mailbox layer's check (sender_uid). */
static bool unix_sender_ok(struct tp_mbox *mb, const struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)m); c;
	     c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS ||
		    c->cmsg_len < CMSG_LEN(sizeof(struct ucred)))
			continue;
		struct ucred cr;
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
		mb->last_uid = cr.uid;
		return cr.uid == mb->uid || cr.uid == 0 || mb->group_ok;
	}
	return false;   /* no credentials: refuse */
}

static uid_t unix_sender_uid(const struct tp_mbox *mb)
{
	return mb->last_uid;
}

/* One datagram from lane l: its length, -TP_EEMPTY, or -TP_EAGAIN-like
 * 0-length skip signalled by -TP_EINVAL (refused or oversized). */
static int unix_take(struct tp_mbox *mb, int l, void *buf, size_t cap)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cm.b, .msg_controllen = sizeof cm.b };
	ssize_t n = recvmsg(mb->rx[l], &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -TP_EEMPTY : -tp_err_from_errno(errno);
	if (!unix_sender_ok(mb, &m) || (m.msg_flags & MSG_TRUNC) || (size_t)n > mb->msg_max) {
		mb->refused++;
		return -TP_EINVAL;
	}
	return (int)n;
}

/* One poll over both lanes says which have mail (and waits for it when
 * there is time): then one recvmsg, from the highest lane that has some,
 * where trying each lane in turn would cost a failed receive per lane. */
static int unix_tp_recv(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
			int64_t deadline)
{
	if (cap < mb->msg_max)
		return -TP_EINVAL;
	if (mb->ep < 0)
		return -TP_ESTATE;   /* a sender's handle */
	for (;;) {
		struct pollfd p[LANES] = { { .fd = mb->rx[0], .events = POLLIN },
					   { .fd = mb->rx[1], .events = POLLIN } };
		int ms = tp_remaining_ms(deadline);
		int k = poll(p, LANES, ms);
		if (k < 0 && errno != EINTR)
			return -tp_err_sys(errno);
		if (k == 0 && ms == 0)
			return -TP_EEMPTY;
		for (int l = 0; l < LANES; l++) {
			if (!p[l].revents)
				continue;
			int n = unix_take(mb, l, buf, cap);
			if (n >= 0) {
				if (prio)
					*prio = l == 0 ? TP_LANE_HIGH_MIN : 1;
				return n;
			}
			if (n != -TP_EEMPTY && n != -TP_EINVAL)
				return n;
			break;   /* refused or gone meanwhile: look again */
		}
	}
}

static int unix_tp_wait_fd(struct tp_mbox *mb)
{
	return mb->ep;
}

/* The kernel does not say how many datagrams wait: depth reads 0. */
static int unix_tp_stat(struct tp_mbox *mb, struct tp_mbox_stat *st)
{
	st->depth = 0;
	st->capacity = mb->depth;
	st->msg_max = mb->msg_max;
	st->dropped = mb->refused;
	return 0;
}

static int unix_tp_unlink(const char *path)
{
	char p[300];
	int rc = 0;
	const char *const sfx[] = { ".hi.sock", ".sock", ".attr" };
	for (int i = 0; i < 3; i++) {
		if (tp_rundir_path(p, sizeof p, path, sfx[i]))
			return -TP_ETOOBIG;
		if (unlink(p) < 0 && errno != ENOENT && !rc)
			rc = -tp_err_from_errno(errno);
	}
	return rc;
}

static int unix_sweep(const char *prefix)
{
	return tp_rundir_sweep(prefix, unix_sweep_suffixes);
}

static int unix_recv_fds(struct tp_mbox *mb, int *fds, int max)
{
	if (max < LANES || mb->rx[0] < 0)
		return 0;
	for (int l = 0; l < LANES; l++)
		fds[l] = mb->rx[l];
	return LANES;
}

const struct tp_transport tp_transport_unix = {
	.name = "unix",
	.caps = 0,
	.create = unix_create,
	.attach = unix_attach,
	.send = unix_tp_send,
	.recv = unix_tp_recv,
	.wait_fd = unix_tp_wait_fd,
	.stat = unix_tp_stat,
	.close = unix_tp_close,
	.unlink = unix_tp_unlink,
	.check = unix_check,
	.sweep = unix_sweep,
	.recv_fds = unix_recv_fds,
	.sender_uid = unix_sender_uid,
};
