/* Sending and receiving: encode once into the send buffer behind the
 * envelope, resolve names through the registry (cached), and the selective
 * receive that lets tp_call wait for its reply while other mail waits in
 * order.  Buffers are allocated at start; the send/receive path allocates
 * nothing (the first send to an actor attaches its mailbox, once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/monitor.h"
#include "actor-internal.h"
#include "clock.h"
#include "ctlpath.h"
#include "log_limit.h"
#include "random.h"

/* Ceiling for a send buffer sized from the registry. */
#define SEND_BUF_MAX (1u << 20)

int tp_mail_init(tp_actor *self)
{
	uint32_t smax = self->box.msg_max;
	struct tp_reg_entry e;
	for (unsigned i = 0; tp_registry_get(self->reg, i, &e) == 0; i++)
		if (e.msg_max > smax)
			smax = e.msg_max;
	self->sbuf_len = smax > SEND_BUF_MAX ? SEND_BUF_MAX : smax;
	struct tp_stash *s = &self->stash;
	/* While a call waits, a full mailbox may be taken out twice over. */
	s->cap = 2 * self->box.depth;
	s->slot = self->box.msg_max;
	self->rbuf = malloc(self->box.msg_max);
	self->sbuf = malloc(self->sbuf_len);
	s->buf = malloc((size_t)s->cap * s->slot);
	s->len = calloc(s->cap, sizeof *s->len);
	return self->rbuf && self->sbuf && s->buf && s->len ? 0 : -TP_ENOMEM;
}

void tp_mail_fini(tp_actor *self)
{
	for (unsigned i = 0; i < self->ndests; i++)
		tp_mailbox_close(&self->dests[i].box);
	self->ndests = 0;
	free(self->rbuf);
	free(self->sbuf);
	free(self->stash.buf);
	free(self->stash.len);
}

/* After a reload moved or removed registry entries: peers are attached
 * again by name on next use (a removed actor's mailbox is unlinked: mail
 * must not go on into it), and our own index, the counters', is found
 * again.  One load per send and receive when nothing changed. */
static void mail_relayout(tp_actor *self)
{
	if (!self->reg)
		return;
	uint32_t g = tp_registry_layout(self->reg);
	if (g == self->layout)
		return;
	self->layout = g;
	for (unsigned i = 0; i < self->ndests; i++)
		tp_mailbox_close(&self->dests[i].box);
	self->ndests = 0;
	struct tp_reg_entry e;
	for (unsigned i = 0; tp_registry_get(self->reg, i, &e) == 0; i++)
		if (strcmp(e.name, self->name) == 0) {
			self->box.ix = i;
			return;
		}
	self->box.ix = TP_REG_MAX;   /* removed: counts nothing (counters ignore it) */
}

/* The registry entry of `to`: a local actor, or one of another node,
 * reached through the daemon's outbox for that node's link.  A reply may
 * go to any actor of a linked node (the node's "*" entry): the requester
 * need not be exported to us. */
/* Does "@node" at `at` (NULL: none) name another node than ours? */
static bool mail_other_node(const tp_actor *self, const char *at)
{
	return at && strcmp(at + 1, self->node) != 0;
}

static int mail_lookup(tp_actor *self, const char *to, bool reply,
		       struct tp_reg_entry *e, unsigned *ix)
{
	char local[TP_NAME_MAX + 1];
	const char *node = "", *at = strchr(to, '@');
	if (!self->reg)   /* an actor outside a node (a test's, a fuzzer's) */
		return -TP_ENOENT;
	if (at) {
		if ((size_t)(at - to) > TP_NAME_MAX || at == to)
			return -TP_ENOENT;
		memcpy(local, to, at - to);
		local[at - to] = '\0';
		to = local;
		if (mail_other_node(self, at))
			node = at + 1;
	}
	/* Another node's daemon (the subscriber of a linked node's interest,
	 * runtime/daemon/linkd_topics.c) is reached through that node's
	 * outbox, the node's "*" entry. */
	if (*node && strcmp(to, TP_DAEMON_NAME) == 0)
		to = "*";
	int rc = tp_registry_find_ix(self->reg, to, node, e, ix);
	if (rc && *node && reply)
		rc = tp_registry_find_ix(self->reg, "*", node, e, ix);
	/* Mail for another node is counted on that node's outbox. */
	if (!rc && *node) {
		struct tp_reg_entry obx;
		tp_registry_find_ix(self->reg, "*", node, &obx, ix);
	}
	return rc;
}

/* Finds, or attaches on first use, the mailbox of actor `to` ("actor" or
 * "actor@node"). */
int tp_mail_dest(tp_actor *self, const char *to, bool reply, struct tp_dest **out)
{
	if (strlen(to) > TP_ENV_NAME_MAX)
		return -TP_ENOENT;
	mail_relayout(self);
	for (unsigned i = 0; i < self->ndests; i++)
		if (strcmp(self->dests[i].name, to) == 0) {
			*out = &self->dests[i];
			return 0;
		}
	if (self->ndests == TP_REG_MAX)
		return -TP_ELIMIT;
	struct tp_reg_entry e;
	unsigned ix;
	if (mail_lookup(self, to, reply, &e, &ix))
		return -TP_ENOENT;
	struct tp_dest *p = &self->dests[self->ndests];
	int rc = tp_mailbox_attach(&p->box, &e, ix, TP_MBOX_SEND, self->ctr);
	if (rc)
		return rc == -TP_ECONFIG ? -TP_ENOENT : rc;
	if (p->box.msg_max > self->sbuf_len)
		p->box.msg_max = self->sbuf_len;
	strcpy(p->name, to);
	self->ndests++;
	*out = p;
	return 0;
}

/* The payload to send: a message to encode, or bytes already encoded. */
int tp_payload_put(const struct tp_payload *pl, uint8_t *buf, size_t room)
{
	if (pl->fields) {
		pb_ostream_t os = pb_ostream_from_buffer(buf, room);
		if (!pb_encode(&os, pl->fields, pl->msg))
			return strcmp(PB_GET_ERROR(&os), "stream full") == 0 ?
			       -TP_ETOOBIG : -TP_EENCODE;
		return (int)os.bytes_written;
	}
	if (pl->len > room)
		return -TP_ETOOBIG;
	memcpy(buf, pl->msg, pl->len);
	return (int)pl->len;
}

int64_t tp_send_deadline(int timeout_ms, int default_ms, int64_t now)
{
	if (timeout_ms == 0)
		timeout_ms = default_ms > 0 ? default_ms : TP_NOWAIT;
	if (timeout_ms == TP_FOREVER)
		return TP_DEADLINE_NEVER;
	if (timeout_ms == TP_NOWAIT)
		return 0;
	if (timeout_ms < 0)
		return -TP_EINVAL;
	return now + (int64_t)timeout_ms * 1000000;
}

static int mail_send(tp_actor *self, const char *to, const struct tp_env *env,
		     const struct tp_payload *pl, int timeout_ms)
{
	/* Checked first: a bad timeout fails the same whatever the mailbox. */
	if (tp_send_deadline(timeout_ms, self->send_timeout_ms, 0) < 0)
		return -TP_EINVAL;
	struct tp_dest *p;
	int rc = tp_mail_dest(self, to, (env->flags & TP_ENV_F_REPLY) != 0, &p);
	if (rc)
		return rc;
	int off = tp_env_encode_head(self->sbuf, p->box.msg_max, env);
	if (off < 0)
		return off;
	int len = tp_payload_put(pl, self->sbuf + off, p->box.msg_max - off);
	if (len < 0)
		return len;
	tp_env_set_len(self->sbuf, (uint32_t)len);
	/* Stamped last, after encoding: latency is the time in the mailbox
	 * (and a full one's wait), not our own encoding.  The same reading
	 * gives the deadline, so the stamp costs no extra clock read. */
	int64_t now = tp_now_ns();
	tp_env_set_sent(self->sbuf, (uint64_t)now);
	return tp_mailbox_send(&p->box, self->sbuf, off + len, env->prio,
			       tp_send_deadline(timeout_ms, self->send_timeout_ms, now),
			       TP_VIA_SEND);
}

static void env_fill(tp_actor *self, struct tp_env *env, const char *to,
		     uint32_t type, int prio, uint8_t flags, uint64_t corr)
{
	env->version = TP_ENV_VERSION;
	env->flags = flags;
	env->prio = (uint8_t)(prio < 0 ? 0 : prio > 3 ? 3 : prio);
	env->type = type;
	env->corr = corr;
	env->topic[0] = '\0';   /* only tp_publish's fan-out writes topic mail */
	strcpy(env->sender, self->name);
	/* Over-long names fail in tp_env_encode_head, not here.  (strncpy
	 * would pad all 63 bytes on every send.) */
	size_t n = strnlen(to, TP_ENV_NAME_MAX);
	memcpy(env->dest, to, n);
	env->dest[n] = '\0';
}

static bool stash_push(struct tp_stash *s, const uint8_t *buf, size_t len)
{
	if (s->count == s->cap || len > s->slot)
		return false;
	uint32_t i = (s->head + s->count) % s->cap;
	memcpy(s->buf + (size_t)i * s->slot, buf, len);
	s->len[i] = (uint32_t)len;
	s->count++;
	return true;
}

/* A send with a notify tag: for another node, the flag asks that node's
 * daemon to say so (troupe/monitor.h); for this node, the send's own 0 is
 * the delivery, and the notice goes to the stash, to be received after
 * the callback that sent, as mail would be. */
static int send_notify(tp_actor *self, const char *to, struct tp_env *env,
		       const struct tp_payload *pl, int tmo)
{
	if (mail_other_node(self, strchr(to, '@')))
		return mail_send(self, to, env, pl, tmo);
	uint8_t note[256];
	int n = tp_delivered_local(self, to, env->type, env->corr, note, sizeof note);
	if (n < 0 || (size_t)n > self->stash.slot)
		return -TP_ETOOBIG;   /* this actor's msg_max cannot hold the notice */
	if (self->stash.count == self->stash.cap)
		return -TP_ELIMIT;
	int rc = mail_send(self, to, env, pl, tmo);
	if (rc == 0)
		stash_push(&self->stash, note, (size_t)n);
	return rc;
}

static int send_common(tp_actor *self, const char *to, uint32_t type,
		       const struct tp_payload *pl, const struct tp_send_opts *opts)
{
	struct tp_env env;
	int prio = opts ? opts->prio : TP_PRIO_NORMAL;
	int tmo = opts ? opts->timeout_ms : 0;
	uint64_t tag = opts ? opts->notify_tag : 0;
	env_fill(self, &env, to, type, prio, tag ? TP_ENV_F_NOTIFY : 0, tag);
	return tag ? send_notify(self, to, &env, pl, tmo) : mail_send(self, to, &env, pl, tmo);
}

static int reply_common(tp_actor *self, const struct tp_msg *req, uint32_t type,
			const struct tp_payload *pl)
{
	struct tp_env env;
	env_fill(self, &env, req->sender, type, req->prio, TP_ENV_F_REPLY, req->corr);
	int rc = mail_send(self, req->sender, &env, pl, 0);
	if (rc == 0 && req->corr == self->held_corr)
		self->answered = true;   /* no error reply for it after receive */
	return rc;
}

int tp_reply_error(tp_actor *self, const struct tp_msg *req, int err, const char *reason)
{
	if (!(req->flags & TP_MSG_F_REQUEST) || err == 0)
		return -TP_EINVAL;   /* no request, or no error to tell */
	struct tp_dest *p;
	int rc = tp_mail_dest(self, req->sender, true, &p);
	if (rc)
		return rc;
	struct tp_refusal r = { .from = self->name, .to = req->sender, .corr = req->corr,
				.type = req->type, .prio = req->prio, .err = err,
				.reason = reason };
	int64_t deadline = tp_send_deadline(0, self->send_timeout_ms, tp_now_ns());
	rc = tp_mailbox_refuse(&p->box, self->sbuf, p->box.msg_max, &r, deadline);
	if (rc == 0 && req->corr == self->held_corr)
		self->answered = true;
	return rc;
}

/* Is `to` one of this node's actors that is down for good?  Then a
 * request to it would wait out its deadline in a mailbox nobody reads. */
static bool mail_is_closed(tp_actor *self, const char *to)
{
	struct tp_dest *p;
	struct tp_reg_entry e;
	return tp_mail_dest(self, to, false, &p) == 0 &&
	       tp_registry_get(self->reg, p->box.ix, &e) == 0 &&
	       !e.node[0] && (e.flags & TP_REG_F_CLOSED);
}

int tp_send_msg(tp_actor *self, const char *to, uint32_t type,
		const pb_msgdesc_t *fields, const void *msg,
		const struct tp_send_opts *opts)
{
	struct tp_payload pl = { .fields = fields, .msg = msg };
	return send_common(self, to, type, &pl, opts);
}

int tp_send_bytes(tp_actor *self, const char *to, uint32_t type,
		  const void *payload, size_t len, const struct tp_send_opts *opts)
{
	struct tp_payload pl = { .msg = payload, .len = len };
	return send_common(self, to, type, &pl, opts);
}

int tp_reply_msg(tp_actor *self, const struct tp_msg *req, uint32_t type,
		 const pb_msgdesc_t *fields, const void *msg)
{
	struct tp_payload pl = { .fields = fields, .msg = msg };
	return reply_common(self, req, type, &pl);
}

int tp_reply_bytes(tp_actor *self, const struct tp_msg *req, uint32_t type,
		   const void *payload, size_t len)
{
	struct tp_payload pl = { .msg = payload, .len = len };
	return reply_common(self, req, type, &pl);
}

int tp_decode_msg(const struct tp_msg *m, uint32_t type,
		  const pb_msgdesc_t *fields, void *out)
{
	if (m->type != type)
		return -TP_ETYPE;
	pb_istream_t is = pb_istream_from_buffer(m->payload, m->len);
	return pb_decode(&is, fields, out) ? 0 : -TP_EDECODE;
}

bool tp_mail_stash_front(tp_actor *self, const uint8_t *buf, size_t len)
{
	struct tp_stash *s = &self->stash;
	if (s->count == s->cap || len > s->slot)
		return false;
	s->head = (s->head + s->cap - 1) % s->cap;
	memcpy(s->buf + (size_t)s->head * s->slot, buf, len);
	s->len[s->head] = (uint32_t)len;
	s->count++;
	return true;
}

/* A message taken and dropped: any writer of the mailbox can send these at
 * will, so the log says so a bounded number of times. */
static void mail_dropped(tp_actor *self, int n, int bad, const struct tp_env *env)
{
	static struct tp_log_limit malformed, unsealed;
	char note[64];
	if (bad != -TP_EPERM) {
		self->dropped_bad++;
		if (tp_log_limit(&malformed, tp_now_ns(), note, sizeof note))
			tp_log("dropped a malformed message of %d bytes: %s (%llu so far)%s", n,
			       tp_strerror(bad), (unsigned long long)self->dropped_bad, note);
		return;
	}
	self->dropped_unsealed++;
	if (tp_log_limit(&unsealed, tp_now_ns(), note, sizeof note))
		tp_log("dropped a message from %s: %s (%llu so far)%s", env->sender,
		       self->box.wrong_uid ? "sent by a process of another user than that actor's"
		       : env->seal ? "its seal is not the daemon's, or replayed"
				   : "without the daemon's seal, which only the daemon can give",
		       (unsigned long long)self->dropped_unsealed, note);
}

/* Takes the next message out of the own mailbox by deadline: its length
 * with env decoded, or a negative code.  One that does not decode is
 * dropped (counted by the mailbox) and logged, and the next one taken. */
static int mail_take(tp_actor *self, int64_t deadline, struct tp_env *env)
{
	for (;;) {
		mail_relayout(self);
		int bad, n = tp_mailbox_recv(&self->box, self->rbuf, self->box.msg_max,
					     deadline, env, &bad);
		if (n < 0 || !bad)
			return n;
		mail_dropped(self, n, bad, env);
	}
}

/* Splits "actor" or "actor@node" into name and node; this node is "". */
static void mail_split(const tp_actor *self, const char *who, char *name, const char **node)
{
	const char *at = strchr(who, '@');
	size_t n = at ? (size_t)(at - who) : strlen(who);
	n = n > TP_ENV_NAME_MAX ? TP_ENV_NAME_MAX : n;
	memcpy(name, who, n);
	name[n] = '\0';
	*node = !at || strcmp(at + 1, self->node) == 0 ? "" : at + 1;
}

/* Is a reply from `sender` one from the actor the call went `to`?  Any
 * process that may write our mailbox can send a REPLY with any sender
 * name; with the correlation id random, it must also guess it, and then
 * name the callee.  (The sender name of local mail is not authenticated:
 * a process of the callee's uid can still answer for it.)  Across a link
 * the peer's daemon adds "@node" to the sender, and our daemon lets a
 * REPLY in only for a call that went out on that link (linkd_calls.c). */
static bool mail_from_callee(const tp_actor *self, const char *to, const char *sender)
{
	char tn[TP_ENV_NAME_MAX + 1], sn[TP_ENV_NAME_MAX + 1];
	const char *tnode, *snode;
	mail_split(self, to, tn, &tnode);
	mail_split(self, sender, sn, &snode);
	return strcmp(tn, sn) == 0 && strcmp(tnode, snode) == 0;
}

static void mail_forged(tp_actor *self, const char *to, const char *sender)
{
	static struct tp_log_limit limit;
	char note[64];
	self->dropped_forged++;
	if (tp_log_limit(&limit, tp_now_ns(), note, sizeof note))
		tp_log("call to %s: dropped a reply from %s, which was not called (%llu so far)%s",
		       to, sender, (unsigned long long)self->dropped_forged, note);
}

int tp_call_msg(tp_actor *self, const char *to,
		uint32_t req_type, const pb_msgdesc_t *req_fields, const void *req,
		uint32_t rep_type, const pb_msgdesc_t *rep_fields, void *rep,
		int timeout_ms)
{
	if (timeout_ms < 0 && timeout_ms != TP_FOREVER)
		return -TP_EINVAL;
	int64_t deadline = tp_send_deadline(timeout_ms, self->send_timeout_ms, tp_now_ns());
	if (deadline == 0)
		deadline = tp_now_ns();   /* a default of 0: one look for the reply */
	struct tp_env env;
	uint64_t corr = tp_random_corr();   /* unguessable: see mail_from_callee */
	env_fill(self, &env, to, req_type, TP_PRIO_NORMAL, TP_ENV_F_REQUEST, corr);
	struct tp_payload pl = { .fields = req_fields, .msg = req };
	if (mail_is_closed(self, to))
		return -TP_ECLOSED;
	int rc = mail_send(self, to, &env, &pl, timeout_ms);
	if (rc)
		return rc;
	for (;;) {
		/* Take nothing we could not keep: with the stash full, the rest
		 * stays in the mailbox and the call gives up. */
		if (self->stash.count == self->stash.cap) {
			tp_log("call to %s: %u messages arrived meanwhile, all the "
			       "stash holds; giving up the call", to, self->stash.cap);
			return -TP_ELIMIT;
		}
		int n = mail_take(self, deadline, &env);
		if (n == -TP_EEMPTY)
			return -TP_ETIMEDOUT;
		if (n < 0)
			return n;
		if (env.flags & TP_ENV_F_REPLY) {
			bool forged = env.corr == corr && !mail_from_callee(self, to, env.sender);
			if (env.corr != corr || forged) {
				if (forged)
					mail_forged(self, to, env.sender);
				else
					self->dropped_late++;
				tp_mailbox_discard(&self->box);
				continue;
			}
			tp_mailbox_took(&self->box, &env, 0);
			if ((rc = tp_mailbox_error_read(&env, NULL, 0)))
				return rc;   /* the receiver could not serve it */
			struct tp_msg m = { .type = env.type, .payload = env.payload,
					    .len = env.payload_len };
			return tp_decode_msg(&m, rep_type, rep_fields, rep);
		}
		/* The request was lost on its way: fail now, not at the deadline. */
		if ((rc = tp_undeliverable_for_call(&env, req_type, corr)))
			return rc;
		stash_push(&self->stash, self->rbuf, n);
	}
}

int tp_accept_msg(tp_actor *self, uint32_t type)
{
	for (unsigned i = 0; i < self->n_accepts; i++)
		if (self->accepts[i] == type)
			return 0;
	if (self->n_accepts == TP_ACCEPT_MAX)
		return -TP_ELIMIT;
	self->accepts[self->n_accepts++] = type;
	return 0;
}

/* Does the actor take m: a type it declared, or any when it declared
 * none; always the daemon's notices. */
static bool mail_takes(const tp_actor *self, const struct tp_msg *m)
{
	if (!self->n_accepts || tp_msg_is_down(m) || tp_msg_is_undeliverable(m))
		return true;
	for (unsigned i = 0; i < self->n_accepts; i++)
		if (self->accepts[i] == m->type)
			return true;
	return false;
}

/* A request refused with rc: its caller learns it now, not at its
 * deadline. */
static void mail_refuse(tp_actor *self, const struct tp_msg *m, int rc)
{
	char why[64];
	if (!mail_takes(self, m))
		snprintf(why, sizeof why, "does not take type %u", (unsigned)m->type);
	else if (self->ops->receive)
		snprintf(why, sizeof why, "receive of type %u failed", (unsigned)m->type);
	else
		snprintf(why, sizeof why, "takes no messages");
	int e = tp_reply_error(self, m, rc, why);
	if (e)
		tp_log("error reply to %s: %s", m->sender, tp_strerror(e));
}

void tp_mail_dispatch(tp_actor *self, const struct tp_env *env)
{
	if (env->flags & TP_ENV_F_REPLY) {
		self->dropped_late++;   /* no call waits for it any more */
		tp_mailbox_discard(&self->box);
		return;
	}
	struct tp_msg m = {
		.type = env->type, .corr = env->corr, .prio = env->prio,
		.flags = env->flags & TP_ENV_F_KNOWN,   /* the seal is the runtime's */
		.sender = env->sender, .payload = env->payload, .len = env->payload_len,
		.topic = env->topic[0] ? env->topic : NULL,
	};
	int64_t t0 = self->ctr ? tp_now_ns() : 0;
	tp_mailbox_took(&self->box, env, t0);
	tp_counters_busy(self->ctr, self->box.ix, t0);   /* for the watchdog */
	bool request = (env->flags & TP_ENV_F_REQUEST) && env->corr;
	if (request) {
		/* Held where the daemon finds it if we die with it. */
		self->held_corr = env->corr;
		self->answered = false;
		tp_counters_hold(self->ctr, self->box.ix, env->sender, env->corr,
				 env->type, env->prio);
	}
	int rc = -TP_ENOSYS;
	bool takes = mail_takes(self, &m);
	if (!takes) {
		rc = -TP_ETYPE;   /* not a type it declared: receive never sees it */
	} else if (self->ops->receive) {
		rc = self->ops->receive(self, self->state, &m);
		if (self->ctr)
			tp_counters_time(self->ctr, self->box.ix, tp_now_ns() - t0);
	}
	if (rc < 0) {
		tp_counters_refused(self->ctr, self->box.ix);
		if (takes && self->ops->receive)
			tp_log("receive of type %u from %s: %s", m.type, m.sender,
			       tp_strerror(rc));
	}
	if (request) {
		if (rc < 0 && !self->answered)
			mail_refuse(self, &m, rc);
		tp_counters_release(self->ctr, self->box.ix);
		self->held_corr = 0;
	}
	tp_counters_busy(self->ctr, self->box.ix, 0);
}

unsigned tp_mail_drain_stash(tp_actor *self)
{
	struct tp_stash *s = &self->stash;
	unsigned n = 0;
	while (s->count && !self->stopping) {
		/* Copy out: the callback may call again and refill the stash. */
		uint32_t len = s->len[s->head];
		memcpy(self->rbuf, s->buf + (size_t)s->head * s->slot, len);
		s->head = (s->head + 1) % s->cap;
		s->count--;
		/* Decoded and counted when it was taken out: it decodes again. */
		struct tp_env env;
		if (tp_env_decode(self->rbuf, len, self->box.msg_max, &env) == 0)
			tp_mail_dispatch(self, &env);
		n++;
	}
	return n;
}

bool tp_mail_wait(tp_actor *self, int64_t deadline)
{
	struct tp_env env;
	int n = mail_take(self, deadline, &env);
	if (n < 0) {
		if (n != -TP_EEMPTY)
			tp_log("receive: %s", tp_strerror(n));
		return false;
	}
	tp_mail_dispatch(self, &env);
	return true;
}

void tp_mail_drain(tp_actor *self, unsigned max)
{
	for (unsigned i = 0; i < max && !self->stopping; i++) {
		if (!tp_mail_wait(self, 0))
			return;
		if (self->stash.count)
			return;   /* a call inside the callback stashed mail: older first */
	}
}

