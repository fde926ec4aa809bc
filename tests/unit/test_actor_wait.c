/* Where the actor loop sleeps on a transport whose recv waits as cheaply
 * as its primitive (TP_CAP_RECV_WAIT: shm).  An actor with nothing but
 * mail to wait for sleeps in recv (a futex), not in epoll and a read of
 * the wake FIFO: counted in its /proc/PID/io.  It still sees SIGTERM
 * while mail keeps it in that wait; one that watches an fd or runs a
 * timer still gets them, and its mail, on time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "actor_node.h"
#include "harness.h"

static pid_t actor_pid;              /* killed by teardown if a case failed */

static void on_fd(tp_actor *self, void *state, int fd, unsigned events, void *arg)
{
	(void)self; (void)state; (void)arg; (void)events;
	char c;
	if (read(fd, &c, 1) == 1)
		say("fd %c", c);
}

static void on_timer(tp_actor *self, void *state, void *arg)
{
	(void)self; (void)state; (void)arg;
	say("tick");
}

/* argv[1]: "fd" watches the poke pipe, "timer" ticks every 20 ms. */
static int actor_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state;
	int rc = 0;
	if (argc > 1 && strcmp(argv[1], "fd") == 0)
		rc = tp_fd_watch(self, poke[0], TP_FD_READ, on_fd, NULL);
	if (argc > 1 && strcmp(argv[1], "timer") == 0)
		rc = tp_timer_start(self, 20, 20, on_timer, NULL) < 0;
	say("init %d", rc);
	return 0;
}

static int actor_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state;
	say("msg %.*s", (int)m->len, (const char *)m->payload);
	return 0;
}

static void actor_stop(tp_actor *self, void *state)
{
	(void)self; (void)state;
	say("stop");
}

static const struct tp_actor_ops ops = {
	.init = actor_init, .receive = actor_receive, .stop = actor_stop,
};

static void cleanup_on_deadline(void)
{
	char path[64];
	tp_ipc_name(path, sizeof path, node, "me");
	tp_transport_find("shm")->unlink(path);
	tp_registry_unlink(node);
	tp_counters_unlink(node);
}

static int setup(void **st)
{
	(void)st;
	if (actor_node_make("aw", "shm"))
		return -1;
	test_deadline(60, cleanup_on_deadline);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	test_deadline(0, NULL);
	if (actor_pid > 0) {
		kill(actor_pid, SIGKILL);
		waitpid(actor_pid, NULL, 0);
		actor_pid = 0;
	}
	actor_node_remove();
	return 0;
}

static void put(const char *text)
{
	actor_node_put(text, TP_PRIO_NORMAL, tp_now_ns() + 1000 * MS);
}

static pid_t start(const char *arg)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "actor", (char *)arg, NULL };
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(report[0]);
		_exit(tp_actor_main(&ops, arg ? 2 : 1, argv));
	}
	actor_pid = pid;
	return pid;
}

/* Reads the actor's lines until want is among them (bounded); the lines
 * before it are consumed. */
static void wait_said(const char *want)
{
	static char got[4096];
	static size_t len;
	int64_t end = tp_now_ns() + 10000 * MS;
	char *at;
	while (!(at = strstr(got, want))) {
		if (tp_now_ns() > end)
			fail_msg("the actor did not say '%s': %s", want, got);
		if (len == sizeof got - 1) {   /* keep the tail */
			memmove(got, got + len / 2, len - len / 2 + 1);
			len -= len / 2;
		}
		ssize_t n = read(report[0], got + len, sizeof got - 1 - len);
		if (n > 0)
			got[len += (size_t)n] = '\0';
	}
	at += strlen(want);
	len -= (size_t)(at - got);
	memmove(got, at, len + 1);
}

static int finish(pid_t pid)
{
	int status = 0;
	int64_t end = tp_now_ns() + 5000 * MS;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (tp_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the actor did not exit within 5 s of SIGTERM");
		}
		usleep(2000);
	}
	actor_pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Read system calls the process has made: /proc/PID/io's syscr, -1 where
 * the kernel keeps no count. */
static long reads_of(pid_t pid)
{
	char p[64], line[64];
	long v = -1;
	snprintf(p, sizeof p, "/proc/%d/io", (int)pid);
	FILE *f = fopen(p, "re");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "syscr:", 6) == 0)
			v = atol(line + 6);
	if (f)
		fclose(f);
	return v;
}

#define ROUNDS 200

/* One message at a time, each sent a moment after the last was handled,
 * when the actor sleeps again: it takes them in its mailbox's wait, with
 * no read of the wake FIFO (before, each sleep in epoll was preceded by a
 * read that emptied it: one read per message).  A few reads remain: every
 * 10 ms the loop looks at epoll (signals), and arms the FIFO first.  Then
 * a SIGTERM sent while it waits for mail in recv stops it. */
static void mail_alone_waits_in_recv(void **st)
{
	(void)st;
	pid_t pid = start(NULL);
	wait_said("init 0\n");
	put("first");
	wait_said("msg first\n");
	long r0 = reads_of(pid);
	for (int i = 0; i < ROUNDS; i++) {
		char text[16], want[32];
		snprintf(text, sizeof text, "m%d", i);
		snprintf(want, sizeof want, "msg %s\n", text);
		put(text);
		wait_said(want);
		usleep(300);
	}
	long r1 = reads_of(pid);
	print_message("%d messages one at a time: %ld reads by the actor\n", ROUNDS,
		      r0 < 0 ? -1 : r1 - r0);
	if (r0 >= 0)
		assert_true(r1 - r0 < ROUNDS / 4);
	/* Mail just handled: the actor is in its mailbox's wait. */
	put("last");
	wait_said("msg last\n");
	kill(pid, SIGTERM);
	assert_int_equal(finish(pid), 0);
	wait_said("stop\n");
}

/* An actor that watches an fd sleeps in epoll (woken through the FIFO):
 * mail and fd events alternate, each handled. */
static void fd_watcher_gets_both(void **st)
{
	(void)st;
	pid_t pid = start("fd");
	wait_said("init 0\n");
	for (int i = 0; i < 20; i++) {
		char text[16], want[32];
		snprintf(text, sizeof text, "m%d", i);
		snprintf(want, sizeof want, "msg %s\n", text);
		put(text);
		wait_said(want);
		assert_int_equal(write(poke[1], "x", 1), 1);
		wait_said("fd x\n");
	}
	kill(pid, SIGTERM);
	assert_int_equal(finish(pid), 0);
}

/* An actor with a timer: mail every 2 ms does not hold its ticks back
 * (the wait in recv ends when a timer is due). */
static void timer_ticks_amid_mail(void **st)
{
	(void)st;
	pid_t pid = start("timer");
	wait_said("init 0\n");
	for (int i = 0; i < 100; i++) {
		char text[16];
		snprintf(text, sizeof text, "t%d", i);
		put(text);
		usleep(2000);
	}
	for (int t = 0; t < 3; t++)
		wait_said("tick\n");
	kill(pid, SIGTERM);
	assert_int_equal(finish(pid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mail_alone_waits_in_recv, setup, teardown),
		cmocka_unit_test_setup_teardown(fd_watcher_gets_both, setup, teardown),
		cmocka_unit_test_setup_teardown(timer_ticks_amid_mail, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
