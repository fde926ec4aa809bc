/* ZeroMQ and NNG over ipc://, as a user would write them: one PAIR socket
 * each side, the echo binding and the measurer connecting, whole messages
 * copied in and out (zmq_send/zmq_recv, nng_send/nng_recv).  And ZeroMQ's
 * PUB/SUB for the topic fan-out (fan.c): the publisher binds, each
 * subscriber connects and subscribes to everything. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include "bench.h"

/* ---------------------------------------------------------------- ZeroMQ */

static void *zmq_ctx, *zmq_sock;
static char zmq_addr[128];

static int zmq_open2(unsigned size)
{
	(void)size;
	snprintf(zmq_addr, sizeof zmq_addr, "ipc://%s/zmq.sock", cfg.run_dir);
	return 0;
}

/* A socket of type, bound or connected to zmq_addr. */
static int zmq_start_as(int type, bool bind)
{
	int zero = 0, ivl = 10;
	zmq_ctx = zmq_ctx_new();
	zmq_sock = zmq_ctx ? zmq_socket(zmq_ctx, type) : NULL;
	if (!zmq_sock)
		return -1;
	zmq_setsockopt(zmq_sock, ZMQ_LINGER, &zero, sizeof zero);
	if (type != ZMQ_PAIR) {
		/* The fan-out's window bounds what is queued.  With the
		 * default high-water marks (1000) PUB dropped messages to one
		 * fast subscriber with at most 128 in flight: none, then. */
		zmq_setsockopt(zmq_sock, type == ZMQ_PUB ? ZMQ_SNDHWM : ZMQ_RCVHWM, &zero,
			       sizeof zero);
	}
	if (type == ZMQ_SUB) {
		zmq_setsockopt(zmq_sock, ZMQ_SUBSCRIBE, "", 0);
		/* It may start before the publisher binds: retry soon. */
		zmq_setsockopt(zmq_sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
	}
	int rc = bind ? zmq_bind(zmq_sock, zmq_addr) : zmq_connect(zmq_sock, zmq_addr);
	if (rc)
		fprintf(stderr, "bench: zmq %s %s: %s\n", bind ? "bind" : "connect",
			zmq_addr, zmq_strerror(zmq_errno()));
	return rc;
}

static int zmq_start2(bool child)
{
	return zmq_start_as(ZMQ_PAIR, child);
}

static int zmq_send2(bool child, const void *buf, size_t len)
{
	(void)child;
	int n;
	while ((n = zmq_send(zmq_sock, buf, len, 0)) < 0)
		if (zmq_errno() != EINTR)
			return -1;
	return (size_t)n == len ? 0 : -1;
}

static int zmq_recv2(bool child, void *buf, size_t len)
{
	(void)child;
	int n;
	while ((n = zmq_recv(zmq_sock, buf, SIZE_MAX_PAYLOAD, 0)) < 0)
		if (zmq_errno() != EINTR)
			return -1;
	return (size_t)n == len ? 0 : -1;
}

static void zmq_close2(bool child)
{
	(void)child;
	if (zmq_sock)
		zmq_close(zmq_sock);
	if (zmq_ctx)
		zmq_ctx_term(zmq_ctx);
	zmq_sock = zmq_ctx = NULL;
	unlink(zmq_addr + strlen("ipc://"));
}

const struct chan_ops chan_zmq = {
	.name = "zmq", .open = zmq_open2, .start = zmq_start2,
	.send = zmq_send2, .recv = zmq_recv2, .close = zmq_close2,
};

static int zmq_fan_open(unsigned nsubs, unsigned size) { (void)nsubs; return zmq_open2(size); }
static int zmq_fan_sub(unsigned j) { (void)j; return zmq_start_as(ZMQ_SUB, false); }
static int zmq_fan_pub(unsigned nsubs) { (void)nsubs; return zmq_start_as(ZMQ_PUB, true); }
static int zmq_fan_recv(unsigned j, void *buf, size_t len) { (void)j; return zmq_recv2(true, buf, len); }
static int zmq_fan_publish(const void *buf, size_t len) { return zmq_send2(false, buf, len); }

const struct fan_io fan_io_zmq = {
	.open = zmq_fan_open, .sub_start = zmq_fan_sub, .sub_recv = zmq_fan_recv,
	.pub_start = zmq_fan_pub, .publish = zmq_fan_publish, .close = zmq_close2,
};

/* ---------------------------------------------------------------- NNG */

/* NNG's send and receive queues default to 0 messages (each send waits for
 * the pipe); they get the depth the shm ring has, so a stream can run
 * ahead as it does on Troupe. */
#define NNG_DEPTH 64
static nng_socket nng_sock = NNG_SOCKET_INITIALIZER;
static char nng_addr[128];

static int nng_open2(unsigned size)
{
	(void)size;
	snprintf(nng_addr, sizeof nng_addr, "ipc://%s/nng.sock", cfg.run_dir);
	return 0;
}

static int nng_start2(bool child)
{
	int rc = nng_pair1_open(&nng_sock);
	if (rc == 0) {
		nng_socket_set_int(nng_sock, NNG_OPT_SENDBUF, NNG_DEPTH);
		nng_socket_set_int(nng_sock, NNG_OPT_RECVBUF, NNG_DEPTH);
		rc = child ? nng_listen(nng_sock, nng_addr, NULL, 0)
			   : nng_dial(nng_sock, nng_addr, NULL, 0);
	}
	if (rc)
		fprintf(stderr, "bench: nng %s %s: %s\n", child ? "listen" : "dial",
			nng_addr, nng_strerror(rc));
	return rc ? -1 : 0;
}

static int nng_send2(bool child, const void *buf, size_t len)
{
	(void)child;
	return nng_send(nng_sock, (void *)buf, len, 0) ? -1 : 0;
}

static int nng_recv2(bool child, void *buf, size_t len)
{
	(void)child;
	size_t n = SIZE_MAX_PAYLOAD;
	return nng_recv(nng_sock, buf, &n, 0) || n != len ? -1 : 0;
}

static void nng_close2(bool child)
{
	(void)child;
	nng_close(nng_sock);
	unlink(nng_addr + strlen("ipc://"));
}

const struct chan_ops chan_nng = {
	.name = "nng", .open = nng_open2, .start = nng_start2,
	.send = nng_send2, .recv = nng_recv2, .close = nng_close2,
};
