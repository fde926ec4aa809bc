/* Monitors: an actor asks to be told when another actor's process ends.
 * The notice is a Down message in the watcher's own mailbox, in order with
 * the rest of its mail, sent by the daemon (runtime/proto/monitor.proto).
 * A monitor lasts until tp_demonitor or the watcher's own exit; it
 * survives restarts of the watched actor, each end of whose process is one
 * Down.  docs/TUTORIAL.md, "Watching another actor". */
#ifndef TROUPE_MONITOR_H
#define TROUPE_MONITOR_H

#include "troupe/api.h"
#include <stdbool.h>
#include "troupe/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Type id of Down (monitor.options); only mail from the daemon counts. */
#define TP_DOWN_MSGID 12

enum tp_down_reason {
	TP_DOWN_EXIT = 0,           /* exited by itself; code: its exit code */
	TP_DOWN_SIGNAL = 1,         /* killed; code: the signal number */
	TP_DOWN_RESTART_LIMIT = 2,  /* its supervisor gave up; code as above */
	TP_DOWN_STOPPED = 3,        /* stopped by the daemon or the operator */
	TP_DOWN_NOPROC = 4,         /* no such actor, or not running (or, on
				       another node, not exported to this one) */
	TP_DOWN_NOCONNECTION = 5,   /* on another node, and the link dropped */
	TP_DOWN_START_FAILED = 6,   /* it ended before it was ready: code is
				       init's TP_E* error (positive),
				       TP_ETIMEDOUT when not ready within its
				       start_timeout_ms, else its exit code or
				       signal number */
	TP_DOWN_HUNG = 7,           /* its watchdog_ms found it hung (holding
				       one message, or not taking waiting
				       mail) and killed it; code TP_ETIMEDOUT */
};

struct tp_down {
	char name[TP_NAME_MAX + 1];   /* the watched actor */
	enum tp_down_reason reason;
	int code;
	bool restarting;              /* its supervisor will start it again */
};

/* Asks the daemon to watch actor `name`.  Returns once the request is in
 * the daemon's mailbox: 0, -TP_EINVAL (no name, or longer than
 * "actor@node" may be), or an error of tp_send_msg.  An actor that does
 * not exist or does not run now gives a Down with TP_DOWN_NOPROC at once
 * (a known actor stays watched: it may come back).  Monitoring twice is
 * one monitor.  An actor of another node ("name@node") is watched by that
 * node's daemon, only if that node exports it to this one; each Down comes
 * back with the real reason, and TP_DOWN_NOCONNECTION ends the monitor
 * when the link drops.  A request the nodes cannot take (a table of
 * monitors or the link's queue full) comes back as an Undeliverable
 * notice of type Monitor (10), reason limit or queue_full. */
TP_API
int tp_monitor(tp_actor *self, const char *name);

/* Stops watching `name`; a Down already queued stays queued.  Returns
 * what tp_monitor returns. */
TP_API
int tp_demonitor(tp_actor *self, const char *name);

/* Is m a Down notice (type TP_DOWN_MSGID from the daemon)? */
TP_API
bool tp_msg_is_down(const struct tp_msg *m);

/* Decodes a Down notice: 0, -TP_ETYPE (m is none), -TP_EDECODE. */
TP_API
int tp_down_decode(const struct tp_msg *m, struct tp_down *out);

/* "exit", "signal", "restart_limit", "stopped", "noproc",
 * "noconnection", "start_failed", "hung"; "?" otherwise. */
TP_API
const char *tp_down_reason_name(int reason);

/* Undeliverable notices.  A message the runtime accepted (tp_send returned
 * 0) but that was lost later on its way to another node comes back to its
 * sender as an Undeliverable notice from the daemon: no such actor there,
 * not exported to this node, its mailbox full (when_full = reject), the
 * link's queue full (reject), too big.  A tp_call whose request comes back
 * undeliverable fails at once with the notice's error (TP_ENOENT, TP_EPERM,
 * TP_EFULL, TP_ETOOBIG…) instead of waiting for its deadline; any other
 * notice reaches receive() as ordinary mail, like Down.  Messages dropped by
 * a drop_oldest policy give no notice (the policy says so), and no notice
 * is ever sent about a notice.  docs/RELIABILITY.md, "Never silence". */
#define TP_UNDELIVERABLE_MSGID 13

enum tp_undeliverable_reason {
	TP_UNDELIVERABLE_NOPROC = 0,        /* no such actor on that node */
	TP_UNDELIVERABLE_NOT_EXPORTED = 1,  /* not exported to this node */
	TP_UNDELIVERABLE_MAILBOX_FULL = 2,  /* its mailbox was full (reject) */
	TP_UNDELIVERABLE_QUEUE_FULL = 3,    /* the link's queue was full (reject) */
	TP_UNDELIVERABLE_TOO_BIG = 4,       /* over its mailbox or the link's frames */
	TP_UNDELIVERABLE_LIMIT = 5,         /* a table there is full (monitors) */
	TP_UNDELIVERABLE_FAILED = 6,        /* anything else: see error */
	TP_UNDELIVERABLE_PEER_RESTARTED = 7, /* sent, unacknowledged, and that node
					      * restarted (docs/RELIABILITY.md) */
};

struct tp_undeliverable {
	char dest[TP_NAME_MAX * 2 + 2];   /* "actor@node", as the sender named it */
	uint32_t type;                    /* the lost message's type id */
	uint64_t corr;                    /* its correlation id, 0 when none */
	enum tp_undeliverable_reason reason;
	int error;                        /* the matching -TP_E* code */
};

/* Is m an Undeliverable notice (type TP_UNDELIVERABLE_MSGID from the
 * daemon)? */
TP_API
bool tp_msg_is_undeliverable(const struct tp_msg *m);

/* Decodes an Undeliverable notice: 0, -TP_ETYPE (m is none),
 * -TP_EDECODE. */
TP_API
int tp_undeliverable_decode(const struct tp_msg *m, struct tp_undeliverable *out);

/* "noproc", "not_exported", "mailbox_full", "queue_full", "too_big",
 * "limit", "failed", "peer_restarted"; "?" otherwise. */
TP_API
const char *tp_undeliverable_reason_name(int reason);

/* Delivered notices: the answer to a send with a notify tag
 * (tp_send_opts.notify_tag) that reached its receiver's mailbox; the
 * other answer is an Undeliverable notice with the tag as its corr.  What
 * "delivered" means is the mailbox's: a drop_oldest mailbox may still
 * drop it later, and the receiver may die before it takes it. */
#define TP_DELIVERED_MSGID 17

struct tp_delivered {
	char dest[TP_NAME_MAX * 2 + 2];   /* "actor" or "actor@node", as sent */
	uint32_t type;                    /* the message's type id */
	uint64_t tag;                     /* its notify tag */
	bool confirmed;                   /* false: handed to a node of an older
					     release, which cannot tell (and
					     may still answer Undeliverable) */
};

/* Is m a Delivered notice (type TP_DELIVERED_MSGID from the daemon)? */
TP_API
bool tp_msg_is_delivered(const struct tp_msg *m);

/* Decodes a Delivered notice: 0, -TP_ETYPE (m is none), -TP_EDECODE. */
TP_API
int tp_delivered_decode(const struct tp_msg *m, struct tp_delivered *out);

#ifdef __cplusplus
}
#endif

#endif
