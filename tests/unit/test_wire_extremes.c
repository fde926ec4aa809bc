/* Every integer Troupe takes from outside input, at its extremes: each is
 * put into an otherwise valid input, fed to the real decoder and then to
 * the code that uses the value, and the outcome is asserted (taken with
 * that value, or refused with the right error).  The normal build checks
 * the outcomes; the SANITIZE=address,undefined build also proves that no
 * value reaches undefined behaviour (tests/run-tests fails a test on any
 * "runtime error:" line); armhf runs it with a 32-bit size_t and time_t.
 *
 * Fields covered (docs/WIRE.md):
 * - envelope, versions 2, 3 and 4: version, flags, prio, sender_len,
 *   dest_len, topic_len, the reserved bytes, type, payload_len (against
 *   the reader's limit, and with no limit at all), corr (64 and 32 bits),
 *   sent_ns, through tp_env_decode, tp_env_downgrade, the latency
 *   (tp_latency_ns, tp_lat_bucket, tp_counters_latency) and a link's age
 *   (tp_sent_from_age);
 * - the daemon's seal: seq, through tp_seal_check's order per priority;
 * - node links: the frame length before and after the handshake, the
 *   sealed frame's seq, a heartbeat-ack's stamp (the round trip), an
 *   actor list's count, a bye's reason;
 * - tcp and unix frames (transports/frames.c): the lane byte, the length;
 * - shm rings as an attacher maps them: depth, msg_max and slot_size
 *   (sizes that wrap 64 bits, or a 32-bit size_t), the senders' lock word;
 * - daemon notices and replies (nanopb): Error.error, Undeliverable's
 *   error, reason, type and corr, Down's reason and code, an Interest's
 *   bools, and tp_strerror of any code;
 * - the topic table and counters segment other processes write: a
 *   retained value's sent_ns (troupectl topics' age), the subscription
 *   counts behind the daemon's rates, an actor's busy stamp (the
 *   watchdog's decision).
 * Not here: the control socket's requests (fuzz_control, and their only
 * integers in arithmetic, timeout_ms and cmd, are bounded where read). */
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <pb_encode.h>
#include "troupe/actor.h"
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "troupe/monitor.h"
#include "counters.h"
#include "ctlpath.h"
#include "frames.h"
#include "harness.h"
#include "link-internal.h"
#include "link_crypto.h"
#include "link_fuzz.h"
#include "link_topics.h"
#include "mailbox.h"
#include "mbox_test.h"
#include "monitor.pb.h"
#include "seal.h"
#include "sup_watchdog.h"
#include "topic.pb.h"
#include "topic_rates.h"
#include "topictab.h"
#include "transport.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint64_t X64[] = {
	0, 1, 2, 3, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu, 0x100000000u,
	(uint64_t)INT64_MAX - 1, (uint64_t)INT64_MAX, (uint64_t)1 << 63,
	UINT64_MAX - 1, UINT64_MAX,
};
static const uint32_t X32[] = {
	0, 1, 2, 3, 63, 64, 1024, 0x7ffffffeu, 0x7fffffffu, 0x80000000u,
	0xfffffff0u, 0xfffffffeu, 0xffffffffu,
};
static const uint8_t X8[] = { 0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 127, 128, 254, 255 };
static const int32_t XI32[] = {
	INT32_MIN, INT32_MIN + 1, -TP_ERR_COUNT, -1, 0, 1, TP_ERR_COUNT - 1, TP_ERR_COUNT,
	INT32_MAX - 1, INT32_MAX,
};
/* Clock readings: unknown-ish, small, a real one, the last. */
static const int64_t NOWS[] = { 0, 1, 5000000000LL, INT64_MAX - 1, INT64_MAX };

/* ---------------------------------------------------------------- envelope */

/* An envelope with every header field as given, whatever its version,
 * followed by names, topic and payload bytes of the lengths the header
 * claims (so that only the field under test is wrong), and a seal's 16
 * bytes when flags say SEALED. */
struct fields {
	uint8_t version, flags, prio, slen, dlen, tlen, rsvd[2];
	uint32_t type, plen;
	uint64_t corr, sent;
	size_t payload;   /* payload bytes actually there */
};

static const struct fields DEF = { .version = 4, .prio = 1, .slen = 5, .dlen = 6,
				   .type = 1001, .plen = 3, .payload = 3 };

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static size_t build(uint8_t *b, const struct fields *f)
{
	bool v4 = f->version != 2 && f->version != 3;
	size_t hl = v4 ? 32 : 28;
	memset(b, 0, hl);
	b[0] = f->version; b[1] = f->flags; b[2] = f->prio; b[3] = f->slen; b[4] = f->dlen;
	b[5] = f->tlen;
	b[6] = f->rsvd[0];
	b[7] = f->rsvd[1];
	le32(b + 8, f->type);
	if (v4) {
		le32(b + 12, f->plen);
		le64(b + 16, f->corr);
		le64(b + 24, f->sent);
	} else {
		le32(b + 12, (uint32_t)f->corr);
		le32(b + 16, f->plen);
		le64(b + 20, f->sent);
	}
	size_t o = hl;
	memset(b + o, 's', f->slen); o += f->slen;
	memset(b + o, 'd', f->dlen); o += f->dlen;
	memset(b + o, 't', f->tlen); o += f->tlen;
	memset(b + o, 'p', f->payload); o += f->payload;
	if (f->flags & TP_ENV_F_SEALED) {
		memset(b + o, 0, TP_ENV_SEAL_LEN);
		o += TP_ENV_SEAL_LEN;
	}
	return o;
}

static uint8_t ebuf[2048];

/* Decodes what f builds, in a heap block of exactly its size (ASan sees
 * a read past it), with the payload limit max. */
static int decode(const struct fields *f, size_t max, struct tp_env *env)
{
	size_t n = build(ebuf, f);
	uint8_t *m = malloc(n);
	assert_non_null(m);
	memcpy(m, ebuf, n);
	int rc = tp_env_decode(m, n, max, env);
	if (rc == 0) {   /* pointers into m: check them before it goes */
		assert_true(env->payload >= m && env->payload + env->payload_len <= m + n);
		assert_true(!env->seal || env->seal + TP_ENV_SEAL_LEN == m + n);
		env->payload = NULL;
		env->seal = NULL;
	}
	free(m);
	return rc;
}

static void expect(const struct fields *f, int want, const char *what, unsigned v)
{
	struct tp_env env;
	int rc = decode(f, 1024, &env);
	if (rc != want)
		fail_msg("version %u, %s = %u: %d, expected %d", f->version, what, v, rc, want);
	if (rc)
		return;
	assert_int_equal(env.version, f->version);
	assert_int_equal(env.flags, f->flags);
	assert_int_equal(env.prio, f->prio);
	assert_int_equal(strlen(env.sender), f->slen);
	assert_int_equal(strlen(env.dest), f->dlen);
	assert_int_equal(strlen(env.topic), f->tlen);
	assert_int_equal(env.payload_len, f->plen);
}

static void envelope_byte_fields(void **st)
{
	(void)st;
	static const uint8_t versions[] = { 2, 3, 4 };
	for (size_t i = 0; i < N(X8); i++) {
		uint8_t x = X8[i];
		struct fields f = DEF;
		f.version = x;
		f.tlen = x == 3;   /* version 3 always has a topic */
		expect(&f, x == 2 || x == 3 || x == 4 ? 0 : -TP_EVERSION, "version", x);
		for (size_t k = 0; k < N(versions); k++) {
			uint8_t v = versions[k];
			struct fields g = DEF;
			g.version = v;
			g.tlen = v == 3;
			f = g; f.flags = x;
			expect(&f, x <= 15 ? 0 : -TP_ETRUNC, "flags", x);
			f = g; f.prio = x;
			expect(&f, x <= 3 ? 0 : -TP_ETRUNC, "prio", x);
			f = g; f.slen = x;
			expect(&f, x >= 1 && x <= 63 ? 0 : -TP_ETRUNC, "sender_len", x);
			f = g; f.dlen = x;
			expect(&f, x >= 1 && x <= 63 ? 0 : -TP_ETRUNC, "dest_len", x);
			f = g; f.tlen = x;
			bool tl_ok = v == 2 ? x == 0 : v == 3 ? x >= 1 && x <= 127 : x <= 127;
			expect(&f, tl_ok ? 0 : -TP_ETRUNC, "topic_len", x);
			f = g; f.rsvd[0] = x;
			expect(&f, x == 0 ? 0 : -TP_ETRUNC, "reserved[0]", x);
			f = g; f.rsvd[1] = x;
			expect(&f, x == 0 ? 0 : -TP_ETRUNC, "reserved[1]", x);
		}
	}
}

static void envelope_u32_fields(void **st)
{
	(void)st;
	for (size_t i = 0; i < N(X32); i++) {
		uint32_t x = X32[i];
		for (uint8_t v = 2; v <= 4; v++) {
			struct fields f = DEF;
			struct tp_env env;
			f.version = v;
			f.tlen = v == 3;
			f.type = x;
			assert_int_equal(decode(&f, 1024, &env), 0);
			assert_true(env.type == x);
			if (v == 2) {   /* corr: 32 bits, zero-extended */
				f.type = DEF.type;
				f.corr = x;
				assert_int_equal(decode(&f, 1024, &env), 0);
				assert_true(env.corr == x);
			}
			/* payload_len against 3 bytes there, and the limit 1024 */
			f = DEF;
			f.version = v;
			f.tlen = v == 3;
			f.plen = x;
			int want = x == 3 ? 0 : x > 1024 ? -TP_ETOOBIG : -TP_ETRUNC;
			assert_int_equal(decode(&f, 1024, &env), want);
			/* Limits of any size: only the exact length passes. */
			assert_int_equal(decode(&f, SIZE_MAX, &env), x == 3 ? 0 : -TP_ETRUNC);
			assert_int_equal(decode(&f, x, &env), x == 3 ? 0 : -TP_ETRUNC);
			if (x)   /* one byte too many for the limit */
				assert_int_equal(decode(&f, x - 1, &env), -TP_ETOOBIG);
		}
	}
	/* A header whose lengths add up, modulo 2^32, to bytes that are not
	 * there: names, topic and seal claimed (301 bytes in all), 40 bytes
	 * sent, payload_len 2^32 - 261.  With a 32-bit size_t the sum wrapped
	 * to 40 and the names were read past the message: valid names lie
	 * there, so that only the length check can refuse it. */
	struct fields f = { .version = 4, .flags = TP_ENV_F_SEALED, .slen = 63, .dlen = 63,
			    .tlen = 127, .type = 1, .plen = 0u - 261u };
	size_t n = build(ebuf, &f);
	assert_int_equal(n, 301);
	struct tp_env env;
	assert_int_equal(tp_env_decode(ebuf, 40, SIZE_MAX, &env), -TP_ETRUNC);
}

static void envelope_u64_fields(void **st)
{
	(void)st;
	struct tp_counters *c = calloc(1, sizeof *c);
	assert_non_null(c);
	uint64_t counted = 0;
	for (size_t i = 0; i < N(X64); i++) {
		uint64_t x = X64[i];
		struct fields f = DEF;
		struct tp_env env;
		f.corr = x;
		f.sent = x;
		assert_int_equal(decode(&f, 1024, &env), 0);
		assert_true(env.corr == x && env.sent_ns == x);
		/* To an older peer: the low 32 bits of corr, sent_ns whole. */
		uint8_t old[2048];
		size_t n = build(ebuf, &f);
		int on = tp_env_downgrade(ebuf, n, old, sizeof old);
		assert_int_equal(on, (int)n - 4);
		assert_int_equal(tp_env_decode(old, (size_t)on, 1024, &env), 0);
		assert_true(env.corr == (uint32_t)x && env.sent_ns == x);
		for (size_t k = 0; k < N(NOWS); k++) {
			int64_t now = NOWS[k];
			/* The receiver's latency: known only for a stamp in the past. */
			int64_t lat = tp_latency_ns(x, now);
			bool known = x && x <= (uint64_t)now;
			assert_true(known ? lat == now - (int64_t)x : lat == -1);
			assert_true(tp_lat_bucket(lat) < TP_LAT_BUCKETS);
			tp_counters_latency(c, 0, lat);
			counted += known;
			/* A link's age back onto this node's clock. */
			uint64_t sent = tp_sent_from_age(x, now);
			if (!x)
				assert_true(sent == 0);
			else if (now > 0 && x < (uint64_t)now)
				assert_true(sent == (uint64_t)now - x);
			else
				assert_true(sent == 1);
		}
	}
	struct tp_ctr k;
	tp_counters_get(c, 0, &k);
	assert_true(k.lat_n == counted);
	assert_true(k.lat_max_ns == (uint64_t)INT64_MAX - 1);   /* sent 1, now INT64_MAX */
	free(c);
}

/* ---------------------------------------------------------------- seal */

static void seal_seq(void **st)
{
	(void)st;
	uint8_t key[TP_SEAL_KEY_LEN] = { 1, 2, 3 }, msg[256], out[256];
	struct fields f = DEF;
	for (uint8_t prio = 0; prio <= 3; prio++) {
		f.prio = prio;
		size_t n = build(msg, &f);
		for (size_t i = 0; i < N(X64); i++) {
			uint64_t seq = X64[i], last[TP_SEAL_PRIOS] = { 0 };
			int sn = tp_seal_put(key, seq, msg, n, out, sizeof out);
			assert_int_equal(sn, (int)n + TP_ENV_SEAL_LEN);
			struct tp_env env;
			assert_int_equal(tp_env_decode(out, (size_t)sn, 1024, &env), 0);
			/* Above the last taken (0 at first): taken once. */
			assert_int_equal(tp_seal_check(key, last, out, (size_t)sn, &env),
					 seq ? 0 : -TP_EPERM);
			assert_true(last[prio] == seq);
			assert_int_equal(tp_seal_check(key, last, out, (size_t)sn, &env),
					 -TP_EPERM);
			/* The others' order is their own. */
			for (unsigned q = 0; q < TP_SEAL_PRIOS; q++)
				if (q != prio)
					assert_true(last[q] == 0);
		}
	}
}

/* ---------------------------------------------------------------- links */

struct seen {
	int rtt, closed, actors, bye;
	int64_t rtt_ns;
};

static void on_ev(void *ctx, struct tp_link *to, const struct tp_link_event *ev)
{
	struct seen *s = ctx;
	(void)to;
	s->rtt += ev->kind == TP_LINK_EV_RTT;
	s->closed += ev->kind == TP_LINK_EV_CLOSED;
	s->actors += ev->kind == TP_LINK_EV_ACTORS;
	s->bye += ev->kind == TP_LINK_EV_BYE;
	if (ev->kind == TP_LINK_EV_RTT)
		s->rtt_ns = ev->rtt_ns;
}

#define LNOW 1000000000LL
static struct tp_link_key lkey;

static struct tp_link *link_new(bool initiator)
{
	static const uint8_t k[32] = "0123456789abcdef0123456789abcde";
	if (!lkey.loaded)
		tp_link_key_derive(k, sizeof k, &lkey);
	struct tp_link *l = calloc(1, sizeof *l);
	assert_non_null(l);
	struct tp_link_conf c = { .key = &lkey, .self = initiator ? "a" : "b",
				  .peer = initiator ? "b" : NULL, .initiator = initiator };
	assert_int_equal(tp_link_init(l, &c, LNOW), 0);
	return l;
}

static void link_free(struct tp_link *l)
{
	tp_link_fini(l);
	free(l);
}

/* a and b, up. */
static void link_pair(struct tp_link **a, struct tp_link **b)
{
	*a = link_new(true);
	*b = link_new(false);
	assert_int_equal(tp_link_pair_connect(*a, *b, LNOW), 0);
}

static int link_feed_all(struct tp_link *l, const uint8_t *d, size_t n, struct seen *s)
{
	while (n) {
		struct tp_link_event ev;
		size_t used;
		int rc = tp_link_feed(l, d, n, LNOW, &used, &ev);
		on_ev(s, l, &ev);
		if (rc)
			return rc;
		d += used;
		n -= used;
	}
	return 0;
}

static void link_frame_length(void **st)
{
	(void)st;
	for (size_t i = 0; i < N(X32); i++) {
		uint32_t x = X32[i];
		uint64_t total = 4 + (uint64_t)x;
		for (int up = 0; up < 2; up++) {
			struct tp_link *a = NULL, *b;
			if (up)
				link_pair(&a, &b);
			else
				b = link_new(false);
			uint64_t max = up ? b->frame_max : TP_LINK_PREAUTH_MAX;
			uint8_t len[4] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16),
					   (uint8_t)(x >> 24) };
			struct seen s = { 0 };
			int rc = link_feed_all(b, len, 4, &s);
			int want = total < TP_LINK_HDR_LEN ? -TP_ETRUNC : total > max ? -TP_ETOOBIG : 0;
			if (rc != want)
				fail_msg("frame length %u (%s): %d, expected %d", x,
					 up ? "up" : "handshake", rc, want);
			assert_int_equal(b->state == TP_LINK_CLOSED, want != 0);
			if (a)
				link_free(a);
			link_free(b);
		}
	}
}

static void link_sealed_fields(void **st)
{
	(void)st;
	struct tp_link *a, *b;
	/* seq: only the next expected one; the count goes on from any value. */
	for (size_t i = 0; i < N(X64); i++)
		for (int match = 0; match < 2; match++) {
			link_pair(&a, &b);
			struct seen s = { 0 };
			uint8_t stamp[8] = { 0 };
			a->seq_tx = X64[i];
			if (match)
				b->seq_rx = X64[i];
			assert_int_equal(link_seal(a, TP_LINK_HEARTBEAT_ACK, stamp, 8), 0);
			int rc = tp_link_pump(a, b, LNOW, 0, on_ev, &s);
			if (match || X64[i] == 0) {
				assert_int_equal(rc, 0);
				assert_true(b->seq_rx == X64[i] + 1);
			} else {
				assert_int_equal(rc, -TP_ESTATE);
				assert_int_equal(b->state, TP_LINK_CLOSED);
			}
			link_free(a);
			link_free(b);
		}
	/* A heartbeat-ack's stamp: a round trip only from one in the past. */
	link_pair(&a, &b);
	for (size_t i = 0; i < N(X64); i++) {
		struct seen s = { 0 };
		uint8_t stamp[8];
		le64(stamp, X64[i]);
		assert_int_equal(link_seal(a, TP_LINK_HEARTBEAT_ACK, stamp, 8), 0);
		assert_int_equal(tp_link_pump(a, b, LNOW, 0, on_ev, &s), 0);
		bool rtt = (int64_t)X64[i] > 0 && (int64_t)X64[i] <= LNOW;
		assert_int_equal(s.rtt, rtt);
		if (rtt)
			assert_true(s.rtt_ns == LNOW - (int64_t)X64[i]);
	}
	link_free(a);
	link_free(b);
	/* An actor list's count byte, with no entries after it; a bye's
	 * reason byte. */
	for (size_t i = 0; i < N(X8); i++) {
		struct seen s = { 0 };
		link_pair(&a, &b);
		uint8_t count = X8[i];
		assert_int_equal(link_seal(a, TP_LINK_ACTORS, &count, 1), 0);
		int rc = tp_link_pump(a, b, LNOW, 0, on_ev, &s);
		assert_int_equal(rc, count == 0 ? 0 : -TP_ETRUNC);
		assert_int_equal(s.actors, count == 0);
		link_free(a);
		link_free(b);
		memset(&s, 0, sizeof s);
		link_pair(&a, &b);
		assert_int_equal(link_seal(a, TP_LINK_BYE, &X8[i], 1), 0);
		assert_int_equal(tp_link_pump(a, b, LNOW, 0, on_ev, &s), 0);
		assert_int_equal(s.bye, 1);
		assert_int_equal(b->state, TP_LINK_CLOSED);
		link_free(a);
		link_free(b);
	}
}

/* ---------------------------------------------------------------- frames */

static void stream_frames(void **st)
{
	(void)st;
	struct tp_frames f = { 0 };
	for (size_t i = 0; i < N(X8); i++) {
		tp_frames_reset(&f, 64);
		size_t room;
		uint8_t *p = tp_frames_room(&f, &room);
		assert_non_null(p);
		p[0] = X8[i];
		assert_int_equal(tp_frames_add(&f, 1), X8[i] < TP_FRAMES_LANES ? 0 : -1);
	}
	for (size_t i = 0; i < N(X32); i++) {
		uint32_t x = X32[i];
		tp_frames_reset(&f, 64);
		size_t room;
		uint8_t *p = tp_frames_room(&f, &room);
		assert_non_null(p);
		uint8_t h[5] = { 0, (uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8),
				 (uint8_t)x };
		memcpy(p, h, 5);
		int rc = tp_frames_add(&f, 5);
		assert_int_equal(rc, x >= 1 && x <= 64 ? 0 : -1);
		if (rc == 0) {   /* waits for the rest: x bytes */
			assert_false(f.ready);
			p = tp_frames_room(&f, &room);
			assert_true(room >= x);
			memset(p, 'x', x);
			assert_int_equal(tp_frames_add(&f, x), 0);
			assert_true(f.ready);
			const uint8_t *fr;
			uint32_t len;
			assert_int_equal(tp_frames_take(&f, &fr, &len), 0);
			assert_int_equal(len, x);
		}
	}
	tp_frames_free(&f);
}

/* ---------------------------------------------------------------- shm */

/* The first words of an shm ring's header (transports/shm.c, struct
 * shm_hdr), as a process that may write the ring sees them. */
enum { H_DEPTH = 3, H_MSG_MAX = 4, H_SLOT = 5, H_LOCK = 8 };
static char shm_path[64], shm_ring[96];
static const struct tp_transport *shm_t;

static void shm_cleanup(void)
{
	if (shm_t && shm_path[0])
		shm_t->unlink(shm_path);
}

/* A failed assertion leaves the case at once: the ring goes anyway. */
static int shm_teardown(void **st)
{
	(void)st;
	shm_cleanup();
	return 0;
}

/* Attaches after the header's depth, msg_max and slot_size are set so,
 * and the file is size bytes (0: as it was). */
static int shm_attach_with(uint32_t depth, uint32_t msg_max, uint32_t slot, off_t size)
{
	int fd = open(shm_ring, O_RDWR);
	assert_true(fd >= 0);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	uint32_t *h = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(h != MAP_FAILED);
	uint32_t keep[3] = { h[H_DEPTH], h[H_MSG_MAX], h[H_SLOT] };
	h[H_DEPTH] = depth, h[H_MSG_MAX] = msg_max, h[H_SLOT] = slot;
	if (size)
		assert_int_equal(ftruncate(fd, size), 0);
	struct tp_mbox *mb = NULL;
	int rc = shm_t->attach(shm_path, TP_MBOX_SEND, &mb);
	if (rc == 0)
		shm_t->close(mb);
	h[H_DEPTH] = keep[0], h[H_MSG_MAX] = keep[1], h[H_SLOT] = keep[2];
	assert_int_equal(ftruncate(fd, sb.st_size), 0);
	munmap(h, 4096);
	close(fd);
	return rc;
}

static uint32_t slot_of(uint32_t msg_max)   /* shm.c's, in 32 bits */
{
	return (uint32_t)(8u + msg_max + 7u) & ~7u;
}

static void shm_ring_header(void **st)
{
	(void)st;
	shm_t = tp_transport_find("shm");
	assert_non_null(shm_t);
	snprintf(shm_path, sizeof shm_path, "/troupe.unit%d.wx", (int)getpid());
	snprintf(shm_ring, sizeof shm_ring, "/dev/shm%s.ring", shm_path);
	test_deadline(30, shm_cleanup);
	struct tp_mbox *own = test_mbox_create(shm_t, shm_path, 4, 64, TP_FULL_REJECT);
	struct stat sb;
	assert_int_equal(stat(shm_ring, &sb), 0);
	off_t hdr = sb.st_size - 2 * 4 * slot_of(64);
	assert_int_equal(shm_attach_with(4, 64, slot_of(64), 0), 0);   /* as made */
	for (size_t i = 0; i < N(X32); i++) {
		uint32_t x = X32[i];
		/* depth: only the one the file's size says */
		assert_int_equal(shm_attach_with(x, 64, slot_of(64), 0),
				 x == 4 ? 0 : -TP_EINVAL);
		/* msg_max with its slot and a file of the size they make:
		 * a ring of another shape is fine when it is whole. */
		uint32_t size = (uint32_t)hdr + 2u * 4u * slot_of(x);   /* as 32 bits wrap */
		if (x && x <= (1u << 20)) {
			assert_int_equal(shm_attach_with(4, x, slot_of(x), (off_t)size), 0);
		} else if (x > (1u << 30)) {
			/* Past any mailbox: refused however the sizes add up (with
			 * a 32-bit size_t, 0xfffffffe's slot wrapped to 8 bytes). */
			assert_int_equal(shm_attach_with(4, x, slot_of(x),
							 size < (1u << 20) ? (off_t)size : 0),
					 -TP_EINVAL);
		}
	}
	/* Depth and slot whose product wraps 64 bits to 1024 bytes of slots:
	 * 2 lanes × 4294443040 × 2147745808 = 2^64 + 1024. */
	assert_int_equal(shm_attach_with(4294443040u, 2147745793u, 2147745808u, hdr + 1024),
			 -TP_EINVAL);

	/* The senders' lock word: any value that is not a live process is
	 * taken back, in time for a send with 500 ms to go. */
	int fd = open(shm_ring, O_RDWR);
	assert_true(fd >= 0);
	uint32_t *h = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(h != MAP_FAILED);
	static const uint32_t dead[] = { 0x7ffffffeu, 0x7fffffffu, 0x80000000u, 0x80000001u,
					 0xfffffffeu, 0xffffffffu };
	for (size_t i = 0; i < N(dead); i++) {
		struct tp_mbox *tx = NULL;
		assert_int_equal(shm_t->attach(shm_path, TP_MBOX_SEND, &tx), 0);
		__atomic_store_n(&h[H_LOCK], dead[i], __ATOMIC_RELEASE);
		int rc = shm_t->send(tx, "hello", 5, 1, tp_now_ns() + 500000000LL);
		if (rc)
			fail_msg("lock word %#x: send %d", dead[i], rc);
		char got[64];
		unsigned prio;
		assert_int_equal(shm_t->recv(own, got, sizeof got, &prio, 0), 5);
		shm_t->close(tx);
	}
	munmap(h, 4096);
	close(fd);
	shm_t->close(own);
	assert_int_equal(shm_t->unlink(shm_path), 0);
	shm_path[0] = '\0';
	test_deadline(0, NULL);
}

/* The ring's indexes and its space count, as a writer of the ring may
 * set them: a receiver takes at most depth messages from a lane whose
 * head and tail are further apart and then finds it empty (not 2^32 stale
 * slots), the ring works again after, and the daemon's repair takes back
 * a forged space count a bounded step at a time (not 2^31 system calls). */
static void shm_ring_indexes(void **st)
{
	(void)st;
	shm_t = tp_transport_find("shm");
	assert_non_null(shm_t);
	snprintf(shm_path, sizeof shm_path, "/troupe.unit%d.wy", (int)getpid());
	snprintf(shm_ring, sizeof shm_ring, "/dev/shm%s.ring", shm_path);
	test_deadline(30, shm_cleanup);
	struct tp_mbox *own = test_mbox_create(shm_t, shm_path, 4, 64, TP_FULL_REJECT);
	struct tp_mbox *tx = NULL;
	assert_int_equal(shm_t->attach(shm_path, TP_MBOX_SEND, &tx), 0);
	struct stat sb;
	assert_int_equal(stat(shm_ring, &sb), 0);
	size_t hdr = (size_t)sb.st_size - 2 * 4 * slot_of(64);
	int fd = open(shm_ring, O_RDWR);
	assert_true(fd >= 0);
	uint8_t *map = mmap(NULL, hdr, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	/* The lanes end the header, 64 bytes each: head, then tail.  Which
	 * one a send moves shows it. */
	assert_int_equal(shm_t->send(tx, "a", 1, 1, 0), 0);
	uint32_t *lane = NULL;
	for (size_t off = hdr - 128; off < hdr; off += 64)
		if (((uint32_t *)(map + off))[1] == 1)
			lane = (uint32_t *)(map + off);
	assert_non_null(lane);
	char got[64];
	unsigned prio;
	for (size_t i = 0; i < N(X32); i++) {
		for (int end = 0; end < 2; end++) {   /* the tail moved, or the head */
			uint32_t base = __atomic_load_n(&lane[1], __ATOMIC_ACQUIRE);
			__atomic_store_n(&lane[end ? 0 : 1], end ? base - X32[i] : base + X32[i],
					 __ATOMIC_RELEASE);
			int taken = 0, rc;
			while ((rc = shm_t->recv(own, got, sizeof got, &prio, 0)) >= 0 && taken <= 8)
				taken++;
			if (rc != -TP_EEMPTY || taken > 4)
				fail_msg("%s moved by %#x: %d taken, then %d", end ? "head" : "tail",
					 X32[i], taken, rc);
			assert_int_equal(shm_t->send(tx, "b", 1, 1, 0), 0);
			assert_int_equal(shm_t->recv(own, got, sizeof got, &prio, 0), 1);
			assert_int_equal(got[0], 'b');
		}
	}
	/* The space count, raised as a writer of the ring can: a repair takes
	 * back at most a bounded step of it. */
	/* After 13 words: magic … when_full, lock … tx_cpu (struct shm_hdr). */
	sem_t *space = (sem_t *)(map + ((13 * 4 + _Alignof(sem_t) - 1) & ~(_Alignof(sem_t) - 1)));
	for (int k = 0; k < 20000; k++)
		assert_int_equal(sem_post(space), 0);
	int before, after;
	assert_int_equal(sem_getvalue(space, &before), 0);
	assert_true(before >= 20000);
	struct tp_mbox_stat ms;   /* the posts hit the count, nothing else */
	assert_int_equal(shm_t->stat(own, &ms), 0);
	assert_int_equal(ms.depth, 0);
	shm_t->repair(own, 1);   /* init: never the ring's lock holder */
	assert_int_equal(sem_getvalue(space, &after), 0);
	if (after < before - 4096)
		fail_msg("one repair took the space count from %d to %d", before, after);
	munmap(map, hdr);
	close(fd);
	shm_t->close(tx);
	shm_t->close(own);
	assert_int_equal(shm_t->unlink(shm_path), 0);
	shm_path[0] = '\0';
	test_deadline(0, NULL);
}

/* ---------------------------------------------------------------- notices */

static size_t pb_put(uint8_t *buf, size_t cap, const pb_msgdesc_t *fields, const void *m)
{
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	assert_true(pb_encode(&os, fields, m));
	return os.bytes_written;
}

static void error_codes(void **st)
{
	(void)st;
	for (size_t i = 0; i < N(XI32); i++) {
		int32_t x = XI32[i];
		bool ours = x > -TP_ERR_COUNT && x < TP_ERR_COUNT && x != 0;
		const char *s = tp_strerror(x);
		assert_non_null(s);
		if (!ours)
			assert_string_equal(s, x == 0 ? tp_strerror(0) : "unknown error");
		else
			assert_string_equal(s, tp_strerror(x < 0 ? -x : x));

		/* An error reply (troupe.Error) with that code. */
		uint8_t pl[128];
		troupe_Error e = { .error = x, .type = 7 };
		snprintf(e.reason, sizeof e.reason, "r");
		struct tp_env env = { .type = TP_ERROR_MSGID, .flags = TP_ENV_F_REPLY, .payload = pl };
		env.payload_len = (uint32_t)pb_put(pl, sizeof pl, troupe_Error_fields, &e);
		int want = x <= 0 ? -TP_EDECODE : x < TP_ERR_COUNT ? -x : -TP_ESYS;
		char why[96];
		assert_int_equal(tp_mailbox_error_read(&env, why, sizeof why), want);

		/* An Undeliverable notice with that error and reason. */
		troupe_Undeliverable u = { .error = x, .reason = (troupe_Undeliverable_Reason)x,
					   .type = (uint32_t)x, .corr = (uint64_t)(int64_t)x };
		snprintf(u.dest, sizeof u.dest, "x@y");
		struct tp_msg m = { .type = TP_UNDELIVERABLE_MSGID, .sender = TP_DAEMON_NAME,
				    .payload = pl };
		m.len = pb_put(pl, sizeof pl, troupe_Undeliverable_fields, &u);
		struct tp_undeliverable ud;
		assert_int_equal(tp_undeliverable_decode(&m, &ud), 0);
		assert_int_equal(ud.error, x > 0 && x < TP_ERR_COUNT ? -x : -TP_ECLOSED);
		assert_true(ud.type == (uint32_t)x && ud.corr == (uint64_t)(int64_t)x);
		assert_non_null(tp_undeliverable_reason_name((int)ud.reason));
		assert_non_null(tp_strerror(ud.error));

		/* A Down with that reason and exit code. */
		troupe_Down d = { .reason = (troupe_Down_Reason)x, .code = x, .restarting = true };
		snprintf(d.name, sizeof d.name, "w");
		m.type = TP_DOWN_MSGID;
		m.len = pb_put(pl, sizeof pl, troupe_Down_fields, &d);
		struct tp_down dn;
		assert_int_equal(tp_down_decode(&m, &dn), 0);
		assert_int_equal(dn.code, x);
		const char *rn = tp_down_reason_name((int)dn.reason);
		assert_non_null(rn);
		if (x < 0 || x > 7)
			assert_string_equal(rn, "?");
	}
	/* An Interest's bools as varints of any value: true past 0, or not
	 * decoded at all. */
	for (size_t i = 0; i < N(X64); i++) {
		uint8_t pl[32] = { 0x0a, 1, 'a' }, *p = pl + 3;   /* filter "a" */
		for (int field = 2; field <= 3; field++) {
			*p++ = (uint8_t)(field << 3);   /* varint */
			uint64_t v = X64[i];
			do {
				*p++ = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
				v >>= 7;
			} while (v);
		}
		struct tp_link_interest in;
		int rc = tp_link_interest_decode(pl, (size_t)(p - pl), &in);
		/* nanopb reads a bool as 32 bits, sign extension allowed: the
		 * rest does not decode. */
		bool fits = X64[i] <= UINT32_MAX || X64[i] >= 0xffffffff80000000u;
		assert_int_equal(rc, fits ? 0 : -TP_EDECODE);
		if (rc)
			continue;
		assert_int_equal(in.withdraw, X64[i] != 0);
		assert_int_equal(in.reset, X64[i] != 0);
	}
}

/* ---------------------------------------------------------------- tables */

static void shared_tables(void **st)
{
	(void)st;
	/* A retained value's stamp: the age troupectl shows. */
	for (size_t i = 0; i < N(X64); i++)
		for (size_t k = 0; k < N(NOWS); k++) {
			struct tp_retained r = { .set = true, .sent_ns = X64[i] };
			int64_t now = NOWS[k], age = tp_retained_age_ns(&r, now);
			bool known = X64[i] && X64[i] <= (uint64_t)now;
			assert_true(known ? age == now - (int64_t)X64[i] : age == -1);
			r.set = false;
			assert_true(tp_retained_age_ns(&r, now) == -1);
		}
	/* Subscription counts (written by publishers) between two snapshots:
	 * thousandths of a message per second, saturated, never undefined. */
	for (size_t i = 0; i < N(X64); i++)
		for (size_t j = 0; j < N(X64); j++) {
			uint64_t a = X64[i], b = X64[j];
			uint64_t r = tp_topic_rates_mps(a, b, 0, 2000000000LL);
			double d = b < a ? 0 : (double)(b - a) * 500;
			if (d >= 18446744073709551616.0)   /* 2^64 */
				assert_true(r == UINT64_MAX);
			else
				assert_true((double)r >= d * (1 - 1e-12) - 1 &&
					    (double)r <= d * (1 + 1e-12) + 1);
			assert_true(tp_topic_rates_mps(a, b, 5, 5) == 0);
			assert_true(tp_topic_rates_mps(a, b, 6, 5) == 0);
			assert_true(tp_topic_rates_mps(a, b, INT64_MIN, INT64_MAX) <= b - a);
			d = b < a ? 0 : (double)(b - a) * 1e12;
			r = tp_topic_rates_mps(a, b, 0, 1);
			if (d >= 18446744073709551616.0)
				assert_true(r == UINT64_MAX);
			else
				assert_true((double)r >= d * (1 - 1e-12) - 1 &&
					    (double)r <= d * (1 + 1e-12) + 1);
		}
	/* An actor's busy stamp in the counters segment: the watchdog holds
	 * it against the limit only when it is in the past. */
	static const int64_t stamps[] = { INT64_MIN, INT64_MIN + 1, -1, 0, 1, 1000,
					  5000000000LL, 5000000001LL, INT64_MAX - 1, INT64_MAX };
	struct tp_counters *c = calloc(1, sizeof *c);
	assert_non_null(c);
	for (size_t i = 0; i < N(stamps); i++)
		for (size_t k = 0; k < N(NOWS); k++) {
			int64_t now = NOWS[k], busy, for_ns;
			tp_counters_busy(c, 1, stamps[i]);
			busy = tp_counters_busy_since(c, 1);
			struct tp_wd w;
			tp_wd_reset(&w, 0, now);
			enum tp_wd_verdict v = tp_wd_check(&w, now, 1000, busy, 0, 1, &for_ns);
			bool held = busy > 0 && busy <= now && now - busy >= 1000;
			assert_int_equal(v, held ? TP_WD_HELD : TP_WD_OK);
			assert_true(for_ns >= 0 && (!held || for_ns == now - busy));
		}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(envelope_byte_fields),
		cmocka_unit_test(envelope_u32_fields),
		cmocka_unit_test(envelope_u64_fields),
		cmocka_unit_test(seal_seq),
		cmocka_unit_test(link_frame_length),
		cmocka_unit_test(link_sealed_fields),
		cmocka_unit_test(stream_frames),
		cmocka_unit_test_teardown(shm_ring_header, shm_teardown),
		cmocka_unit_test_teardown(shm_ring_indexes, shm_teardown),
		cmocka_unit_test(error_codes),
		cmocka_unit_test(shared_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
