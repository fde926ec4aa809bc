/* In-memory link drivers and the fuzz entry point (link_fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "link-internal.h"
#include "link_fuzz.h"
#include "link_topics.h"
#include "topic.pb.h"

int tp_link_pump(struct tp_link *from, struct tp_link *to, int64_t now,
		 size_t chunk, tp_link_ev_fn *on_ev, void *ctx)
{
	const uint8_t *p;
	size_t n;
	/* Bounded: each turn consumes at least one byte or ends. */
	while ((n = tp_link_pending(from, &p)) > 0) {
		struct tp_link_event ev;
		size_t used;
		if (chunk && n > chunk)
			n = chunk;
		int rc = tp_link_feed(to, p, n, now, &used, &ev);
		tp_link_sent(from, used);
		if (on_ev && ev.kind != TP_LINK_EV_NONE)
			on_ev(ctx, to, &ev);
		if (rc)
			return rc;
		if (!used)
			break;
	}
	return 0;
}

int tp_link_pair_connect(struct tp_link *ini, struct tp_link *resp, int64_t now)
{
	for (int i = 0; i < 4 && !(tp_link_is_up(ini) && tp_link_is_up(resp)); i++) {
		int rc = tp_link_pump(ini, resp, now, 0, NULL, NULL);
		if (!rc)
			rc = tp_link_pump(resp, ini, now, 0, NULL, NULL);
		if (rc)
			return rc;
	}
	return tp_link_is_up(ini) && tp_link_is_up(resp) ? 0 : -TP_ESTATE;
}

static void fuzz_fail(const char *what);

/* Topics across links: what the daemon decodes from a peer's mail (the
 * Interest message, a topic mail's topic) and checks against its rules,
 * as linkd_topics.c does.  A decoded interest has a valid filter (or is
 * a bare reset); a topic the decoder let in is a valid name. */
static void fuzz_topics(const struct tp_link_event *ev, unsigned *sum)
{
	static const struct tp_link_topics rules = { 2, { "sensors/#", "alarms/+" } };
	if (ev->kind != TP_LINK_EV_MAIL)
		return;
	if (ev->env.topic[0]) {
		if (tp_topic_name_check(ev->env.topic))
			fuzz_fail("topic mail with an invalid topic got through");
		*sum += tp_link_topics_allows(&rules, ev->env.topic);
	}
	if (ev->env.type != troupe_Interest_msgid)
		return;
	struct tp_link_interest in;
	if (tp_link_interest_decode(ev->env.payload, ev->env.payload_len, &in))
		return;
	if (in.filter[0] ? tp_topic_filter_check(in.filter) != 0 : !in.reset)
		fuzz_fail("an interest decoded without a valid filter");
	if (in.filter[0])
		*sum += tp_link_topics_covers(&rules, in.filter);
}

/* Reads what an event points at, so that a sanitizer sees any overread. */
static void fuzz_touch(void *ctx, struct tp_link *to, const struct tp_link_event *ev)
{
	unsigned *sum = ctx;
	/* Version 4's numbering: 0 means "none" and never comes through. */
	if (ev->kind == TP_LINK_EV_RESUME && !ev->epoch)
		fuzz_fail("a resume with epoch 0 was accepted");
	if (ev->kind == TP_LINK_EV_MAIL && to && to->version >= TP_LINK_VERSION_DSEQ &&
	    !ev->dseq)
		fuzz_fail("mail without a delivery sequence was accepted");
	*sum += (unsigned)(ev->dseq + ev->ack + ev->epoch + ev->your_epoch);
	fuzz_topics(ev, sum);
	for (size_t i = 0; i < ev->mail_len; i++)
		*sum += ev->mail[i];
	for (size_t i = 0; i < ev->env.payload_len; i++)
		*sum += ev->env.payload[i];
}

/* A broken property: abort, so that libFuzzer keeps the input. */
static void fuzz_fail(const char *what)
{
	fprintf(stderr, "link_fuzz.c: fuzz check failed: %s\n", what);
	abort();
}

/* Bytes made without the key (modes 0 and 1) may be answered or refused,
 * nothing more: every event that needs the key (up, mail, the peer's
 * actors, a heartbeat's answer, a bye) is a forgery that got through. */
static void fuzz_feed(struct tp_link *l, const uint8_t *d, size_t n, int64_t now,
		      unsigned *sum)
{
	while (n) {
		struct tp_link_event ev;
		size_t used;
		int rc = tp_link_feed(l, d, n, now, &used, &ev);
		if (ev.kind != TP_LINK_EV_NONE && ev.kind != TP_LINK_EV_CLOSED)
			fuzz_fail(ev.kind == TP_LINK_EV_UP ? "bytes without the key brought a link up"
				  : ev.kind == TP_LINK_EV_MAIL ? "bytes without the key delivered mail"
				  : "bytes without the key gave an authenticated event");
		fuzz_touch(sum, l, &ev);
		if (rc || !used)
			return;
		d += used;
		n -= used;
	}
}

/* Mode 2: each record is sealed by the initiator and pumped across. */
static void fuzz_sealed(struct tp_link *ini, struct tp_link *resp, const uint8_t *d,
			size_t n, int64_t now, unsigned *sum)
{
	while (n >= 3 && resp->state == TP_LINK_UP) {
		size_t len = d[1] | (size_t)d[2] << 8;
		if (len > n - 3)
			len = n - 3;
		link_seal(ini, d[0], d + 3, len);
		if (tp_link_pump(ini, resp, now, 0, fuzz_touch, sum))
			return;
		tp_link_sent(resp, SIZE_MAX);   /* nobody reads the replies */
		d += 3 + len;
		n -= 3 + len;
	}
}

static volatile unsigned fuzz_sink;

int tp_link_fuzz(const uint8_t *data, size_t size)
{
	static const uint8_t raw_key[32] = "troupe fuzzing key, not secret!";
	struct tp_link_key key;
	struct tp_link *l = calloc(2, sizeof *l);
	const int64_t now = 1000000000;
	unsigned sum = 0;
	if (!size || !l)
		goto out;
	tp_link_key_derive(raw_key, sizeof raw_key, &key);
	struct tp_link_conf ci = { .key = &key, .self = "fuzz-i", .peer = "fuzz-r",
				   .initiator = true };
	struct tp_link_conf cr = { .key = &key, .self = "fuzz-r" };
	unsigned mode = data[0] % 3;
	if (tp_link_init(&l[0], &ci, now) || tp_link_init(&l[1], &cr, now))
		fuzz_fail("tp_link_init failed");
	/* Modes 1 and 2 need a live link: without one they test nothing. */
	if (mode && tp_link_pair_connect(&l[0], &l[1], now))
		fuzz_fail("the genuine handshake failed");
	if (mode == 2)
		fuzz_sealed(&l[0], &l[1], data + 1, size - 1, now, &sum);
	else
		fuzz_feed(&l[1], data + 1, size - 1, now, &sum);
	int64_t next;
	tp_link_tick(&l[1], now + 1, &next);
	tp_link_eof(&l[1]);
out:
	if (l) {
		tp_link_fini(&l[0]);
		tp_link_fini(&l[1]);
	}
	free(l);
	tp_link_key_wipe(&key);
	fuzz_sink = sum;
	return 0;
}
