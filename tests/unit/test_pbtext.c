/* troupectl's codec by name (runtime/ctl/pbtext.c) against known wire
 * bytes (protobuf.dev's encoding guide) for every scalar type, and back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../runtime/ctl/pbtext.h"

static const struct mt_enumval colours[] = { { "RED", 0 }, { "BLUE", 5 }, { NULL, 0 } };
static const struct mt_field all_f[] = {
	{ "i32", 1, MT_INT32, 0, NULL, NULL },
	{ "i64", 2, MT_INT64, 0, NULL, NULL },
	{ "u32", 3, MT_UINT32, 0, NULL, NULL },
	{ "u64", 4, MT_UINT64, 0, NULL, NULL },
	{ "s32", 5, MT_SINT32, 0, NULL, NULL },
	{ "s64", 6, MT_SINT64, 0, NULL, NULL },
	{ "f32", 7, MT_FIXED32, 0, NULL, NULL },
	{ "f64", 8, MT_FIXED64, 0, NULL, NULL },
	{ "sf32", 9, MT_SFIXED32, 0, NULL, NULL },
	{ "sf64", 10, MT_SFIXED64, 0, NULL, NULL },
	{ "fl", 11, MT_FLOAT, 0, NULL, NULL },
	{ "db", 12, MT_DOUBLE, 0, NULL, NULL },
	{ "b", 13, MT_BOOL, 0, NULL, NULL },
	{ "s", 14, MT_STRING, 0, NULL, NULL },
	{ "by", 15, MT_BYTES, 0, NULL, NULL },
	{ "e", 16, MT_ENUM, 0, "t.Colour", colours },
	{ "r", 17, MT_UINT32, 1, NULL, NULL },
	{ "m", 18, MT_MESSAGE, 0, "t.Inner", NULL },
};
static const struct mt_msg all = { "t.All", 1, all_f, sizeof all_f / sizeof all_f[0] };

static int enc(const char *words, uint8_t *buf, size_t cap, char *err)
{
	char copy[512], *argv[32];
	int argc = 0;
	snprintf(copy, sizeof copy, "%s", words);
	for (char *w = strtok(copy, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	return pbt_encode(&all, argc, argv, buf, cap, err, 256);
}

static void expect(const char *words, const char *hex)
{
	uint8_t buf[256];
	char err[256] = "", got[520] = "";
	int n = enc(words, buf, sizeof buf, err);
	if (n < 0)
		fail_msg("%s: %s", words, err);
	for (int k = 0; k < n; k++)
		sprintf(got + 2 * k, "%02x", buf[k]);
	if (strcmp(got, hex) != 0)
		fail_msg("%s: got %s, want %s", words, got, hex);
}

static void refuse(const char *words, const char *want)
{
	uint8_t buf[256];
	char err[256] = "";
	if (enc(words, buf, sizeof buf, err) >= 0)
		fail_msg("%s: accepted, want '%s'", words, want);
	if (!strstr(err, want))
		fail_msg("%s: error '%s', want '%s'", words, err, want);
}

static void test_encode_varints(void **st)
{
	(void)st;
	expect("i32=150", "089601");
	expect("i32=-1", "08ffffffffffffffffff01");   /* int32 sign-extends to 10 bytes */
	expect("i64=-2", "10feffffffffffffffff01");
	expect("u32=4294967295", "18ffffffff0f");
	expect("u32=0x10", "1810");
	expect("u64=18446744073709551615", "20ffffffffffffffffff01");
	expect("s32=-1", "2801");
	expect("s32=1", "2802");
	expect("s32=-2147483648", "28ffffffff0f");
	expect("s64=-3", "3005");
	expect("b=true", "6801");
	expect("e=BLUE", "8001" "05");
	expect("e=RED", "800100");
	expect("e=7", "800107");
}

static void test_encode_fixed(void **st)
{
	(void)st;
	expect("f32=1", "3d01000000");
	expect("f64=258", "410201000000000000");
	expect("sf32=-1", "4dffffffff");
	expect("sf64=-1", "51ffffffffffffffff");
	expect("fl=1.5", "5d0000c03f");
	expect("db=-2", "6100000000000000c0");
}

static void test_encode_len_repeated(void **st)
{
	(void)st;
	expect("s=testing", "720774657374696e67");
	expect("by=0x00ff", "7a0200ff");
	expect("by=hi", "7a026869");
	expect("s=", "7200");
	expect("r=1 r=2", "880101880102");   /* unpacked: every parser takes it */
}

static void test_encode_refused(void **st)
{
	(void)st;
	refuse("i32=2147483648", "not a valid int32");
	refuse("u32=-1", "not a valid uint32");
	refuse("u64=+1", "not a valid uint64");
	refuse("i32=12abc", "not a valid int32");
	refuse("i32=", "not a valid int32");
	refuse("b=yes", "not a valid bool");
	refuse("fl=x", "not a valid float");
	refuse("e=GREEN", "not a valid t.Colour");
	refuse("by=0x1", "bad bytes");
	refuse("by=0xzz", "bad bytes");
	refuse("m=1", "nested message");
	refuse("nope=1", "t.All has no field 'nope'");
	refuse("i32", "expected FIELD=VALUE");
	refuse("i32=1 i32=2", "given twice");
	uint8_t small[4];
	char err[256];
	if (enc("s=longer-than-four", small, sizeof small, err) >= 0 || !strstr(err, "exceeds 4"))
		fail_msg("overflow not refused: %s", err);
}

/* Encodes words, prints them back: the text form, one line per field. */
static void roundtrip(const char *words, bool json, const char *want)
{
	uint8_t buf[256];
	char err[256], *out = NULL;
	size_t outlen = 0;
	int n = enc(words, buf, sizeof buf, err);
	if (n < 0)
		fail_msg("%s: %s", words, err);
	FILE *f = open_memstream(&out, &outlen);
	int rc = pbt_print(f, &all, buf, (size_t)n, json, err, sizeof err);
	fclose(f);
	if (rc)
		fail_msg("%s: %s", words, err);
	if (!strstr(out, want))
		fail_msg("%s: printed\n%s\nwant in it: %s", words, out, want);
	free(out);
}

static void test_print(void **st)
{
	(void)st;
	roundtrip("i32=-5", false, "  i32 = -5\n");
	roundtrip("i64=-9000000000", false, "  i64 = -9000000000\n");
	roundtrip("s32=-77", false, "  s32 = -77\n");
	roundtrip("s64=-7700000000", false, "  s64 = -7700000000\n");
	roundtrip("sf32=-3", false, "  sf32 = -3\n");
	roundtrip("fl=0.25", false, "  fl = 0.25\n");
	roundtrip("db=1e300", false, "  db = 1.0000000000000001e+300\n");
	roundtrip("e=BLUE", false, "  e = BLUE\n");
	roundtrip("e=9", false, "  e = 9\n");
	roundtrip("s=a\"b", false, "  s = \"a\\\"b\"\n");
	roundtrip("by=0x0001", false, "  by = \"0x0001\"\n");
	roundtrip("r=1 r=2 r=3", false, "  r = 1, 2, 3\n");
	roundtrip("", false, "t.All\n  i32 = 0\n");
	roundtrip("", false, "  m = (none)\n");
	roundtrip("r=4 r=5 b=true", true, "\"b\":true,\"s\":\"\",\"by\":\"\",\"e\":\"RED\",\"r\":[4,5],\"m\":null}}");
}

/* JSON in (pbt_encode_json): the wire bytes of the same words given to
 * pbt_encode, and pbt_json's own output read back to the same bytes. */
static void json_is(const char *json, const char *words)
{
	uint8_t a[256], b[256];
	char err[256] = "";
	int n = pbt_encode_json(&all, json, strlen(json), a, sizeof a, err, sizeof err);
	if (n < 0)
		fail_msg("%s: %s", json, err);
	int k = enc(words, b, sizeof b, err);
	if (k < 0)
		fail_msg("%s: %s", words, err);
	if (n != k || memcmp(a, b, (size_t)n))
		fail_msg("%s: not the bytes of %s", json, words);
	char out[2048];
	int len = pbt_json(&all, a, (size_t)n, out, sizeof out, err, sizeof err);
	if (len < 0 || strchr(out, '\n'))
		fail_msg("%s: pbt_json: %s", json, err);
	/* Back again: what the bridge sends out, it reads in. */
	int m = pbt_encode_json(&all, out, (size_t)len, b, sizeof b, err, sizeof err);
	if (m < 0)
		fail_msg("%s: %s", out, err);
	uint8_t c[256];
	char t[2048];
	pbt_json(&all, b, (size_t)m, t, sizeof t, err, sizeof err);
	if (strcmp(t, out))
		fail_msg("%s: read back as %s", out, t);
	(void)c;
}

static void json_bad(const char *json, size_t len, const char *want)
{
	uint8_t buf[256];
	char err[256] = "";
	if (pbt_encode_json(&all, json, len, buf, sizeof buf, err, sizeof err) >= 0)
		fail_msg("%.*s: accepted", (int)len, json);
	if (!strstr(err, want))
		fail_msg("%.*s: said '%s', want '%s' in it", (int)len, json, err, want);
}

static void test_json_in(void **st)
{
	(void)st;
	json_is("{}", "");
	json_is(" { \"i32\" : -5 , \"u32\":7 }\n", "i32=-5 u32=7");
	json_is("{\"i64\":\"-9000000000\",\"u64\":18446744073709551615}",
		"i64=-9000000000 u64=18446744073709551615");
	json_is("{\"s32\":-77,\"s64\":-7700000000,\"f32\":1,\"sf64\":-2}",
		"s32=-77 s64=-7700000000 f32=1 sf64=-2");
	json_is("{\"fl\":0.25,\"db\":1e300,\"b\":true}", "fl=0.25 db=1e300 b=true");
	json_is("{\"b\":false,\"i32\":0}", "b=false i32=0");
	json_is("{\"s\":\"a\\\"b\\u00e9\\ud83d\\ude00\",\"by\":\"0x0001\"}",
		"s=a\"b\xc3\xa9\xf0\x9f\x98\x80 by=0x0001");
	json_is("{\"e\":\"BLUE\",\"r\":[1,2,3],\"m\":null,\"s\":null}", "e=BLUE r=1 r=2 r=3");
	json_is("{\"e\":9}", "e=9");
	json_is("{\"type\":\"t.All\",\"msgid\":1,\"fields\":{\"i32\":3}}", "i32=3");
	json_is("{\"fields\":{\"r\":[]}}", "");
}

static void test_json_refused(void **st)
{
	(void)st;
	json_bad("", 0, "an object expected");
	json_bad("[1]", 3, "an object expected");
	json_bad("{\"i32\":1", 8, "expected in an object");
	json_bad("{\"i32\":1}x", 10, "more after the object");
	json_bad("{\"nope\":1}", 10, "no field 'nope'");
	json_bad("{\"i32\":1,\"i32\":2}", 17, "given twice");
	json_bad("{\"i32\":1.5}", 11, "wrong kind");
	json_bad("{\"i32\":\"1\"}", 11, "wrong kind");
	json_bad("{\"i32\":4294967296}", 18, "not a valid int32");
	json_bad("{\"u32\":-1}", 10, "not a valid uint32");
	json_bad("{\"i32\":01}", 10, "expected in an object");
	json_bad("{\"i32\":+1}", 10, "a value expected");
	json_bad("{\"u64\":\"0x10\"}", 14, "wrong kind");
	json_bad("{\"b\":1}", 7, "wrong kind");
	json_bad("{\"s\":5}", 7, "wrong kind");
	json_bad("{\"s\":\"a\x01\"}", 10, "control character");
	json_bad("{\"s\":\"\\u0000\"}", 15, "NUL");
	json_bad("{\"s\":\"\\ud800\"}", 15, "surrogate");
	json_bad("{\"s\":\"abc", 9, "unterminated");
	json_bad("{\"r\":1}", 7, "array expected");
	json_bad("{\"r\":[1,]}", 10, "a value expected");
	json_bad("{\"m\":{}}", 8, "nested message");
	json_bad("{\"e\":\"GREEN\"}", 13, "not a valid t.Colour");
	json_bad("{\"type\":\"t.Other\",\"fields\":{}}", 31, "not the t.All");
	json_bad("{\"msgid\":2,\"fields\":{}}", 23, "not t.All's 1");
	json_bad("{\"fields\":{},\"i32\":1}", 21, "beside fields");
	json_bad("{\"i32\":1\0}", 10, "expected in an object");
	/* Deep nesting is refused at the first level, not recursed into. */
	char deep[4096];
	memset(deep, '[', sizeof deep);
	memcpy(deep, "{\"r\":", 5);
	json_bad(deep, sizeof deep, "a value expected");
	uint8_t small[4];
	char err[256];
	if (pbt_encode_json(&all, "{\"s\":\"longer\"}", 14, small, sizeof small, err,
			    sizeof err) >= 0 || !strstr(err, "exceeds 4"))
		fail_msg("overflow not refused: %s", err);
	char out[16];
	uint8_t one[] = { 0x08, 0x01 };
	if (pbt_json(&all, one, sizeof one, out, sizeof out, err, sizeof err) >= 0 ||
	    !strstr(err, "exceeds"))
		fail_msg("JSON overflow not refused: %s", err);
}

static void test_print_packed_and_malformed(void **st)
{
	(void)st;
	/* r = [1, 150] packed, as proto3 writers send it. */
	const uint8_t packed[] = { 0x8a, 0x01, 0x03, 0x01, 0x96, 0x01 };
	char err[256], *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	assert_int_equal(pbt_print(f, &all, packed, sizeof packed, false, err, sizeof err), 0);
	fclose(f);
	assert_non_null(strstr(out, "  r = 1, 150\n"));
	free(out);
	const uint8_t *bad[] = {
		(const uint8_t *)"\x08",             /* varint cut short */
		(const uint8_t *)"\x72\x05" "ab",    /* length past the end */
		(const uint8_t *)"\x0d\x01\x02",     /* i32 field as fixed32 */
		(const uint8_t *)"\x00\x01",         /* field number 0 */
	};
	const size_t lens[] = { 1, 4, 3, 2 };
	for (unsigned k = 0; k < 4; k++) {
		f = open_memstream(&out, &outlen);
		int rc = pbt_print(f, &all, bad[k], lens[k], false, err, sizeof err);
		fclose(f);
		if (rc == 0)
			fail_msg("malformed payload %u accepted", k);
		assert_int_equal(outlen, 0);   /* nothing printed before the check */
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_varints),
		cmocka_unit_test(test_encode_fixed),
		cmocka_unit_test(test_encode_len_repeated),
		cmocka_unit_test(test_encode_refused),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_packed_and_malformed),
		cmocka_unit_test(test_json_in),
		cmocka_unit_test(test_json_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
