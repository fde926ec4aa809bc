/* The node link's framing and sealed frames (link.h).  Every frame's
 * length is checked as soon as its 4 length bytes are in, before the rest
 * is read; before the handshake ends the limit is TP_LINK_PREAUTH_MAX.
 * After it, a frame is accepted only if its MAC is right (checked in
 * constant time) and its sequence number is the next expected one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "link-internal.h"

static const char *const link_type_names[TP_LINK_TYPE_COUNT] = {
	[TP_LINK_HELLO] = "hello", [TP_LINK_AUTH] = "auth",
	[TP_LINK_MAIL] = "mail", [TP_LINK_HEARTBEAT] = "heartbeat",
	[TP_LINK_HEARTBEAT_ACK] = "heartbeat-ack", [TP_LINK_ACTORS] = "actor-list",
	[TP_LINK_BYE] = "bye", [TP_LINK_ERROR] = "error",
	[TP_LINK_RESUME] = "resume", [TP_LINK_ACK] = "ack",
};

const char *link_type_name(unsigned type)
{
	return type < TP_LINK_TYPE_COUNT && link_type_names[type]
		? link_type_names[type] : "unknown-type";
}

const char *tp_link_state_name(enum tp_link_state s)
{
	static const char *const names[] = {
		[TP_LINK_HELLO_WAIT] = "hello", [TP_LINK_AUTH_WAIT] = "auth",
		[TP_LINK_UP] = "up", [TP_LINK_CLOSED] = "closed",
	};
	return (unsigned)s <= TP_LINK_CLOSED ? names[s] : "?";
}

bool tp_link_is_up(const struct tp_link *l)
{
	return l->state == TP_LINK_UP;
}

/* ---------------------------------------------------------------- closing */

static void link_vclose(struct tp_link *l, const char *fmt, va_list ap)
{
	vsnprintf(l->reason, sizeof l->reason, fmt, ap);
	l->state = TP_LINK_CLOSED;
	l->rx_len = 0;
	tp_wipe(&l->mac_tx, sizeof l->mac_tx);
	tp_wipe(&l->mac_rx, sizeof l->mac_rx);
}

static int link_close(struct tp_link *l, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Closes without a word to the peer (it left, or it sent ERROR). */
static int link_close(struct tp_link *l, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	link_vclose(l, fmt, ap);
	va_end(ap);
	return -err;
}

int link_fail(struct tp_link *l, int err, const char *fmt, ...)
{
	static const uint8_t error_frame[TP_LINK_HDR_LEN] = { 4, 0, 0, 0, TP_LINK_ERROR };
	va_list ap;
	va_start(ap, fmt);
	link_vclose(l, fmt, ap);
	va_end(ap);
	/* What was pending goes: the peer gets the error and nothing else. */
	l->tx_head = l->tx_len = 0;
	link_queue_raw(l, error_frame, sizeof error_frame);
	return -err;
}

/* ---------------------------------------------------------------- output */

static bool link_tx_room(struct tp_link *l, size_t need)
{
	if (l->tx_cap - l->tx_len >= need)
		return true;
	if (l->tx_head) {
		memmove(l->tx, l->tx + l->tx_head, l->tx_len - l->tx_head);
		l->tx_len -= l->tx_head;
		l->tx_head = 0;
	}
	return l->tx_cap - l->tx_len >= need;
}

int link_queue_raw(struct tp_link *l, const uint8_t *f, size_t len)
{
	if (!link_tx_room(l, len))
		return -TP_EFULL;
	memcpy(l->tx + l->tx_len, f, len);
	l->tx_len += len;
	l->stats.frames_tx++;
	l->stats.bytes_tx += len;
	return 0;
}

size_t tp_link_pending(const struct tp_link *l, const uint8_t **p)
{
	*p = l->tx + l->tx_head;
	return l->tx_len - l->tx_head;
}

void tp_link_sent(struct tp_link *l, size_t n)
{
	if (n > l->tx_len - l->tx_head)
		n = l->tx_len - l->tx_head;
	l->tx_head += n;
	if (l->tx_head == l->tx_len)
		l->tx_head = l->tx_len = 0;
}

/* Seals pre ‖ payload as one frame's body: a mail's delivery sequence
 * goes in front without a copy of the mail. */
static int link_seal2(struct tp_link *l, uint8_t type, const void *pre, size_t pre_len,
		      const void *payload, size_t plen)
{
	uint8_t mac[TP_HMAC_LEN];
	size_t len = pre_len + plen;
	if (l->state != TP_LINK_UP)
		return -TP_ESTATE;
	if (plen > l->frame_max - TP_LINK_SESSION_OVERHEAD ||
	    len > l->frame_max - TP_LINK_SESSION_OVERHEAD)
		return -TP_ETOOBIG;
	size_t total = TP_LINK_SESSION_OVERHEAD + len;
	if (!link_tx_room(l, total))
		return -TP_EFULL;
	uint8_t *f = l->tx + l->tx_len;
	tp_link_put32(f + TP_LINK_OFF_LEN, (uint32_t)(total - 4));
	f[TP_LINK_OFF_TYPE] = type;
	f[TP_LINK_OFF_FLAGS] = 0;
	tp_link_put16(f + TP_LINK_OFF_RSVD, 0);
	tp_link_put64(f + TP_LINK_HDR_LEN, l->seq_tx);
	if (pre_len)
		memcpy(f + TP_LINK_HDR_LEN + TP_LINK_SEQ_LEN, pre, pre_len);
	if (plen)
		memcpy(f + TP_LINK_HDR_LEN + TP_LINK_SEQ_LEN + pre_len, payload, plen);
	struct tp_hmac st = l->mac_tx;
	tp_hmac_update(&st, f, total - TP_LINK_TAG_LEN);
	tp_hmac_final(&st, mac);
	memcpy(f + total - TP_LINK_TAG_LEN, mac, TP_LINK_TAG_LEN);
	l->tx_len += total;
	l->seq_tx++;
	l->stats.frames_tx++;
	l->stats.bytes_tx += total;
	return 0;
}

int link_seal(struct tp_link *l, uint8_t type, const void *payload, size_t len)
{
	return link_seal2(l, type, NULL, 0, payload, len);
}

int tp_link_send(struct tp_link *l, enum tp_link_type type, const void *payload,
		 size_t len)
{
	if (type < TP_LINK_MAIL || type > TP_LINK_BYE)
		return -TP_EINVAL;
	return link_seal(l, (uint8_t)type, payload, len);
}

int tp_link_send_mail(struct tp_link *l, const void *msg, size_t len)
{
	if (l->version >= TP_LINK_VERSION_DSEQ)
		return -TP_ESTATE;   /* numbered: tp_link_send_mail_seq */
	int rc = link_seal(l, TP_LINK_MAIL, msg, len);
	if (!rc)
		l->stats.mail_tx++;
	return rc;
}

int tp_link_send_mail_seq(struct tp_link *l, uint64_t dseq, const void *msg, size_t len)
{
	uint8_t pre[TP_LINK_DSEQ_LEN];
	if (l->state == TP_LINK_UP && l->version < TP_LINK_VERSION_DSEQ)
		return tp_link_send_mail(l, msg, len);
	tp_link_put64(pre, dseq);
	int rc = link_seal2(l, TP_LINK_MAIL, pre, sizeof pre, msg, len);
	if (!rc)
		l->stats.mail_tx++;
	return rc;
}

int tp_link_send_resume(struct tp_link *l, uint64_t epoch, uint64_t your_epoch,
			uint64_t done)
{
	uint8_t b[TP_LINK_RESUME_LEN];
	if (l->version < TP_LINK_VERSION_DSEQ)
		return -TP_ESTATE;
	tp_link_put64(b, epoch);
	tp_link_put64(b + 8, your_epoch);
	tp_link_put64(b + 16, done);
	return link_seal(l, TP_LINK_RESUME, b, sizeof b);
}

int tp_link_send_ack(struct tp_link *l, uint64_t done)
{
	uint8_t b[TP_LINK_DSEQ_LEN];
	if (l->version < TP_LINK_VERSION_DSEQ)
		return -TP_ESTATE;
	tp_link_put64(b, done);
	return link_seal(l, TP_LINK_ACK, b, sizeof b);
}

_Static_assert(TP_LINK_ACTORS_MAX == TP_REG_ACTORS_MAX, "a node's actors fit one list");

int tp_link_send_actors(struct tp_link *l, const char *const *names, unsigned n)
{
	uint8_t buf[1 + TP_LINK_ACTORS_MAX * (1 + TP_NAME_MAX)];
	size_t o = 1;
	if (n > TP_LINK_ACTORS_MAX)
		return -TP_EINVAL;
	buf[0] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		if (!tp_name_is_valid(names[i]))
			return -TP_EINVAL;
		size_t nl = strlen(names[i]);
		buf[o++] = (uint8_t)nl;
		memcpy(buf + o, names[i], nl);
		o += nl;
	}
	return link_seal(l, TP_LINK_ACTORS, buf, o);
}

int tp_link_send_bye(struct tp_link *l, enum tp_link_bye_reason why)
{
	uint8_t r = (uint8_t)why;
	int rc = link_seal(l, TP_LINK_BYE, &r, 1);
	if (!rc)
		link_close(l, 0, "this node said bye");
	return rc;
}

/* ---------------------------------------------------------------- sealed input */

static int link_rx_mail(struct tp_link *l, const uint8_t *p, size_t n,
			struct tp_link_event *ev)
{
	if (l->version >= TP_LINK_VERSION_DSEQ) {
		if (n < TP_LINK_DSEQ_LEN)
			return link_fail(l, TP_ETRUNC, "mail of %zu bytes has no delivery "
					 "sequence", n);
		ev->dseq = tp_link_get64(p);
		/* Numbering starts at 1: 0 is "none" in RESUME and ACK. */
		if (!ev->dseq)
			return link_fail(l, TP_ETRUNC, "mail with delivery sequence 0");
		p += TP_LINK_DSEQ_LEN;
		n -= TP_LINK_DSEQ_LEN;
	}
	int rc = tp_env_decode(p, n, l->frame_max, &ev->env);
	if (rc)
		return link_fail(l, -rc, "mail with a malformed envelope: %s",
				 tp_strerror(rc));
	/* The seal is between a daemon and its own actors (docs/WIRE.md). */
	if (ev->env.seal)
		return link_fail(l, TP_ETRUNC, "mail with a seal, which no link carries");
	const char *at = strchr(ev->env.sender, '@');
	if (at && strcmp(at + 1, l->peer) != 0)
		return link_fail(l, TP_EPERM, "mail from node '%s' claims sender '%s'",
				 l->peer, ev->env.sender);
	at = strchr(ev->env.dest, '@');
	if (at && strcmp(at + 1, l->self) != 0)
		return link_fail(l, TP_EPERM, "mail for '%s' is not for this node",
				 ev->env.dest);
	ev->kind = TP_LINK_EV_MAIL;
	ev->mail = p;
	ev->mail_len = n;
	l->stats.mail_rx++;
	return 0;
}

static int link_rx_actors(struct tp_link *l, const uint8_t *p, size_t n)
{
	unsigned count = n ? p[0] : 0;
	size_t o = 1;
	if (n == 0 || count > TP_LINK_ACTORS_MAX)
		return link_fail(l, TP_ETRUNC, "malformed actor list");
	for (unsigned i = 0; i < count; i++) {
		size_t nl = o < n ? p[o] : 0;
		if (nl == 0 || nl > TP_NAME_MAX || n - o - 1 < nl)
			return link_fail(l, TP_ETRUNC, "malformed actor list (entry %u)", i);
		memcpy(l->peer_actors[i], p + o + 1, nl);
		l->peer_actors[i][nl] = '\0';
		if (!tp_name_is_valid(l->peer_actors[i]))
			return link_fail(l, TP_ETRUNC, "actor list with an invalid name");
		o += 1 + nl;
	}
	if (o != n)
		return link_fail(l, TP_ETRUNC, "actor list with %zu trailing bytes", n - o);
	l->n_peer_actors = count;
	return 0;
}

static int link_rx_ack(struct tp_link *l, const uint8_t *p, int64_t now,
		       struct tp_link_event *ev)
{
	int64_t stamp = (int64_t)tp_link_get64(p);
	/* Our own clock echoed by an authenticated peer; a stamp from the
	 * future would be a peer bug, not worth a dead link. */
	if (stamp > 0 && stamp <= now) {
		ev->kind = TP_LINK_EV_RTT;
		ev->rtt_ns = l->stats.rtt_ns = now - stamp;
	}
	return 0;
}

static int link_rx_sealed(struct tp_link *l, unsigned type, const uint8_t *p,
			  size_t n, int64_t now, struct tp_link_event *ev)
{
	switch (type) {
	case TP_LINK_MAIL:
		return link_rx_mail(l, p, n, ev);
	case TP_LINK_ACTORS:
		if (link_rx_actors(l, p, n))
			return -TP_ETRUNC;
		ev->kind = TP_LINK_EV_ACTORS;
		return 0;
	case TP_LINK_HEARTBEAT:
	case TP_LINK_HEARTBEAT_ACK:
		if (n != 8)
			return link_fail(l, TP_ETRUNC, "%s of %zu bytes (expected 8)",
					 link_type_name(type), n);
		if (type == TP_LINK_HEARTBEAT_ACK)
			return link_rx_ack(l, p, now, ev);
		/* No room: the peer is not reading; it will time us out. */
		link_seal(l, TP_LINK_HEARTBEAT_ACK, p, n);
		return 0;
	case TP_LINK_RESUME:
	case TP_LINK_ACK:
		if (l->version < TP_LINK_VERSION_DSEQ)
			break;
		if (n != (type == TP_LINK_RESUME ? TP_LINK_RESUME_LEN : TP_LINK_DSEQ_LEN))
			return link_fail(l, TP_ETRUNC, "%s of %zu bytes", link_type_name(type), n);
		if (type == TP_LINK_ACK) {
			ev->kind = TP_LINK_EV_ACK;
			ev->ack = tp_link_get64(p);
			return 0;
		}
		ev->kind = TP_LINK_EV_RESUME;
		ev->epoch = tp_link_get64(p);
		ev->your_epoch = tp_link_get64(p + 8);
		ev->ack = tp_link_get64(p + 16);
		if (!ev->epoch)
			return link_fail(l, TP_ETRUNC, "resume with epoch 0");
		return 0;
	case TP_LINK_BYE:
		if (n != 1)
			return link_fail(l, TP_ETRUNC, "bye of %zu bytes (expected 1)", n);
		ev->kind = TP_LINK_EV_BYE;
		ev->bye_reason = p[0];
		link_close(l, 0, "peer said bye (%s)",
			   p[0] == TP_LINK_BYE_SHUTDOWN ? "shutdown"
			   : p[0] == TP_LINK_BYE_RELOAD ? "reload" : "other reason");
		return 0;
	default:
		break;
	}
	return link_fail(l, TP_ESTATE, "unexpected %s frame (type %u) on an "
				 "established link", link_type_name(type), type);
}

static int link_frame_sealed(struct tp_link *l, const uint8_t *f, size_t len,
			     int64_t now, struct tp_link_event *ev)
{
	uint8_t mac[TP_HMAC_LEN];
	if (len < TP_LINK_SESSION_OVERHEAD)
		return link_fail(l, TP_ETRUNC, "sealed frame of %zu bytes is too short", len);
	size_t body = len - TP_LINK_TAG_LEN;
	struct tp_hmac st = l->mac_rx;
	tp_hmac_update(&st, f, body);
	tp_hmac_final(&st, mac);
	if (!tp_ct_equal(mac, f + body, TP_LINK_TAG_LEN))
		return link_fail(l, TP_EPERM, "frame with a bad MAC (forged, corrupted "
				 "or reflected)");
	uint64_t seq = tp_link_get64(f + TP_LINK_HDR_LEN);
	if (seq != l->seq_rx)
		return link_fail(l, TP_ESTATE, "frame seq %llu, expected %llu (replayed, "
				 "reordered or dropped)", (unsigned long long)seq,
				 (unsigned long long)l->seq_rx);
	l->seq_rx++;
	tp_link_beat_rx(&l->beat, now);
	const uint8_t *p = f + TP_LINK_HDR_LEN + TP_LINK_SEQ_LEN;
	return link_rx_sealed(l, f[TP_LINK_OFF_TYPE], p,
			      body - TP_LINK_HDR_LEN - TP_LINK_SEQ_LEN, now, ev);
}

static int link_frame(struct tp_link *l, const uint8_t *f, size_t len, int64_t now,
		      struct tp_link_event *ev)
{
	l->stats.frames_rx++;
	l->stats.bytes_rx += len;
	if (f[TP_LINK_OFF_FLAGS] || f[TP_LINK_OFF_RSVD] || f[TP_LINK_OFF_RSVD + 1])
		return link_fail(l, TP_ETRUNC, "frame with non-zero flags or reserved bytes");
	if (f[TP_LINK_OFF_TYPE] == TP_LINK_ERROR)
		return link_close(l, TP_ECLOSED, l->state == TP_LINK_UP
			? "peer reported an error and closed the link (see its log)"
			: "peer refused the link: wrong key, unknown node or bad "
			  "handshake (see its log)");
	if (l->state != TP_LINK_UP)
		return link_hs_frame(l, f, len, now, ev);
	return link_frame_sealed(l, f, len, now, ev);
}

/* ---------------------------------------------------------------- input */

/* Called once the 4 length bytes are in: nothing more is read of a frame
 * that is too long or too short. */
static int link_check_len(struct tp_link *l)
{
	uint64_t total = 4 + (uint64_t)tp_link_get32(l->rx);
	bool preauth = l->state != TP_LINK_UP;
	uint64_t max = preauth ? TP_LINK_PREAUTH_MAX : l->frame_max;
	if (total < TP_LINK_HDR_LEN)
		return link_fail(l, TP_ETRUNC, "frame of %llu bytes is shorter than its "
				 "header", (unsigned long long)total);
	if (total > max)
		return link_fail(l, TP_ETOOBIG, "frame of %llu bytes exceeds %llu%s",
				 (unsigned long long)total, (unsigned long long)max,
				 preauth ? " (before authentication)" : "");
	return 0;
}

int tp_link_feed(struct tp_link *l, const uint8_t *data, size_t len, int64_t now,
		 size_t *used, struct tp_link_event *ev)
{
	memset(ev, 0, sizeof *ev);
	*used = 0;
	int rc = 0;
	while (!rc && ev->kind == TP_LINK_EV_NONE && *used < len) {
		if (l->state == TP_LINK_CLOSED) {
			rc = -TP_ECLOSED;
			break;
		}
		size_t want = l->rx_len < 4 ? 4 : 4 + (size_t)tp_link_get32(l->rx);
		size_t n = want - l->rx_len;
		if (n > len - *used)
			n = len - *used;
		memcpy(l->rx + l->rx_len, data + *used, n);
		l->rx_len += n;
		*used += n;
		if (l->rx_len == 4)
			rc = link_check_len(l);
		else if (l->rx_len == want) {
			l->rx_len = 0;
			rc = link_frame(l, l->rx, want, now, ev);
		}
	}
	if (rc || (l->state == TP_LINK_CLOSED && ev->kind == TP_LINK_EV_NONE)) {
		ev->kind = TP_LINK_EV_CLOSED;
		return rc ? rc : -TP_ECLOSED;
	}
	return 0;
}

int tp_link_eof(struct tp_link *l)
{
	if (l->state == TP_LINK_CLOSED)
		return -TP_ECLOSED;
	if (l->rx_len)
		return link_close(l, TP_ECLOSED, "connection closed in the middle of a "
				  "frame (%zu bytes of it received)", l->rx_len);
	if (l->state != TP_LINK_UP)
		return link_close(l, TP_ECLOSED, "connection closed during the handshake");
	return link_close(l, TP_ECLOSED, "connection closed without bye");
}

/* ---------------------------------------------------------------- time */

int tp_link_tick(struct tp_link *l, int64_t now, int64_t *next)
{
	*next = INT64_MAX;
	if (l->state == TP_LINK_CLOSED)
		return -TP_ECLOSED;
	if (l->state != TP_LINK_UP) {
		if (now >= l->hs_deadline)
			return link_fail(l, TP_ETIMEDOUT, "handshake not finished within "
					 "%u ms", l->handshake_ms);
		*next = l->hs_deadline;
		return 0;
	}
	if (tp_link_beat_is_dead(&l->beat, now))
		return link_fail(l, TP_ETIMEDOUT, "nothing from the peer for %lld ms",
				 (long long)((now - l->beat.last_rx) / 1000000));
	if (tp_link_beat_send_is_due(&l->beat, now)) {
		uint8_t stamp[8];
		tp_link_put64(stamp, (uint64_t)now);
		/* No room: the peer is not reading, skip this beat. */
		link_seal(l, TP_LINK_HEARTBEAT, stamp, sizeof stamp);
		tp_link_beat_sent(&l->beat, now);
	}
	*next = tp_link_beat_next(&l->beat);
	return 0;
}

/* ---------------------------------------------------------------- life */

/* TP_LINK_VERSION, or less when the test-only TP_LINK_VERSION_ENV says
 * so (a node of an older release, for tests of the down-conversion);
 * anything out of range is ignored. */
static uint8_t link_version_max(void)
{
	const char *v = getenv(TP_LINK_VERSION_ENV);
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v || *end || n < TP_LINK_VERSION_MIN || n > TP_LINK_VERSION)
		return TP_LINK_VERSION;
	return (uint8_t)n;
}

int tp_link_init(struct tp_link *l, const struct tp_link_conf *c, int64_t now)
{
	memset(l, 0, sizeof *l);
	uint32_t fmax = c->frame_max ? c->frame_max : TP_LINK_FRAME_DEFAULT;
	uint32_t hb = c->heartbeat_ms ? c->heartbeat_ms : TP_LINK_HEARTBEAT_MS_DEFAULT;
	uint32_t dead = c->dead_ms ? c->dead_ms : TP_LINK_DEAD_MS_DEFAULT;
	if (!c->key || !c->key->loaded || !c->self || !tp_name_is_valid(c->self) ||
	    (c->initiator && (!c->peer || !tp_name_is_valid(c->peer))) ||
	    fmax < TP_LINK_FRAME_MIN || fmax > TP_LINK_FRAME_CEIL || dead <= hb)
		return -TP_EINVAL;
	l->rx = malloc(fmax);
	l->tx = malloc(2 * (size_t)fmax);
	if (!l->rx || !l->tx) {
		tp_link_fini(l);
		return -TP_ENOMEM;
	}
	l->tx_cap = 2 * (size_t)fmax;
	l->frame_max = fmax;
	l->initiator = c->initiator;
	l->version_max = link_version_max();
	l->key = c->key;
	l->peer_ok = c->peer_ok;
	l->peer_ok_ctx = c->peer_ok_ctx;
	snprintf(l->self, sizeof l->self, "%s", c->self);
	if (c->initiator)
		snprintf(l->peer, sizeof l->peer, "%s", c->peer);
	l->handshake_ms = c->handshake_ms ? c->handshake_ms : TP_LINK_HANDSHAKE_MS_DEFAULT;
	l->hs_deadline = now + (int64_t)l->handshake_ms * 1000000;
	tp_link_beat_init(&l->beat, hb, dead, now);
	if (tp_random_bytes(l->nonce, sizeof l->nonce)) {
		tp_link_fini(l);
		return -TP_ESYS;
	}
	l->state = TP_LINK_HELLO_WAIT;
	if (c->initiator)
		link_hs_start(l);
	return 0;
}

void tp_link_fini(struct tp_link *l)
{
	free(l->rx);
	free(l->tx);
	tp_wipe(l, sizeof *l);
	l->state = TP_LINK_CLOSED;
}
