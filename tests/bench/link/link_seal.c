/* link_seal: what the node link's seal costs per message, for make bench.
 * Two links brought up in memory (no sockets, the real handshake); one
 * seals mail envelopes of SIZE payload bytes (as linkping streams them)
 * into its output, the other opens them from it (MAC, sequence, envelope
 * checks).  Batches of 256, timed apart; also the bare HMAC-SHA256 of one
 * frame, which is most of both.  The best of 5 passes: on a loaded machine
 * the others measure the scheduler.  Prints one line:
 *   link seal   64 B  frame  140 B  seal  249 ns  open  341 ns  hmac-sha256  216 ns  per message
 *
 * Usage: link_seal [-s SIZE] [-m MESSAGES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "troupe/envelope.h"
#include "link-internal.h"
#include "link_fuzz.h"

#define BATCH 256

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t make_mail(uint8_t *buf, size_t cap, size_t size)
{
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = 1, .type = 1001,
			      .sent_ns = 12345 };
	snprintf(env.sender, sizeof env.sender, "linkping");
	snprintf(env.dest, sizeof env.dest, "sink");
	int off = tp_env_encode_head(buf, cap, &env);
	if (off < 0 || size > cap - (size_t)off)
		return 0;
	memset(buf + off, 0x5a, size);
	tp_env_set_len(buf, (uint32_t)size);
	return (size_t)off + size;
}

/* One pass: m messages sealed by a and opened by b, in batches; ns[0],
 * ns[1], ns[2]: seal, open and the bare MAC of one frame, per message. */
static int seal_pass(struct tp_link *a, struct tp_link *b, const uint8_t *mail, size_t len,
		     long m, double ns[3], size_t *frame)
{
	int64_t seal = 0, open = 0, t = 1000000000;
	long got = 0, sent = 0;
	for (; sent < m; sent += BATCH) {
		int64_t t0 = now_ns();
		for (int i = 0; i < BATCH; i++)
			if (tp_link_send_mail(a, mail, len)) {
				fprintf(stderr, "link_seal: seal failed\n");
				return -1;
			}
		int64_t t1 = now_ns();
		const uint8_t *p;
		size_t n = tp_link_pending(a, &p);
		*frame = n / BATCH;
		while (n) {
			struct tp_link_event ev;
			size_t used;
			if (tp_link_feed(b, p, n, t, &used, &ev)) {
				fprintf(stderr, "link_seal: open failed: %s\n", b->reason);
				return -1;
			}
			got += ev.kind == TP_LINK_EV_MAIL;
			p += used;
			n -= used;
		}
		open += now_ns() - t1;
		seal += t1 - t0;
		tp_link_sent(a, tp_link_pending(a, &p));
	}
	if (got != sent) {
		fprintf(stderr, "link_seal: %ld of %ld opened\n", got, sent);
		return -1;
	}
	/* The MAC alone over one frame's sealed bytes, as link_seal computes it. */
	uint8_t f[2048], mac[TP_HMAC_LEN];
	memset(f, 0x33, sizeof f);
	int64_t t0 = now_ns();
	for (long i = 0; i < m; i++) {
		struct tp_hmac st = a->mac_tx;
		tp_hmac_update(&st, f, *frame - TP_LINK_TAG_LEN);
		tp_hmac_final(&st, mac);
		f[0] ^= mac[0];
	}
	ns[0] = (double)seal / (double)got;
	ns[1] = (double)open / (double)got;
	ns[2] = (double)(now_ns() - t0) / (double)m;
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t secret[32] = "link_seal bench key, not secret";
	size_t size = 64;
	long m = 200000;
	int o;
	while ((o = getopt(argc, argv, "s:m:")) != -1) {
		if (o == 's')
			size = (size_t)atol(optarg);
		else if (o == 'm')
			m = atol(optarg);
		else {
			fprintf(stderr, "usage: link_seal [-s SIZE] [-m MESSAGES]\n");
			return 2;
		}
	}
	struct tp_link_key key;
	tp_link_key_derive(secret, sizeof secret, &key);
	struct tp_link a, b;
	struct tp_link_conf ca = { .key = &key, .self = "a", .peer = "b", .initiator = true };
	struct tp_link_conf cb = { .key = &key, .self = "b" };
	int64_t t = 1000000000;
	uint8_t mail[2048];
	size_t len = make_mail(mail, sizeof mail, size);
	if (!len || size < 1 || m < BATCH || tp_link_init(&a, &ca, t) ||
	    tp_link_init(&b, &cb, t) || tp_link_pair_connect(&a, &b, t)) {
		fprintf(stderr, "link_seal: cannot set up the links (size 1..1000)\n");
		return 1;
	}
	double best_seal = 1e18, best_open = 1e18, best_hmac = 1e18, ns[3];
	size_t frame = 0;
	for (int pass = 0; pass < 5; pass++) {
		if (seal_pass(&a, &b, mail, len, m, ns, &frame))
			return 1;
		best_seal = ns[0] < best_seal ? ns[0] : best_seal;
		best_open = ns[1] < best_open ? ns[1] : best_open;
		best_hmac = ns[2] < best_hmac ? ns[2] : best_hmac;
	}
	printf("link seal      %6zu B  frame %4zu B  seal %6.0f ns  open %6.0f ns  "
	       "hmac-sha256 %6.0f ns  per message\n", size, frame, best_seal, best_open,
	       best_hmac);
	tp_link_fini(&a);
	tp_link_fini(&b);
	return 0;
}
