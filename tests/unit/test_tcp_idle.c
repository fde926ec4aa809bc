/* tcp mailboxes and idle connections (transports/tcp.c): connections held
 * idle in every slot do not keep a sender out, an idle connection is
 * closed after the mailbox's timeout, a sender idle past half of it writes
 * on a fresh connection and loses nothing, a connection with part of a
 * frame in it is never the one closed to make room, and a sender whose
 * receiver closed the connection writes on a new one.  The timeout comes
 * from TROUPE_TEST_TCP_IDLE_MS, read when the mailbox is created. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "mbox_test.h"
#include "common.h"
#include "rundir.h"
#include "clock.h"
#include "transport.h"
#include "troupe/actor.h"
#include "troupe/error.h"

#define MS 1000000LL
#define SLOTS 64   /* TCP_CONNS_MAX */
static const struct tp_transport *T;
static char path[80], rundir[128];
static int held[SLOTS];

static void unlink_on_deadline(void)
{
	T->unlink(path);
}

static int setup(void **st)
{
	(void)st;
	snprintf(path, sizeof path, "/troupe.u%d.box", (int)getpid());
	for (int i = 0; i < SLOTS; i++)
		held[i] = -1;
	test_deadline(30, unlink_on_deadline);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	for (int i = 0; i < SLOTS; i++)
		if (held[i] >= 0)
			close(held[i]);
	test_deadline(0, NULL);
	return T->unlink(path);
}

static struct tp_mbox *make(const char *idle_ms)
{
	setenv("TROUPE_TEST_TCP_IDLE_MS", idle_ms, 1);
	struct tp_mbox *mb = test_mbox_create(T, path, 8, 64, TP_FULL_BLOCK);
	unsetenv("TROUPE_TEST_TCP_IDLE_MS");
	return mb;
}

static unsigned mbox_port(void)
{
	char af[300];
	struct tp_attr_file a;
	assert_int_equal(tp_rundir_path(af, sizeof af, path, ".tcp"), 0);
	assert_int_equal(tp_attr_read(af, &a), 0);
	return a.port;
}

/* A connection as any client of the node's user opens one: the lane byte,
 * then what more is given. */
static int raw_conn(const void *more, size_t n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons((uint16_t)mbox_port()) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint8_t buf[16] = { 1 };
	assert_true(n < sizeof buf);
	if (n)
		memcpy(buf + 1, more, n);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(write(fd, buf, n + 1), (ssize_t)(n + 1));
	return fd;
}

/* The receiver's end of fd is closed (EOF readable) within ms. */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char c;
	return poll(&p, 1, ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* Lets the receiver work (accept, read, close) for ms, with no mail. */
static void idle_recv(struct tp_mbox *rx, int ms)
{
	char buf[64];
	assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + ms * MS), -TP_EEMPTY);
}

static void recv_text(struct tp_mbox *rx, int64_t deadline, const char *want)
{
	char buf[64];
	int n = T->recv(rx, buf, sizeof buf, NULL, deadline);
	if (n < 0)
		print_error("expected \"%s\": %s\n", want, tp_strerror(n));
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
}

static void send_text(struct tp_mbox *tx, const char *m)
{
	assert_int_equal(T->send(tx, m, strlen(m), TP_PRIO_NORMAL, tp_now_ns() + 1000 * MS), 0);
}

/* The local port of the one established connection to port: a sender's. */
static unsigned sender_port(unsigned port)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	assert_non_null(f);
	char line[256];
	unsigned found = 0, n = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned lp, rp, st;
		if (sscanf(line, " %*u: %*8X:%4X %*8X:%4X %2X", &lp, &rp, &st) == 3 &&
		    rp == port && st == 1) {
			found = lp;
			n++;
		}
	}
	fclose(f);
	assert_int_equal(n, 1);
	return found;
}

/* held[from, to) open and accepted: a few at a time, the listen backlog
 * being short. */
static void hold(struct tp_mbox *rx, int from, int to)
{
	for (int i = from; i < to; i++) {
		held[i] = raw_conn(NULL, 0);
		if (i % 8 == 7)
			idle_recv(rx, 0);
	}
	idle_recv(rx, 300);
}

static void newcomer_evicts_idle(void **st)
{
	(void)st;
	struct tp_mbox *rx = make("3000");
	hold(rx, 0, SLOTS);
	int64_t t0 = tp_now_ns();
	struct tp_mbox *tx = NULL;
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &tx), 0);
	send_text(tx, "in");
	/* Room is made at 3T/4 (2.25 s); at T (3 s) the idle close would. */
	recv_text(rx, t0 + 2700 * MS, "in");
	int closed = 0;
	for (int i = 0; i < SLOTS; i++)
		closed += closed_within(held[i], 0);
	assert_int_equal(closed, 1);
	T->close(tx);
	T->close(rx);
}

static void partial_frame_kept(void **st)
{
	(void)st;
	struct tp_mbox *rx = make("3000");
	const uint8_t head[2] = { 0, 0 }, rest[4] = { 0, 2, 'p', 'p' };
	held[0] = raw_conn(head, sizeof head);   /* idle longest, half a length */
	idle_recv(rx, 300);
	int64_t t0 = tp_now_ns();
	hold(rx, 1, SLOTS);
	struct tp_mbox *tx = NULL;
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &tx), 0);
	send_text(tx, "in");
	recv_text(rx, t0 + 2700 * MS, "in");
	assert_false(closed_within(held[0], 0));
	assert_int_equal(write(held[0], rest, sizeof rest), (ssize_t)sizeof rest);
	recv_text(rx, tp_now_ns() + 2000 * MS, "pp");
	T->close(tx);
	T->close(rx);
}

static void idle_closed(void **st)
{
	(void)st;
	struct tp_mbox *rx = make("600");
	held[0] = raw_conn(NULL, 0);
	idle_recv(rx, 200);
	assert_false(closed_within(held[0], 0));   /* not before its time */
	idle_recv(rx, 800);
	assert_true(closed_within(held[0], 2000));
	held[1] = raw_conn((const uint8_t[]){ 0, 0, 0, 1, 'x' }, 5);
	recv_text(rx, tp_now_ns() + 2000 * MS, "x");   /* the mailbox goes on */
	T->close(rx);
}

static void sender_reconnects(void **st)
{
	(void)st;
	struct tp_mbox *rx = make("1000"), *tx = NULL;
	unsigned port = mbox_port();
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &tx), 0);
	send_text(tx, "m1");
	recv_text(rx, tp_now_ns() + 2000 * MS, "m1");
	unsigned first = sender_port(port);
	struct timespec past_half = { 0, 600 * MS };
	nanosleep(&past_half, NULL);
	send_text(tx, "m2");   /* past T/2: on a new connection */
	recv_text(rx, tp_now_ns() + 2000 * MS, "m2");
	assert_int_not_equal(sender_port(port), first);
	idle_recv(rx, 1300);   /* the receiver closes the sender's connection */
	send_text(tx, "m3");
	recv_text(rx, tp_now_ns() + 2000 * MS, "m3");
	T->close(tx);
	T->close(rx);
}

/* The receiver that accepted the connection ended (its successor took
 * the listening socket): the sender, not idle, sees its end and connects
 * again instead of writing into a closed connection. */
static void receiver_restarted(void **st)
{
	(void)st;
	struct tp_mbox *own = make("30000"), *rx = NULL, *tx = NULL;
	tp_transport_handoff(T, own);
	assert_int_equal(T->attach(path, TP_MBOX_RECV, &rx), 0);
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &tx), 0);
	send_text(tx, "m1");
	recv_text(rx, tp_now_ns() + 2000 * MS, "m1");
	T->close(rx);
	tp_transport_handoff(T, own);
	assert_int_equal(T->attach(path, TP_MBOX_RECV, &rx), 0);
	struct timespec pause = { 0, 20 * MS };   /* not back to back (tcp.c) */
	nanosleep(&pause, NULL);
	send_text(tx, "m2");
	recv_text(rx, tp_now_ns() + 2000 * MS, "m2");
	T->close(tx);
	T->close(rx);
	T->close(own);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(newcomer_evicts_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(partial_frame_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(sender_reconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(receiver_restarted, setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	T = tp_transport_find("tcp");
	if (!T)
		return 0;   /* a build without tcp */
	snprintf(rundir, sizeof rundir, "/tmp/troupe-test.XXXXXX");
	if (!mkdtemp(rundir))
		return 1;
	setenv("TROUPE_RUN_DIR", rundir, 1);
	int failed = cmocka_run_group_tests_name("tcp idle", tests, NULL, NULL);
	rmdir(rundir);
	return failed;
}
