/* relay: INTERIM test actor for the two-board QEMU test, until the TCP
 * transport and authenticated node links land.  It carries Troupe mail
 * between two nodes over one plain, unauthenticated TCP connection, so
 * that the two-board test already runs real Troupe binaries on both
 * guests.  Not for production: no authentication, no reconnection
 * policy, one peer.  Delete it when `sensor --to filter@boardb` works.
 *
 *   relay --connect A.B.C.D:PORT   forwards every message it receives
 *   relay --listen PORT --to NAME  delivers every frame to actor NAME
 *
 * Frame: u32 type, u32 payload length (little endian), payload. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <troupe/troupe.h>

#define RELAY_MAX 1024
#define HDR 8

struct relay {
	struct sockaddr_in peer;  /* --connect */
	const char *to;           /* --listen */
	int lfd, fd;
	uint8_t buf[2 * (HDR + RELAY_MAX)];
	size_t have;
	unsigned long count;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void relay_drop(tp_actor *self, struct relay *r, const char *why)
{
	printf("peer closed the connection (%s) after %lu messages\n", why, r->count);
	fflush(stdout);
	tp_fd_unwatch(self, r->fd);
	close(r->fd);
	r->fd = -1;
	r->have = 0;
}

/* Delivers every whole frame in the buffer; a bad length ends the link. */
static void relay_frames(tp_actor *self, struct relay *r)
{
	size_t off = 0;
	while (r->have - off >= HDR) {
		uint32_t type = get32(r->buf + off), len = get32(r->buf + off + 4);
		if (len > RELAY_MAX) {
			printf("frame of %u bytes (max %d)\n", len, RELAY_MAX);
			relay_drop(self, r, "bad frame");
			return;
		}
		if (r->have - off < HDR + len)
			break;
		int rc = tp_send_bytes(self, r->to, type, r->buf + off + HDR, len, NULL);
		if (rc)
			printf("cannot deliver to %s: %s\n", r->to, tp_strerror(rc));
		else
			r->count++;
		off += HDR + len;
	}
	memmove(r->buf, r->buf + off, r->have - off);
	r->have -= off;
}

static void relay_readable(tp_actor *self, void *state, int fd, unsigned ev, void *arg)
{
	struct relay *r = state;
	(void)ev; (void)arg; (void)fd;
	ssize_t n = read(r->fd, r->buf + r->have, sizeof r->buf - r->have);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		relay_drop(self, r, n == 0 ? "end of stream" : strerror(errno));
		return;
	}
	if (!r->to)
		return;   /* the sending side expects nothing back */
	r->have += (size_t)n;
	relay_frames(self, r);
}

static void relay_accept(tp_actor *self, void *state, int fd, unsigned ev, void *arg)
{
	struct relay *r = state;
	(void)ev; (void)arg;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (r->fd >= 0) {
		close(c);   /* one peer at a time */
		return;
	}
	r->fd = c;
	printf("peer connected\n");
	fflush(stdout);
	tp_fd_watch(self, c, TP_FD_READ, relay_readable, NULL);
}

/* Interim simplicity: connect on first use, retrying for up to 20 s while
 * the actor's loop waits; the sender's mail queues meanwhile. */
static int relay_connect(tp_actor *self, struct relay *r)
{
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -tp_err_from_errno(errno);
		if (connect(fd, (struct sockaddr *)&r->peer, sizeof r->peer) == 0) {
			r->fd = fd;
			printf("connected to %s:%u\n", inet_ntoa(r->peer.sin_addr),
			       ntohs(r->peer.sin_port));
			fflush(stdout);
			return tp_fd_watch(self, fd, TP_FD_READ, relay_readable, NULL);
		}
		close(fd);
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
	return -TP_ETIMEDOUT;
}

static int relay_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct relay *r = state;
	uint8_t f[HDR + RELAY_MAX];
	if (m->len > RELAY_MAX)
		return -TP_ETOOBIG;
	if (r->fd < 0) {
		int rc = relay_connect(self, r);
		if (rc)
			return rc;
	}
	put32(f, m->type);
	put32(f + 4, (uint32_t)m->len);
	memcpy(f + HDR, m->payload, m->len);
	for (size_t off = 0; off < HDR + m->len;) {
		ssize_t n = send(r->fd, f + off, HDR + m->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			relay_drop(self, r, strerror(errno));
			return -TP_ECLOSED;
		}
		off += (size_t)n;
	}
	r->count++;
	return 0;
}

static int relay_listen(tp_actor *self, struct relay *r, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->lfd < 0 || setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(r->lfd, (struct sockaddr *)&a, sizeof a) || listen(r->lfd, 1)) {
		fprintf(stderr, "cannot listen on port %d: %s\n", port, strerror(errno));
		return -tp_err_from_errno(errno);
	}
	printf("listening on port %d\n", port);
	fflush(stdout);
	return tp_fd_watch(self, r->lfd, TP_FD_READ, relay_accept, NULL);
}

static int relay_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct relay *r = state;
	int port = 0;
	r->lfd = r->fd = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--connect") == 0) {
			char host[64];
			if (sscanf(argv[i + 1], "%63[0-9.]:%d", host, &port) != 2 ||
			    inet_pton(AF_INET, host, &r->peer.sin_addr) != 1) {
				fprintf(stderr, "--connect wants A.B.C.D:PORT, not %s\n", argv[i + 1]);
				return -TP_EINVAL;
			}
			r->peer.sin_family = AF_INET;
			r->peer.sin_port = htons((uint16_t)port);
		} else if (strcmp(argv[i], "--listen") == 0) {
			port = atoi(argv[i + 1]);
		} else if (strcmp(argv[i], "--to") == 0) {
			r->to = argv[i + 1];
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	if (port <= 0 || port > 65535 || (!r->to) == !r->peer.sin_family) {
		fprintf(stderr, "usage: relay --connect A.B.C.D:PORT | --listen PORT --to ACTOR\n");
		return -TP_EINVAL;
	}
	return r->to ? relay_listen(self, r, port) : 0;
}

static void relay_stop(tp_actor *self, void *state)
{
	struct relay *r = state;
	(void)self;
	printf("relayed %lu messages\n", r->count);
}

static const struct tp_actor_ops relay_ops = {
	.state_size = sizeof(struct relay),
	.init = relay_init,
	.receive = relay_receive,
	.stop = relay_stop,
};

TP_ACTOR_MAIN(relay_ops)
