/* One ping-pong and one stream for every path that is not Troupe: the raw
 * primitives here, ZeroMQ and NNG in ext.c.  A path is a chan_ops; the
 * measuring loop and the echo loop are written once.
 *
 * Each case runs in two fresh processes: a measurer pinned to CPU 0 and an
 * echo pinned to CPU 0 or 1.  Fresh, because libraries with threads (NNG
 * keeps a global pool) cannot be used again in a child forked after them. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "troupe/actor.h"


/* ---------------------------------------------------------------- generic */

static uint8_t out_buf[SIZE_MAX_PAYLOAD], in_buf[SIZE_MAX_PAYLOAD];

/* The answering side: echoes pings, counts a stream, answers its flush
 * with the count. */
static int chan_echo(const struct chan_ops *c, unsigned size)
{
	uint32_t count = 0;
	for (;;) {
		if (c->recv(true, in_buf, size))
			return 1;
		switch (in_buf[0]) {
		case MSG_STREAM: count++; continue;
		case MSG_FLUSH: put_u32(in_buf + 4, ++count); count = 0; break;
		case MSG_PING: break;
		case MSG_QUIT: c->close(true); return 0;
		default: return 1;
		}
		if (c->send(true, in_buf, size))
			return 1;
	}
}

static int chan_rtt(const struct chan_ops *c, unsigned size, unsigned n, int64_t *ns)
{
	memset(out_buf, 0xa5, size);
	out_buf[0] = MSG_PING;
	for (unsigned i = 0; i < n; i++) {
		put_u32(out_buf + 4, i);
		int64_t t0 = tp_now_ns();
		if (c->send(false, out_buf, size) || c->recv(false, in_buf, size))
			return -1;
		int64_t t1 = tp_now_ns();
		if (get_u32(in_buf + 4) != i)
			return -1;
		if (ns)
			ns[i] = t1 - t0;
	}
	return 0;
}

/* The clock stops when the receiver has counted every message. */
static int chan_stream(const struct chan_ops *c, unsigned size, unsigned m, double *per_s)
{
	memset(out_buf, 0x5a, size);
	int64_t t0 = tp_now_ns();
	for (unsigned i = 0; i < m; i++) {
		out_buf[0] = i + 1 < m ? MSG_STREAM : MSG_FLUSH;
		put_u32(out_buf + 4, i);
		if (c->send(false, out_buf, size))
			return -1;
	}
	if (c->recv(false, in_buf, size) || get_u32(in_buf + 4) != m)
		return -1;
	int64_t t1 = tp_now_ns();
	if (per_s)
		*per_s = m / ((t1 - t0) / 1e9);
	return 0;
}

/* Waits (bounded) for the echo's "started" byte. */
static int chan_wait_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;
	return poll(&p, 1, (int)cfg.timeout_s * 1000) == 1 && read(fd, &b, 1) == 1 ? 0 : -1;
}

static int chan_measure(const struct chan_ops *c, enum placement p, unsigned size,
			struct result *r)
{
	int ready[2];
	if (c->open(size) || pipe2(ready, O_CLOEXEC))
		return -1;
	pid_t pid = child_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		if (pin_cpu(peer_cpu(p)) || c->start(true))
			_exit(1);
		(void)!write(ready[1], "r", 1);
		close(ready[1]);
		_exit(chan_echo(c, size));
	}
	close(ready[1]);
	int64_t *ns = malloc(cfg.n * sizeof *ns);
	int rc = ns && chan_wait_ready(ready[0]) == 0 && c->start(false) == 0 ? 0 : -1;
	close(ready[0]);
	unsigned m = stream_count(size);
	if (rc == 0 &&
	    (chan_rtt(c, size, cfg.warm, NULL) || chan_rtt(c, size, cfg.n, ns) ||
	     chan_stream(c, size, cfg.warm, NULL) || chan_stream(c, size, m, &r->msgs_per_s)))
		rc = -1;
	if (rc == 0) {
		stats_rtt(ns, cfg.n, r);
		memset(out_buf, 0, MSG_MIN);
		out_buf[0] = MSG_QUIT;
		rc = c->send(false, out_buf, size);
	} else {
		kill(pid, SIGKILL);
	}
	free(ns);
	int st = child_reap(pid, 2000);
	c->close(false);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = -1;
	return rc;
}

int chan_run(const struct chan_ops *c, enum placement p, unsigned size, struct result *r)
{
	const char *why = c->skip ? c->skip(size) : NULL;
	memset(r, 0, sizeof *r);
	r->allocs = -1;
	if (why) {
		snprintf(r->skip, sizeof r->skip, "%s", why);
		return 0;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid_t pid = child_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		struct result res = { .allocs = -1 };
		int rc = pin_cpu(0) || chan_measure(c, p, size, &res);
		res.done = rc == 0;
		_exit(write(fds[1], &res, sizeof res) == sizeof res && rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	struct pollfd pf = { .fd = fds[0], .events = POLLIN };
	int rc = poll(&pf, 1, (int)(cfg.timeout_s + 5) * 1000) == 1 &&
		 read(fds[0], r, sizeof *r) == sizeof *r && r->done ? 0 : -1;
	close(fds[0]);
	int st = child_reap(pid, 3000);
	if (rc || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: %s, %u B, %s: measurement failed\n",
			c->name, size, placement_names[p]);
		r->done = false;
		snprintf(r->skip, sizeof r->skip, "FAILED");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* ---------------------------------------------------------------- pipe */

static int pipe_fd[4] = { -1, -1, -1, -1 };   /* ping r/w, pong r/w */

static int pipe_open(unsigned size)
{
	(void)size;
	return pipe2(pipe_fd, O_CLOEXEC) || pipe2(pipe_fd + 2, O_CLOEXEC) ? -1 : 0;
}

static int none_start(bool child) { (void)child; return 0; }

static int pipe_send(bool child, const void *buf, size_t len)
{
	return write_all(pipe_fd[child ? 3 : 1], buf, len);
}

static int pipe_recv(bool child, void *buf, size_t len)
{
	return read_all(pipe_fd[child ? 0 : 2], buf, len);
}

static void pipe_close(bool child) { (void)child; close_fds(pipe_fd, 4); }

const struct chan_ops chan_pipe = {
	.name = "pipe", .open = pipe_open, .start = none_start,
	.send = pipe_send, .recv = pipe_recv, .close = pipe_close,
};

/* ---------------------------------------------------------------- mq */

#define RAW_MQ_DEPTH 10        /* Linux's default fs.mqueue.msg_max */
#define RAW_MQ_MSGSIZE 2048    /* as Troupe's mq mailboxes in this bench */
static mqd_t mq_q[2] = { (mqd_t)-1, (mqd_t)-1 };   /* ping, pong */

static long mq_msgsize_max(void)
{
	FILE *f = fopen("/proc/sys/fs/mqueue/msgsize_max", "re");
	long v = 8192;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 8192;
		fclose(f);
	}
	return v;
}

const char *bench_mq_skip(unsigned size)
{
	static char why[96];
	long max = mq_msgsize_max();
	/* Troupe's envelope adds a few dozen bytes: judge both by the payload
	 * plus 256. */
	if ((long)size + 256 > max) {
		snprintf(why, sizeof why, "over fs.mqueue.msgsize_max = %ld", max);
		return why;
	}
	return NULL;
}

static int mq_open2(unsigned size)
{
	struct mq_attr at = { .mq_maxmsg = RAW_MQ_DEPTH,
			      .mq_msgsize = size > RAW_MQ_MSGSIZE ? size : RAW_MQ_MSGSIZE };
	for (int i = 0; i < 2; i++) {
		char name[64];
		snprintf(name, sizeof name, "/troupe.%s.raw_%s", cfg.node, i ? "pong" : "ping");
		mq_q[i] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &at);
		if (mq_q[i] == (mqd_t)-1) {
			fprintf(stderr, "bench: mq_open %s: %s\n", name, strerror(errno));
			return -1;
		}
		mq_unlink(name);   /* both sides hold it across fork: no name needed */
	}
	return 0;
}

static int mq_send2(bool child, const void *buf, size_t len)
{
	while (mq_send(mq_q[child ? 1 : 0], buf, len, 0))
		if (errno != EINTR)
			return -1;
	return 0;
}

static int mq_recv2(bool child, void *buf, size_t len)
{
	ssize_t n;
	while ((n = mq_receive(mq_q[child ? 0 : 1], buf, SIZE_MAX_PAYLOAD, NULL)) < 0)
		if (errno != EINTR)
			return -1;
	return (size_t)n == len ? 0 : -1;
}

static void mq_close2(bool child)
{
	(void)child;
	for (int i = 0; i < 2; i++)
		if (mq_q[i] != (mqd_t)-1) {
			mq_close(mq_q[i]);
			mq_q[i] = (mqd_t)-1;
		}
}

const struct chan_ops chan_mq = {
	.name = "mq", .open = mq_open2, .start = none_start,
	.send = mq_send2, .recv = mq_recv2, .close = mq_close2, .skip = bench_mq_skip,
};

/* ---------------------------------------------------------------- shm */

/* A single-producer ring per direction, counted by two semaphores: items
 * (posted by the sender) and space (posted by the receiver).  glibc's
 * sem_post makes a system call only when someone sleeps.  Shared
 * anonymous memory, inherited across fork (the fan-out uses it too). */
struct raw_ring {
	sem_t items, space;
	uint32_t put, get;     /* each touched by one side only */
	uint32_t msg, depth;
	size_t bytes;
	unsigned char slots[];
};

struct raw_ring *raw_ring_new(unsigned size, unsigned depth)
{
	size_t bytes = sizeof(struct raw_ring) + (size_t)depth * size;
	struct raw_ring *r = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	sem_init(&r->items, 1, 0);
	sem_init(&r->space, 1, depth);
	r->msg = size;
	r->depth = depth;
	r->bytes = bytes;
	return r;
}

void raw_ring_free(struct raw_ring *r)
{
	if (r)
		munmap(r, r->bytes);
}

static void sem_wait_intr(sem_t *s)
{
	while (sem_wait(s) < 0 && errno == EINTR)
		;
}

void raw_ring_put(struct raw_ring *r, const void *buf, size_t len)
{
	sem_wait_intr(&r->space);
	memcpy(r->slots + (size_t)(r->put++ % r->depth) * r->msg, buf, len);
	sem_post(&r->items);
}

void raw_ring_get(struct raw_ring *r, void *buf, size_t len)
{
	sem_wait_intr(&r->items);
	memcpy(buf, r->slots + (size_t)(r->get++ % r->depth) * r->msg, len);
	sem_post(&r->space);
}

static struct raw_ring *shm_ring[2];

static void shm_close2(bool child)
{
	(void)child;
	for (int i = 0; i < 2; i++) {
		raw_ring_free(shm_ring[i]);
		shm_ring[i] = NULL;
	}
}

static int shm_open2(unsigned size)
{
	for (int i = 0; i < 2; i++)
		if (!(shm_ring[i] = raw_ring_new(size, RAW_SHM_DEPTH))) {
			shm_close2(false);
			return -1;
		}
	return 0;
}

static int shm_send2(bool child, const void *buf, size_t len)
{
	raw_ring_put(shm_ring[child ? 1 : 0], buf, len);
	return 0;
}

static int shm_recv2(bool child, void *buf, size_t len)
{
	raw_ring_get(shm_ring[child ? 0 : 1], buf, len);
	return 0;
}

const struct chan_ops chan_shm = {
	.name = "shm", .open = shm_open2, .start = none_start,
	.send = shm_send2, .recv = shm_recv2, .close = shm_close2,
};

/* The fan-out's raw row: one ring per subscriber, a publish is one ring
 * send to each. */
static struct raw_ring *fan_ring[FAN_MAX];
static unsigned fan_rings;

static void fan_shm_close(bool pub)
{
	(void)pub;
	for (unsigned j = 0; j < fan_rings; j++) {
		raw_ring_free(fan_ring[j]);
		fan_ring[j] = NULL;
	}
	fan_rings = 0;
}

static int fan_shm_open(unsigned nsubs, unsigned size)
{
	for (fan_rings = 0; fan_rings < nsubs; fan_rings++)
		if (!(fan_ring[fan_rings] = raw_ring_new(size, RAW_SHM_DEPTH))) {
			fan_shm_close(false);
			return -1;
		}
	return 0;
}

static int fan_shm_start(unsigned j) { (void)j; return 0; }

static int fan_shm_recv(unsigned j, void *buf, size_t len)
{
	raw_ring_get(fan_ring[j], buf, len);
	return 0;
}

static int fan_shm_publish(const void *buf, size_t len)
{
	for (unsigned j = 0; j < fan_rings; j++)
		raw_ring_put(fan_ring[j], buf, len);
	return 0;
}

const struct fan_io fan_io_shm = {
	.open = fan_shm_open, .sub_start = fan_shm_start, .sub_recv = fan_shm_recv,
	.pub_start = fan_shm_start, .publish = fan_shm_publish, .close = fan_shm_close,
};

/* ---------------------------------------------------------------- unix */

/* Datagram sockets bound to a path and connected to, as Troupe's unix
 * mailboxes (a socketpair would skip the receive-queue limit).  The paths
 * go once both ends are connected. */
static int unix_fd[4] = { -1, -1, -1, -1 };   /* ping rx/tx, pong rx/tx */

static int unix_open2(unsigned size)
{
	(void)size;
	for (int i = 0; i < 2; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s/raw.%s", cfg.run_dir,
			 i ? "pong" : "ping");
		unlink(sa.sun_path);
		int *rx = &unix_fd[2 * i], *tx = rx + 1;
		*rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		*tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int rc = *rx < 0 || *tx < 0 || bind(*rx, (struct sockaddr *)&sa, sizeof sa) ||
			 connect(*tx, (struct sockaddr *)&sa, sizeof sa);
		unlink(sa.sun_path);
		if (rc) {
			fprintf(stderr, "bench: unix socket %s: %s\n", sa.sun_path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int unix_send2(bool child, const void *buf, size_t len)
{
	ssize_t n;
	while ((n = send(unix_fd[child ? 3 : 1], buf, len, 0)) < 0)
		if (errno != EINTR)
			return -1;
	return (size_t)n == len ? 0 : -1;
}

static int unix_recv2(bool child, void *buf, size_t len)
{
	ssize_t n;
	while ((n = recv(unix_fd[child ? 0 : 2], buf, SIZE_MAX_PAYLOAD, 0)) < 0)
		if (errno != EINTR)
			return -1;
	return (size_t)n == len ? 0 : -1;
}

static void unix_close2(bool child) { (void)child; close_fds(unix_fd, 4); }

const struct chan_ops chan_unix = {
	.name = "unix", .open = unix_open2, .start = none_start,
	.send = unix_send2, .recv = unix_recv2, .close = unix_close2,
};

/* ---------------------------------------------------------------- tcp */

/* Two loopback connections, one per direction, TCP_NODELAY, as Troupe's
 * tcp mailboxes use; messages of the case's fixed size, no framing. */
static int tcp_fd[4] = { -1, -1, -1, -1 };   /* ping rx/tx, pong rx/tx */

static int tcp_open2(unsigned size)
{
	(void)size;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int one = 1, rc = -1;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, len) || listen(l, 2) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		goto out;
	for (int i = 0; i < 2; i++) {
		int *rx = &tcp_fd[2 * i], *tx = rx + 1;
		*tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*tx < 0 || connect(*tx, (struct sockaddr *)&sa, len) ||
		    (*rx = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
			goto out;
		setsockopt(*tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(*rx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench: tcp loopback: %s\n", strerror(errno));
	if (l >= 0)
		close(l);
	return rc;
}

static int tcp_send2(bool child, const void *buf, size_t len)
{
	return write_all(tcp_fd[child ? 3 : 1], buf, len);
}

static int tcp_recv2(bool child, void *buf, size_t len)
{
	return read_all(tcp_fd[child ? 0 : 2], buf, len);
}

static void tcp_close2(bool child) { (void)child; close_fds(tcp_fd, 4); }

const struct chan_ops chan_tcp = {
	.name = "tcp", .open = tcp_open2, .start = none_start,
	.send = tcp_send2, .recv = tcp_recv2, .close = tcp_close2,
};
