/* The tcp transport's receiving end on any byte stream: the parser tcp.c
 * reads a connection through (transports/frames.h), fed the stream cut
 * where the fuzzer says, then every frame it yields decoded as the actor
 * would (envelope, then each demo payload type).
 *
 * Input: [msg_max pick][8 chunk sizes, used in turn][the stream: a lane
 * byte, then 4-byte big-endian lengths and frames].
 * Properties: a frame is never empty nor above msg_max, and is exactly the
 * stream's bytes after its length prefix (so nothing is read from outside
 * what came, nor skipped, nor invented); the buffer always has room while
 * no whole frame waits; the same stream cut three ways (the fuzzer's cuts,
 * as much as fits at once, one byte at a time) yields the same frames and
 * breaks at the same point; no leak (ASan). */
#include <string.h>
#include "fuzz.h"
#include "frames.h"

#define FUZZ_CUTS 8
#define FUZZ_STREAM_MAX 65536   /* longer inputs are skipped */
#define FUZZ_FRAMES_MAX (FUZZ_STREAM_MAX / 5 + 1)   /* frames are 5 bytes or more */

static const uint32_t msg_maxes[] = { 1, 5, 24, 64, 200, 1024, 4096 };

struct run {
	size_t n;                  /* frames */
	uint32_t pos[FUZZ_FRAMES_MAX], len[FUZZ_FRAMES_MAX];   /* where in the stream */
	bool broken;               /* the parser refused the stream */
};
static struct run runs[3];

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Each frame as an actor gets it: alone in a buffer of its own size, so
 * that ASan sees a decoder read past its end. */
static void decode(const uint8_t *frame, uint32_t len, uint32_t msg_max)
{
	uint8_t *copy = malloc(len);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, frame, len);
	struct tp_env env;
	if (tp_env_decode(copy, len, msg_max, &env) == 0) {
		/* The daemon's seal, when flagged, is the frame's last bytes. */
		size_t seal = env.seal ? TP_ENV_SEAL_LEN : 0;
		FUZZ_CHECK(!(env.flags & TP_ENV_F_SEALED) == !env.seal);
		FUZZ_CHECK(env.payload >= copy &&
			   env.payload + env.payload_len + seal == copy + len);
		struct tp_msg m = {
			.type = env.type, .corr = env.corr, .prio = env.prio, .flags = env.flags,
			.sender = env.sender, .payload = env.payload, .len = env.payload_len,
		};
		fuzz_decode_all(&m);
	}
	free(copy);
}

/* Feeds the stream in pieces of cut(k) bytes (0: as much as fits). */
static void feed(struct run *r, const uint8_t *s, size_t n, uint32_t msg_max,
		 const uint8_t *cuts, bool decoding)
{
	struct tp_frames f = { 0 };
	size_t at = 0;            /* bytes of s fed */
	uint32_t next = 1;        /* where the next frame's length prefix starts */
	r->n = 0;
	r->broken = false;
	tp_frames_reset(&f, msg_max);
	for (unsigned k = 0;; k++) {
		while (f.ready && !r->broken) {
			const uint8_t *frame;
			uint32_t len;
			r->broken = tp_frames_take(&f, &frame, &len) != 0;
			FUZZ_CHECK(len >= 1 && len <= msg_max);
			FUZZ_CHECK(frame >= f.buf && frame + len <= f.buf + TP_FRAMES_CAP(msg_max));
			FUZZ_CHECK((size_t)next + 4 + len <= at);
			FUZZ_CHECK(be32(s + next) == len);
			FUZZ_CHECK(memcmp(frame, s + next + 4, len) == 0);
			FUZZ_CHECK(r->n < FUZZ_FRAMES_MAX);
			r->pos[r->n] = next;
			r->len[r->n++] = len;
			next += 4 + len;
			if (decoding)
				decode(frame, len, msg_max);
		}
		if (r->broken || at == n)
			break;
		size_t room;
		uint8_t *to = tp_frames_room(&f, &room);
		FUZZ_CHECK(to != NULL && room > 0);
		FUZZ_CHECK(to >= f.buf && to + room <= f.buf + TP_FRAMES_CAP(msg_max));
		size_t want = cuts ? (size_t)cuts[k % FUZZ_CUTS] + 1 : room;
		if (want > room)
			want = room;
		if (want > n - at)
			want = n - at;
		memcpy(to, s + at, want);
		at += want;
		r->broken = tp_frames_add(&f, want) != 0;
	}
	if (r->broken) {   /* only for a bad lane, or a bad length where a frame starts */
		FUZZ_CHECK(s[0] >= TP_FRAMES_LANES ||
			   (next + 4 <= n && (be32(s + next) == 0 || be32(s + next) > msg_max)));
	} else if (n > 0) {   /* what is left is less than a frame, and kept */
		size_t left = n - next;
		FUZZ_CHECK(!f.ready && f.lane == s[0] && next <= n && f.end - f.off == left);
		FUZZ_CHECK(left < 4 || (f.need == be32(s + next) && left - 4 < f.need));
	}
	tp_frames_free(&f);
}

static bool same(const struct run *a, const struct run *b)
{
	return a->n == b->n && a->broken == b->broken &&
	       memcmp(a->pos, b->pos, a->n * sizeof *a->pos) == 0 &&
	       memcmp(a->len, b->len, a->n * sizeof *a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ones[FUZZ_CUTS] = { 0 };   /* cut + 1: a byte at a time */
	if (size < 1 + FUZZ_CUTS || size > FUZZ_STREAM_MAX)
		return 0;
	uint32_t msg_max = msg_maxes[data[0] % (sizeof msg_maxes / sizeof *msg_maxes)];
	const uint8_t *cuts = data + 1, *s = data + 1 + FUZZ_CUTS;
	size_t n = size - 1 - FUZZ_CUTS;
	feed(&runs[0], s, n, msg_max, cuts, true);
	feed(&runs[1], s, n, msg_max, NULL, false);
	feed(&runs[2], s, n, msg_max, ones, false);
	FUZZ_CHECK(same(&runs[0], &runs[1]));
	FUZZ_CHECK(same(&runs[0], &runs[2]));
	return 0;
}
