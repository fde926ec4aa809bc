/* The actor API: what an actor module sees of Troupe.  An actor is one
 * process with one mailbox; it never learns which transport carries its
 * mail.  See docs/TUTORIAL.md for a first actor. */
#ifndef TROUPE_ACTOR_H
#define TROUPE_ACTOR_H

#include <stddef.h>
#include <stdint.h>
#include <pb.h>
#include "troupe/error.h"

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

/* A received message.  Note: every pointer is valid only during the
 * callback that receives it; copy what you keep. */
struct tp_msg {
	uint32_t type;            /* message type id: the .options msgid */
	uint32_t corr;            /* correlation id, 0 when none */
	uint8_t prio;             /* enum tp_prio */
	uint8_t flags;            /* TP_ENV_F_* (envelope.h) */
	const char *sender;       /* sender's name */
	const uint8_t *payload;   /* nanopb-encoded body */
	size_t len;
};

/* What an actor module declares.  Every callback gets the state block of
 * state_size bytes, zeroed before init. */
struct tp_actor_ops {
	size_t state_size;
	/* Called once before any mail; a negative return ends the actor with
	 * exit code 1. */
	int (*init)(tp_actor *self, void *state, int argc, char **argv);
	/* Called for each message, in mailbox order (priority first).  A
	 * negative return is logged; the actor goes on. */
	int (*receive)(tp_actor *self, void *state, const struct tp_msg *msg);
	/* Called once on a clean stop (SIGTERM from the daemon, tp_exit). */
	void (*stop)(tp_actor *self, void *state);
};

/* Runs the actor: attaches its mailbox, calls init, then waits on mail,
 * timers and watched fds until stopped.  Returns the process exit code. */
int tp_actor_main(const struct tp_actor_ops *ops, int argc, char **argv);

#define TP_ACTOR_MAIN(ops) \
	int main(int argc, char **argv) { return tp_actor_main(&(ops), argc, argv); }

/* Send options; NULL means normal priority and the actor's default send
 * timeout (TROUPE_SEND_TIMEOUT_MS, 1000 ms unless the topology says). */
struct tp_send_opts {
	int prio;          /* enum tp_prio */
	int timeout_ms;    /* how long a full mailbox may block; 0: not at all */
};

/* Sends a message to the actor named `to`.  Encodes once, straight into
 * the send buffer.  Returns 0, -TP_ENOENT (no such actor), -TP_ETOOBIG,
 * -TP_EFULL (mailbox still full at the deadline; on shm also when another
 * sender, stopped inside its copy, held the mailbox's lock until then:
 * nothing was queued either way), -TP_EENCODE. */
int tp_send_msg(tp_actor *self, const char *to, uint32_t type,
		const pb_msgdesc_t *fields, const void *msg,
		const struct tp_send_opts *opts);

/* Replies to a received message: to its sender, with its correlation id. */
int tp_reply_msg(tp_actor *self, const struct tp_msg *req, uint32_t type,
		 const pb_msgdesc_t *fields, const void *msg);

/* The same with a payload that is already encoded (routers, echo). */
int tp_send_bytes(tp_actor *self, const char *to, uint32_t type,
		  const void *payload, size_t len, const struct tp_send_opts *opts);
int tp_reply_bytes(tp_actor *self, const struct tp_msg *req, uint32_t type,
		   const void *payload, size_t len);

/* Sends a request and waits up to timeout_ms for the reply that carries
 * its correlation id.  Other mail that arrives meanwhile stays queued, in
 * order, for the receive callback.  A reply that comes after the deadline
 * is dropped.  A request lost on its way to another node ends the call at
 * once with the error of its Undeliverable notice (troupe/monitor.h).
 * Returns 0, -TP_ETIMEDOUT, -TP_ETYPE (reply of another type),
 * -TP_EDECODE, -TP_ENOENT, -TP_EPERM, -TP_EFULL, -TP_ETOOBIG (from a
 * notice), or any error of tp_send_msg. */
int tp_call_msg(tp_actor *self, const char *to,
		uint32_t req_type, const pb_msgdesc_t *req_fields, const void *req,
		uint32_t rep_type, const pb_msgdesc_t *rep_fields, void *rep,
		int timeout_ms);

/* Decodes a received payload; -TP_ETYPE if it is of another type. */
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
 * period_ms 0 makes a one-shot timer.  Returns a timer id >= 0 or
 * -TP_ELIMIT when all TP_TIMERS_MAX are in use. */
#define TP_TIMERS_MAX 16
typedef void tp_timer_fn(tp_actor *self, void *state, void *arg);
int tp_timer_start(tp_actor *self, unsigned first_ms, unsigned period_ms,
		   tp_timer_fn *fn, void *arg);
int tp_timer_stop(tp_actor *self, int id);

/* The actor's own descriptors, waited on together with its mail. */
#define TP_FDS_MAX 16
enum { TP_FD_READ = 1, TP_FD_WRITE = 2 };
typedef void tp_fd_fn(tp_actor *self, void *state, int fd, unsigned events, void *arg);
int tp_fd_watch(tp_actor *self, int fd, unsigned events, tp_fd_fn *fn, void *arg);
int tp_fd_unwatch(tp_actor *self, int fd);

/* Ends the loop after the current callback; the process exits with code. */
void tp_exit(tp_actor *self, int code);

const char *tp_self_name(const tp_actor *self);
const char *tp_node_name(const tp_actor *self);

/* Monitors (tp_monitor, tp_demonitor, Down notices): troupe/monitor.h. */

/* Monotonic clock, in nanoseconds: every Troupe deadline runs on it. */
int64_t tp_now_ns(void);

#endif
