/* The envelope decoder and the payload decoders behind it, on any bytes.
 * Properties: tp_env_decode reads nothing outside the buffer (ASan), says
 * yes only to what tp_env_encode_head would write byte for byte (so no two
 * encodings of one message exist, and no field goes unchecked) -- for
 * version 2 and 3, what tp_env_downgrade makes of that, byte for byte --
 * to names of the form docs/WIRE.md gives (no control bytes to forge log
 * lines with), a topic that is a topic name, and every accepted payload
 * survives each demo type's nanopb decoder. */
#include <stdbool.h>
#include <string.h>
#include "fuzz.h"

/* A mailbox's usual maximum payload (topology msg_max default). */
#define FUZZ_PAYLOAD_MAX 1024

/* docs/WIRE.md: "actor" or "actor@node", each part of [A-Za-z0-9_.-]. */
static bool name_is_wire(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);
	if (n == 0 || at == s || (at && (at[1] == '\0' || strchr(at + 1, '@'))))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_-.@") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_env env;
	int rc = tp_env_decode(data, size, FUZZ_PAYLOAD_MAX, &env);
	FUZZ_CHECK(rc == 0 || rc == -TP_ETRUNC || rc == -TP_EVERSION ||
		   rc == -TP_ETOOBIG);
	if (rc)
		return 0;
	/* The daemon's seal, when flagged, is the last 16 bytes. */
	size_t seal = env.seal ? TP_ENV_SEAL_LEN : 0;
	FUZZ_CHECK(!(env.flags & TP_ENV_F_SEALED) == !env.seal);
	FUZZ_CHECK(env.payload >= data &&
		   env.payload + env.payload_len + seal == data + size);
	FUZZ_CHECK(env.payload_len <= FUZZ_PAYLOAD_MAX);
	FUZZ_CHECK(name_is_wire(env.sender) && name_is_wire(env.dest));
	/* A topic is a topic name; version 3 has one, version 2 none. */
	FUZZ_CHECK(env.topic[0] == '\0' || tp_topic_name_check(env.topic) == 0);
	FUZZ_CHECK(env.version != TP_ENV_VERSION_3 || env.topic[0]);
	FUZZ_CHECK(env.version != TP_ENV_VERSION_2 || !env.topic[0]);
	/* An older version's corr is 32 bits, zero-extended. */
	FUZZ_CHECK(env.version == TP_ENV_VERSION || env.corr <= UINT32_MAX);

	/* Re-encode: the very same bytes (an older version's through the
	 * link's down-conversion), or the decoder let something by. */
	static uint8_t again[TP_ENV_HDR_LEN + 2 * TP_ENV_NAME_MAX + TP_ENV_TOPIC_MAX +
			     FUZZ_PAYLOAD_MAX + TP_ENV_SEAL_LEN];
	static uint8_t down[sizeof again];
	struct tp_env plain = env;   /* only the mailbox layer sets the seal */
	plain.flags &= (uint8_t)~TP_ENV_F_SEALED;
	int off = tp_env_encode_head(again, sizeof again, &plain);
	size_t len = (size_t)off + env.payload_len + seal;
	FUZZ_CHECK(off > 0);
	memcpy(again + off, env.payload, env.payload_len);
	tp_env_set_len(again, env.payload_len);
	if (seal) {
		again[1] |= TP_ENV_F_SEALED;
		memcpy(again + off + env.payload_len, env.seal, seal);
	}
	if (env.version == TP_ENV_VERSION) {
		FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
	} else {
		int n = tp_env_downgrade(again, len, down, sizeof down);
		FUZZ_CHECK(n > 0 && (size_t)n == size && memcmp(down, data, size) == 0);
	}

	struct tp_msg m = {
		.type = env.type, .corr = env.corr, .prio = env.prio, .flags = env.flags,
		.sender = env.sender, .payload = env.payload, .len = env.payload_len,
		.topic = env.topic[0] ? env.topic : NULL,
	};
	fuzz_decode_all(&m);
	return 0;
}
