/* The envelope codec: round trip, and every kind of bad input rejected
 * with the right code (truncated, oversized, unknown version, bad names). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/envelope.h"
#include "troupe/error.h"

static size_t make(uint8_t *buf, size_t cap, const char *payload)
{
	struct tp_env env = {
		.version = TP_ENV_VERSION, .flags = TP_ENV_F_REQUEST, .prio = 2,
		.type = 1005, .corr = 0xdeadbeef, .sender = "sensor", .dest = "filter",
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
	assert_int_equal(e.corr, 0xdeadbeef);
	assert_string_equal(e.sender, "sensor");
	assert_string_equal(e.dest, "filter");
	assert_int_equal(e.payload_len, 5);
	assert_memory_equal(e.payload, "hello", 5);
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
	buf[16] = buf[17] = buf[18] = buf[19] = 0xff;
	assert_int_equal(tp_env_decode(buf, len, 1u << 20, &e), -TP_ETOOBIG);
}

static void unknown_version(void **st)
{
	(void)st;
	uint8_t buf[128];
	size_t len = make(buf, sizeof buf, "x");
	buf[0] = TP_ENV_VERSION + 1;
	struct tp_env e;
	assert_int_equal(tp_env_decode(buf, len, 64, &e), -TP_EVERSION);
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
		{ 5, 1 },      /* reserved byte set */
		{ 20, 0 },     /* NUL inside the sender name */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(bad, buf, len);
		bad[cases[i].off] = cases[i].val;
		assert_int_equal(tp_env_decode(bad, len, 64, &e), -TP_ETRUNC);
	}
}

static void encode_limits(void **st)
{
	(void)st;
	uint8_t buf[256];
	struct tp_env env = { .version = 1, .sender = "a", .dest = "b" };
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(empty_payload),
		cmocka_unit_test(truncated),
		cmocka_unit_test(trailing_bytes),
		cmocka_unit_test(oversized),
		cmocka_unit_test(unknown_version),
		cmocka_unit_test(bad_fields),
		cmocka_unit_test(encode_limits),
		cmocka_unit_test(strerror_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
