/* The tcp transport's stream parser (transports/frames.h) on streams cut
 * badly on purpose: a frame a byte at a time, several frames in one read,
 * a frame exactly msg_max long, and the lengths and lanes it must refuse
 * before it uses anything of them (tests/fuzz/fuzz_tcp.c tries the rest). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "frames.h"

#define MAX 16

/* Puts n bytes of s into f, as many reads as it takes; -1 when refused. */
static int put(struct tp_frames *f, const void *s, size_t n)
{
	while (n) {
		size_t room;
		uint8_t *to = tp_frames_room(f, &room);
		assert_non_null(to);
		assert_true(room > 0);
		size_t k = n < room ? n : room;
		memcpy(to, s, k);
		s = (const uint8_t *)s + k;
		n -= k;
		if (tp_frames_add(f, k))
			return -1;
	}
	return 0;
}

static void expect(struct tp_frames *f, const char *want)
{
	const uint8_t *frame;
	uint32_t len;
	assert_true(f->ready);
	assert_int_equal(tp_frames_take(f, &frame, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(frame, want, len);
}

static void byte_at_a_time(void **st)
{
	(void)st;
	static const uint8_t s[] = "\x01\0\0\0\x05hello";
	struct tp_frames f = { 0 };
	tp_frames_reset(&f, MAX);
	for (size_t i = 0; i < sizeof s - 1; i++) {
		assert_false(f.ready);
		assert_int_equal(put(&f, s + i, 1), 0);
	}
	assert_int_equal(f.lane, 1);
	expect(&f, "hello");
	assert_false(f.ready);
	tp_frames_free(&f);
}

static void several_in_one_read(void **st)
{
	(void)st;
	/* Three frames, the last one exactly MAX bytes, and half a fourth. */
	static const uint8_t s[] = "\x00\0\0\0\x01" "a" "\0\0\0\x03" "bcd"
				   "\0\0\0\x10" "0123456789abcdef" "\0\0\0\x04" "xy";
	struct tp_frames f = { 0 };
	tp_frames_reset(&f, MAX);
	assert_int_equal(put(&f, s, sizeof s - 1), 0);
	assert_int_equal(f.lane, 0);
	expect(&f, "a");
	expect(&f, "bcd");
	expect(&f, "0123456789abcdef");
	assert_false(f.ready);   /* the fourth waits for its last two bytes */
	assert_int_equal(put(&f, "zw", 2), 0);
	expect(&f, "xyzw");
	tp_frames_free(&f);
}

/* A length above msg_max is refused when its 4 bytes are in, whatever
 * follows, and costs no more memory than any stream. */
static void refused(void **st)
{
	(void)st;
	static const struct { const char *what; const char *s; size_t n; } bad[] = {
		{ "lane 2", "\x02\0\0\0\x01x", 6 },
		{ "length 0", "\x01\0\0\0\0", 5 },
		{ "msg_max + 1", "\x01\0\0\0\x11", 5 },
		{ "huge", "\x01\xff\xff\xff\xf0", 5 },
		{ "after a good frame", "\x01\0\0\0\x01z\x80\0\0\0", 10 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct tp_frames f = { 0 };
		tp_frames_reset(&f, MAX);
		int rc = put(&f, bad[i].s, bad[i].n);
		if (i == 4) {   /* the good frame is whole: taking it finds the bad one */
			assert_int_equal(rc, 0);
			const uint8_t *frame;
			uint32_t len;
			assert_true(f.ready);
			assert_int_equal(tp_frames_take(&f, &frame, &len), -1);
			assert_int_equal(len, 1);
		} else {
			assert_int_equal(rc, -1);
		}
		assert_false(f.ready);
		tp_frames_free(&f);
	}
}

/* A stream of a new connection starts clean, in the same buffer. */
static void reset_keeps_buffer(void **st)
{
	(void)st;
	struct tp_frames f = { 0 };
	tp_frames_reset(&f, MAX);
	assert_int_equal(put(&f, "\x01\0\0\0\x03" "ab", 7), 0);
	uint8_t *buf = f.buf;
	tp_frames_reset(&f, MAX);
	assert_ptr_equal(f.buf, buf);
	assert_int_equal(f.lane, TP_FRAMES_NO_LANE);
	assert_int_equal(put(&f, "\x00\0\0\0\x02" "cd", 7), 0);
	expect(&f, "cd");
	tp_frames_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(byte_at_a_time),
		cmocka_unit_test(several_in_one_read),
		cmocka_unit_test(refused),
		cmocka_unit_test(reset_keeps_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
