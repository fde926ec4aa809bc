/* tcp_pingpong: the raw primitive under a node link, for make bench: a
 * 64-byte (or -s SIZE) ping-pong over TCP on 127.0.0.1 between two
 * processes, TCP_NODELAY, blocking reads; then a one-way stream of -m
 * messages, length-prefixed, closed by one answered request.  Prints the
 * median and 99th percentile round trip and the stream's rate.  With -z,
 * the same over ZeroMQ PAIR sockets on tcp://127.0.0.1 instead.
 *
 * Usage: tcp_pingpong [-z] [-n N] [-m M] [-s SIZE] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int full(int fd, void *b, size_t n, int wr)
{
	for (size_t o = 0; o < n;) {
		ssize_t r = wr ? write(fd, (char *)b + o, n - o) : read(fd, (char *)b + o, n - o);
		if (r <= 0)
			return -1;
		o += (size_t)r;
	}
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The echo side: answers each frame of the ping-pong, then counts the
 * stream and answers its last frame (first byte 1). */
static void pong(int fd, int n, size_t size)
{
	char buf[65536];
	for (int i = 0; i < n; i++)
		if (full(fd, buf, size, 0) || full(fd, buf, size, 1))
			exit(1);
	for (;;) {
		uint32_t len;
		if (full(fd, &len, 4, 0) || len > sizeof buf || full(fd, buf, len, 0))
			exit(1);
		if (buf[0] == 1) {
			full(fd, buf, 1, 1);
			exit(0);
		}
	}
}

/* ZeroMQ: the same ping-pong and stream, PAIR over tcp://. */
static int zmq_run(int n, int m, size_t size)
{
	char addr[64], buf[65536] = { 0 };
	int port = 40000 + (int)(getpid() % 20000);
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	pid_t pid = fork();
	if (pid == 0) {
		void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PAIR);
		if (zmq_bind(s, addr))
			_exit(1);
		for (int i = 0; i < n; i++)
			if (zmq_recv(s, buf, sizeof buf, 0) < 0 || zmq_send(s, buf, size, 0) < 0)
				_exit(1);
		for (;;) {
			if (zmq_recv(s, buf, sizeof buf, 0) < 0)
				_exit(1);
			if (buf[0] == 1) {
				zmq_send(s, buf, 1, 0);
				zmq_close(s);
				zmq_ctx_term(ctx);
				_exit(0);
			}
		}
	}
	void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PAIR);
	if (zmq_connect(s, addr))
		return 1;
	int64_t *rt = malloc(sizeof *rt * (size_t)n);
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		if (zmq_send(s, buf, size, 0) < 0 || zmq_recv(s, buf, sizeof buf, 0) < 0)
			return 1;
		rt[i] = now_ns() - t0;
	}
	qsort(rt, (size_t)n, sizeof *rt, cmp64);
	int64_t t0 = now_ns();
	for (int i = 0; i < m; i++) {
		buf[0] = i == m - 1;
		if (zmq_send(s, buf, size, 0) < 0)
			return 1;
	}
	if (zmq_recv(s, buf, sizeof buf, 0) < 0)
		return 1;
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("zeromq tcp://  %6zu B  rtt median %8.1f us  p99 %8.1f us  stream %9.0f msg/s\n",
	       size, (double)rt[n / 2] / 1e3, (double)rt[n * 99 / 100] / 1e3, m / secs);
	waitpid(pid, NULL, 0);
	zmq_close(s);
	zmq_ctx_term(ctx);
	free(rt);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 5000, m = 100000, opt;
	size_t size = 64;
	bool zmq = false;
	while ((opt = getopt(argc, argv, "zn:m:s:")) != -1) {
		if (opt == 'z') zmq = true;
		else if (opt == 'n') n = atoi(optarg);
		else if (opt == 'm') m = atoi(optarg);
		else if (opt == 's') size = (size_t)atoi(optarg);
		else return 2;
	}
	if (n < 1 || m < 1 || size < 1 || size > 65536 - 4)
		return 2;
	if (zmq)
		return zmq_run(n, m, size);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pong(fd, n, size);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof a))
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	char buf[65536] = { 0 };
	int64_t *rt = malloc(sizeof *rt * (size_t)n);
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		if (full(fd, buf, size, 1) || full(fd, buf, size, 0))
			return 1;
		rt[i] = now_ns() - t0;
	}
	qsort(rt, (size_t)n, sizeof *rt, cmp64);
	int64_t t0 = now_ns();
	uint32_t len = (uint32_t)size;
	for (int i = 0; i < m; i++) {
		buf[0] = i == m - 1;
		char frame[65536];
		memcpy(frame, &len, 4);
		memcpy(frame + 4, buf, size);
		if (full(fd, frame, 4 + size, 1))
			return 1;
	}
	if (full(fd, buf, 1, 0))
		return 1;
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("raw tcp        %6zu B  rtt median %8.1f us  p99 %8.1f us  stream %9.0f msg/s\n",
	       size, (double)rt[n / 2] / 1e3, (double)rt[n * 99 / 100] / 1e3, m / secs);
	waitpid(pid, NULL, 0);
	return 0;
}
