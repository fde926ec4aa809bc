/* One node link as a state machine over bytes: the caller feeds it what
 * arrived from the peer and writes out what it has pending; it never
 * touches a socket or reads the clock.  It runs the pre-shared-key
 * handshake, then seals and checks every frame (per-direction key and
 * sequence number).  Protocol: docs/WIRE.md, "Node links"; how the daemon
 * drives it: docs/DESIGN.md, "Node links".
 *
 * Any failure closes the link for good: the specific reason is kept in
 * `reason` for the local log, the peer gets one generic ERROR frame. */
#ifndef TROUPE_LINK_H
#define TROUPE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "troupe/actor.h"
#include "troupe/envelope.h"
#include "registry.h"
#include "link_crypto.h"
#include "link_key.h"
#include "link_timing.h"
#include "link_wire.h"

#define TP_LINK_HANDSHAKE_MS_DEFAULT 5000
#define TP_LINK_HEARTBEAT_MS_DEFAULT 1000
#define TP_LINK_DEAD_MS_DEFAULT 3000
#define TP_LINK_REASON_MAX 160

enum tp_link_state {
	TP_LINK_HELLO_WAIT,   /* waiting for the peer's hello */
	TP_LINK_AUTH_WAIT,    /* hellos exchanged, waiting for the peer's proof */
	TP_LINK_UP,           /* authenticated: mail flows */
	TP_LINK_CLOSED,       /* failed, timed out, or said bye: see reason */
};

/* Responder: may a node of this name connect?  (The daemon answers from
 * its [peer] sections.)  NULL accepts any valid name. */
typedef bool tp_link_peer_ok_fn(void *ctx, const char *node);

struct tp_link_conf {
	const struct tp_link_key *key;  /* Note: must outlive the link */
	const char *self;               /* this node's name */
	const char *peer;               /* initiator: the node dialled; responder: ignored */
	bool initiator;
	tp_link_peer_ok_fn *peer_ok;    /* responder only; may be NULL */
	void *peer_ok_ctx;
	uint32_t frame_max;             /* whole frame; 0: TP_LINK_FRAME_DEFAULT */
	uint32_t handshake_ms;          /* 0: default */
	uint32_t heartbeat_ms;          /* 0: default */
	uint32_t dead_ms;               /* 0: default */
};

enum tp_link_ev_kind {
	TP_LINK_EV_NONE,     /* the bytes were consumed, nothing to report */
	TP_LINK_EV_UP,       /* handshake done: peer is authenticated */
	TP_LINK_EV_MAIL,     /* mail: env (decoded) and its raw bytes */
	TP_LINK_EV_ACTORS,   /* the peer's list changed: see l->peer_actors */
	TP_LINK_EV_RTT,      /* a heartbeat came back: rtt_ns */
	TP_LINK_EV_BYE,      /* the peer closed cleanly: bye_reason */
	TP_LINK_EV_CLOSED,   /* the link failed: l->reason */
	TP_LINK_EV_RESUME,   /* version 4: the peer's epoch, what it knows of ours */
	TP_LINK_EV_ACK,      /* version 4: the peer completed our mail up to ack */
};

/* Note: mail and env's pointers point into the link's receive buffer and
 * are valid until the next tp_link_feed. */
struct tp_link_event {
	enum tp_link_ev_kind kind;
	const uint8_t *mail;
	size_t mail_len;
	struct tp_env env;
	int64_t rtt_ns;
	uint8_t bye_reason;
	uint64_t dseq;        /* MAIL on version 4: its delivery sequence; else 0 */
	uint64_t epoch;       /* RESUME: the peer's epoch */
	uint64_t your_epoch;  /* RESUME: our epoch as the peer knows it (0: none) */
	uint64_t ack;         /* RESUME, ACK: our mail completed up to here */
};

struct tp_link_stats {
	uint64_t frames_rx, frames_tx;
	uint64_t mail_rx, mail_tx;
	uint64_t bytes_rx, bytes_tx;
	int64_t rtt_ns;                 /* last measured, 0 before the first */
};

/* Caller-owned; the fields are read-only outside link*.c. */
struct tp_link {
	enum tp_link_state state;
	uint8_t version;                 /* agreed in the handshake (0 before) */
	uint8_t version_max;             /* the highest we offer */
	bool initiator;
	char self[TP_NAME_MAX + 1];
	char peer[TP_NAME_MAX + 1];      /* initiator: expected; responder: once heard */
	const struct tp_link_key *key;
	tp_link_peer_ok_fn *peer_ok;
	void *peer_ok_ctx;
	uint32_t frame_max;
	uint32_t handshake_ms;
	int64_t hs_deadline;
	uint8_t nonce[TP_LINK_NONCE_LEN];          /* ours */
	uint8_t hello_i[TP_LINK_PREAUTH_MAX];      /* both hellos as sent: the transcript */
	uint8_t hello_r[TP_LINK_PREAUTH_MAX];
	size_t hello_i_len, hello_r_len;
	struct tp_hmac mac_tx;       /* keyed with the direction keys */
	struct tp_hmac mac_rx;
	uint64_t seq_tx, seq_rx;
	struct tp_link_beat beat;
	uint8_t *rx;                               /* frame being received */
	size_t rx_len;
	uint8_t *tx;                               /* bytes to write, [tx_head, tx_len) */
	size_t tx_head, tx_len, tx_cap;
	unsigned n_peer_actors;
	char peer_actors[TP_REG_MAX][TP_NAME_MAX + 1];
	struct tp_link_stats stats;
	char reason[TP_LINK_REASON_MAX];
};

/* Sets the link up and allocates its two buffers (the only allocations it
 * makes).  An initiator queues its hello at once.  Returns 0, -TP_EINVAL
 * (bad name or limits), -TP_ENOMEM. */
int tp_link_init(struct tp_link *l, const struct tp_link_conf *c, int64_t now);

/* Wipes the session keys and frees the buffers. */
void tp_link_fini(struct tp_link *l);

/* Consumes bytes received from the peer, up to the end of the first frame
 * that has something to report (or all of them); *used says how many.
 * Call again with the rest.  Returns 0 with ev filled (maybe EV_NONE), or a
 * negative code when the link failed (ev->kind is EV_CLOSED, l->reason says
 * why, and an ERROR frame is pending): -TP_ETOOBIG (frame over the limit,
 * refused before it is read), -TP_ETRUNC (malformed), -TP_EPERM (bad key,
 * bad MAC, refused name), -TP_EVERSION, -TP_ESTATE (replayed, reordered or
 * unexpected frame), -TP_ECLOSED (already closed, or the peer's ERROR). */
int tp_link_feed(struct tp_link *l, const uint8_t *data, size_t len, int64_t now,
		 size_t *used, struct tp_link_event *ev);

/* The connection reached end of file: closes the link, with a reason that
 * says if a frame was cut short.  Returns -TP_ECLOSED. */
int tp_link_eof(struct tp_link *l);

/* Timers: fails the handshake past its deadline or an UP link whose peer
 * went silent (-TP_ETIMEDOUT), queues due heartbeats.  *next receives when
 * to call again.  Returns 0 or the failure. */
int tp_link_tick(struct tp_link *l, int64_t now, int64_t *next);

/* Bytes waiting to be written to the peer: returns their count and points
 * *p at them.  After writing n of them, call tp_link_sent(l, n). */
size_t tp_link_pending(const struct tp_link *l, const uint8_t **p);
void tp_link_sent(struct tp_link *l, size_t n);

/* Session frames (link UP only).  Each is sealed and queued whole, or not
 * at all: 0, -TP_ESTATE (not up), -TP_ETOOBIG (over frame_max: never
 * fits), -TP_EFULL (the pending bytes leave no room now: write, retry). */
int tp_link_send(struct tp_link *l, enum tp_link_type type, const void *payload,
		 size_t len);
/* msg is a whole envelope; it is not checked here (the sender's runtime
 * made it), but the peer checks it.  Versions before 4 only (-TP_ESTATE
 * on 4, whose mail is numbered: tp_link_send_mail_seq). */
int tp_link_send_mail(struct tp_link *l, const void *msg, size_t len);
/* Version 4 (TP_LINK_VERSION_DSEQ): mail with its delivery sequence, and
 * the two control frames of docs/WIRE.md, "Delivery sequences".  On an
 * older version send_mail_seq drops dseq and RESUME and ACK are
 * -TP_ESTATE. */
int tp_link_send_mail_seq(struct tp_link *l, uint64_t dseq, const void *msg, size_t len);
int tp_link_send_resume(struct tp_link *l, uint64_t epoch, uint64_t your_epoch,
			uint64_t done);
int tp_link_send_ack(struct tp_link *l, uint64_t done);
/* The actors the peer may send to, replacing what it had: -TP_EINVAL for a
 * bad name or more than TP_REG_MAX. */
int tp_link_send_actors(struct tp_link *l, const char *const *names, unsigned n);
/* Says bye and closes; the bye stays pending to be written. */
int tp_link_send_bye(struct tp_link *l, enum tp_link_bye_reason why);

bool tp_link_is_up(const struct tp_link *l);
const char *tp_link_state_name(enum tp_link_state s);

#endif
