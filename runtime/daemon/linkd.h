/* The daemon's node links: one TCP connection per peer node, driven from
 * the daemon's one epoll loop.  It dials the peers whose names sort after
 * this node's (with backoff and jitter), accepts the others, runs each
 * connection's tp_link state machine, carries mail between the per-peer
 * outbox mailboxes and the link, delivers incoming mail into the local
 * mailboxes (after the export check), publishes the peers' actors in the
 * registry, forwards monitors of remote actors to the peer (which sends
 * their Down back) and sends Down `noconnection` when a link drops, and
 * tells the senders of mail lost on its way (Undeliverable notices).
 * docs/DESIGN.md, "Node links". */
#ifndef TROUPE_LINKD_H
#define TROUPE_LINKD_H

#include <stdbool.h>
#include <stdint.h>
#include "link.h"
#include "link_access.h"
#include "link_dseq.h"
#include "link_hold.h"
#include "link_queue.h"
#include "troupe/monitor.h"
#include "sup_monitor.h"
#include "node.h"
#include "topo.h"
#include "loop.h"
#include "log_limit.h"
#include "fanout.h"

#define TP_LINKD_PENDING 4          /* inbound connections in the handshake */
#define TP_LINKD_RBUF 16384
#define TP_LINKD_RMON 64            /* monitors of remote actors */
#define TP_LINKD_IMON 64            /* monitors a peer's actors hold here, per peer */
#define TP_LINKD_CALLS 64           /* calls out on one link awaiting their reply */
#define TP_LINKD_TOPICS_PEER 32     /* a peer's subscriptions here (filters) */
/* Incoming mail waiting for full mailboxes (link_hold.h), per link: the
 * pool, one destination's window in it, and how many destinations may
 * have mail waiting at once.  The window takes a reconnect's burst (what
 * the peer queued while the link was down, for an actor still starting)
 * and lets four destinations be stuck before the pool is full.  A slot
 * holds a message of the largest size, allocated when first needed: 256
 * KiB or so with the default msg_max, once that many waited. */
#define TP_LINKD_HOLD 256
#define TP_LINKD_HOLD_DEST 64
#define TP_LINKD_HOLD_DESTS 16
#define TP_LINKD_HOLD_MS 1000       /* link_hold_ms's default */

enum tp_lpeer_state {
	TP_LPEER_IDLE,        /* waiting for the peer to dial us */
	TP_LPEER_BACKOFF,     /* waiting to dial again (retry_at) */
	TP_LPEER_CONNECTING,  /* dialled, TCP or handshake under way */
	TP_LPEER_UP,
};

/* One TCP connection and the link it carries. */
struct tp_lconn {
	int fd;                   /* -1: none */
	bool connecting;          /* TCP connect not yet complete */
	uint32_t events;          /* current epoll mask */
	struct tp_loop_fd h;      /* the loop's handle: a peer's, or a pending one's */
	struct tp_link link;      /* live while fd >= 0 */
	uint8_t rbuf[TP_LINKD_RBUF];
	size_t roff, rlen;        /* read, not yet fed: [roff, rlen) */
};

struct tp_lpeer {
	const struct tp_peer_conf *conf;
	unsigned obx;             /* index of its outbox in the node's mailboxes */
	bool dialer;              /* this node dials (its name sorts first) */
	enum tp_lpeer_state state;
	struct tp_lconn c;
	unsigned attempt;
	int64_t retry_at;
	/* Mail to the peer: waiting, and (link version 4) sent but not yet
	 * acknowledged, numbered in order (link_queue.h); kept across
	 * reconnects, answered with Undeliverable when the peer restarts. */
	struct tp_link_queue q;
	/* Delivery sequences (linkd_dseq.c): the peer's epoch (last heard),
	 * whether this connection has its RESUME yet (no mail goes before
	 * it), our record of its mail, unacknowledged mail answered because
	 * it restarted. */
	uint64_t epoch_peer;
	bool resumed;
	struct tp_link_rxseq rx;
	uint64_t restarted;
	bool outbox_on;           /* outbox in the epoll set */
	struct tp_loop_fd h_outbox;
	/* Incoming mail for full local mailboxes, per destination: the link
	 * keeps reading meanwhile. */
	struct tp_link_hold hold;
	uint64_t ups, undeliverable, refused;
	uint64_t notices, notices_lost;   /* Undeliverable sent; notices or Downs lost */
	unsigned n_imon;          /* monitors of our actors by the peer's */
	struct tp_linkd_imon {
		char watcher[TP_NAME_MAX + 1];   /* the peer's actor */
		char actor[TP_NAME_MAX + 1];     /* ours */
	} imon[TP_LINKD_IMON];
	/* Calls that went out on this link (linkd_calls.c): a REPLY from
	 * the peer is let in only for one of them.  A ring: the oldest goes. */
	struct tp_linkd_call {
		uint64_t corr;                    /* 0: free */
		char caller[TP_NAME_MAX + 1];     /* our actor */
		char callee[TP_NAME_MAX + 1];     /* the peer's */
	} calls[TP_LINKD_CALLS];
	unsigned call_next;
	uint64_t forged;          /* replies to no call of this link, dropped */
	struct tp_log_limit refuse_log;   /* refused mail: logged bounded */
	/* Topics (linkd_topics.c): topic mail fanned out here; refused
	 * subscriptions and topic mail (export_topics, import_topics, full),
	 * logged bounded; our interest to send again (the queue was full). */
	uint64_t topics_in, topics_refused;
	struct tp_log_limit topics_log;
	bool topics_resync;
	bool topics_told;         /* the peer may hold some of our interest */
	int64_t rtt_ns;
	unsigned n_actors;        /* the peer's actors we may send to, last heard */
	char actors[TP_REG_ACTORS_MAX][TP_NAME_MAX + 1];
	char reason[TP_LINK_REASON_MAX];   /* why it last closed */
};

struct tp_linkd_rmon {
	bool used;
	unsigned watcher;         /* local actor index */
	unsigned peer;
	char actor[TP_NAME_MAX + 1];
};

struct tp_linkd {
	const struct tp_topology *topo;
	struct tp_node *node;
	struct tp_monitors *mon;
	struct tp_link_key key;
	struct tp_link_access acc;
	struct tp_link_conf lconf;
	int epfd;
	int lfd;
	struct tp_loop_fd h_listen;
	unsigned n;
	struct tp_lpeer peer[TP_TOPO_PEER_MAX];
	struct tp_lconn pend[TP_LINKD_PENDING];
	int64_t pend_since[TP_LINKD_PENDING];
	struct tp_linkd_rmon rmon[TP_LINKD_RMON];
	uint8_t *buf;             /* one message, for outbox and delivery */
	size_t buf_cap;
	/* Topics: one message with room for any envelope head in front (a
	 * topic leaving, or a peer's publish fanned out), and the fan-out. */
	uint8_t *tbuf;
	size_t tbuf_cap;
	struct tp_fanout fan;
	/* One message rewritten for a peer of an older link version
	 * (tp_env_downgrade), grown to the largest one sent so far. */
	uint8_t *down;
	size_t down_cap;
	unsigned reg_count;       /* registry entries published */
	uint64_t epoch;           /* this daemon's incarnation, random at start */
	/* What strangers without the key can cause, logged bounded: dropped
	 * and refused connections still in their handshake. */
	struct tp_log_limit stranger_log;
};

/* A REQUEST env (dest: the peer's actor, without "@node") leaves on p. */
void tp_linkd_call_out(struct tp_lpeer *p, const struct tp_env *env);
/* A REPLY env came in on p (dest: our actor, sender "actor@peer"): true,
 * and the call forgotten, if it answers a call that went out on p to
 * that actor, from that caller, with that correlation id (on a link of a
 * version before TP_LINK_VERSION_CORR64: its low 32 bits, and env->corr
 * is then set to the call's full 64). */
bool tp_linkd_call_in(struct tp_lpeer *p, struct tp_env *env);
/* On a link of a version before TP_LINK_VERSION_CORR64: the full id of
 * the call from caller to callee (no "@node") whose low 32 bits are corr,
 * still waiting for its reply (kept); else corr.  For the peer's
 * Undeliverable notice of such a call, so that it ends the call. */
uint64_t tp_linkd_call_full(const struct tp_lpeer *p, const char *caller,
			    const char *callee, uint64_t corr);

/* Does the topology use links at all? */
bool tp_linkd_wanted(const struct tp_topology *t);

/* Before anything is created: loads the key file (refusal: a message on
 * stderr naming the file and the reason) and the export rules.  Returns 0,
 * or a negative code. */
int tp_linkd_init(struct tp_linkd *d, const struct tp_topology *t);

/* After tp_node_init, before tp_node_mailboxes: adds one outbox mailbox
 * per peer ("/troupe.<node>.link.<peer>") to the node. */
int tp_linkd_prepare(struct tp_linkd *d, struct tp_node *n);

/* After the registry is published: listens, publishes the peers' entries
 * and starts dialling.  Returns 0 or a negative code (reported). */
int tp_linkd_open(struct tp_linkd *d, struct tp_monitors *m, int epfd);

/* Heartbeats, handshake deadlines, reconnects, held mail. */
void tp_linkd_timer(struct tp_linkd *d);
int64_t tp_linkd_next_deadline(const struct tp_linkd *d);

/* Says bye on every link, closes every socket, frees the queues. */
void tp_linkd_close(struct tp_linkd *d);

/* tp_sup_exit_fn: tells the local monitors (tp_monitors_exit), then
 * forgets the remote monitors of actor i. */
void tp_linkd_actor_exit(void *arg, unsigned i, int status, bool failed);

/* A Monitor or Demonitor of a remote actor ("actor@node") from local
 * actor `from` (sup_monitor.h's remote hook). */
int tp_linkd_monitor(void *arg, unsigned from, const char *name, bool demonitor);

/* Reload, with the new topology in place but before tp_node_relayout(n,
 * from, old_actors, ...): moves what the links hold by mailbox index
 * along (outboxes, held mail, watchers of remote monitors; those of
 * removed actors are dropped and the peer told to forget them), rebuilds
 * the export rules and tells the peers.  After tp_node_relayout,
 * tp_linkd_publish puts the peers' actors after the new count. */
void tp_linkd_relayout(struct tp_linkd *d, const int *from, unsigned old_actors);

/* Sends an envelope (as an actor would put it in an outbox) to its
 * destination on another node: for troupectl.  Returns 0, -TP_ENOENT (no
 * such peer), -TP_EFULL (the link's queue is full). */
int tp_linkd_send(struct tp_linkd *d, const char *node, const uint8_t *msg,
		  size_t len);

/* Publishes the peers' actors in the registry after the node's own
 * entries (at open, when a peer's list changes, after a reload). */
void tp_linkd_publish(struct tp_linkd *d);

/* Index of the peer called name, or -1. */
int tp_linkd_find(const struct tp_linkd *d, const char *name);

/* The node's export rules, from its topology (whose export values were
 * checked when it was loaded): 0, -TP_EINVAL, -TP_ELIMIT. */
int tp_linkd_access_load(struct tp_link_access *acc, const struct tp_topology *t);

/* troupe --check: can the node listen where its topology says (listen =)?
 * Binds and closes at once.  The number of problems, each written to
 * errs with file:line and the fix. */
int tp_linkd_check_listen(const struct tp_topology *t, FILE *errs);

#endif
