/* Node links, the monitors (see linkd.h).  Both halves of a monitor of a
 * remote actor:
 *   the watcher's node keeps rmon (who watches which actor of which peer),
 *   forwards Monitor and Demonitor to the peer, passes the peer's Down on,
 *   and says Down `noconnection` itself when the link drops;
 *   the watched actor's node keeps each peer's imon (which of its actors
 *   a peer's actor watches: only exported ones, TP_LINKD_IMON per peer)
 *   and sends Down across the link at each end of the actor's process.
 * Both forget a peer's monitors when its link drops, so nothing outlives
 * the link.  Forwarding needs link version 2; on a version-1 link only
 * `noconnection` is told, as before. */
#include <stdio.h>
#include <string.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "ctlpath.h"
#include "monitor.pb.h"
#include "topic.pb.h"
#include "node_deliver.h"
#include "log_dmsg.h"
#include "linkd-internal.h"

static void mon_down(struct tp_linkd *d, unsigned to, const char *actor,
		     const char *node, troupe_Down *dn)
{
	snprintf(dn->name, sizeof dn->name, "%s@%s", actor, node);
	int rc = tp_deliver_msg(d->node, to, troupe_Down_msgid, troupe_Down_fields, dn);
	if (rc)
		tp_dmsg("cannot tell %s that %s is down: %s", d->node->ent[to].name,
			dn->name, tp_strerror(rc));
}

static void mon_down_why(struct tp_linkd *d, unsigned to, const char *actor,
			 const char *node, troupe_Down_Reason why)
{
	troupe_Down dn = troupe_Down_init_zero;
	dn.reason = why;
	mon_down(d, to, actor, node, &dn);
}

/* Monitor or Demonitor of the peer's actor, for our watcher. */
static int mon_forward(struct tp_linkd *d, struct tp_lpeer *p, unsigned watcher,
		       const char *actor, bool demonitor)
{
	troupe_Monitor m = troupe_Monitor_init_zero;
	snprintf(m.name, sizeof m.name, "%s", actor);
	return tp_linkd_daemon_send(d, p, d->node->ent[watcher].name, TP_DAEMON_NAME,
				    demonitor ? troupe_Demonitor_msgid : troupe_Monitor_msgid,
				    troupe_Monitor_fields, &m);
}

void tp_linkd_link_down(struct tp_linkd *d, struct tp_lpeer *p)
{
	unsigned pi = (unsigned)(p - d->peer);
	p->n_imon = 0;   /* its actors watch ours no more */
	tp_linkd_topics_down(d, p);
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (!r->used || r->peer != pi)
			continue;
		r->used = false;   /* a monitor fires once */
		mon_down_why(d, r->watcher, r->actor, p->conf->name,
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
	struct tp_lpeer *p = pi < 0 ? NULL : &d->peer[pi];
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (r->used && r->watcher == from && (int)r->peer == pi &&
		    strcmp(r->actor, actor) == 0) {
			if (demonitor) {
				r->used = false;
				if (mon_forward(d, p, from, actor, true) == 0)
					tp_linkd_write(d, p);
			}
			return 0;
		}
	}
	if (demonitor)
		return 0;
	if (!p) {
		mon_down_why(d, from, actor, at + 1, troupe_Down_Reason_NOPROC);
		return 0;
	}
	if (p->state != TP_LPEER_UP) {
		mon_down_why(d, from, actor, at + 1, troupe_Down_Reason_NOCONNECTION);
		return 0;
	}
	if (!tp_linkd_knows(p, actor)) {   /* absent, or not exported to us */
		mon_down_why(d, from, actor, at + 1, troupe_Down_Reason_NOPROC);
		return 0;
	}
	/* Not watched, and said: the request is undeliverable (the link's
	 * queue or this node's table is full). */
	struct tp_env env = { .type = troupe_Monitor_msgid };
	snprintf(env.sender, sizeof env.sender, "%s", d->node->ent[from].name);
	for (unsigned k = 0; k < TP_LINKD_RMON; k++)
		if (!d->rmon[k].used) {
			int rc = mon_forward(d, p, from, actor, false);
			if (rc && rc != -TP_ECLOSED) {
				tp_linkd_notice_local(d, p, &env, name,
						      TP_UNDELIVERABLE_QUEUE_FULL, rc);
				return 0;
			}
			d->rmon[k] = (struct tp_linkd_rmon){ true, from, (unsigned)pi, "" };
			snprintf(d->rmon[k].actor, sizeof d->rmon[k].actor, "%s", actor);
			tp_linkd_write(d, p);
			return 0;
		}
	tp_dmsg("%s may not monitor %s: %d monitors of remote actors already",
		env.sender, name, TP_LINKD_RMON);
	tp_linkd_notice_local(d, p, &env, name, TP_UNDELIVERABLE_LIMIT, -TP_ELIMIT);
	return 0;
}

/* The peer's actors that watch actor i of ours: one Down each, across the
 * link.  Their monitors stay, as local ones do, until demonitor or the
 * link drops. */
static void mon_tell_peers(struct tp_linkd *d, unsigned i, int status, bool failed)
{
	const struct tp_sup *s = d->mon->sup;
	const char *name = s->topo->actors[i].name;
	troupe_Down dn = troupe_Down_init_zero;
	snprintf(dn.name, sizeof dn.name, "%s", name);
	tp_monitors_reason(&s->ch[i], status, failed, &dn);
	for (unsigned pi = 0; pi < d->n; pi++) {
		struct tp_lpeer *p = &d->peer[pi];
		bool sent = false;
		for (unsigned k = 0; k < p->n_imon; k++) {
			if (strcmp(p->imon[k].actor, name) != 0)
				continue;
			int rc = tp_linkd_daemon_send(d, p, TP_DAEMON_NAME, p->imon[k].watcher,
						      troupe_Down_msgid, troupe_Down_fields, &dn);
			if (rc && ++p->notices_lost <= 5)
				tp_dmsg("link %s: cannot tell %s that %s is down: %s",
					p->conf->name, p->imon[k].watcher, name, tp_strerror(rc));
			sent |= rc == 0;
		}
		if (sent)
			tp_linkd_write(d, p);
	}
}

void tp_linkd_actor_exit(void *arg, unsigned i, int status, bool failed)
{
	struct tp_linkd *d = arg;
	tp_monitors_exit(d->mon, i, status, failed);
	if (i < d->mon->sup->topo->n_actors)
		mon_tell_peers(d, i, status, failed);
	/* An actor that ended watches nothing: its peers forget it too. */
	bool tell[TP_TOPO_PEER_MAX] = { false };
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (!r->used || r->watcher != i)
			continue;
		r->used = false;
		tell[r->peer] |= mon_forward(d, &d->peer[r->peer], i, r->actor, true) == 0;
	}
	for (unsigned pi = 0; pi < d->n; pi++)
		if (tell[pi])
			tp_linkd_write(d, &d->peer[pi]);
}

void tp_linkd_mon_relayout(struct tp_linkd *d, const int *to, unsigned old_actors)
{
	bool tell[TP_TOPO_PEER_MAX] = { false };
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (!r->used)
			continue;
		int w = r->watcher < old_actors ? to[r->watcher] : -1;
		if (w >= 0) {
			r->watcher = (unsigned)w;
			continue;
		}
		/* Its watcher was removed (its exit normally did this; the
		 * node's entries are still the old ones): the peer forgets it. */
		r->used = false;
		tell[r->peer] |= mon_forward(d, &d->peer[r->peer], r->watcher, r->actor,
					     true) == 0;
	}
	for (unsigned pi = 0; pi < d->n; pi++)
		if (tell[pi])
			tp_linkd_write(d, &d->peer[pi]);
}

/* ---------------------------------------------------------------- from the peer */

static int mon_imon_find(const struct tp_lpeer *p, const char *watcher, const char *actor)
{
	for (unsigned k = 0; k < p->n_imon; k++)
		if (strcmp(p->imon[k].watcher, watcher) == 0 &&
		    strcmp(p->imon[k].actor, actor) == 0)
			return (int)k;
	return -1;
}

static void mon_answer(struct tp_linkd *d, struct tp_lpeer *p, const char *watcher,
		       const char *actor, troupe_Down_Reason why, bool restarting)
{
	troupe_Down dn = troupe_Down_init_zero;
	snprintf(dn.name, sizeof dn.name, "%s", actor);
	dn.reason = why;
	dn.restarting = restarting;
	if (tp_linkd_daemon_send(d, p, TP_DAEMON_NAME, watcher, troupe_Down_msgid,
				 troupe_Down_fields, &dn))
		p->notices_lost++;
}

/* The peer's actor `watcher` (local name, its node is p) monitors or
 * demonitors our actor req->name: only an actor exported to that node. */
static void mon_request_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env,
			   const char *watcher, const char *actor, bool demonitor)
{
	int k = mon_imon_find(p, watcher, actor);
	if (demonitor) {
		if (k >= 0)
			p->imon[k] = p->imon[--p->n_imon];
		return;
	}
	int t = tp_deliver_find(d->node, actor);
	if (t < 0 || !tp_link_access_may_send(&d->acc, p->conf->name, actor)) {
		mon_answer(d, p, watcher, actor, troupe_Down_Reason_NOPROC, false);
		return;
	}
	if (k < 0) {
		if (p->n_imon == TP_LINKD_IMON) {
			if (++p->refused <= 5)
				tp_dmsg("link %s: %s may not monitor %s: %d monitors of that "
					"node already", p->conf->name, watcher, actor,
					TP_LINKD_IMON);
			/* Not watched, and said: the request was undeliverable. */
			struct tp_env lost = *env;
			snprintf(lost.dest, sizeof lost.dest, "%s", actor);
			tp_linkd_notice_remote(d, p, &lost, TP_UNDELIVERABLE_LIMIT, -TP_ELIMIT);
			return;
		}
		k = (int)p->n_imon++;
		snprintf(p->imon[k].watcher, sizeof p->imon[k].watcher, "%.31s", watcher);
		snprintf(p->imon[k].actor, sizeof p->imon[k].actor, "%.31s", actor);
	}
	const struct tp_child *c = &d->mon->sup->ch[t];
	if (!c->pid)   /* known, not running now: as a local monitor */
		mon_answer(d, p, watcher, actor, troupe_Down_Reason_NOPROC,
			   c->state == TP_STATE_BACKOFF);
}

/* The peer's Down about its actor dn.name, for our watcher env->dest. */
static void mon_down_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env,
			troupe_Down *dn)
{
	unsigned pi = (unsigned)(p - d->peer);
	int w = tp_deliver_find(d->node, env->dest);
	for (unsigned k = 0; w >= 0 && k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (!r->used || r->peer != pi || r->watcher != (unsigned)w ||
		    strcmp(r->actor, dn->name) != 0)
			continue;
		char actor[TP_NAME_MAX + 1];
		snprintf(actor, sizeof actor, "%s", dn->name);
		/* Gone from what the peer exports to us: it will not come back. */
		if (dn->reason == troupe_Down_Reason_NOPROC && !tp_linkd_knows(p, actor))
			r->used = false;
		mon_down(d, (unsigned)w, actor, p->conf->name, dn);
		return;
	}
	/* Demonitored meanwhile, the watcher ended, or a request that waited
	 * in the queue across a reconnect: the Down is dropped, and the peer
	 * told to forget a monitor nobody holds here any more. */
	troupe_Monitor m = troupe_Monitor_init_zero;
	snprintf(m.name, sizeof m.name, "%s", dn->name);
	tp_linkd_daemon_send(d, p, env->dest, TP_DAEMON_NAME, troupe_Demonitor_msgid,
			     troupe_Monitor_fields, &m);
}

/* Forgets watcher w's monitor of the peer's actor named by the first n
 * bytes of actor. */
static void mon_forget(struct tp_linkd *d, struct tp_lpeer *p, unsigned w,
		       const char *actor, size_t n)
{
	unsigned pi = (unsigned)(p - d->peer);
	for (unsigned k = 0; k < TP_LINKD_RMON; k++) {
		struct tp_linkd_rmon *r = &d->rmon[k];
		if (r->used && r->peer == pi && r->watcher == w &&
		    strlen(r->actor) == n && memcmp(r->actor, actor, n) == 0)
			r->used = false;
	}
}

/* The peer's Undeliverable, for our actor env->dest: passed on with our
 * daemon's name, once it is known to be about mail for that peer. */
/* u into mailbox w, encoded again: its corr may have been restored to
 * the 64 bits of the call (a peer of an older link version). */
static int mon_notice_deliver(struct tp_linkd *d, unsigned w, const troupe_Undeliverable *u)
{
	uint8_t pl[troupe_Undeliverable_size];
	pb_ostream_t os = pb_ostream_from_buffer(pl, sizeof pl);
	if (!pb_encode(&os, troupe_Undeliverable_fields, u))
		return -TP_EENCODE;
	return tp_deliver_bytes(d->node, w, TP_DAEMON_NAME, troupe_Undeliverable_msgid,
				0, 0, pl, os.bytes_written);
}

static void mon_notice_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	troupe_Undeliverable u = troupe_Undeliverable_init_zero;
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	char *at;
	int w = tp_deliver_find(d->node, env->dest), rc = -TP_EDECODE;
	if (pb_decode(&is, troupe_Undeliverable_fields, &u) &&
	    (at = strchr(u.dest, '@')) && strcmp(at + 1, p->conf->name) == 0) {
		/* A monitor request that was not taken: no monitor either. */
		if (u.type == troupe_Monitor_msgid && w >= 0)
			mon_forget(d, p, (unsigned)w, u.dest, (size_t)(at - u.dest));
		*at = '\0';
		u.corr = tp_linkd_call_full(p, env->dest, u.dest, u.corr);
		*at = '@';
		rc = w < 0 ? -TP_ENOENT : mon_notice_deliver(d, (unsigned)w, &u);
	}
	if (rc && ++p->notices_lost <= 5)
		tp_dmsg("link %s: an undeliverable notice for %s is lost: %s",
			p->conf->name, env->dest, tp_strerror(rc));
}

bool tp_linkd_mon_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	size_t dl = strlen(TP_DAEMON_NAME);
	bool from_daemon = strncmp(env->sender, TP_DAEMON_NAME, dl) == 0 &&
			   env->sender[dl] == '@';
	bool to_daemon = strcmp(env->dest, TP_DAEMON_NAME) == 0;
	if (p->c.link.version < 2 || (!from_daemon && !to_daemon))
		return false;
	if (from_daemon && to_daemon && env->type == troupe_Interest_msgid) {
		tp_linkd_topics_interest(d, p, env);
		return true;
	}
	if (from_daemon && env->type == troupe_Undeliverable_msgid) {
		mon_notice_in(d, p, env);
		return true;
	}
	if (from_daemon && env->type == troupe_Delivered_msgid) {
		tp_linkd_delivered_in(d, p, env);
		return true;
	}
	troupe_Down dn = troupe_Down_init_zero;
	troupe_Monitor m = troupe_Monitor_init_zero;
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	if (from_daemon && env->type == troupe_Down_msgid) {
		if (pb_decode(&is, troupe_Down_fields, &dn))
			mon_down_in(d, p, env, &dn);
		return true;
	}
	if (!to_daemon)
		return false;   /* troupectl send from the peer: ordinary mail */
	if (env->flags & TP_ENV_F_REPLY)
		return false;   /* to a troupectl call across the link: checked as any reply */
	char watcher[TP_ENV_NAME_MAX + 1];
	snprintf(watcher, sizeof watcher, "%s", env->sender);
	char *at = strchr(watcher, '@');
	if (at)
		*at = '\0';
	if ((env->type == troupe_Monitor_msgid || env->type == troupe_Demonitor_msgid) &&
	    !from_daemon && pb_decode(&is, troupe_Monitor_fields, &m) &&
	    tp_name_is_valid(m.name) && tp_name_is_valid(watcher))
		mon_request_in(d, p, env, watcher, m.name, env->type == troupe_Demonitor_msgid);
	else if (++p->refused <= 5)
		tp_dmsg("link %s: refused mail of type %u from %s to this daemon",
			p->conf->name, env->type, env->sender);
	return true;
}
