/* Deadlines run on CLOCK_MONOTONIC: a wall clock that jumps by an hour
 * (NTP or GPS sync on a board without an RTC) changes no timed wait.
 *
 * The machine's clock is not touched.  Instead this program defines
 * clock_gettime, gettimeofday and time itself, so every call made by the
 * test and by libtroupe (linked in statically) sees a wall clock that
 * jumps by +1 h, then -1 h, then +1 h … at every read, while the other
 * clocks are the kernel's.  A wait that took its deadline from the wall
 * clock (mq_timedsend, sem_timedwait, pthread_cond_timedwait with the
 * default clock) would then last an hour or not at all. */
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "transport.h"
#include "troupe/actor.h"
#include "troupe/error.h"
#include "clock.h"

#define MS 1000000LL
#define HOUR 3600

static const struct tp_transport *T;
static char path[80];
static unsigned wall_reads;

static time_t jump(void)
{
	return (wall_reads++ & 1) ? -HOUR : HOUR;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	int rc = real(id, ts);
	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += jump();
	return rc;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	(void)tz;
	int rc = clock_gettime(CLOCK_REALTIME, &ts);
	if (rc == 0) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return rc;
}

time_t time(time_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

/* The kernel's monotonic clock, read without going through anything. */
static int64_t mono(void)
{
	return tp_now_ns();
}

static void unlink_on_deadline(void)
{
	T->unlink(path);
}

static int setup(void **st)
{
	(void)st;
	snprintf(path, sizeof path, "/troupe.c%d.box", (int)getpid());
	test_deadline(20, unlink_on_deadline);   /* the kernel's timer: jumps do not move it */
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	test_deadline(0, NULL);
	return T->unlink(path);
}

/* The jumps are real for this process. */
static void wall_clock_jumps(void **st)
{
	(void)st;
	struct timespec a, b;
	clock_gettime(CLOCK_REALTIME, &a);
	clock_gettime(CLOCK_REALTIME, &b);
	long d = (long)(b.tv_sec - a.tv_sec);
	assert_true(d <= -2 * HOUR + 5 || d >= 2 * HOUR - 5);
	time_t t1 = time(NULL), t2 = time(NULL);
	assert_true(labs((long)(t2 - t1)) >= 2 * HOUR - 5);
}

static void assert_waited(int64_t t0, const char *what)
{
	int64_t waited = mono() - t0;
	if (waited < 100 * MS || waited > 1000 * MS)
		print_error("%s %s: waited %lld ms for a 100 ms deadline\n", T->name, what,
			    (long long)(waited / MS));
	assert_true(waited >= 100 * MS && waited < 1000 * MS);
}

/* An empty mailbox and a full one each honour a 100 ms deadline while
 * the wall clock jumps. */
static void deadlines_ignore_wall_clock(void **st)
{
	(void)st;
	struct tp_mbox_attr a = { .depth = 2, .msg_max = 64, .mode = 0600 };
	struct tp_mbox *own = NULL, *rx = NULL, *tx = NULL;
	char err[256] = "", buf[64] = "x";
	assert_int_equal(T->create(path, &a, &own, err, sizeof err), 0);
	tp_transport_handoff(T, own);
	assert_int_equal(T->attach(path, TP_MBOX_RECV, &rx), 0);
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &tx), 0);
	unsigned reads0 = wall_reads;

	int64_t t0 = mono();
	assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, tp_deadline_ms(100)), -TP_EEMPTY);
	assert_waited(t0, "empty recv");

	/* Full: depth messages (mq, shm), or what the kernel buffers (unix). */
	int n = 0;
	while (n < 100000 && T->send(tx, buf, 1, TP_PRIO_NORMAL, 0) == 0)
		n++;
	assert_true(n > 0 && n < 100000);
	t0 = mono();
	assert_int_equal(T->send(tx, buf, 1, TP_PRIO_NORMAL, tp_deadline_ms(100)), -TP_EFULL);
	assert_waited(t0, "full send");
	print_message("%s: the transport read the wall clock %u times in its waits\n",
		      T->name, wall_reads - reads0);
	T->close(tx);
	T->close(rx);
	T->close(own);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(wall_clock_jumps, setup, teardown),
		cmocka_unit_test_setup_teardown(deadlines_ignore_wall_clock, setup, teardown),
	};
	char rundir[] = "/tmp/troupe-clock.XXXXXX";
	if (!mkdtemp(rundir))
		return 1;
	setenv("TROUPE_RUN_DIR", rundir, 1);
	signal(SIGPIPE, SIG_IGN);
	int failed = 0;
	for (size_t i = 0; tp_transports[i]; i++) {
		T = tp_transports[i];
		/* A connected mailbox is not reliably full (the kernel compacts
		 * its buffers), and its waits are the same poll as unix's. */
		if (T->caps & TP_CAP_CONNECTED)
			continue;
		char name[32];
		snprintf(name, sizeof name, "clock jump %s", T->name);
		failed += _cmocka_run_group_tests(name, tests, sizeof tests / sizeof *tests,
						  NULL, NULL);
	}
	rmdir(rundir);
	return failed;
}
