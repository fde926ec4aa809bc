/* The node's topic table (runtime/lib/topictab.c): subscriptions written
 * by the daemon and copied by publishers; counters; retained values with
 * their writer's lock, repaired after a writer is killed inside. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "topic_rates.h"
#include "topictab.h"
#include "troupe/error.h"

static char node[32];

static void unlink_on_deadline(void)
{
	tp_topictab_unlink(node);
}

static int setup(void **st)
{
	(void)st;
	snprintf(node, sizeof node, "tt%d", (int)getpid());
	test_deadline(30, unlink_on_deadline);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	test_deadline(0, NULL);
	return tp_topictab_unlink(node);
}

static void subscriptions(void **st)
{
	(void)st;
	struct tp_topictab *d, *a;
	assert_int_equal(tp_topictab_open(node, &a), -TP_ENOENT);
	assert_int_equal(tp_topictab_create(node, 0600, &d), 0);
	assert_int_equal(tp_topictab_open(node, &a), 0);
	static struct tp_sub out[TP_TT_SUBS_MAX];
	unsigned n = 99;
	uint32_t s0, s1;
	assert_int_equal(tp_topictab_subs_copy(a, out, TP_TT_SUBS_MAX, &n, &s0), 0);
	assert_int_equal(n, 0);
	struct tp_sub s = { .filter = "sensors/+/temp", .actor = "disp",
			    .kind = TP_SUB_DECLARED, .policy = TP_TOPIC_DROP_NEWEST };
	tp_topictab_sub_put(d, 3, &s, true);
	assert_int_equal(tp_topictab_subs_copy(a, out, TP_TT_SUBS_MAX, &n, &s1), 0);
	assert_int_not_equal(s0, s1);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].kind, TP_SUB_FREE);
	unsigned need = 0;   /* too little room: how much is needed */
	assert_int_equal(tp_topictab_subs_copy(a, out, 3, &need, &s1), -TP_ELIMIT);
	assert_int_equal(need, 4);
	assert_string_equal(out[3].filter, "sensors/+/temp");
	assert_string_equal(out[3].actor, "disp");
	assert_int_equal(out[3].policy, TP_TOPIC_DROP_NEWEST);
	/* Counters: the publisher's, zeroed when a slot begins anew. */
	tp_topictab_delivered(a, 3);
	tp_topictab_delivered(a, 3);
	tp_topictab_dropped(a, 3);
	uint64_t dl, dr;
	tp_topictab_sub_counts(d, 3, &dl, &dr);
	assert_true(dl == 2 && dr == 1);
	tp_topictab_sub_put(d, 3, &s, false);
	tp_topictab_sub_counts(d, 3, &dl, &dr);
	assert_true(dl == 2 && dr == 1);
	tp_topictab_sub_put(d, 3, &s, true);
	tp_topictab_sub_counts(d, 3, &dl, &dr);
	assert_true(dl == 0 && dr == 0);
	/* A slot freed shrinks what is read; a bad filter reads as free. */
	struct tp_sub bad = s;
	strcpy(bad.filter, "a/#/b");
	tp_topictab_sub_put(d, 1, &bad, true);
	memset(&s, 0, sizeof s);
	tp_topictab_sub_put(d, 3, &s, true);
	assert_int_equal(tp_topictab_subs_copy(a, out, TP_TT_SUBS_MAX, &n, &s1), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].kind, TP_SUB_FREE);
	tp_topictab_close(a);
	tp_topictab_close(d);
}

static void retained(void **st)
{
	(void)st;
	struct tp_topictab *d, *a;
	assert_int_equal(tp_topictab_create(node, 0600, &d), 0);
	assert_int_equal(tp_topictab_open(node, &a), 0);
	tp_topictab_retained_declare(d, 0, "sensors/kitchen/temp");
	tp_topictab_retained_declare(d, 1, "x");
	assert_int_equal(tp_topictab_retained_count(a), 2);
	assert_int_equal(tp_topictab_retained_find(a, "x"), 1);
	assert_int_equal(tp_topictab_retained_find(a, "sensors/+/temp"), -TP_ENOENT);
	static struct tp_retained r;
	assert_int_equal(tp_topictab_retained_get(a, 0, &r), 0);
	assert_false(r.set);
	assert_int_equal(tp_topictab_retain(a, 0, getpid(), "pub", 1001, "abc", 3, 7), 0);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), 0);
	assert_true(r.set);
	assert_string_equal(r.topic, "sensors/kitchen/temp");
	assert_string_equal(r.sender, "pub");
	assert_int_equal(r.type, 1001);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "abc", 3);
	assert_true(r.published == 1 && r.sent_ns == 7);
	/* Too big: not kept, and the older value is not passed off as new. */
	static uint8_t big[TP_TT_RETAIN_BYTES + 1];
	assert_int_equal(tp_topictab_retain(a, 0, getpid(), "pub", 1001, big, sizeof big, 8),
			 -TP_ETOOBIG);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), 0);
	assert_false(r.set);
	assert_int_equal(tp_topictab_retain(a, 5, getpid(), "pub", 1, "", 0, 0), -TP_ENOENT);
	assert_int_equal(tp_topictab_retained_get(a, 5, &r), -TP_ENOENT);
	tp_topictab_close(a);
	tp_topictab_close(d);
}

/* The child's fate at the kill point inside a retained write. */
static int fault_signal;

void tp_fault_point(const char *where)
{
	if (fault_signal && strcmp(where, "topic.retain.writing") == 0)
		raise(fault_signal);
}

/* A child that dies (SIGKILL) or stops (SIGSTOP) halfway through writing
 * retained topic 0's value; its pid. */
static pid_t half_writer(struct tp_topictab *t, int sig)
{
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		fault_signal = sig;
		tp_topictab_retain(t, 0, getpid(), "pub", 1, "half", 4, 9);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(child, &status, sig == SIGSTOP ? WUNTRACED : 0), child);
	return child;
}

/* A writer killed while it holds the lock: never read half written; the
 * daemon's repair drops it and frees the lock; without the repair, the
 * next writer that finds the holder gone takes over.  A live holder
 * (stopped) makes a writer give up at once with -TP_EBUSY. */
static void writer_killed(void **st)
{
	(void)st;
	struct tp_topictab *d;
	static struct tp_retained r;
	assert_int_equal(tp_topictab_create(node, 0600, &d), 0);
	tp_topictab_retained_declare(d, 0, "t");
	assert_int_equal(tp_topictab_retain(d, 0, getpid(), "pub", 1, "v", 1, 1), 0);

	pid_t child = half_writer(d, SIGKILL);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), -TP_EBUSY);
	assert_false(r.set);
	assert_int_equal(tp_topictab_repair(d, child + 1), 0);   /* not the holder */
	assert_int_equal(tp_topictab_repair(d, child), 1);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), 0);
	assert_false(r.set);
	assert_int_equal(tp_topictab_retain(d, 0, getpid(), "pub", 1, "w", 1, 2), 0);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), 0);
	assert_true(r.set && r.len == 1 && r.data[0] == 'w');

	child = half_writer(d, SIGKILL);   /* not repaired: taken over */
	assert_int_equal(tp_topictab_retain(d, 0, getpid(), "pub", 1, "x", 1, 3), 0);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), 0);
	assert_true(r.set && r.data[0] == 'x');

	child = half_writer(d, SIGSTOP);
	assert_int_equal(tp_topictab_retain(d, 0, getpid(), "pub", 1, "y", 1, 4), -TP_EBUSY);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(tp_topictab_repair(d, child), 1);
	assert_int_equal(tp_topictab_retain(d, 0, getpid(), "pub", 1, "z", 1, 5), 0);
	assert_int_equal(tp_topictab_retained_get(d, 0, &r), 0);
	assert_true(r.set && r.data[0] == 'z');
	tp_topictab_close(d);
}

/* The daemon's rates: messages per second over its last snapshots (up to
 * ten seconds back), zero with no traffic, a window that starts again when
 * the slot is reused by a new subscription, and no wake-up without
 * subscriptions. */
static void rates(void **st)
{
	(void)st;
	static struct tp_topic_rates r;
	struct tp_topictab *d;
	const int64_t S = 1000000000LL;
	uint64_t dl, dr;
	assert_int_equal(tp_topictab_create(node, 0600, &d), 0);
	assert_true(tp_topic_rates_tick(&r, d, 100 * S) == INT64_MAX);
	struct tp_sub s = { .filter = "a/#", .actor = "x", .kind = TP_SUB_DECLARED };
	tp_topictab_sub_put(d, 2, &s, true);
	assert_true(tp_topic_rates_tick(&r, d, 100 * S) == 100 * S + TP_RATES_STEP_NS);
	/* Not due yet: nothing is taken or written. */
	assert_true(tp_topic_rates_tick(&r, d, 101 * S) == 100 * S + TP_RATES_STEP_NS);
	for (int i = 0; i < 50; i++)
		tp_topictab_delivered(d, 2);
	for (int i = 0; i < 10; i++)
		tp_topictab_dropped(d, 2);
	tp_topic_rates_tick(&r, d, 102 * S);
	tp_topictab_sub_rates(d, 2, &dl, &dr);
	assert_int_equal(dl, 25000);   /* 50 in 2 s: 25.000 per second */
	assert_int_equal(dr, 5000);
	/* Quiet for the whole window: the oldest snapshot catches up. */
	for (int k = 2; k <= 7; k++)
		tp_topic_rates_tick(&r, d, (100 + 2 * k) * S);
	tp_topictab_sub_rates(d, 2, &dl, &dr);
	assert_int_equal(dl, 0);
	assert_int_equal(dr, 0);
	/* Steady 3 per second over more than the window: 3.000. */
	for (int k = 8; k <= 16; k++) {
		for (int i = 0; i < 6; i++)
			tp_topictab_delivered(d, 2);
		tp_topic_rates_tick(&r, d, (100 + 2 * k) * S);
	}
	tp_topictab_sub_rates(d, 2, &dl, &dr);
	assert_int_equal(dl, 3000);
	/* The slot reused: the new subscription's rate starts from nothing,
	 * not from the old one's counts. */
	tp_topictab_sub_put(d, 2, &s, true);
	for (int i = 0; i < 4; i++)
		tp_topictab_delivered(d, 2);
	tp_topic_rates_tick(&r, d, 134 * S);
	tp_topictab_sub_rates(d, 2, &dl, &dr);
	assert_int_equal(dl, 0);
	for (int i = 0; i < 4; i++)
		tp_topictab_delivered(d, 2);
	tp_topic_rates_tick(&r, d, 136 * S);
	tp_topictab_sub_rates(d, 2, &dl, &dr);
	assert_int_equal(dl, 2000);
	/* The last subscription gone: no more wake-ups. */
	struct tp_sub none = { 0 };
	tp_topictab_sub_put(d, 2, &none, true);
	assert_true(tp_topic_rates_tick(&r, d, 138 * S) == INT64_MAX);
	assert_true(tp_topic_rates_tick(&r, d, 200 * S) == INT64_MAX);
	tp_topictab_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(subscriptions, setup, teardown),
		cmocka_unit_test_setup_teardown(retained, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(rates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
