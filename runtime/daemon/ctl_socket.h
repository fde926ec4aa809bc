/* The control socket: a Unix SOCK_SEQPACKET socket owned by the daemon,
 * mode 0600 by default, every peer's uid checked (SO_PEERCRED), speaking
 * control.proto (docs/CONTROL.md).  Also reads the daemon's own mailbox,
 * where replies to troupectl's calls and monitor requests arrive. */
#ifndef TROUPE_CONTROL_H
#define TROUPE_CONTROL_H

#include <stdint.h>
#include "troupe/topic.h"
#include "log_limit.h"
#include "sup_monitor.h"
#include "node.h"
#include "topo_reload.h"
#include "sup.h"
#include "loop.h"

#define TP_CTL_CLIENTS 8
#define TP_CTL_CALLS 16
/* troupectl sends its one request at once: a client that has sent
 * nothing for this long, with no call in flight, is closed.  With every
 * slot taken, a newcomer replaces the longest idle one of at least
 * TP_CTL_EVICT_MS.  Idle clients cannot lock the operator out. */
#define TP_CTL_IDLE_MS 5000
#define TP_CTL_EVICT_MS 100

struct tp_ctl_call {
	int client;              /* -1: slot free */
	uint64_t corr;           /* random (tp_random_corr): not guessable */
	int64_t deadline_ns;
	/* Only its reply answers the call: "actor", or "actor@node" for a
	 * call across a node link. */
	char callee[TP_ENV_NAME_MAX + 1];
};

struct tp_linkd;

struct tp_ctl {
	struct tp_sup *sup;
	struct tp_node *node;
	struct tp_monitors *mon;
	int epfd;
	int lfd;                 /* listening socket, -1 when none */
	char path[256];
	int client[TP_CTL_CLIENTS];   /* -1: slot free */
	int64_t active_ns[TP_CTL_CLIENTS];   /* connected, or its last request */
	struct tp_log_limit client_log;      /* refused and closed clients */
	/* The loop's handles: the listening socket, the daemon's mailbox,
	 * each client (ix: its slot). */
	struct tp_loop_fd h_listen, h_mail, h_client[TP_CTL_CLIENTS];
	struct tp_ctl_call call[TP_CTL_CALLS];
	uint64_t forged;         /* replies to a call's id from another sender */
	/* Mail to the daemon that an actor can send at will: logged bounded. */
	struct tp_log_limit mail_log;
	struct tp_linkd *links;  /* node links (linkd.h), NULL when none */
	struct tp_reloader *reload;   /* set after tp_ctl_open; NULL: RELOAD refused */
	int64_t trace_until_ns;       /* TRACE: when to clear the flag; 0 none */
	int reload_client;            /* waits for a reload's result; -1 none */
	/* An actor that waits for its despawn's result ("" none), its call. */
	char spawn_waiter[TP_NAME_MAX + 1];
	uint64_t spawn_corr;
	/* troupectl sub: each client's filter ("" none), and the messages it
	 * missed because its socket was full (ctl_sub.c). */
	char sub[TP_CTL_CLIENTS][TP_TOPIC_MAX + 1];
	uint32_t sub_dropped[TP_CTL_CLIENTS];
};

/* Creates the socket (its folder too, mode 0700), replacing a stale one:
 * the node's lock is held, so no other daemon of this node uses it.
 * path NULL or empty: the default (ctlpath.h).  Returns 0 or a negative
 * code, reported on stderr. */
int tp_ctl_open(struct tp_ctl *c, const char *path, struct tp_sup *s,
		struct tp_node *n, struct tp_monitors *m, int epfd);


/* A reload that waited for stops is done (tp_reloader.done, arg c):
 * answers the client that asked for it. */
void tp_ctl_reload_done(void *arg, int err, const char *msg);

/* Calls past their deadline are answered TP_ETIMEDOUT. */
void tp_ctl_timer(struct tp_ctl *c);
int64_t tp_ctl_next_deadline(const struct tp_ctl *c);

/* A CALL of client k in flight, answered by callee's reply with *corr or
 * at the deadline: its slot, or -TP_ELIMIT. */
int tp_ctl_new_call(struct tp_ctl *c, int k, uint32_t timeout_ms, const char *callee,
		    uint64_t *corr);

/* Node links (ctl_links.c): the LINKS command, and SEND and CALL to an
 * actor of another node ("name@node").  Return 0: answer r now; 1 (a
 * call sent): the reply answers later. */
struct _troupe_CtlRequest;
struct _troupe_CtlReply;
int tp_ctl_do_links(struct tp_ctl *c, int k, const struct _troupe_CtlRequest *q,
		    struct _troupe_CtlReply *r);
int tp_ctl_send_remote(struct tp_ctl *c, int k, const struct _troupe_CtlRequest *q,
		       struct _troupe_CtlReply *r);

/* Closes every client and removes the socket. */
void tp_ctl_close(struct tp_ctl *c);

#endif
