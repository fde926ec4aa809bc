/* The daemon's seal (runtime/lib/seal.c, runtime/base/siphash.c):
 * SipHash-2-4 against the paper's vectors; a sealed message taken once,
 * in order per priority; every byte of it covered by the tag; no seal
 * where only the daemon may speak; a made-up seal refused; and the
 * mailbox layer sealing what the daemon puts in and checking what the
 * actor takes out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "seal.h"
#include "siphash.h"

static void siphash_vectors(void **st)
{
	(void)st;
	uint8_t key[16], msg[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* From the SipHash paper's appendix and its reference vectors. */
	assert_true(tp_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(tp_siphash24(key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(tp_siphash24(key, msg, 7) == 0xab0200f58b01d137ull);
	assert_true(tp_siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
	assert_true(tp_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	assert_true(tp_siphash24(key, msg, 63) == 0x958a324ceb064572ull);
}

/* An envelope from sender with prio and a small payload, into buf. */
static size_t env_make(uint8_t *buf, size_t cap, const char *sender, uint8_t prio)
{
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = prio, .type = 12 };
	snprintf(env.sender, sizeof env.sender, "%s", sender);
	snprintf(env.dest, sizeof env.dest, "w");
	int off = tp_env_encode_head(buf, cap, &env);
	assert_true(off > 0);
	memcpy(buf + off, "\x0a\x03" "abc", 5);
	tp_env_set_len(buf, 5);
	return (size_t)off + 5;
}

static int take(const uint8_t *key, uint64_t last[TP_SEAL_PRIOS], const uint8_t *msg,
		size_t len)
{
	struct tp_env env;
	int rc = tp_env_decode(msg, len, 1024, &env);
	return rc ? rc : tp_seal_check(key, last, msg, len, &env);
}

static void sealed_once_in_order(void **st)
{
	(void)st;
	uint8_t key[16] = { 1, 2, 3 }, other[16] = { 9 }, plain[128], a[160], b[160], c[160];
	uint64_t last[TP_SEAL_PRIOS] = { 0 };
	size_t n = env_make(plain, sizeof plain, "troupe.daemon", 1);
	/* Without the seal, troupe.daemon and name@node are refused; others taken. */
	assert_int_equal(take(key, last, plain, n), -TP_EPERM);
	uint8_t remote[128], local[128];
	size_t rn = env_make(remote, sizeof remote, "echo@b2", 1);
	assert_int_equal(take(key, last, remote, rn), -TP_EPERM);
	size_t ln = env_make(local, sizeof local, "echo", 1);
	assert_int_equal(take(key, last, local, ln), 0);
	int la = tp_seal_put(key, 1, plain, n, a, sizeof a);
	int lb = tp_seal_put(key, 2, plain, n, b, sizeof b);
	assert_int_equal(la, (int)n + TP_ENV_SEAL_LEN);
	assert_int_equal(tp_seal_put(key, 3, plain, n, c, n + 15), -TP_ETOOBIG);
	assert_int_equal(tp_seal_put(key, 3, a, (size_t)la, c, sizeof c), -TP_EINVAL);
	/* A key not the mailbox's: refused, and it changes nothing. */
	assert_int_equal(take(other, last, a, (size_t)la), -TP_EPERM);
	assert_int_equal(take(key, last, a, (size_t)la), 0);
	/* The same message again: a replay. */
	assert_int_equal(take(key, last, a, (size_t)la), -TP_EPERM);
	assert_int_equal(take(key, last, b, (size_t)lb), 0);
	/* Each priority counts on its own: a high one may overtake. */
	uint8_t hi_plain[128], hi[160];
	size_t hn = env_make(hi_plain, sizeof hi_plain, "troupe.daemon", 3);
	int lh = tp_seal_put(key, 1, hi_plain, hn, hi, sizeof hi);
	assert_int_equal(take(key, last, hi, (size_t)lh), 0);
	/* Gaps (mail evicted, or never sent) are fine; going back is not. */
	int lc = tp_seal_put(key, 10, plain, n, c, sizeof c);
	assert_int_equal(take(key, last, c, (size_t)lc), 0);
	lc = tp_seal_put(key, 9, plain, n, c, sizeof c);
	assert_int_equal(take(key, last, c, (size_t)lc), -TP_EPERM);
	/* Every byte is covered: the header, the names, the payload, the
	 * number and the tag. */
	lc = tp_seal_put(key, 20, plain, n, c, sizeof c);
	for (int i = 0; i < lc; i++) {
		uint8_t t[160];
		memcpy(t, c, (size_t)lc);
		t[i] ^= 0x40;
		uint64_t l2[TP_SEAL_PRIOS] = { 0 };
		int rc = take(key, l2, t, (size_t)lc);
		if (rc == 0)
			fail_msg("byte %d changed, still taken", i);
	}
}

static void key_text(void **st)
{
	(void)st;
	uint8_t k[16], back[16];
	char hex[33];
	assert_int_equal(tp_seal_key_new(k), 0);
	tp_seal_key_hex(k, hex);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(tp_seal_key_parse(hex, back), 0);
	assert_memory_equal(k, back, 16);
	assert_int_equal(tp_seal_key_parse("00", back), -TP_EINVAL);
	hex[5] = 'G';
	assert_int_equal(tp_seal_key_parse(hex, back), -TP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_vectors),
		cmocka_unit_test(sealed_once_in_order),
		cmocka_unit_test(key_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
