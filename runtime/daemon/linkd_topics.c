/* Node links, the topics (docs/TOPICS.md, "Topics across node links").
 * Both halves of a remote subscription:
 *   the subscribing node tells each linked peer, as daemon mail
 *   (troupe.Interest), every filter its own subscribers want: all of them
 *   after a reset when the link comes up, then each change (the first
 *   local subscription to a filter, the last one ending);
 *   the publishing node installs one subscription per (peer, filter) that
 *   the peer's export_topics cover, whose subscriber is the peer's outbox
 *   ("troupe.daemon@peer", through its outbox), so a publish crosses each link once, however many
 *   subscribers the peer has; the outbox's topic mail leaves for the
 *   peer's daemon, checked against export_topics again, and the peer's
 *   daemon fans it out to its subscribers (import_topics permitting) with
 *   the fan-out every publisher uses, never to a link again.
 * A link that goes down ends the peer's subscriptions here; interest is
 * sent again when it is back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "topic.pb.h"
#include "clock.h"
#include "ctlpath.h"
#include "log_dmsg.h"
#include "node_topics.h"
#include "linkd-internal.h"

/* Refused subscriptions or topic mail of one peer: logged bounded. */
static void topics_refuse(struct tp_lpeer *p, const char *what, const char *why)
{
	char note[64];
	p->topics_refused++;
	if (tp_log_limit(&p->topics_log, tp_now_ns(), note, sizeof note))
		tp_dmsg("link %s: refused %s: %s (%llu so far)%s", p->conf->name, what, why,
			(unsigned long long)p->topics_refused, note);
}

/* ---------------------------------------------------------------- interest out */

static int topics_tell(struct tp_linkd *d, struct tp_lpeer *p, const char *filter,
		       bool withdraw, bool reset)
{
	troupe_Interest m = troupe_Interest_init_zero;
	snprintf(m.filter, sizeof m.filter, "%s", filter);
	m.withdraw = withdraw;
	m.reset = reset;
	return tp_linkd_daemon_send(d, p, TP_DAEMON_NAME, TP_DAEMON_NAME, troupe_Interest_msgid,
				    troupe_Interest_fields, &m);
}

/* Our whole interest, after a reset: the peer forgets whatever it had of
 * ours (a change that waited in the queue across a reconnect included).
 * A message the queue could not take makes the timer try it all again. */
static void topics_sync(struct tp_linkd *d, struct tp_lpeer *p)
{
	const char *f[TP_TT_SUBS_MAX];
	if (p->state != TP_LPEER_UP || p->c.link.version < 2)
		return;
	unsigned n = tp_node_topics_local_filters(d->node, f, TP_TT_SUBS_MAX);
	/* Nothing to say to a peer that holds nothing of ours: a node without
	 * subscribers sends no topic mail at all. */
	if (n == 0 && !p->topics_told)
		return;
	int rc = topics_tell(d, p, "", false, true);
	for (unsigned k = 0; k < n && rc == 0; k++)
		rc = topics_tell(d, p, f[k], false, false);
	p->topics_resync = rc != 0;
	p->topics_told = n > 0 || rc != 0;
	if (rc && ++p->notices_lost <= 5)
		tp_dmsg("link %s: cannot send this node's topic interest: %s (tried again)",
			p->conf->name, tp_strerror(rc));
	tp_linkd_write(d, p);
}

/* node.h's topics_changed: the node's interest in filter began or ended. */
static void topics_changed(void *ctx, const char *filter, bool on)
{
	struct tp_linkd *d = ctx;
	for (unsigned i = 0; i < d->n; i++) {
		struct tp_lpeer *p = &d->peer[i];
		if (p->state != TP_LPEER_UP || p->c.link.version < 2)
			continue;
		if (p->topics_resync || topics_tell(d, p, filter, !on, false)) {
			topics_sync(d, p);   /* one lost change: all of it again */
			continue;
		}
		p->topics_told = true;
		tp_linkd_write(d, p);
	}
}

void tp_linkd_topics_up(struct tp_linkd *d, struct tp_lpeer *p)
{
	topics_sync(d, p);
}

void tp_linkd_topics_timer(struct tp_linkd *d, struct tp_lpeer *p)
{
	if (p->topics_resync)
		topics_sync(d, p);
}

void tp_linkd_topics_down(struct tp_linkd *d, struct tp_lpeer *p)
{
	unsigned k = tp_node_topics_remote_clear(d->node, p->conf->name);
	p->topics_resync = false;
	/* What we told it may still wait in the queue: a reset goes first
	 * at the next link-up. */
	if (k)
		tp_dmsg("link %s: its %u topic subscription%s ended with the link",
			p->conf->name, k, k == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- interest in */

void tp_linkd_topics_interest(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	struct tp_link_interest in;
	char what[TP_TOPIC_MAX + 32];
	if (tp_link_interest_decode(env->payload, env->payload_len, &in)) {
		topics_refuse(p, "a topic interest", "malformed");
		return;
	}
	if (in.reset)
		tp_node_topics_remote_clear(d->node, p->conf->name);
	if (!in.filter[0])
		return;
	if (in.withdraw) {
		if (tp_node_topics_remote(d->node, p->conf->name, in.filter, false, 0) == 0)
			tp_dmsg("link %s: unsubscribed from %s", p->conf->name, in.filter);
		return;
	}
	snprintf(what, sizeof what, "a subscription to %s", in.filter);
	if (!tp_link_topics_covers(&p->conf->export_topics, in.filter)) {
		topics_refuse(p, what, "not covered by its export_topics");
		return;
	}
	int rc = tp_node_topics_remote(d->node, p->conf->name, in.filter, true,
				       TP_LINKD_TOPICS_PEER);
	if (rc == -TP_ELIMIT)
		topics_refuse(p, what, "the topic table, or that node's share of it ("
			      "32 filters), is full");
	else if (rc)
		topics_refuse(p, what, tp_strerror(rc));
	else
		tp_dmsg("link %s: subscribed to %s", p->conf->name, in.filter);
}

/* ---------------------------------------------------------------- topic mail */

/* The fan-out's mailbox for one of our subscribers (never an outbox:
 * local_only skips those). */
static int topics_dest(void *ctx, const char *name, struct tp_mailbox **out)
{
	struct tp_node *n = ((struct tp_linkd *)ctx)->node;
	for (unsigned i = 0; i < n->count; i++)
		if (!n->ent[i].node[0] && strcmp(n->ent[i].name, name) == 0 && n->box[i].mb) {
			*out = &n->box[i];
			return 0;
		}
	return -TP_ENOENT;
}

bool tp_linkd_topic_out(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	/* Every message of the outbox comes here: most are no topic mail,
	 * and say so before anything is formatted. */
	if (!env->topic[0])
		return false;
	char who[TP_ENV_NAME_MAX + 1];
	snprintf(who, sizeof who, "%s@%s", TP_DAEMON_NAME, p->conf->name);
	if (strcmp(env->dest, who) != 0)
		return false;
	struct tp_mailbox *obx = &d->node->box[p->obx];
	char what[TP_TOPIC_MAX + 64];
	snprintf(what, sizeof what, "topic mail from %.31s on %s", env->sender, env->topic);
	/* Only our actors publish (the daemon never fans a link's mail out to
	 * one), and only what the peer may have. */
	const char *why = !tp_name_is_valid(env->sender) ? "sender is no actor" :
			  p->state != TP_LPEER_UP ? "the link is down (topic mail is not kept)" :
			  p->c.link.version < 2 ? "the link speaks version 1" :
			  !tp_link_topics_allows(&p->conf->export_topics, env->topic) ?
			  "not in its export_topics" : NULL;
	if (why) {
		tp_mailbox_discard(obx);
		topics_refuse(p, what, why);
		return true;
	}
	/* For the peer's daemon, which fans it out: the same envelope, version
	 * 3, with its destination rewritten. */
	struct tp_env out = *env;
	snprintf(out.dest, sizeof out.dest, "%s", TP_DAEMON_NAME);
	int off = tp_env_encode_head(d->tbuf, d->tbuf_cap, &out);
	int rc = off < 0 ? off : env->payload_len > d->tbuf_cap - (size_t)off ? -TP_ETOOBIG : 0;
	if (rc == 0) {
		memcpy(d->tbuf + off, env->payload, env->payload_len);
		tp_env_set_len(d->tbuf, env->payload_len);
		rc = tp_link_queue_push(&p->q, d->tbuf, (size_t)off + env->payload_len);
	}
	if (rc) {
		tp_mailbox_discard(obx);
		topics_refuse(p, what, rc == -TP_EFULL ? "link queue full" : tp_strerror(rc));
	}
	return true;
}

void tp_linkd_topic_mail_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	char what[TP_TOPIC_MAX + 64];
	snprintf(what, sizeof what, "topic mail from %.40s on %s", env->sender, env->topic);
	if (p->c.link.version < 2 || strcmp(env->dest, TP_DAEMON_NAME) != 0 ||
	    (env->flags & (TP_ENV_F_REQUEST | TP_ENV_F_REPLY))) {
		topics_refuse(p, what, "not for this node's daemon, or a call");
		return;
	}
	if (!tp_link_topics_allows(&p->conf->import_topics, env->topic)) {
		topics_refuse(p, what, "not in its import_topics");
		return;
	}
	struct tp_fanout *f = &d->fan;
	f->tab = d->node->topics;
	f->sender = env->sender;   /* "actor@peer": the publisher, as mail_in made it */
	size_t off = tp_fanout_offset(env->sender, env->topic);
	if (off > d->tbuf_cap || env->payload_len > d->tbuf_cap - off) {
		topics_refuse(p, what, "larger than this node's messages");
		return;
	}
	memcpy(d->tbuf + off, env->payload, env->payload_len);
	/* The peer sent the message's age (linkd_seal): back onto our clock. */
	int64_t now = tp_now_ns();
	int64_t sent = !env->sent_ns ? now : env->sent_ns < (uint64_t)now ?
		       now - (int64_t)env->sent_ns : 1;
	int rc = tp_fanout_publish(f, env->topic, env->type, d->tbuf, env->payload_len, sent);
	if (rc)
		topics_refuse(p, what, tp_strerror(rc));
	else
		p->topics_in++;
}

/* ---------------------------------------------------------------- life */

int tp_linkd_topics_init(struct tp_linkd *d)
{
	d->tbuf_cap = d->buf_cap + tp_fanout_offset("", "") + TP_ENV_NAME_MAX + TP_TOPIC_MAX;
	d->tbuf = malloc(d->tbuf_cap);
	if (!d->tbuf)
		return -TP_ENOMEM;
	d->fan = (struct tp_fanout){ .dest = topics_dest, .ctx = d, .local_only = true,
				     .sender = "" };
	d->node->topics_changed = topics_changed;
	d->node->topics_ctx = d;
	return 0;
}

void tp_linkd_topics_fini(struct tp_linkd *d)
{
	if (d->node && d->node->topics_changed == topics_changed)
		d->node->topics_changed = NULL;
	tp_fanout_fini(&d->fan);
	free(d->tbuf);
	d->tbuf = NULL;
}
