/* Mailboxes as TCP endpoints: length-prefixed frames over connections to a
 * listening socket the daemon binds (127.0.0.1, an ephemeral port written
 * to <rundir>/troupe.<node>.<actor>.tcp) and hands to the receiving actor.
 * This is the transport layer the node-to-node links use; their addressing
 * and authentication come with them.
 *
 * A connection starts with one byte, its lane (0 high, 1 normal); a sender
 * opens one connection per lane it uses, so order holds per sender and
 * lane.  Each frame is a 4-byte big-endian length and the message.  The
 * receiver reads what a connection has into a buffer of two frames' size,
 * allocated on its first data whatever the frames say, checks each length
 * against msg_max before it uses anything of the frame (frames.h: the
 * parser, without I/O), and serves complete high-lane frames first.  Reads and writes are non-blocking and resume
 * where they stopped; a sender whose deadline passes in the middle of a
 * frame closes the connection, so that a receiver never sees half a frame
 * as a message.  The queue is the kernel's socket buffers: depth is not
 * counted exactly (see docs/TOPOLOGY.md).
 *
 * Idle connections (docs/DESIGN.md, "tcp"): the mailbox's idle timeout T
 * is in its .tcp file (idle_ms=), so both ends know it.  The receiver
 * closes a connection with nothing in it (no byte of a frame parsed or
 * waiting in the kernel) once it has been idle T; when every slot is taken
 * and a connection waits to be accepted, it closes the quiet one idle
 * longest past 3T/4, of the uid holding most slots; else newcomers wait in
 * the listen backlog, their mail with them.  A sender replaces a lane's
 * connection unused for over T/2, and one its receiver closed, before it
 * writes: nothing is written onto a connection the receiver may close. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "common.h"
#include "frames.h"
#include "transport.h"
#include "troupe/error.h"
#include "clock.h"

extern const struct tp_transport tp_transport_tcp;

#define LANES TP_FRAMES_LANES
#define TCP_CONNS_MAX 64
#define TCP_FRAME_HEAD 4u   /* the length before each frame */
#define TAG_LISTEN 0xffffffffu
#define TAG_PENDING 0xfffffffeu
#define TAG_TIMER 0xfffffffdu
#define TCP_IDLE_MS 30000u   /* default idle timeout */
#define TCP_CHECK_AFTER_NS 1000000   /* a sender looks for its receiver's end */
/* Tests only: another idle timeout for the mailboxes this process creates. */
#define TCP_IDLE_ENV "TROUPE_TEST_TCP_IDLE_MS"
static const char *const tcp_sweep_suffixes[] = { ".tcp", ".new", NULL };

struct conn {
	int fd;                      /* -1 when free */
	uid_t uid;                   /* the peer's (tcp_peer.c) */
	int64_t active_ns;           /* accepted, or bytes last read */
	struct tp_frames in;         /* what came, parsed (frames.h) */
};

struct tp_mbox {
	int lfd;                     /* listening socket (daemon, receiver) */
	int ep, pending;             /* receiver: epoll (the wait fd), eventfd */
	int timer;                   /* receiver: the next idle deadline */
	bool pending_on;             /* pending is readable */
	bool accepting;              /* receiver: the listening socket is watched */
	int tx[LANES];               /* sender: one connection per lane */
	int64_t tx_used[LANES];      /* sender: when the lane's connection last wrote */
	uint32_t idle_ms;            /* T, from the .tcp file; 0: no timeout */
	struct sockaddr_in addr;
	uint32_t msg_max, depth, when_full;
	uint32_t refused;            /* connections closed: bad frames, strangers */
	int sndbuf[LANES];           /* sender: SO_SNDBUF, read once */
	bool tight[LANES];           /* sender: the buffer lately lacked room */
	struct conn *conns;          /* receiver: TCP_CONNS_MAX */
};

static int tcp_check(const struct tp_mbox_attr *attrs, size_t n, char *err, size_t errlen)
{
	/* A connection is taken only from the node's user (tcp_peer.c). */
	for (size_t i = 0; i < n; i++)
		if (attrs[i].owned) {
			snprintf(err, errlen, "tcp cannot carry mail between actors of "
				 "different users: use mq or shm");
			return -TP_ECONFIG;
		}
	int rc = tp_transport_check_policy(&tp_transport_tcp, attrs, n, err, errlen);
	for (size_t i = 0; i < n && !rc; i++)
		rc = tp_check_sndbuf(&attrs[i], TCP_FRAME_HEAD, err, errlen);
	return rc;
}

static struct tp_mbox *tcp_new(void)
{
	struct tp_mbox *mb = calloc(1, sizeof *mb);
	if (!mb)
		return NULL;
	mb->lfd = mb->ep = mb->pending = mb->timer = -1;
	mb->tx[0] = mb->tx[1] = -1;
	return mb;
}

static void tcp_tp_close(struct tp_mbox *mb)
{
	if (!mb)
		return;
	int fds[] = { mb->lfd, mb->ep, mb->pending, mb->timer, mb->tx[0], mb->tx[1] };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (mb->conns)
		for (int i = 0; i < TCP_CONNS_MAX; i++) {
			if (mb->conns[i].fd >= 0)
				close(mb->conns[i].fd);
			tp_frames_free(&mb->conns[i].in);
		}
	free(mb->conns);
	free(mb);
}

static int tcp_rx_init(struct tp_mbox *mb)
{
	mb->conns = calloc(TCP_CONNS_MAX, sizeof *mb->conns);
	mb->ep = epoll_create1(EPOLL_CLOEXEC);
	mb->pending = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	mb->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!mb->conns || mb->ep < 0 || mb->pending < 0 || mb->timer < 0)
		return -TP_ENOMEM;
	for (int i = 0; i < TCP_CONNS_MAX; i++)
		mb->conns[i].fd = -1;
	struct epoll_event el = { .events = EPOLLIN, .data.u32 = TAG_LISTEN };
	struct epoll_event ep = { .events = EPOLLIN, .data.u32 = TAG_PENDING };
	struct epoll_event et = { .events = EPOLLIN, .data.u32 = TAG_TIMER };
	fcntl(mb->lfd, F_SETFL, O_NONBLOCK);
	if (epoll_ctl(mb->ep, EPOLL_CTL_ADD, mb->lfd, &el) < 0 ||
	    epoll_ctl(mb->ep, EPOLL_CTL_ADD, mb->pending, &ep) < 0 ||
	    epoll_ctl(mb->ep, EPOLL_CTL_ADD, mb->timer, &et) < 0)
		return -tp_err_sys(errno);
	mb->accepting = true;
	return 0;
}

static int tcp_create(const char *path, const struct tp_mbox_attr *attr,
		      struct tp_mbox **out, char *err, size_t errlen)
{
	char dummy[8], af[300];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	int rc = tcp_check(attr, 1, err, errlen);
	if (rc || (rc = tp_rundir_make(attr->mode, err, errlen)))
		return rc;
	if (tp_rundir_path(af, sizeof af, path, ".tcp"))
		return -TP_ETOOBIG;
	if (access(af, F_OK) == 0) {
		snprintf(err, errlen, "it already exists (%s)", af);
		return -TP_EBUSY;
	}
	const char *idle = getenv(TCP_IDLE_ENV);
	char *end = NULL;
	unsigned long idle_ms = idle ? strtoul(idle, &end, 10) : TCP_IDLE_MS;
	if (idle && (end == idle || *end || idle_ms == 0 || idle_ms > 86400000)) {
		snprintf(err, errlen, "%s=%s: want milliseconds, 1 to 86400000",
			 TCP_IDLE_ENV, idle);
		return -TP_EINVAL;
	}
	struct tp_mbox *mb = tcp_new();
	if (!mb)
		return -TP_ENOMEM;
	mb->idle_ms = (uint32_t)idle_ms;
	mb->msg_max = attr->msg_max;
	mb->depth = attr->depth;
	mb->when_full = attr->when_full;
	mb->addr.sin_family = AF_INET;
	mb->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof mb->addr;
	mb->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (mb->lfd < 0 || bind(mb->lfd, (struct sockaddr *)&mb->addr, len) < 0 ||
	    listen(mb->lfd, (int)(attr->depth < 16 ? 16 : attr->depth)) < 0 ||
	    getsockname(mb->lfd, (struct sockaddr *)&mb->addr, &len) < 0) {
		int e = errno;
		snprintf(err, errlen, "127.0.0.1: %s", strerror(e));
		tcp_tp_close(mb);
		return -tp_err_from_errno(e);
	}
	struct tp_attr_file a = { attr->depth, attr->msg_max, attr->when_full,
				  ntohs(mb->addr.sin_port), mb->idle_ms };
	if ((rc = tcp_rx_init(mb)) || (rc = tp_attr_write(af, &a, attr->mode & 0666))) {
		snprintf(err, errlen, "%s: %s", af, tp_strerror(rc));
		tcp_tp_close(mb);
		return rc;
	}
	*out = mb;
	return 0;
}

static int tcp_attach(const char *path, unsigned mode, struct tp_mbox **out)
{
	char af[300];
	struct tp_attr_file a;
	int rc = tp_rundir_path(af, sizeof af, path, ".tcp");
	if (rc || (rc = tp_attr_read(af, &a)))
		return rc;
	if (a.msg_max == 0 || a.port == 0 || a.port > 65535)
		return -TP_EINVAL;
	struct tp_mbox *mb = tcp_new();
	if (!mb)
		return -TP_ENOMEM;
	mb->msg_max = a.msg_max;
	mb->depth = a.depth;
	mb->when_full = a.when_full;
	mb->idle_ms = a.idle_ms;
	mb->addr.sin_family = AF_INET;
	mb->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mb->addr.sin_port = htons((uint16_t)a.port);
	if (mode & TP_MBOX_RECV) {
		struct sockaddr_in sa;
		socklen_t len = sizeof sa;
		rc = tp_handoff_take(&mb->lfd, 1);
		if (rc == 1)
			rc = getsockname(mb->lfd, (struct sockaddr *)&sa, &len) == 0 &&
			     sa.sin_port == mb->addr.sin_port ? tcp_rx_init(mb) : -TP_EINVAL;
		if (rc) {
			tcp_tp_close(mb);
			return rc < 0 ? rc : -TP_EINVAL;
		}
	}
	*out = mb;
	return 0;
}

/* ---------------------------------------------------------------- send */

static int tcp_connect(struct tp_mbox *mb, int l)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	uint8_t hello = (uint8_t)l;
	if (fd < 0)
		return -tp_err_from_errno(errno);
	mb->tx_used[l] = tp_now_ns();   /* before the receiver can accept it */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* A fixed send buffer of about depth frames: no autotuning, so that
	 * "full" stays put (the receiver's socket buffer adds its own). */
	int sndbuf = (int)(mb->depth * (mb->msg_max + TCP_FRAME_HEAD));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (connect(fd, (struct sockaddr *)&mb->addr, sizeof mb->addr) < 0 ||
	    write(fd, &hello, 1) != 1) {
		int e = errno;
		close(fd);
		return e == ECONNREFUSED ? -TP_ECLOSED : -tp_err_from_errno(e);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	socklen_t sl = sizeof mb->sndbuf[l];
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &mb->sndbuf[l], &sl) < 0)
		mb->sndbuf[l] = sndbuf;
	mb->tight[l] = false;
	mb->tx[l] = fd;
	return 0;
}

/* Writes the whole frame by the deadline, or nothing (-TP_EFULL), or
 * breaks the connection (-TP_EFULL after a partial frame). */
static int tcp_write_frame(struct tp_mbox *mb, int l, const void *buf, size_t len,
			   int64_t deadline)
{
	uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			   (uint8_t)(len >> 8), (uint8_t)len };
	size_t total = len + 4, done = 0;
	/* Start a frame only when the whole of it fits in the socket buffer:
	 * a frame cut at the deadline costs the connection.  Looked at only
	 * while the buffer has lately been short of room: the rest of the
	 * time a frame goes out with one system call. */
	int queued = 0;
	while (mb->tight[l] && ioctl(mb->tx[l], SIOCOUTQ, &queued) == 0) {
		if (queued == 0) {
			mb->tight[l] = false;
			break;
		}
		if ((size_t)(mb->sndbuf[l] - queued) >= total * 2)
			break;
		int ms = tp_remaining_ms(deadline);
		if (mb->when_full == TP_FULL_REJECT || ms == 0)
			return -TP_EFULL;
		struct pollfd p = { .fd = mb->tx[l], .events = POLLOUT };
		poll(&p, 1, ms < 10 ? ms : 10);   /* POLLOUT means some room, not ours */
	}
	while (done < total) {
		struct iovec iov[2];
		int n = 0;
		if (done < 4)
			iov[n++] = (struct iovec){ hdr + done, 4 - done };
		size_t off = done < 4 ? 0 : done - 4;
		iov[n++] = (struct iovec){ (uint8_t *)buf + off, len - off };
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(mb->tx[l], &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) {
			done += (size_t)w;
			if (done < total)
				mb->tight[l] = true;
			continue;
		}
		mb->tight[l] = true;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return -tp_err_from_errno(errno);
		int ms = tp_remaining_ms(deadline);
		if ((done == 0 && mb->when_full == TP_FULL_REJECT) || ms == 0) {
			if (done) {   /* half a frame out: the stream is unusable */
				close(mb->tx[l]);
				mb->tx[l] = -1;
			}
			return -TP_EFULL;
		}
		struct pollfd p = { .fd = mb->tx[l], .events = POLLOUT };
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			return -tp_err_sys(errno);
	}
	return 0;
}

/* Whether the lane's connection may take a frame: used within T/2 and not
 * closed by its receiver (which sends nothing, so anything readable is its
 * end or an error).  The second is looked at only after a pause of 1 ms:
 * the system call cost about 2 us of a 30 us round trip (make bench), and
 * a frame written back to back after a receiver's end is lost as those
 * before it in its connection are (at most once across a restart).
 * Why T/2 is enough: now was read before the write, and mb->tx_used[l]
 * before the last one, which the receiver read after; the receiver closes
 * a connection only once it has been idle 3T/4 (to make room) or T, so it
 * cannot close this one until T/4 after this write began unless the
 * sender stalls that long between the two. */
static bool tcp_tx_usable(struct tp_mbox *mb, int l, int64_t now)
{
	if (mb->idle_ms && now - mb->tx_used[l] > (int64_t)mb->idle_ms * 1000000 / 2)
		return false;
	if (now - mb->tx_used[l] < TCP_CHECK_AFTER_NS)
		return true;
	struct pollfd p = { .fd = mb->tx[l], .events = POLLIN | POLLRDHUP };
	return poll(&p, 1, 0) == 0;
}

static int tcp_tp_send(struct tp_mbox *mb, const void *buf, size_t len,
		       unsigned prio, int64_t deadline)
{
	int l = prio >= TP_LANE_HIGH_MIN ? 0 : 1, rc;
	if (len > mb->msg_max)
		return -TP_ETOOBIG;
	for (int tries = 0; tries < 2; tries++) {
		int64_t now = tp_now_ns();
		if (mb->tx[l] >= 0 && !tcp_tx_usable(mb, l, now)) {
			close(mb->tx[l]);
			mb->tx[l] = -1;
		}
		if (mb->tx[l] < 0 && (rc = tcp_connect(mb, l)))
			return rc;
		rc = tcp_write_frame(mb, l, buf, len, deadline);
		if (rc == 0 && now > mb->tx_used[l])
			mb->tx_used[l] = now;
		if (rc != -TP_ECLOSED)
			return rc;
		close(mb->tx[l]);   /* the receiver restarted: connect again */
		mb->tx[l] = -1;
	}
	return -TP_ECLOSED;
}

/* ---------------------------------------------------------------- receive */

/* Watches the listening socket or stops: while every slot is taken,
 * newcomers wait in the listen backlog (refused, their first frame would
 * be written and lost). */
static void tcp_accepting(struct tp_mbox *mb, bool on)
{
	struct epoll_event el = { .events = on ? EPOLLIN : 0, .data.u32 = TAG_LISTEN };
	if (mb->accepting != on && epoll_ctl(mb->ep, EPOLL_CTL_MOD, mb->lfd, &el) == 0)
		mb->accepting = on;
}

static void tcp_drop(struct tp_mbox *mb, struct conn *c)
{
	epoll_ctl(mb->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->in.ready = false;
	tcp_accepting(mb, true);
}

/* Nothing of a frame in the connection: no byte parsed nor waiting in the
 * kernel.  Closing it loses nothing the sender wrote. */
static bool tcp_quiet(const struct conn *c)
{
	int inq = 0;
	return !c->in.ready && c->in.off == c->in.end &&
	       ioctl(c->fd, SIOCINQ, &inq) == 0 && inq == 0;
}

static int64_t tcp_idle_ns(const struct tp_mbox *mb, unsigned num, unsigned den)
{
	return (int64_t)mb->idle_ms * 1000000 * num / den;
}

/* To make room: the quiet connection idle longest past 3T/4, among those
 * of the uid holding most slots (so one uid takes them all only while
 * no other connects); closed.  Its index, or -1. */
static int tcp_evict(struct tp_mbox *mb, int64_t now)
{
	int best = -1, best_n = 0;
	if (!mb->idle_ms)   /* a .tcp file without idle_ms: its senders keep no rule */
		return -1;
	for (int i = 0; i < TCP_CONNS_MAX; i++) {
		struct conn *c = &mb->conns[i];
		if (c->fd < 0 || now - c->active_ns < tcp_idle_ns(mb, 3, 4) || !tcp_quiet(c))
			continue;
		int n = 0;
		for (int j = 0; j < TCP_CONNS_MAX; j++)
			n += mb->conns[j].fd >= 0 && mb->conns[j].uid == c->uid;
		if (best < 0 || n > best_n ||
		    (n == best_n && c->active_ns < mb->conns[best].active_ns)) {
			best = i;
			best_n = n;
		}
	}
	if (best >= 0)
		tcp_drop(mb, &mb->conns[best]);
	return best;
}

/* Closes the quiet connections idle T, and sets the timer for the next
 * one due: at T, or at 3T/4 while a newcomer waits for a slot; one past
 * that (bytes of a frame in it, or not the one evicted) is looked at
 * again T/4 later. */
static void tcp_sweep_idle(struct tp_mbox *mb, int64_t now)
{
	if (!mb->idle_ms)
		return;
	int64_t next = 0;
	for (int i = 0; i < TCP_CONNS_MAX; i++) {
		struct conn *c = &mb->conns[i];
		if (c->fd < 0)
			continue;
		if (now - c->active_ns >= tcp_idle_ns(mb, 1, 1) && tcp_quiet(c)) {
			tcp_drop(mb, c);
			continue;
		}
		int64_t due = c->active_ns + tcp_idle_ns(mb, mb->accepting ? 4 : 3, 4);
		if (due <= now)
			due = now + tcp_idle_ns(mb, 1, 4);
		if (!next || due < next)
			next = due;
	}
	struct itimerspec it = { 0 };
	if (next) {
		int64_t d = next - now;
		it.it_value.tv_sec = d / 1000000000;
		it.it_value.tv_nsec = d % 1000000000;
	}
	timerfd_settime(mb->timer, 0, &it, NULL);
}

/* Only the node's own user (every actor runs as it) and root may put mail
 * in a tcp mailbox, as for the other transports' mode 0600: any local
 * user can connect to a port on 127.0.0.1 and claim any sender name. */
static bool tcp_peer_ok(int fd, uid_t *uid)
{
	return tp_tcp_peer_uid(fd, uid) == 0 && (*uid == 0 || *uid == geteuid());
}

static bool tcp_newcomer(const struct tp_mbox *mb)
{
	struct pollfd p = { .fd = mb->lfd, .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static void tcp_accept(struct tp_mbox *mb)
{
	int64_t now = tp_now_ns();
	for (;;) {
		int i = 0;
		while (i < TCP_CONNS_MAX && mb->conns[i].fd >= 0)
			i++;
		if (i == TCP_CONNS_MAX) {
			if (!tcp_newcomer(mb))
				break;
			if ((i = tcp_evict(mb, now)) < 0) {
				tcp_accepting(mb, false);   /* the timer says when to look again */
				break;
			}
		}
		int fd = accept4(mb->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		uid_t uid;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (!tcp_peer_ok(fd, &uid) || epoll_ctl(mb->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			mb->refused++;
			continue;
		}
		struct conn *c = &mb->conns[i];
		c->fd = fd;
		c->uid = uid;
		c->active_ns = now;
		tp_frames_reset(&c->in, mb->msg_max);
	}
	tcp_sweep_idle(mb, now);
}

/* Reads what the connection has, as much as the buffer takes per call,
 * until a frame is whole or the socket is drained (a short read says so:
 * level-triggered epoll tells when more comes). */
static void tcp_read(struct tp_mbox *mb, struct conn *c)
{
	for (bool drained = false;;) {
		if (c->in.ready || drained)
			return;
		size_t want;
		uint8_t *room = tp_frames_room(&c->in, &want);
		if (!room)
			goto bad;
		ssize_t n = read(c->fd, room, want);
		if (n > 0) {
			c->active_ns = tp_now_ns();
			if (tp_frames_add(&c->in, (size_t)n))
				goto bad;
			drained = (size_t)n < want;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		tcp_drop(mb, c);   /* closed; a partial frame dies with it */
		return;
	}
bad:
	mb->refused++;
	tcp_drop(mb, c);
}

static int tcp_ready(struct tp_mbox *mb)
{
	for (int l = 0; l < LANES; l++)
		for (int i = 0; i < TCP_CONNS_MAX; i++)
			if (mb->conns[i].fd >= 0 && mb->conns[i].in.ready &&
			    mb->conns[i].in.lane == l)
				return i;
	return -1;
}

static void tcp_pump(struct tp_mbox *mb, int ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(mb->ep, ev, 16, ms);
	for (int k = 0; k < n; k++) {
		uint32_t tag = ev[k].data.u32;
		if (tag == TAG_LISTEN)
			tcp_accept(mb);
		else if (tag == TAG_TIMER) {
			uint64_t v;
			if (read(mb->timer, &v, sizeof v) < 0) {
				/* not due after all */
			}
			tcp_sweep_idle(mb, tp_now_ns());
			if (!mb->accepting)
				tcp_accept(mb);   /* a slot for a newcomer, if one waits */
		}
		else if (tag < TCP_CONNS_MAX)
			tcp_read(mb, &mb->conns[tag]);
	}
}

static int tcp_tp_recv(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
		       int64_t deadline)
{
	if (cap < mb->msg_max)
		return -TP_EINVAL;
	if (mb->ep < 0)
		return -TP_ESTATE;
	for (int pass = 0;; pass++) {
		int i = tcp_ready(mb);
		if (i >= 0) {
			struct conn *c = &mb->conns[i];
			const uint8_t *frame;
			uint32_t len;
			/* A next frame already buffered: epoll would not say. */
			int bad = tp_frames_take(&c->in, &frame, &len);
			memcpy(buf, frame, len);
			if (prio)
				*prio = c->in.lane == 0 ? TP_LANE_HIGH_MIN : 1;
			if (bad) {
				mb->refused++;
				tcp_drop(mb, c);
			}
			if (!mb->pending_on && tcp_ready(mb) >= 0) {
				uint64_t one = 1;
				mb->pending_on = write(mb->pending, &one, sizeof one) == sizeof one;
			}
			return (int)len;
		}
		int ms = tp_remaining_ms(deadline);   /* epoll returns at once if data waits */
		if (pass > 0 && ms == 0) {
			uint64_t v;
			if (mb->pending_on && read(mb->pending, &v, sizeof v) < 0) {
				/* nothing pending */
			}
			mb->pending_on = false;
			/* One more non-blocking look: data may have come meanwhile. */
			tcp_pump(mb, 0);
			if (tcp_ready(mb) >= 0)
				continue;
			return -TP_EEMPTY;
		}
		tcp_pump(mb, ms);
	}
}

static int tcp_tp_wait_fd(struct tp_mbox *mb)
{
	return mb->ep;
}

static int tcp_tp_stat(struct tp_mbox *mb, struct tp_mbox_stat *st)
{
	st->depth = 0;
	st->capacity = mb->depth;
	st->msg_max = mb->msg_max;
	st->dropped = mb->refused;
	return 0;
}

static int tcp_tp_unlink(const char *path)
{
	char af[300];
	if (tp_rundir_path(af, sizeof af, path, ".tcp"))
		return -TP_ETOOBIG;
	return unlink(af) < 0 && errno != ENOENT ? -tp_err_from_errno(errno) : 0;
}

static int tcp_sweep(const char *prefix)
{
	return tp_rundir_sweep(prefix, tcp_sweep_suffixes);
}

static int tcp_recv_fds(struct tp_mbox *mb, int *fds, int max)
{
	if (max < 1 || mb->lfd < 0)
		return 0;
	fds[0] = mb->lfd;
	return 1;
}

const struct tp_transport tp_transport_tcp = {
	.name = "tcp",
	.caps = TP_CAP_CONNECTED,
	.create = tcp_create,
	.attach = tcp_attach,
	.send = tcp_tp_send,
	.recv = tcp_tp_recv,
	.wait_fd = tcp_tp_wait_fd,
	.stat = tcp_tp_stat,
	.close = tcp_tp_close,
	.unlink = tcp_tp_unlink,
	.check = tcp_check,
	.sweep = tcp_sweep,
	.recv_fds = tcp_recv_fds,
};
