/* The actor API: what an actor module sees of Troupe.  An actor is one
 * process with one mailbox; it never learns which transport carries its
 * mail.  See docs/TUTORIAL.md for a first actor. */
#ifndef TROUPE_ACTOR_H
#define TROUPE_ACTOR_H

#include "troupe/api.h"
#include <stddef.h>
#include <stdint.h>
#include <pb.h>
#include "troupe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest actor or node name, without the NUL. */
#define TP_NAME_MAX 31

/* The runtime's per-process context; opaque. */
typedef struct tp_actor tp_actor;

enum tp_prio {
	TP_PRIO_LOW = 0,
	TP_PRIO_NORMAL = 1,
	TP_PRIO_HIGH = 2,
	TP_PRIO_URGENT = 3,
};

/* tp_msg.flags (the envelope's, docs/WIRE.md). */
enum {
	TP_MSG_F_REQUEST = 1 << 0,   /* the sender waits for a reply (tp_call) */
	TP_MSG_F_REPLY = 1 << 1,     /* answers the request with this corr */
};

/* A received message.  Note: every pointer is valid only during the
 * callback that receives it; copy what you keep. */
struct tp_msg {
	uint32_t type;            /* message type id: the .options msgid */
	uint64_t corr;            /* correlation id, 0 when none (64 random bits) */
	uint8_t prio;             /* enum tp_prio */
	uint8_t flags;            /* TP_MSG_F_* */
	const char *sender;       /* sender's name */
	const uint8_t *payload;   /* nanopb-encoded body */
	size_t len;
	/* The topic it was published to (troupe/topic.h); NULL for mail sent
	 * to this actor by name. */
	const char *topic;
};

/* What an actor module declares.  Every callback gets the state block of
 * state_size bytes, zeroed before init. */
struct tp_actor_ops {
	size_t state_size;
	/* Called once before any mail; a negative return ends the actor with
	 * exit code 1 (2 for -TP_ECONFIG), reported by the daemon as a start
	 * failure with that error. */
	int (*init)(tp_actor *self, void *state, int argc, char **argv);
	/* Called for each message, in mailbox order (priority first).  A
	 * negative return is logged and counted (refused); the actor goes
	 * on.  For a request (TP_MSG_F_REQUEST) not yet answered, the
	 * runtime answers it with an error reply carrying that code (e.g.
	 * tp_decode's -TP_ETYPE or -TP_EDECODE), so that the caller's
	 * tp_call returns it at once.  A request to an actor without
	 * receive is answered -TP_ENOSYS. */
	int (*receive)(tp_actor *self, void *state, const struct tp_msg *msg);
	/* Called once on a clean stop (SIGTERM from the daemon, tp_exit). */
	void (*stop)(tp_actor *self, void *state);
};

/* Runs the actor: attaches its mailbox, calls init, tells the daemon it
 * is ready once init returned 0 (unless init called tp_actor_ready_later),
 * then waits on mail, timers and watched fds until stopped.  Returns the
 * process exit code:
 *   0     a clean stop (SIGTERM from the daemon), or tp_exit(self, 0)
 *   N     tp_exit(self, N)
 *   1     init returned an error, the start failed (the daemon logs "failed
 *         to start: init: <error>"), or the loop failed
 *   2     the start failed for its configuration (-TP_ECONFIG): not
 *         started by a troupe daemon (TROUPE_NODE, TROUPE_ACTOR), no such
 *         actor in the node's registry, a transport this build has not,
 *         or init returned -TP_ECONFIG
 * The daemon treats any non-zero code as an abnormal exit (transient
 * actors are restarted). */
TP_API
int tp_actor_main(const struct tp_actor_ops *ops, int argc, char **argv);

/* Readiness (docs/SUPERVISION.md): an actor is `starting` until it is
 * ready, and its supervisor starts the next one only then.  By default it
 * is ready when init returns 0.  An init that completes later (a
 * connection, a first reading) calls tp_actor_ready_later in init, then
 * tp_actor_ready once it is ready; it must within the topology's
 * start_timeout_ms, or the daemon kills it (start failure, start_timeout).
 * Calls after the first do nothing. */
TP_API
void tp_actor_ready_later(tp_actor *self);
TP_API
void tp_actor_ready(tp_actor *self);

#define TP_ACTOR_MAIN(ops) \
	int main(int argc, char **argv) { return tp_actor_main(&(ops), argc, argv); }

/* Timeouts of a send (tp_send_opts.timeout_ms) and of tp_call, besides a
 * number of milliseconds: */
#define TP_NOWAIT (-2)     /* never block: a full mailbox is -TP_EFULL at once */
#define TP_FOREVER (-1)    /* no deadline: block until there is room (reply) */

/* Send options; NULL: normal priority and the actor's default timeout. */
struct tp_send_opts {
	int prio;          /* enum tp_prio (0 is TP_PRIO_LOW) */
	/* How long a full mailbox may block the send: > 0 ms, TP_NOWAIT,
	 * TP_FOREVER, or 0: the actor's default (the topology's
	 * send_timeout_ms, 1000 ms unless it says).  Another negative value
	 * is -TP_EINVAL. */
	int timeout_ms;
	/* Nonzero: tell me when it is in the receiver's mailbox.  Once the
	 * send returned 0, one notice comes back into this actor's mailbox
	 * with this tag as its corr: a Delivered notice, or an Undeliverable
	 * one (troupe/monitor.h; docs/RELIABILITY.md says when a crash of
	 * the far node's daemon can lose it).  The send needs room for the
	 * notice of a local receiver in this actor's stash (-TP_ELIMIT). */
	uint64_t notify_tag;
};

/* Sends a message to the actor named `to` ("actor", or "actor@node" on a
 * linked node).  Encodes once, straight into the send buffer.  Returns 0
 * (the message is in the mailbox, or for another node in the link's
 * outbox), or
 *   -TP_ENOENT    no such actor (or not exported to this node)
 *   -TP_EFULL     its mailbox still full at the deadline, or full and its
 *                 when_full is reject; on shm also when another sender,
 *                 stopped inside its copy, held the mailbox's lock until
 *                 then (nothing was queued either way)
 *   -TP_ETOOBIG   larger than its mailbox's msg_max
 *   -TP_EENCODE   msg does not encode with fields
 *   -TP_EINVAL    a bad timeout_ms, or a name too long for the envelope
 *   -TP_ELIMIT    this actor already sends to TP_REG_MAX mailboxes
 *   -TP_ECLOSED   the receiver is gone (connection-oriented transports)
 *   -TP_EPERM     the mailbox may not be opened by this process
 *   -TP_ENOMEM, -TP_ESYS   attaching its mailbox failed (errno says why
 *                 for -TP_ESYS). */
TP_API
int tp_send_msg(tp_actor *self, const char *to, uint32_t type,
		const pb_msgdesc_t *fields, const void *msg,
		const struct tp_send_opts *opts);

/* Replies to a received message: to its sender, with its correlation id,
 * its priority and the actor's default timeout.  A reply may go to any
 * actor of a linked node that asked, exported or not.  Returns what
 * tp_send_msg returns. */
TP_API
int tp_reply_msg(tp_actor *self, const struct tp_msg *req, uint32_t type,
		 const pb_msgdesc_t *fields, const void *msg);

/* Answers request req with an error reply (docs/WIRE.md): its tp_call
 * returns -err at once (err: a TP_E* code, either sign); reason, a short
 * sentence (NULL: none), is what troupectl call prints.  Returns what
 * tp_reply_msg returns, or -TP_EINVAL when req is no request or err is 0. */
TP_API
int tp_reply_error(tp_actor *self, const struct tp_msg *req, int err, const char *reason);

/* Declares a message type the actor takes (in init, once per type).
 * Once it declared one, mail of any other type is refused before receive:
 * counted refused and, for a request, answered at once with an error
 * reply -TP_ETYPE ("does not take type N").  Notices from the daemon
 * (Down, Undeliverable) always reach receive.  Returns 0, or -TP_ELIMIT
 * (TP_ACCEPT_MAX declared already). */
#define TP_ACCEPT_MAX 32
TP_API
int tp_accept_msg(tp_actor *self, uint32_t type);
#define tp_accept(self, Type) tp_accept_msg((self), Type##_msgid)

/* Type id of the error reply's payload, troupe.Error (monitor.options). */
#define TP_ERROR_MSGID 14

/* The same with a payload that is already encoded (routers, echo); never
 * -TP_EENCODE. */
TP_API
int tp_send_bytes(tp_actor *self, const char *to, uint32_t type,
		  const void *payload, size_t len, const struct tp_send_opts *opts);
TP_API
int tp_reply_bytes(tp_actor *self, const struct tp_msg *req, uint32_t type,
		   const void *payload, size_t len);

/* Sends a request and waits up to timeout_ms (> 0, TP_FOREVER, or 0: the
 * actor's default send timeout) for the reply that carries its
 * correlation id; the request's send waits for room as long.  Other mail
 * that arrives meanwhile stays queued, in order, for the receive callback.
 * A reply that comes after the deadline is dropped.  A request lost on its
 * way to another node ends the call at once with the error of its
 * Undeliverable notice (troupe/monitor.h); one the receiver could not
 * serve ends it at once with the code of its error reply.  Returns 0, or
 *   -TP_ECLOSED    the receiver is stopped (not running and not coming
 *                  back: stopped, failed, or a temporary actor that
 *                  ended), or it died while it held the request
 *   any code of an error reply: the receiver's receive returned it
 *                  (-TP_ETYPE: a type it does not take, -TP_EDECODE: the
 *                  payload does not decode as its type, ...), or it
 *                  answered with tp_reply_error
 *   -TP_ETIMEDOUT  no reply by the deadline
 *   -TP_ETYPE      a reply of another type than rep_type
 *   -TP_EDECODE    the reply does not decode with rep_fields
 *   -TP_ELIMIT     more mail arrived meanwhile than the call can keep
 *                  aside (twice the mailbox's depth)
 *   -TP_EINVAL     timeout_ms is TP_NOWAIT or another negative value
 *   -TP_ENOENT, -TP_EPERM, -TP_EFULL, -TP_ETOOBIG   from a notice
 *   any error of tp_send_msg, for the request. */
TP_API
int tp_call_msg(tp_actor *self, const char *to,
		uint32_t req_type, const pb_msgdesc_t *req_fields, const void *req,
		uint32_t rep_type, const pb_msgdesc_t *rep_fields, void *rep,
		int timeout_ms);

/* Decodes a received payload: 0, -TP_ETYPE (of another type),
 * -TP_EDECODE (does not decode with fields). */
TP_API
int tp_decode_msg(const struct tp_msg *m, uint32_t type,
		  const pb_msgdesc_t *fields, void *out);

/* Typed front ends: Type is the nanopb message name (e.g. LogLine); its id
 * is Type_msgid, set with `msgid` in the .options file. */
#define tp_send(self, to, Type, msg) \
	tp_send_msg((self), (to), Type##_msgid, Type##_fields, (msg), NULL)
#define tp_send_ex(self, to, Type, msg, opts) \
	tp_send_msg((self), (to), Type##_msgid, Type##_fields, (msg), (opts))
#define tp_reply(self, req, Type, msg) \
	tp_reply_msg((self), (req), Type##_msgid, Type##_fields, (msg))
#define tp_call(self, to, ReqType, req, RepType, rep, timeout_ms) \
	tp_call_msg((self), (to), ReqType##_msgid, ReqType##_fields, (req), \
		    RepType##_msgid, RepType##_fields, (rep), (timeout_ms))
#define tp_decode(m, Type, out) \
	tp_decode_msg((m), Type##_msgid, Type##_fields, (out))
#define tp_msg_is(m, Type) ((m)->type == Type##_msgid)

/* Timers.  fn runs from the actor's loop, never concurrently with receive.
 * period_ms 0 makes a one-shot timer.  tp_timer_start returns a timer id
 * >= 0, -TP_ELIMIT (all TP_TIMERS_MAX in use, or the kernel's descriptor
 * limit), -TP_ENOMEM, -TP_ESYS.  tp_timer_stop: 0, or -TP_EINVAL (no such
 * timer running). */
#define TP_TIMERS_MAX 16
typedef void tp_timer_fn(tp_actor *self, void *state, void *arg);
TP_API
int tp_timer_start(tp_actor *self, unsigned first_ms, unsigned period_ms,
		   tp_timer_fn *fn, void *arg);
TP_API
int tp_timer_stop(tp_actor *self, int id);

/* The actor's own descriptors, waited on together with its mail; fn gets
 * TP_FD_READ also on hang-up and error.  tp_fd_watch returns 0, -TP_EINVAL
 * (fd < 0, no fn, no event), -TP_EBUSY (fd watched already), -TP_ELIMIT
 * (TP_FDS_MAX watched), -TP_EPERM (fd cannot be polled: a regular file),
 * -TP_ENOMEM, -TP_ESYS.  tp_fd_unwatch: 0 or -TP_ENOENT. */
#define TP_FDS_MAX 16
enum { TP_FD_READ = 1, TP_FD_WRITE = 2 };
typedef void tp_fd_fn(tp_actor *self, void *state, int fd, unsigned events, void *arg);
TP_API
int tp_fd_watch(tp_actor *self, int fd, unsigned events, tp_fd_fn *fn, void *arg);
TP_API
int tp_fd_unwatch(tp_actor *self, int fd);

/* Ends the loop after the current callback; the process exits with code. */
TP_API
void tp_exit(tp_actor *self, int code);

/* The actor's name, and its node's. */
TP_API
const char *tp_actor_name(const tp_actor *self);
TP_API
const char *tp_actor_node(const tp_actor *self);

/* The actor's own counters, shown beside its mailbox's by `troupectl
 * counters -v` and -j (docs/CONTROL.md): up to TP_COUNTERS_OWN_MAX names
 * of 1 to 15 characters of [a-z0-9_], each a 64-bit value kept in the
 * node's counters segment, read by the daemon without asking the actor
 * and kept across its restarts, as its mailbox's counters are.  A name
 * is registered, at 0, the first time it is used.  tp_counter_add adds
 * n; tp_counter_set sets the value (a gauge: 1 while connected).  0, or
 * -TP_EINVAL (a bad name), -TP_ELIMIT (a name past the eighth),
 * -TP_ENOENT (the node counts nothing: not started by a daemon, or a
 * counters segment of another version, said in the log at start). */
#define TP_COUNTERS_OWN_MAX 8
TP_API
int tp_counter_add(tp_actor *self, const char *name, uint64_t n);
TP_API
int tp_counter_set(tp_actor *self, const char *name, uint64_t v);

/* The old names of tp_actor_name and tp_actor_node; kept for one release. */
TP_API
const char *tp_self_name(const tp_actor *self)
	__attribute__((deprecated("use tp_actor_name")));
TP_API
const char *tp_node_name(const tp_actor *self)
	__attribute__((deprecated("use tp_actor_node")));

/* Monitors (tp_monitor, tp_demonitor, Down notices): troupe/monitor.h. */

/* Monotonic clock, in nanoseconds: every Troupe deadline runs on it. */
TP_API
int64_t tp_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif
