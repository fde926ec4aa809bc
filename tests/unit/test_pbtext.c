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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
