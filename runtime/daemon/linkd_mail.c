/* Node links, the mail (see linkd.h): outboxes into the link (through
 * the bounded queue, so that order holds across a reconnect), incoming
 * mail into local mailboxes after the export check, the peers' actors in
 * the registry, and the monitors of remote actors. */
#include <stdio.h>
#include <string.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "monitor.pb.h"
#include "clock.h"
#include "deliver.h"
#include "dmsg.h"
#include "linkd.h"

#define MS 1000000LL
#define HELD_RETRY_MS 1
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

static bool linkd_knows(const struct tp_lpeer *p, const char *actor)
{
	for (unsigned k = 0; k < p->n_actors; k++)
		if (strcmp(p->actors[k], actor) == 0)
			return true;
	return false;
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

/* A trace event for the envelope m (decoded only while tracing). */
static void linkd_trace(struct tp_node *n, enum tp_trace_kind kind, const uint8_t *m,
			size_t len, int rc, int64_t lat)
{
	struct tp_env env;
	if (tp_env_decode(m, len, len, &env) == 0)
		tp_trace_put(n->ctr, kind, env.sender, env.dest, env.type,
			     env.payload_len, rc, lat);
}

/* Seals one queued envelope m (the queue's own bytes) into the link.  The
 * other node's monotonic clock is not ours, so the envelope goes with its
 * age instead of its send time (docs/WIRE.md, rules for mail); the
 * receiving daemon stamps it back onto its own clock. */
static int linkd_seal(struct tp_linkd *d, struct tp_lpeer *p, uint8_t *m, size_t len)
{
	struct tp_node *n = d->node;
	uint64_t sent = len >= TP_ENV_HDR_LEN ? tp_env_sent(m) : 0;
	int64_t now = tp_now_ns(), age = tp_latency_ns(sent, now);
	if (sent)
		tp_env_set_sent(m, age > 0 ? (uint64_t)age : 1);
	int rc = tp_link_send_mail(&p->c.link, m, len);
	if (rc == -TP_EFULL && sent)
		tp_env_set_sent(m, sent);   /* sealed later, aged then */
	if (rc == 0)   /* the outbox's latency: until its mail leaves the node */
		tp_counters_latency(n->ctr, p->obx, age);
	if (rc != -TP_EFULL && tp_tracing(n->ctr))
		linkd_trace(n, TP_TRACE_LINK_OUT, m, len, rc, age);
	return rc;
}

/* Seals queued mail into the link, oldest first, while it has room. */
void tp_linkd_flush_queue(struct tp_linkd *d, struct tp_lpeer *p)
{
	const uint8_t *m;
	size_t len;
	if (p->state != TP_LPEER_UP)
		return;
	while ((len = tp_link_queue_peek(&p->q, &m)) > 0) {
		int rc = linkd_seal(d, p, (uint8_t *)m, len);
		if (rc == -TP_EFULL)
			break;   /* written out first; flushed again after */
		if (rc)
			linkd_undeliverable(p, "does not fit a link frame", "the peer", rc);
		tp_link_queue_pop(&p->q);
	}
	/* Room again: take mail from the outbox (block policy stops it). */
	if (!p->outbox_on && tp_link_queue_count(&p->q) < p->q.max_msgs)
		tp_linkd_outbox_arm(d, p, true);
}

/* Checks one envelope from the outbox: for an actor of this peer. */
static int linkd_check_out(struct tp_lpeer *p, const uint8_t *m, size_t len,
			   struct tp_env *env, size_t cap)
{
	int rc = tp_env_decode(m, len, cap, env);
	if (rc)
		return rc;
	char *at = strchr(env->dest, '@');
	if (!at || strcmp(at + 1, p->conf->name) != 0)
		return -TP_EINVAL;
	*at = '\0';
	/* A reply may go to any actor that asked; other mail only to actors
	 * the peer exports (it went stale after we sent it). */
	if (!(env->flags & TP_ENV_F_REPLY) && p->n_actors && !linkd_knows(p, env->dest))
		return -TP_ENOENT;
	return 0;
}

/* Takes mail from p's outbox into its queue, then the link. */
void tp_linkd_drain(struct tp_linkd *d, struct tp_lpeer *p)
{
	struct tp_node *n = d->node;
	struct tp_env env;
	for (int burst = 0; burst < 64; burst++) {
		if (p->q.policy == TP_FULL_BLOCK &&
		    tp_link_queue_count(&p->q) >= p->q.max_msgs) {
			/* Senders now block on the outbox, up to their deadlines. */
			tp_linkd_outbox_arm(d, p, false);
			break;
		}
		int len = n->tr[p->obx]->recv(n->mbox[p->obx], d->buf, n->ent[p->obx].msg_max,
					      NULL, 0);
		if (len < 0)
			break;
		int rc = linkd_check_out(p, d->buf, (size_t)len, &env, n->ent[p->obx].msg_max);
		if (rc) {
			linkd_undeliverable(p, rc == -TP_ENOENT ? "no such actor there"
					    : "malformed envelope", env.dest, rc);
			continue;
		}
		rc = tp_link_queue_push(&p->q, d->buf, (size_t)len);
		if (rc)
			linkd_undeliverable(p, "link queue full", env.dest, rc);
		if (p->state == TP_LPEER_UP)
			tp_linkd_flush_queue(d, p);
	}
	tp_linkd_write(d, p);
}

/* ---------------------------------------------------------------- incoming */

/* Puts p->held into its mailbox; true when it went (or was given up). */
bool tp_linkd_held_retry(struct tp_linkd *d, struct tp_lpeer *p)
{
	struct tp_node *n = d->node;
	unsigned i = (unsigned)p->held_to;
	int rc = n->tr[i]->send(n->mbox[i], p->held, p->held_len, 1, 0);
	if (rc == -TP_EFULL) {
		p->held_retry = tp_now_ns() + HELD_RETRY_MS * MS;
		return false;
	}
	if (tp_tracing(n->ctr))
		linkd_trace(n, TP_TRACE_LINK_IN, p->held, p->held_len, rc,
			    tp_latency_ns(tp_env_sent(p->held), tp_now_ns()));
	if (rc)
		tp_dmsg("link %s: mail for %s dropped: %s", p->conf->name,
			n->ent[i].name, tp_strerror(rc));
	p->held_len = 0;
	p->c.paused = false;
	return true;
}

static void linkd_refuse(struct tp_lpeer *p, const struct tp_env *env, const char *why)
{
	p->refused++;
	if (LOG_EVERY(p->refused))
		tp_dmsg("link %s: refused mail from %s to %s: %s (%llu so far)",
			p->conf->name, env->sender, env->dest, why,
			(unsigned long long)p->refused);
}

void tp_linkd_mail_in(struct tp_linkd *d, struct tp_lpeer *p,
		      const struct tp_link_event *ev)
{
	struct tp_node *n = d->node;
	struct tp_env env = ev->env;
	char *at = strchr(env.dest, '@');
	if (at)
		*at = '\0';
	if (!strchr(env.sender, '@')) {
		size_t sl = strlen(env.sender);
		snprintf(env.sender + sl, sizeof env.sender - sl, "@%s", p->conf->name);
	}
	int i = tp_deliver_find(n, env.dest);
	if (i < 0) {
		linkd_refuse(p, &env, "no such actor");
		return;
	}
	if (!(env.flags & TP_ENV_F_REPLY) &&
	    !tp_link_access_may_send(&d->acc, p->conf->name, env.dest)) {
		linkd_refuse(p, &env, "not exported to this node");
		return;
	}
	/* The peer sent the message's age (see linkd_seal): back onto our
	 * clock, so that the receiver's latency covers both nodes' queues. */
	int64_t now = tp_now_ns();
	int64_t age = !env.sent_ns ? -1 : env.sent_ns > INT64_MAX ? INT64_MAX
						: (int64_t)env.sent_ns;
	env.sent_ns = age < 0 ? 0 : age < now ? (uint64_t)(now - age) : 1;
	size_t cap = n->ent[i].msg_max < d->buf_cap ? n->ent[i].msg_max : d->buf_cap;
	int off = tp_env_encode_head(p->held, cap, &env);
	if (off < 0 || env.payload_len > cap - (size_t)off) {
		linkd_refuse(p, &env, "larger than its mailbox");
		return;
	}
	memcpy(p->held + off, env.payload, env.payload_len);
	tp_env_set_len(p->held, env.payload_len);
	p->held_len = (size_t)off + env.payload_len;
	p->held_to = i;
	int rc = n->tr[i]->send(n->mbox[i], p->held, p->held_len, env.prio, 0);
	if (rc == -TP_EFULL && d->topo->actors[i].when_full == TP_FULL_BLOCK) {
		/* Stop reading the link: TCP pushes back on the peer, as a
		 * local sender would block. */
		p->held_retry = tp_now_ns() + HELD_RETRY_MS * MS;
		return;
	}
	if (tp_tracing(n->ctr))
		tp_trace_put(n->ctr, TP_TRACE_LINK_IN, env.sender, env.dest, env.type,
			     env.payload_len, rc, age);
	p->held_len = 0;
	if (rc)
		linkd_refuse(p, &env, tp_strerror(rc));
}

/* ---------------------------------------------------------------- monitors */

static void linkd_down(struct tp_linkd *d, unsigned to, const char *actor,
		       const char *node, troupe_Down_Reason why)
{
	troupe_Down dn = troupe_Down_init_zero;
	snprintf(dn.name, sizeof dn.name, "%s@%s", actor, node);
	dn.reason = why;
	int rc = tp_deliver_msg(d->node, to, troupe_Down_msgid, troupe_Down_fields, &dn);
	if (rc)
		tp_dmsg("cannot tell %s that %s is down: %s", d->node->ent[to].name,
			dn.name, tp_strerror(rc));
}

void tp_linkd_link_down(struct tp_linkd *d, struct tp_lpeer *p)
{
	unsigned pi = (unsigned)(p - d->peer);
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (!r->used || r->peer != pi)
			continue;
		r->used = false;   /* a monitor fires once */
		linkd_down(d, r->watcher, r->actor, p->conf->name,
			   troupe_Down_Reason_NOCONNECTION);
	}
}

int tp_linkd_monitor(void *arg, unsigned from, const char *name, bool demonitor)
{
	struct tp_linkd *d = arg;
	char actor[TP_NAME_MAX + 1];
	const char *at = strchr(name, '@');
	if (!at || (size_t)(at - name) > TP_NAME_MAX)
		return -TP_EINVAL;
	memcpy(actor, name, (size_t)(at - name));
	actor[at - name] = '\0';
	int pi = tp_linkd_find(d, at + 1);
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (r->used && r->watcher == from && (int)r->peer == pi &&
		    strcmp(r->actor, actor) == 0) {
			if (demonitor)
				r->used = false;
			return 0;
		}
	}
	if (demonitor)
		return 0;
	if (pi < 0) {
		linkd_down(d, from, actor, at + 1, troupe_Down_Reason_NOPROC);
		return 0;
	}
	struct tp_lpeer *p = &d->peer[pi];
	if (p->state != TP_LPEER_UP) {
		linkd_down(d, from, actor, at + 1, troupe_Down_Reason_NOCONNECTION);
		return 0;
	}
	if (!linkd_knows(p, actor)) {
		linkd_down(d, from, actor, at + 1, troupe_Down_Reason_NOPROC);
		return 0;
	}
	for (unsigned k = 0; k < TP_LINKD_RMON; k++)
		if (!d->rmon[k].used) {
			d->rmon[k] = (struct tp_linkd_rmon){ true, from, (unsigned)pi, "" };
			snprintf(d->rmon[k].actor, sizeof d->rmon[k].actor, "%s", actor);
			return 0;
		}
	return -TP_ELIMIT;
}

void tp_linkd_actor_exit(void *arg, unsigned i, int status, bool failed)
{
	struct tp_linkd *d = arg;
	tp_monitors_exit(d->mon, i, status, failed);
	for (unsigned k = 0; k < TP_LINKD_RMON; k++)
		if (d->rmon[k].used && d->rmon[k].watcher == i)
			d->rmon[k].used = false;
}

/* ---------------------------------------------------------------- control */

int tp_linkd_send(struct tp_linkd *d, const char *node, const uint8_t *msg,
		  size_t len)
{
	int pi = tp_linkd_find(d, node);
	if (pi < 0)
		return -TP_ENOENT;
	struct tp_lpeer *p = &d->peer[pi];
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
