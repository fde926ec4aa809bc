/* The envelope codec: round trip, and every kind of bad input rejected
 * with the right code (truncated, oversized, unknown version, bad names). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/envelope.h"
#include "troupe/error.h"

static size_t make(uint8_t *buf, size_t cap, const char *payload)
{
	struct tp_env env = {
		.version = TP_ENV_VERSION, .flags = TP_ENV_F_REQUEST, .prio = 2,
		.type = 1005, .corr = 0xfeedfacedeadbeefull,
		.sent_ns = 0x0123456789abcdefull, .sender = "sensor", .dest = "filter",
	};
	int off = tp_env_encode_head(buf, cap, &env);
	assert_true(off > 0);
	size_t pl = strlen(payload);
	memcpy(buf + off, payload, pl);
	tp_env_set_len(buf, (uint32_t)pl);
	return off + pl;
}

static void round_trip(void **st)
{
	(void)st;
	uint8_t buf[128];
	size_t len = make(buf, sizeof buf, "hello");
	assert_int_equal(len, TP_ENV_HDR_LEN + 6 + 6 + 5);
	struct tp_env e;
	assert_int_equal(tp_env_decode(buf, len, 64, &e), 0);
	assert_int_equal(e.version, TP_ENV_VERSION);
	assert_int_equal(e.flags, TP_ENV_F_REQUEST);
	assert_int_equal(e.prio, 2);
	assert_int_equal(e.type, 1005);
	assert_true(e.corr == 0xfeedfacedeadbeefull);   /* all 64 bits */
	assert_true(e.sent_ns == 0x0123456789abcdefull);
	assert_true(tp_env_sent(buf) == 0x0123456789abcdefull);
	tp_env_set_sent(buf, 42);
	assert_int_equal(tp_env_decode(buf, len, 64, &e), 0);
	assert_true(e.sent_ns == 42);
	assert_string_equal(e.sender, "sensor");
	assert_string_equal(e.dest, "filter");
	assert_int_equal(e.payload_len, 5);
	assert_memory_equal(e.payload, "hello", 5);
}

/* NOTIFY is written and read, and can be taken off in place; bit 4 is no
 * flag (an older reader refuses bit 3 too: node links strip it). */
static void notify_flag(void **st)
{
	(void)st;
	uint8_t buf[128];
	struct tp_env env = { .version = TP_ENV_VERSION, .flags = TP_ENV_F_NOTIFY,
			      .type = 1005, .corr = 7, .sender = "a", .dest = "b@n" }, e;
	int off = tp_env_encode_head(buf, sizeof buf, &env);
	assert_true(off > 0);
	tp_env_set_len(buf, 0);
	assert_int_equal(tp_env_decode(buf, (size_t)off, 0, &e), 0);
	assert_int_equal(e.flags, TP_ENV_F_NOTIFY);
	assert_int_equal(tp_env_flags(buf), TP_ENV_F_NOTIFY);
	tp_env_set_flags(buf, 0);
	assert_int_equal(tp_env_decode(buf, (size_t)off, 0, &e), 0);
	assert_int_equal(e.flags, 0);
	tp_env_set_flags(buf, 1 << 4);
	assert_int_equal(tp_env_decode(buf, (size_t)off, 0, &e), -TP_ETRUNC);
	env.flags = 1 << 4;
	assert_int_equal(tp_env_encode_head(buf, sizeof buf, &env), -TP_EINVAL);
}

static void empty_payload(void **st)
{
	(void)st;
	uint8_t buf[64];
	size_t len = make(buf, sizeof buf, "");
	struct tp_env e;
	assert_int_equal(tp_env_decode(buf, len, 0, &e), 0);
	assert_int_equal(e.payload_len, 0);
}

/* Every prefix of a valid message is rejected, none read past its end. */
static void truncated(void **st)
{
	(void)st;
	uint8_t buf[128];
	size_t len = make(buf, sizeof buf, "payload");
	struct tp_env e;
	for (size_t n = 0; n < len; n++) {
		int rc = tp_env_decode(buf, n, 64, &e);
		assert_int_equal(rc, -TP_ETRUNC);
	}
}

static void trailing_bytes(void **st)
{
	(void)st;
	uint8_t buf[128];
	size_t len = make(buf, sizeof buf, "x");
	buf[len] = 0;
	struct tp_env e;
	assert_int_equal(tp_env_decode(buf, len + 1, 64, &e), -TP_ETRUNC);
}

static void oversized(void **st)
{
	(void)st;
	uint8_t buf[128];
	size_t len = make(buf, sizeof buf, "0123456789");
	struct tp_env e;
	assert_int_equal(tp_env_decode(buf, len, 9, &e), -TP_ETOOBIG);
	/* A length field that claims 4 GiB is refused before any use. */
	buf[12] = buf[13] = buf[14] = buf[15] = 0xff;
	assert_int_equal(tp_env_decode(buf, len, 1u << 20, &e), -TP_ETOOBIG);
}

static void unknown_version(void **st)
{
	(void)st;
	uint8_t buf[128];
	size_t len = make(buf, sizeof buf, "x");
	struct tp_env e;
	static const uint8_t versions[] = { 0, 1, TP_ENV_VERSION + 1, 0xff };
	for (size_t i = 0; i < sizeof versions; i++) {
		buf[0] = versions[i];
		assert_int_equal(tp_env_decode(buf, len, 64, &e), -TP_EVERSION);
	}
}

/* Version 1 (20-byte header, no send time) is refused as any unknown
 * version: the same bytes read as version 2 would misplace the names. */
static void version_1_refused(void **st)
{
	(void)st;
	static const uint8_t v1[] = {
		0x01, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0xec, 0x03, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 'a', 'b',
	};
	struct tp_env e;
	assert_int_equal(tp_env_decode(v1, sizeof v1, 64, &e), -TP_EVERSION);
}

static void bad_fields(void **st)
{
	(void)st;
	uint8_t buf[128], bad[128];
	size_t len = make(buf, sizeof buf, "x");
	struct tp_env e;
	static const struct { size_t off; uint8_t val; } cases[] = {
		{ 1, 0x80 },   /* unknown flag */
		{ 2, 4 },      /* priority out of range */
		{ 3, 0 },      /* empty sender */
		{ 6, 1 },      /* reserved byte set */
		{ 7, 1 },      /* the other reserved byte */
		{ 5, 128 },    /* topic longer than any */
		{ 32, 0 },     /* NUL inside the sender name */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(bad, buf, len);
		bad[cases[i].off] = cases[i].val;
		assert_int_equal(tp_env_decode(bad, len, 64, &e), -TP_ETRUNC);
	}
}

/* A header-only message from sender to "okay", bypassing the encoder's
 * checks as a hostile peer would. */
static size_t forge(uint8_t *buf, const char *sender)
{
	size_t n = strlen(sender);
	struct tp_env env = { .version = TP_ENV_VERSION, .sender = "s", .dest = "okay" };
	assert_true(tp_env_encode_head(buf, 256, &env) > 0);
	buf[3] = (uint8_t)n;
	memcpy(buf + TP_ENV_HDR_LEN, sender, n);
	memcpy(buf + TP_ENV_HDR_LEN + n, "okay", 4);
	return TP_ENV_HDR_LEN + n + 4;
}

/* Regression (fuzz_envelope, found in 142 executions): a name with bytes
 * outside docs/WIRE.md's grammar was accepted, so a sender called
 * "fil\nlogger: ALARM" could forge a line in any log that prints senders.
 * The first case is the fuzzer's input as found (made version 2). */
static void names_outside_grammar(void **st)
{
	(void)st;
	static const uint8_t found[] = {
		0x02, 0x00, 0x01, 0x06, 0x06, 0x00, 0x00, 0x00, 0xeb, 0x03, 0x00, 0x00,
		0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
		's', 'e', 'n', 's',
		'o', 'r', 'f', 'i', 'l', 'B', ' ', 0x01,
	};
	struct tp_env e;
	assert_int_equal(tp_env_decode(found, sizeof found, 64, &e), -TP_ETRUNC);

	static const char *const bad[] = {
		"fil\nx", "a b", "x\x1b[2J", "@node", "actor@", "a@b@c", "caf\xc3\xa9",
	};
	static const char *const good[] = {
		"a", "filter", "logger@board-2", "A_9-z", "troupe.daemon",
	};
	uint8_t buf[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tp_env env = { .version = TP_ENV_VERSION, .sender = "ok" };
		strcpy(env.dest, bad[i]);
		assert_int_equal(tp_env_encode_head(buf, sizeof buf, &env), -TP_EINVAL);
		/* The same name forged on the wire is refused on arrival. */
		assert_int_equal(tp_env_decode(buf, forge(buf, bad[i]), 64, &e), -TP_ETRUNC);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct tp_env env = { .version = TP_ENV_VERSION, .sender = "ok" };
		strcpy(env.dest, good[i]);
		int off = tp_env_encode_head(buf, sizeof buf, &env);
		assert_true(off > 0);
		assert_int_equal(tp_env_decode(buf, (size_t)off, 64, &e), 0);
		assert_string_equal(e.dest, good[i]);
	}
}

static void encode_limits(void **st)
{
	(void)st;
	uint8_t buf[256];
	struct tp_env env = { .version = TP_ENV_VERSION, .sender = "a", .dest = "b" };
	assert_int_equal(tp_env_encode_head(buf, TP_ENV_HDR_LEN + 1, &env), -TP_ETOOBIG);
	memset(env.sender, 'x', TP_ENV_NAME_MAX);
	env.sender[TP_ENV_NAME_MAX] = '\0';
	assert_true(tp_env_encode_head(buf, sizeof buf, &env) > 0);
	env.prio = 4;
	assert_int_equal(tp_env_encode_head(buf, sizeof buf, &env), -TP_EINVAL);
	env.prio = 0;
	env.dest[0] = '\0';
	assert_int_equal(tp_env_encode_head(buf, sizeof buf, &env), -TP_EINVAL);
}

static void strerror_table(void **st)
{
	(void)st;
	for (int i = 0; i < TP_ERR_COUNT; i++)
		assert_string_not_equal(tp_strerror(-i), "unknown error");
	assert_string_equal(tp_strerror(-TP_EFULL), tp_strerror(TP_EFULL));
	assert_string_equal(tp_strerror(9999), "unknown error");
}

/* A topic after the destination (topic_len in byte 5). */
static size_t make_topic(uint8_t *buf, size_t cap, const char *topic, const char *payload)
{
	struct tp_env env = {
		.version = TP_ENV_VERSION, .prio = 1, .type = 1001,
		.sender = "pub", .dest = "sub",
	};
	snprintf(env.topic, sizeof env.topic, "%s", topic);
	int off = tp_env_encode_head(buf, cap, &env);
	if (off < 0)
		return 0;
	size_t pl = strlen(payload);
	memcpy(buf + off, payload, pl);
	tp_env_set_len(buf, (uint32_t)pl);
	return off + pl;
}

static void topic_round_trip(void **st)
{
	(void)st;
	uint8_t buf[256], bad[256];
	size_t len = make_topic(buf, sizeof buf, "sensors/kitchen/temp", "xy");
	assert_int_equal(len, TP_ENV_HDR_LEN + 3 + 3 + 20 + 2);
	assert_int_equal(buf[0], TP_ENV_VERSION);
	assert_int_equal(buf[5], 20);
	struct tp_env e;
	assert_int_equal(tp_env_decode(buf, len, 64, &e), 0);
	assert_int_equal(e.version, TP_ENV_VERSION);
	assert_string_equal(e.topic, "sensors/kitchen/temp");
	assert_string_equal(e.dest, "sub");
	assert_int_equal(e.payload_len, 2);
	assert_memory_equal(e.payload, "xy", 2);
	/* A message without a topic decodes with "". */
	len = make(bad, sizeof bad, "x");
	assert_int_equal(tp_env_decode(bad, len, 64, &e), 0);
	assert_string_equal(e.topic, "");
	/* Wildcards, blanks: refused both ways.  An empty topic is none. */
	assert_int_equal(make_topic(buf, sizeof buf, "a/+", ""), 0);
	assert_int_equal(make_topic(buf, sizeof buf, "", ""), TP_ENV_HDR_LEN + 6);
	assert_int_equal(buf[5], 0);
	len = make_topic(buf, sizeof buf, "a/b", "");
	memcpy(bad, buf, len);
	bad[TP_ENV_HDR_LEN + 6 + 1] = '#';        /* "a#b" */
	assert_int_equal(tp_env_decode(bad, len, 64, &e), -TP_ETRUNC);
	memcpy(bad, buf, len);
	bad[TP_ENV_HDR_LEN + 6 + 2] = '\0';       /* "a/\0": a NUL inside */
	assert_int_equal(tp_env_decode(bad, len, 64, &e), -TP_ETRUNC);
	memcpy(bad, buf, len);
	bad[5] = 0;                               /* the topic's bytes left over */
	assert_int_equal(tp_env_decode(bad, len, 64, &e), -TP_ETRUNC);
	memcpy(bad, buf, len);
	bad[5] = 4;                               /* longer than the message */
	assert_int_equal(tp_env_decode(bad, len, 64, &e), -TP_ETRUNC);
	/* Too small a buffer for the topic. */
	assert_int_equal(make_topic(buf, TP_ENV_HDR_LEN + 6 + 2, "a/b", ""), 0);
}

/* Version 2 as an older node writes it, by hand (docs/WIRE.md): a
 * 28-byte header with a 32-bit corr, "ab" to "cd", payload "xyz". */
static const uint8_t v2_bytes[] = {
	0x02, 0x02, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00,   /* REPLY, prio 1 */
	0xed, 0x03, 0x00, 0x00,                           /* type 1005 */
	0xef, 0xbe, 0xad, 0xde,                           /* corr */
	0x03, 0x00, 0x00, 0x00,                           /* payload_len */
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,   /* sent_ns */
	'a', 'b', 'c', 'd', 'x', 'y', 'z',
};

static void older_versions_decode(void **st)
{
	(void)st;
	uint8_t buf[sizeof v2_bytes + 4];
	struct tp_env e;
	memcpy(buf, v2_bytes, sizeof v2_bytes);
	assert_int_equal(tp_env_decode(buf, sizeof v2_bytes, 64, &e), 0);
	assert_int_equal(e.version, TP_ENV_VERSION_2);
	assert_int_equal(e.flags, TP_ENV_F_REPLY);
	assert_int_equal(e.type, 1005);
	assert_true(e.corr == 0xdeadbeefull);   /* zero-extended */
	assert_true(e.sent_ns == 0x0102030405060708ull);
	assert_string_equal(e.sender, "ab");
	assert_string_equal(e.dest, "cd");
	assert_string_equal(e.topic, "");
	assert_int_equal(e.payload_len, 3);
	assert_memory_equal(e.payload, "xyz", 3);
	/* Length and send time in place, at version 2's offsets. */
	tp_env_set_sent(buf, 99);
	assert_true(tp_env_sent(buf) == 99);
	tp_env_set_len(buf, 2);
	assert_int_equal(tp_env_decode(buf, sizeof v2_bytes - 1, 64, &e), 0);
	assert_true(e.corr == 0xdeadbeefull && e.sent_ns == 99 && e.payload_len == 2);
	/* Version 3: the same with topic "t/u" before the payload. */
	uint8_t v3[sizeof v2_bytes + 3];
	memcpy(v3, v2_bytes, 32);
	v3[0] = TP_ENV_VERSION_3;
	v3[5] = 3;
	memcpy(v3 + 32, "t/uxyz", 6);
	assert_int_equal(tp_env_decode(v3, sizeof v3, 64, &e), 0);
	assert_int_equal(e.version, TP_ENV_VERSION_3);
	assert_string_equal(e.topic, "t/u");
	assert_true(e.corr == 0xdeadbeefull);
	assert_memory_equal(e.payload, "xyz", 3);
	v3[5] = 0;   /* version 3 must have a topic */
	assert_int_equal(tp_env_decode(v3, sizeof v3, 64, &e), -TP_ETRUNC);
	/* Version 2 has none: topic_len is its reserved byte there. */
	memcpy(buf, v2_bytes, sizeof v2_bytes);
	buf[5] = 1;
	assert_int_equal(tp_env_decode(buf, sizeof v2_bytes, 64, &e), -TP_ETRUNC);
	/* Every prefix of version 2 is short, even one of 28..31 bytes. */
	for (size_t n = 0; n < sizeof v2_bytes; n++)
		assert_int_equal(tp_env_decode(v2_bytes, n, 64, &e), -TP_ETRUNC);
}

/* What a node link to an older peer sends: version 2 (or 3 with a
 * topic), the low 32 bits of corr, everything else the same. */
static void downgrade(void **st)
{
	(void)st;
	uint8_t buf[128], old[128];
	struct tp_env a, b;
	size_t len = make(buf, sizeof buf, "hello");
	int n = tp_env_downgrade(buf, len, old, sizeof old);
	assert_int_equal(n, (int)len - 4);
	assert_int_equal(old[0], TP_ENV_VERSION_2);
	assert_int_equal(tp_env_decode(buf, len, 64, &a), 0);
	assert_int_equal(tp_env_decode(old, (size_t)n, 64, &b), 0);
	assert_true(b.corr == 0xdeadbeefull);
	assert_true(b.sent_ns == a.sent_ns && b.type == a.type && b.prio == a.prio &&
		    b.flags == a.flags && b.payload_len == a.payload_len);
	assert_string_equal(b.sender, a.sender);
	assert_string_equal(b.dest, a.dest);
	assert_memory_equal(b.payload, "hello", 5);
	/* With a topic: version 3. */
	len = make_topic(buf, sizeof buf, "a/b", "xy");
	n = tp_env_downgrade(buf, len, old, sizeof old);
	assert_int_equal(n, (int)len - 4);
	assert_int_equal(old[0], TP_ENV_VERSION_3);
	assert_int_equal(tp_env_decode(old, (size_t)n, 64, &b), 0);
	assert_string_equal(b.topic, "a/b");
	assert_memory_equal(b.payload, "xy", 2);
	/* Too small a buffer; not version 4 (twice is refused); short. */
	assert_int_equal(tp_env_downgrade(buf, len, old, len - 5), -TP_ETOOBIG);
	assert_int_equal(tp_env_downgrade(old, (size_t)n, buf, sizeof buf), -TP_ETRUNC);
	assert_int_equal(tp_env_downgrade(buf, TP_ENV_HDR_LEN - 1, old, sizeof old),
			 -TP_ETRUNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(empty_payload),
		cmocka_unit_test(notify_flag),
		cmocka_unit_test(truncated),
		cmocka_unit_test(trailing_bytes),
		cmocka_unit_test(oversized),
		cmocka_unit_test(unknown_version),
		cmocka_unit_test(version_1_refused),
		cmocka_unit_test(bad_fields),
		cmocka_unit_test(names_outside_grammar),
		cmocka_unit_test(encode_limits),
		cmocka_unit_test(strerror_table),
		cmocka_unit_test(topic_round_trip),
		cmocka_unit_test(older_versions_decode),
		cmocka_unit_test(downgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
