/* The node link state machine: the handshake between two links with the
 * same key, and every attack the protocol must stop: wrong key, replayed
 * handshake, reflection, tampered / replayed / reordered / injected /
 * truncated / oversized frames, wrong version, unknown peer.  All in
 * memory: two struct tp_link and a pump between them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "link_crypto.h"
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "link-internal.h"
#include "link_fuzz.h"

#define NOW 1000000000LL
#define MS 1000000LL

static struct tp_link_key key1, key2;

struct pair {
	struct tp_link a;    /* initiator, node "a" */
	struct tp_link b;    /* responder, node "b" */
};

struct seen {
	int mail, up, actors, rtt, bye, closed;
	struct tp_env env;
	char payload[256];
	int64_t rtt_ns;
	int resume, ack;
	uint64_t dseq, epoch, your_epoch, acked;
};

static int setup(void **state)
{
	static const uint8_t r1[32] = "0123456789abcdef0123456789abcde";
	static const uint8_t r2[32] = "fedcba9876543210fedcba987654321";
	(void)state;
	tp_link_key_derive(r1, sizeof r1, &key1);
	tp_link_key_derive(r2, sizeof r2, &key2);
	return 0;
}

static void init_link(struct tp_link *l, const struct tp_link_key *k, const char *self,
		      const char *peer, bool initiator)
{
	struct tp_link_conf c = { .key = k, .self = self, .peer = peer,
				  .initiator = initiator };
	assert_int_equal(tp_link_init(l, &c, NOW), 0);
}

static struct pair *pair_new(const struct tp_link_key *ka, const struct tp_link_key *kb)
{
	struct pair *p = calloc(1, sizeof *p);
	assert_non_null(p);
	init_link(&p->a, ka, "a", "b", true);
	init_link(&p->b, kb, "b", NULL, false);
	return p;
}

static struct pair *pair_up(void)
{
	struct pair *p = pair_new(&key1, &key1);
	assert_int_equal(tp_link_pair_connect(&p->a, &p->b, NOW), 0);
	return p;
}

static void pair_free(struct pair *p)
{
	tp_link_fini(&p->a);
	tp_link_fini(&p->b);
	free(p);
}

static void on_ev(void *ctx, struct tp_link *to, const struct tp_link_event *ev)
{
	struct seen *s = ctx;
	(void)to;
	switch (ev->kind) {
	case TP_LINK_EV_MAIL:
		s->mail++;
		s->dseq = ev->dseq;
		s->env = ev->env;
		snprintf(s->payload, sizeof s->payload, "%.*s",
			 (int)ev->env.payload_len, (const char *)ev->env.payload);
		break;
	case TP_LINK_EV_UP: s->up++; break;
	case TP_LINK_EV_ACTORS: s->actors++; break;
	case TP_LINK_EV_RTT: s->rtt++; s->rtt_ns = ev->rtt_ns; break;
	case TP_LINK_EV_BYE: s->bye++; break;
	case TP_LINK_EV_CLOSED: s->closed++; break;
	case TP_LINK_EV_RESUME:
		s->resume++;
		s->epoch = ev->epoch;
		s->your_epoch = ev->your_epoch;
		s->acked = ev->ack;
		break;
	case TP_LINK_EV_ACK: s->ack++; s->acked = ev->ack; break;
	default: break;
	}
}

/* An envelope from `sender` to `dest` carrying text. */
static size_t make_mail(uint8_t *buf, size_t cap, const char *sender,
			const char *dest, const char *text)
{
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = 1, .type = 1001 };
	snprintf(env.sender, sizeof env.sender, "%s", sender);
	snprintf(env.dest, sizeof env.dest, "%s", dest);
	int off = tp_env_encode_head(buf, cap, &env);
	assert_true(off > 0);
	size_t n = strlen(text);
	memcpy(buf + off, text, n);
	tp_env_set_len(buf, (uint32_t)n);
	return (size_t)off + n;
}

/* Mail numbered in order, as the daemon numbers it (link version 4). */
static int mail_out(struct tp_link *l, const void *m, size_t n)
{
	static uint64_t dseq;
	return tp_link_send_mail_seq(l, ++dseq, m, n);
}

static void send_mail(struct tp_link *l, const char *text)
{
	uint8_t m[256];
	size_t n = make_mail(m, sizeof m, "sensor", "logger", text);
	assert_int_equal(mail_out(l, m, n), 0);
}

/* Takes everything l has pending into buf; returns its length. */
static size_t take(struct tp_link *l, uint8_t *buf, size_t cap)
{
	const uint8_t *p;
	size_t n = tp_link_pending(l, &p);
	assert_true(n <= cap);
	memcpy(buf, p, n);
	tp_link_sent(l, n);
	return n;
}

/* Feeds bytes to l until they are used up or it fails. */
static int feed(struct tp_link *l, const uint8_t *d, size_t n, int64_t now,
		struct seen *s)
{
	while (n) {
		struct tp_link_event ev;
		size_t used;
		int rc = tp_link_feed(l, d, n, now, &used, &ev);
		on_ev(s, l, &ev);
		if (rc)
			return rc;
		d += used;
		n -= used;
	}
	return 0;
}

static void assert_reason(const struct tp_link *l, const char *part)
{
	if (!strstr(l->reason, part))
		fail_msg("reason '%s' lacks '%s'", l->reason, part);
	assert_int_equal(l->state, TP_LINK_CLOSED);
}

/* The one generic error: exactly an 8-byte ERROR frame is pending. */
static void assert_generic_error_pending(struct tp_link *l)
{
	const uint8_t *p;
	size_t n = tp_link_pending(l, &p);
	assert_int_equal(n, TP_LINK_HDR_LEN);
	assert_int_equal(p[TP_LINK_OFF_TYPE], TP_LINK_ERROR);
	assert_int_equal(tp_link_get32(p), 4);
}

/* ---------------------------------------------------------------- handshake */

static void handshake_and_mail(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct seen s = { 0 };
	assert_string_equal(p->b.peer, "a");
	assert_string_equal(p->a.peer, "b");

	send_mail(&p->a, "to b");
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.mail, 1);
	assert_string_equal(s.env.dest, "logger");
	assert_string_equal(s.payload, "to b");

	/* The other direction, fed one byte at a time. */
	send_mail(&p->b, "to a, slowly");
	send_mail(&p->b, "and again");
	assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 1, on_ev, &s), 0);
	assert_int_equal(s.mail, 3);
	assert_string_equal(s.payload, "and again");
	assert_int_equal(p->a.stats.mail_rx, 2);
	assert_int_equal(p->b.stats.mail_tx, 2);
	pair_free(p);
}

static void handshake_byte_by_byte(void **state)
{
	(void)state;
	struct pair *p = pair_new(&key1, &key1);
	struct seen s = { 0 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 1, on_ev, &s), 0);
		assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 1, on_ev, &s), 0);
	}
	assert_int_equal(s.up, 2);
	assert_true(tp_link_is_up(&p->a) && tp_link_is_up(&p->b));
	pair_free(p);
}

static void wrong_key_refused(void **state)
{
	(void)state;
	struct pair *p = pair_new(&key1, &key2);
	int rc = tp_link_pump(&p->a, &p->b, NOW, 0, NULL, NULL);   /* hello */
	assert_int_equal(rc, 0);
	assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 0, NULL, NULL), 0);
	rc = tp_link_pump(&p->a, &p->b, NOW, 0, NULL, NULL);       /* a's auth */
	assert_int_equal(rc, -TP_EPERM);
	assert_reason(&p->b, "authentication of 'a' failed");
	/* b proved nothing keyed: all it sends is the generic error. */
	assert_generic_error_pending(&p->b);
	assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 0, NULL, NULL), -TP_ECLOSED);
	assert_reason(&p->a, "peer refused the link");
	pair_free(p);
}

/* A's expected responder tag under key k, computed here from the spec. */
static void responder_tag(const struct tp_link *a, const struct tp_link_key *k,
			  uint8_t *frame)
{
	static const char label[] = "troupe link v1 auth responder";
	struct tp_hmac st;
	tp_link_put32(frame, TP_LINK_AUTH_LEN - 4);
	frame[4] = TP_LINK_AUTH;
	frame[5] = frame[6] = frame[7] = 0;
	tp_hmac_init(&st, k->secret, TP_LINK_KEY_LEN);
	tp_hmac_update(&st, (const uint8_t *)label, sizeof label);
	tp_hmac_update(&st, a->hello_i, a->hello_i_len);
	tp_hmac_update(&st, a->hello_r, a->hello_r_len);
	tp_hmac_final(&st, frame + TP_LINK_HDR_LEN);
}

/* The initiator, too, refuses a responder without the key.  A responder
 * tag computed from the spec with the right key is the control. */
static void initiator_refuses_wrong_key(void **state)
{
	(void)state;
	for (int right = 0; right < 2; right++) {
		struct pair *p = pair_new(&key1, &key1);
		uint8_t buf[512], auth[TP_LINK_AUTH_LEN];
		assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, NULL, NULL), 0);
		assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 0, NULL, NULL), 0);
		take(&p->a, buf, sizeof buf);   /* a's auth goes nowhere */
		responder_tag(&p->a, right ? &key1 : &key2, auth);
		struct seen s = { 0 };
		int rc = feed(&p->a, auth, sizeof auth, NOW, &s);
		if (right) {
			assert_int_equal(rc, 0);
			assert_int_equal(s.up, 1);
		} else {
			assert_int_equal(rc, -TP_EPERM);
			assert_reason(&p->a, "authentication of 'b' failed");
			assert_generic_error_pending(&p->a);
		}
		pair_free(p);
	}
}

/* What an initiator sent in a good handshake, replayed to a fresh
 * responder: that responder's nonce differs, so the old tag is wrong. */
static void replayed_handshake_refused(void **state)
{
	(void)state;
	struct pair *p = pair_new(&key1, &key1);
	uint8_t rec[512], junk[512];
	size_t n = take(&p->a, rec, sizeof rec);             /* hello */
	assert_int_equal(feed(&p->b, rec, n, NOW, &(struct seen){ 0 }), 0);
	assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 0, NULL, NULL), 0);
	n += take(&p->a, rec + n, sizeof rec - n);           /* + auth */
	struct seen s = { 0 };
	assert_int_equal(feed(&p->b, rec + (n - TP_LINK_AUTH_LEN), TP_LINK_AUTH_LEN,
			      NOW, &s), 0);
	assert_int_equal(s.up, 1);                           /* the original worked */

	struct tp_link fresh;
	init_link(&fresh, &key1, "b", NULL, false);
	int rc = feed(&fresh, rec, n, NOW + 60 * 1000 * MS, &s);
	assert_int_equal(rc, -TP_EPERM);
	assert_reason(&fresh, "authentication of 'a' failed");
	take(&fresh, junk, sizeof junk);
	tp_link_fini(&fresh);

	/* The same from the other side: a recorded responder, fresh initiator. */
	struct pair *q = pair_new(&key1, &key1);
	uint8_t resp[512];
	assert_int_equal(tp_link_pump(&q->a, &q->b, NOW, 0, NULL, NULL), 0);
	size_t m = take(&q->b, resp, sizeof resp);
	assert_int_equal(feed(&q->a, resp, m, NOW, &s), 0);
	assert_int_equal(tp_link_pump(&q->a, &q->b, NOW, 0, NULL, NULL), 0);
	m += take(&q->b, resp + m, sizeof resp - m);
	struct tp_link ini;
	init_link(&ini, &key1, "a", "b", true);
	take(&ini, junk, sizeof junk);
	assert_int_equal(feed(&ini, resp, m, NOW, &s), -TP_EPERM);
	assert_reason(&ini, "authentication of 'b' failed");
	tp_link_fini(&ini);
	pair_free(q);
	pair_free(p);
}

/* An attacker who sends a's own auth tag back to it as the responder's:
 * the role labels differ, so it fails. */
static void reflected_auth_refused(void **state)
{
	(void)state;
	struct pair *p = pair_new(&key1, &key1);
	uint8_t auth[512];
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, NULL, NULL), 0);
	assert_int_equal(tp_link_pump(&p->b, &p->a, NOW, 0, NULL, NULL), 0);
	size_t n = take(&p->a, auth, sizeof auth);
	assert_int_equal(n, TP_LINK_AUTH_LEN);
	assert_int_equal(feed(&p->a, auth, n, NOW, &(struct seen){ 0 }), -TP_EPERM);
	assert_reason(&p->a, "authentication of 'b' failed");
	pair_free(p);
}

/* a's own hello sent back to it, as is or under the expected name. */
static void reflected_hello_refused(void **state)
{
	(void)state;
	struct tp_link a;
	uint8_t hello[512];
	init_link(&a, &key1, "a", "b", true);
	size_t n = take(&a, hello, sizeof hello);
	assert_int_equal(feed(&a, hello, n, NOW, &(struct seen){ 0 }), -TP_EPERM);
	assert_reason(&a, "peer calls itself 'a', expected 'b'");
	tp_link_fini(&a);

	init_link(&a, &key1, "a", "b", true);
	n = take(&a, hello, sizeof hello);
	hello[n - 1] = 'b';                       /* same nonce, name "b" */
	assert_int_equal(feed(&a, hello, n, NOW, &(struct seen){ 0 }), -TP_EPERM);
	assert_reason(&a, "echoed this node's nonce");
	tp_link_fini(&a);

	/* A responder does not accept its own name. */
	struct tp_link b;
	init_link(&b, &key1, "b", NULL, false);
	init_link(&a, &key1, "b", "b", true);
	n = take(&a, hello, sizeof hello);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), -TP_EPERM);
	assert_reason(&b, "own name");
	tp_link_fini(&a);
	tp_link_fini(&b);
}

/* Sealed frames reflected to their sender fail: each direction has its
 * own key. */
static void reflected_frame_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t f[512];
	send_mail(&p->a, "mine");
	size_t n = take(&p->a, f, sizeof f);
	assert_int_equal(feed(&p->a, f, n, NOW, &(struct seen){ 0 }), -TP_EPERM);
	assert_reason(&p->a, "bad MAC");
	pair_free(p);
}

static bool unknown_is_c(void *ctx, const char *node)
{
	(void)ctx;
	return strcmp(node, "c") != 0;
}

static void unknown_peer_refused(void **state)
{
	(void)state;
	struct tp_link c, b;
	struct tp_link_conf cb = { .key = &key1, .self = "b", .peer_ok = unknown_is_c };
	init_link(&c, &key1, "c", "b", true);
	assert_int_equal(tp_link_init(&b, &cb, NOW), 0);
	assert_int_equal(tp_link_pump(&c, &b, NOW, 0, NULL, NULL), -TP_EPERM);
	assert_reason(&b, "node 'c' is not a known peer");
	assert_generic_error_pending(&b);
	tp_link_fini(&c);
	tp_link_fini(&b);

	/* The initiator dialled "b" and reached "c". */
	struct pair *p = pair_new(&key1, &key1);
	struct tp_link other;
	init_link(&other, &key1, "c", NULL, false);
	assert_int_equal(tp_link_pump(&p->a, &other, NOW, 0, NULL, NULL), 0);
	assert_int_equal(tp_link_pump(&other, &p->a, NOW, 0, NULL, NULL), -TP_EPERM);
	assert_reason(&p->a, "peer calls itself 'c', expected 'b'");
	tp_link_fini(&other);
	pair_free(p);
}

/* A hello whose version range has nothing in common with 1..3, and one
 * with bad magic. */
static void wrong_version_refused(void **state)
{
	(void)state;
	struct tp_link a, b;
	uint8_t hello[512];
	init_link(&a, &key1, "a", "b", true);
	size_t n = take(&a, hello, sizeof hello);
	assert_int_equal(hello[TP_LINK_HDR_LEN + 4], 1);
	assert_int_equal(hello[TP_LINK_HDR_LEN + 5], TP_LINK_VERSION);
	/* A version-1 node: the link runs version 1. */
	hello[TP_LINK_HDR_LEN + 5] = 1;
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), 0);
	assert_int_equal(b.version, 1);
	tp_link_fini(&b);
	/* A node of the release before 64-bit corr ids: version 2. */
	hello[TP_LINK_HDR_LEN + 5] = 2;
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), 0);
	assert_int_equal(b.version, 2);
	tp_link_fini(&b);
	/* A later node that still speaks ours: our highest. */
	hello[TP_LINK_HDR_LEN + 5] = TP_LINK_VERSION + 1;
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), 0);
	assert_int_equal(b.version, TP_LINK_VERSION);
	tp_link_fini(&b);
	/* The test-only cap plays a node of an older release. */
	setenv(TP_LINK_VERSION_ENV, "2", 1);
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), 0);
	assert_int_equal(b.version, 2);
	tp_link_fini(&b);
	setenv(TP_LINK_VERSION_ENV, "9", 1);   /* out of range: ignored */
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), 0);
	assert_int_equal(b.version, TP_LINK_VERSION);
	tp_link_fini(&b);
	unsetenv(TP_LINK_VERSION_ENV);
	hello[TP_LINK_HDR_LEN + 4] = TP_LINK_VERSION + 1;
	hello[TP_LINK_HDR_LEN + 5] = TP_LINK_VERSION + 2;
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), -TP_EVERSION);
	assert_reason(&b, "no common link version: peer speaks 6..7, this node 1..5");
	tp_link_fini(&b);

	memcpy(hello + TP_LINK_HDR_LEN, "HTTP", 4);
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, hello, n, NOW, &(struct seen){ 0 }), -TP_ETRUNC);
	assert_reason(&b, "bad hello magic");
	tp_link_fini(&b);
	tp_link_fini(&a);
}

/* An HTTP client, or any garbage, is refused after 4 bytes. */
static void garbage_refused_early(void **state)
{
	(void)state;
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tp_link b;
	struct tp_link_event ev;
	size_t used;
	init_link(&b, &key1, "b", NULL, false);
	int rc = tp_link_feed(&b, (const uint8_t *)http, sizeof http - 1, NOW, &used, &ev);
	assert_int_equal(rc, -TP_ETOOBIG);
	assert_int_equal(used, 4);
	assert_int_equal(ev.kind, TP_LINK_EV_CLOSED);
	assert_reason(&b, "before authentication");
	/* Closed for good. */
	assert_int_equal(tp_link_feed(&b, (const uint8_t *)http, 4, NOW, &used, &ev),
			 -TP_ECLOSED);
	tp_link_fini(&b);
}

/* An auth frame before any hello. */
static void out_of_order_handshake_refused(void **state)
{
	(void)state;
	struct tp_link b;
	uint8_t auth[TP_LINK_AUTH_LEN] = { TP_LINK_AUTH_LEN - 4, 0, 0, 0, TP_LINK_AUTH };
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(feed(&b, auth, sizeof auth, NOW, &(struct seen){ 0 }), -TP_ESTATE);
	assert_reason(&b, "unexpected auth frame during the handshake");
	tp_link_fini(&b);
}

/* ---------------------------------------------------------------- frames */

/* Every single-bit flip anywhere in a sealed frame: never delivered. */
static void tampered_frames_refused(void **state)
{
	(void)state;
	uint8_t f[512];
	struct pair *p = pair_up();
	send_mail(&p->a, "pay 10 euros");
	size_t n = take(&p->a, f, sizeof f);
	pair_free(p);
	for (size_t i = 0; i < n * 8; i++) {
		p = pair_up();
		uint8_t g[512];
		send_mail(&p->a, "pay 10 euros");
		assert_int_equal(take(&p->a, g, sizeof g), n);
		g[i / 8] ^= (uint8_t)(1u << (i % 8));
		struct seen s = { 0 };
		int rc = feed(&p->b, g, n, NOW, &s);
		if (rc == 0) {      /* a longer length: waits for bytes never sent */
			assert_true(p->b.rx_len > 0);
			assert_int_equal(tp_link_eof(&p->b), -TP_ECLOSED);
			assert_reason(&p->b, "middle of a frame");
		}
		assert_int_equal(s.mail, 0);
		assert_int_equal(p->b.state, TP_LINK_CLOSED);
		pair_free(p);
	}
}

static void replayed_frame_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct seen s = { 0 };
	uint8_t f[512];
	send_mail(&p->a, "once");
	size_t n = take(&p->a, f, sizeof f);
	assert_int_equal(feed(&p->b, f, n, NOW, &s), 0);
	assert_int_equal(s.mail, 1);
	assert_int_equal(feed(&p->b, f, n, NOW, &s), -TP_ESTATE);
	assert_reason(&p->b, "frame seq 0, expected 1");
	assert_int_equal(s.mail, 1);
	assert_generic_error_pending(&p->b);
	pair_free(p);
}

static void reordered_frame_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct seen s = { 0 };
	uint8_t f1[512], f2[512];
	send_mail(&p->a, "first");
	size_t n1 = take(&p->a, f1, sizeof f1);
	send_mail(&p->a, "second");
	size_t n2 = take(&p->a, f2, sizeof f2);
	assert_int_equal(feed(&p->b, f2, n2, NOW, &s), -TP_ESTATE);
	assert_reason(&p->b, "frame seq 1, expected 0");
	assert_int_equal(s.mail, 0);
	(void)n1;
	pair_free(p);
}

/* A dropped frame shows as a gap in the sequence. */
static void dropped_frame_detected(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t f[512];
	send_mail(&p->a, "lost");
	take(&p->a, f, sizeof f);
	send_mail(&p->a, "next");
	size_t n = take(&p->a, f, sizeof f);
	assert_int_equal(feed(&p->b, f, n, NOW, &(struct seen){ 0 }), -TP_ESTATE);
	assert_reason(&p->b, "frame seq 1, expected 0");
	pair_free(p);
}

/* Version 4's numbered mail and its two control frames: what is sent is
 * what comes out; a number 0, an epoch 0, a short body are refused; a
 * sealed RESUME replayed is refused like any frame; a link at version 3
 * (the test-only cap) has none of them. */
static void numbered_frames(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct seen s = { 0 };
	uint8_t m[256], f[512];
	size_t n = make_mail(m, sizeof m, "sensor", "logger", "seven");
	assert_true(p->a.version >= TP_LINK_VERSION_DSEQ);
	assert_int_equal(tp_link_send_mail(&p->a, m, n), -TP_ESTATE);
	assert_int_equal(tp_link_send_mail_seq(&p->a, 7, m, n), 0);
	assert_int_equal(tp_link_send_resume(&p->a, 0x1122334455667788ULL, 0x99, 5), 0);
	assert_int_equal(tp_link_send_ack(&p->a, 42), 0);
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.mail, 1);
	assert_int_equal(s.dseq, 7);
	assert_string_equal(s.payload, "seven");
	assert_int_equal(s.resume, 1);
	assert_int_equal(s.epoch, 0x1122334455667788ULL);
	assert_int_equal(s.your_epoch, 0x99);
	assert_int_equal(s.ack, 1);
	assert_int_equal(s.acked, 42);
	/* The same RESUME again, bytes for bytes: replayed, refused. */
	assert_int_equal(tp_link_send_resume(&p->a, 1, 2, 3), 0);
	size_t fl = take(&p->a, f, sizeof f);
	assert_int_equal(feed(&p->b, f, fl, NOW, &s), 0);
	assert_int_equal(feed(&p->b, f, fl, NOW, &s), -TP_ESTATE);
	assert_reason(&p->b, "replayed, reordered or dropped");
	pair_free(p);

	p = pair_up();
	assert_int_equal(tp_link_send_mail_seq(&p->a, 0, m, n), 0);
	assert_true(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s) < 0);
	assert_reason(&p->b, "delivery sequence 0");
	pair_free(p);
	p = pair_up();
	assert_int_equal(tp_link_send_resume(&p->a, 0, 1, 1), 0);
	assert_true(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s) < 0);
	assert_reason(&p->b, "resume with epoch 0");
	pair_free(p);
	p = pair_up();
	assert_int_equal(link_seal(&p->a, TP_LINK_MAIL, "1234567", 7), 0);
	assert_true(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s) < 0);
	assert_reason(&p->b, "has no delivery sequence");
	pair_free(p);

	/* An older peer: version 3, unnumbered mail, no control frames. */
	setenv(TP_LINK_VERSION_ENV, "3", 1);
	p = pair_up();
	unsetenv(TP_LINK_VERSION_ENV);
	assert_int_equal(p->a.version, 3);
	memset(&s, 0, sizeof s);
	assert_int_equal(tp_link_send_mail_seq(&p->a, 9, m, n), 0);
	assert_int_equal(tp_link_send_resume(&p->a, 1, 2, 3), -TP_ESTATE);
	assert_int_equal(tp_link_send_ack(&p->a, 3), -TP_ESTATE);
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.mail, 1);
	assert_int_equal(s.dseq, 0);
	assert_string_equal(s.payload, "seven");
	uint8_t b24[TP_LINK_RESUME_LEN] = { 1 };
	assert_int_equal(link_seal(&p->a, TP_LINK_RESUME, b24, sizeof b24), 0);
	assert_true(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s) < 0);
	assert_reason(&p->b, "unexpected resume frame");
	pair_free(p);
}

/* Frames made without the session key: a random tag, or a genuine tag of
 * another frame moved onto new contents. */
static void injected_frame_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t m[256], f[512];
	size_t ml = make_mail(m, sizeof m, "sensor", "logger", "injected");
	size_t n = TP_LINK_SESSION_OVERHEAD + TP_LINK_DSEQ_LEN + ml;
	tp_link_put32(f, (uint32_t)(n - 4));
	f[4] = TP_LINK_MAIL;
	f[5] = f[6] = f[7] = 0;
	tp_link_put64(f + 8, 0);
	tp_link_put64(f + 16, 1);   /* delivery sequence */
	memcpy(f + 24, m, ml);
	assert_int_equal(tp_random_bytes(f + n - TP_LINK_TAG_LEN, TP_LINK_TAG_LEN), 0);
	struct seen s = { 0 };
	assert_int_equal(feed(&p->b, f, n, NOW, &s), -TP_EPERM);
	assert_reason(&p->b, "bad MAC");
	assert_int_equal(s.mail, 0);
	pair_free(p);

	p = pair_up();
	uint8_t g[512];
	send_mail(&p->a, "genuine!");           /* same length as "injected" */
	assert_int_equal(take(&p->a, g, sizeof g), n);
	memcpy(f + n - TP_LINK_TAG_LEN, g + n - TP_LINK_TAG_LEN, TP_LINK_TAG_LEN);
	assert_int_equal(feed(&p->b, f, n, NOW, &s), -TP_EPERM);
	assert_int_equal(s.mail, 0);
	pair_free(p);
}

static void truncated_frame_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t f[512];
	send_mail(&p->a, "cut short");
	size_t n = take(&p->a, f, sizeof f);
	struct seen s = { 0 };
	assert_int_equal(feed(&p->b, f, n / 2, NOW, &s), 0);
	assert_int_equal(tp_link_eof(&p->b), -TP_ECLOSED);
	assert_reason(&p->b, "middle of a frame");
	assert_int_equal(s.mail, 0);
	pair_free(p);

	/* A sealed frame whose length leaves no room for seq and tag. */
	p = pair_up();
	uint8_t tiny[12] = { 8, 0, 0, 0, TP_LINK_MAIL };
	assert_int_equal(feed(&p->b, tiny, sizeof tiny, NOW, &s), -TP_ETRUNC);
	assert_reason(&p->b, "too short");
	pair_free(p);

	/* A length shorter than the header itself. */
	p = pair_up();
	uint8_t hdr[4] = { 2, 0, 0, 0 };
	assert_int_equal(feed(&p->b, hdr, sizeof hdr, NOW, &s), -TP_ETRUNC);
	assert_reason(&p->b, "shorter than its header");
	pair_free(p);
}

static void oversized_frame_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct tp_link_event ev;
	size_t used;
	uint8_t big[64] = { 0xf0, 0xff, 0xff, 0xff, TP_LINK_MAIL };
	int rc = tp_link_feed(&p->b, big, sizeof big, NOW, &used, &ev);
	assert_int_equal(rc, -TP_ETOOBIG);
	assert_int_equal(used, 4);               /* nothing read past the length */
	assert_reason(&p->b, "frame of 4294967284 bytes exceeds 65536");
	pair_free(p);

	/* One byte over the limit is refused; exactly the limit is not. */
	p = pair_up();
	uint8_t *m = calloc(1, TP_LINK_FRAME_DEFAULT);
	assert_non_null(m);
	size_t max_payload = TP_LINK_FRAME_DEFAULT - TP_LINK_SESSION_OVERHEAD -
			     TP_LINK_DSEQ_LEN;
	assert_int_equal(mail_out(&p->a, m, max_payload + 1), -TP_ETOOBIG);
	size_t off = make_mail(m, TP_LINK_FRAME_DEFAULT, "sensor", "logger", "");
	tp_env_set_len(m, (uint32_t)(max_payload - off));
	assert_int_equal(mail_out(&p->a, m, max_payload), 0);
	struct seen s = { 0 };
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.mail, 1);
	uint8_t over[4];
	tp_link_put32(over, TP_LINK_FRAME_DEFAULT - 4 + 1);
	assert_int_equal(feed(&p->b, over, 4, NOW, &s), -TP_ETOOBIG);
	free(m);
	pair_free(p);
}

/* What only a key holder could send, still refused: a bad envelope, a
 * sender claiming another node, mail for another node, a handshake frame
 * or an unknown type on an established link, non-zero flags. */
static void bad_sealed_content_refused(void **state)
{
	(void)state;
	static const struct {
		uint8_t type;
		const char *sender, *dest, *reason;
	} cases[] = {
		{ TP_LINK_MAIL, "sensor@c", "logger", "claims sender 'sensor@c'" },
		{ TP_LINK_MAIL, "sensor@a", "logger@c", "not for this node" },
		{ TP_LINK_HELLO, "sensor", "logger", "unexpected hello frame" },
		{ 200, "sensor", "logger", "unknown-type" },
		{ TP_LINK_HEARTBEAT, "sensor", "logger", "heartbeat of" },
		{ TP_LINK_BYE, "sensor", "logger", "bye of" },
		{ TP_LINK_ACTORS, "sensor", "logger", "malformed actor list" },
		{ TP_LINK_RESUME, "sensor", "logger", "resume of" },
		{ TP_LINK_ACK, "sensor", "logger", "ack of" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pair *p = pair_up();
		uint8_t m[256];
		/* Mail is numbered (version 4): the number, then the envelope. */
		size_t pre = cases[i].type == TP_LINK_MAIL ? TP_LINK_DSEQ_LEN : 0;
		tp_link_put64(m, 1);
		size_t n = pre + make_mail(m + pre, sizeof m - pre, cases[i].sender,
					   cases[i].dest, "x");
		assert_int_equal(link_seal(&p->a, cases[i].type, m, n), 0);
		struct seen s = { 0 };
		assert_true(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s) < 0);
		assert_reason(&p->b, cases[i].reason);
		assert_int_equal(s.mail, 0);
		pair_free(p);
	}
	/* An actor list of 65 names, sealed by a key holder: refused. */
	struct pair *p = pair_up();
	uint8_t list[1 + (TP_LINK_ACTORS_MAX + 1) * 4 + 1], *o = list + 1;   /* + the last NUL */
	list[0] = TP_LINK_ACTORS_MAX + 1;
	for (unsigned i = 0; i <= TP_LINK_ACTORS_MAX; i++)
		o += sprintf((char *)o, "%c%c%02u", 3, 'a', i % 100);
	assert_int_equal(link_seal(&p->a, TP_LINK_ACTORS, list, (size_t)(o - list)), 0);
	assert_true(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &(struct seen){ 0 }) < 0);
	assert_reason(&p->b, "malformed actor list");
	pair_free(p);
	/* A sender with our peer's name is fine; an envelope cut short is not. */
	p = pair_up();
	uint8_t m[256];
	size_t n = make_mail(m, sizeof m, "sensor@a", "logger@b", "ok");
	assert_int_equal(mail_out(&p->a, m, n), 0);
	assert_int_equal(mail_out(&p->a, m, n - 1), 0);
	struct seen s = { 0 };
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), -TP_ETRUNC);
	assert_int_equal(s.mail, 1);
	assert_reason(&p->b, "malformed envelope");
	pair_free(p);
}

static void nonzero_flags_refused(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t f[512];
	send_mail(&p->a, "flagged");
	size_t n = take(&p->a, f, sizeof f);
	f[TP_LINK_OFF_FLAGS] = 1;
	assert_int_equal(feed(&p->b, f, n, NOW, &(struct seen){ 0 }), -TP_ETRUNC);
	assert_reason(&p->b, "non-zero flags");
	pair_free(p);
}

static void error_frame_closes(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t e[8] = { 4, 0, 0, 0, TP_LINK_ERROR };
	assert_int_equal(feed(&p->b, e, sizeof e, NOW, &(struct seen){ 0 }), -TP_ECLOSED);
	assert_reason(&p->b, "peer reported an error");
	/* No error is answered with an error. */
	const uint8_t *q;
	assert_int_equal(tp_link_pending(&p->b, &q), 0);
	pair_free(p);
}

static void actor_list_and_bye(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct seen s = { 0 };
	const char *names[] = { "logger", "filter" };
	assert_int_equal(tp_link_send_actors(&p->a, names, 2), 0);
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.actors, 1);
	assert_int_equal(p->b.n_peer_actors, 2);
	assert_string_equal(p->b.peer_actors[1], "filter");
	assert_int_equal(tp_link_send_actors(&p->a, NULL, 0), 0);
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(p->b.n_peer_actors, 0);
	const char *bad[] = { "no@such" };
	assert_int_equal(tp_link_send_actors(&p->a, bad, 1), -TP_EINVAL);
	/* At most 64 names (docs/WIRE.md), on either side. */
	static char many[TP_LINK_ACTORS_MAX + 1][8];
	const char *list[TP_LINK_ACTORS_MAX + 1];
	for (unsigned i = 0; i <= TP_LINK_ACTORS_MAX; i++) {
		snprintf(many[i], sizeof many[i], "a%u", i);
		list[i] = many[i];
	}
	assert_int_equal(tp_link_send_actors(&p->a, list, TP_LINK_ACTORS_MAX + 1), -TP_EINVAL);
	assert_int_equal(tp_link_send_actors(&p->a, list, TP_LINK_ACTORS_MAX), 0);
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(p->b.n_peer_actors, TP_LINK_ACTORS_MAX);

	assert_int_equal(tp_link_send_bye(&p->a, TP_LINK_BYE_SHUTDOWN), 0);
	assert_int_equal(p->a.state, TP_LINK_CLOSED);
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.bye, 1);
	assert_reason(&p->b, "peer said bye (shutdown)");
	assert_int_equal(mail_out(&p->b, "x", 1), -TP_ESTATE);
	pair_free(p);
}

/* The output buffer is bounded: a peer that does not read makes sends
 * fail with TP_EFULL, never grow memory. */
static void output_bounded(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	uint8_t m[1024];
	size_t n = make_mail(m, sizeof m, "sensor", "logger", "");
	tp_env_set_len(m, sizeof m - n);
	int rc = 0, sent = 0;
	for (int i = 0; i < 1000 && rc == 0; i++)
		if ((rc = mail_out(&p->a, m, sizeof m)) == 0)
			sent++;
	assert_int_equal(rc, -TP_EFULL);
	assert_true(sent >= 100 && sent < 200);   /* 2 × 64 KiB of ~1 KiB frames */
	struct seen s = { 0 };
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW, 0, on_ev, &s), 0);
	assert_int_equal(s.mail, sent);
	assert_int_equal(mail_out(&p->a, m, sizeof m), 0);
	pair_free(p);
}

/* ---------------------------------------------------------------- time */

static void handshake_deadline(void **state)
{
	(void)state;
	struct tp_link b;
	int64_t next;
	init_link(&b, &key1, "b", NULL, false);
	assert_int_equal(tp_link_tick(&b, NOW + 4999 * MS, &next), 0);
	assert_true(next == NOW + TP_LINK_HANDSHAKE_MS_DEFAULT * MS);
	assert_int_equal(tp_link_tick(&b, next, &next), -TP_ETIMEDOUT);
	assert_reason(&b, "handshake not finished within 5000 ms");
	assert_generic_error_pending(&b);
	tp_link_fini(&b);
}

static void heartbeat_rtt_and_death(void **state)
{
	(void)state;
	struct pair *p = pair_up();
	struct seen s = { 0 };
	int64_t next;
	const uint8_t *q;
	assert_int_equal(tp_link_tick(&p->a, NOW + 999 * MS, &next), 0);
	assert_int_equal(tp_link_pending(&p->a, &q), 0);       /* not yet due */
	assert_true(next == NOW + 1000 * MS);
	assert_int_equal(tp_link_tick(&p->a, NOW + 1000 * MS, &next), 0);
	assert_true(tp_link_pending(&p->a, &q) > 0);           /* heartbeat */
	assert_int_equal(tp_link_pump(&p->a, &p->b, NOW + 1100 * MS, 0, on_ev, &s), 0);
	assert_int_equal(tp_link_pump(&p->b, &p->a, NOW + 1250 * MS, 0, on_ev, &s), 0);
	assert_int_equal(s.rtt, 1);
	assert_true(s.rtt_ns == 250 * MS);
	assert_true(p->a.stats.rtt_ns == 250 * MS);

	/* b heard a at 1.1 s: it is dead at 4.1 s, not before. */
	assert_int_equal(tp_link_tick(&p->b, NOW + 4099 * MS, &next), 0);
	tp_link_sent(&p->b, SIZE_MAX);
	assert_int_equal(tp_link_tick(&p->b, NOW + 4100 * MS, &next), -TP_ETIMEDOUT);
	assert_reason(&p->b, "nothing from the peer for 3000 ms");
	pair_free(p);
}

/* ---------------------------------------------------------------- misc */

static void init_checks(void **state)
{
	(void)state;
	struct tp_link l;
	struct tp_link_key none = { 0 };
	struct tp_link_conf c = { .key = &key1, .self = "a", .peer = "b", .initiator = true };
	c.self = "bad name";
	assert_int_equal(tp_link_init(&l, &c, NOW), -TP_EINVAL);
	c.self = "a";
	c.peer = NULL;
	assert_int_equal(tp_link_init(&l, &c, NOW), -TP_EINVAL);
	c.peer = "b";
	c.key = &none;
	assert_int_equal(tp_link_init(&l, &c, NOW), -TP_EINVAL);
	c.key = &key1;
	c.frame_max = TP_LINK_FRAME_CEIL + 1;
	assert_int_equal(tp_link_init(&l, &c, NOW), -TP_EINVAL);
	c.frame_max = 0;
	c.heartbeat_ms = 3000;
	c.dead_ms = 3000;
	assert_int_equal(tp_link_init(&l, &c, NOW), -TP_EINVAL);
	assert_string_equal(tp_link_state_name(TP_LINK_UP), "up");
}

/* Fresh nonces: two handshakes never share one, so their keys differ. */
static void nonces_fresh(void **state)
{
	(void)state;
	struct pair *p = pair_up(), *q = pair_up();
	assert_memory_not_equal(p->a.nonce, q->a.nonce, TP_LINK_NONCE_LEN);
	assert_memory_not_equal(p->b.nonce, q->b.nonce, TP_LINK_NONCE_LEN);
	/* q's frame means nothing to p. */
	uint8_t f[512];
	send_mail(&q->a, "other session");
	size_t n = take(&q->a, f, sizeof f);
	assert_int_equal(feed(&p->b, f, n, NOW, &(struct seen){ 0 }), -TP_EPERM);
	pair_free(p);
	pair_free(q);
}

/* The fuzz entry point survives seeds and random input in every mode. */
static void fuzz_smoke(void **state)
{
	(void)state;
	uint8_t buf[600];
	uint32_t x = 12345;
	struct pair *p = pair_new(&key1, &key1);
	buf[0] = 0;
	size_t n = take(&p->a, buf + 1, sizeof buf - 1);
	assert_int_equal(tp_link_fuzz(buf, n + 1), 0);
	pair_free(p);
	for (int i = 0; i < 600; i++) {
		size_t len = 1 + (x % (sizeof buf - 1));
		for (size_t j = 0; j < len; j++) {
			x = x * 1103515245 + 12345;
			buf[j] = (uint8_t)(x >> 16);
		}
		buf[0] = (uint8_t)(i % 3);
		if (i % 2) {       /* plausible lengths, to get past the first check */
			buf[1] = (uint8_t)(buf[1] % 100);
			buf[2] = buf[3] = buf[4] = 0;
		}
		assert_int_equal(tp_link_fuzz(buf, len), 0);
	}
	assert_int_equal(tp_link_fuzz(buf, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_and_mail),
		cmocka_unit_test(handshake_byte_by_byte),
		cmocka_unit_test(wrong_key_refused),
		cmocka_unit_test(initiator_refuses_wrong_key),
		cmocka_unit_test(replayed_handshake_refused),
		cmocka_unit_test(reflected_auth_refused),
		cmocka_unit_test(reflected_hello_refused),
		cmocka_unit_test(reflected_frame_refused),
		cmocka_unit_test(unknown_peer_refused),
		cmocka_unit_test(wrong_version_refused),
		cmocka_unit_test(garbage_refused_early),
		cmocka_unit_test(out_of_order_handshake_refused),
		cmocka_unit_test(tampered_frames_refused),
		cmocka_unit_test(replayed_frame_refused),
		cmocka_unit_test(reordered_frame_refused),
		cmocka_unit_test(dropped_frame_detected),
		cmocka_unit_test(injected_frame_refused),
		cmocka_unit_test(truncated_frame_refused),
		cmocka_unit_test(oversized_frame_refused),
		cmocka_unit_test(bad_sealed_content_refused),
		cmocka_unit_test(numbered_frames),
		cmocka_unit_test(nonzero_flags_refused),
		cmocka_unit_test(error_frame_closes),
		cmocka_unit_test(actor_list_and_bye),
		cmocka_unit_test(output_bounded),
		cmocka_unit_test(handshake_deadline),
		cmocka_unit_test(heartbeat_rtt_and_death),
		cmocka_unit_test(init_checks),
		cmocka_unit_test(nonces_fresh),
		cmocka_unit_test(fuzz_smoke),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
