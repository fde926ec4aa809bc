/* Node-link addresses (link_sock.h): numeric IPv4 and IPv6, localhost,
 * and the refusals that name what is wrong; the crypto helpers the link
 * is built on (link_crypto.h) against RFC 4231's HMAC-SHA256 vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "link_crypto.h"
#include "link_sock.h"

static int parse(const char *addr, struct sockaddr_storage *sa, char *err)
{
	socklen_t len = 0;
	err[0] = '\0';
	int rc = tp_link_sock_parse(addr, false, sa, &len, err, 512);
	if (rc == 0)
		assert_int_equal(len, sa->ss_family == AF_INET ? sizeof(struct sockaddr_in)
							      : sizeof(struct sockaddr_in6));
	return rc;
}

static void numeric(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	char err[512];
	assert_int_equal(parse("127.0.0.1:7400", &sa, err), 0);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&sa;
	assert_int_equal(sa.ss_family, AF_INET);
	assert_int_equal(ntohs(in4->sin_port), 7400);
	assert_int_equal(ntohl(in4->sin_addr.s_addr), 0x7f000001);

	assert_int_equal(parse("localhost:1", &sa, err), 0);
	assert_int_equal(ntohl(in4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(ntohs(in4->sin_port), 1);

	assert_int_equal(parse("0.0.0.0:65535", &sa, err), 0);
	assert_int_equal(in4->sin_addr.s_addr, 0);
	assert_int_equal(ntohs(in4->sin_port), 65535);

	assert_int_equal(parse("[::1]:7401", &sa, err), 0);
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 7401);
	assert_true(memcmp(&in6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0);
}

static void refused(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	char err[512];
	static const char *const bad_port[] = {
		"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:74x",
		"127.0.0.1:-1", "127.0.0.1: 7", "127.0.0.1:99999999999999999999",
	};
	for (size_t i = 0; i < sizeof bad_port / sizeof *bad_port; i++) {
		assert_int_equal(parse(bad_port[i], &sa, err), -TP_EINVAL);
		assert_non_null(strstr(err, "is not a number from 1 to 65535"));
	}
	assert_int_equal(parse("127.0.0.1", &sa, err), -TP_EINVAL);
	assert_string_equal(err, "'127.0.0.1' is not host:port");
	char big[300];
	memset(big, 'a', sizeof big);
	memcpy(big + sizeof big - 6, ":7400", 6);
	assert_int_equal(parse(big, &sa, err), -TP_EINVAL);
	assert_non_null(strstr(err, "is not host:port"));
#ifndef TP_LINK_RESOLVE
	assert_int_equal(parse("board2:7400", &sa, err), -TP_EINVAL);
	assert_non_null(strstr(err, "does not resolve host names"));
#endif
}

/* RFC 4231 test cases 1 and 2, and a state copied after keying starting
 * a fresh message under the same key (how frames are sealed). */
static void hmac_vectors(void **state)
{
	(void)state;
	static const uint8_t want1[TP_HMAC_LEN] = {
		0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf,
		0xce, 0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83,
		0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7 };
	static const uint8_t want2[TP_HMAC_LEN] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
		0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
		0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43 };
	uint8_t key1[20], out[TP_HMAC_LEN];
	memset(key1, 0x0b, sizeof key1);
	struct tp_hmac h, keyed;
	tp_hmac_init(&h, key1, sizeof key1);
	tp_hmac_update(&h, "Hi There", 8);
	tp_hmac_final(&h, out);
	assert_memory_equal(out, want1, TP_HMAC_LEN);

	tp_hmac_init(&keyed, (const uint8_t *)"Jefe", 4);
	for (int i = 0; i < 2; i++) {
		h = keyed;
		tp_hmac_update(&h, "what do ya want ", 16);
		tp_hmac_update(&h, "for nothing?", 12);
		tp_hmac_final(&h, out);
		assert_memory_equal(out, want2, TP_HMAC_LEN);
	}
	assert_true(tp_ct_equal(out, want2, TP_HMAC_LEN));
	out[31] ^= 1;
	assert_false(tp_ct_equal(out, want2, TP_HMAC_LEN));
}

static void randomness(void **state)
{
	(void)state;
	uint8_t a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };
	assert_int_equal(tp_random_bytes(a, sizeof a), 0);
	assert_int_equal(tp_random_bytes(b, sizeof b), 0);
	/* 2^-256 chance each of a false failure. */
	assert_memory_not_equal(a, zero, sizeof a);
	assert_memory_not_equal(a, b, sizeof a);
	tp_wipe(a, sizeof a);
	assert_memory_equal(a, zero, sizeof a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numeric),
		cmocka_unit_test(refused),
		cmocka_unit_test(hmac_vectors),
		cmocka_unit_test(randomness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
