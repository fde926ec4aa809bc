/* Node links, the mail (see linkd.h): outboxes into the link (through
 * the bounded queue, so that order holds across a reconnect), incoming
 * mail into local mailboxes after the export check, the peers' actors in
 * the registry, and an Undeliverable notice to the sender of each message
 * lost on the way (linkd_notice.h): told here when it is lost on this node,
 * across the link when on the peer's.  Monitors: linkd_mon.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pb_encode.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "monitor.pb.h"
#include "clock.h"
#include "ctlpath.h"
#include "node_deliver.h"
#include "log_dmsg.h"
#include "linkd-internal.h"
#include "linkd_notice.h"

/* Log the first few of a kind of loss, then every 1000th. */
#define LOG_EVERY(count) ((count) <= 5 || (count) % 1000 == 0)

/* ---------------------------------------------------------------- registry */

/* Entries after the node's own: each peer's actors, pointing at its
 * outbox.  Grown in place, then counted, so a reader sees old or new. */
void tp_linkd_publish(struct tp_linkd *d)
{
	struct tp_node *n = d->node;
	unsigned at = n->count;
	bool full = false;
	if (!n->reg)
		return;
	for (unsigned i = 0; i < d->n; i++) {
		const struct tp_lpeer *p = &d->peer[i];
		for (unsigned k = 0; k < p->n_actors; k++) {
			if (at == TP_REG_MAX) {
				full = true;
				break;
			}
			struct tp_reg_entry e = n->ent[p->obx];
			snprintf(e.name, sizeof e.name, "%s", p->actors[k]);
			e.since_ns = tp_now_ns();
			tp_registry_put(n->reg, at++, &e);
		}
	}
	if (full)
		tp_dmsg("link: registry full: some remote actors are not reachable "
			"(at most %d entries)", TP_REG_MAX);
	tp_registry_set_count(n->reg, at);
	d->reg_count = at;
}

bool tp_linkd_knows(const struct tp_lpeer *p, const char *actor)
{
	for (unsigned k = 0; k < p->n_actors; k++)
		if (strcmp(p->actors[k], actor) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- notices */

/* Largest daemon mail: an envelope with two names and a small payload. */
#define DAEMON_MAIL_MAX 512

int tp_linkd_daemon_send_bytes(struct tp_linkd *d, struct tp_lpeer *p, const char *sender,
			       const char *dest, uint32_t type, const uint8_t *pl, size_t len)
{
	uint8_t buf[DAEMON_MAIL_MAX];
	if (!p || p->state != TP_LPEER_UP || p->c.link.version < 2)
		return -TP_ECLOSED;
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = TP_PRIO_NORMAL,
			      .type = type, .sent_ns = (uint64_t)tp_now_ns() };
	snprintf(env.sender, sizeof env.sender, "%s", sender);
	snprintf(env.dest, sizeof env.dest, "%s", dest);
	int off = tp_env_encode_head(buf, sizeof buf, &env);
	if (off < 0)
		return off;
	if (len > sizeof buf - (size_t)off)
		return -TP_ETOOBIG;
	memcpy(buf + off, pl, len);
	tp_env_set_len(buf, (uint32_t)len);
	int rc = tp_link_queue_push(&p->q, buf, (size_t)off + len);
	if (rc)
		return rc;
	tp_linkd_flush_queue(d, p);
	return 0;
}

int tp_linkd_daemon_send(struct tp_linkd *d, struct tp_lpeer *p, const char *sender,
			 const char *dest, uint32_t type, const pb_msgdesc_t *fields,
			 const void *msg)
{
	uint8_t pl[DAEMON_MAIL_MAX / 2];
	pb_ostream_t os = pb_ostream_from_buffer(pl, sizeof pl);
	if (!pb_encode(&os, fields, msg))
		return -TP_EENCODE;
	return tp_linkd_daemon_send_bytes(d, p, sender, dest, type, pl, os.bytes_written);
}

static void notice_count(struct tp_lpeer *p, int rc, const char *to)
{
	if (!rc) {
		p->notices++;
		return;
	}
	p->notices_lost++;
	if (LOG_EVERY(p->notices_lost))
		tp_dmsg("link %s: cannot tell %s what became of its mail: %s (%llu so far)",
			p->conf->name, to, tp_strerror(rc),
			(unsigned long long)p->notices_lost);
}

void tp_linkd_tell_local(struct tp_linkd *d, struct tp_lpeer *p, const char *to,
			 uint32_t type, const uint8_t *pl, int len)
{
	int i = tp_deliver_find(d->node, to);
	int rc = i < 0 ? -TP_ENOENT : len < 0 ? len :
		 tp_deliver_bytes(d->node, (unsigned)i, TP_DAEMON_NAME, type, 0, 0, pl,
				  (size_t)len);
	notice_count(p, rc, to);
}

void tp_linkd_far_names(const struct tp_linkd *d, const struct tp_env *env,
			char to[TP_ENV_NAME_MAX + 1], char dest[TP_ENV_NAME_MAX + 1])
{
	snprintf(to, TP_ENV_NAME_MAX + 1, "%s", env->sender);
	char *at = strchr(to, '@');
	if (at)
		*at = '\0';
	snprintf(dest, TP_ENV_NAME_MAX + 1, "%.31s@%.31s", env->dest, d->topo->node.name);
}

void tp_linkd_tell_remote(struct tp_linkd *d, struct tp_lpeer *p, const char *to,
			  uint32_t type, const uint8_t *pl, int len)
{
	notice_count(p, len < 0 ? len : tp_linkd_daemon_send_bytes(d, p, TP_DAEMON_NAME, to,
			type, pl, (size_t)len), to);
}

void tp_linkd_notice_local(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env,
			   const char *dest, enum tp_undeliverable_reason why, int err)
{
	uint8_t pl[DAEMON_MAIL_MAX];
	if (tp_notice_wanted(env))
		tp_linkd_tell_local(d, p, env->sender, troupe_Undeliverable_msgid, pl,
				    tp_notice_payload(pl, sizeof pl, env, dest, why, err));
}

void tp_linkd_notice_remote(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env,
			    enum tp_undeliverable_reason why, int err)
{
	char to[TP_ENV_NAME_MAX + 1], dest[TP_ENV_NAME_MAX + 1];
	uint8_t pl[DAEMON_MAIL_MAX / 2];
	if (!tp_notice_wanted(env))
		return;
	tp_linkd_far_names(d, env, to, dest);
	tp_linkd_tell_remote(d, p, to, troupe_Undeliverable_msgid, pl,
			     tp_notice_payload(pl, sizeof pl, env, dest, why, err));
}

/* ---------------------------------------------------------------- outgoing */

static void linkd_undeliverable(struct tp_lpeer *p, const char *why, const char *dest,
				int err)
{
	p->undeliverable++;
	if (LOG_EVERY(p->undeliverable))
		tp_dmsg("link %s: mail for %s not sent: %s (%s; %llu so far)",
			p->conf->name, dest, why, tp_strerror(err),
			(unsigned long long)p->undeliverable);
}

static void linkd_dropped(void *ctx, const uint8_t *msg, size_t len)
{
	struct tp_lpeer *p = ctx;
	(void)msg; (void)len;
	linkd_undeliverable(p, "queue full, dropped the oldest", "the peer", -TP_EFULL);
}

/* A peer that agreed a link version before TP_LINK_VERSION_CORR64 reads
 * envelope versions 2 and 3 only: m goes to it rewritten as one of those
 * (the low 32 bits of its corr; a reply restores the rest from the call
 * that went out: tp_linkd_call_in).  Returns the bytes to seal and sets
 * *out_len, or NULL with *err set. */
static const uint8_t *linkd_for_peer(struct tp_linkd *d, struct tp_lpeer *p,
				     const uint8_t *m, size_t len, size_t *out_len, int *err)
{
	*out_len = len;
	/* A foreign client's version 2 or 3 goes on as it is. */
	if (p->c.link.version >= TP_LINK_VERSION_CORR64 || m[0] != TP_ENV_VERSION)
		return m;
	if (len > d->down_cap) {
		uint8_t *b = realloc(d->down, len);
		if (!b) {
			*err = -TP_ENOMEM;
			return NULL;
		}
		d->down = b;
		d->down_cap = len;
	}
	int n = tp_env_downgrade(m, len, d->down, d->down_cap);
	if (n < 0) {
		*err = n;
		return NULL;
	}
	*out_len = (size_t)n;
	return d->down;
}

/* Seals one queued envelope m (the queue's own bytes) into the link.  The
 * other node's monotonic clock is not ours, so the envelope goes with its
 * age instead of its send time (docs/WIRE.md, rules for mail); the
 * receiving daemon stamps it back onto its own clock. */
static int linkd_seal(struct tp_linkd *d, struct tp_lpeer *p, uint8_t *m, size_t len,
		      uint64_t dseq, int64_t *now)
{
	struct tp_mailbox *obx = &d->node->box[p->obx];
	uint64_t sent = len >= TP_ENV_HDR_LEN ? tp_env_sent(m) : 0;
	if (len >= TP_ENV_HDR_LEN)
		tp_linkd_delivered_out(d, p, m, len);
	/* The caller's reading serves a burst, read again only for mail
	 * sent after it (a VM's clock is dear: one reading per message was
	 * a few per cent of the daemon). */
	if (sent > (uint64_t)*now)
		*now = tp_now_ns();
	int64_t age = tp_latency_ns(sent, *now);
	if (sent)
		tp_env_set_sent(m, age > 0 ? (uint64_t)age : 1);
	size_t out_len;
	int rc = 0;
	const uint8_t *out = linkd_for_peer(d, p, m, len, &out_len, &rc);
	if (out)
		rc = tp_link_send_mail_seq(&p->c.link, dseq, out, out_len);
	/* The queue keeps the send time: sealed later, or sent again after
	 * a reconnect, the message is aged then. */
	if (sent)
		tp_env_set_sent(m, sent);
	if (rc == 0)   /* the outbox's latency: until its mail leaves the node */
		tp_mailbox_latency(obx, age);
	if (rc != -TP_EFULL)
		tp_mailbox_trace(obx, TP_TRACE_LINK_OUT, m, len, rc, age);
	return rc;
}

/* Seals queued mail into the link, oldest first, while it has room;
 * *now: a clock reading, renewed by linkd_seal when it is too old. */
static void linkd_flush(struct tp_linkd *d, struct tp_lpeer *p, int64_t *now)
{
	const uint8_t *m;
	size_t len;
	uint64_t seq = 0;
	/* Version 4: nothing goes before the peer's RESUME says where it
	 * stands; each message stays queued until acknowledged. */
	bool numbered = p->c.link.version >= TP_LINK_VERSION_DSEQ;
	if (p->state != TP_LPEER_UP || !p->resumed)
		return;
	while ((len = numbered ? tp_link_queue_next(&p->q, &m, &seq)
			       : tp_link_queue_peek(&p->q, &m)) > 0) {
		int rc = linkd_seal(d, p, (uint8_t *)m, len, seq, now);
		if (rc == -TP_EFULL)
			break;   /* written out first; flushed again after */
		if (rc) {
			struct tp_env env;
			bool ok = tp_env_decode(m, len, len, &env) == 0;
			linkd_undeliverable(p, "does not fit a link frame",
					    ok ? env.dest : "the peer", rc);
			if (ok)
				tp_linkd_notice_local(d, p, &env, env.dest,
						      TP_UNDELIVERABLE_TOO_BIG, rc);
		}
		/* A message that never went (too big) behind unacknowledged
		 * ones stays as a gap in the numbering until they are acked. */
		if (numbered && (rc == 0 || p->q.st.unacked))
			tp_link_queue_sent(&p->q);
		else
			tp_link_queue_pop(&p->q);
	}
	/* Room again: take mail from the outbox (block policy stops it). */
	if (!p->outbox_on && tp_link_queue_count(&p->q) < p->q.max_msgs)
		tp_linkd_outbox_arm(d, p, true);
}

void tp_linkd_flush_queue(struct tp_linkd *d, struct tp_lpeer *p)
{
	if (p->state != TP_LPEER_UP)
		return;
	int64_t now = tp_now_ns();
	linkd_flush(d, p, &now);
}

/* Checks one envelope env from the outbox: for an actor of this peer. */
static int linkd_check_out(struct tp_lpeer *p, struct tp_env *env)
{
	char *at = strchr(env->dest, '@');
	if (!at || strcmp(at + 1, p->conf->name) != 0)
		return -TP_EINVAL;
	/* Only this daemon speaks as TP_DAEMON_NAME on a link. */
	if (!tp_name_is_valid(env->sender))
		return -TP_EPERM;
	*at = '\0';
	/* The peer's daemon is reached through the outbox by topic mail
	 * (tp_linkd_topic_out took that) and by replies to its calls (a
	 * troupectl call across the link); our daemon says the rest itself. */
	if (!(env->flags & TP_ENV_F_REPLY) && strcmp(env->dest, TP_DAEMON_NAME) == 0)
		return -TP_ENOENT;
	/* A reply may go to any actor that asked; other mail only to actors
	 * the peer exports (it went stale after we sent it). */
	if (!(env->flags & TP_ENV_F_REPLY) && p->n_actors && !tp_linkd_knows(p, env->dest))
		return -TP_ENOENT;
	return 0;
}

/* "actor@peer", as the sender of env named its destination; formatted
 * only for a notice (a stream pays no snprintf per message). */
static const char *linkd_dest(char buf[TP_ENV_NAME_MAX + 1], const struct tp_env *env,
			      const struct tp_lpeer *p)
{
	snprintf(buf, TP_ENV_NAME_MAX + 1, "%.31s@%.31s", env->dest, p->conf->name);
	return buf;
}

/* Takes mail from p's outbox into its queue, then the link. */
void tp_linkd_drain(struct tp_linkd *d, struct tp_lpeer *p)
{
	struct tp_mailbox *obx = &d->node->box[p->obx];
	struct tp_env env;
	int64_t now = tp_now_ns();   /* for the burst: see linkd_seal */
	for (int burst = 0; burst < 64; burst++) {
		if (p->q.policy == TP_FULL_BLOCK &&
		    tp_link_queue_count(&p->q) >= p->q.max_msgs) {
			/* Senders now block on the outbox, up to their deadlines. */
			tp_linkd_outbox_arm(d, p, false);
			break;
		}
		int bad, len = tp_mailbox_recv(obx, d->buf, obx->msg_max, 0, &env, &bad);
		if (len < 0)
			break;
		if (bad)
			memset(&env, 0, sizeof env);
		else if (tp_linkd_topic_out(d, p, &env)) {
			linkd_flush(d, p, &now);
			continue;
		}
		int rc = bad ? bad : linkd_check_out(p, &env);
		char dest[TP_ENV_NAME_MAX + 1];   /* as the sender named it, for a notice */
		if (rc && !bad)
			tp_mailbox_discard(obx);   /* taken out, not sent on */
		if (rc) {
			linkd_undeliverable(p, rc == -TP_ENOENT ? "no such actor there" :
					    rc == -TP_EPERM ? "sender is no actor"
					    : "malformed envelope", env.dest, rc);
			/* Malformed mail has no sender worth believing. */
			if (rc == -TP_ENOENT)
				tp_linkd_notice_local(d, p, &env, linkd_dest(dest, &env, p),
						      TP_UNDELIVERABLE_NOPROC, rc);
			continue;
		}
		if (env.flags & TP_ENV_F_REQUEST)
			tp_linkd_call_out(p, &env);
		rc = tp_link_queue_push(&p->q, d->buf, (size_t)len);
		if (rc) {
			tp_mailbox_discard(obx);
			linkd_undeliverable(p, "link queue full", env.dest, rc);
			tp_linkd_notice_local(d, p, &env, linkd_dest(dest, &env, p),
					      TP_UNDELIVERABLE_QUEUE_FULL, rc);
		}
		linkd_flush(d, p, &now);
	}
	tp_linkd_write(d, p);
}

/* ---------------------------------------------------------------- incoming */

static void linkd_refuse(struct tp_lpeer *p, const struct tp_env *env, const char *why)
{
	char note[64];
	p->refused++;
	if (tp_log_limit(&p->refuse_log, tp_now_ns(), note, sizeof note))
		tp_dmsg("link %s: refused mail from %s to %s: %s (%llu so far)%s",
			p->conf->name, env->sender, env->dest, why,
			(unsigned long long)p->refused, note);
}

/* Held mail (link_hold.h) is tried again as its backoff says: no
 * transport can tell us when room comes (senders block inside send, and
 * the daemon never blocks).  Once it has waited link_hold_ms, the last try
 * is a send that counts it rejected when the mailbox is still full, and
 * its sender is told, as a local sender is at its deadline. */
void tp_linkd_held_retry(struct tp_linkd *d, struct tp_lpeer *p, int64_t now)
{
	struct tp_node *n = d->node;
	int k;
	bool told = false;
	/* Each turn delivers a slot, gives it up or backs it off past now. */
	for (unsigned turn = 0; turn < 2 * TP_LINKD_HOLD &&
	     (k = tp_link_hold_due(&p->hold, now)) >= 0; turn++) {
		struct tp_link_hold_slot *s = &p->hold.slot[k];
		struct tp_mailbox *box = &n->box[tp_link_hold_dest_of(&p->hold, k)];
		bool last = tp_link_hold_expired(&p->hold, k, now);
		int rc = last ? tp_mailbox_send(box, s->buf, s->len, s->prio, 0, TP_VIA_LINK)
			      : tp_mailbox_try(box, s->buf, s->len, s->prio, TP_VIA_LINK);
		if (rc == -TP_EFULL && !last) {
			tp_link_hold_backoff(&p->hold, k, now);
			continue;
		}
		if (rc) {
			struct tp_env env;
			if (tp_env_decode(s->buf, s->len, s->len, &env) == 0) {
				linkd_refuse(p, &env, rc == -TP_EFULL ? "its mailbox stayed full"
					     : tp_strerror(rc));
				tp_linkd_notice_remote(d, p, &env, rc == -TP_EFULL ?
						       TP_UNDELIVERABLE_MAILBOX_FULL :
						       TP_UNDELIVERABLE_FAILED, rc);
				told = true;
			}
		} else {
			told |= tp_linkd_delivered_held(d, p, s->buf, s->len);
		}
		tp_link_hold_done(&p->hold, k, rc == 0);
	}
	if (told)
		tp_linkd_write(d, p);
}

/* Mail held for mailbox i goes in first, as far as the mailbox has room
 * now: a receiver that has taken mail since the last retry gets the rest
 * at once, not at the next backoff (at a link's rate the window fills in
 * well under a millisecond, and mail that finds it full is refused).
 * Errors other than a full mailbox are the retry's to tell.  True when
 * mail still waits for i. */
static bool linkd_held_first(struct tp_linkd *d, struct tp_lpeer *p, int i)
{
	struct tp_mailbox *box = &d->node->box[i];
	int k;
	while ((k = tp_link_hold_head(&p->hold, i)) >= 0) {
		struct tp_link_hold_slot *s = &p->hold.slot[k];
		if (tp_mailbox_try(box, s->buf, s->len, s->prio, TP_VIA_LINK))
			return true;
		tp_linkd_delivered_held(d, p, s->buf, s->len);
		tp_link_hold_done(&p->hold, k, true);
	}
	return false;
}

void tp_linkd_mail_in(struct tp_linkd *d, struct tp_lpeer *p,
		      const struct tp_link_event *ev, int64_t now)
{
	struct tp_node *n = d->node;
	struct tp_env env = ev->env;
	char *at = strchr(env.dest, '@');
	if (at)
		*at = '\0';
	if (!strchr(env.sender, '@')) {
		size_t sl = strlen(env.sender), nl = strlen(p->conf->name);
		if (sl + 1 + nl < sizeof env.sender) {   /* per message: no snprintf */
			env.sender[sl] = '@';
			memcpy(env.sender + sl + 1, p->conf->name, nl + 1);
		} else {
			snprintf(env.sender + sl, sizeof env.sender - sl, "@%s", p->conf->name);
		}
	}
	/* Topic mail (envelope version 3) never goes straight into a mailbox:
	 * the import rules, then our own fan-out. */
	if (env.topic[0]) {
		tp_linkd_topic_mail_in(d, p, &env);
		return;
	}
	if (tp_linkd_mon_in(d, p, &env))
		return;
	int i = tp_deliver_find(n, env.dest);
	/* The answer to a troupectl call across the link goes to the daemon's
	 * own mailbox, where the control socket takes it (if it answers a
	 * call that went out on this link: below). */
	if (i < 0 && (env.flags & TP_ENV_F_REPLY) && strcmp(env.dest, TP_DAEMON_NAME) == 0)
		i = (int)TP_NODE_DAEMON(n);
	if (i < 0) {
		linkd_refuse(p, &env, "no such actor");
		tp_linkd_notice_remote(d, p, &env, TP_UNDELIVERABLE_NOPROC, -TP_ENOENT);
		return;
	}
	/* A reply passes the export rules only as the answer to a call that
	 * went out on this link; anything else claiming to be one is dropped
	 * without a notice (nobody asked). */
	if ((env.flags & TP_ENV_F_REPLY) && !tp_linkd_call_in(p, &env)) {
		p->forged++;
		linkd_refuse(p, &env, "a reply to no call that went out on this link");
		return;
	}
	if (!(env.flags & TP_ENV_F_REPLY) &&
	    !tp_link_access_may_send(&d->acc, p->conf->name, env.dest)) {
		linkd_refuse(p, &env, "not exported to this node");
		tp_linkd_notice_remote(d, p, &env, TP_UNDELIVERABLE_NOT_EXPORTED, -TP_EPERM);
		return;
	}
	/* The peer sent the message's age (see linkd_seal): back onto our
	 * clock, so that the receiver's latency covers both nodes' queues. */
	env.sent_ns = tp_sent_from_age(env.sent_ns, now);
	size_t cap = n->ent[i].msg_max < d->buf_cap ? n->ent[i].msg_max : d->buf_cap;
	uint8_t *m = d->buf;
	int off = tp_env_encode_head(m, cap, &env);
	if (off < 0 || env.payload_len > cap - (size_t)off) {
		linkd_refuse(p, &env, "larger than its mailbox");
		tp_linkd_notice_remote(d, p, &env, TP_UNDELIVERABLE_TOO_BIG, -TP_ETOOBIG);
		return;
	}
	memcpy(m + off, env.payload, env.payload_len);
	tp_env_set_len(m, env.payload_len);
	size_t len = (size_t)off + env.payload_len;
	struct tp_mailbox *box = &n->box[i];
	/* A full mailbox that blocks its senders holds the mail here, in its
	 * own window (tp_linkd_held_retry tries again as a sender would
	 * wait), while the link goes on reading: heartbeats and the other
	 * mailboxes' mail must not wait for this one.  Mail already held for
	 * it goes first: new mail goes behind, never past it. */
	bool block = (unsigned)i < d->topo->n_actors &&
		     d->topo->actors[i].when_full == TP_FULL_BLOCK;
	bool behind = tp_link_hold_count(&p->hold, i) > 0 && linkd_held_first(d, p, i);
	int rc = behind ? -TP_EFULL :
		 block ? tp_mailbox_try(box, m, len, env.prio, TP_VIA_LINK)
		       : tp_mailbox_send(box, m, len, env.prio, 0, TP_VIA_LINK);
	if (rc == -TP_EFULL && (block || behind)) {
		/* Numbered mail is not complete, nor acknowledged, while held. */
		if (tp_link_hold_put_seq(&p->hold, i, m, len, env.prio, now, ev->dseq) == 0)
			return;
		/* Its window is full: refused now, as a full reject mailbox
		 * refuses, so that its senders learn it and nobody else's
		 * mail waits for it. */
		tp_mailbox_reject(box, m, len, TP_VIA_LINK);
	}
	if (rc) {
		linkd_refuse(p, &env, tp_strerror(rc));
		tp_linkd_notice_remote(d, p, &env, rc == -TP_EFULL ? TP_UNDELIVERABLE_MAILBOX_FULL :
			      TP_UNDELIVERABLE_FAILED, rc);
	} else {
		tp_linkd_delivered_remote(d, p, &env);
	}
}

/* ---------------------------------------------------------------- control */

int tp_linkd_send(struct tp_linkd *d, const char *node, const uint8_t *msg,
		  size_t len)
{
	int pi = tp_linkd_find(d, node);
	if (pi < 0)
		return -TP_ENOENT;
	struct tp_lpeer *p = &d->peer[pi];
	struct tp_env env;
	/* A request's reply is let in only as the answer to a call that
	 * went out on this link (sender and dest as linkd_check_out makes
	 * them: the callee without "@node"). */
	if (tp_env_decode(msg, len, len, &env) == 0 && (env.flags & TP_ENV_F_REQUEST)) {
		char *at = strchr(env.dest, '@');
		if (at)
			*at = '\0';
		tp_linkd_call_out(p, &env);
	}
	int rc = tp_link_queue_push(&p->q, msg, len);
	if (rc)
		return rc;
	tp_linkd_flush_queue(d, p);
	tp_linkd_write(d, p);
	return 0;
}

void tp_linkd_queue_hooks(struct tp_lpeer *p)
{
	tp_link_queue_on_drop(&p->q, linkd_dropped, p);
}
