/* The envelope: Troupe's one wire format in front of every payload, on
 * every transport (docs/WIRE.md).  A fixed little-endian header, then the
 * sender and destination names, then the nanopb payload. */
#ifndef TROUPE_ENVELOPE_H
#define TROUPE_ENVELOPE_H

#include "troupe/api.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version every writer writes (docs/WIRE.md): a 32-byte header with
 * a 64-bit corr; topic_len 0 means no topic, so it covers all mail. */
#define TP_ENV_VERSION 4
#define TP_ENV_HDR_LEN 32
/* Older versions, still read (their 32-bit corr zero-extended), and
 * written only by tp_env_downgrade for a node link to an older peer:
 * 2 (no topic) and 3 (version 2 with a topic), a 28-byte header. */
#define TP_ENV_VERSION_2 2
#define TP_ENV_VERSION_3 3
#define TP_ENV_HDR_LEN_V2 28
/* Longest name on the wire: "actor@node". */
#define TP_ENV_NAME_MAX 63
/* Longest topic on the wire (TP_TOPIC_MAX, troupe/topic.h). */
#define TP_ENV_TOPIC_MAX 127

enum {
	TP_ENV_F_REQUEST = 1 << 0,   /* the sender waits for a reply */
	TP_ENV_F_REPLY = 1 << 1,     /* answers the request with this corr */
	TP_ENV_F_KNOWN = TP_ENV_F_REQUEST | TP_ENV_F_REPLY,
	/* The daemon's seal follows the payload (docs/WIRE.md, "The daemon's
	 * seal"): only in mail the daemon put into an actor's mailbox.  Set
	 * by the mailbox layer, never by tp_env_encode_head. */
	TP_ENV_F_SEALED = 1 << 2,
	/* The sender asks for a Delivered notice (troupe/monitor.h); corr is
	 * its notify tag.  Receivers see TP_ENV_F_KNOWN only; a node link
	 * carries it from link version 5 (docs/WIRE.md). */
	TP_ENV_F_NOTIFY = 1 << 3,
	TP_ENV_F_WRITABLE = TP_ENV_F_KNOWN | TP_ENV_F_NOTIFY,
};
/* The seal after the payload: a sequence number and a tag, 8 bytes each. */
#define TP_ENV_SEAL_LEN 16

/* A decoded envelope.  Note: sender, dest and payload point into the
 * buffer that was decoded; names are NUL-terminated copies. */
struct tp_env {
	uint8_t version;
	uint8_t flags;
	uint8_t prio;
	uint32_t type;
	uint64_t corr;
	/* CLOCK_MONOTONIC ns when the message was sent; 0: unknown.  On a
	 * node link, the message's age instead (docs/WIRE.md). */
	uint64_t sent_ns;
	char sender[TP_ENV_NAME_MAX + 1];
	char dest[TP_ENV_NAME_MAX + 1];
	/* The topic it was published to; "" for mail that is not topic
	 * mail.  The encoder writes a topic when it is not "". */
	char topic[TP_ENV_TOPIC_MAX + 1];
	const uint8_t *payload;
	uint32_t payload_len;
	/* With TP_ENV_F_SEALED: the seal's TP_ENV_SEAL_LEN bytes, right after
	 * the payload; NULL without. */
	const uint8_t *seal;
};

/* Writes a version-4 header, the names and the topic (when env->topic is
 * not ""; env->version is not read) into buf and returns the offset at
 * which the payload goes, or -TP_ETOOBIG / -TP_EINVAL.  payload_len is written later
 * by tp_env_set_len, once the payload has been encoded in place. */
TP_API
int tp_env_encode_head(uint8_t *buf, size_t cap, const struct tp_env *env);
TP_API
void tp_env_set_len(uint8_t *buf, uint32_t payload_len);
/* The send time of an encoded envelope (of any version it reads: the
 * field's offset depends on it), read or written in place: the sender
 * stamps it last, just before the message goes. */
TP_API
void tp_env_set_sent(uint8_t *buf, uint64_t sent_ns);
/* The flags of an encoded envelope (any version), read or written in
 * place: a node link takes TP_ENV_F_NOTIFY off for an older peer. */
TP_API
uint8_t tp_env_flags(const uint8_t *buf);
TP_API
void tp_env_set_flags(uint8_t *buf, uint8_t flags);
TP_API
uint64_t tp_env_sent(const uint8_t *buf);

/* Decodes and checks a whole message of len bytes, version 2, 3 or 4 (with
 * the seal, when the flag says there is one: its bytes are not checked
 * here; the mailbox layer does that).  The payload may be at most
 * max_payload bytes.  Returns 0, -TP_ETRUNC (short,
 * long or malformed, a bad topic),
 * -TP_EVERSION or -TP_ETOOBIG.  Reads nothing outside buf[0, len). */
TP_API
int tp_env_decode(const uint8_t *buf, size_t len, size_t max_payload,
		  struct tp_env *env);

/* Rewrites the version-4 message msg (len bytes) as version 2, or 3 when
 * it has a topic, into out (cap bytes): the same message for a reader of
 * the older versions, with the low 32 bits of corr (a node link to an
 * older peer).  Returns the new length (4 bytes shorter), or -TP_ETRUNC
 * (not a well-formed version-4 header) / -TP_ETOOBIG.  Names, topic,
 * payload and any seal are copied as they are, not checked again; out
 * must not overlap msg. */
TP_API
int tp_env_downgrade(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
