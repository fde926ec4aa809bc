/* The daemon's seal on the mail it puts into actors' mailboxes (seal.h). */
#include <string.h>
#include "troupe/error.h"
#include "ctlpath.h"
#include "random.h"
#include "seal.h"
#include "siphash.h"

_Static_assert(TP_SEAL_KEY_LEN == TP_SIPHASH_KEY_LEN, "the seal's key is SipHash's");

static void le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int tp_seal_put(const uint8_t key[TP_SEAL_KEY_LEN], uint64_t seq, const uint8_t *msg,
		size_t len, uint8_t *out, size_t cap)
{
	if (len < TP_ENV_HDR_LEN || (msg[1] & TP_ENV_F_SEALED))
		return -TP_EINVAL;
	if (len + TP_ENV_SEAL_LEN > cap)
		return -TP_ETOOBIG;
	if (out != msg)
		memmove(out, msg, len);
	out[1] |= TP_ENV_F_SEALED;
	le64_put(out + len, seq);
	le64_put(out + len + 8, tp_siphash24(key, out, len + 8));
	return (int)(len + TP_ENV_SEAL_LEN);
}

int tp_seal_required(const struct tp_env *env)
{
	return strcmp(env->sender, TP_DAEMON_NAME) == 0 || strchr(env->sender, '@') != NULL;
}

int tp_seal_check(const uint8_t key[TP_SEAL_KEY_LEN], uint64_t last[TP_SEAL_PRIOS],
		  const uint8_t *msg, size_t len, const struct tp_env *env)
{
	if (!env->seal)
		return tp_seal_required(env) ? -TP_EPERM : 0;
	/* The decoder put the seal at the end: its tag covers all before. */
	if (len < TP_ENV_SEAL_LEN || env->seal != msg + len - TP_ENV_SEAL_LEN ||
	    env->prio >= TP_SEAL_PRIOS)
		return -TP_EPERM;
	uint64_t seq = le64_get(env->seal), tag = le64_get(env->seal + 8);
	/* Compared whole: a timing difference would tell a forger nothing
	 * anyway, as each try costs a message and is counted. */
	if (tp_siphash24(key, msg, len - 8) != tag || seq <= last[env->prio])
		return -TP_EPERM;
	last[env->prio] = seq;
	return 0;
}

int tp_seal_key_new(uint8_t key[TP_SEAL_KEY_LEN])
{
	return tp_random_key(key, TP_SEAL_KEY_LEN) ? -TP_ESYS : 0;
}

void tp_seal_key_hex(const uint8_t key[TP_SEAL_KEY_LEN], char hex[2 * TP_SEAL_KEY_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < TP_SEAL_KEY_LEN; i++) {
		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 15];
	}
	hex[2 * TP_SEAL_KEY_LEN] = '\0';
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int tp_seal_key_parse(const char *hex, uint8_t key[TP_SEAL_KEY_LEN])
{
	if (strlen(hex) != 2 * TP_SEAL_KEY_LEN)
		return -TP_EINVAL;
	for (int i = 0; i < TP_SEAL_KEY_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -TP_EINVAL;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
