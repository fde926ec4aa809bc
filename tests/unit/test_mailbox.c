/* The mailbox layer (runtime/lib/mailbox.c) on a real mq mailbox and a
 * real counters segment: what each call counts and traces, exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "mailbox.h"
#include "clock.h"
#include "troupe/actor.h"
#include "troupe/error.h"
#include "env_test.h"

#define DEPTH 4
#define MSG_MAX 128
#define IX 3

static char node[32], path[64];
static struct tp_counters *ctr;
static struct tp_mailbox own, tx;

static int setup(void **st)
{
	(void)st;
	snprintf(node, sizeof node, "mbx%d", (int)getpid());
	snprintf(path, sizeof path, "/troupe.%s.box", node);
	if (tp_counters_create(node, 0600, &ctr))
		return -1;
	tp_counters_unlink(node);   /* mapped: nothing outlives the test */
	struct tp_mbox_attr a = { .depth = DEPTH, .msg_max = MSG_MAX, .mode = 0600,
				  .when_full = TP_FULL_REJECT };
	char err[256] = "";
	const struct tp_transport *t = tp_transport_find("mq");
	if (tp_mailbox_create(&own, t, path, &a, IX, err, sizeof err)) {
		print_error("create %s: %s\n", path, err);
		return -1;
	}
	own.ctr = ctr;
	own.name = "me";
	struct tp_reg_entry e = { .depth = DEPTH, .msg_max = MSG_MAX };
	snprintf(e.transport, sizeof e.transport, "mq");
	snprintf(e.mailbox, sizeof e.mailbox, "%s", path);
	int rc = tp_mailbox_attach(&tx, &e, IX, TP_MBOX_SEND, ctr);
	t->unlink(path);
	return rc;
}

static int teardown(void **st)
{
	(void)st;
	tp_mailbox_close(&tx);
	tp_mailbox_close(&own);
	tp_counters_close(ctr);
	return 0;
}

static size_t envelope(uint8_t *buf, const char *text, uint64_t sent_ns)
{
	return test_env_text(buf, MSG_MAX, "you", "me", 7, 1, sent_ns, text);
}

static struct tp_ctr get(void)
{
	struct tp_ctr c;
	tp_counters_get(ctr, IX, &c);
	return c;
}

/* Limits come from the mailbox itself; attach of a transport this build
 * has not is a configuration error, not a crash. */
static void limits_and_unknown_transport(void **st)
{
	(void)st;
	assert_int_equal(tx.msg_max, MSG_MAX);
	assert_int_equal(tx.depth, DEPTH);
	assert_int_equal(own.ix, IX);
	struct tp_reg_entry e = { .transport = "nope", .mailbox = "/troupe.x.y" };
	struct tp_mailbox m;
	assert_int_equal(tp_mailbox_attach(&m, &e, 0, TP_MBOX_SEND, ctr), -TP_ECONFIG);
	assert_null(m.mb);
	struct tp_mbox_stat s;
	assert_int_equal(tp_mailbox_stat(&m, &s), 0);
	assert_int_equal(s.capacity, 0);
	uint8_t buf[8];
	assert_int_equal(tp_mailbox_send(&m, buf, 8, 1, 0, TP_VIA_SEND), -TP_ECLOSED);
}

/* sent counts what went in, rejected what found it full; try's full is
 * neither (its sender keeps the message); received and dropped count
 * what came out; sent - received is the depth. */
static void counts_exactly(void **st)
{
	(void)st;
	uint8_t buf[MSG_MAX], in[MSG_MAX];
	size_t n = envelope(buf, "hello", (uint64_t)tp_now_ns());
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(tp_mailbox_send(&tx, buf, n, 1, 0, TP_VIA_SEND), 0);
	assert_int_equal(tp_mailbox_send(&tx, buf, n, 1, 0, TP_VIA_SEND), -TP_EFULL);
	assert_int_equal(tp_mailbox_try(&tx, buf, n, 1, TP_VIA_LINK), -TP_EFULL);
	struct tp_ctr c = get();
	assert_int_equal(c.sent, DEPTH);
	assert_int_equal(c.rejected_full, 1);
	assert_int_equal(c.hwm, DEPTH);
	assert_int_equal(c.received, 0);

	struct tp_env env;
	int bad = -1;
	assert_int_equal(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad), (int)n);
	assert_int_equal(bad, 0);
	assert_string_equal(env.sender, "you");
	assert_int_equal(env.payload_len, 5);
	assert_memory_equal(env.payload, "hello", 5);
	tp_mailbox_took(&own, &env, 0);
	assert_int_equal(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad), (int)n);
	tp_mailbox_discard(&own);
	c = get();
	assert_int_equal(c.received, 2);
	assert_int_equal(c.dropped, 1);
	assert_int_equal(c.lat_n, 1);   /* only what was taken to handle */

	/* Room again: the kept message goes, once. */
	assert_int_equal(tp_mailbox_try(&tx, buf, n, 1, TP_VIA_LINK), 0);
	assert_int_equal(get().sent, DEPTH + 1);
	while (tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad) >= 0)
		assert_int_equal(bad, 0);
	c = get();
	assert_int_equal(c.received, c.sent);
	assert_int_equal(c.rejected_full, 1);
	assert_int_equal(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad), -TP_EEMPTY);
	assert_int_equal(get().received, c.sent);
}

/* Garbage is taken out, counted received and dropped, and named. */
static void malformed_is_counted_dropped(void **st)
{
	(void)st;
	uint8_t in[MSG_MAX];
	struct tp_ctr c0 = get();
	assert_int_equal(tx.t->send(tx.mb, "\x02junk", 5, 1, 0), 0);
	struct tp_env env;
	int bad = 0;
	assert_int_equal(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad), 5);
	assert_int_equal(bad, -TP_ETRUNC);
	struct tp_ctr c = get();
	assert_int_equal(c.received, c0.received + 1);
	assert_int_equal(c.dropped, c0.dropped + 1);
}

/* While the node traces: a send, a link's delivery and a receive, each
 * one event with the envelope's names; a try that found it full, none. */
static void traces_each_move_once(void **st)
{
	(void)st;
	uint8_t buf[MSG_MAX], in[MSG_MAX];
	size_t n = envelope(buf, "hi", (uint64_t)tp_now_ns());
	__atomic_store_n(&ctr->tracing, 1, __ATOMIC_RELAXED);
	uint64_t h0 = tp_trace_head(ctr);
	assert_int_equal(tp_mailbox_send(&tx, buf, n, 1, 0, TP_VIA_SEND), 0);
	assert_int_equal(tp_mailbox_send(&tx, buf, n, 1, 0, TP_VIA_LINK), 0);
	struct tp_env env;
	int bad;
	assert_int_equal(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad), (int)n);
	tp_mailbox_took(&own, &env, 0);
	__atomic_store_n(&ctr->tracing, 0, __ATOMIC_RELAXED);
	assert_int_equal(tp_trace_head(ctr), h0 + 3);
	static const uint32_t kinds[] = { TP_TRACE_SEND, TP_TRACE_LINK_IN, TP_TRACE_RECV };
	for (unsigned k = 0; k < 3; k++) {
		struct tp_trace_ev ev;
		assert_int_equal(tp_trace_get(ctr, h0 + k, &ev), 0);
		assert_int_equal(ev.kind, kinds[k]);
		assert_string_equal(ev.from, "you");
		assert_string_equal(ev.to, "me");
		assert_int_equal(ev.type, 7);
		assert_int_equal(ev.len, 2);
		assert_true(k == 0 ? ev.lat_ns == -1 : ev.lat_ns >= 0);
	}
	while (tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad) >= 0)
		;
}

/* An error reply: a REPLY with the request's corr id and priority, type
 * TP_ERROR_MSGID, its code and reason read back; counted like any mail.
 * Ordinary replies and malformed error payloads are told apart. */
static void error_reply_round_trip(void **st)
{
	(void)st;
	uint8_t buf[MSG_MAX], in[MSG_MAX];
	struct tp_refusal r = { .from = "greeter", .to = "me", .corr = 77, .type = 1001,
				.prio = 2, .err = -TP_ETYPE, .reason = "receive of type 1001 failed" };
	uint64_t sent = get().sent;
	assert_int_equal(tp_mailbox_refuse(&tx, buf, sizeof buf, &r, 0), 0);
	assert_int_equal(get().sent, sent + 1);
	struct tp_env env;
	int bad = -1;
	assert_true(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad) > 0);
	assert_int_equal(bad, 0);
	assert_int_equal(env.flags, TP_ENV_F_REPLY);
	assert_int_equal(env.corr, 77);
	assert_int_equal(env.prio, 2);
	assert_int_equal(env.type, TP_ERROR_MSGID);
	assert_string_equal(env.sender, "greeter");
	assert_string_equal(env.dest, "me");
	char why[128];
	assert_int_equal(tp_mailbox_error_read(&env, why, sizeof why), -TP_ETYPE);
	assert_string_equal(why, "receive of type 1001 failed");

	/* A positive code is the same code. */
	r.err = TP_EBUSY;
	assert_int_equal(tp_mailbox_refuse(&tx, buf, sizeof buf, &r, 0), 0);
	assert_true(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad) > 0);
	assert_int_equal(tp_mailbox_error_read(&env, NULL, 0), -TP_EBUSY);

	/* Not an error reply: an ordinary reply, or a request of that type. */
	struct tp_env other = env;
	other.type = 1101;
	assert_int_equal(tp_mailbox_error_read(&other, why, sizeof why), 0);
	other = env;
	other.flags = TP_ENV_F_REQUEST;
	assert_int_equal(tp_mailbox_error_read(&other, why, sizeof why), 0);
	/* A payload that is no troupe.Error, or a code of 0, is still an error. */
	other = env;
	other.payload = (const uint8_t *)"\xff\xff";
	other.payload_len = 2;
	assert_int_equal(tp_mailbox_error_read(&other, why, sizeof why), -TP_EDECODE);
	assert_string_equal(why, "malformed error reply");
	other.payload_len = 0;
	assert_int_equal(tp_mailbox_error_read(&other, NULL, 0), -TP_EDECODE);
	/* Names too long for the envelope are refused before anything is sent. */
	char longname[TP_ENV_NAME_MAX + 2];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	r.to = longname;
	assert_int_equal(tp_mailbox_refuse(&tx, buf, sizeof buf, &r, 0), -TP_EINVAL);
}

/* Every integer of the envelope at its extremes, as any writer of the
 * mailbox could put it (docs/WIRE.md's layout, little-endian), through
 * what a receiver does with it: decode, count, latency, trace, error
 * reply.  Refused or taken, never undefined: CI runs this under UBSan. */
static void le(uint8_t *p, uint64_t v, int n)
{
	for (int k = 0; k < n; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static void every_field_at_its_extremes(void **st)
{
	(void)st;
	static const uint64_t u8[] = { 0, 1, 2, 3, 4, 0x7f, 0x80, 0xff };
	static const uint64_t u32[] = { 0, 1, 14, 0x7fffffff, 0x80000000, 0xffffffff };
	static const uint64_t u64[] = { 0, 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1,
					UINT64_MAX };
	/* field offset, width, values */
	struct { int off, n; const uint64_t *v; size_t nv; } f[] = {
		{ 0, 1, u8, 8 }, { 1, 1, u8, 8 }, { 2, 1, u8, 8 }, { 3, 1, u8, 8 },
		{ 4, 1, u8, 8 }, { 5, 1, u8, 8 }, { 8, 4, u32, 6 }, { 12, 4, u32, 6 },
		{ 16, 4, u32, 6 }, { 20, 8, u64, 5 },
	};
	uint8_t good[MSG_MAX], buf[MSG_MAX], in[MSG_MAX];
	size_t len = envelope(good, "hi", 1);
	__atomic_store_n(&ctr->tracing, 1, __ATOMIC_RELAXED);   /* traces too */
	unsigned taken = 0, refused = 0;
	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
		for (size_t j = 0; j < f[k].nv; j++) {
			memcpy(buf, good, len);
			le(buf + f[k].off, f[k].v[j], f[k].n);
			assert_int_equal(tp_mailbox_send(&tx, buf, len, 0, 0, TP_VIA_SEND), 0);
			struct tp_env env;
			int bad = -1;
			assert_int_equal(tp_mailbox_recv(&own, in, sizeof in, 0, &env, &bad), (int)len);
			if (bad) {
				refused++;
				continue;
			}
			taken++;
			tp_mailbox_took(&own, &env, 0);
			char why[96];
			(void)tp_mailbox_error_read(&env, why, sizeof why);
			assert_true(env.prio <= 3);
			assert_true(env.payload_len <= len);
		}
	__atomic_store_n(&ctr->tracing, 0, __ATOMIC_RELAXED);
	/* A stamp from the future (2^63 and up included) is unknown, not an
	 * age: the largest latency counted stays that of real stamps. */
	struct tp_ctr c = get();
	assert_true(c.lat_max_ns < (uint64_t)INT64_MAX / 2);
	assert_true(taken > 0 && refused > 0);
	print_message("%u taken, %u refused\n", taken, refused);
}

/* The request an actor holds is found once, whole, by the daemon. */
static void held_request_taken_once(void **st)
{
	(void)st;
	struct tp_held h;
	assert_false(tp_counters_held(ctr, IX, &h));
	tp_counters_hold(ctr, IX, "caller@b2", 1234, 1005, 1);
	assert_true(tp_counters_held(ctr, IX, &h));
	assert_int_equal(h.corr, 1234);
	assert_int_equal(h.type, 1005);
	assert_int_equal(h.prio, 1);
	assert_string_equal(h.from, "caller@b2");
	assert_false(tp_counters_held(ctr, IX, &h));   /* taken out */
	tp_counters_hold(ctr, IX, "caller", 5, 1005, 1);
	tp_counters_release(ctr, IX);
	assert_false(tp_counters_held(ctr, IX, &h));   /* done with it */
	assert_false(tp_counters_held(NULL, IX, &h));
	assert_false(tp_counters_held(ctr, TP_REG_MAX, &h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limits_and_unknown_transport),
		cmocka_unit_test(counts_exactly),
		cmocka_unit_test(malformed_is_counted_dropped),
		cmocka_unit_test(traces_each_move_once),
		cmocka_unit_test(error_reply_round_trip),
		cmocka_unit_test(held_request_taken_once),
		cmocka_unit_test(every_field_at_its_extremes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
