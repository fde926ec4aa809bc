/* The envelope codec (docs/WIRE.md).  Every length is checked against the
 * buffer before it is used; nothing is allocated. */
#include <stdbool.h>
#include <string.h>
#include "troupe/actor.h"
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "troupe/topic.h"

_Static_assert(TP_ENV_TOPIC_MAX == TP_TOPIC_MAX, "envelope.h and topic.h");

/* An actor sees the envelope's flags as tp_msg.flags. */
_Static_assert((int)TP_MSG_F_REQUEST == (int)TP_ENV_F_REQUEST &&
	       (int)TP_MSG_F_REPLY == (int)TP_ENV_F_REPLY,
	       "tp_msg flags are the envelope's");

/* Bytes 0..11 are one layout in every version read; after them, version
 * 4 has payload_len, a 64-bit corr and sent_ns, aligned; versions 2 and 3
 * a 32-bit corr, payload_len and sent_ns (docs/WIRE.md). */
enum {
	OFF_VERSION = 0, OFF_FLAGS = 1, OFF_PRIO = 2, OFF_SLEN = 3, OFF_DLEN = 4,
	OFF_TLEN = 5, OFF_RSVD = 6, OFF_TYPE = 8,
	OFF4_LEN = 12, OFF4_CORR = 16, OFF4_SENT = 24,
	OFF2_CORR = 12, OFF2_LEN = 16, OFF2_SENT = 20,
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool is_v4(const uint8_t *buf)
{
	return buf[OFF_VERSION] == TP_ENV_VERSION;
}

static size_t off_len(const uint8_t *buf)
{
	return is_v4(buf) ? OFF4_LEN : OFF2_LEN;
}

static size_t off_sent(const uint8_t *buf)
{
	return is_v4(buf) ? OFF4_SENT : OFF2_SENT;
}

/* A name on the wire (docs/WIRE.md): "actor" or "actor@node", each part
 * of [A-Za-z0-9_-], or '.' for the runtime's reserved names
 * ("troupe.daemon").  Anything else is refused: a NUL would let two names
 * compare equal, a newline or escape would forge lines in the logs that
 * print senders. */
static bool name_is_ok(const uint8_t *s, size_t n)
{
	size_t at = 0;
	if (n == 0 || n > TP_ENV_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '@') {
			if (at || i == 0 || i == n - 1)
				return false;
			at = i;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
			return false;
		}
	}
	return true;
}

int tp_env_encode_head(uint8_t *buf, size_t cap, const struct tp_env *env)
{
	size_t sl = strnlen(env->sender, TP_ENV_NAME_MAX + 1);
	size_t dl = strnlen(env->dest, TP_ENV_NAME_MAX + 1);
	size_t tl = strnlen(env->topic, TP_ENV_TOPIC_MAX + 1);
	if (!name_is_ok((const uint8_t *)env->sender, sl) ||
	    !name_is_ok((const uint8_t *)env->dest, dl) ||
	    (tl && tp_topic_name_check(env->topic)) ||
	    env->prio > 3 || (env->flags & ~TP_ENV_F_WRITABLE))
		return -TP_EINVAL;
	size_t off = TP_ENV_HDR_LEN + sl + dl + tl;
	if (off > cap)
		return -TP_ETOOBIG;
	buf[OFF_VERSION] = TP_ENV_VERSION;
	buf[OFF_FLAGS] = env->flags;
	buf[OFF_PRIO] = env->prio;
	buf[OFF_SLEN] = (uint8_t)sl;
	buf[OFF_DLEN] = (uint8_t)dl;
	buf[OFF_TLEN] = (uint8_t)tl;
	buf[OFF_RSVD] = buf[OFF_RSVD + 1] = 0;
	put32(buf + OFF_TYPE, env->type);
	put32(buf + OFF4_LEN, 0);
	put64(buf + OFF4_CORR, env->corr);
	put64(buf + OFF4_SENT, env->sent_ns);
	memcpy(buf + TP_ENV_HDR_LEN, env->sender, sl);
	memcpy(buf + TP_ENV_HDR_LEN + sl, env->dest, dl);
	memcpy(buf + TP_ENV_HDR_LEN + sl + dl, env->topic, tl);
	return (int)off;
}

void tp_env_set_len(uint8_t *buf, uint32_t payload_len)
{
	put32(buf + off_len(buf), payload_len);
}

void tp_env_set_sent(uint8_t *buf, uint64_t sent_ns)
{
	put64(buf + off_sent(buf), sent_ns);
}

uint64_t tp_env_sent(const uint8_t *buf)
{
	return get64(buf + off_sent(buf));
}

uint8_t tp_env_flags(const uint8_t *buf)
{
	return buf[OFF_FLAGS];
}

void tp_env_set_flags(uint8_t *buf, uint8_t flags)
{
	buf[OFF_FLAGS] = flags;
}

static int name_copy(char *dst, const uint8_t *src, size_t n)
{
	if (!name_is_ok(src, n))
		return -TP_ETRUNC;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* The header's checks that need no length: prio, flags, reserved bytes
 * and topic_len for the version (2: none; 3: 1..127; 4: 0..127). */
static bool head_is_ok(const uint8_t *buf)
{
	uint8_t v = buf[OFF_VERSION], tl = buf[OFF_TLEN];
	bool tl_ok = v == TP_ENV_VERSION_2 ? tl == 0 :
		     v == TP_ENV_VERSION_3 ? tl != 0 && tl <= TP_ENV_TOPIC_MAX :
		     tl <= TP_ENV_TOPIC_MAX;
	return buf[OFF_PRIO] <= 3 &&
	       !(buf[OFF_FLAGS] & ~(TP_ENV_F_WRITABLE | TP_ENV_F_SEALED)) &&
	       tl_ok && !buf[OFF_RSVD] && !buf[OFF_RSVD + 1];
}

int tp_env_decode(const uint8_t *buf, size_t len, size_t max_payload,
		  struct tp_env *env)
{
	if (len < 1)
		return -TP_ETRUNC;
	uint8_t v = buf[OFF_VERSION];
	if (v != TP_ENV_VERSION && v != TP_ENV_VERSION_2 && v != TP_ENV_VERSION_3)
		return -TP_EVERSION;
	size_t hl = v == TP_ENV_VERSION ? TP_ENV_HDR_LEN : TP_ENV_HDR_LEN_V2;
	if (len < hl)
		return -TP_ETRUNC;
	size_t sl = buf[OFF_SLEN], dl = buf[OFF_DLEN], tl = buf[OFF_TLEN];
	uint32_t pl = get32(buf + off_len(buf));
	if (!head_is_ok(buf))
		return -TP_ETRUNC;
	if (pl > max_payload)
		return -TP_ETOOBIG;
	/* The fixed parts first, then payload_len against what is left:
	 * adding a 32-bit length to them could wrap a 32-bit size_t to len
	 * when the caller allows any payload (max_payload SIZE_MAX). */
	size_t seal = buf[OFF_FLAGS] & TP_ENV_F_SEALED ? TP_ENV_SEAL_LEN : 0;
	size_t fixed = hl + sl + dl + tl + seal;
	if (len < fixed || len - fixed != pl)
		return -TP_ETRUNC;
	if (name_copy(env->sender, buf + hl, sl) ||
	    name_copy(env->dest, buf + hl + sl, dl))
		return -TP_ETRUNC;
	memcpy(env->topic, buf + hl + sl + dl, tl);
	env->topic[tl] = '\0';
	/* A NUL inside would make two encodings of one topic (fuzz_envelope). */
	if (tl && (strlen(env->topic) != tl || tp_topic_name_check(env->topic)))
		return -TP_ETRUNC;
	env->version = v;
	env->flags = buf[OFF_FLAGS];
	env->prio = buf[OFF_PRIO];
	env->type = get32(buf + OFF_TYPE);
	/* An older version's 32-bit corr, zero-extended. */
	env->corr = v == TP_ENV_VERSION ? get64(buf + OFF4_CORR) : get32(buf + OFF2_CORR);
	env->sent_ns = tp_env_sent(buf);
	env->payload = buf + hl + sl + dl + tl;
	env->payload_len = pl;
	env->seal = seal ? env->payload + pl : NULL;
	return 0;
}

int tp_env_downgrade(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	if (len < TP_ENV_HDR_LEN || msg[OFF_VERSION] != TP_ENV_VERSION || !head_is_ok(msg))
		return -TP_ETRUNC;
	size_t rest = len - TP_ENV_HDR_LEN;
	if (TP_ENV_HDR_LEN_V2 + rest > cap)
		return -TP_ETOOBIG;
	memcpy(out, msg, OFF_TYPE + 4);   /* version .. type: one layout */
	out[OFF_VERSION] = msg[OFF_TLEN] ? TP_ENV_VERSION_3 : TP_ENV_VERSION_2;
	put32(out + OFF2_CORR, (uint32_t)get64(msg + OFF4_CORR));
	put32(out + OFF2_LEN, get32(msg + OFF4_LEN));
	put64(out + OFF2_SENT, get64(msg + OFF4_SENT));
	memcpy(out + TP_ENV_HDR_LEN_V2, msg + TP_ENV_HDR_LEN, rest);
	return (int)(TP_ENV_HDR_LEN_V2 + rest);
}
