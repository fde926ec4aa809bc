/* How an shm receiver sleeps.  One that waits for its mail alone (in
 * recv: tp_call's wait for its reply) sleeps in a futex and is woken by
 * one FUTEX_WAKE: no read for it, no write for its sender (counted in
 * /proc/self/io, which counts read and write system calls).  One that
 * also waits for fds sleeps on wait_fd and is woken through the FIFO.
 * Either way no wake-up is lost, and a deadline is never cut short. */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "mbox_test.h"
#include "transport.h"
#include "troupe/actor.h"
#include "troupe/error.h"

#define MS 1000000LL

static const struct tp_transport *T;
static char path[64];
static struct tp_mbox *own, *rx, *tx;
static long io_count(const char *what);

/* "syscr" or "syscw" of /proc/self/io; -1 where the kernel keeps none.
 * Reading the file is itself two reads (the text, then the end), counted
 * after the text was made: io_delta takes them off. */
static long io_count(const char *what)
{
	FILE *f = fopen("/proc/self/io", "re");
	char line[64];
	long v = -1;
	size_t n = strlen(what);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, what, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

/* What happened between the reading r0 (made right after calibrating,
 * see io_count) and now. */
static long io_since(const char *what, long base, long r0)
{
	long r1 = io_count(what);
	return base < 0 || r0 < 0 || r1 < 0 ? -1 : (r1 - r0) - (r0 - base);
}

/* The point in shm's recv between finding the ring empty and setting the
 * futex word: a message sent there must not be slept through. */
static bool send_at_arming;

void tp_fault_point(const char *where)
{
	if (send_at_arming && strcmp(where, "shm.wait.arming") == 0) {
		send_at_arming = false;
		assert_int_equal(T->send(tx, "r", 1, TP_PRIO_NORMAL, tp_now_ns() + 1000 * MS), 0);
	}
}

static void unlink_on_deadline(void)
{
	T->unlink(path);
}

static int setup(void **st)
{
	(void)st;
	T = tp_transport_find("shm");
	if (!T)
		return -1;
	snprintf(path, sizeof path, "/troupe.sw%d.box", (int)getpid());
	test_deadline(60, unlink_on_deadline);
	own = test_mbox_create(T, path, 8, 64, TP_FULL_BLOCK);
	tp_transport_handoff(T, own);
	/* As an actor attaches its own mailbox (runtime/lib/actor.c). */
	assert_int_equal(T->attach(path, TP_MBOX_RECV | TP_MBOX_LAZY, &rx), 0);
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &tx), 0);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	test_deadline(0, NULL);
	T->close(tx);
	T->close(rx);
	T->close(own);
	return T->unlink(path);
}

/* A child that sends c after delay_ms and exits with the number of write
 * system calls the send made (255: could not count). */
static pid_t send_later(char c, int64_t delay_ms)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct tp_mbox *mb = NULL;
		if (T->attach(path, TP_MBOX_SEND, &mb))
			_exit(254);
		struct timespec ts = { 0, (long)(delay_ms * MS) };
		nanosleep(&ts, NULL);
		long base = io_count("syscw"), w0 = io_count("syscw");
		int rc = T->send(mb, &c, 1, TP_PRIO_NORMAL, tp_now_ns() + 1000 * MS);
		long w = io_since("syscw", base, w0);
		_exit(rc ? 254 : w < 0 ? 255 : (int)(w > 200 ? 200 : w));
	}
	return pid;
}

static int child_code(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A receiver asleep in recv is woken by the send (long before its 10 s
 * deadline), and the wake-up costs what a semaphore's costs: no read by
 * the receiver, no write by the sender.  Before, the receiver slept in
 * poll on the FIFO, read it empty before each sleep, and its sender wrote
 * a byte into it. */
static void sleeper_woken_by_futex(void **st)
{
	(void)st;
	char buf[64];
	/* Waited out once: whatever the word said at attach is gone. */
	assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 5 * MS), -TP_EEMPTY);
	for (int round = 0; round < 3; round++) {
		pid_t pid = send_later((char)('a' + round), 30);
		long base = io_count("syscr"), r0 = io_count("syscr");
		int64_t t0 = tp_now_ns();
		int n = T->recv(rx, buf, sizeof buf, NULL, t0 + 10000 * MS);
		int64_t waited = tp_now_ns() - t0;
		long reads = io_since("syscr", base, r0);
		int writes = child_code(pid);
		print_message("round %d: woken after %.1f ms; reads by the receiver %ld, "
			      "writes by the sender %d\n", round, (double)waited / MS, reads, writes);
		assert_int_equal(n, 1);
		assert_int_equal(buf[0], 'a' + round);
		assert_true(waited < 5000 * MS);
		assert_true(writes != 254);
		if (reads < 0 || writes == 255) {
			print_message("no /proc/self/io here: system calls not counted\n");
			continue;
		}
		assert_int_equal(reads, 0);
		assert_int_equal(writes, 0);
	}
}

/* No mail: -TP_EEMPTY at the deadline, never before it (CLOCK_MONOTONIC;
 * test_clockjump.c steps the wall clock under the same wait). */
static void deadline_without_mail(void **st)
{
	(void)st;
	char buf[64];
	for (int64_t ms = 1; ms <= 64; ms *= 4) {
		int64_t t0 = tp_now_ns(), dl = t0 + ms * MS;
		assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, dl), -TP_EEMPTY);
		int64_t t1 = tp_now_ns();
		assert_true(t1 >= dl);
		assert_true(t1 - t0 < 3000 * MS);
	}
	int64_t t0 = tp_now_ns();
	assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, t0 - MS), -TP_EEMPTY);
	assert_true(tp_now_ns() - t0 < 1000 * MS);
}

/* A message committed after recv found the ring empty but before it set
 * the futex word: the sender saw no futex waiter and woke nobody, so only
 * recv's second look at the ring after setting the word finds it.
 * Without that look the receiver sleeps to its 10 s deadline. */
static void no_lost_wakeup_at_arming(void **st)
{
	(void)st;
	char buf[64];
	for (int round = 0; round < 3; round++) {
		send_at_arming = true;
		int64_t t0 = tp_now_ns();
		int n = T->recv(rx, buf, sizeof buf, NULL, t0 + 10000 * MS);
		int64_t waited = tp_now_ns() - t0;
		assert_false(send_at_arming);   /* the point was reached */
		assert_int_equal(n, 1);
		assert_int_equal(buf[0], 'r');
		assert_true(waited < 5000 * MS);
	}
}

/* A receiver that also watches fds sleeps on wait_fd after arm, between
 * sleeps in recv's futex: each way of sleeping is woken by the next send,
 * whichever came last. */
static void fifo_and_futex_alternate(void **st)
{
	(void)st;
	char buf[64];
	struct pollfd p = { .fd = T->wait_fd(rx), .events = POLLIN };
	for (int round = 0; round < 3; round++) {
		/* In the futex, woken by a send. */
		pid_t pid = send_later('f', 20);
		int64_t t0 = tp_now_ns();
		assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, t0 + 10000 * MS), 1);
		assert_true(tp_now_ns() - t0 < 5000 * MS);
		child_code(pid);
		/* A futex wait that timed out, then a sleep on the FIFO. */
		assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 2 * MS),
				 -TP_EEMPTY);
		assert_false(T->arm(rx));
		assert_int_equal(poll(&p, 1, 0), 0);
		pid = send_later('p', 20);
		assert_int_equal(poll(&p, 1, 5000), 1);
		child_code(pid);
		assert_true(T->arm(rx));
		assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, 0), 1);
		assert_int_equal(buf[0], 'p');
		/* Armed on the FIFO, then a wait in recv after all. */
		assert_false(T->arm(rx));
		pid = send_later('g', 20);
		t0 = tp_now_ns();
		assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, t0 + 10000 * MS), 1);
		assert_int_equal(buf[0], 'g');
		assert_true(tp_now_ns() - t0 < 5000 * MS);
		child_code(pid);
	}
}

/* A receiver that is not lazy (the daemon's handles) may sleep on wait_fd
 * right after a recv that waited in the futex and timed out: that recv
 * leaves it armed on the FIFO, so the next send wakes the poll. */
static void eager_receiver_armed_after_timeout(void **st)
{
	(void)st;
	char buf[64];
	struct pollfd p = { .fd = T->wait_fd(own), .events = POLLIN };
	for (int round = 0; round < 3; round++) {
		assert_int_equal(T->recv(own, buf, sizeof buf, NULL, tp_now_ns() + 5 * MS),
				 -TP_EEMPTY);
		pid_t pid = send_later('e', 20);
		assert_int_equal(poll(&p, 1, 5000), 1);
		child_code(pid);
		assert_int_equal(T->recv(own, buf, sizeof buf, NULL, 0), 1);
		assert_int_equal(buf[0], 'e');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sleeper_woken_by_futex, setup, teardown),
		cmocka_unit_test_setup_teardown(deadline_without_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(no_lost_wakeup_at_arming, setup, teardown),
		cmocka_unit_test_setup_teardown(fifo_and_futex_alternate, setup, teardown),
		cmocka_unit_test_setup_teardown(eager_receiver_armed_after_timeout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
