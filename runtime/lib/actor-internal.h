/* The actor's process context, shared by the files of the actor runtime
 * (actor.c: loop, mail.c: send/receive, watch.c: timers and fds). */
#ifndef TROUPE_ACTOR_INTERNAL_H
#define TROUPE_ACTOR_INTERNAL_H

#include <stdbool.h>
#include "troupe/actor.h"
#include "troupe/envelope.h"
#include "mailbox.h"
#include "registry.h"
#include "counters.h"
#include "fanout.h"
#include "log.h"

/* A mailbox this actor has sent to: attached on first use, kept.  Its
 * box.msg_max is at most the send buffer. */
struct tp_dest {
	char name[TP_ENV_NAME_MAX + 1];     /* "actor", or "actor@node" for another node */
	struct tp_mailbox box;              /* ix: its registry index, its counters */
};

struct tp_timer {
	int fd;                 /* timerfd, -1 when free */
	int64_t due;            /* next expiry (CLOCK_MONOTONIC ns), at the latest; 0: unknown */
	tp_timer_fn *fn;
	void *arg;
};

struct tp_watch {
	int fd;                 /* -1 when free */
	tp_fd_fn *fn;
	void *arg;
};

/* Mail taken out of the mailbox while tp_call waited for its reply, in
 * arrival order: delivered before anything newer. */
struct tp_stash {
	uint8_t *buf;           /* cap slots of slot bytes */
	uint32_t *len;
	uint32_t cap, slot, head, count;
};

struct tp_actor {
	const struct tp_actor_ops *ops;
	void *state;
	char name[TP_NAME_MAX + 1];
	char node[TP_NAME_MAX + 1];
	struct tp_registry *reg;
	struct tp_counters *ctr;        /* NULL: the node counts nothing */
	uint32_t layout;                /* registry layout box.ix and dests[] are of */

	struct tp_mailbox box;          /* own mailbox; box.ix: own registry index */
	uint8_t *rbuf;                  /* one received message */
	uint8_t *sbuf;                  /* one message being sent */
	uint32_t sbuf_len;

	struct tp_dest dests[TP_REG_MAX];
	unsigned ndests;
	struct tp_stash stash;

	/* Topics (pubsub.c): the node's table (fan.tab, NULL when it has
	 * none) and this process's copy of its subscriptions. */
	struct tp_fanout fan;
	struct tp_timer timers[TP_TIMERS_MAX];
	struct tp_watch watches[TP_FDS_MAX];
	int ready_fd;                   /* TROUPE_READY_FD until told; -1 */
	bool ready_later;               /* init asked to say ready itself */
	uint32_t accepts[TP_ACCEPT_MAX];  /* tp_accept_msg; none: every type */
	unsigned n_accepts;
	uint64_t held_corr;             /* the request receive handles; 0: none */
	bool answered;                  /* ... already answered (reply or error) */

	int epfd;
	int sigfd;
	int send_timeout_ms;
	bool stopping;
	int exit_code;
	uint64_t dropped_late;          /* replies after their call's deadline */
	uint64_t dropped_bad;           /* envelopes that did not decode */
	uint64_t dropped_forged;        /* replies with a call's id, not from its callee */
	uint64_t dropped_unsealed;      /* the daemon's seal missing, wrong or replayed */
};

/* epoll tags: kind in the high half, index in the low half. */
enum { TAG_MAIL = 1, TAG_SIGNAL, TAG_TIMER, TAG_FD };
#define TAG(kind, i) (((uint64_t)(kind) << 32) | (uint32_t)(i))

/* The deadline of a send or call with timeout_ms (troupe/actor.h: 0 is
 * default_ms, the topology's send_timeout_ms, where 0 means not to wait),
 * at now: absolute ns, 0 (do not wait), TP_DEADLINE_NEVER, or -TP_EINVAL
 * for a negative timeout other than TP_NOWAIT and TP_FOREVER. */
int64_t tp_send_deadline(int timeout_ms, int default_ms, int64_t now);

int tp_mail_init(tp_actor *self);
/* Finds, or attaches on first use, the mailbox of actor `to` ("actor" or
 * "actor@node"; reply: a reply may go to any actor of a linked node). */
int tp_mail_dest(tp_actor *self, const char *to, bool reply, struct tp_dest **out);
/* Puts a whole message at the front of the stash: delivered before
 * anything stashed or queued.  False when the stash is full. */
bool tp_mail_stash_front(tp_actor *self, const uint8_t *buf, size_t len);

/* Topics (pubsub.c): opens the node's table, if it has one, and stashes
 * the retained values this actor's subscriptions match, so that they are
 * delivered first.  Never fails: without a table, no topics. */
void tp_topics_init(tp_actor *self);
void tp_topics_fini(tp_actor *self);
void tp_mail_fini(tp_actor *self);
/* Handles one message taken out of the own mailbox (env decoded). */
void tp_mail_dispatch(tp_actor *self, const struct tp_env *env);
/* Delivers stashed mail; returns how many were delivered. */
unsigned tp_mail_drain_stash(tp_actor *self);
/* What a send or a publish carries: a message to encode (fields), or
 * bytes already encoded (len of msg). */
struct tp_payload {
	const pb_msgdesc_t *fields;
	const void *msg;
	size_t len;
};

/* Puts the payload into buf (room bytes): its length, or -TP_ETOOBIG,
 * -TP_EENCODE (mail.c; one encoder for mail and topics). */
int tp_payload_put(const struct tp_payload *pl, uint8_t *buf, size_t room);

/* Receives and dispatches what is waiting, at most max messages. */
void tp_mail_drain(tp_actor *self, unsigned max);
/* Waits up to deadline for one message in the own mailbox's recv and
 * dispatches it: true if one was, false if none came (or recv failed). */
bool tp_mail_wait(tp_actor *self, int64_t deadline);

void tp_watch_init(tp_actor *self);
void tp_watch_fini(tp_actor *self);
void tp_watch_fire_timer(tp_actor *self, unsigned i);
void tp_watch_fire_fd(tp_actor *self, unsigned i, uint32_t events);
/* Until when the actor has nothing to wait for but its mail: until, or
 * earlier when a timer is due sooner; 0 while it watches a descriptor. */
int64_t tp_watch_quiet_until(const tp_actor *self, int64_t until);


/* The error a call of request type `type` and correlation id `corr` ends
 * with when env is the daemon's Undeliverable notice about its request;
 * 0 for any other message (monitor.c). */
int tp_undeliverable_for_call(const struct tp_env *env, uint32_t type, uint64_t corr);
/* Encodes into buf (cap bytes) the Delivered notice, from TP_DAEMON_NAME
 * to self, for mail of the given type and notify tag that went into the
 * mailbox of `to`, an actor of this node.  Its length, or -TP_ETOOBIG. */
int tp_delivered_local(tp_actor *self, const char *to, uint32_t type, uint64_t tag,
		       uint8_t *buf, size_t cap);

#endif
