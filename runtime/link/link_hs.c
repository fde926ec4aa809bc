/* The link handshake (docs/WIRE.md, "Node links"):
 *
 *   initiator → responder   HELLO  versions, name, fresh nonce
 *   responder → initiator   HELLO  versions, name, fresh nonce
 *   initiator → responder   AUTH   HMAC(K, "…auth initiator" ‖ transcript)
 *   responder → initiator   AUTH   HMAC(K, "…auth responder" ‖ transcript)
 *
 * The transcript is both hello frames as sent, so every field of both
 * (versions, names, nonces) is bound; the role labels differ, so a tag
 * reflected back to its sender fails.  The responder proves the key only
 * after the initiator has: a stranger who connects learns nothing keyed.
 * Session keys, one per direction, are MACs of the same transcript under
 * their own labels: fresh for every connection because both nonces are. */
#include <stdio.h>
#include <string.h>
#include "link-internal.h"

/* Labels end with their NUL, so that no label is a prefix of another. */
static const char lbl_auth_i[] = "troupe link v1 auth initiator";
static const char lbl_auth_r[] = "troupe link v1 auth responder";
static const char lbl_key_ir[] = "troupe link v1 key initiator to responder";
static const char lbl_key_ri[] = "troupe link v1 key responder to initiator";

/* HMAC-SHA256(group key, label ‖ hello_i ‖ hello_r).  The hellos carry
 * their own length, so the concatenation is unambiguous. */
static void hs_mac(const struct tp_link *l, const char *label, size_t lablen,
		   uint8_t out[TP_HMAC_LEN])
{
	struct tp_hmac st;
	tp_hmac_init(&st, l->key->secret, TP_LINK_KEY_LEN);
	tp_hmac_update(&st, (const uint8_t *)label, lablen);
	tp_hmac_update(&st, l->hello_i, l->hello_i_len);
	tp_hmac_update(&st, l->hello_r, l->hello_r_len);
	tp_hmac_final(&st, out);
	tp_wipe(&st, sizeof st);
}

static void hs_header(uint8_t *f, size_t total, uint8_t type)
{
	tp_link_put32(f + TP_LINK_OFF_LEN, (uint32_t)(total - 4));
	f[TP_LINK_OFF_TYPE] = type;
	f[TP_LINK_OFF_FLAGS] = 0;
	tp_link_put16(f + TP_LINK_OFF_RSVD, 0);
}

/* Writes our hello into f (TP_LINK_PREAUTH_MAX bytes); returns its size. */
static size_t hs_hello(const struct tp_link *l, uint8_t *f)
{
	size_t nl = strlen(l->self);
	size_t total = TP_LINK_HDR_LEN + TP_LINK_HELLO_FIXED + nl;
	uint8_t *b = f + TP_LINK_HDR_LEN;
	hs_header(f, total, TP_LINK_HELLO);
	memcpy(b, TP_LINK_MAGIC, 4);
	b[4] = TP_LINK_VERSION_MIN; /* lowest version spoken */
	b[5] = l->version_max;      /* highest */
	b[6] = (uint8_t)nl;
	b[7] = 0;
	memcpy(b + 8, l->nonce, TP_LINK_NONCE_LEN);
	memcpy(b + TP_LINK_HELLO_FIXED, l->self, nl);
	return total;
}

void link_hs_start(struct tp_link *l)
{
	l->hello_i_len = hs_hello(l, l->hello_i);
	link_queue_raw(l, l->hello_i, l->hello_i_len);
}

/* Checks a peer's hello and copies its name out; *nonce points into f.
 * Both sides pick the highest version in both ranges (l->version). */
static int hs_parse_hello(struct tp_link *l, const uint8_t *f, size_t len,
			  char name[TP_NAME_MAX + 1], const uint8_t **nonce)
{
	const uint8_t *b = f + TP_LINK_HDR_LEN;
	size_t bl = len - TP_LINK_HDR_LEN;
	if (bl < 4 || memcmp(b, TP_LINK_MAGIC, 4) != 0)
		return link_fail(l, TP_ETRUNC, "not a Troupe node link (bad hello magic)");
	if (bl < TP_LINK_HELLO_FIXED + 1)
		return link_fail(l, TP_ETRUNC, "hello of %zu bytes is too short", len);
	unsigned vmin = b[4], vmax = b[5], nl = b[6];
	if (vmin > vmax || vmin == 0)
		return link_fail(l, TP_ETRUNC, "hello with version range %u..%u", vmin, vmax);
	if (vmin > l->version_max || vmax < TP_LINK_VERSION_MIN)
		return link_fail(l, TP_EVERSION, "no common link version: peer speaks "
				 "%u..%u, this node %u..%u", vmin, vmax,
				 TP_LINK_VERSION_MIN, l->version_max);
	if (b[7] || nl == 0 || nl > TP_NAME_MAX || bl < TP_LINK_HELLO_FIXED + nl)
		return link_fail(l, TP_ETRUNC, "malformed hello (name length %u)", nl);
	memcpy(name, b + TP_LINK_HELLO_FIXED, nl);
	name[nl] = '\0';
	if (!tp_name_is_valid(name))
		return link_fail(l, TP_ETRUNC, "hello with an invalid node name");
	*nonce = b + 8;
	l->version = (uint8_t)(vmax < l->version_max ? vmax : l->version_max);
	return 0;
}

static int hs_responder_hello(struct tp_link *l, const uint8_t *f, size_t len)
{
	char name[TP_NAME_MAX + 1];
	const uint8_t *nonce;
	int rc = hs_parse_hello(l, f, len, name, &nonce);
	if (rc)
		return rc;
	if (strcmp(name, l->self) == 0)
		return link_fail(l, TP_EPERM, "peer claims this node's own name '%s'", name);
	if (l->peer_ok && !l->peer_ok(l->peer_ok_ctx, name))
		return link_fail(l, TP_EPERM, "node '%s' is not a known peer", name);
	memcpy(l->peer, name, sizeof name);
	memcpy(l->hello_i, f, len);
	l->hello_i_len = len;
	l->hello_r_len = hs_hello(l, l->hello_r);
	l->state = TP_LINK_AUTH_WAIT;
	return link_queue_raw(l, l->hello_r, l->hello_r_len);
}

static int hs_send_auth(struct tp_link *l, const char *label, size_t lablen)
{
	uint8_t f[TP_LINK_AUTH_LEN];
	hs_header(f, sizeof f, TP_LINK_AUTH);
	hs_mac(l, label, lablen, f + TP_LINK_HDR_LEN);
	return link_queue_raw(l, f, sizeof f);
}

static int hs_initiator_hello(struct tp_link *l, const uint8_t *f, size_t len)
{
	char name[TP_NAME_MAX + 1];
	const uint8_t *nonce;
	int rc = hs_parse_hello(l, f, len, name, &nonce);
	if (rc)
		return rc;
	if (strcmp(name, l->peer) != 0)
		return link_fail(l, TP_EPERM, "peer calls itself '%s', expected '%s'",
				 name, l->peer);
	if (tp_ct_equal(nonce, l->nonce, TP_LINK_NONCE_LEN))
		return link_fail(l, TP_EPERM, "peer echoed this node's nonce (reflection)");
	memcpy(l->hello_r, f, len);
	l->hello_r_len = len;
	l->state = TP_LINK_AUTH_WAIT;
	return hs_send_auth(l, lbl_auth_i, sizeof lbl_auth_i);
}

/* Keys each direction's MAC state and wipes the keys themselves. */
static void hs_session_keys(struct tp_link *l, int64_t now)
{
	uint8_t k_ir[TP_HMAC_LEN], k_ri[TP_HMAC_LEN];
	hs_mac(l, lbl_key_ir, sizeof lbl_key_ir, k_ir);
	hs_mac(l, lbl_key_ri, sizeof lbl_key_ri, k_ri);
	tp_hmac_init(&l->mac_tx, l->initiator ? k_ir : k_ri, sizeof k_ir);
	tp_hmac_init(&l->mac_rx, l->initiator ? k_ri : k_ir, sizeof k_ir);
	tp_wipe(k_ir, sizeof k_ir);
	tp_wipe(k_ri, sizeof k_ri);
	l->seq_tx = l->seq_rx = 0;
	l->state = TP_LINK_UP;
	tp_link_beat_init(&l->beat, (uint32_t)(l->beat.interval_ns / 1000000),
			  (uint32_t)(l->beat.dead_ns / 1000000), now);
}

static int hs_auth(struct tp_link *l, const uint8_t *f, size_t len, int64_t now,
		   struct tp_link_event *ev)
{
	uint8_t want[TP_HMAC_LEN];
	if (len != TP_LINK_AUTH_LEN)
		return link_fail(l, TP_ETRUNC, "auth frame of %zu bytes (expected %d)",
				 len, TP_LINK_AUTH_LEN);
	if (l->initiator)
		hs_mac(l, lbl_auth_r, sizeof lbl_auth_r, want);
	else
		hs_mac(l, lbl_auth_i, sizeof lbl_auth_i, want);
	bool bad = !tp_ct_equal(want, f + TP_LINK_HDR_LEN, sizeof want);
	tp_wipe(want, sizeof want);
	if (bad)
		return link_fail(l, TP_EPERM, "authentication of '%s' failed: wrong key, "
				 "or the handshake was tampered with", l->peer);
	if (!l->initiator)
		hs_send_auth(l, lbl_auth_r, sizeof lbl_auth_r);
	hs_session_keys(l, now);
	ev->kind = TP_LINK_EV_UP;
	return 0;
}

int link_hs_frame(struct tp_link *l, const uint8_t *f, size_t len, int64_t now,
		  struct tp_link_event *ev)
{
	unsigned type = f[TP_LINK_OFF_TYPE];
	if (l->state == TP_LINK_HELLO_WAIT && type == TP_LINK_HELLO)
		return l->initiator ? hs_initiator_hello(l, f, len)
				    : hs_responder_hello(l, f, len);
	if (l->state == TP_LINK_AUTH_WAIT && type == TP_LINK_AUTH)
		return hs_auth(l, f, len, now, ev);
	return link_fail(l, TP_ESTATE, "unexpected %s frame during the handshake",
			 link_type_name(type));
}
