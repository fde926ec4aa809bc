/* The actor's receive path (runtime/lib/mail.c) on a real mailbox:
 * malformed messages are dropped, counted and logged, and never stop the
 * mail behind them; a reply that no call waits for is dropped as late;
 * messages reach receive highest priority first, in sending order within
 * one priority. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pb_encode.h>
#include "actor-internal.h"
#include "logger.pb.h"

#define DEPTH 10
#define MSG_MAX 256

static tp_actor actor;
static struct tp_mbox *tx;
static char got[DEPTH][320];
static unsigned ngot;
static char logbuf[4096];
static size_t loglen;

/* tp_log's lines, kept to check them (stderr stays the runner's). */
static void keep_line(void *arg, const char *line)
{
	(void)arg;
	loglen += (size_t)snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s\n", line);
	if (loglen >= sizeof logbuf)
		loglen = sizeof logbuf - 1;
}

static int on_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state;
	demo_LogLine l;
	assert_int_equal(tp_decode(m, demo_LogLine, &l), 0);
	assert_true(ngot < DEPTH);
	snprintf(got[ngot++], sizeof got[0], "%u %s %s", m->prio, m->sender, l.text);
	return 0;
}

static const struct tp_actor_ops ops = { .receive = on_receive };

static int setup(void **st)
{
	(void)st;
	char path[64];
	struct tp_mbox_attr a = { .depth = DEPTH, .msg_max = MSG_MAX, .mode = 0600 };
	char err[256] = "";
	snprintf(path, sizeof path, "/troupe.unit%d.mail", (int)getpid());
	const struct tp_transport *t = tp_transport_find("mq");
	if (!t || tp_mailbox_create(&actor.box, t, path, &a, 0, err, sizeof err)) {
		fprintf(stderr, "cannot create %s: %s\n", path, err);
		return -1;
	}
	/* Unlinked at once: both ends stay usable, nothing outlives the test. */
	int rc = t->attach(path, TP_MBOX_SEND, &tx);
	t->unlink(path);
	actor.ops = &ops;
	actor.rbuf = malloc(MSG_MAX);
	tp_log_set_sink(keep_line, NULL);
	return rc || !actor.rbuf ? -1 : 0;
}

static int teardown(void **st)
{
	(void)st;
	actor.box.t->close(tx);
	tp_mailbox_close(&actor.box);
	free(actor.rbuf);
	tp_log_set_sink(NULL, NULL);
	return 0;
}

/* A LogLine envelope from sender, as an actor would send it. */
static size_t line(uint8_t *buf, const char *sender, const char *text,
		   uint8_t prio, uint8_t flags)
{
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = prio, .flags = flags,
			      .type = demo_LogLine_msgid, .dest = "me" };
	strcpy(env.sender, sender);
	int off = tp_env_encode_head(buf, MSG_MAX, &env);
	assert_true(off > 0);
	demo_LogLine l = { 0 };
	strcpy(l.text, text);
	pb_ostream_t os = pb_ostream_from_buffer(buf + off, MSG_MAX - off);
	assert_true(pb_encode(&os, demo_LogLine_fields, &l));
	tp_env_set_len(buf, (uint32_t)os.bytes_written);
	return off + os.bytes_written;
}

static void put(const void *buf, size_t len, unsigned prio)
{
	assert_int_equal(actor.box.t->send(tx, buf, len, prio, 0), 0);
}

static void garbage_is_dropped_and_logged(void **st)
{
	(void)st;
	uint8_t buf[MSG_MAX];
	size_t n;
	ngot = 0;
	actor.dropped_bad = actor.dropped_late = 0;
	put("\x02garbage", 8, 1);                        /* too short */
	n = line(buf, "a", "one", 1, 0);
	put(buf, n, 1);
	buf[0] = 7;                                      /* unknown version */
	put(buf, n, 1);
	n = line(buf, "a", "two", 1, 0);
	put(buf, n - 1, 1);                              /* payload cut short */
	put("", 0, 1);                                   /* empty */
	n = line(buf, "b", "late", 1, TP_ENV_F_REPLY);   /* no call waits */
	put(buf, n, 1);
	n = line(buf, "a", "three", 1, 0);
	put(buf, n, 1);

	tp_mail_drain(&actor, DEPTH + 1);
	assert_int_equal(ngot, 2);
	assert_string_equal(got[0], "1 a one");
	assert_string_equal(got[1], "1 a three");
	assert_int_equal(actor.dropped_bad, 4);
	assert_int_equal(actor.dropped_late, 1);
	struct tp_mbox_stat s;
	assert_int_equal(tp_mailbox_stat(&actor.box, &s), 0);
	assert_int_equal(s.depth, 0);
	assert_non_null(strstr(logbuf, "dropped a malformed message of 8 bytes: truncated or malformed message"));
	assert_non_null(strstr(logbuf, "unsupported version"));
	assert_non_null(strstr(logbuf, "dropped a malformed message of 0 bytes"));
}

static void priority_then_order(void **st)
{
	(void)st;
	uint8_t buf[MSG_MAX];
	static const struct { const char *sender, *text; uint8_t prio; } in[] = {
		{ "a", "a1", 1 }, { "b", "b1", 0 }, { "a", "a2", 3 }, { "b", "b2", 1 },
		{ "a", "a3", 1 }, { "b", "b3", 3 }, { "a", "a4", 2 },
	};
	static const char *const want[] = {
		"3 a a2", "3 b b3", "2 a a4", "1 a a1", "1 b b2", "1 a a3", "0 b b1",
	};
	ngot = 0;
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
		put(buf, line(buf, in[i].sender, in[i].text, in[i].prio, 0), in[i].prio);
	tp_mail_drain(&actor, DEPTH);
	assert_int_equal(ngot, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < ngot; i++)
		assert_string_equal(got[i], want[i]);
}

/* A send's timeout: 0 is the actor's default, TP_NOWAIT and TP_FOREVER
 * are named, any other negative value is refused. */
static void send_timeouts(void **st)
{
	(void)st;
	const int64_t now = 5000000000LL, ms = 1000000;
	assert_int_equal(tp_send_deadline(0, 1000, now), now + 1000 * ms);
	assert_int_equal(tp_send_deadline(0, 250, now), now + 250 * ms);
	assert_int_equal(tp_send_deadline(0, 0, now), 0);   /* a default of not waiting */
	assert_int_equal(tp_send_deadline(30, 1000, now), now + 30 * ms);
	assert_int_equal(tp_send_deadline(TP_NOWAIT, 1000, now), 0);
	assert_true(tp_send_deadline(TP_FOREVER, 1000, now) == TP_DEADLINE_NEVER);
	assert_int_equal(tp_send_deadline(-3, 1000, now), -TP_EINVAL);
	assert_int_equal(tp_send_deadline(-1000, 1000, now), -TP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(garbage_is_dropped_and_logged),
		cmocka_unit_test(priority_then_order),
		cmocka_unit_test(send_timeouts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
