/* The node link's frame format, versions 1 to 4 (docs/WIRE.md, "Node links"):
 * sizes, offsets and type numbers, shared by the state machine, its tests
 * and its fuzz entry point.  All integers are little-endian. */
#ifndef TROUPE_LINK_WIRE_H
#define TROUPE_LINK_WIRE_H

#include <stdint.h>
#include "troupe/actor.h"

/* Versions this code speaks.  2 adds the daemons' own mail (remote
 * monitors, Down and Undeliverable notices); frames are those of 1.  3
 * carries envelope version 4 (64-bit corr) in mail frames; to a peer that
 * agreed 1 or 2 the daemon writes envelope version 2 or 3 instead
 * (docs/WIRE.md, "Versioning" of node links). */
#define TP_LINK_VERSION_MIN 1
#define TP_LINK_VERSION 5
/* The first version whose mail frames carry envelope version 4. */
#define TP_LINK_VERSION_CORR64 3
/* The first version whose mail is numbered per direction and acknowledged
 * (RESUME and ACK frames; mail frames start with a u64 delivery
 * sequence): docs/WIRE.md, "Delivery sequences". */
#define TP_LINK_VERSION_DSEQ 4
/* The first version that carries TP_ENV_F_NOTIFY (the receiving daemon
 * answers with a Delivered notice); frames are those of 4. */
#define TP_LINK_VERSION_NOTIFY 5
#define TP_LINK_DSEQ_LEN 8
#define TP_LINK_RESUME_LEN 24
/* Test-only: caps the highest version this node offers (a number from
 * TP_LINK_VERSION_MIN up), to play a peer of an older release. */
#define TP_LINK_VERSION_ENV "TROUPE_TEST_LINK_VERSION"
#define TP_LINK_MAGIC "TRLK"       /* first bytes of every hello body */

/* Every frame: u32 len (bytes after this field), u8 type, u8 flags (0),
 * u16 reserved (0), then the body. */
#define TP_LINK_HDR_LEN 8
#define TP_LINK_OFF_LEN 0
#define TP_LINK_OFF_TYPE 4
#define TP_LINK_OFF_FLAGS 5
#define TP_LINK_OFF_RSVD 6

/* Hello body: magic[4], u8 version_min, u8 version_max, u8 name_len,
 * u8 reserved (0), nonce[32], name[name_len], then bytes a later version
 * may add (ignored by version 1, but bound into the transcript). */
#define TP_LINK_NONCE_LEN 32
#define TP_LINK_HELLO_FIXED 40
#define TP_LINK_HELLO_MIN (TP_LINK_HDR_LEN + TP_LINK_HELLO_FIXED + 1)
/* Largest frame accepted before the peer has proved the key: nothing an
 * unauthenticated peer sends can make the link buffer more than this. */
#define TP_LINK_PREAUTH_MAX 256

/* Auth body: the full 32-byte HMAC-SHA256 of the transcript. */
#define TP_LINK_AUTH_TAG_LEN 32
#define TP_LINK_AUTH_LEN (TP_LINK_HDR_LEN + TP_LINK_AUTH_TAG_LEN)

/* Session frames (after the handshake): header, u64 seq, payload, then the
 * first 16 bytes of HMAC-SHA256(direction key, header ‖ seq ‖ payload). */
#define TP_LINK_SEQ_LEN 8
#define TP_LINK_TAG_LEN 16
#define TP_LINK_SESSION_OVERHEAD (TP_LINK_HDR_LEN + TP_LINK_SEQ_LEN + TP_LINK_TAG_LEN)

/* Frame size limits (whole frame, header included). */
#define TP_LINK_FRAME_DEFAULT (64 * 1024)
#define TP_LINK_FRAME_MIN 4096  /* holds the longest actor list */
#define TP_LINK_FRAME_CEIL (1024 * 1024 + 1024)

enum tp_link_type {
	TP_LINK_HELLO = 1,         /* handshake, unauthenticated */
	TP_LINK_AUTH = 2,          /* handshake: proof of the key */
	TP_LINK_MAIL = 3,          /* one Troupe envelope (docs/WIRE.md) */
	TP_LINK_HEARTBEAT = 4,     /* u64 stamp, echoed by the ack */
	TP_LINK_HEARTBEAT_ACK = 5, /* u64 stamp of the heartbeat */
	TP_LINK_ACTORS = 6,        /* u8 n (<= TP_LINK_ACTORS_MAX), n × (u8 len, name):
				    * what the peer may send to */
	TP_LINK_BYE = 7,           /* u8 reason: the sender closes cleanly */
	TP_LINK_ERROR = 8,         /* empty, unauthenticated: "refused", nothing more */
	TP_LINK_RESUME = 9,        /* version 4: u64 epoch, u64 the epoch of the peer
				    * we hold a record of, u64 the last of its mail
				    * completed here */
	TP_LINK_ACK = 10,          /* version 4: u64 the last of the peer's mail
				    * completed here (cumulative) */
	TP_LINK_TYPE_COUNT
};

enum tp_link_bye_reason {
	TP_LINK_BYE_SHUTDOWN = 0,  /* the node is stopping */
	TP_LINK_BYE_RELOAD = 1,    /* the node reloads its topology */
};

static inline void tp_link_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
}

static inline void tp_link_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static inline void tp_link_put64(uint8_t *p, uint64_t v)
{
	tp_link_put32(p, (uint32_t)v);
	tp_link_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t tp_link_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t tp_link_get64(const uint8_t *p)
{
	return tp_link_get32(p) | (uint64_t)tp_link_get32(p + 4) << 32;
}

/* The most names an actor-list frame holds (docs/WIRE.md): a node's
 * actors, TP_REG_ACTORS_MAX. */
#define TP_LINK_ACTORS_MAX 64

#endif
