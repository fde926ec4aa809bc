/* The actor loop (runtime/lib/actor.c, watch.c) in a real actor process
 * on a node made by hand (a registry, counters, one mq mailbox): init,
 * then mail in order with timers and watched descriptors between, the
 * watch API's refusals, tp_exit's code, SIGTERM's clean stop, and an actor
 * its node does not know. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "actor_node.h"

static void on_timer(tp_actor *self, void *state, void *arg)
{
	(void)self; (void)state; (void)arg;
	say("timer");
}

static void on_fd(tp_actor *self, void *state, int fd, unsigned events, void *arg)
{
	(void)state; (void)arg;
	char c;
	if (read(fd, &c, 1) == 1)
		say("fd %c %u", c, events);
	tp_fd_unwatch(self, fd);
}

static void noop_timer(tp_actor *self, void *state, void *arg)
{
	(void)self; (void)state; (void)arg;
}

/* The watch API's refusals, from inside the actor, then the real ones. */
static int actor_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state; (void)argc; (void)argv;
	int ids[TP_TIMERS_MAX], rc = 0;
	for (int i = 0; i < TP_TIMERS_MAX; i++)
		if ((ids[i] = tp_timer_start(self, 60000, 0, noop_timer, NULL)) < 0)
			rc = 1;
	if (tp_timer_start(self, 1, 0, noop_timer, NULL) != -TP_ELIMIT)
		rc = 2;
	for (int i = 0; i < TP_TIMERS_MAX; i++)
		tp_timer_stop(self, ids[i]);
	if (tp_timer_stop(self, TP_TIMERS_MAX) != -TP_EINVAL || tp_timer_stop(self, -1) != -TP_EINVAL)
		rc = 3;
	int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (tp_fd_watch(self, -1, TP_FD_READ, on_fd, NULL) != -TP_EINVAL ||
	    tp_fd_watch(self, poke[0], 0, on_fd, NULL) != -TP_EINVAL ||
	    tp_fd_watch(self, poke[0], TP_FD_READ, NULL, NULL) != -TP_EINVAL ||
	    tp_fd_watch(self, file, TP_FD_READ, on_fd, NULL) != -TP_EPERM ||
	    tp_fd_unwatch(self, file) != -TP_ENOENT)
		rc = 4;
	close(file);
	if (tp_fd_watch(self, poke[0], TP_FD_READ, on_fd, NULL) != 0 ||
	    tp_fd_watch(self, poke[0], TP_FD_READ, on_fd, NULL) != -TP_EBUSY)
		rc = 5;
	if (tp_timer_start(self, 0, 0, on_timer, NULL) < 0)
		rc = 6;
	/* Its own counters (tp_counter_add): eight names, then refusals. */
	char name[16];
	for (int i = 0; i < TP_COUNTERS_OWN_MAX; i++) {
		snprintf(name, sizeof name, "c%d", i);
		if (tp_counter_add(self, name, (uint64_t)i + 1))
			rc = 7;
	}
	if (tp_counter_add(self, "c0", 10) || tp_counter_set(self, "c1", 42) ||
	    tp_counter_add(self, "ninth", 1) != -TP_ELIMIT ||
	    tp_counter_add(self, "", 1) != -TP_EINVAL ||
	    tp_counter_add(self, "Upper", 1) != -TP_EINVAL ||
	    tp_counter_add(self, "has space", 1) != -TP_EINVAL ||
	    tp_counter_add(self, "sixteen_chars_xx", 1) != -TP_EINVAL ||
	    tp_counter_set(self, "fifteen_chars_x", 1) != -TP_ELIMIT)
		rc = 8;
	say("init %d %s@%s", rc, tp_actor_name(self), tp_actor_node(self));
	return 0;
}

static int actor_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)state;
	say("msg %.*s from %s prio %u", (int)m->len, (const char *)m->payload, m->sender, m->prio);
	if (m->len == 4 && memcmp(m->payload, "exit", 4) == 0)
		tp_exit(self, 7);
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

static int setup(void **st)
{
	(void)st;
	return actor_node_make("act", "mq");
}

static int teardown(void **st)
{
	(void)st;
	actor_node_remove();
	return 0;
}

static void put(const char *text, unsigned prio)
{
	actor_node_put(text, prio, 0);
}

static pid_t start(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(report[0]);
		_exit(tp_actor_main(&ops, 0, NULL));
	}
	return pid;
}

/* Everything the actor said until it exited, and how it exited. */
static int finish(pid_t pid, char *out, size_t cap)
{
	int status = 0;
	int64_t end = tp_now_ns() + 10000 * MS;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (tp_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the actor did not exit within 10 s");
		}
		usleep(2000);
	}
	int fl = fcntl(report[0], F_GETFL);
	fcntl(report[0], F_SETFL, fl | O_NONBLOCK);
	ssize_t n = read(report[0], out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	fcntl(report[0], F_SETFL, fl);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Wait until the actor has said want (bounded). */
static void wait_said(char *got, size_t cap, size_t *len, const char *want)
{
	int64_t end = tp_now_ns() + 10000 * MS;
	while (!strstr(got, want)) {
		if (tp_now_ns() > end)
			fail_msg("the actor did not say '%s': %s", want, got);
		ssize_t n = read(report[0], got + *len, cap - 1 - *len);
		if (n > 0)
			got[*len += (size_t)n] = '\0';
	}
}

static void loop_runs_mail_timers_fds(void **st)
{
	(void)st;
	put("one", TP_PRIO_NORMAL);
	put("two", TP_PRIO_NORMAL);
	put("first", TP_PRIO_HIGH);      /* queued before the actor runs: first */
	pid_t pid = start();
	char got[2048] = "";
	size_t len = 0;
	char want[128];
	snprintf(want, sizeof want, "init 0 me@%s\n", node);
	wait_said(got, sizeof got, &len, want);
	wait_said(got, sizeof got, &len, "timer\n");
	assert_int_equal(write(poke[1], "x", 1), 1);
	wait_said(got, sizeof got, &len, "fd x 1\n");
	put("exit", TP_PRIO_NORMAL);
	int code = finish(pid, got + len, sizeof got - len);
	assert_int_equal(code, 7);
	/* Mail in mailbox order, each once; stop last. */
	const char *a = strstr(got, "msg first from tester prio 2\n");
	const char *b = strstr(got, "msg one from tester prio 1\n");
	const char *c = strstr(got, "msg two from tester prio 1\n");
	const char *d = strstr(got, "msg exit from tester prio 1\n");
	assert_true(a && b && c && d && a < b && b < c && c < d);
	assert_string_equal(d + strlen("msg exit from tester prio 1\n"), "stop\n");
	assert_null(strstr(b + 1, "msg one"));
	struct tp_ctr k;
	tp_counters_get(ctr, 0, &k);
	assert_int_equal(k.sent, 4);
	assert_int_equal(k.received, 4);
	assert_int_equal(k.lat_n, 4);
	/* The actor's own counters, read from the segment as the daemon and
	 * troupectl read them: in the order named, c0 added twice, c1 set. */
	struct tp_own own[TP_OWN_MAX];
	assert_int_equal(tp_counters_own_get(ctr, 0, own), TP_OWN_MAX);
	assert_string_equal(own[0].name, "c0");
	assert_true(own[0].value == 11);
	assert_true(own[1].value == 42);
	assert_string_equal(own[7].name, "c7");
	assert_true(own[7].value == 8);
	assert_int_equal(tp_counters_own_get(ctr, 1, own), 0);   /* another mailbox: none */
}

static void sigterm_stops_cleanly(void **st)
{
	(void)st;
	pid_t pid = start();
	char got[1024] = "";
	size_t len = 0;
	wait_said(got, sizeof got, &len, "timer\n");
	kill(pid, SIGTERM);
	assert_int_equal(finish(pid, got + len, sizeof got - len), 0);
	assert_non_null(strstr(got, "stop\n"));
}

static void unknown_actor_is_a_config_error(void **st)
{
	(void)st;
	setenv("TROUPE_ACTOR", "nobody", 1);
	pid_t pid = start();
	char got[256];
	assert_int_equal(finish(pid, got, sizeof got), 1);
	assert_string_equal(got, "");    /* init never ran */
	setenv("TROUPE_ACTOR", "bad/name", 1);
	pid = start();
	assert_int_equal(finish(pid, got, sizeof got), 2);   /* -TP_ECONFIG */
	setenv("TROUPE_ACTOR", "me", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loop_runs_mail_timers_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(sigterm_stops_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_actor_is_a_config_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
