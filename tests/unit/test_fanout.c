/* Publishing's fan-out (runtime/lib/fanout.c) without processes: a topic
 * table, real mailboxes on every transport that can take part, and the
 * messages they hold afterwards.  Each subscriber gets one copy with its
 * own head and the topic; a full mailbox drops by the subscription's
 * policy (drop_oldest evicts, drop_newest refuses) without waiting, each
 * drop counted on the subscription; a message too big for a mailbox or a
 * subscriber without one is a counted drop; the retained value is kept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "mbox_test.h"
#include "fanout.h"
#include "topictab.h"
#include "troupe/envelope.h"

#define MS 1000000LL
#define NBOX 3

static char node[32], path[NBOX][64], rundir[128];
static const struct tp_transport *T;
static struct tp_topictab *tab;
static struct tp_mbox *own[NBOX];
static struct tp_mailbox box[NBOX];
static const char *const names[NBOX] = { "a", "b", "c" };

static void cleanup(void)
{
	for (int i = 0; i < NBOX; i++)
		if (T)
			T->unlink(path[i]);
	tp_topictab_unlink(node);
}

/* The fan-out's dest: mailbox i for actor names[i]; "gone" has none. */
static int dest(void *ctx, const char *name, struct tp_mailbox **out)
{
	(void)ctx;
	for (int i = 0; i < NBOX; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = &box[i];
			return 0;
		}
	return -TP_ENOENT;
}

static int setup(void **st)
{
	(void)st;
	snprintf(node, sizeof node, "fo%d", (int)getpid());
	test_deadline(30, cleanup);
	assert_int_equal(tp_topictab_create(node, 0600, &tab), 0);
	for (int i = 0; i < NBOX; i++) {
		snprintf(path[i], sizeof path[i], "/troupe.%s.%s", node, names[i]);
		/* Depth 2, block: the subscription's policy, not the mailbox's. */
		own[i] = test_mbox_create(T, path[i], 2, 256, TP_FULL_BLOCK);
		struct tp_reg_entry e = { .depth = 2, .msg_max = 256 };
		snprintf(e.transport, sizeof e.transport, "%s", T->name);
		snprintf(e.mailbox, sizeof e.mailbox, "%s", path[i]);
		assert_int_equal(tp_mailbox_attach(&box[i], &e, (unsigned)i, TP_MBOX_SEND, NULL), 0);
	}
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	for (int i = 0; i < NBOX; i++) {
		tp_mailbox_close(&box[i]);
		T->close(own[i]);
	}
	tp_topictab_close(tab);
	cleanup();
	test_deadline(0, NULL);
	return 0;
}

static void sub(unsigned i, const char *filter, const char *actor, uint32_t policy)
{
	struct tp_sub s = { .kind = TP_SUB_DECLARED, .policy = policy };
	snprintf(s.filter, sizeof s.filter, "%s", filter);
	snprintf(s.actor, sizeof s.actor, "%s", actor);
	tp_topictab_sub_put(tab, i, &s, true);
}

/* Publishes one byte c to topic from "pub". */
static int publish(struct tp_fanout *f, const char *topic, char c)
{
	static uint8_t buf[512];
	buf[tp_fanout_offset(f->sender, topic)] = (uint8_t)c;
	return tp_fanout_publish(f, topic, 1001, buf, 1, tp_now_ns());
}

/* The payload bytes mailbox i holds, in order, and each message's topic
 * and destination checked. */
static void drained(int i, const char *topic, const char *want)
{
	char got[16] = "";
	size_t n = 0;
	uint8_t buf[256];
	int len;
	while ((len = T->recv(own[i], buf, sizeof buf, NULL, 0)) > 0) {
		struct tp_env env;
		assert_int_equal(tp_env_decode(buf, (size_t)len, 256, &env), 0);
		assert_int_equal(env.version, TP_ENV_VERSION);
		assert_string_equal(env.topic, topic);
		assert_string_equal(env.dest, names[i]);
		assert_string_equal(env.sender, "pub");
		assert_int_equal(env.payload_len, 1);
		if (n < sizeof got - 1)
			got[n++] = (char)env.payload[0];
	}
	if (strcmp(got, want))
		fail_msg("%s: mailbox %s holds '%s', want '%s'", T->name, names[i], got, want);
}

static void counts(unsigned i, uint64_t delivered, uint64_t dropped)
{
	uint64_t dl, dr;
	tp_topictab_sub_counts(tab, i, &dl, &dr);
	if (dl != delivered || dr != dropped)
		fail_msg("%s: subscription %u delivered %llu dropped %llu, want %llu %llu",
			 T->name, i, (unsigned long long)dl, (unsigned long long)dr,
			 (unsigned long long)delivered, (unsigned long long)dropped);
}

static void policies(void **st)
{
	(void)st;
	sub(0, "s/+/t", "a", TP_TOPIC_DROP_OLDEST);
	sub(1, "s/#", "b", TP_TOPIC_DROP_NEWEST);
	sub(2, "s/k/t", "b", TP_TOPIC_DROP_OLDEST);   /* b again: one copy */
	sub(3, "other", "c", TP_TOPIC_DROP_OLDEST);
	sub(4, "s/#", "gone", TP_TOPIC_DROP_OLDEST);
	struct tp_fanout f = { .tab = tab, .sender = "pub", .dest = dest };
	int64_t t0 = tp_now_ns();
	for (char c = '1'; c <= '5'; c++)
		assert_int_equal(publish(&f, "s/k/t", c), 0);
	assert_true(tp_now_ns() - t0 < 1000 * MS);   /* full mailboxes never waited */
	drained(0, "s/k/t", "45");   /* drop_oldest: the newest two */
	drained(1, "s/k/t", "12");   /* drop_newest: the first two */
	drained(2, "s/k/t", "");
	counts(0, 5, 3);
	counts(1, 2, 3);
	counts(2, 0, 0);             /* b's second filter: never used */
	counts(3, 0, 0);
	counts(4, 0, 5);             /* no mailbox: each one a drop */
	assert_int_equal(publish(&f, "s/+/t", 'x'), -TP_EINVAL);
	tp_fanout_fini(&f);
}

static void too_big_and_retained(void **st)
{
	(void)st;
	sub(0, "#", "a", TP_TOPIC_DROP_OLDEST);
	tp_topictab_retained_declare(tab, 0, "r");
	struct tp_fanout f = { .tab = tab, .sender = "pub", .dest = dest };
	static uint8_t buf[1024];
	size_t off = tp_fanout_offset(f.sender, "r");
	memset(buf + off, 'z', 300);
	assert_int_equal(tp_fanout_publish(&f, "r", 1001, buf, 300, tp_now_ns()), 0);
	counts(0, 0, 1);             /* 300 bytes do not fit msg_max 256 */
	assert_int_equal(publish(&f, "r", 'k'), 0);
	counts(0, 1, 1);
	drained(0, "r", "k");
	static struct tp_retained r;
	assert_int_equal(tp_topictab_retained_get(tab, 0, &r), 0);
	assert_true(r.set && r.len == 1 && r.data[0] == 'k');
	assert_string_equal(r.sender, "pub");
	assert_true(r.published == 2);
	tp_fanout_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(policies, setup, teardown),
		cmocka_unit_test_setup_teardown(too_big_and_retained, setup, teardown),
	};
	snprintf(rundir, sizeof rundir, "/tmp/troupe-test.XXXXXX");
	if (!mkdtemp(rundir))
		return 1;
	setenv("TROUPE_RUN_DIR", rundir, 1);
	int failed = 0;
	/* Every transport where drop_oldest is possible (evict). */
	for (size_t i = 0; tp_transports[i]; i++) {
		T = tp_transports[i];
		if (!T->evict)
			continue;
		char name[32];
		snprintf(name, sizeof name, "fan-out on %s", T->name);
		failed += _cmocka_run_group_tests(name, tests, sizeof tests / sizeof *tests,
						  NULL, NULL);
	}
	rmdir(rundir);
	return failed;
}
